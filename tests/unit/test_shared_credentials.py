"""Two org keys (accounts) with one credential: each key has its own client, named in its errors
and tuned by its own settings; the token and the rate budget belong to the credential."""

from __future__ import annotations

import json

import pytest

from pulumi_groups.capillary import settings as capillary_settings
from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.errors import NameTaken
from pulumi_groups.wesurvey import settings as wesurvey_settings
from pulumi_groups.wesurvey.contact_group import ContactGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_ORG_ID, configured


def org_config(url: str) -> dict[str, str]:
    return {
        "capillary:orgs": json.dumps(
            {
                "brand-eu": {"host": url, **DEMO_BASIC, "timeoutSeconds": 30, "requestsPerMinute": 100000},
                "brand-eu-ops": {"host": url, **DEMO_BASIC, "timeoutSeconds": 7, "requestsPerMinute": 50000},
            }
        )
    }


def test_an_error_names_the_key_the_resource_used_and_its_settings_apply(emulator):
    emulator.create_badge_group(DEMO_ORG_ID, "GOLD", 1)
    provider = configured(BadgeGroupProvider, org_config(emulator.url))
    with pytest.raises(NameTaken) as taken:
        provider.create(provider.check({}, {"name": "GOLD", "rank": 3, "org": "brand-eu-ops"}).inputs)
    assert "'brand-eu-ops'" in str(taken.value) and "'brand-eu'" not in str(taken.value).replace("'brand-eu-ops'", "")

    eu, ops = provider.client("brand-eu"), provider.client("brand-eu-ops")
    assert (eu.transport.scope, ops.transport.scope) == ("brand-eu", "brand-eu-ops")
    assert (eu.transport.timeouts.read, ops.transport.timeouts.read) == (30.0, 7.0)
    # One credential, one token and one budget: the lowest requestsPerMinute of the two keys.
    assert eu.transport.auth is ops.transport.auth and eu.transport.limiter is ops.transport.limiter
    assert eu.transport.limiter.requests_per_minute == 50000


def test_settings_give_keys_of_one_principal_the_lowest_budget():
    """Orgs are told apart by host and username, never by the password: a key whose password
    differs (rotated, or stale) is still the same org and the same budget."""
    capillary = capillary_settings.load(
        {
            "capillary:orgs": json.dumps(
                {
                    "a": {"host": "eu", "username": "u", "password": "p", "requestsPerMinute": 90},
                    "b": {"host": "eu", "username": "u", "password": "p", "requestsPerMinute": 30},
                    "c": {"host": "eu", "username": "u", "password": "other", "requestsPerMinute": 60},
                    "d": {"host": "eu", "username": "v", "password": "p", "requestsPerMinute": 60},
                    "e": {"host": "us", "username": "u", "password": "p", "requestsPerMinute": 60},
                }
            )
        },
        {},
    )
    assert {k: o.requests_per_minute for k, o in capillary.orgs.items()} == {
        "a": 30,
        "b": 30,
        "c": 30,
        "d": 60,
        "e": 60,
    }
    assert capillary.same_target("a", "b") and capillary.same_target("a", "c")
    assert not capillary.same_target("a", "d") and not capillary.same_target("a", "e")
    wesurvey = wesurvey_settings.load(
        {
            "wesurvey:accounts": json.dumps(
                {
                    "x": {"appId": "app", "secret": "s", "requestsPerMinute": 20},
                    "y": {"appId": "app", "secret": "s"},
                }
            )
        },
        {},
    )
    assert {k: a.requests_per_minute for k, a in wesurvey.accounts.items()} == {"x": 20, "y": 20}


def test_wesurvey_accounts_of_one_appid_keep_their_own_names_and_timeouts(emulator):
    config = {
        "wesurvey:accounts": json.dumps(
            {
                "eu": {"host": emulator.url, "appId": "demo-appid", "secret": "demo-secret", "timeoutSeconds": 9},
                "eu-ops": {
                    "host": emulator.url,
                    "appId": "demo-appid",
                    "secret": "demo-secret",
                    "requestsPerMinute": 100,
                },
            }
        )
    }
    provider = configured(ContactGroupProvider, config)
    ops = provider.client("eu-ops")  # built first: its own 100 must not become the budget
    eu = provider.client("eu")
    assert (eu.transport.scope, ops.transport.scope) == ("eu", "eu-ops")
    assert (eu.transport.timeouts.read, ops.transport.timeouts.read) == (9.0, 30.0)
    # eu sets none (default 60), eu-ops 100: the shared budget is the lower one.
    assert eu.transport.limiter is ops.transport.limiter and eu.transport.limiter.requests_per_minute == 60
