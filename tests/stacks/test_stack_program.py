"""The stack program under ``pulumi.runtime.set_mocks``: what a stack file's declarations become."""

from __future__ import annotations

import json

import pulumi
import pytest

from pulumi_groups.program import stack_program
from pulumi_groups.program.declarations import DeclarationError
from tests.support.mocks import RecordingMocks

STACK = "brand-eu"
EU = {"host": "eu", "username": "till.eu", "password": "pw-eu"}
US = {"host": "us", "clientKey": "key-us", "clientSecret": "secret-us"}
ACCOUNT = {"appId": "app-1", "secret": "s3cret"}


@pytest.fixture
def mocks():
    recorder = RecordingMocks()
    pulumi.runtime.set_mocks(recorder, project="pulumi-groups", stack=STACK, preview=False)
    yield recorder


def stack_config(orgs=None, accounts=None, default_org=None, default_account=None, **lists) -> None:
    """Stack config as the engine passes it: every value a string, objects and lists as JSON."""
    config = {}
    if orgs is not None:
        config["capillary:orgs"] = json.dumps(orgs)
    if accounts is not None:
        config["wesurvey:accounts"] = json.dumps(accounts)
    if default_org is not None:
        config["pulumi-groups:defaultOrg"] = default_org
    if default_account is not None:
        config["pulumi-groups:defaultAccount"] = default_account
    for key, value in lists.items():
        config[f"pulumi-groups:{key}"] = value if isinstance(value, str) else json.dumps(value)
    pulumi.runtime.set_all_config(config)


def declared(mocks):
    """Declare the stack's plan; resolve once every resource is registered."""
    outputs = stack_program.declare(stack_program.read_plan(STACK))
    ids = [group_id for by_scope in outputs.values() for by_name in by_scope.values() for group_id in by_name.values()]
    return outputs, pulumi.Output.all(*ids)


def problems_of(**config) -> list[str]:
    stack_config(**config)
    with pytest.raises(DeclarationError) as raised:
        stack_program.read_plan(STACK)
    message = str(raised.value)
    # Every line of the message names the stack.
    assert all(f"stack {STACK!r}" in line for line in message.splitlines())
    return raised.value.problems


# -- declaring ---------------------------------------------------------------------------------


@pulumi.runtime.test
def test_single_org_declares_each_group_with_its_inputs(mocks):
    stack_config(
        orgs={"brand-eu": EU},
        badgeGroups=[{"name": "GOLD", "rank": 3}, {"name": "SILVER", "rank": 2, "adopt": True}],
        rewardGroups=[{"name": "VIP", "rank": 1}, {"name": "Legacy", "active": False}],
    )
    _, all_ids = declared(mocks)

    def verify(_):
        assert mocks.names() == {
            "brand-eu/badge/GOLD",
            "brand-eu/badge/SILVER",
            "brand-eu/reward/VIP",
            "brand-eu/reward/Legacy",
        }
        gold = mocks.named("brand-eu/badge/GOLD")
        assert gold.typ == "pulumi-python:dynamic/capillary:BadgeGroup"
        # The only configured org is the default for entries without `org`.
        assert (gold.inputs["name"], gold.inputs["rank"], gold.inputs["org"], gold.inputs["adopt"]) == (
            "GOLD",
            3,
            "brand-eu",
            False,
        )
        assert mocks.named("brand-eu/badge/SILVER").inputs["adopt"] is True
        vip = mocks.named("brand-eu/reward/VIP")
        assert vip.typ == "pulumi-python:dynamic/capillary:RewardGroup"
        assert vip.inputs["rank"] == 1 and vip.inputs["active"] is True
        legacy = mocks.named("brand-eu/reward/Legacy")
        assert legacy.inputs["active"] is False and legacy.inputs.get("rank") is None

    return all_ids.apply(verify)


