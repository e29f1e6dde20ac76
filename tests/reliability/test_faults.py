"""Every fault the emulator can inject, during create, read, update and delete of badge and reward
groups (layer 1: the provider's methods in this process, over real HTTP to the emulator).

The catalogue and the judging live in ``scenarios.py`` (shared with scripts/reliability_report.py):
each case either succeeds or fails with a message naming org, operation, group, status/code and
request id; the emulator then holds exactly the groups the provider returned, no duplicate, none
missing; the outputs that go to state match the live group.
"""

from __future__ import annotations

import json

import pytest

from pulumi_groups.emulator import Emulator
from pulumi_groups.errors import ApiError, GroupsError, NameTaken, RequestFailed
from pulumi_groups.http import registry

from . import scenarios
from .scenarios import ORG_ID, ORG_KEY, configured, declaration, stack_config

MATRIX = scenarios.matrix()


@pytest.mark.parametrize(
    "kind,op,case,auth",
    MATRIX,
    ids=[f"{kind}-{op}-{case.id}-{auth}" for kind, op, case, auth in MATRIX],
)
def test_fault(kind, op, case, auth):
    outcome = scenarios.run_case(kind, op, case, auth)
    assert outcome.problems == [], outcome.describe()


@pytest.mark.parametrize("kind", scenarios.KINDS)
@pytest.mark.parametrize("case", scenarios.TRANSIENT[:7], ids=lambda case: case.id)
def test_read_by_id_without_snapshot(kind, case):
    """The naive read (one GET by id, ``capillary:readSnapshot`` false) under the same faults."""
    outcome = scenarios.run_case(kind, "read", case, read_snapshot=False)
    assert outcome.problems == [], outcome.describe()


@pytest.fixture
def emu():
    registry.clear()
    with Emulator() as emulator:
        yield emulator
    registry.clear()


def _provider(emu, kind, **top):
    return configured(scenarios.PROVIDERS[kind], stack_config(emu, "oauth", **top))


def _create(provider, kind, name, **extra):
    checked = provider.check({}, {**declaration(kind, name), **extra})
    assert checked.failures == [], [(f.property, f.reason) for f in checked.failures]
    return provider.create(checked.inputs)


@pytest.mark.parametrize("kind", scenarios.KINDS)
def test_a_create_that_lands_after_its_timeout_is_taken_over_not_reported_as_taken(emu, kind, capsys):
    """The vendor finishes the first POST after the client gave up on it, between the lookup
    (absent) and the second POST, which then meets "name must be unique": that is our own group,
    not someone else's, so it is taken over instead of failing with 'set adopt: true'.

    Ordered by events, not by delays: POST1's connection is reset (no answer: it may have
    landed); the lookup answers "absent"; right after that answer the vendor finishes POST1 (the
    group appears, through the emulator's own API); POST2 meets "name taken"."""
    create_path = scenarios.OPERATION_REQUESTS[(kind, "create")][1]
    emu.set_faults([{"method": "POST", "path": create_path, "action": "reset", "count": 1}])
    provider = _provider(emu, kind)
    real_lookup, lookups = provider.api_find_existing, []

    def lookup_then_post1_lands(client, inputs):
        found = real_lookup(client, inputs)
        lookups.append(found)
        if len(lookups) == 1:
            (emu.create_badge_group if kind == "badge" else emu.create_reward_group)(ORG_ID, inputs["name"], 3)
        return found

    provider.api_find_existing = lookup_then_post1_lands
    result = _create(provider, kind, "LATE")
    groups = [
        g for g in (emu.badge_groups(ORG_ID) if kind == "badge" else emu.reward_groups(ORG_ID)) if g["name"] == "LATE"
    ]
    assert lookups[0] is None and len(lookups) == 2
    assert [str(g["id"]) for g in groups] == [result.id]
    assert result.outs["rank"] == 3 and result.outs["name"] == "LATE"
    assert emu.counters()["faults_fired"] == 1
    assert "an earlier create whose answer was lost made the group" in capsys.readouterr().err


def test_a_reward_group_declared_inactive_whose_create_answer_was_lost_is_taken_over_and_deactivated(emu, capsys):
    """The create body cannot say isActive: the group the lost create made is active, so it is
    recognised by what the create sent (name, rank) and then deactivated, not refused as 'other
    values'."""
    emu.set_faults([{"method": "POST", "path": r"/group/create$", "action": "commit_then_drop", "count": 1}])
    provider = _provider(emu, "reward")
    result = _create(provider, "reward", "DORMANT", active=False)
    [group] = emu.reward_groups(ORG_ID)
    assert str(group["id"]) == result.id and group["isActive"] is False
    assert result.outs["active"] is False and result.outs["is_active"] is False
    assert "taking it over" in capsys.readouterr().err


