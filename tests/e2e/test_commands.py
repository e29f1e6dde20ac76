"""The commands on the real CLI: ``export`` then ``up`` adopts a whole org; ``deploy`` runs
several stacks (two sharing a credential) through preview, up and the drift check."""

from __future__ import annotations

import pytest

from tests.conftest import DEMO_ORG_ID, SECOND_ORG_ID
from tests.e2e.harness import stack_config

PER_KIND = 230  # three pages of 100 of each kind


def test_export_of_a_large_org_then_up_adopts_every_group_and_creates_none(project, emulator):
    for i in range(PER_KIND):
        emulator.create_badge_group(DEMO_ORG_ID, f"Badge {i:03d}", i % 10)
        emulator.create_reward_group(DEMO_ORG_ID, f"Reward {i:03d}", i % 5, active=i % 3 != 0)
    before = {g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)} | {
        str(g["id"]) for g in emulator.reward_groups(DEMO_ORG_ID)
    }
    project.write_stack(stack_config(emulator.url))

    project.command("export", "--org", "default", "--stack", "e2e")
    up = project.pulumi("up", "--yes", "--skip-preview", "--json")
    assert up.summary() == {"create": 2 * PER_KIND + 1}  # new to the state, each one adopted
    after = {g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)} | {
        str(g["id"]) for g in emulator.reward_groups(DEMO_ORG_ID)
    }
    assert after == before  # no group created, none duplicated
    assert {r["id"] for r in project.resources().values()} == before
    inactive = {str(g["id"]) for g in emulator.reward_groups(DEMO_ORG_ID) if not g["isActive"]}
    assert inactive == {str(g["id"]) for g in emulator.reward_groups(DEMO_ORG_ID) if int(g["name"][-3:]) % 3 == 0}

    emulator.reset_counters()
    project.pulumi("preview", "--json", "--expect-no-changes")
    assert emulator.counters()["total"] == 0


def stack_for(emulator, org_credentials: str, badge: str) -> str:
    return stack_config(emulator.url, badge=badge).replace(
        "username: demo.till, password: demo-password", org_credentials
    )


@pytest.mark.parametrize("parallel", ["3"])
def test_deploy_three_stacks_two_sharing_a_credential(project, emulator, parallel):
    first = "username: demo.till, password: demo-password"
    second = "username: demo2.till, password: demo2-password"
    stacks = {
        "e2e-a": stack_for(emulator, first, "\n    - {name: A1, rank: 1}\n    - {name: A2, rank: 2}"),
        "e2e-b": stack_for(emulator, first, "\n    - {name: B1, rank: 1}"),
        "e2e-c": stack_for(emulator, second, "\n    - {name: C1, rank: 1}"),
    }
    for name, text in stacks.items():
        project.init(name)
        project.write_stack(text, stack=name)
        project.config_set("capillary:requestsPerMinute", "600", stack=name)

    deploy = ("deploy", "--stacks", "e2e-*", "--parallel", parallel)
    preview = project.command(*deploy, "--preview", "--expect-no-changes", check=False)
    assert preview.returncode == 2, preview.stdout  # changes pending
    assert emulator.badge_groups(DEMO_ORG_ID) == []
    project.command(*deploy, "--up")
    assert sorted(g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)) == ["A1", "A2", "B1"]
    assert [g["name"] for g in emulator.badge_groups(SECOND_ORG_ID)] == ["C1"]
    for name in stacks:
        assert {r["id"] for r in project.resources(name).values()} <= {
            g["id"] for g in emulator.badge_groups(DEMO_ORG_ID) + emulator.badge_groups(SECOND_ORG_ID)
        }

    assert project.command(*deploy, "--refresh", "--expect-no-changes", check=False).returncode == 0
    a1 = next(g for g in emulator.badge_groups(DEMO_ORG_ID) if g["name"] == "A1")
    emulator.update_group("badge", DEMO_ORG_ID, a1["id"], rank=7)
    drift = project.command(*deploy, "--refresh", "--expect-no-changes", check=False)
    assert drift.returncode == 2, drift.stdout
    assert project.resources("e2e-a")["default/badge/A1"]["outputs"]["rank"] == 1  # the check left state alone
    project.command(*deploy, "--refresh")  # accepts the live rank into the state ...
    assert project.resources("e2e-a")["default/badge/A1"]["outputs"]["rank"] == 7
    project.command(*deploy, "--up")  # ... which the next up puts back to the declared one
    assert next(g for g in emulator.badge_groups(DEMO_ORG_ID) if g["name"] == "A1")["rank"] == 1