@pulumi.runtime.test
def test_several_orgs_in_one_stack_and_the_default_org(mocks):
    stack_config(
        orgs={"default": EU, "brand-us": US},
        default_org="default",
        badgeGroups=[{"name": "GOLD", "rank": 3}, {"name": "GOLD", "rank": 5, "org": "brand-us"}],
        rewardGroups=[{"name": "VIP", "org": "brand-us"}],
    )
    outputs, all_ids = declared(mocks)

    def verify(_):
        # The same group name in two orgs is two groups, told apart by the org in the name.
        assert mocks.named("default/badge/GOLD").inputs["org"] == "default"
        assert mocks.named("brand-us/badge/GOLD").inputs["org"] == "brand-us"
        assert mocks.named("brand-us/badge/GOLD").inputs["rank"] == 5
        assert mocks.named("brand-us/reward/VIP").inputs["org"] == "brand-us"

    assert set(outputs["badgeGroups"]) == {"default", "brand-us"}
    assert set(outputs["rewardGroups"]) == {"brand-us"} and outputs["contactGroups"] == {}
    return all_ids.apply(verify)


@pulumi.runtime.test
def test_outputs_map_org_and_name_to_the_group_id(mocks):
    stack_config(
        orgs={"default": EU, "brand-us": US},
        default_org="default",
        badgeGroups=[{"name": "GOLD", "rank": 3}, {"name": "Gold", "rank": 1, "org": "brand-us"}],
        rewardGroups=[{"name": "VIP"}],
    )
    outputs, _ = declared(mocks)
    resolved = pulumi.Output.from_input(outputs)

    def verify(value):
        assert value == {
            "badgeGroups": {
                "default": {"GOLD": "id-of-default/badge/GOLD"},
                "brand-us": {"Gold": "id-of-brand-us/badge/Gold"},
            },
            "rewardGroups": {"default": {"VIP": "id-of-default/reward/VIP"}},
            "contactGroups": {},
        }

    return resolved.apply(verify)


@pulumi.runtime.test
def test_run_exports_all_three_outputs_even_when_empty(mocks):
    stack_config(orgs={"default": EU})
    exported = {}
    original = pulumi.export
    try:
        pulumi.export = lambda key, value: exported.__setitem__(key, value)  # type: ignore[assignment]
        stack_program.run()
    finally:
        pulumi.export = original  # type: ignore[assignment]
    assert exported == {"badgeGroups": {}, "rewardGroups": {}, "contactGroups": {}}


@pulumi.runtime.test
def test_resource_names_do_not_depend_on_list_order(mocks):
    entries = [{"name": "GOLD", "rank": 3}, {"name": "SILVER", "rank": 2}, {"name": "bronze", "rank": 1}]
    stack_config(orgs={"default": EU}, badgeGroups=entries)
    first = {d.name: d.resource_name for d in stack_program.read_plan(STACK).declarations}
    stack_config(orgs={"default": EU}, badgeGroups=list(reversed(entries)) + [{"name": "NEW", "rank": 0}])
    second = {d.name: d.resource_name for d in stack_program.read_plan(STACK).declarations}
    assert {k: second[k] for k in first} == first
    assert first == {"GOLD": "default/badge/GOLD", "SILVER": "default/badge/SILVER", "bronze": "default/badge/bronze"}
    # A changed rank keeps the name too: only the group name and org make it.
    stack_config(orgs={"default": EU}, badgeGroups=[{"name": "GOLD", "rank": 9}])
    assert stack_program.read_plan(STACK).declarations[0].resource_name == "default/badge/GOLD"


@pulumi.runtime.test
def test_org_default_from_environment_counts_as_configured(mocks, monkeypatch):
    monkeypatch.setenv("CAPILLARY_HOST", "eu")
    monkeypatch.setenv("CAPILLARY_USERNAME", "till")
    monkeypatch.setenv("CAPILLARY_PASSWORD", "pw")
    stack_config(badgeGroups=[{"name": "GOLD", "rank": 3}])
    [declaration] = stack_program.read_plan(STACK).declarations
    assert declaration.scope == "default" and declaration.resource_name == "default/badge/GOLD"


def test_an_org_with_a_config_problem_is_left_for_check_to_report(mocks):
    """A configured but broken org is still 'configured': the resource's check names the fix."""
    stack_config(orgs={"brand-eu": {"host": "eu", "username": "till"}}, badgeGroups=[{"name": "GOLD", "rank": 3}])
    [declaration] = stack_program.read_plan(STACK).declarations
    assert declaration.scope == "brand-eu"


