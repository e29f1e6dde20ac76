"""A create whose outcome is unknown (adopt_or_create.py): how often it is sent, what a failed
lookup says, and that a group the create made always reaches state."""

from __future__ import annotations

import pytest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.errors import ApiError, GroupsError, RequestFailed
from tests.conftest import DEMO_ORG_ID, capillary_config, configured

BADGES = r"^/api_gateway/v1/badges/group$"
TUNED = {"retryBudgetSeconds": "30", "retryBackoffSeconds": "0.001", "timeoutSeconds": "5"}


@pytest.fixture
def badges(emulator):
    return configured(BadgeGroupProvider, capillary_config(emulator, **TUNED))


def make(provider, name="GOLD", **extra):
    return provider.create(provider.check({}, {"name": name, "rank": 3.0, **extra}).inputs)


def posts(emulator) -> int:
    return emulator.counters()["by_endpoint"].get("POST /api_gateway/v1/badges/group", 0)


def test_a_create_reset_five_times_is_sent_a_sixth_time(emulator, badges):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "reset", "count": 5}])
    created = make(badges)
    assert posts(emulator) == 6 and [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


def test_a_create_is_sent_six_times_at_most(emulator, badges):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "reset", "count": 6}])
    with pytest.raises(RequestFailed):
        make(badges)
    assert posts(emulator) == 6 and emulator.badge_groups(DEMO_ORG_ID) == []


def test_a_500_before_the_group_was_made_is_looked_up_then_sent_again(emulator, badges):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 500, "count": 1}])
    created = make(badges)
    counters = emulator.counters()["by_endpoint"]
    assert posts(emulator) == 2 and counters.get("GET /api_gateway/v1/badges/group", 0) >= 1  # looked up first
    assert [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


def test_a_4xx_on_create_is_final_and_not_looked_up(emulator, badges):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 400, "count": 1}])
    with pytest.raises(ApiError):
        make(badges)
    assert posts(emulator) == 1 and "GET /api_gateway/v1/badges/group" not in emulator.counters()["by_endpoint"]


@pytest.mark.parametrize("first,said", [
    ({"action": "status", "status": 503}, "got no certain answer (HTTP 503, request id "),
    ({"action": "reset"}, "got no certain answer (connection reset or closed before an answer arrived)"),
])
def test_a_lookup_that_fails_after_an_unknown_create_says_the_group_may_exist(emulator, badges, first, said):
    emulator.set_faults([{"method": "POST", "path": BADGES, "count": 1, **first},
                         {"method": "GET", "path": BADGES, "action": "status", "status": 503, "count": 1000}])
    with pytest.raises(GroupsError) as caught:
        make(badges)
    assert said in str(caught.value) and "may exist now" in str(caught.value)


def test_a_group_the_lost_create_made_reaches_state_even_if_taking_it_over_fails(emulator):
    """A reward group declared inactive: the create's answer is lost, the lookup finds the group
    it made, and the PUT that would deactivate it fails for ever. The id still reaches state
    (create succeeds; the next `up` sets `active`)."""
    rewards = configured(RewardGroupProvider, capillary_config(emulator, **TUNED))
    emulator.set_faults([
        {"method": "POST", "path": r"/group/create$", "action": "commit_then_drop", "count": 1},
        {"method": "PUT", "action": "status", "status": 503, "count": 1000},
    ])
    created = rewards.create(rewards.check({}, {"name": "DORMANT", "rank": 1.0, "active": False}).inputs)
    [live] = emulator.reward_groups(DEMO_ORG_ID)
    assert created.id == str(live["id"])
