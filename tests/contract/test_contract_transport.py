"""The shared transport's contract, piece by piece: its documented defaults, backoff, Retry-After
parsing, the retry budget, re-sends of unreadable answers, token renewal, the hint on refused
credentials. Real HTTP to the emulator where a request is involved."""

from __future__ import annotations

import email.utils
import logging
import time

import pytest
import requests

from pulumi_groups.capillary import BadgeGroupProvider
from pulumi_groups.capillary.client import WIRE
from pulumi_groups.errors import ApiError
from pulumi_groups.http.policy import RetryPolicy, Timeouts
from pulumi_groups.http.retries import BudgetedRetry
from pulumi_groups.http.transport import Transport
from pulumi_groups.http.wire_failures import retry_after as _retry_after
from tests.conftest import DEMO_OAUTH, DEMO_ORG_ID, capillary_config, configured

BADGES = r"^/api_gateway/v1/badges/group$"


def test_the_documented_defaults():
    """README, Reliability: 5 retries, backoff factor 0.5 capped at 20 s, Retry-After capped at
    30 s, a 90 s budget; 5 s to connect, 30 s to answer."""
    assert RetryPolicy() == RetryPolicy(
        retries=5, backoff_factor=0.5, backoff_max=20.0, retry_after_max=30, budget_seconds=90.0
    )
    assert (RetryPolicy().retries, RetryPolicy().budget_seconds) == (5, 90.0)
    assert (Timeouts().connect, Timeouts().read) == (5.0, 30.0)
    assert BudgetedRetry(total=5).budget_seconds == 90.0


@pytest.mark.parametrize(
    "retry,expected", [(0, 0.0), (1, 0.0), (2, 1.0 + 0.25), (3, 2.0 + 0.25), (4, 4.0 + 0.25), (7, 20.0)]
)
def test_backoff_doubles_from_the_second_retry_with_jitter_and_a_cap(monkeypatch, retry, expected):
    """A resend made by hand waits what urllib3 waits before the same retry."""
    monkeypatch.setattr("urllib3.util.retry.random.random", lambda: 0.5)
    waits: list[float] = []
    monkeypatch.setattr("pulumi_groups.http.retries.time.sleep", waits.append)
    transport = Transport(WIRE, "default", "http://127.0.0.1:9", retry=RetryPolicy(retries=10, backoff_factor=0.5))
    assert transport.wait_to_resend(retry, time.monotonic()) is True
    assert waits == [pytest.approx(expected)]


