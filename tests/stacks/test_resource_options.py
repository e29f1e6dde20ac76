"""Resource options from stack config (``protect``, ``retainOnDelete``, ``ignoreChanges``, and
``pulumi-groups:defaults``): parsed with the declarations, each problem naming its entry, and
turned into the ``pulumi.ResourceOptions`` the stack program registers with."""

from __future__ import annotations

import json

import pulumi
import pytest

from pulumi_groups.program import resource_options, stack_program
from pulumi_groups.program.declarations import DeclarationError
from pulumi_groups.program.resource_options import GroupOptions
from tests.stacks.test_stack_program import EU, STACK, problems_of, stack_config

ACCOUNT = {"appId": "app-1", "secret": "s3cret"}


def options_of(defaults=None, **lists) -> dict[str, GroupOptions]:
    stack_config(orgs={"eu": EU}, accounts={"default": ACCOUNT}, **lists)
    if defaults is not None:
        config = dict(pulumi.runtime.config.CONFIG.get())
        config["pulumi-groups:defaults"] = defaults if isinstance(defaults, str) else json.dumps(defaults)
        pulumi.runtime.set_all_config(config)
    return {d.resource_name: d.options for d in stack_program.read_plan(STACK).declarations}


def test_an_entry_gives_the_three_options_under_pulumis_names():
    found = options_of(
        badgeGroups=[
            {"name": "GOLD", "rank": 3, "protect": True, "ignoreChanges": ["rank"]},
            {"name": "TEST", "rank": 1, "retainOnDelete": True},
            {"name": "PLAIN", "rank": 1},
        ]
    )
    assert found["eu/badge/GOLD"] == GroupOptions(protect=True, ignore_changes=("rank",))
    assert found["eu/badge/TEST"] == GroupOptions(retain_on_delete=True)
    assert found["eu/badge/PLAIN"].is_empty


def test_stack_defaults_apply_and_an_entrys_own_value_wins():
    found = options_of(
        defaults={"protect": True, "ignoreChanges": ["rank", "order"]},
        badgeGroups=[{"name": "GOLD", "rank": 3}, {"name": "TEST", "rank": 1, "protect": False, "ignoreChanges": []}],
        contactGroups=[{"name": "Panel", "team_id": 53}],
    )
    assert found["eu/badge/GOLD"] == GroupOptions(protect=True, retain_on_delete=None, ignore_changes=("rank",))
    assert found["eu/badge/TEST"] == GroupOptions(protect=False, ignore_changes=())
    # A default field applies to the kinds that have it: `rank` is no contact-group field.
    assert found["default/contact/Panel"] == GroupOptions(protect=True, ignore_changes=("order",))


def test_unknown_options_and_fields_are_preview_errors_naming_the_entry():
    problems = problems_of(
        orgs={"eu": EU},
        badgeGroups=[
            {"name": "GOLD", "rank": 3, "ignoreChanges": ["rank", "colour"]},
            {"name": "SILVER", "rank": 2, "protect": "yes"},
            {"name": "BRONZE", "rank": 1, "ignoreChange": ["rank"]},
            {"name": "TIN", "rank": 0, "ignoreChanges": "rank"},
        ],
    )
    assert problems[0] == (
        "pulumi-groups:badgeGroups[0] ('GOLD'): ignoreChanges names unknown field(s) colour; "
        "fields of a badge group: name, rank, org, adopt"
    )
    assert problems[1] == "pulumi-groups:badgeGroups[1] ('SILVER'): protect must be true or false, got 'yes'"
    assert problems[2].startswith("pulumi-groups:badgeGroups[2] ('BRONZE'): unknown key(s) ignoreChange; allowed: ")
    assert problems[3] == (
        "pulumi-groups:badgeGroups[3] ('TIN'): ignoreChanges must be a list of field names, e.g. [rank], got 'rank'"
    )
    assert len(problems) == 4


def test_bad_stack_defaults_are_errors_naming_the_key():
    stack_config(orgs={"eu": EU}, badgeGroups=[{"name": "GOLD", "rank": 3}])
    config = dict(pulumi.runtime.config.CONFIG.get())
    config["pulumi-groups:defaults"] = json.dumps({"protected": True, "ignoreChanges": ["colour"]})
    pulumi.runtime.set_all_config(config)
    with pytest.raises(DeclarationError) as raised:
        stack_program.read_plan(STACK)
    assert raised.value.problems == [
        "pulumi-groups:defaults: unknown key(s) protected; allowed: protect, retainOnDelete, ignoreChanges",
        "pulumi-groups:defaults: ignoreChanges names unknown field(s) colour; fields of any group kind: "
        "name, rank, org, adopt, active, team_id, order, remote_id, account, parent",
    ]


def test_a_contact_entry_ignores_its_parent_by_the_declarations_name():
    found = options_of(
        contactGroups=[
            {"name": "Panel", "team_id": 53},
            {"name": "Batch", "team_id": 53, "parent": "Panel", "ignoreChanges": ["parent"]},
        ]
    )
    assert found["default/contact/Batch"].ignore_changes == ("parent",)
    problems = problems_of(
        accounts={"default": ACCOUNT}, contactGroups=[{"name": "Panel", "team_id": 53, "ignoreChanges": ["parent_id"]}]
    )
    assert problems == [
        "pulumi-groups:contactGroups[0] ('Panel'): ignoreChanges names unknown field(s) parent_id; "
        "fields of a contact group: team_id, name, order, remote_id, account, adopt, parent"
    ]


def test_the_program_registers_pulumis_resource_options_with_engine_property_names():
    stack_config(
        accounts={"default": ACCOUNT},
        orgs={"eu": EU},
        badgeGroups=[
            {
                "name": "GOLD",
                "rank": 3,
                "previousNames": ["OLD"],
                "protect": True,
                "retainOnDelete": True,
                "ignoreChanges": ["rank", "name"],
            },
            {"name": "PLAIN", "rank": 1},
        ],
        contactGroups=[
            {"name": "Panel", "team_id": 53},
            {"name": "Batch", "team_id": 53, "parent": "Panel", "ignoreChanges": ["parent", "order"]},
        ],
    )
    plan = {d.resource_name: d for d in stack_program.read_plan(STACK).declarations}
    gold = stack_program.resource_options_for(plan["eu/badge/GOLD"], [pulumi.Alias(name="eu/badge/OLD")])
    assert gold is not None
    assert (gold.protect, gold.retain_on_delete, gold.ignore_changes) == (True, True, ["rank", "name"])
    assert [a.name for a in gold.aliases or []] == ["eu/badge/OLD"]
    batch = stack_program.resource_options_for(plan["default/contact/Batch"], [])
    assert batch is not None and batch.ignore_changes == ["parent_id", "order"]
    # Without options or aliases, a group registers exactly as before.
    assert stack_program.resource_options_for(plan["eu/badge/PLAIN"], []) is None


@pytest.mark.parametrize("raw", ["{not json", "[true]"])
def test_defaults_that_are_not_an_object(raw):
    options, problems = resource_options.parse_defaults(raw, ["rank"], "pulumi-groups:defaults")
    assert options == resource_options.NONE
    assert len(problems) == 1 and problems[0].startswith("pulumi-groups:defaults ")
