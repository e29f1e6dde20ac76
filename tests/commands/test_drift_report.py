"""The drift report of ``deploy --refresh`` / ``--preview`` from real runs: the real providers
against the emulator behind the Automation API seam, with the engine's events as the CLI sends
them (``engine_recorder``). One stack drifts in exactly three ways (a rank changed, a group
renamed, a group deleted, all in the console) and its org holds two groups no stack declares:
the terminal table, the Markdown and the JSON each hold exactly those rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt
from pulumi.automation.events import EngineEvent

from pulumi_groups.capillary import guesses as capillary_guesses
from pulumi_groups.commands import deploy, report_formats
from pulumi_groups.emulator import guesses as emulator_guesses
from tests.commands.engine_recorder import RecordingEngine
from tests.conftest import DEMO_BASIC, DEMO_ORG_ID, FAST

BADGE_LIST = "GET /api_gateway/v1/badges/group"
REWARD_LIST = "GET /api_gateway/rewards/core/v1/group"
CONSOLE = emulator_guesses.CONSOLE_USER_ID


def stack_text(emu, org_key: str, badges: list[dict], rewards: list[dict]) -> str:
    org = {"host": emu.url, **DEMO_BASIC, "requestsPerMinute": int(FAST)}
    return "config:\n" + "".join(
        f"  {key}: {json.dumps(value)}\n"
        for key, value in {
            "capillary:orgs": {org_key: org},
            "pulumi-groups:badgeGroups": [dict(b, org=org_key) for b in badges],
            "pulumi-groups:rewardGroups": [dict(r, org=org_key) for r in rewards],
        }.items()
    )


@pytest.fixture
def drifted(emulator, tmp_path, monkeypatch):
    """Two stacks of one org (under two org keys), deployed, then changed in the console."""
    repo = tmp_path
    (repo / "Pulumi.yaml").write_text("name: pulumi-groups\nruntime: python\nmain: stacks/\n")
    (repo / "stacks").mkdir()
    (repo / "stacks" / "Pulumi.brand-eu.yaml").write_text(
        stack_text(
            emulator,
            "brand-eu",
            [{"name": "GOLD", "rank": 3}, {"name": "SILVER", "rank": 2}],
            [{"name": "VIP", "rank": 1}],
        )
    )
    (repo / "stacks" / "Pulumi.brand-eu-extra.yaml").write_text(
        stack_text(emulator, "eu-main", [{"name": "PLATINUM", "rank": 9}], [])
    )
    monkeypatch.chdir(repo)
    for name in ("CAPILLARY_HOST", "CAPILLARY_USERNAME", "CAPILLARY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

    counters_after_runs: dict = {}

    def runs_ended(stack: str) -> None:  # what the runs sent so far; the rest is the report's
        counters_after_runs.clear()
        counters_after_runs.update(emulator.counters()["by_endpoint"])

    engine = RecordingEngine(repo, on_run_end=runs_ended)
    assert deploy.main(["--stacks", "brand-*", "--up", "--no-unmanaged"], api_factory=lambda root: engine) == 0

    ids = {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
    reward_ids = {g["name"]: g["id"] for g in emulator.reward_groups(DEMO_ORG_ID)}
    emulator.update_group("badge", DEMO_ORG_ID, ids["GOLD"], rank=5)
    emulator.update_group("badge", DEMO_ORG_ID, ids["SILVER"], name="SILVER-renamed")
    emulator.delete_group("reward", DEMO_ORG_ID, reward_ids["VIP"])
    handmade = emulator.create_badge_group(DEMO_ORG_ID, "HANDMADE", 7)
    promo = emulator.create_reward_group(DEMO_ORG_ID, "Console promo", 2)
    emulator.reset_counters()
    return {
        "repo": repo,
        "engine": engine,
        "emu": emulator,
        "ids": ids,
        "reward_ids": reward_ids,
        "handmade": handmade,
        "promo": promo,
        "counters_after_runs": counters_after_runs,
    }


EXPECTED_CHANGES = {
    # (stack, kind, org, group, change, field, declared, live)
    ("brand-eu", "badge", "brand-eu", "GOLD", "changed", "rank", 3, 5),
    ("brand-eu", "badge", "brand-eu", "SILVER", "changed", "name", "SILVER", "SILVER-renamed"),
    ("brand-eu", "reward", "brand-eu", "VIP", "gone", None, "VIP", None),
}


def run_refresh(drifted, capsys, *extra):
    report, data = drifted["repo"] / "drift.md", drifted["repo"] / "drift.json"
    code = deploy.main(
        [
            "--stacks",
            "brand-*",
            "--refresh",
            "--expect-no-changes",
            "--report",
            str(report),
            "--json",
            str(data),
            *extra,
        ],
        api_factory=lambda root: drifted["engine"],
    )
    return code, capsys.readouterr().out, report.read_text(), json.loads(data.read_text())


def expected_unmanaged(drifted):
    return {
        ("badge", "HANDMADE", drifted["handmade"]["id"], 7),
        ("reward", "Console promo", str(drifted["promo"]["id"]), 2),
    }


def test_json_holds_exactly_the_drift_and_validates_against_its_schema(drifted, capsys):
    code, _, _, data = run_refresh(drifted, capsys)
    assert code == 2  # drift
    jsonschema.Draft202012Validator(report_formats.load_schema()).validate(data)
    rows = {
        (s["stack"], c["kind"], c["org"], c["name"], c["change"], c["field"], c["declared"], c["live"])
        for s in data["stacks"]
        for c in s["changes"]
    }
    assert rows == EXPECTED_CHANGES
    assert sum(len(s["changes"]) for s in data["stacks"]) == 3
    ids = {c["name"]: c["id"] for s in data["stacks"] for c in s["changes"]}
    assert ids == {
        "GOLD": drifted["ids"]["GOLD"],
        "SILVER": drifted["ids"]["SILVER"],
        "VIP": str(drifted["reward_ids"]["VIP"]),
    }
    # One org (one credential), reached under two keys by two stacks: listed once for both.
    [org] = data["orgs"]
    assert org["orgKeys"] == ["brand-eu", "eu-main"] and org["stacks"] == ["brand-eu", "brand-eu-extra"]
    assert org["orgId"] == DEMO_ORG_ID and org["problem"] is None
    # The renamed SILVER is matched by id, PLATINUM by the other stack's state: neither is unmanaged.
    assert {(u["kind"], u["name"], u["id"], u["rank"]) for u in org["unmanaged"]} == expected_unmanaged(drifted)
    assert {u["lastUpdatedBy"] for u in org["unmanaged"]} == {CONSOLE}
    assert all(re.match(r"^\d{4}-\d\d-\d\dT", u["lastUpdatedOn"]) for u in org["unmanaged"])
    assert data["summary"] == {
        "stacks": 2,
        "failed": 0,
        "changed": 2,
        "gone": 1,
        "update": 0,
        "replace": 0,
        "create": 0,
        "delete": 0,
        "unmanaged": 2,
        "ignored": 0,
    }
    assert data["clean"] is False


def test_the_schema_rejects_what_it_does_not_describe(drifted, capsys):
    _, _, _, data = run_refresh(drifted, capsys)
    validator = jsonschema.Draft202012Validator(report_formats.load_schema())
    broken = json.loads(json.dumps(data))
    broken["stacks"][0]["changes"][0]["change"] = "drifted"
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(data))
    del broken["orgs"][0]["unmanaged"][0]["lastUpdatedBy"]
    assert not validator.is_valid(broken)


def test_the_report_costs_one_listing_per_org_and_kind_and_no_request_per_group(drifted, capsys):
    run_refresh(drifted, capsys)
    total = drifted["emu"].counters()["by_endpoint"]
    during_runs = drifted["counters_after_runs"]
    report_requests = {k: total.get(k, 0) - during_runs.get(k, 0) for k in set(total) | set(during_runs)}
    report_requests = {k: v for k, v in report_requests.items() if v}
    # Two stacks, one org: one page of badge groups, one page per reward active filter. Nothing by id.
    assert report_requests == {BADGE_LIST: 1, REWARD_LIST: len(capillary_guesses.REWARD_LIST_ACTIVE_FILTERS)}

    # --no-unmanaged: not even that.
    drifted["emu"].reset_counters()
    run_refresh(drifted, capsys, "--no-unmanaged")
    after = drifted["emu"].counters()["by_endpoint"]
    assert {
        k: v - drifted["counters_after_runs"].get(k, 0)
        for k, v in after.items()
        if v != drifted["counters_after_runs"].get(k, 0)
    } == {}


def table_rows(lines: list[str]) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in lines]


def test_terminal_table_holds_the_same_rows_within_120_columns(drifted, capsys):
    _, out, _, _ = run_refresh(drifted, capsys)
    report = out[out.index("pulumi-groups drift check:") : out.index("\nSTACK")]
    assert all(len(line) <= 120 for line in report.splitlines())
    lines = report.splitlines()
    eu = lines.index("brand-eu: 2 changed, 1 gone")
    header = lines[eu + 1].split()
    assert header == ["ORG", "KIND", "GROUP", "ID", "CHANGE", "FIELD", "DECLARED", "LIVE", "WAYS"]
    rows = table_rows(lines[eu + 2 : eu + 5])
    assert {(r[1], r[0], r[2], r[4], r[5], r[6], r[7]) for r in rows} == {
        (kind, org, name, change, field or "-", str(declared), "-" if live is None else str(live))
        for _, kind, org, name, change, field, declared, live in EXPECTED_CHANGES
    }
    assert lines[eu + 5] == "" and "brand-eu-extra: no changes" in lines
    start = next(i for i, line in enumerate(lines) if line.startswith("unmanaged groups in org brand-eu/eu-main"))
    assert lines[start].endswith(": 2")
    rows = table_rows(lines[start + 2 : start + 4])
    assert {(r[0], r[1], r[2], int(r[3])) for r in rows} == expected_unmanaged(drifted)
    assert {r[5] for r in rows} == {str(CONSOLE)}


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of the document as rows of cell texts (header first), as a Markdown parser sees it."""
    tables, rows, row = [], None, None
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close":
            rows.append(row)
            row = None
        elif token.type == "table_close":
            tables.append(rows)
    return tables


