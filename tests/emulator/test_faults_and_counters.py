"""Fault injection, latency, rate limiting and request counters, over real HTTP."""

import base64
import hashlib
import json
import time

import pytest
import requests

from pulumi_groups.emulator import DEFAULT_CAPILLARY_ORGS, DEFAULT_WESURVEY_APPS, Emulator
from tests.support.waits import HANG_GUARD_SECONDS

ORG, ORG2 = DEFAULT_CAPILLARY_ORGS
APP = DEFAULT_WESURVEY_APPS[0]
BADGES = "/api_gateway/v1/badges/group"
REWARDS = "/api_gateway/rewards/core/v1/group"
GROUPS = "/api/contacts/teams/53/groups"


def basic(username, password):
    md5 = hashlib.md5(password.encode()).hexdigest()
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{md5}".encode()).decode()}


AUTH = basic(ORG["username"], ORG["password"])


@pytest.fixture
def emu():
    with Emulator() as emulator:
        yield emulator


def create_badge(emu, name, **kwargs):
    return requests.post(emu.url + BADGES, json={"name": name, "rank": 1}, headers=AUTH, **kwargs)


def wesurvey_token(emu):
    params = {"appid": APP["appid"], "secret": APP["secret"], "grant_type": "client_credential"}
    return requests.get(emu.url + "/api/oauth2/access_token", params=params).json()["data"]["access_token"]


# ------------------------------------------------------------------------------------------
# Fault actions
# ------------------------------------------------------------------------------------------


def test_status_fault_answers_without_processing(emu):
    emu.set_faults([{"method": "POST", "path": "badges/group$", "action": "status", "status": 503, "retry_after": 2}])
    response = create_badge(emu, "Gold")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.json() == {
        "data": None,
        "errors": [{"code": 999999, "message": "Service unavailable"}],
        "warnings": [],
    }
    assert response.headers["X-Cap-Requestid"]
    assert emu.badge_groups(ORG["org_id"]) == []
    # Spent after one hit (count defaults to 1).
    assert create_badge(emu, "Gold").status_code == 200
    assert emu.counters()["faults_fired"] == 1


def test_status_fault_500_uses_each_services_error_shape(emu):
    emu.set_faults([{"action": "status", "status": 500, "count": 3}])
    badge = requests.get(emu.url + BADGES, headers=AUTH)
    assert badge.json()["errors"] == [{"code": 999999, "message": "Internal server error"}]
    reward = requests.get(emu.url + REWARDS, headers=AUTH)
    assert reward.status_code == 500 and reward.json()["status"]["success"] is False
    wesurvey = requests.get(emu.url + GROUPS, params={"appid": APP["appid"], "access_token": "x"})
    body = wesurvey.json()
    assert wesurvey.status_code == 500 and body["code"] == "Internal" and body["error"]["type"] == "internal_error"
    assert set(body) == {"code", "error", "data", "request_id"}


def test_fault_count_skip_method_and_path_filters(emu):
    emu.set_faults([{"method": "POST", "path": r"/badges/", "action": "status", "status": 502, "count": 2, "skip": 1}])
    statuses = [requests.get(emu.url + BADGES, headers=AUTH).status_code]  # GET: not matched
    statuses += [create_badge(emu, f"g{index}").status_code for index in range(4)]
    assert statuses == [200, 200, 502, 502, 200]
    assert [g["name"] for g in emu.badge_groups(ORG["org_id"])] == ["g0", "g3"]
    assert emu.pending_faults() == []


def test_skipped_fault_lets_later_faults_see_the_request(emu):
    emu.set_faults(
        [
            {"action": "status", "status": 500, "skip": 1},
            {"action": "status", "status": 503},
        ]
    )
    statuses = [requests.get(emu.url + BADGES, headers=AUTH).status_code for _ in range(3)]
    assert statuses == [503, 500, 200]


def test_delay_fault_trips_a_client_timeout_but_the_request_is_processed(emu):
    """The client gives up (the answer is held 0.5 s past its 0.2 s timeout: an event, not a
    stopwatch), and the emulator still processes the request."""
    emu.add_fault({"action": "delay", "seconds": 0.5})
    with pytest.raises(requests.ReadTimeout):
        create_badge(emu, "slow", timeout=0.2)
    # The event: the delayed request has been handled (its fault fired, nothing in flight).
    assert emu.wait_for_counters(lambda c: c["faults_fired"] == 1 and c["in_flight"] == 0, HANG_GUARD_SECONDS)
    assert [g["name"] for g in emu.badge_groups(ORG["org_id"])] == ["slow"]


