"""``export`` on the real CLI (issue 20, "Export's YAML"): the stack file it writes is read by the
pulumi CLI's own YAML reader (Go yaml.v3, which turns a plain ``0X1F`` into 31 and ``2024-1-2``
into a timestamp) as exactly the names listed; names the stack program refuses are left out; the
old name of a pending rename is not declared again; and the next preview runs."""

from __future__ import annotations

import json

from tests.commands.test_cli_yaml import TRICKY
from tests.commands.test_export import REFUSED
from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import stack_config


def cli_names(project, key: str = "pulumi-groups:badgeGroups") -> list:
    """The names of a declaration list as the CLI hands them to the stack program."""
    got = json.loads(project.pulumi("config", "get", key, "--json").stdout)
    return [entry["name"] for entry in json.loads(got["value"])]


def test_export_writes_names_the_cli_reads_back_as_the_same_strings(project, emulator):
    for rank, name in enumerate(TRICKY):
        emulator.create_badge_group(DEMO_ORG_ID, name, rank % 10)
        emulator.create_reward_group(DEMO_ORG_ID, name, rank=rank % 10)
    for name in REFUSED:
        emulator.create_badge_group(DEMO_ORG_ID, name, 1)
    emulator.create_badge_group(DEMO_ORG_ID, "GOLD", 1)  # renamed to SILVER in the file, not applied yet
    project.write_stack(stack_config(emulator.url, badge="\n    - {name: SILVER, rank: 1, previousNames: [GOLD]}"))

    export = project.command("export", "--org", "default", "--stack", "e2e", check=False)

    assert export.returncode == 2, export.stderr  # written, with the refused names left out
    badges, rewards = cli_names(project), cli_names(project, "pulumi-groups:rewardGroups")
    assert badges[0] == "SILVER" and sorted(badges[1:]) == sorted(TRICKY)  # no GOLD, nothing refused
    assert sorted(rewards) == sorted(TRICKY)
    assert all(isinstance(name, str) for name in badges + rewards)

    # Every later preview of the stack runs: each entry passes the program's checks.
    preview = project.pulumi("preview", "--json")
    ops = preview.ops()
    assert {name for name, op in ops.items() if op == "create"} == {
        *(f"default/badge/{n}" for n in ["SILVER", *TRICKY]),
        *(f"default/reward/{n}" for n in TRICKY),
    }