def test_markdown_parses_into_a_headline_and_the_same_rows(drifted, capsys):
    _, _, text, _ = run_refresh(drifted, capsys)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("pulumi-groups drift check: drift")
    assert "2 changed, 1 gone, 2 unmanaged" in headings[0]
    assert headings[1:] == [
        "Stack `brand-eu`: 2 changed, 1 gone",
        f"Unmanaged groups in org `brand-eu/eu-main` (org id {DEMO_ORG_ID}): 2",
    ]
    assert "No changes in 1 stack(s): `brand-eu-extra`." in text
    changes, unmanaged = markdown_tables(text)
    assert changes[0] == list(report_formats.CHANGE_COLUMNS)
    assert {(r[1], r[0], r[2], r[4], r[5], r[6], r[7]) for r in changes[1:]} == {
        (kind, org, name, change, field or "-", str(declared), "-" if live is None else str(live))
        for _, kind, org, name, change, field, declared, live in EXPECTED_CHANGES
    }
    assert len(changes) == 4 and len(unmanaged) == 3
    assert {(r[0], r[1], r[2], int(r[3])) for r in unmanaged[1:]} == expected_unmanaged(drifted)


def test_long_lists_fold_and_cells_cannot_break_the_table(drifted, capsys):
    for i in range(12):
        drifted["emu"].create_badge_group(DEMO_ORG_ID, f"hand|made {i}", i)
    long_name = "Summer campaign 2026 / EU north / " * 4
    drifted["emu"].create_reward_group(DEMO_ORG_ID, long_name, 1)
    _, out, text, data = run_refresh(drifted, capsys)
    assert len(data["orgs"][0]["unmanaged"]) == 15
    assert long_name in {u["name"] for u in data["orgs"][0]["unmanaged"]}  # whole in JSON
    assert max(len(line) for line in out.splitlines() if "Summer campaign" in line) <= 120  # cut on a terminal
    assert "<details>" in text and "<summary>15 unmanaged groups</summary>" in text
    unmanaged = markdown_tables(text)[1]
    assert len(unmanaged) == 16 and all(len(row) == len(report_formats.UNMANAGED_COLUMNS) for row in unmanaged)
    assert "hand|made 0" in {row[1] for row in unmanaged}  # the pipe stays inside its cell
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    assert html.count("<table>") == 2 and "<details>" in html