def test_a_resend_past_the_retry_count_or_the_budget_is_refused_without_waiting(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("pulumi_groups.http.retries.time.sleep", waits.append)
    transport = Transport(WIRE, "default", "http://127.0.0.1:9", retry=RetryPolicy(retries=3, budget_seconds=60.0))
    assert transport.wait_to_resend(4, time.monotonic()) is False
    assert transport.wait_to_resend(1, time.monotonic() - 61.0) is False
    assert waits == []
    assert transport.wait_to_resend(1, time.monotonic(), retry_after=600) is True
    assert waits == [30]  # the vendor's Retry-After, capped at retry_after_max


def answer_with(retry_after: str | None) -> requests.Response:
    response = requests.Response()
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


@pytest.mark.parametrize(
    "header,expected", [("120", 120.0), ("0", 0.0), ("-5", 0.0), (" 7 ", 7.0), ("", None), (None, None), ("soon", None)]
)
def test_retry_after_in_seconds(header, expected):
    assert _retry_after(answer_with(header)) == expected


def test_retry_after_as_an_http_date():
    future = email.utils.formatdate(time.time() + 100, usegmt=True)
    past = email.utils.formatdate(time.time() - 100, usegmt=True)
    assert 95 <= _retry_after(answer_with(future)) <= 101
    assert _retry_after(answer_with(past)) == 0.0


def spent(budget: float, since: float) -> BudgetedRetry:
    return BudgetedRetry(total=5, budget_seconds=budget, first_failure_at=time.monotonic() - since)


def test_a_retry_whose_budget_is_spent_is_exhausted_and_waits_no_more():
    over = spent(1.0, since=5.0)
    assert over.is_exhausted() and over.get_backoff_time() == 0.0 and over.parse_retry_after("30") == 0.0
    fresh = BudgetedRetry(total=5, budget_seconds=10.0)
    assert not fresh.is_exhausted() and fresh.parse_retry_after("5") == 5.0
    assert 9.0 < fresh.parse_retry_after("500") <= 10.0  # capped by what is left of the budget


def test_the_budget_ends_when_nothing_is_left_of_it():
    assert not spent(10.0, since=9.5).is_exhausted()
    assert spent(10.0, since=10.5).is_exhausted()


def test_an_unreadable_retry_after_counts_as_absent():
    assert BudgetedRetry(total=5, budget_seconds=10.0).parse_retry_after("soon") == 0.0


# -- through the transport, against the emulator ------------------------------------------------


@pytest.fixture
def provider(emulator):
    return configured(BadgeGroupProvider, capillary_config(emulator, retryBackoffSeconds="0.001"))


def make(provider, name="GOLD"):
    return provider.create(provider.check({}, {"name": name, "rank": 3.0}).inputs)


def test_an_unreadable_answer_to_a_read_is_asked_again_up_to_the_retry_count(emulator, provider):
    created = make(provider)
    provider_off = configured(
        BadgeGroupProvider,
        {**capillary_config(emulator, retryBackoffSeconds="0.001"), "capillary:readSnapshot": "false"},
    )
    emulator.set_faults([{"method": "GET", "action": "malformed", "count": 5}])
    emulator.reset_counters()
    assert provider_off.read(created.id, created.outs).id == created.id
    assert emulator.counters()["total"] == 6 and emulator.counters()["faults_fired"] == 5
    emulator.set_faults([{"method": "GET", "action": "malformed", "count": 6}])
    with pytest.raises(Exception, match="not valid JSON"):
        provider_off.read(created.id, created.outs)


def test_a_429_before_a_create_is_sent_again_and_makes_one_group(emulator, provider):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 429, "count": 2}])
    created = make(provider)
    assert emulator.counters()["faults_fired"] == 2
    assert [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


def test_a_token_refused_for_ever_is_renewed_once_per_request_not_in_a_loop(emulator):
    provider = configured(BadgeGroupProvider, capillary_config(emulator, {"default": DEMO_OAUTH}))
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 401, "count": 100}])
    with pytest.raises(ApiError) as caught:
        make(provider)
    counters = emulator.counters()
    assert counters["token_fetches"] == {"demo-client-key": 2} and counters["faults_fired"] == 2
    assert caught.value.status == 401 and "clientKey/clientSecret of capillary:orgs.default" in caught.value.hint
    with pytest.raises(ApiError):  # the next request tries the last token once more, then one new one
        make(provider)
    assert emulator.counters()["token_fetches"] == {"demo-client-key": 3}


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_config_to_check(emulator, provider, status):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": status, "count": 1}])
    with pytest.raises(ApiError) as caught:
        make(provider)
    assert caught.value.status == status
    assert "username/password of capillary:orgs.default" in caught.value.hint
    assert "username/password of capillary:orgs.default" in str(caught.value)


def test_a_refusal_that_is_not_about_credentials_carries_no_credentials_hint(emulator, provider):
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "status", "status": 400, "count": 1}])
    with pytest.raises(ApiError) as caught:
        make(provider)
    assert caught.value.status == 400 and caught.value.hint == ""


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_every_retryable_status_is_retried_on_a_read(emulator, provider, status):
    created = make(provider)
    off = configured(
        BadgeGroupProvider,
        {**capillary_config(emulator, retryBackoffSeconds="0.001"), "capillary:readSnapshot": "false"},
    )
    emulator.set_faults([{"method": "GET", "action": "status", "status": status, "count": 2}])
    emulator.reset_counters()
    assert off.read(created.id, created.outs).id == created.id
    assert emulator.counters()["faults_fired"] == 2 and emulator.counters()["total"] == 3


