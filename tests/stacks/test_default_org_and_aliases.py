"""The stack program under mocks: which org a declaration targets (never moved by the environment
or by an added org) and the aliases that turn a rename into an update."""

from __future__ import annotations

import json

import pulumi
import pytest

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.program import stack_program
from pulumi_groups.program.declarations import DeclarationError
from pulumi_groups.wesurvey.contact_group import ContactGroupProvider
from tests.conftest import configured
from tests.support.alias_monitor import set_alias_mocks
from tests.support.mocks import RecordingMocks

STACK = "brand-eu"
EU = {"host": "eu", "username": "till.eu", "password": "pw-eu"}
US = {"host": "us", "clientKey": "key-us", "clientSecret": "secret-us"}
ACCOUNT = {"appId": "app-1", "secret": "s3cret"}
CAPILLARY_ENV = {"CAPILLARY_HOST": "apac", "CAPILLARY_USERNAME": "ci.till", "CAPILLARY_PASSWORD": "ci-pw"}
WESURVEY_ENV = {"WESURVEY_APP_ID": "ci-app", "WESURVEY_SECRET": "ci-secret"}


@pytest.fixture
def mocks():
    recorder = RecordingMocks()
    recorder.monitor = set_alias_mocks(recorder, STACK)
    return recorder


def set_config(config: dict) -> dict[str, str]:
    """Stack config as the engine passes it (every value a string); returned for the provider too."""
    as_text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    pulumi.runtime.set_all_config(as_text)
    return as_text


def targets(config: dict) -> dict[str, str]:
    """Group name -> the org (account) the stack program's declaration targets."""
    set_config(config)
    return {d.name: d.scope for d in stack_program.read_plan(STACK).declarations}


def problems(config: dict) -> list[str]:
    set_config(config)
    with pytest.raises(DeclarationError) as raised:
        stack_program.read_plan(STACK)
    return raised.value.problems


# -- point 6: the environment and an added org never move a declaration -------------------------


def test_exported_credentials_do_not_add_an_org_to_a_stack_that_has_one(mocks, monkeypatch):
    for name, value in {**CAPILLARY_ENV, **WESURVEY_ENV}.items():
        monkeypatch.setenv(name, value)
    config = {
        "capillary:orgs": {"brand-eu": EU},
        "wesurvey:accounts": {"eu": ACCOUNT},
        "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 3}],
        "pulumi-groups:contactGroups": [{"name": "Panel", "team_id": 53}],
    }
    assert targets(config) == {"GOLD": "brand-eu", "Panel": "eu"}
    names = {d.resource_name for d in stack_program.read_plan(STACK).declarations}
    assert names == {"brand-eu/badge/GOLD", "eu/contact/Panel"}
    # The provider resolves a resource without org/account the same way, and knows no 'default'.
    provider_config = set_config(config)
    badge = configured(BadgeGroupProvider, provider_config)
    assert badge.check({}, {"name": "GOLD", "rank": 3}).inputs["org"] == "brand-eu"
    assert badge.config.known_keys() == ["brand-eu"]
    contact = configured(ContactGroupProvider, provider_config)
    assert contact.check({}, {"name": "Panel", "team_id": 53}).inputs["account"] == "eu"


def test_the_environment_still_serves_a_stack_that_configures_no_org(mocks, monkeypatch):
    for name, value in {**CAPILLARY_ENV, **WESURVEY_ENV}.items():
        monkeypatch.setenv(name, value)
    config = {
        "pulumi-groups:rewardGroups": [{"name": "VIP"}],
        "pulumi-groups:contactGroups": [{"name": "Panel", "team_id": 53}],
    }
    assert targets(config) == {"VIP": "default", "Panel": "default"}


@pytest.mark.parametrize("added", ["default", "brand-us"])
def test_adding_an_org_is_an_error_naming_the_declarations_and_the_key(mocks, added):
    before = {
        "capillary:orgs": {"brand-eu": EU},
        "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 3}, {"name": "SILVER", "rank": 2}],
    }
    assert targets(before) == {"GOLD": "brand-eu", "SILVER": "brand-eu"}
    after = {**before, "capillary:orgs": {"brand-eu": EU, added: US}}
    found = problems(after)
    assert [p.split(":", 2)[0] + ":" + p.split(":", 2)[1].split(" ")[0] for p in found] == [
        "pulumi-groups:badgeGroups[0]",
        "pulumi-groups:badgeGroups[1]",
    ]
    assert all("pulumi-groups:defaultOrg" in p and "brand-eu" in p and added in p for p in found)
    assert mocks.resources == []
    # Naming the default settles it, whichever key it is.
    assert targets({**after, "pulumi-groups:defaultOrg": "brand-eu"}) == {"GOLD": "brand-eu", "SILVER": "brand-eu"}