def test_delay_fault_then_normal_answer(emu):
    emu.add_fault({"action": "delay", "seconds": 0.3})
    assert requests.get(emu.url + BADGES, headers=AUTH).status_code == 200
    assert emu.counters()["faults_fired"] == 1 and emu.pending_faults() == []


def test_reset_fault_drops_the_connection_and_does_not_process(emu):
    emu.add_fault({"method": "POST", "action": "reset"})
    with pytest.raises(requests.ConnectionError):
        create_badge(emu, "Gold")
    assert emu.badge_groups(ORG["org_id"]) == []
    assert create_badge(emu, "Gold").status_code == 200


def test_commit_then_drop_creates_the_group_but_never_answers(emu):
    emu.add_fault({"method": "POST", "action": "commit_then_drop"})
    with pytest.raises(requests.ConnectionError):
        create_badge(emu, "Gold")
    assert [g["name"] for g in emu.badge_groups(ORG["org_id"])] == ["Gold"]
    assert create_badge(emu, "Gold").status_code == 400  # a blind retry meets "name must be unique"


def test_malformed_fault_processes_and_answers_200_with_a_non_json_body(emu):
    emu.add_fault({"path": "group/create", "action": "malformed"})
    response = requests.post(emu.url + REWARDS + "/create", json={"name": "VIP"}, headers=AUTH)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.text)
    assert [g["name"] for g in emu.reward_groups(ORG["org_id"])] == ["VIP"]


def test_expire_tokens_fault_makes_the_request_fail_auth(emu):
    token = requests.post(
        emu.url + "/v3/oauth/token/generate", json={"key": ORG["client_key"], "secret": ORG["client_secret"]}
    ).json()["data"]["accessToken"]
    access_token = wesurvey_token(emu)
    emu.set_faults([{"path": "badges", "action": "expire_tokens"}])
    assert requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": token}).status_code == 498
    response = requests.get(emu.url + GROUPS, params={"appid": APP["appid"], "access_token": access_token})
    assert response.json()["error"]["type"] == "access_token_expired"


@pytest.mark.parametrize(
    "fault",
    [
        {"action": "explode"},
        {"action": "status"},
        {"action": "status", "status": 700},
        {"action": "delay"},
        {"action": "status", "status": 500, "count": 0},
        {"action": "reset", "typo": 1},
        {"action": "reset", "path": "("},
        "reset",
    ],
)
def test_invalid_faults_are_refused_and_leave_the_plan_unchanged(emu, fault):
    emu.set_faults([{"action": "reset"}])
    with pytest.raises(ValueError):
        emu.set_faults([{"action": "status", "status": 500}, fault])
    response = requests.post(emu.url + "/__admin/faults", json=[fault])
    assert response.status_code == 400 and "error" in response.json()
    assert emu.pending_faults() == [{"action": "reset", "count": 1, "skip": 0}]
    with pytest.raises(requests.ConnectionError):  # and the kept plan still acts
        requests.get(emu.url + BADGES, headers=AUTH)


def test_faults_over_the_admin_api(emu):
    plan = [{"method": "get", "path": "badges", "action": "status", "status": 429, "retry_after": 1, "count": 2}]
    response = requests.post(emu.url + "/__admin/faults", json=plan)
    assert response.status_code == 200
    assert requests.get(emu.url + "/__admin/faults").json()["faults"][0]["method"] == "GET"
    throttled = requests.get(emu.url + BADGES, headers=AUTH)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert requests.delete(emu.url + "/__admin/faults").status_code == 200
    assert requests.get(emu.url + BADGES, headers=AUTH).status_code == 200
    assert emu.counters()["faults_fired"] == 1


def test_faults_given_to_the_constructor_are_armed():
    with Emulator(faults=[{"action": "status", "status": 503}]) as emu:
        assert requests.get(emu.url + BADGES, headers=AUTH).status_code == 503


# ------------------------------------------------------------------------------------------
# Latency
# ------------------------------------------------------------------------------------------


def test_latency_applies_to_vendor_requests_not_admin():
    """With 30 s of latency, a vendor request outlasts a 0.5 s client timeout and an admin
    request answers within 10 s: margins no loaded machine closes, and no stopwatch."""
    with Emulator(latency=30) as emu:
        assert requests.get(emu.url + "/__admin/counters", timeout=10).status_code == 200
        with pytest.raises(requests.ReadTimeout):
            requests.get(emu.url + BADGES, headers=AUTH, timeout=0.5)


