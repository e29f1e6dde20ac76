"""``accept-drift``'s edit of a stack file, from drift rows as the report builds them: the live
rank, a rename through ``previousNames`` (a contact group keeps its resource name through ``key``),
comments and other entries kept, and what it cannot accept left with why. The command itself runs
through the real CLI in ``tests/e2e/test_operator_controls.py``."""

from __future__ import annotations

import json

from ruamel.yaml import YAML

from pulumi_groups.commands import accept_drift, drift, stack_files
from pulumi_groups.lifecycle import kinds
from pulumi_groups.program import stack_program

STACK_TEXT = """\
config:
  capillary:orgs:
    default: {host: "http://127.0.0.1:1", username: demo.till, password: demo-password}
  wesurvey:accounts:
    default: {host: "http://127.0.0.1:1", appId: demo-appid, secret: demo-secret}
  pulumi-groups:badgeGroups:
    - {name: GOLD, rank: 3}   # raised for the summer campaign?
    - {name: SILVER, rank: 2}
    - name: BRONZE
      rank: 1
  pulumi-groups:contactGroups:
    - {name: Panel, team_id: 53}
    - {name: Batch, team_id: 53, parent: Panel, order: 1}
encryptionsalt: v1:keep-me
"""


def config_of(text: str) -> dict[str, str]:
    doc = YAML(typ="safe").load(text)["config"]
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in doc.items()}


def row(kind: str, resource: str, name: str, change: str, field: str | None, declared, live) -> drift.Change:
    found = drift.Change("s", kind, "default", name, "1", change, field, declared, live, resource=resource)
    if change == drift.CHANGED and field in kinds.by_name(kind).acceptable_fields:
        found.accept = drift.ACCEPT_COMMAND.format(stack="s")
    found.put_back = drift.PUT_BACK_COMMAND.format(stack="s")
    return found


def test_live_values_go_into_the_entries_and_a_rename_keeps_its_resource(tmp_path, monkeypatch):
    for name in ("CAPILLARY_HOST", "WESURVEY_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text(STACK_TEXT)
    config = config_of(STACK_TEXT)
    plan = stack_program.plan_from_config("s", config, {})
    findings = drift.StackFindings(
        "s",
        changes=[
            row("badge", "default/badge/GOLD", "GOLD", drift.CHANGED, "rank", 3, 9.0),
            row("badge", "default/badge/SILVER", "SILVER", drift.CHANGED, "name", "SILVER", "SILVER-renamed"),
            row("contact", "default/contact/Panel", "Panel", drift.CHANGED, "name", "Panel", "NPS panel"),
            row("contact", "default/contact/Batch", "Batch", drift.CHANGED, "team_id", 53, 54),
            row("badge", "default/badge/BRONZE", "BRONZE", drift.GONE, None, "BRONZE", None),
        ],
    )
    urns = {r.resource: f"urn:{r.resource}" for r in findings.changes}
    result = accept_drift.accept(stack_files.load(path), plan, findings, urns)
    assert result.targets == ["urn:default/badge/GOLD", "urn:default/badge/SILVER", "urn:default/contact/Panel"]
    assert len(result.written) == 3 and len(result.left) == 2

    text = accept_drift._checked_text(result, "s", config)  # the stack program's checks, then read back
    written = YAML(typ="safe").load(text)["config"]
    assert written["pulumi-groups:badgeGroups"] == [
        {"name": "GOLD", "rank": 9},
        {"name": "SILVER-renamed", "rank": 2, "previousNames": ["SILVER"]},
        {"name": "BRONZE", "rank": 1},
    ]
    assert written["pulumi-groups:contactGroups"] == [
        {"name": "NPS panel", "team_id": 53, "key": "Panel"},
        {"name": "Batch", "team_id": 53, "parent": "Panel", "order": 1},
    ]
    assert "# raised for the summer campaign?" in text and "encryptionsalt: v1:keep-me" in text
    # Each group keeps its resource, by name or, for the renamed badge group, by its alias.
    replanned = stack_program.plan_from_config("s", config_of(text), {})
    before = [d.resource_name for d in plan.declarations]
    after = [d.resource_name for d in replanned.declarations]
    assert after == [name.replace("SILVER", "SILVER-renamed") if "badge" in name else name for name in before]
    assert {a for d in replanned.declarations for a in d.aliases} == {"default/badge/SILVER"}
