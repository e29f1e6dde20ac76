"""Issue 24: a new kind of an existing shape is one resource module plus one test file, plus its
emulator support, and appears everywhere by being registered.

The example kind (``example_kind.py``: stamp groups, the badge-group API shape at a new path)
and its emulator support (``example_emulator.py``) live in the tests only. No file of the package
names them; each test below shows one place that finds the kind in the registry: the stack
program (declared from stack config), the provider process, export, the drift report's unmanaged
list, recover's tables and the org listings.
"""

from __future__ import annotations

import json
import os

import jsonschema
import pulumi
import pytest
from ruamel.yaml import YAML

from pulumi_groups.capillary import settings as capillary_settings
from pulumi_groups.capillary.client import client_for
from pulumi_groups.commands import drift, export, org_listings, recover, report_formats
from pulumi_groups.lifecycle import kinds
from pulumi_groups.program import stack_program
from tests.conftest import DEMO_BASIC, DEMO_ORG_ID, FAST, capillary_config
from tests.kinds import example_emulator
from tests.kinds.example_kind import KIND, StampGroup, StampGroupProvider
from tests.support.mocks import RecordingMocks
from tests.support.provider_process import ProviderProcess, provider_prop, secret

TOKEN = "pulumi-python:dynamic/capillary:StampGroup"
STAMPS = "pulumi-groups:stampGroups"
kinds.unregister(KIND)  # registered at import: only the tests of this file see it (fixture below)


@pytest.fixture(autouse=True)
def registered():
    kinds.register(KIND)
    yield
    kinds.unregister(KIND)


@pytest.fixture
def stamps(emulator):
    """The emulator serving stamp groups, with two made in the org by hand."""
    with example_emulator.serving():
        for name, rank in (("Hand-made", 4), ("Declared elsewhere", 2)):
            example_emulator.create_group(emulator.store, DEMO_ORG_ID, name, rank)
        yield emulator


def test_the_kind_is_registered_once_and_importable_from_the_package():
    assert kinds.by_type(TOKEN) is KIND and kinds.by_list(STAMPS) is KIND and kinds.by_name("stamp") is KIND
    assert KIND.type_token == TOKEN and KIND.label == "stamp group"
    import pulumi_groups

    assert pulumi_groups.StampGroup is StampGroup and pulumi_groups.StampGroupProvider is StampGroupProvider


@pulumi.runtime.test
def test_the_stack_program_declares_it_from_stack_config():
    recorder = RecordingMocks()
    pulumi.runtime.set_mocks(recorder, project="pulumi-groups", stack="brand-eu", preview=False)
    pulumi.runtime.set_all_config(
        {
            "capillary:orgs": json.dumps({"eu": {"host": "eu", **DEMO_BASIC}}),
            STAMPS: json.dumps([{"name": "GOLD", "rank": 3}, {"name": "SILVER", "rank": 1, "adopt": True}]),
        }
    )
    plan = stack_program.read_plan("brand-eu")  # no "unknown config key": the list is the kind's
    outputs = stack_program.declare(plan)
    assert sorted(outputs["stampGroups"]["eu"]) == ["GOLD", "SILVER"]  # a stack output named as the list

    def verify(_):
        assert recorder.names() == {"eu/stamp/GOLD", "eu/stamp/SILVER"}
        gold = recorder.named("eu/stamp/GOLD")
        assert gold.typ == TOKEN and gold.inputs["rank"] == 3 and gold.inputs["org"] == "eu"
        assert recorder.named("eu/stamp/SILVER").inputs["adopt"] is True

    return pulumi.Output.all(*outputs["stampGroups"]["eu"].values()).apply(verify)


def test_a_bad_entry_is_refused_at_preview_naming_the_list_and_field():
    pulumi.runtime.set_all_config(
        {
            "capillary:orgs": json.dumps({"eu": {"host": "eu", **DEMO_BASIC}}),
            STAMPS: json.dumps([{"name": "GOLD"}]),  # rank is required, as for badge groups
        }
    )
    with pytest.raises(stack_program.DeclarationError) as refused:
        stack_program.read_plan("brand-eu")
    assert [p for p in refused.value.problems if p.startswith(f"{STAMPS}[0]") and "rank" in p]


