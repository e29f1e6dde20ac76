"""Each test here catches one breakage that once passed every test (issue #15's table):
WeSurvey wire errors carrying the secret or token of the URL, an OAuth token not renewed after a
401, either vendor's client rate limiter removed, a refused connection taken for "may have
arrived", a lookup by remote id that finds nothing, ``last_updated_by`` read from the wrong
field. Expected values come from the emulator's records, never from the provider's ``flatten``.
"""

from __future__ import annotations

import json
import socket

import pytest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.emulator.guesses import CONSOLE_USER_ID
from pulumi_groups.errors import GroupsError, RequestFailed
from pulumi_groups.http import client as shared_vendor_client
from pulumi_groups.http.ratelimit import RateLimiter
from pulumi_groups.wesurvey import ContactGroupProvider
from pulumi_groups.wesurvey.guesses import PAGE_SIZE as WESURVEY_PAGE_SIZE
from tests.conftest import (
    DEMO_BASIC,
    DEMO_OAUTH,
    DEMO_ORG_ID,
    SECOND_BASIC,
    SECOND_ORG_ID,
    capillary_config,
    configured,
)
from tests.support.clocks import ControlledClock
from tests.support.secrets import exception_text, leaks
from tests.wesurvey.conftest import DEMO_APP, TEAM, create, wesurvey_config

QUICK = {"retryBudgetSeconds": "0.5", "retryBackoffSeconds": "0.01", "timeoutSeconds": "2"}
TOKEN_PATH = r"^/api/oauth2/access_token$"
GROUPS_PATH = rf"^/api/contacts/teams/{TEAM}/groups"


def fired(emu) -> int:
    return emu.counters()["faults_fired"]


# -- WeSurvey: the secret and the token travel in the query string ------------------------------


@pytest.mark.parametrize("action", ["reset", "delay", "status-429"])
def test_a_failed_wesurvey_token_call_shows_no_secret_anywhere_in_the_error(emulator, action):
    """The token call is a GET with ``secret=`` in its URL: a failure of it (reset, timeout, 429
    for ever) must not carry the URL in the message, the repr, or the exception chain."""
    provider = configured(ContactGroupProvider, {**wesurvey_config(emulator, **{**QUICK, "timeoutSeconds": "0.3"})})
    spec = {
        "reset": {"action": "reset"},
        "delay": {"action": "delay", "seconds": 0.6},
        "status-429": {"action": "status", "status": 429},
    }[action]
    emulator.set_faults([{"method": "GET", "path": TOKEN_PATH, "count": 1000, **spec}])
    inputs = provider.check({}, {"team_id": float(TEAM), "name": "Panel"}).inputs
    with pytest.raises(GroupsError) as caught:
        provider.create(inputs)
    assert fired(emulator) >= 1
    assert [g for g in emulator.contact_groups(TEAM) if g["name"] == "Panel"] == []
    assert leaks(exception_text(caught.value), emulator) == []
    assert "get access token" in str(caught.value)


@pytest.mark.parametrize("action", ["reset", "delay"])
def test_a_failed_wesurvey_group_call_shows_no_access_token_anywhere_in_the_error(emulator, action):
    provider = configured(
        ContactGroupProvider,
        {**wesurvey_config(emulator, **{**QUICK, "timeoutSeconds": "0.3"}), "wesurvey:readSnapshot": "false"},
    )
    group_id, outs, _ = create(provider, name="Panel", remote_id="crm-1")
    token = next(iter(emulator.store.wesurvey_tokens.values()))["token"]
    spec = {"action": "reset"} if action == "reset" else {"action": "delay", "seconds": 0.6}
    emulator.set_faults([{"method": "GET", "path": GROUPS_PATH, "count": 1000, **spec}])
    with pytest.raises(GroupsError) as caught:
        provider.read(group_id, outs)
    assert fired(emulator) >= 1
    text = exception_text(caught.value)
    assert token not in text and leaks(text, emulator) == []


# -- Capillary OAuth: a 401 means "token refused": fetch one and send again, once ---------------


