"""``large_plan``: which ``up`` runs without intermediate checkpoints (a large plan only, a choice
the user made kept), the journal left by a killed run, and ``recover``'s marks from a journal."""

from __future__ import annotations

import json

from pulumi_groups.commands import large_plan
from pulumi_groups.commands.recover import journal_plan
from pulumi_groups.lifecycle import create_journal

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"


def config(n: int, **extra) -> dict:
    return {"pulumi-groups:badgeGroups": [{"name": f"G{i}", "rank": 1} for i in range(n)], **extra}


def state(*names: str, org: str = "default") -> dict:
    return {
        "deployment": {
            "resources": [{"type": BADGE, "urn": f"u::{n}", "inputs": {"name": n, "org": org}} for n in names]
        }
    }


def line(name: str, org: str = "default") -> str:
    return json.dumps({"kind": "badge group", "org": org, "name": name, "key": name}) + "\n"


class Exports:
    def __init__(self, result: dict | None) -> None:
        self.result, self.calls = result, 0

    def __call__(self) -> dict | None:
        self.calls += 1
        return self.result


def test_a_small_plan_keeps_checkpoints_and_reads_no_state(tmp_path):
    exports = Exports(state())
    plan = large_plan.plan_up(tmp_path, "s", {}, config(199), exports)
    assert plan.env == {} and plan.journal is None and exports.calls == 0


def test_a_large_plan_runs_without_checkpoints_with_the_journal_beside_a_file_backend(tmp_path):
    env = {"PULUMI_BACKEND_URL": f"file://{tmp_path}/backend"}
    plan = large_plan.plan_up(tmp_path, "s", env, config(500), Exports(state(*[f"G{i}" for i in range(290)])))
    journal = tmp_path / "backend" / ".pulumi-groups" / "s.create-journal"
    assert plan.env[large_plan.SKIP_CHECKPOINTS] == "true"
    assert plan.env[create_journal.ENV] == str(journal) and plan.journal == journal


def test_a_large_stack_with_few_changes_keeps_checkpoints(tmp_path):
    plan = large_plan.plan_up(tmp_path, "s", {}, config(5000), Exports(state(*[f"G{i}" for i in range(4990)])))
    assert large_plan.SKIP_CHECKPOINTS not in plan.env and plan.journal is None


def test_the_users_choice_of_checkpoints_wins(tmp_path):
    plan = large_plan.plan_up(tmp_path, "s", {large_plan.SKIP_CHECKPOINTS: "false"}, config(500), Exports(state()))
    assert plan.env == {large_plan.SKIP_CHECKPOINTS: "false"} and plan.journal is None


def test_a_killed_runs_journal_stops_the_next_up_until_recover(tmp_path):
    journal = large_plan.journal_path(tmp_path, "s", {})
    journal.parent.mkdir(parents=True)
    journal.write_text(line("G1") + line("G2"))
    refused = large_plan.plan_up(tmp_path, "s", {}, config(10), Exports(state("G1")))
    assert refused.refusal is not None and "recover" in refused.refusal and journal.exists()
    settled = large_plan.plan_up(tmp_path, "s", {}, config(10), Exports(state("G1", "G2")))
    assert settled.refusal is None and not journal.exists()  # every create it names is in state


def test_settle_keeps_a_journal_naming_creates_missing_from_state(tmp_path):
    journal = tmp_path / "j"
    journal.write_text(line("G1") + line("G2"))
    assert large_plan.settle_journal(journal, Exports(state("G1"))) is not None and journal.exists()
    assert large_plan.settle_journal(journal, Exports(state("G1", "G2"))) is None and not journal.exists()


def test_recover_marks_journaled_creates_missing_from_state_only(tmp_path):
    declared = config(
        0,
        **{
            "pulumi-groups:badgeGroups": [
                {"name": "A", "rank": 1},
                {"name": "B", "rank": 1},
                {"name": "C", "rank": 1, "org": "eu"},
            ],
            "capillary:orgs": {"default": {}, "eu": {}},
            "pulumi-groups:defaultOrg": "default",
        },
    )
    entries = [json.loads(line(n)) for n in ("A", "B")] + [json.loads(line("C", org="default"))]
    marks, refused = journal_plan(entries, state("A"), declared)
    assert [entry["name"] for _, entry in marks] == ["B"]  # A is in state; C was made in another org
    assert len(refused) == 1 and "C" in refused[0]


def test_recover_never_marks_a_contact_group_without_a_unique_key():
    entry = {"kind": "contact group", "account": "default", "name": "Panel", "key": None}
    marks, refused = journal_plan([entry], state(), {"pulumi-groups:contactGroups": [{"name": "Panel", "team_id": 1}]})
    assert marks == [] and "remote_id" in refused[0]
