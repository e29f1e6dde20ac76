"""The drift report from real runs: ``deploy --refresh --expect-no-changes`` through the real
CLI, after a rank changed, a group renamed and a group deleted in the console, and two groups
made by hand: exactly those rows, in the JSON (validated against its schema) and the Markdown."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import stack_config


def test_refresh_drift_report_names_each_change_gone_group_and_unmanaged_group(project, emulator, tmp_path):
    badges = "\n    - {name: GOLD, rank: 3}\n    - {name: SILVER, rank: 2}"
    rewards = "\n    - {name: VIP, rank: 1}\n    - {name: Legacy, rank: 2}"
    project.write_stack(stack_config(emulator.url, badge=badges, reward=rewards))
    project.pulumi("up", "--yes")
    ids = {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
    rewards_by_name = {g["name"]: g["id"] for g in emulator.reward_groups(DEMO_ORG_ID)}
    emulator.update_group("badge", DEMO_ORG_ID, ids["GOLD"], rank=9)
    emulator.update_group("badge", DEMO_ORG_ID, ids["SILVER"], name="SILVER-renamed")
    emulator.delete_group("reward", DEMO_ORG_ID, rewards_by_name["Legacy"])
    handmade = [
        emulator.create_badge_group(DEMO_ORG_ID, "HANDMADE", 5),
        emulator.create_reward_group(DEMO_ORG_ID, "Console promo", 4),
    ]

    report_json, report_md = tmp_path / "drift.json", tmp_path / "drift.md"
    run = project.command(
        "deploy",
        "--stacks",
        "e2e",
        "--refresh",
        "--expect-no-changes",
        "--json",
        str(report_json),
        "--report",
        str(report_md),
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    report = json.loads(report_json.read_text())
    schema = json.loads(resources.files("pulumi_groups.commands").joinpath("drift_report.schema.json").read_text())
    jsonschema.validate(report, schema)

    [stack] = report["stacks"]
    rows = {(c["kind"], c["id"], c["change"], c["field"], c["declared"], c["live"]) for c in stack["changes"]}
    assert rows == {
        ("badge", ids["GOLD"], "changed", "rank", 3, 9),
        ("badge", ids["SILVER"], "changed", "name", "SILVER", "SILVER-renamed"),
        ("reward", str(rewards_by_name["Legacy"]), "gone", None, "Legacy", None),
    }
    [org] = report["orgs"]
    assert {(u["kind"], u["id"], u["name"]) for u in org["unmanaged"]} == {
        ("badge", handmade[0]["id"], "HANDMADE"),
        ("reward", str(handmade[1]["id"]), "Console promo"),
    }
    markdown = report_md.read_text()
    for needle in ("SILVER-renamed", "HANDMADE", "Console promo", ids["GOLD"]):
        assert needle in markdown


def test_a_nightly_check_of_one_stack_leaves_another_stacks_groups_alone(project, emulator, tmp_path):
    """Issue 19 case 4 through the real CLI: one CI job per stack. Another stack of the project
    owns groups of the same org (its password encrypted by the CLI, one of its groups renamed in
    the console): they are not unmanaged for this stack's nightly check."""
    project.write_stack(stack_config(emulator.url, badge="\n    - {name: GOLD, rank: 3}"))
    project.pulumi("up", "--yes")
    project.init("other")
    project.write_stack(
        f"""\
config:
  capillary:requestsPerMinute: "100000"
  capillary:orgs:
    eu-main: {{host: "{emulator.url}", username: demo.till}}
  pulumi-groups:badgeGroups:
    - {{name: PLATINUM, rank: 1}}
    - {{name: SILVER, rank: 2}}
""",
        stack="other",
    )
    project.config_set("capillary:orgs.eu-main.password", "demo-password", secret=True, stack="other")
    assert "demo-password" not in project.stack_file("other").read_text()
    project.pulumi("up", "--yes", stack="other")
    ids = {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
    emulator.update_group("badge", DEMO_ORG_ID, ids["SILVER"], name="SILVER-console")  # still the other stack's

    report_json = tmp_path / "nightly.json"
    nightly = (
        "deploy",
        "--stacks",
        "e2e",
        "--refresh",
        "--expect-no-changes",
        "--expect-no-unmanaged",
        "--json",
        str(report_json),
    )
    run = project.command(*nightly, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    [org] = json.loads(report_json.read_text())["orgs"]
    assert org["unmanaged"] == [] and org["listed"]["badge"] == 3

    handmade = emulator.create_badge_group(DEMO_ORG_ID, "HANDMADE", 5)
    run = project.command(*nightly, check=False)
    assert run.returncode == 2, run.stdout + run.stderr
    [org] = json.loads(report_json.read_text())["orgs"]
    assert [(u["id"], u["name"]) for u in org["unmanaged"]] == [(handmade["id"], "HANDMADE")]
