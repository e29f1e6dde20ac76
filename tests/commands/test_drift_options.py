"""The drift report and resource options, from the Automation API's own event objects: fields
under ``ignoreChanges`` are not drift, a protected group's replacement or delete is flagged before
``up``, and each drift row names both ways out (put back, accept)."""

from __future__ import annotations

import jsonschema
from pulumi.automation.events import EngineEvent

from pulumi_groups.commands import drift, report_formats

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
CONTACT = "pulumi-python:dynamic/wesurvey:ContactGroup"


def event(sequence: int, op: str, urn: str, typ: str, old: dict, new: dict | None, outputs: bool = True):
    kind = "resOutputsEvent" if outputs else "resourcePreEvent"
    return EngineEvent.from_json(
        {
            "sequence": sequence,
            "timestamp": sequence,
            kind: {"metadata": {"op": op, "urn": urn, "type": typ, "provider": "", "old": old, "new": new}},
        }
    )


def state(urn: str, typ: str, values: dict, protect: bool = False, group_id: str = "g1") -> dict:
    return {
        "type": typ,
        "urn": urn,
        "id": group_id,
        "protect": protect,
        "inputs": dict(values),
        "outputs": dict(values),
    }


def urn_of(name: str, typ: str = BADGE) -> str:
    return f"urn:pulumi:s::pulumi-groups::{typ}::{name}"


def report_of(findings: drift.StackFindings, operation: str) -> dict:
    data = report_formats.as_json(drift.Report(operation, stacks=[findings]))
    jsonschema.Draft202012Validator(report_formats.load_schema()).validate(data)
    return data


def test_a_field_under_ignore_changes_is_not_drift_and_the_others_name_both_ways():
    urn = urn_of("eu/badge/GOLD")
    old = state(urn, BADGE, {"name": "GOLD", "rank": 3, "org": "eu"})
    new = state(urn, BADGE, {"name": "GOLDEN", "rank": 9, "org": "eu"})
    findings = drift.changes_from_events(
        "s", [event(1, "update", urn, BADGE, old, new)], "refresh-preview", ignored={"eu/badge/GOLD": ["rank"]}
    )
    data = report_of(findings, "refresh-preview")
    [stack] = data["stacks"]
    assert [(c["change"], c["field"], c["declared"], c["live"]) for c in stack["changes"]] == [
        ("changed", "name", "GOLD", "GOLDEN")
    ]
    assert stack["changes"][0]["putBack"] == "python -m pulumi_groups deploy --up --stacks s"
    assert stack["changes"][0]["accept"] == "python -m pulumi_groups accept-drift --stack s"
    assert [(c["field"], c["declared"], c["live"]) for c in stack["ignored"]] == [("rank", 3, 9)]
    assert data["summary"]["changed"] == 1 and data["summary"]["ignored"] == 1


def test_an_ignored_difference_is_listed_whatever_the_engines_op_and_other_unchanged_groups_give_no_row():
    urn = urn_of("eu/badge/GOLD")
    old = state(urn, BADGE, {"name": "GOLD", "rank": 3, "org": "eu"})
    new = state(urn, BADGE, {"name": "GOLD", "rank": 9, "org": "eu"})
    events = [event(1, "same", urn, BADGE, old, new)]
    findings = drift.changes_from_events("s", events, "refresh-preview", ignored={"eu/badge/GOLD": ["rank"]})
    assert findings.changes == [] and [(c.field, c.live) for c in findings.ignored] == [("rank", 9)]
    assert findings.ignored_only == 0  # the engine did not count it: nothing to discount
    assert drift.Report("refresh-preview", stacks=[findings]).clean
    # Without ignoreChanges, a difference the provider's diff found none in is no row at all.
    plain = drift.changes_from_events("s", events, "refresh-preview")
    assert plain.changes == [] and plain.ignored == []
    counted = drift.changes_from_events(
        "s", [event(1, "update", urn, BADGE, old, new)], "refresh-preview", ignored={"eu/badge/GOLD": ["rank"]}
    )
    assert counted.changes == [] and counted.ignored_only == 1


def test_a_protected_groups_replacement_and_delete_are_flagged_at_preview():
    gold, silver = urn_of("eu/badge/GOLD"), urn_of("eu/badge/SILVER")
    old = state(gold, BADGE, {"name": "GOLD", "rank": 3, "org": "eu"}, protect=True)
    new = dict(old, id="", inputs={"name": "GOLD", "rank": 3, "org": "us"}, outputs={})
    gone = state(silver, BADGE, {"name": "SILVER", "rank": 2, "org": "eu"}, protect=True, group_id="g2")
    events = [
        event(1, "replace", gold, BADGE, old, new, outputs=False),
        event(2, "delete", silver, BADGE, gone, None, outputs=False),
    ]
    data = report_of(drift.changes_from_events("s", events, "preview"), "preview")
    rows = {c["name"]: c for c in data["stacks"][0]["changes"]}
    assert rows["GOLD"]["change"] == "replace" and rows["GOLD"]["protected"] is True
    assert "refuses" in rows["GOLD"]["refused"] and "refuses" in rows["SILVER"]["refused"]
    text = report_formats.terminal(drift.Report("preview", stacks=[drift.changes_from_events("s", events, "preview")]))
    assert text.count("refused: protected") == 2


def test_drift_whose_putting_back_replaces_a_protected_group_offers_no_put_back():
    urn = urn_of("default/contact/Panel", CONTACT)
    values = {"name": "Panel", "team_id": 53, "order": 1, "parent_id": 0, "remote_id": None, "account": "default"}
    old = state(urn, CONTACT, values, protect=True)
    new = state(urn, CONTACT, dict(values, team_id=54, order=2), protect=True)
    findings = drift.changes_from_events("s", [event(1, "update", urn, CONTACT, old, new)], "refresh-preview")
    rows = {c.field: c for c in findings.changes}
    assert rows["team_id"].refused is not None and rows["team_id"].put_back is None and rows["team_id"].accept is None
    assert rows["order"].refused is None and rows["order"].put_back and rows["order"].accept
    report_of(findings, "refresh-preview")
