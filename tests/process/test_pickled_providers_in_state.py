"""Users' stacks hold each resource's ``__provider``: a pickle that names the provider class by
module path and class name. These strings were pickled by the code of 2026-11-30 (before the
package was split into layer folders); a provider process of today's code must still load them
and serve ``read`` through them, and today's resources must write the very same strings, so that
no stack sees a ``__provider`` diff after an upgrade.
"""

from __future__ import annotations

import base64
import json
import pickle

import pytest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.lifecycle.resource import pickled_provider
from pulumi_groups.wesurvey import ContactGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_ORG_ID, FAST
from tests.support.provider_process import ProviderProcess, secret
from tests.wesurvey.conftest import CONTACT_GROUP, DEMO_APP, TEAM

# As found in state written by pulumi-groups on 2026-11-30 (protocol 4, the class by reference).
PICKLED_2026_11_30 = {
    BadgeGroupProvider: "gASVRAAAAAAAAACMI3B1bHVtaV9ncm91cHMuY2FwaWxsYXJ5LmJhZGdlX2dyb3VwlIwSQmFkZ2VHcm91cFByb3ZpZGVylJOUKYGUfZRiLg==",  # noqa: E501 - one opaque value
    RewardGroupProvider: "gASVRgAAAAAAAACMJHB1bHVtaV9ncm91cHMuY2FwaWxsYXJ5LnJld2FyZF9ncm91cJSME1Jld2FyZEdyb3VwUHJvdmlkZXKUk5QpgZR9lGIu",  # noqa: E501 - one opaque value
    ContactGroupProvider: "gASVRwAAAAAAAACMJHB1bHVtaV9ncm91cHMud2VzdXJ2ZXkuY29udGFjdF9ncm91cJSMFENvbnRhY3RHcm91cFByb3ZpZGVylJOUKYGUfZRiLg==",  # noqa: E501 - one opaque value
}
BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
REWARD = "pulumi-python:dynamic/capillary:RewardGroup"


@pytest.mark.parametrize("provider_class", list(PICKLED_2026_11_30), ids=lambda c: c.__name__)
def test_old_pickles_name_classes_that_still_load_at_the_same_path(provider_class):
    loaded = pickle.loads(base64.b64decode(PICKLED_2026_11_30[provider_class]))
    assert type(loaded) is provider_class
    assert provider_class.__module__.startswith("pulumi_groups.")


@pytest.mark.parametrize("provider_class", list(PICKLED_2026_11_30), ids=lambda c: c.__name__)
def test_todays_resources_write_the_same_provider_string(provider_class):
    serialized, captured_secret = pickled_provider(provider_class)
    assert serialized == PICKLED_2026_11_30[provider_class] and captured_secret is False


@pytest.fixture
def process(emulator):
    proc = ProviderProcess()
    proc.configure(
        {
            "capillary:orgs": secret(json.dumps({"default": {"host": emulator.url, **DEMO_BASIC}})),
            "capillary:requestsPerMinute": FAST,
            "wesurvey:accounts": secret(json.dumps({"default": {"host": emulator.url, **DEMO_APP}})),
            "wesurvey:requestsPerMinute": FAST,
        }
    )
    yield proc
    proc.close()


def test_read_runs_through_each_old_pickle_in_the_provider_process(emulator, process):
    badge = emulator.create_badge_group(DEMO_ORG_ID, "GOLD", 3)
    reward = emulator.create_reward_group(DEMO_ORG_ID, "VIP", 1)
    contact = emulator.create_contact_group(TEAM, "Panel", remote_id="crm-7")
    cases = [
        (BADGE, BadgeGroupProvider, badge["id"], {"name": "GOLD", "rank": 3, "org": "default", "org_id": DEMO_ORG_ID}),
        (
            REWARD,
            RewardGroupProvider,
            str(reward["id"]),
            {"name": "VIP", "rank": 1, "active": True, "org": "default", "org_id": DEMO_ORG_ID},
        ),
        (
            CONTACT_GROUP,
            ContactGroupProvider,
            str(contact["id"]),
            {"team_id": TEAM, "name": "Panel", "parent_id": 0, "order": 0, "remote_id": "crm-7", "account": "default"},
        ),
    ]
    emulator.reset_counters()
    for type_token, provider_class, group_id, stored in cases:
        old = PICKLED_2026_11_30[provider_class]
        read_id, outputs, inputs = process.read(
            type_token, "g", group_id, {"__provider": old, "adopt": False, **stored}
        )
        assert read_id == group_id
        assert outputs["__provider"] == old and inputs["name"] == stored["name"]
    assert emulator.counters()["total"] >= 3  # each read asked the emulator