def test_the_provider_process_creates_and_reads_it(stamps):
    proc = ProviderProcess()
    try:
        orgs = {"default": {"host": stamps.url, **DEMO_BASIC}}
        proc.configure({"capillary:orgs": secret(json.dumps(orgs)), "capillary:requestsPerMinute": FAST})
        news = {"__provider": provider_prop(StampGroupProvider()), "name": "GOLD", "rank": 3}
        inputs, failures = proc.check(TOKEN, "default/stamp/GOLD", {}, news)
        assert failures == []
        group_id, outputs = proc.create(TOKEN, "default/stamp/GOLD", inputs)
        assert outputs["org_id"] == DEMO_ORG_ID
        assert [g["id"] for g in example_emulator.groups_of(stamps.store, DEMO_ORG_ID) if g["name"] == "GOLD"] == [
            group_id
        ]
        _, read, _ = proc.read(TOKEN, "default/stamp/GOLD", group_id, outputs)
        assert read["name"] == "GOLD" and read["rank"] == 3
        assert stamps.counters()["by_endpoint"].get("POST /api_gateway/v1/stamps/group") == 1
    finally:
        proc.close()


def test_the_org_listings_and_the_drift_reports_unmanaged_list_include_it(stamps, tmp_path):
    config = capillary_config(stamps)
    org = capillary_settings.load(config, {}).orgs["default"]
    this = org_listings.from_config("this", config)
    this.orgs = {"default": org}
    declared_elsewhere = json.dumps([{"name": "Declared elsewhere", "rank": 2}])
    other = org_listings.from_config("other", {**config, STAMPS: declared_elsewhere})

    listed = org_listings.list_org(org, client_for)
    assert sorted(g["name"] for g in listed["stamp"]) == ["Declared elsewhere", "Hand-made"]

    [findings] = org_listings.find_unmanaged([this, other], client_for)
    assert [(u.kind, u.name) for u in findings.unmanaged] == [("stamp", "Hand-made")]
    report = drift.Report("refresh", orgs=[findings])
    schema = json.loads(report_formats.SCHEMA_FILE.read_text())
    document = report_formats.as_json(report)
    jsonschema.validate(document, schema)
    assert [(u["kind"], u["name"]) for o in document["orgs"] for u in o["unmanaged"]] == [("stamp", "Hand-made")]


def test_the_drift_report_reads_it_from_state_and_events():
    deployment = {"resources": [{"type": TOKEN, "id": "abc", "inputs": {"org": "eu"}, "outputs": {"org_id": 7}}]}
    managed, org_ids = drift.recorded_in_state(deployment)
    assert managed == {("stamp", "eu", "abc")} and org_ids == {"eu": {7}}
    assert drift.is_group_type(TOKEN)


def test_export_writes_its_live_groups_into_the_stack_file(stamps, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no CLI: the file's plaintext is the source
    for name in [n for n in os.environ if n.startswith("CAPILLARY_")]:
        monkeypatch.delenv(name)
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(
        f"config:\n  capillary:orgs:\n    brand-eu:\n      host: {stamps.url}\n"
        "      username: demo.till\n      password: demo-password\n"
    )

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0

    entries = YAML(typ="safe").load(path.read_text())["config"][STAMPS]
    assert entries == [
        {"name": "Declared elsewhere", "rank": 2, "org": "brand-eu", "adopt": True},
        {"name": "Hand-made", "rank": 4, "org": "brand-eu", "adopt": True},
    ]


def test_recover_marks_its_pending_create():
    assert recover.lists()[TOKEN] == STAMPS and recover.listed_kinds()[STAMPS] == "stamp"
    assert recover.scopes()[STAMPS] == ("capillary:orgs", "pulumi-groups:defaultOrg")
    state = {
        "deployment": {
            "pending_operations": [
                {
                    "type": "creating",
                    "resource": {
                        "type": TOKEN,
                        "urn": f"urn:pulumi:s::pulumi-groups::{TOKEN}::eu/stamp/GOLD",
                        "inputs": {"name": "GOLD", "rank": 3, "org": "eu"},
                    },
                }
            ]
        }
    }
    config = {"capillary:orgs": {"eu": {}}, STAMPS: [{"name": "GOLD", "rank": 3}]}

    marks, refused = recover.plan(state, config)

    assert marks == [(STAMPS, {"name": "GOLD", "rank": 3})] and refused == []
