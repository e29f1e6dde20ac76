"""Input checks shared by every resource (no HTTP involved)."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroupProvider
from pulumi_groups.lifecycle.schema import changed, check_inputs

BADGE = BadgeGroupProvider.fields
REWARD = RewardGroupProvider.fields


def test_engine_floats_become_ints_and_defaults_apply():
    inputs, failures = check_inputs(BADGE, {"name": "GOLD", "rank": 3.0})
    assert failures == []
    # No org: left for the provider's check, which resolves the stack's default org.
    assert inputs == {"name": "GOLD", "rank": 3, "org": None, "adopt": False}
    assert type(inputs["rank"]) is int
    inputs, failures = check_inputs(REWARD, {"name": "VIP"})
    assert failures == [] and inputs["rank"] is None and inputs["active"] is True


@pytest.mark.parametrize(
    "fields, news, prop, words",
    [
        (BADGE, {"name": "G", "rank": 3.5}, "rank", "whole number between 0 and 2147483647, got float 3.5"),
        (BADGE, {"name": "G", "rank": "3"}, "rank", "got str '3'"),
        (BADGE, {"name": "G", "rank": True}, "rank", "got boolean True"),
        (BADGE, {"name": "G", "rank": -1}, "rank", "got -1"),
        (BADGE, {"name": "G", "rank": 2147483648}, "rank", "got 2147483648"),
        (BADGE, {"name": "G"}, "rank", "rank is required; give a whole number"),
        (BADGE, {"name": "", "rank": 1}, "name", "name must not be empty"),
        (BADGE, {"name": "   ", "rank": 1}, "name", "name must not be empty"),
        (BADGE, {"rank": 1}, "name", "name is required"),
        (BADGE, {"name": 5, "rank": 1}, "name", "name must be a string"),
        (BADGE, {"name": "G", "rank": 1, "adopt": "yes"}, "adopt", "adopt must be true or false"),
        (REWARD, {"name": "V", "active": 1}, "active", "active must be true or false"),
        (REWARD, {"name": "V", "org": 3}, "org", "org must be a string"),
    ],
)
def test_each_bad_field_is_named_with_the_fix(fields, news, prop, words):
    _, failures = check_inputs(fields, news)
    assert [(f.property, words in f.reason) for f in failures] == [(prop, True)], [f.reason for f in failures]


def test_unknown_values_pass_through_in_preview():
    unknown = Unknown()
    inputs, failures = check_inputs(BADGE, {"name": unknown, "rank": unknown, "org": unknown})
    assert failures == [] and inputs["name"] is unknown and inputs["org"] is unknown


def test_changed_normalizes_and_treats_unknown_as_change():
    rank = BADGE[1]
    assert not changed(rank, 3.0, 3)
    assert changed(rank, 3, 4)
    assert changed(rank, 3, Unknown())
    assert not changed(REWARD[1], None, None)
