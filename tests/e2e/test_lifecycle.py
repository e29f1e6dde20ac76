"""The demo stack through the real CLI: ``up``, a no-change ``preview``, drift and ``refresh``,
``destroy``; every assertion on what the engine recorded (``--json``, ``stack export``) and on
what the emulator holds and counted."""

from __future__ import annotations

from tests.conftest import DEMO_ORG_ID, SECOND_ORG_ID
from tests.e2e.harness import REPO, Project

TEAM = 53


def use_demo_stack(project: Project, emulator) -> None:
    """stacks/Pulumi.demo.yaml as committed, pointed at this test's emulator (the committed salt
    belongs to the demo's passphrase, so the test's own stack keeps its own)."""
    text = (REPO / "stacks" / "Pulumi.demo.yaml").read_text().replace("http://127.0.0.1:18080", emulator.url)
    project.write_stack("\n".join(line for line in text.splitlines() if not line.startswith("encryptionsalt:")))


def live_ids(emulator) -> dict[str, str]:
    """Resource name -> id of every group the emulator holds, named as the stack names them."""
    ids = {f"default/badge/{g['name']}": g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
    ids |= {f"brand-two/badge/{g['name']}": g["id"] for g in emulator.badge_groups(SECOND_ORG_ID)}
    ids |= {f"default/reward/{g['name']}": str(g["id"]) for g in emulator.reward_groups(DEMO_ORG_ID)}
    ids |= {f"brand-two/reward/{g['name']}": str(g["id"]) for g in emulator.reward_groups(SECOND_ORG_ID)}
    ids |= {
        f"default/contact/{g['name']}": str(g["id"])
        for g in emulator.contact_groups(TEAM)
        if g["name"] != "Default group"
    }
    return ids


def state_ids(project: Project) -> dict[str, str]:
    return {name: record["id"] for name, record in project.resources().items()}


def test_demo_stack_up_creates_every_group_and_a_second_preview_sends_nothing(project, emulator):
    use_demo_stack(project, emulator)
    up = project.pulumi("up", "--yes", "--json")
    assert up.summary() == {"create": 11}  # 10 groups and the stack itself
    assert set(up.applied_ops()) == set(live_ids(emulator))
    assert state_ids(project) == live_ids(emulator)
    contacts = {g["name"]: g for g in emulator.contact_groups(TEAM)}
    assert contacts["Batch 1"]["parent_id"] == contacts["NPS panel"]["id"]
    assert project.stack_outputs()["rewardGroups"]["brand-two"]["VIP"] == live_ids(emulator)["brand-two/reward/VIP"]

    emulator.reset_counters()
    preview = project.pulumi("preview", "--json", "--expect-no-changes")
    assert preview.summary() == {"same": 11}
    assert emulator.counters()["total"] == 0


def test_drift_refresh_then_up_restores_the_declared_state(project, emulator):
    use_demo_stack(project, emulator)
    project.pulumi("up", "--yes")
    before = live_ids(emulator)
    emulator.update_group("badge", DEMO_ORG_ID, before["default/badge/GOLD"], rank=9)
    emulator.delete_group("contact", TEAM, int(before["default/contact/Batch 2"]))

    refresh = project.pulumi("refresh", "--yes", "--json")
    assert refresh.ops()["default/contact/Batch 2"] == "delete"
    assert refresh.applied_ops()["default/badge/GOLD"] == ["update"]
    resources = project.resources()
    assert resources["default/badge/GOLD"]["outputs"]["rank"] == 9
    assert "default/contact/Batch 2" not in resources  # confirmed gone, dropped from state
    # One line names the dropped group (the preview part of `refresh --yes` reads it as well).
    notices = [d["message"] for d in refresh.diagnostics(source="events") if "Batch 2" in d["message"]]
    assert len(notices) == 1, refresh.diagnostics()

    up = project.pulumi("up", "--yes", "--json")
    assert up.changes() == {"default/badge/GOLD": "update", "default/contact/Batch 2": "create"}
    after = live_ids(emulator)
    assert {g["name"]: g["rank"] for g in emulator.badge_groups(DEMO_ORG_ID)}["GOLD"] == 3
    assert after["default/contact/Batch 2"] != before["default/contact/Batch 2"]
    assert state_ids(project) == after


def test_destroy_keeps_badges_deactivates_rewards_deletes_contacts_children_first(project, emulator):
    use_demo_stack(project, emulator)
    project.pulumi("up", "--yes")
    emulator.reset_counters()

    destroy = project.pulumi("destroy", "--yes", "--json")
    assert destroy.summary() == {"delete": 11}
    assert project.resources() == {}
    # Capillary cannot delete badge groups: they stay, each named in a warning.
    assert sorted(g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)) == ["BRONZE", "GOLD", "SILVER"]
    # The provider's notices reach the engine as the provider's stderr lines (severity info#err).
    notices = [d["message"] for d in destroy.diagnostics(source="events") if d["severity"] == "info#err"]
    for group in emulator.badge_groups(DEMO_ORG_ID) + emulator.badge_groups(SECOND_ORG_ID):
        assert len([n for n in notices if group["id"] in n]) == 1, notices
    assert all(
        g["isActive"] is False for g in emulator.reward_groups(DEMO_ORG_ID) + emulator.reward_groups(SECOND_ORG_ID)
    )
    assert [g["name"] for g in emulator.contact_groups(TEAM)] == ["Default group"]
    order = [name for op, name in destroy.step_order() if op == "delete"]
    assert order.index("default/contact/Batch 1") < order.index("default/contact/NPS panel")
    assert order.index("default/contact/Batch 2") < order.index("default/contact/NPS panel")

    emulator.reset_counters()
    again = project.pulumi("destroy", "--yes", "--json")
    assert again.summary() == {}
    assert emulator.counters()["total"] == 0
