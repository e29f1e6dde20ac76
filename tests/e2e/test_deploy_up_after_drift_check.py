"""``deploy --up`` after a drift check puts the declared values back. The check
(``--refresh --expect-no-changes``) leaves the state as it was, so the state still holds the
declared values; only an ``up`` that refreshes first (``pulumi up --refresh``) sees the drift."""

from __future__ import annotations

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import stack_config


def test_deploy_up_after_a_drift_check_restores_the_declared_rank(project, emulator):
    badges = "\n    - {name: GOLD, rank: 1}\n    - {name: SILVER, rank: 2}"
    project.write_stack(stack_config(emulator.url, badge=badges))
    deploy = ("deploy", "--stacks", "e2e", "--no-unmanaged")
    project.command(*deploy, "--up")
    gold = next(g for g in emulator.badge_groups(DEMO_ORG_ID) if g["name"] == "GOLD")

    emulator.update_group("badge", DEMO_ORG_ID, gold["id"], rank=7)  # changed in the vendor's console
    check = project.command(*deploy, "--refresh", "--expect-no-changes", check=False)
    assert check.returncode == 2, check.stdout
    assert project.resources()["default/badge/GOLD"]["outputs"]["rank"] == 1  # the check left state alone

    project.command(*deploy, "--up")
    live = {g["name"]: g for g in emulator.badge_groups(DEMO_ORG_ID)}
    assert (live["GOLD"]["id"], live["GOLD"]["rank"]) == (gold["id"], 1)
    assert live["SILVER"]["rank"] == 2
    assert project.command(*deploy, "--refresh", "--expect-no-changes", check=False).returncode == 0


def test_deploy_up_of_a_large_plan_journals_its_creates_and_settles_the_journal(project, emulator):
    """The large-plan path of ``deploy --up`` (``large_plan.py``): the run journals each create,
    and once every journaled create is in state the journal is gone."""
    from pulumi_groups.commands.large_plan import journal_path

    names = [f"G{i:03d}" for i in range(60)]
    project.write_stack(stack_config(emulator.url, badge="".join(f"\n    - {{name: {n}, rank: 1}}" for n in names)))
    project.env["PULUMI_GROUPS_LARGE_PLAN"] = "50"
    journal = journal_path(project.root, "e2e", project.env)
    project.command("deploy", "--stacks", "e2e", "--no-unmanaged", "--up")
    assert journal.parent.is_dir() and not journal.exists()  # written during the run, settled after it
    assert sorted(r["inputs"]["name"] for r in project.resources().values()) == names
    assert sorted(g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)) == names