def test_an_oauth_token_refused_with_401_is_renewed_and_the_request_sent_again(emulator):
    provider = configured(BadgeGroupProvider, capillary_config(emulator, {"default": DEMO_OAUTH}))
    emulator.set_faults(
        [{"method": "POST", "path": r"^/api_gateway/v1/badges/group$", "action": "status", "status": 401, "count": 1}]
    )
    inputs = provider.check({}, {"name": "GOLD", "rank": 3.0}).inputs
    created = provider.create(inputs)
    counters = emulator.counters()
    assert counters["faults_fired"] == 1 and emulator.pending_faults() == []
    assert counters["token_fetches"] == {"demo-client-key": 2}
    assert [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


# -- client rate limits: one budget per credential, on a clock the test controls ----------------


@pytest.fixture
def limiters(monkeypatch):
    """Every RateLimiter the vendor clients make, each on its own ControlledClock."""
    made: list[tuple[float, RateLimiter, ControlledClock]] = []

    def factory(requests_per_minute):
        clock = ControlledClock()
        limiter = RateLimiter(requests_per_minute, clock=clock, sleep=clock.sleep)
        made.append((requests_per_minute, limiter, clock))
        return limiter

    monkeypatch.setattr(shared_vendor_client, "RateLimiter", factory)  # what both vendors' clients use
    return made


def test_each_capillary_org_is_held_to_its_own_requests_per_minute(emulator, limiters):
    """Two orgs with 60 and 30 requests a minute (bursts of 6 and 3): every request past the
    burst waits its turn, each org on its own budget. Without the limiter nothing waits."""
    orgs = {"default": {**DEMO_BASIC, "requestsPerMinute": 60}, "second": {**SECOND_BASIC, "requestsPerMinute": 30}}
    provider = configured(BadgeGroupProvider, capillary_config(emulator, orgs))
    for org in ("default", "second"):
        for i in range(10):
            provider.create(provider.check({}, {"name": f"G{i}", "rank": 1.0, "org": org}).inputs)
    sent = emulator.counters()["by_credential"]
    assert sent == {"demo.till": 11, "demo2.till": 11}  # 10 creates and the org's one listing before them
    by_rate = {rate: clock for rate, _, clock in limiters}
    assert sorted(by_rate) == [30, 60]
    for rate, burst in ((60, 6), (30, 3)):
        clock = by_rate[rate]
        assert len(clock.sleeps) == 11 - burst
        assert clock.sleeps == pytest.approx([60 / (rate - burst)] * (11 - burst))
    assert len(emulator.badge_groups(DEMO_ORG_ID)) == len(emulator.badge_groups(SECOND_ORG_ID)) == 10


def test_a_wesurvey_account_is_held_to_its_own_requests_per_minute(emulator, limiters):
    """requestsPerMinute inside the account entry (30: a burst of 3) bounds every request of its
    appid, the token call included."""
    accounts = {"default": {**DEMO_APP, "requestsPerMinute": 30}}
    provider = configured(ContactGroupProvider, wesurvey_config(emulator, accounts))
    for i in range(4):
        create(provider, name=f"G{i}")
    sent = emulator.counters()["total"]
    assert sent >= 5  # a token, 4 creates (and their read-backs)
    [(rate, limiter, clock)] = limiters
    assert rate == 30
    assert len(clock.sleeps) == sent - 3
    assert limiter.waited_seconds == pytest.approx(sum(clock.sleeps))


# -- a refused connection certainly never reached the vendor ------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_create_is_known_not_to_have_arrived(emulator):
    """Basic auth, so no token call fails first: the create itself is refused. The provider must
    know the request never left (nothing to look up, nothing that may exist)."""
    config = capillary_config(emulator, **{k: v for k, v in QUICK.items()})
    config["capillary:orgs"] = json.dumps({"default": {"host": f"http://127.0.0.1:{closed_port()}", **DEMO_BASIC}})
    provider = configured(BadgeGroupProvider, config)
    inputs = provider.check({}, {"name": "GOLD", "rank": 3.0}).inputs
    with pytest.raises(RequestFailed) as caught:
        provider.create(inputs)
    assert caught.value.may_have_reached_vendor is False
    assert "refused" in caught.value.reason


# -- lookups by remote id -----------------------------------------------------------------------


def test_a_read_by_remote_id_finds_a_group_moved_to_another_parent_in_one_request(emulator):
    """With the read snapshot off, a group with a remote id is read by that id: one request even
    after it moved to another parent outside Pulumi, in a team of more than one page (a lookup by
    parent would miss it, and the whole team takes two pages)."""
    provider = configured(ContactGroupProvider, {**wesurvey_config(emulator), "wesurvey:readSnapshot": "false"})
    group_id, outs, _ = create(provider, name="Keyed", remote_id="crm-8")
    elsewhere = emulator.create_contact_group(TEAM, "Elsewhere")
    for i in range(WESURVEY_PAGE_SIZE):
        emulator.create_contact_group(TEAM, f"Filler {i}", parent_id=elsewhere["id"])
    emulator.update_group("contact", TEAM, int(group_id), parent_id=elsewhere["id"])
    emulator.reset_counters()
    read = provider.read(group_id, outs)
    assert read.id == group_id and read.inputs["parent_id"] == elsewhere["id"]
    assert emulator.counters()["total"] == 1


def test_adoption_by_remote_id_takes_over_the_group_with_that_id(emulator):
    provider = configured(ContactGroupProvider, wesurvey_config(emulator))
    parent = emulator.create_contact_group(TEAM, "Parent")
    existing = emulator.create_contact_group(TEAM, "Old name", parent_id=parent["id"], remote_id="crm-77")
    group_id, outs, _ = create(provider, name="New name", remote_id="crm-77", adopt=True)
    assert group_id == str(existing["id"])
    live = [g for g in emulator.contact_groups(TEAM) if g.get("remote_id") == "crm-77"]
    assert [(g["id"], g["name"]) for g in live] == [(existing["id"], "New name")]


# -- outputs from the vendor's own fields -------------------------------------------------------


@pytest.mark.parametrize("kind", ["badge", "reward"])
def test_created_by_and_last_updated_by_are_the_vendors_fields(emulator, kind):
    """A group made in the console (by the console user) and then adopted through the API (by the
    till user): the two ids differ, and each output shows the emulator's own record of it."""
    provider_cls = BadgeGroupProvider if kind == "badge" else RewardGroupProvider
    provider = configured(provider_cls, capillary_config(emulator))
    made = (emulator.create_badge_group if kind == "badge" else emulator.create_reward_group)(DEMO_ORG_ID, "GOLD", 3)
    created = provider.create(provider.check({}, {"name": "GOLD", "rank": 4.0, "adopt": True}).inputs)
    live = (emulator.badge_groups if kind == "badge" else emulator.reward_groups)(DEMO_ORG_ID)
    [record] = [g for g in live if str(g["id"]) == str(made["id"])]
    assert record["createdBy"] == CONSOLE_USER_ID and record["lastUpdatedBy"] != CONSOLE_USER_ID
    assert created.outs["created_by"] == record["createdBy"]
    assert created.outs["last_updated_by"] == record["lastUpdatedBy"]
    read = provider.read(created.id, created.outs)
    assert (read.outs["created_by"], read.outs["last_updated_by"]) == (record["createdBy"], record["lastUpdatedBy"])