@pytest.mark.parametrize("kind", scenarios.KINDS)
def test_a_lost_create_answer_and_a_group_with_other_values_is_refused_without_adopt(emu, kind):
    """After a lost answer the group found by name has another rank: it is not ours (or not as
    declared), so it is not taken over silently; the message names its id and adopt. The group
    is made after the run's listing of the org (a name taken before it sends no create at all)."""
    provider = _provider(emu, kind)
    _create(provider, kind, "FIRST")  # the run lists the org before its first create
    existing = (
        emu.create_badge_group(ORG_ID, "TAKEN", 9) if kind == "badge" else emu.create_reward_group(ORG_ID, "TAKEN", 9)
    )
    create_path = scenarios.OPERATION_REQUESTS[(kind, "create")][1]
    emu.set_faults([{"method": "POST", "path": create_path, "action": "reset", "count": 1}])
    with pytest.raises(GroupsError) as caught:
        _create(provider, kind, "TAKEN")
    message = str(caught.value)
    assert str(existing["id"]) in message and "adopt: true" in message and f"org {ORG_KEY!r}" in message
    assert [g["name"] for g in (emu.badge_groups(ORG_ID) if kind == "badge" else emu.reward_groups(ORG_ID))] == [
        "FIRST",
        "TAKEN",
    ]


@pytest.mark.parametrize("kind", scenarios.KINDS)
def test_adopt_under_faults_takes_over_once(emu, kind):
    """The run's listing shows the name taken, so no create is sent; the update that takes the
    group over meets a reset and an unreadable answer, and still lands once."""
    existing = (
        emu.create_badge_group(ORG_ID, "ADOPTED", 9)
        if kind == "badge"
        else emu.create_reward_group(ORG_ID, "ADOPTED", 9)
    )
    update_path = scenarios.OPERATION_REQUESTS[(kind, "update")][1]
    emu.set_faults(
        [
            {"method": "PUT", "path": update_path, "action": "reset", "count": 1},
            {"method": "PUT", "path": update_path, "action": "malformed", "count": 1},
        ]
    )
    result = _create(_provider(emu, kind), kind, "ADOPTED", adopt=True)
    assert not any(endpoint.startswith("POST /api_gateway") for endpoint in emu.counters()["by_endpoint"])
    groups = emu.badge_groups(ORG_ID) if kind == "badge" else emu.reward_groups(ORG_ID)
    assert [(str(g["id"]), g["rank"]) for g in groups] == [(str(existing["id"]), 3)]
    assert result.id == str(existing["id"]) and result.outs["rank"] == 3


@pytest.mark.parametrize("kind", scenarios.KINDS)
def test_name_taken_without_adopt_is_not_retried_and_says_what_to_do(emu, kind):
    existing = (
        emu.create_badge_group(ORG_ID, "MINE", 1) if kind == "badge" else emu.create_reward_group(ORG_ID, "MINE", 1)
    )
    with pytest.raises(NameTaken) as caught:
        _create(_provider(emu, kind), kind, "MINE")
    message = str(caught.value)
    assert str(existing["id"]) in message and "adopt: true" in message
    # the org's listing before the first create shows the name taken: no create is sent at all
    posts = [n for endpoint, n in emu.counters()["by_endpoint"].items() if endpoint.startswith("POST /api_gateway")]
    assert posts == []


def _with_credential(config: dict, field: str, value: str) -> dict:
    orgs = json.loads(config["capillary:orgs"])
    orgs[ORG_KEY][field] = value
    return {**config, "capillary:orgs": json.dumps(orgs)}


def test_a_wrong_password_fails_once_with_a_clear_message_and_no_secret(emu):
    config = _with_credential(stack_config(emu, "basic"), "password", "wrong-password-123")
    provider = configured(scenarios.PROVIDERS["badge"], config)
    with pytest.raises(ApiError) as caught:
        _create(provider, "badge", "NOPE")
    assert caught.value.status == 401
    message = str(caught.value)
    assert "HTTP 401" in message and f"org {ORG_KEY!r}" in message and "'NOPE'" in message
    assert "wrong-password-123" not in message and scenarios.secrets_in(message) == []
    assert emu.counters()["total"] == 1  # a Basic header cannot get better by sending it again


