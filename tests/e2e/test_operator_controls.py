"""Operator controls from stack config through the real CLI: ``protect``, ``retainOnDelete`` and
``ignoreChanges`` per entry and in ``pulumi-groups:defaults``, and ``accept-drift``. Every
assertion is on what the engine recorded (``--json``, ``stack export``), what the emulator holds
and its request counters, and on the stack file as YAML."""

from __future__ import annotations

import json

from ruamel.yaml import YAML

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import STACK, stack_config

GOLD, SILVER, VIP = "default/badge/GOLD", "default/badge/SILVER", "default/reward/VIP"


def urn_of(name: str, kind: str = "capillary:BadgeGroup") -> str:
    return f"urn:pulumi:{STACK}::pulumi-groups::pulumi-python:dynamic/{kind}::{name}"


def engine_errors(run) -> list[dict]:
    return run.diagnostics(severity="error")


def declared(project) -> dict:
    return YAML(typ="safe").load(project.stack_file().read_text())["config"]


def test_a_protected_group_cannot_be_removed_at_preview_nor_destroyed_and_nothing_is_sent(project, emulator):
    badges = "\n    - {name: GOLD, rank: 3, protect: true}\n    - {name: SILVER, rank: 2}"
    project.write_stack(stack_config(emulator.url, badge=badges))
    project.pulumi("up", "--yes")
    assert project.resources()[GOLD]["protect"] is True and "protect" not in project.resources()[SILVER]

    # GOLD's entry removed: the engine refuses the delete at preview, naming GOLD.
    project.write_stack(stack_config(emulator.url, badge="\n    - {name: SILVER, rank: 2}"))
    emulator.reset_counters()
    preview = project.pulumi("preview", "--json", check=False)
    assert preview.returncode != 0
    [error] = [d for d in engine_errors(preview) if d.get("urn") == urn_of(GOLD)]
    assert "protected" in error["message"] and urn_of(GOLD) in error["message"]  # the engine's own refusal
    up = project.pulumi("up", "--yes", "--json", check=False)
    assert up.returncode != 0 and "delete" not in up.applied_ops().get(GOLD, [])
    assert emulator.counters()["total"] == 0
    assert GOLD in project.resources()

    # A production stack: protect every group through pulumi-groups:defaults; destroy refuses.
    project.write_stack(stack_config(emulator.url, badge=badges, extra="  pulumi-groups:defaults: {protect: true}\n"))
    project.pulumi("up", "--yes")
    assert all(record.get("protect") for record in project.resources().values())
    emulator.reset_counters()
    destroy = project.pulumi("destroy", "--yes", "--json", check=False)
    assert destroy.returncode != 0
    refused = {d.get("urn") for d in engine_errors(destroy) if "protected" in d["message"]}
    assert refused == {urn_of(GOLD), urn_of(SILVER)}
    assert set(project.resources()) == {GOLD, SILVER}
    assert emulator.counters()["total"] == 0

    # The way out: unprotect (state only, nothing sent), then the removal goes through.
    project.write_stack(stack_config(emulator.url, badge=badges.replace("protect: true", "protect: false")))
    unprotect = project.pulumi("up", "--yes", "--json")
    assert unprotect.changes() == {} and emulator.counters()["total"] == 0
    assert not any(record.get("protect") for record in project.resources().values())


def test_a_protected_groups_replacement_is_flagged_at_preview_and_nothing_is_sent(project, emulator, tmp_path):
    own_org = f'    default: {{host: "{emulator.url}", username: demo.till, password: demo-password}}\n'
    second_org = f'    second: {{host: "{emulator.url}", username: demo2.till, password: demo2-password}}\n'

    def two_orgs(badge: str) -> str:
        text = stack_config(emulator.url, badge=badge, extra="  pulumi-groups:defaultOrg: default\n")
        assert own_org in text
        return text.replace(own_org, own_org + second_org)

    project.write_stack(two_orgs("\n    - {name: GOLD, rank: 3, protect: true}"))
    project.pulumi("up", "--yes")
    # GOLD moved to an org with other credentials: a replacement, which protect forbids.
    project.write_stack(two_orgs("\n    - {name: GOLD, rank: 3, protect: true, org: second, previousOrg: default}"))
    emulator.reset_counters()
    report = tmp_path / "plan.json"
    run = project.command(
        "deploy", "--stacks", STACK, "--preview", "--no-unmanaged", "--json", str(report), check=False
    )
    assert run.returncode == 1, run.stdout + run.stderr  # the engine failed the preview
    [stack] = json.loads(report.read_text())["stacks"]
    assert stack["error"] is not None
    rows = [(c["name"], c["change"], c["protected"], c["refused"] is not None) for c in stack["changes"]]
    assert ("GOLD", "replace", True, True) in rows, stack["changes"]
    assert emulator.counters()["total"] == 0


