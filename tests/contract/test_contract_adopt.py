"""A create whose outcome is unknown (adopt_or_create.py): how often it is sent, what a failed
lookup says, and that a group the create made always reaches state."""

from __future__ import annotations

import pytest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.errors import ApiError, GroupsError
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


def test_a_create_answered_500_five_times_is_sent_a_sixth_time(emulator, badges):
    """A 5xx on create is never re-sent blindly (it may come from a gateway after the vendor
    acted): each time the group is looked up, found absent, and sent again after backoff."""
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 500, "count": 5}])
    created = make(badges)
    assert posts(emulator) == 6 and [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


def test_a_create_is_sent_six_times_at_most(emulator, badges):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 500, "count": 6}])
    with pytest.raises(ApiError):
        make(badges)
    assert posts(emulator) == 6 and emulator.badge_groups(DEMO_ORG_ID) == []


def test_the_attempts_back_off_as_the_transport_does(emulator, monkeypatch):
    from tests.reliability.scenarios import recorded_sleeps

    monkeypatch.setattr("urllib3.util.retry.random.random", lambda: 0.0)
    provider = configured(BadgeGroupProvider, capillary_config(emulator, **{**TUNED, "retryBackoffSeconds": "0.01"}))
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 500, "count": 3}])
    with recorded_sleeps([]) as slept:
        make(provider)
    assert slept == pytest.approx([0.0, 0.02, 0.04])


def test_a_wesurvey_create_without_a_remote_id_answered_500_is_never_sent_again(emulator):
    """A 500 may come from a proxy after the vendor acted (issue #12, point 2): with no unique key
    the create is not sent again; the error says to rerun with adopt, and nothing is doubled."""
    from pulumi_groups.wesurvey import ContactGroupProvider
    from tests.wesurvey.conftest import TEAM, create, wesurvey_config

    provider = configured(ContactGroupProvider, wesurvey_config(emulator, **TUNED))
    emulator.set_faults(
        [
            {
                "method": "POST",
                "path": rf"^/api/contacts/teams/{TEAM}/groups$",
                "action": "status",
                "status": 500,
                "count": 1,
            }
        ]
    )
    with pytest.raises(GroupsError, match="adopt: true"):
        create(provider, name="Panel")
    assert emulator.counters()["by_endpoint"].get("POST /api/contacts/teams/{team_id}/groups") == 1
    assert [g for g in emulator.contact_groups(TEAM) if g["name"] == "Panel"] == []


@pytest.mark.parametrize("adopt", [False, True])
def test_a_group_of_other_values_found_after_an_unknown_create_is_taken_only_with_adopt(emulator, badges, adopt):
    """The create got a 500; before the lookup, someone else made a group of that name with
    another rank. Without adopt: an error naming it; with adopt: taken over, rank declared."""
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 500, "count": 1}])
    real_lookup = badges.api_find_existing

    def someone_else_first(client, inputs):
        if not emulator.badge_groups(DEMO_ORG_ID):
            emulator.create_badge_group(DEMO_ORG_ID, inputs["name"], 9)
        return real_lookup(client, inputs)

    badges.api_find_existing = someone_else_first
    if not adopt:
        with pytest.raises(GroupsError, match="with this name exists now .* but with other values; set adopt: true"):
            make(badges)
        assert [g["rank"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [9]
    else:
        created = make(badges, adopt=True)
        assert [(g["id"], g["rank"]) for g in emulator.badge_groups(DEMO_ORG_ID)] == [(created.id, 3)]


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
    # the one GET is the run's listing before the first attempt; nothing is looked up after the 4xx
    assert posts(emulator) == 1 and emulator.counters()["by_endpoint"]["GET /api_gateway/v1/badges/group"] == 1


@pytest.mark.parametrize(
    "first,said",
    [
        ({"action": "status", "status": 503}, "got no certain answer (HTTP 503, request id "),
        ({"action": "reset"}, "got no certain answer (connection reset or closed before an answer arrived)"),
    ],
)
def test_a_lookup_that_fails_after_an_unknown_create_says_the_group_may_exist(emulator, badges, first, said):
    make(badges, name="SILVER")  # the run's one listing of the org is taken: the faults meet the lookup
    emulator.set_faults(
        [
            {"method": "POST", "path": BADGES, "count": 1, **first},
            {"method": "GET", "path": BADGES, "action": "status", "status": 503, "count": 1000},
        ]
    )
    with pytest.raises(GroupsError) as caught:
        make(badges)
    assert said in str(caught.value) and "may exist now" in str(caught.value)


def test_a_group_the_lost_create_made_reaches_state_even_if_taking_it_over_fails(emulator):
    """A reward group declared inactive: the create's answer is lost, the lookup finds the group
    it made, and the PUT that would deactivate it fails for ever. The id still reaches state
    (create succeeds; the next `up` sets `active`)."""
    rewards = configured(RewardGroupProvider, capillary_config(emulator, **TUNED))
    emulator.set_faults(
        [
            {"method": "POST", "path": r"/group/create$", "action": "commit_then_drop", "count": 1},
            {"method": "PUT", "action": "status", "status": 503, "count": 1000},
        ]
    )
    created = rewards.create(rewards.check({}, {"name": "DORMANT", "rank": 1.0, "active": False}).inputs)
    [live] = emulator.reward_groups(DEMO_ORG_ID)
    assert created.id == str(live["id"])


def test_a_taken_name_with_the_same_values_still_needs_adopt(emulator, badges):
    """Only a create of ours whose answer was lost is taken over without adopt: a group someone
    made with the very same values is still someone else's. The run's listing shows the name
    taken, so nothing is sent."""
    emulator.create_badge_group(DEMO_ORG_ID, "GOLD", 3)
    with pytest.raises(GroupsError, match="adopt: true"):
        make(badges)
    assert posts(emulator) == 0


def test_no_create_attempt_starts_once_the_retry_budget_is_spent(emulator):
    """Budget 0.1 s; the lookup after the first 500 is held 0.2 s (a delay lasts at least
    that): no second create is sent."""
    provider = configured(BadgeGroupProvider, capillary_config(emulator, **{**TUNED, "retryBudgetSeconds": "0.1"}))
    make(provider, name="SILVER")  # the run's one listing of the org is taken: the delay meets the lookup
    emulator.set_faults(
        [
            {"method": "POST", "path": BADGES, "action": "status", "status": 500, "count": 2},
            {"method": "GET", "path": BADGES, "action": "delay", "seconds": 0.2, "count": 1},
        ]
    )
    with pytest.raises(ApiError):
        make(provider)
    assert posts(emulator) == 2 and [g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)] == ["SILVER"]