def test_a_wrong_client_secret_fails_at_the_token_call_naming_what_it_was_for(emu):
    config = _with_credential(stack_config(emu, "oauth"), "clientSecret", "wrong-client-secret-123")
    provider = configured(scenarios.PROVIDERS["reward"], config)
    with pytest.raises(ApiError) as caught:
        _create(provider, "reward", "NOPE")
    assert caught.value.status == 401
    message = str(caught.value)
    # the token was needed for the org's listing before the first create, which the message names
    assert "generate OAuth token" in message and "create reward group 'NOPE'" in message
    assert "wrong-client-secret-123" not in message and scenarios.secrets_in(message) == []
    assert emu.reward_groups(ORG_ID) == []
    assert emu.counters()["by_endpoint"] == {"POST /v3/oauth/token/generate": 1}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Down:
    """Where an emulator would listen, with nothing listening (connection refused)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("kind", scenarios.KINDS)
def test_a_vendor_that_refuses_connections_fails_the_create_at_once_without_a_lookup(kind):
    """Connection refused: the request certainly never arrived. urllib3 retries it (creates
    too), then the create fails naming the problem, with no search by name, since nothing can
    have been made."""
    registry.clear()
    provider = _provider(_Down(_free_port()), kind)
    with pytest.raises(RequestFailed) as caught:
        _create(provider, kind, "DOWN")
    message = str(caught.value)
    assert "connection refused" in message and f"org {ORG_KEY!r}" in message and "'DOWN'" in message
    assert "generate OAuth token" in message  # the first request this org needs is the token
    assert caught.value.may_have_reached_vendor is False
    registry.clear()


@pytest.mark.parametrize("kind", scenarios.KINDS)
def test_a_create_during_a_vendor_restart_is_retried_and_made_once(kind):
    """The vendor refuses connections for a moment (a restart), then comes back on the same
    port: the create's refused attempts are retried with backoff and the group is made once."""
    import threading

    registry.clear()
    port = _free_port()
    provider = _provider(_Down(port), kind, retryBackoffSeconds=0.1, retryBudgetSeconds=5)
    emu = Emulator(port=port)
    restart = threading.Timer(0.4, emu.start)
    restart.start()
    try:
        result = _create(provider, kind, "RESTARTED")
        groups = emu.badge_groups(ORG_ID) if kind == "badge" else emu.reward_groups(ORG_ID)
        assert [str(g["id"]) for g in groups] == [result.id]
    finally:
        restart.join()
        emu.stop()
        registry.clear()


def test_a_made_group_reaches_state_even_when_setting_the_rest_fails(emu, capsys):
    """A reward group declared inactive: the create's answer is lost, the group is found and is
    ours, but the PUT that deactivates it keeps failing. The group exists, so create must not
    raise (its id would be lost and the next run would meet 'name taken'): it returns the group
    as it is and says the next `pulumi up` finishes the job."""
    emu.set_faults(
        [
            {"method": "POST", "path": r"/group/create$", "action": "commit_then_drop", "count": 1},
            {"method": "PUT", "path": r"/group/\d+$", "action": "status", "status": 503, "count": 1000},
        ]
    )
    result = _create(_provider(emu, "reward"), "reward", "HALF", active=False)
    [group] = emu.reward_groups(ORG_ID)
    assert str(group["id"]) == result.id and result.outs["active"] is True  # live, as it is
    err = capsys.readouterr().err
    assert "was created, but setting its declared values failed" in err and "HTTP 503" in err


def test_retry_knobs_reach_each_orgs_transport(emu):
    """capillary:retryBudgetSeconds / retryBackoffSeconds, top level and per org."""
    from pulumi_groups.capillary.client import client_for
    from pulumi_groups.capillary.settings import load

    config = stack_config(emu, "oauth", retryBudgetSeconds=7)
    orgs = json.loads(config["capillary:orgs"])
    # another credential: org keys that share one share its client (one token, one rate budget)
    orgs["other"] = {"host": emu.url, **scenarios.CREDENTIALS["basic"], "retryBackoffSeconds": 0.25}
    config["capillary:orgs"] = json.dumps(orgs)
    loaded = load(config)
    policy = client_for(loaded.orgs[ORG_KEY]).transport.retry
    assert (policy.budget_seconds, policy.backoff_factor) == (7.0, scenarios.RETRY_BACKOFF_SECONDS)
    assert client_for(loaded.orgs["other"]).transport.retry.backoff_factor == 0.25


def test_an_unreadable_retry_after_means_back_off_not_fail():
    from pulumi_groups.http.retries import BudgetedRetry

    retry = BudgetedRetry(total=3, budget_seconds=5)
    assert retry.parse_retry_after("soon, maybe") == 0.0
    assert retry.parse_retry_after("2") == 2.0
    assert retry.parse_retry_after("3600") <= 5.0  # capped by the budget