# -- declaration errors ------------------------------------------------------------------------


def test_no_default_org_among_several_is_an_error_naming_list_and_index(mocks):
    [problem] = problems_of(
        orgs={"brand-eu": EU, "brand-us": US},
        badgeGroups=[{"name": "GOLD", "rank": 3, "org": "brand-eu"}, {"name": "SILVER", "rank": 2}],
    )
    assert problem.startswith(
        "pulumi-groups:badgeGroups[1] ('SILVER'): no org given and the stack configures several (brand-eu, brand-us)"
    )
    assert "org: <key>" in problem and "pulumi-groups:defaultOrg" in problem


def test_no_org_configured_at_all(mocks):
    [problem] = problems_of(rewardGroups=[{"name": "VIP"}])
    assert problem.startswith("pulumi-groups:rewardGroups[0] ('VIP'): no org given and none is configured")
    assert "capillary:orgs" in problem and "CAPILLARY_HOST" in problem


def test_unknown_org(mocks):
    [problem] = problems_of(
        orgs={"brand-eu": EU},
        badgeGroups=[{"name": "GOLD", "rank": 3, "org": "brand-eu"}, {"name": "GOLD", "rank": 3, "org": "brand-xx"}],
    )
    assert problem.startswith(
        "pulumi-groups:badgeGroups[1] ('GOLD'): org 'brand-xx' is not configured (known orgs: brand-eu)"
    )


def test_unparseable_orgs_are_explained(mocks):
    stack_config(badgeGroups=[{"name": "GOLD", "rank": 3}])
    pulumi.runtime.set_config("capillary:orgs", "{not json")
    with pytest.raises(DeclarationError) as raised:
        stack_program.read_plan(STACK)
    assert "capillary:orgs is not valid JSON" in raised.value.problems[0]


def test_duplicate_group_in_one_org_names_both_entries(mocks):
    problems = problems_of(
        orgs={"default": EU, "brand-us": US},
        default_org="default",
        badgeGroups=[
            {"name": "GOLD", "rank": 3},
            {"name": "SILVER", "rank": 2},
            {"name": "GOLD", "rank": 3, "org": "brand-us"},  # another org: allowed
            {"name": "gold", "rank": 1},  # names are case-sensitive: allowed
            {"name": "GOLD", "rank": 4, "org": "default"},  # the default org, spelled out: duplicate
        ],
        rewardGroups=[{"name": "GOLD"}],  # another kind: allowed
    )
    assert problems == [
        "pulumi-groups:badgeGroups[0] and [4] both declare badge group 'GOLD' in org 'default': keep one of them"
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"rank": 3}, "pulumi-groups:badgeGroups[0]: name is required"),
        ({"name": "", "rank": 3}, "pulumi-groups:badgeGroups[0]: name must not be empty"),
        ({"name": 7, "rank": 3}, "pulumi-groups:badgeGroups[0]: name must be a string, got int 7"),
        ({"name": "GOLD"}, "pulumi-groups:badgeGroups[0] ('GOLD'): rank is required; give a whole number"),
        (
            {"name": "GOLD", "rank": "3"},
            "pulumi-groups:badgeGroups[0] ('GOLD'): rank must be a whole number between 0 and 2147483647, got str '3'",
        ),
        (
            {"name": "GOLD", "rank": -1},
            "pulumi-groups:badgeGroups[0] ('GOLD'): rank must be a whole number between 0 and 2147483647, got -1",
        ),
        (
            {"name": "GOLD", "rank": 1, "adopt": "yes"},
            "pulumi-groups:badgeGroups[0] ('GOLD'): adopt must be true or false, got str 'yes'",
        ),
        (
            {"name": "GOLD", "rank": 1, "org": 5},
            "pulumi-groups:badgeGroups[0] ('GOLD'): org must be the key of a configured org, got '5'",
        ),
        (
            {"name": "GOLD", "rank": 1, "active": False},
            (
                "pulumi-groups:badgeGroups[0] ('GOLD'): unknown key(s) active; allowed: name, rank, "
                "org, adopt, previousNames, previousOrg, protect, retainOnDelete, ignoreChanges"
            ),
        ),
        ("GOLD", "pulumi-groups:badgeGroups[0]: must be an object like {name: ..., ...}, got str 'GOLD'"),
    ],
)
def test_each_bad_badge_entry_is_named(mocks, entry, expected):
    [problem] = problems_of(orgs={"default": EU}, badgeGroups=[entry])
    assert problem.startswith(expected), problem