def test_clean_org_exit_codes_and_expect_no_unmanaged(drifted, capsys):
    # Put the org back (a refresh takes in the live values, the up then restores the declared
    # ones and creates VIP again); the unmanaged groups remain.
    for operation in ("--refresh", "--up"):
        assert (
            deploy.main(
                ["--stacks", "brand-*", operation, "--no-unmanaged"], api_factory=lambda root: drifted["engine"]
            )
            == 0
        )
    code, _, _, data = run_refresh(drifted, capsys)
    assert {c["name"] for s in data["stacks"] for c in s["changes"]} == set()
    assert code == 0 and len(data["orgs"][0]["unmanaged"]) == 2
    code, _, _, data = run_refresh(drifted, capsys, "--expect-no-unmanaged")
    assert code == 2


def test_preview_reports_the_plan_against_state(drifted, capsys):
    repo = drifted["repo"]
    path = repo / "stacks" / "Pulumi.brand-eu.yaml"
    path.write_text(
        stack_text(
            drifted["emu"],
            "brand-eu",
            [{"name": "GOLD", "rank": 4}, {"name": "SILVER", "rank": 2}, {"name": "NEW", "rank": 1}],
            [{"name": "VIP", "rank": 1}],
        )
    )
    out = repo / "plan.json"
    code = deploy.main(
        ["--stacks", "brand-eu", "--preview", "--json", str(out)], api_factory=lambda root: drifted["engine"]
    )
    assert code == 0
    data = json.loads(out.read_text())
    jsonschema.Draft202012Validator(report_formats.load_schema()).validate(data)
    rows = {
        (c["name"], c["change"], c["field"], c["declared"], c["live"]) for s in data["stacks"] for c in s["changes"]
    }
    assert rows == {("GOLD", "update", "rank", 4, 3), ("NEW", "create", None, "NEW", None)}
    # PLATINUM belongs to a stack this run did not select (brand-eu-extra declares it for the same
    # org under another key): it is that stack's, not unmanaged.
    names = {u["name"] for u in data["orgs"][0]["unmanaged"]}
    assert names == {"HANDMADE", "Console promo"}
    # NEW exists now (made by hand) and is declared, though not yet in state: not unmanaged.
    drifted["emu"].create_badge_group(DEMO_ORG_ID, "NEW", 1)
    deploy.main(["--stacks", "brand-eu", "--preview", "--json", str(out)], api_factory=lambda root: drifted["engine"])
    assert {u["name"] for u in json.loads(out.read_text())["orgs"][0]["unmanaged"]} == names