def test_an_org_keyed_default_gets_no_preference_in_the_provider_either(mocks):
    config = set_config({"capillary:orgs": {"brand-eu": EU, "default": US}})
    failures = configured(BadgeGroupProvider, config).check({}, {"name": "GOLD", "rank": 3}).failures
    assert [f.property for f in failures] == ["org"] and "pulumi-groups:defaultOrg" in failures[0].reason
    config = set_config({"capillary:orgs": {"brand-eu": EU, "default": US}, "pulumi-groups:defaultOrg": "brand-eu"})
    assert configured(BadgeGroupProvider, config).check({}, {"name": "GOLD", "rank": 3}).inputs["org"] == "brand-eu"


def test_a_default_that_names_no_configured_org_or_account(mocks):
    found = problems(
        {
            "capillary:orgs": {"brand-eu": EU},
            "wesurvey:accounts": {"eu": ACCOUNT, "us": ACCOUNT},
            "pulumi-groups:defaultOrg": "brand-xx",
            "pulumi-groups:defaultAccount": "eu",
            "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 3}],
            "pulumi-groups:contactGroups": [{"name": "Panel", "team_id": 53}],
        }
    )
    assert found == [
        "pulumi-groups:badgeGroups[0] ('GOLD'): pulumi-groups:defaultOrg names org 'brand-xx', which is not "
        "configured (known orgs: brand-eu); set it to one of them"
    ]


def test_several_accounts_need_the_default_account_key(mocks):
    config = {
        "wesurvey:accounts": {"eu": ACCOUNT, "default": ACCOUNT},
        "pulumi-groups:contactGroups": [{"name": "Panel", "team_id": 53}],
    }
    [problem] = problems(config)
    assert problem.startswith("pulumi-groups:contactGroups[0] ('Panel'): no account given")
    assert "pulumi-groups:defaultAccount" in problem
    assert targets({**config, "pulumi-groups:defaultAccount": "eu"}) == {"Panel": "eu"}


# -- point 7: declarations say what they were ----------------------------------------------------


@pulumi.runtime.test
def test_previous_names_and_org_become_aliases(mocks):
    set_config(
        {
            "capillary:orgs": {"brand-eu": EU, "brand-eu-old": EU},
            "wesurvey:accounts": {"eu": ACCOUNT},
            "pulumi-groups:defaultOrg": "brand-eu",
            "pulumi-groups:rewardGroups": [
                {"name": "VIP", "previousNames": ["VIP-old"], "previousOrg": "brand-eu-old"},
                {"name": "Plain"},
            ],
            "pulumi-groups:badgeGroups": [{"name": "GOLD", "rank": 3, "previousNames": ["Gold", "gold"]}],
            "pulumi-groups:contactGroups": [{"name": "Panel", "team_id": 53, "previousAccount": "old-eu"}],
        }
    )
    outputs = stack_program.declare(stack_program.read_plan(STACK))
    ids = [i for by_scope in outputs.values() for by_name in by_scope.values() for i in by_name.values()]

    def verify(_):
        aliases = mocks.monitor.aliases
        assert mocks.names() == {
            "brand-eu/reward/VIP",
            "brand-eu/reward/Plain",
            "brand-eu/badge/GOLD",
            "eu/contact/Panel",
        }
        assert set(aliases["brand-eu/reward/VIP"]) == {
            "brand-eu/reward/VIP-old",
            "brand-eu-old/reward/VIP",
            "brand-eu-old/reward/VIP-old",
        }
        assert set(aliases["brand-eu/badge/GOLD"]) == {"brand-eu/badge/Gold", "brand-eu/badge/gold"}
        assert aliases["eu/contact/Panel"] == ["old-eu/contact/Panel"]
        assert aliases["brand-eu/reward/Plain"] == []
        # The resource itself is declared under its new name and org, with the new name.
        vip = mocks.named("brand-eu/reward/VIP").inputs
        assert (vip["name"], vip["org"]) == ("VIP", "brand-eu")

    return pulumi.Output.all(*ids).apply(verify)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [{"name": "VIP"}, {"name": "GOLD", "previousNames": ["VIP"]}],
            "pulumi-groups:rewardGroups[1] ('GOLD'): its previous name 'brand-eu/reward/VIP' is what "
            "pulumi-groups:rewardGroups[0] ('VIP') declares now",
        ),
        (
            [{"name": "A", "previousNames": ["OLD"]}, {"name": "B", "previousNames": ["OLD"]}],
            (
                "pulumi-groups:rewardGroups[0] ('A') and pulumi-groups:rewardGroups[1] "
                "('B') both say they were 'brand-eu/reward/OLD'"
            ),
        ),
        ([{"name": "A", "previousNames": "OLD"}], "pulumi-groups:rewardGroups[0] ('A'): previousNames must be a list"),
        (
            [{"name": "A", "previousNames": [""]}],
            "pulumi-groups:rewardGroups[0] ('A'): previousNames[0]: name must not be empty",
        ),
        (
            [{"name": "A", "previousOrg": 5}],
            "pulumi-groups:rewardGroups[0] ('A'): previousOrg must be a non-empty string",
        ),
    ],
)
def test_bad_previous_names(mocks, entries, expected):
    [problem] = problems({"capillary:orgs": {"brand-eu": EU}, "pulumi-groups:rewardGroups": entries})
    assert problem.startswith(expected), problem