def test_bad_reward_entries_and_every_problem_at_once(mocks):
    problems = problems_of(
        orgs={"default": EU},
        rewardGroups=[{"name": "VIP", "active": "no"}, {"name": "OK"}, {"name": "X", "rank": 1.5, "colour": "red"}],
        badgeGroups=[{"name": "GOLD"}],
    )
    assert problems == [
        (
            "pulumi-groups:badgeGroups[0] ('GOLD'): rank is required; give "
            "a whole number from 0 to 2147483647 (badge groups need a rank)"
        ),
        "pulumi-groups:rewardGroups[0] ('VIP'): active must be true or false, got str 'no'",
        (
            "pulumi-groups:rewardGroups[2] ('X'): unknown key(s) colour; allowed: name, rank, "
            "active, org, adopt, previousNames, previousOrg, protect, retainOnDelete, ignoreChanges"
        ),
        "pulumi-groups:rewardGroups[2] ('X'): rank must be a whole number between 0 and 2147483647, got float 1.5",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"name": "GOLD"}, "pulumi-groups:badgeGroups must be a list of badge group entries, got dict"),
        ("[{not json", "pulumi-groups:badgeGroups is not valid JSON"),
    ],
)
def test_a_list_that_is_not_a_list(mocks, value, expected):
    [problem] = problems_of(orgs={"default": EU}, badgeGroups=value)
    assert problem.startswith(expected)


def test_a_misspelt_list_key_is_an_error_not_an_empty_stack(mocks):
    """Declaring nothing by mistake would make the next `up` delete every group of the stack."""
    [problem] = problems_of(orgs={"default": EU}, badgegroups=[{"name": "GOLD", "rank": 1}])
    assert problem.startswith("unknown config key pulumi-groups:badgegroups; the declaration lists are")


def test_run_reports_declaration_errors_without_a_traceback(mocks):
    stack_config(orgs={"default": EU}, badgeGroups=[{"name": "GOLD"}])
    with pytest.raises(pulumi.RunError) as raised:
        stack_program.run()
    assert "pulumi-groups:badgeGroups[0] ('GOLD'): rank is required" in str(raised.value)


def test_errors_stop_the_program_before_any_resource_is_declared(mocks):
    stack_config(orgs={"default": EU}, badgeGroups=[{"name": "GOLD", "rank": 1}, {"name": "BAD"}])
    with pytest.raises(pulumi.RunError):
        stack_program.run()
    assert mocks.resources == []


# -- contact groups ----------------------------------------------------------------------------

CONTACTS = [
    {"name": "Batch 2", "team_id": 53, "parent": "NPS panel"},  # before its parent on purpose
    {"name": "NPS panel", "team_id": 53, "order": 1, "remote_id": "crm-1202"},
    {"name": "Wave A", "team_id": 53, "parent": "Batch 2", "adopt": True},
    {"name": "Other", "team_id": 7, "account": "second"},
]