def test_a_failed_stack_leaves_its_org_unlisted_rather_than_wrong(drifted, capsys):
    engine = drifted["engine"]
    original = engine.run

    def failing(stack, operation, **kwargs):
        if stack == "brand-eu-extra":
            raise RuntimeError("code: 255\n stderr: error: capillary org 'eu-main': HTTP 503\n")
        return original(stack, operation, **kwargs)

    engine.run = failing
    code, _, _, data = run_refresh(drifted, capsys)
    assert code == 1
    [org] = data["orgs"]
    assert org["unmanaged"] == [] and "brand-eu-extra failed" in org["problem"]
    assert [s["error"] is not None for s in data["stacks"]] == [False, True]


def declared_names(path) -> dict[str, list[str]]:
    from ruamel.yaml import YAML

    config = YAML(typ="safe").load(path.read_text())["config"]
    return {
        key.split(":")[1]: [e["name"] for e in config.get(key) or []]
        for key in ("pulumi-groups:badgeGroups", "pulumi-groups:rewardGroups")
    }


def test_export_only_unmanaged_declares_exactly_the_reported_groups(drifted, capsys, monkeypatch, tmp_path):
    from pulumi_groups.commands import export

    empty = tmp_path / "no-cli"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # credentials from the file, as without the CLI
    run_refresh(drifted, capsys)
    path = drifted["repo"] / "stacks" / "Pulumi.brand-eu.yaml"
    before = declared_names(path)
    assert (
        export.main(
            [
                "--org",
                "brand-eu",
                "--stack-file",
                str(path),
                "--only-unmanaged",
                "--report",
                str(drifted["repo"] / "drift.json"),
            ]
        )
        == 0
    )
    after = declared_names(path)
    assert after == {
        "badgeGroups": before["badgeGroups"] + ["HANDMADE"],
        "rewardGroups": before["rewardGroups"] + ["Console promo"],
    }
    # The renamed SILVER (its stack's, by id) and PLATINUM (the other stack's) stay out. Again: nothing new.
    assert (
        export.main(
            [
                "--org",
                "brand-eu",
                "--stack-file",
                str(path),
                "--only-unmanaged",
                "--report",
                str(drifted["repo"] / "drift.json"),
            ]
        )
        == 0
    )
    assert declared_names(path) == after