# ------------------------------------------------------------------------------------------
# Rate limit
# ------------------------------------------------------------------------------------------


def test_rate_limit_per_credential_with_retry_after():
    with Emulator(rate_limit_per_minute=3, rate_limit_window_seconds=1.0) as emu:
        statuses = [requests.get(emu.url + BADGES, headers=AUTH).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        throttled = requests.get(emu.url + REWARDS, headers=AUTH)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
        assert throttled.json()["status"]["success"] is False
        # Another credential has its own budget.
        assert requests.get(emu.url + BADGES, headers=basic(ORG2["username"], ORG2["password"])).status_code == 200
        assert emu.counters()["rate_limited"] == 2
        time.sleep(1.05)
        assert requests.get(emu.url + BADGES, headers=AUTH).status_code == 200


def test_rate_limit_without_retry_after_and_on_wesurvey():
    with Emulator(rate_limit_per_minute=2, rate_limit_window_seconds=5, rate_limit_retry_after=False) as emu:
        token = wesurvey_token(emu)  # the token call uses one slot of the appid
        params = {"appid": APP["appid"], "access_token": token}
        assert requests.get(emu.url + GROUPS, params=params).status_code == 200
        throttled = requests.get(emu.url + GROUPS, params=params)
        assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
        body = throttled.json()
        assert (body["code"], body["error"]["type"]) == ("ResourceExhausted", "request_rate_limited")


def test_requests_without_valid_credentials_are_not_rate_limited():
    with Emulator(rate_limit_per_minute=1, rate_limit_window_seconds=5) as emu:
        assert {requests.get(emu.url + BADGES).status_code for _ in range(3)} == {401}


# ------------------------------------------------------------------------------------------
# Counters
# ------------------------------------------------------------------------------------------


def test_counters_by_endpoint_template_credential_and_token_fetch(emu):
    gid = create_badge(emu, "Gold").json()["data"]["id"]
    requests.get(f"{emu.url}{BADGES}/{gid}", headers=AUTH)
    requests.put(f"{emu.url}{BADGES}/{gid}", json={"name": "Gold", "rank": 2}, headers=AUTH)
    requests.get(emu.url + BADGES)  # anonymous
    token = requests.post(
        emu.url + "/v3/oauth/token/generate", json={"key": ORG["client_key"], "secret": ORG["client_secret"]}
    ).json()["data"]["accessToken"]
    requests.get(f"{emu.url}{REWARDS}/1", headers={"X-CAP-API-OAUTH-TOKEN": token})
    access_token = wesurvey_token(emu)
    requests.get(emu.url + GROUPS, params={"appid": APP["appid"], "access_token": access_token})
    requests.get(emu.url + "/__admin/state")  # admin: not counted

    counters = emu.counters()
    assert counters == {
        "total": 8,
        "by_endpoint": {
            "POST /api_gateway/v1/badges/group": 1,
            "GET /api_gateway/v1/badges/group/{id}": 1,
            "PUT /api_gateway/v1/badges/group/{id}": 1,
            "GET /api_gateway/v1/badges/group": 1,
            "POST /v3/oauth/token/generate": 1,
            "GET /api_gateway/rewards/core/v1/group/{id}": 1,
            "GET /api/oauth2/access_token": 1,
            "GET /api/contacts/teams/{team_id}/groups": 1,
        },
        "by_credential": {"demo.till": 3, "anonymous": 1, "demo-client-key": 2, "demo-appid": 2},
        "token_fetches": {"demo-client-key": 1, "demo-appid": 1},
        "faults_fired": 0,
        "rate_limited": 0,
        "in_flight": 0,  # requests being handled now: none, every call above was answered
    }
    assert requests.get(emu.url + "/__admin/counters").json() == counters
    requests.post(emu.url + "/__admin/counters/reset")
    assert emu.counters()["total"] == 0 and emu.counters()["by_endpoint"] == {}


def test_expired_tokens_count_under_their_client_and_bad_ones_as_anonymous(emu):
    token = requests.post(
        emu.url + "/v3/oauth/token/generate", json={"key": ORG["client_key"], "secret": ORG["client_secret"]}
    ).json()["data"]["accessToken"]
    emu.expire_tokens()
    emu.reset_counters()
    requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": token})
    requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": "junk"})
    requests.get(emu.url + BADGES, headers=basic(ORG["username"], "wrong"))
    assert emu.counters()["by_credential"] == {"demo-client-key": 1, "anonymous": 2}