@pulumi.runtime.test
def test_contact_groups_with_parents_by_name(mocks):
    stack_config(
        accounts={"default": ACCOUNT, "second": {"appId": "app-2", "secret": "s2"}},
        default_account="default",
        contactGroups=CONTACTS,
    )
    plan = stack_program.read_plan(STACK)
    # Parents are declared before their children whatever the list order.
    order = [d.name for d in plan.declarations]
    assert order.index("NPS panel") < order.index("Batch 2") < order.index("Wave A")
    outputs, all_ids = declared(mocks)

    def verify(_):
        panel = mocks.named("default/contact/NPS panel")
        assert panel.typ == "pulumi-python:dynamic/wesurvey:ContactGroup"
        assert panel.inputs["team_id"] == 53 and panel.inputs["order"] == 1 and panel.inputs["remote_id"] == "crm-1202"
        assert panel.inputs["account"] == "default" and not panel.inputs.get("parent_id")
        # A parent named in the stack becomes that resource's id.
        assert mocks.named("default/contact/Batch 2").inputs["parent_id"] == "id-of-default/contact/NPS panel"
        wave = mocks.named("default/contact/Wave A")
        assert wave.inputs["parent_id"] == "id-of-default/contact/Batch 2" and wave.inputs["adopt"] is True
        assert mocks.named("second/contact/Other").inputs["account"] == "second"

    assert set(outputs["contactGroups"]) == {"default", "second"}
    assert set(outputs["contactGroups"]["default"]) == {"NPS panel", "Batch 2", "Wave A"}
    return all_ids.apply(verify)


def test_contact_declaration_errors(mocks):
    problems = problems_of(
        accounts={"default": ACCOUNT},
        contactGroups=[
            {"name": "Panel", "team_id": 53},
            {"name": "Panel", "team_id": 53},
            {"name": "No team"},
            {"name": "Bad parent", "team_id": 53, "parent": 12},
            {"name": "By id", "team_id": 53, "parent_id": 6001},
        ],
    )
    assert problems[0].startswith("pulumi-groups:contactGroups[2] ('No team'): team_id is required")
    assert problems[1].startswith(
        "pulumi-groups:contactGroups[3] ('Bad parent'): parent must be the key (name) of another contactGroups entry"
    )
    assert problems[2].startswith(
        "pulumi-groups:contactGroups[4] ('By id'): unknown key(s) parent_id; "
        "allowed: team_id, name, order, remote_id, account, adopt, parent, key"
    )
    assert problems[3] == (
        "pulumi-groups:contactGroups[0] and [1] both declare contact group 'Panel' "
        "in account 'default' under the same parent in team 53: keep one of them"
    )


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [{"name": "A", "team_id": 53, "parent": "Missing"}],
            (
                "pulumi-groups:contactGroups[0] ('A'): parent 'Missing' is not "
                "a contactGroups entry of account 'default' (entries: none)"
            ),
        ),
        (
            [{"name": "A", "team_id": 53, "parent": "A"}],
            "pulumi-groups:contactGroups[0] ('A'): a group cannot be its own parent",
        ),
        (
            [{"name": "A", "team_id": 53}, {"name": "B", "team_id": 54, "parent": "A"}],
            (
                "pulumi-groups:contactGroups[1] ('B'): parent 'A' "
                "(pulumi-groups:contactGroups[0]) is in team 53, this entry in team 54"
            ),
        ),
        (
            [{"name": "A", "team_id": 53, "parent": "B"}, {"name": "B", "team_id": 53, "parent": "A"}],
            "pulumi-groups:contactGroups[0] ('A'): parents form a loop: 'A' -> 'B' -> 'A'",
        ),
        (
            [{"name": "A", "team_id": 53}, {"name": "B", "team_id": 53, "parent": "A", "account": "second"}],
            (
                "pulumi-groups:contactGroups[1] ('B'): parent 'A' is not a "
                "contactGroups entry of account 'second' (entries: none)"
            ),
        ),
        (
            [{"name": "A", "team_id": 53, "account": "third"}],
            "pulumi-groups:contactGroups[0] ('A'): account 'third' is not configured (known accounts: default, second)",
        ),
    ],
)
def test_contact_parent_errors(mocks, entries, expected):
    [problem] = problems_of(
        accounts={"default": ACCOUNT, "second": {"appId": "app-2", "secret": "s2"}},
        default_account="default",
        contactGroups=entries,
    )
    assert problem.startswith(expected), problem


def test_contact_groups_without_an_account(mocks):
    [problem] = problems_of(contactGroups=[{"name": "A", "team_id": 53}])
    assert problem.startswith("pulumi-groups:contactGroups[0] ('A'): no account given and none is configured")
    assert "WESURVEY_APP_ID" in problem