def test_export_only_unmanaged_without_a_report_goes_by_the_other_stack_files(drifted, capsys, monkeypatch, tmp_path):
    from pulumi_groups.commands import export

    empty = tmp_path / "no-cli"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    path = drifted["repo"] / "stacks" / "Pulumi.brand-eu.yaml"
    before = declared_names(path)
    assert export.main(["--org", "brand-eu", "--stack-file", str(path), "--only-unmanaged"]) == 0
    # PLATINUM is declared by the other stack file of this org: left out. By name only, the
    # renamed SILVER looks unmanaged: that is why a report (by id) is the better source.
    assert declared_names(path) == {
        "badgeGroups": before["badgeGroups"] + ["HANDMADE", "SILVER-renamed"],
        "rewardGroups": before["rewardGroups"] + ["Console promo"],
    }


RECORDED = Path(__file__).with_name("recorded") / "refresh-preview-brand-eu.jsonl"


class ReplayApi:
    """The seam replaying an event log in the engine's own form (``recorded/*.jsonl``: the stack,
    its provider, ``[secret]`` placeholders and a diagnostic around the three groups)."""

    def __init__(self, repo) -> None:
        self.repo = repo

    def read_config(self, stack, create=False):
        return {}

    def recorded_state(self, stack):
        return None

    def run(self, stack, operation, *, config_text, on_output, on_event=None):
        counts = {}
        for line in RECORDED.read_text().splitlines():
            event = EngineEvent.from_json(json.loads(line))
            on_event(event)
            if event.summary_event is not None:
                counts = {str(getattr(op, "value", op)): n for op, n in event.summary_event.resource_changes.items()}
        return counts