def test_retain_on_delete_removal_sends_nothing_and_drops_the_group_from_state(project, emulator):
    project.write_stack(
        stack_config(
            emulator.url,
            badge="\n    - {name: GOLD, rank: 3}",
            reward="\n    - {name: VIP, rank: 1, retainOnDelete: true}",
        )
    )
    project.pulumi("up", "--yes")
    assert project.resources()[VIP]["retainOnDelete"] is True
    vip_id = project.resources()[VIP]["id"]

    project.write_stack(stack_config(emulator.url, badge="\n    - {name: GOLD, rank: 3}"))
    emulator.reset_counters()
    up = project.pulumi("up", "--yes", "--json")
    assert up.changes() == {VIP: "delete"}
    assert emulator.counters()["total"] == 0  # a reward group's delete would deactivate it: not even that
    assert set(project.resources()) == {GOLD}
    [vip] = [g for g in emulator.reward_groups(DEMO_ORG_ID) if str(g["id"]) == vip_id]
    assert vip["isActive"] is True and vip["name"] == "VIP"


def test_a_field_under_ignore_changes_is_neither_reverted_nor_reported_as_drift(project, emulator, tmp_path):
    badges = "\n    - {name: GOLD, rank: 3, ignoreChanges: [rank]}\n    - {name: SILVER, rank: 2}"
    project.write_stack(stack_config(emulator.url, badge=badges))
    project.pulumi("up", "--yes")
    ids = {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
    emulator.update_group("badge", DEMO_ORG_ID, ids["GOLD"], rank=9)  # raised in the console

    # The nightly check: no drift (exit 0), the difference listed as ignored.
    report = tmp_path / "drift.json"
    check = project.command(
        "deploy",
        "--stacks",
        STACK,
        "--refresh",
        "--expect-no-changes",
        "--no-unmanaged",
        "--json",
        str(report),
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    data = json.loads(report.read_text())
    assert data["clean"] is True and data["stacks"][0]["changes"] == []
    assert [(r["name"], r["field"], r["declared"], r["live"]) for r in data["stacks"][0]["ignored"]] == [
        ("GOLD", "rank", 3, 9)
    ]

    # Neither `up` nor `up --refresh` puts the declared rank back: no update is sent.
    emulator.reset_counters()
    for args in (("up", "--yes", "--json"), ("up", "--refresh", "--yes", "--json")):
        up = project.pulumi(*args)
        planned = {name: op for name, op in up.changes().items() if op != "refresh"}  # --refresh's own steps
        assert planned == {}, up.changes()
    assert {g["name"]: g["rank"] for g in emulator.badge_groups(DEMO_ORG_ID)}["GOLD"] == 9
    writes = {k: v for k, v in emulator.counters()["by_endpoint"].items() if not k.startswith("GET ")}
    assert not any("badges/group" in k for k in writes), writes


def test_accepting_drift_writes_the_live_values_and_the_next_preview_changes_and_sends_nothing(project, emulator):
    project.write_stack(
        stack_config(
            emulator.url,
            badge="\n    - {name: GOLD, rank: 3}\n    - {name: SILVER, rank: 2}",
            reward="\n    - {name: VIP, rank: 1}",
        )
    )
    project.pulumi("up", "--yes")
    ids = {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
    vip_id = next(g["id"] for g in emulator.reward_groups(DEMO_ORG_ID) if g["name"] == "VIP")
    emulator.update_group("badge", DEMO_ORG_ID, ids["GOLD"], rank=9)
    emulator.update_group("badge", DEMO_ORG_ID, ids["SILVER"], name="SILVER-renamed")
    emulator.update_group("reward", DEMO_ORG_ID, vip_id, rank=4)

    emulator.reset_counters()
    accepted = project.command("accept-drift", "--stack", STACK, check=False)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    sent = emulator.counters()["by_endpoint"]
    assert sent and all(endpoint.startswith("GET ") for endpoint in sent), sent  # it only reads the org
    config = declared(project)
    assert config["pulumi-groups:badgeGroups"] == [
        {"name": "GOLD", "rank": 9},
        {"name": "SILVER-renamed", "rank": 2, "previousNames": ["SILVER"]},
    ]
    assert config["pulumi-groups:rewardGroups"] == [{"name": "VIP", "rank": 4}]

    emulator.reset_counters()
    preview = project.pulumi("preview", "--json", "--expect-no-changes")
    assert preview.changes() == {}, preview.changes()
    assert emulator.counters()["total"] == 0
    # The rename goes through the alias: the next up replaces nothing and sends nothing either.
    up = project.pulumi("up", "--yes", "--json")
    assert not any(op in ("create", "delete", "replace", "update") for ops in up.applied_ops().values() for op in ops)
    assert emulator.counters()["total"] == 0
    assert project.resources()["default/badge/SILVER-renamed"]["id"] == ids["SILVER"]
    assert {g["name"]: g["rank"] for g in emulator.badge_groups(DEMO_ORG_ID)} == {"GOLD": 9, "SILVER-renamed": 2}