def test_urllib3_logs_no_retried_url(emulator, caplog):
    """urllib3 logs each retried URL with its query string, where WeSurvey keeps its token."""
    from pulumi_groups.wesurvey import ContactGroupProvider
    from tests.wesurvey.conftest import TEAM, create, wesurvey_config

    caplog.set_level(logging.DEBUG)
    provider = configured(ContactGroupProvider, wesurvey_config(emulator, retryBackoffSeconds="0.001"))
    emulator.set_faults([{"method": "GET", "action": "status", "status": 503, "count": 2}])
    create(provider, name="Panel")
    assert emulator.counters()["faults_fired"] == 2 and len(emulator.contact_groups(TEAM)) >= 1
    assert [r for r in caplog.records if r.name.startswith("urllib3")] == []


def test_every_resend_waits_for_the_rate_limiter():
    from pulumi_groups.http.ratelimit import RateLimiter
    from tests.support.clocks import ControlledClock

    clock = ControlledClock()
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
    for _ in range(6):
        limiter.acquire()  # the burst is spent
    BudgetedRetry(total=5, limiter=limiter).sleep()
    assert len(clock.sleeps) == 1
    BudgetedRetry(total=5).sleep()  # no limiter: nothing to wait for


def test_a_read_that_times_out_for_ever_says_so(emulator):
    provider = configured(
        BadgeGroupProvider,
        capillary_config(emulator, timeoutSeconds="0.3", retryBudgetSeconds="0.5", retryBackoffSeconds="0.001"),
    )
    created = make(provider)
    emulator.set_faults([{"method": "GET", "action": "delay", "seconds": 0.6, "count": 1000}])
    with pytest.raises(Exception, match=r"no answer within 0.3s \(read timeout\)"):
        provider.read(created.id, created.outs)


def test_a_create_that_timed_out_is_looked_up_and_made_once(emulator):
    provider = configured(
        BadgeGroupProvider, capillary_config(emulator, timeoutSeconds="0.3", retryBackoffSeconds="0.001")
    )
    emulator.set_faults([{"method": "POST", "path": BADGES, "action": "delay", "seconds": 0.6, "count": 1}])
    created = make(provider)
    assert [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


def test_retry_after_is_waited_for(emulator, provider):
    from tests.reliability.scenarios import recorded_sleeps

    created = make(provider)
    off = configured(
        BadgeGroupProvider,
        {**capillary_config(emulator, retryBackoffSeconds="0.001"), "capillary:readSnapshot": "false"},
    )
    emulator.set_faults([{"method": "GET", "action": "status", "status": 429, "retry_after": 1, "count": 1}])
    with recorded_sleeps([]) as slept:
        assert off.read(created.id, created.outs).id == created.id
    assert max(slept) >= 0.99


def test_a_5xx_that_outlasts_the_retries_is_the_vendors_error(emulator, provider):
    created = make(provider)
    off = configured(
        BadgeGroupProvider,
        {**capillary_config(emulator, retryBackoffSeconds="0.001"), "capillary:readSnapshot": "false"},
    )
    emulator.set_faults([{"method": "GET", "action": "status", "status": 503, "count": 1000}])
    with pytest.raises(ApiError) as caught:
        off.read(created.id, created.outs)
    assert caught.value.status == 503 and caught.value.request_id


def test_proxies_from_the_environment_are_not_used(emulator, provider, monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert make(provider).id


def test_the_retry_budget_runs_from_the_first_failure(emulator):
    """Budget 0.05 s: the retries' waits are capped by what is left of it, so a 503 for ever
    costs a few requests, not the six that the retry count alone would allow."""
    provider = configured(
        BadgeGroupProvider,
        {
            **capillary_config(emulator, retryBudgetSeconds="0.05", retryBackoffSeconds="0.1"),
            "capillary:readSnapshot": "false",
        },
    )
    created = make(provider)
    emulator.set_faults([{"method": "GET", "action": "status", "status": 503, "count": 1000}])
    emulator.reset_counters()
    with pytest.raises(ApiError):
        provider.read(created.id, created.outs)
    assert 2 <= emulator.counters()["total"] <= 4