# -- point 11: one contact-group name under two parents or teams ---------------------------------


@pulumi.runtime.test
def test_one_name_under_two_parents_with_a_key(mocks):
    set_config(
        {
            "wesurvey:accounts": {"eu": ACCOUNT},
            "pulumi-groups:contactGroups": [
                {"name": "Panel", "team_id": 53},  # the first of its name: keeps its resource name
                {"name": "EU", "team_id": 53},
                {"name": "Panel", "team_id": 53, "parent": "EU", "key": "EU Panel"},
                {"name": "Panel", "team_id": 54, "key": "Panel 54"},
                {"name": "Wave", "team_id": 53, "parent": "EU Panel"},  # parents are named by key
            ],
        }
    )
    outputs = stack_program.declare(stack_program.read_plan(STACK))
    ids = list(outputs["contactGroups"]["eu"].values())

    def verify(_):
        assert mocks.names() == {
            "eu/contact/Panel",
            "eu/contact/EU",
            "eu/contact/EU Panel",
            "eu/contact/Panel 54",
            "eu/contact/Wave",
        }
        assert {
            mocks.named(n).inputs["name"] for n in ("eu/contact/Panel", "eu/contact/EU Panel", "eu/contact/Panel 54")
        } == {"Panel"}
        assert mocks.named("eu/contact/EU Panel").inputs["parent_id"] == "id-of-eu/contact/EU"
        assert mocks.named("eu/contact/Wave").inputs["parent_id"] == "id-of-eu/contact/EU Panel"

    assert set(outputs["contactGroups"]["eu"]) == {"Panel", "EU", "EU Panel", "Panel 54", "Wave"}
    return pulumi.Output.all(*ids).apply(verify)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [{"name": "Panel", "team_id": 53}, {"name": "Panel", "team_id": 54}],
            "pulumi-groups:contactGroups[0] and [1] both declare contact group 'Panel' in account 'eu', under "
            "different parents or teams (which WeSurvey allows): give the newer entry a `key:`",
        ),
        (
            [{"name": "Panel", "team_id": 53}, {"name": "Panel", "team_id": 53, "key": "Panel 2"}],
            (
                "pulumi-groups:contactGroups[0] and [1] both declare contact group 'Panel' "
                "in account 'eu' under the same parent in team 53: keep one of them"
            ),
        ),
        (
            [{"name": "A", "team_id": 53, "key": "K"}, {"name": "B", "team_id": 53, "key": "K"}],
            "pulumi-groups:contactGroups[0] and [1] both declare contact group 'B' in account 'eu' with the key 'K'",
        ),
    ],
)
def test_repeated_contact_names_that_cannot_be_told_apart(mocks, entries, expected):
    [problem] = problems({"wesurvey:accounts": {"eu": ACCOUNT}, "pulumi-groups:contactGroups": entries})
    assert problem.startswith(expected), problem
