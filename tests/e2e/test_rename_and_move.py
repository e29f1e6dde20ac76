"""Declarations that say what they were (``previousNames``, ``previousOrg``) through the real
engine: a reward-group rename is an update, warned about at ``preview`` before anything is sent;
a move to another org is a replacement that deletes (deactivates) first."""

from __future__ import annotations

from tests.conftest import DEMO_ORG_ID, SECOND_ORG_ID
from tests.e2e.harness import stack_config

SECOND_ORG = '    brand-two: {{host: "{url}", username: demo2.till, password: demo2-password}}\n'


def two_orgs(url: str, reward: str) -> str:
    text = stack_config(url, reward=reward, extra="  pulumi-groups:defaultOrg: default\n")
    anchor = "  wesurvey:accounts:\n"
    return text.replace(anchor, SECOND_ORG.format(url=url) + anchor)


def test_reward_rename_is_an_update_warned_at_preview(project, emulator):
    project.write_stack(stack_config(emulator.url, reward="\n    - {name: VIP, rank: 1}"))
    project.pulumi("up", "--yes")
    [vip] = emulator.reward_groups(DEMO_ORG_ID)

    project.write_stack(stack_config(emulator.url, reward="\n    - {name: VIP Gold, rank: 1, previousNames: [VIP]}"))
    emulator.reset_counters()
    preview = project.pulumi("preview", "--json")
    assert preview.changes() == {"default/reward/VIP Gold": "update"}
    assert emulator.counters()["total"] == 0
    warned = [d["message"] for d in preview.diagnostics() if "VIP Gold" in d["message"] and "VIP" in d["message"]]
    assert warned, preview.diagnostics()

    up = project.pulumi("up", "--yes", "--json")
    assert up.applied_ops().get("default/reward/VIP Gold") == ["update"]
    [renamed] = emulator.reward_groups(DEMO_ORG_ID)
    assert (renamed["id"], renamed["name"]) == (vip["id"], "VIP Gold")
    assert {name: r["id"] for name, r in project.resources().items()} == {"default/reward/VIP Gold": str(vip["id"])}


def test_move_to_another_org_replaces_deleting_first(project, emulator):
    project.write_stack(two_orgs(emulator.url, "\n    - {name: VIP, rank: 1}"))
    project.pulumi("up", "--yes")
    [old] = emulator.reward_groups(DEMO_ORG_ID)

    project.write_stack(two_orgs(emulator.url, "\n    - {name: VIP, rank: 1, org: brand-two, previousOrg: default}"))
    preview = project.pulumi("preview", "--json")
    assert preview.changes() == {"brand-two/reward/VIP": "replace"}
    up = project.pulumi("up", "--yes", "--json")
    order = up.step_order()  # the old resource keeps its old name (the alias) in its delete step
    assert order.index(("delete-replaced", "default/reward/VIP")) < order.index(
        ("create-replacement", "brand-two/reward/VIP")
    )

    assert [(g["id"], g["isActive"]) for g in emulator.reward_groups(DEMO_ORG_ID)] == [(old["id"], False)]
    [new] = emulator.reward_groups(SECOND_ORG_ID)
    assert new["isActive"] is True
    resources = project.resources()
    assert {name: r["id"] for name, r in resources.items()} == {"brand-two/reward/VIP": str(new["id"])}
    assert resources["brand-two/reward/VIP"]["outputs"]["org_id"] == SECOND_ORG_ID
