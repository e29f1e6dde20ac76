"""``recover`` on the real CLI, on a stack file laid out the way people write them (a list that
starts with a comment, a one-line entry with a trailing comment, then a block entry): ruamel's
round trip would merge two lines there, so before issue 20 recover died with an ``UnsafeWrite``
traceback after clearing the lock and before marking anything. Now it marks the pending create's
declaration through export's writer (line edits), clears the pending operation, and the next
``up`` takes the landed group over."""

from __future__ import annotations

import copy
import json

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import STACK


def layout(url: str, second: bool) -> str:
    text = f"""\
config:
  capillary:requestsPerMinute: "100000"
  capillary:orgs:
    default:
      host: {url}
      username: demo.till
      password: demo-password
  pulumi-groups:badgeGroups:
    # hand-written entries first
    - {{name: B-000, rank: 99}}  # ranked by hand
"""
    return text + ("    - name: B-001\n      rank: 1\n" if second else "")


def test_recover_marks_a_layout_the_round_trip_would_mangle(project, emulator):
    project.write_stack(layout(emulator.url, second=False))
    project.pulumi("up", "--yes", "--skip-preview")
    # A run killed while creating B-001: the group landed, the state holds only the pending create.
    landed = emulator.create_badge_group(DEMO_ORG_ID, "B-001", 1)
    project.write_stack(layout(emulator.url, second=True))
    # The file backend's checkpoint, as the killed run left it (`stack import` would drop
    # pending operations): B-000 recorded, B-001's create pending.
    [checkpoint_file] = (project.root / "backend" / ".pulumi" / "stacks").rglob(f"{STACK}.json")
    checkpoint = json.loads(checkpoint_file.read_text())
    deployment = checkpoint["checkpoint"]["latest"]
    [gold] = [r for r in deployment["resources"] if r["type"].endswith(":BadgeGroup")]
    pending = copy.deepcopy(gold)
    pending["urn"] = gold["urn"].replace("B-000", "B-001")
    pending["inputs"] = {**gold["inputs"], "name": "B-001", "rank": 1}
    for key in ("id", "outputs"):
        pending.pop(key, None)
    deployment["pending_operations"] = [{"resource": pending, "type": "creating"}]
    checkpoint_file.write_text(json.dumps(checkpoint))
    assert project.export()["deployment"]["pending_operations"]
    before = project.stack_file().read_text()

    recovered = project.command("recover", "--stack", STACK, check=False)

    assert recovered.returncode == 0, recovered.stderr
    assert "Traceback" not in recovered.stderr
    after = project.stack_file().read_text()
    assert after == before.replace(
        "    - name: B-001\n      rank: 1\n", "    - name: B-001\n      rank: 1\n      adopt: true\n"
    )
    assert not project.export()["deployment"].get("pending_operations")

    project.pulumi("up", "--yes", "--skip-preview")
    assert [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID) if g["name"] == "B-001"] == [landed["id"]]
    assert landed["id"] in {r["id"] for r in project.resources().values()}