def test_an_event_log_in_the_engines_form_gives_the_same_rows(tmp_path, monkeypatch, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: pulumi-groups\nruntime: python\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.brand-eu.yaml").write_text("config: {}\n")
    monkeypatch.chdir(tmp_path)
    code = deploy.main(
        ["--stacks", "brand-eu", "--refresh", "--expect-no-changes", "--json", "r.json"], api_factory=ReplayApi
    )
    assert code == 2
    data = json.loads((tmp_path / "r.json").read_text())
    jsonschema.Draft202012Validator(report_formats.load_schema()).validate(data)
    rows = {
        ("brand-eu", c["kind"], c["org"], c["name"], c["change"], c["field"], c["declared"], c["live"])
        for c in data["stacks"][0]["changes"]
    }
    assert rows == EXPECTED_CHANGES  # last_updated_* differ too, but are not fields a stack declares
    assert data["stacks"][0]["groups"] == 3 and "[secret]" not in (tmp_path / "r.json").read_text()


def test_a_replacement_is_one_row_naming_the_field_that_forces_it():
    from pulumi_groups.commands import drift

    urn = "urn:pulumi:s::pulumi-groups::pulumi-python:dynamic/capillary:BadgeGroup::eu/badge/GOLD"
    old = {
        "type": "pulumi-python:dynamic/capillary:BadgeGroup",
        "urn": urn,
        "id": "abc",
        "inputs": {"name": "GOLD", "rank": 3, "org": "eu"},
        "outputs": {"name": "GOLD", "rank": 3, "org": "eu"},
    }
    new = dict(old, id="", inputs={"name": "GOLD", "rank": 3, "org": "us"}, outputs={})
    events = [
        EngineEvent.from_json(
            {
                "sequence": i,
                "timestamp": i,
                "resourcePreEvent": {
                    "metadata": {"op": op, "urn": urn, "type": old["type"], "provider": "", "old": old, "new": new}
                },
            }
        )
        for i, op in enumerate(["create-replacement", "replace", "delete-replaced"])
    ]
    findings = drift.changes_from_events("s", events, "preview")
    assert [(c.name, c.change, c.field, c.declared, c.live) for c in findings.changes] == [
        ("GOLD", "replace", "org", "us", "eu")
    ]


HOSTILE = [
    "evil\r\n| injected | row |",  # CR LF and pipes: a new Markdown row
    "\x1b[2J\x1b[31mRED\x1b[0m",  # terminal escape sequences: clear the screen, colour the log
    "bell\x07 nel\x85 del\x7f",  # BEL, a C1 control (NEL), DEL
    "line\u2028sep\u200bzw",  # line separator, zero-width space
]
RAW = set("\r\x1b\x07\x85\x7f\u2028\u200b")


def test_names_made_in_a_console_are_escaped_per_format_and_exact_in_json(drifted, capsys):
    emu = drifted["emu"]
    for rank, name in enumerate(HOSTILE):
        emu.create_badge_group(DEMO_ORG_ID, name, rank)
    renamed = "GOLD\r\n| x | y |\x1b[8m"
    emu.update_group("badge", DEMO_ORG_ID, drifted["ids"]["GOLD"], name=renamed)  # a managed group too

    _, out, text, data = run_refresh(drifted, capsys)

    # JSON: every name exactly as the console holds it.
    assert set(HOSTILE) <= {u["name"] for u in data["orgs"][0]["unmanaged"]}
    assert renamed in {c["live"] for s in data["stacks"] for c in s["changes"]}
    # Markdown: no raw control character; every row stays one row of the right width.
    assert not RAW & set(text)
    changes, unmanaged = markdown_tables(text)
    assert len(changes) == 5 and len(unmanaged) == 3 + len(HOSTILE)  # GOLD: rank and name changed
    assert all(len(row) == len(report_formats.CHANGE_COLUMNS) for row in changes)
    assert all(len(row) == len(report_formats.UNMANAGED_COLUMNS) for row in unmanaged)
    # Terminal: nothing reaches the log raw; each group is one line of its table.
    report = out[out.index("pulumi-groups drift check:") : out.index("\nSTACK")]
    assert not RAW & set(report)
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("unmanaged groups in org"))
    rows = lines[start + 2 :]
    assert len(rows) == 2 + len(HOSTILE) and all(row.strip() for row in rows)
    eu = lines.index("brand-eu: 2 changed, 1 gone")
    assert lines[eu + 6] == ""  # four change rows, then the blank line
