"""The emulator's Capillary side, over real HTTP: auth, badge groups, reward groups."""

import base64
import hashlib
import json
import re
import time
from datetime import datetime, timezone

import pytest
import requests

from pulumi_groups.emulator import DEFAULT_CAPILLARY_ORGS, Emulator

ORG, ORG2 = DEFAULT_CAPILLARY_ORGS
BADGES = "/api_gateway/v1/badges/group"
REWARDS = "/api_gateway/rewards/core/v1/group"
OLD_REWARDS = "/api_gateway/core/v1/group"
BADGE_FIELDS = {
    "id",
    "orgId",
    "name",
    "rank",
    "createdBy",
    "createdOn",
    "createdOnISO",
    "lastUpdatedBy",
    "lastUpdatedOn",
    "lastUpdatedOnISO",
    "isActive",
}
REWARD_FIELDS = {
    "id",
    "orgId",
    "name",
    "rank",
    "isActive",
    "createdBy",
    "createdOn",
    "createdOnDateTime",
    "lastUpdatedBy",
    "lastUpdatedOn",
    "lastUpdatedOnDateTime",
}


def basic(username, password):
    md5 = hashlib.md5(password.encode()).hexdigest()
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{md5}".encode()).decode()}


class Client:
    """A thin requests wrapper that remembers the base URL and auth headers."""

    def __init__(self, url, headers):
        self.url, self.session = url, requests.Session()
        self.session.headers.update(headers)

    def __getattr__(self, method):
        return lambda path, **kw: self.session.request(method.upper(), self.url + path, timeout=10, **kw)


@pytest.fixture
def emu():
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def api(emu):
    return Client(emu.url, basic(ORG["username"], ORG["password"]))


def errors_of(response):
    return [(item["code"], item["message"]) for item in response.json()["errors"]]


# ------------------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------------------


def test_basic_auth_uses_md5_of_the_password_as_in_the_docs_worked_example(emu):
    emu.add_capillary_org(50156, username="store.server", password="server123")
    documented = {"Authorization": "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3"}
    assert requests.get(emu.url + BADGES, headers=documented).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic " + base64.b64encode(b"demo.till:demo-password").decode()},  # not md5
        basic("demo.till", "wrong"),
        basic("nobody", "demo-password"),
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic " + base64.b64encode("demo.till:pässwörd".encode()).decode()},
        {"X-CAP-API-OAUTH-TOKEN": "a.b.\u00e9"},
    ],
)
def test_bad_or_missing_basic_credentials_get_401_with_the_gateway_envelope(emu, headers):
    response = requests.get(emu.url + BADGES, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["data"] is None and body["warnings"] == [] and body["errors"][0]["code"] == 401


def test_oauth_token_is_a_jwt_carrying_the_org_and_works_in_the_capillary_header(emu):
    response = requests.post(
        emu.url + "/v3/oauth/token/generate", json={"key": ORG["client_key"], "secret": ORG["client_secret"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] is None and body["data"]["ttlSeconds"] == 3600
    token = body["data"]["accessToken"]
    payload = token.split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["org_id"] == ORG["org_id"]

    created = requests.post(
        emu.url + BADGES, json={"name": "Gold", "rank": 1}, headers={"X-CAP-API-OAUTH-TOKEN": token}
    )
    assert created.status_code == 200
    assert created.json()["data"]["orgId"] == ORG["org_id"]
    # A bearer header is not how Capillary takes the token.
    assert requests.get(emu.url + BADGES, headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("body", [{"key": "demo-client-key", "secret": "nope"}, {"key": "nope", "secret": "x"}, {}])
def test_oauth_bad_key_or_secret_gets_the_documented_error(emu, body):
    response = requests.post(emu.url + "/v3/oauth/token/generate", json=body)
    assert response.status_code == 401
    assert response.json() == {"data": None, "errors": [{"code": 320001, "message": "Invalid client key and secret"}]}
    assert emu.counters()["token_fetches"] == {}


def test_unknown_or_tampered_token_gets_401(emu):
    token = requests.post(
        emu.url + "/v3/oauth/token/generate", json={"key": ORG["client_key"], "secret": ORG["client_secret"]}
    ).json()["data"]["accessToken"]
    header, payload, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"sub": ORG["client_key"], "org_id": ORG2["org_id"]}).encode())
    for bad in ("garbage", f"{header}.{forged.decode().rstrip('=')}.{signature}", token[:-2] + "xx"):
        assert requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": bad}).status_code == 401


def _token(emu):
    response = requests.post(
        emu.url + "/v3/oauth/token/generate", json={"key": ORG["client_key"], "secret": ORG["client_secret"]}
    )
    return response.json()["data"]["accessToken"]


def test_expired_token_gets_498_token_expired_at(emu):
    token = _token(emu)
    emu.expire_tokens()
    response = requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": token})
    assert response.status_code == 498
    message = response.json()["errors"][0]["message"]
    assert re.fullmatch(r"Token expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", message)
    # A token fetched after the expiry works.
    assert requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": _token(emu)}).status_code == 200


def test_token_expires_after_its_ttl():
    with Emulator(capillary_token_ttl=1.5) as emu:  # valid when used at once, however loaded the machine
        token = _token(emu)
        assert requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": token}).status_code == 200
        time.sleep(1.6)  # past the TTL (a sleep lasts at least this long): no verdict on elapsed time
        assert requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": token}).status_code == 498


def test_every_capillary_response_has_a_unique_request_id(emu, api):
    responses = [api.get(BADGES), api.get(BADGES + "/nope"), requests.get(emu.url + BADGES), api.get(REWARDS)]
    ids = [response.headers["X-Cap-Requestid"] for response in responses]
    assert all(ids) and len(set(ids)) == len(ids)


def test_credentials_see_only_their_own_org(emu, api):
    gid = api.post(BADGES, json={"name": "Gold", "rank": 1}).json()["data"]["id"]
    other = Client(emu.url, basic(ORG2["username"], ORG2["password"]))
    assert other.get(BADGES).json()["data"]["badgeGroups"] == []
    assert other.get(f"{BADGES}/{gid}").status_code == 404
    # ... and may use the same name in their org.
    assert other.post(BADGES, json={"name": "Gold", "rank": 1}).status_code == 200


# ------------------------------------------------------------------------------------------
# Badge groups
# ------------------------------------------------------------------------------------------


def test_badge_create_returns_the_documented_object(api):
    before = time.time()
    response = api.post(BADGES, json={"name": "GROUP_RANK_2", "rank": 2})
    after = time.time()
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == [] and body["warnings"] == []
    group = body["data"]
    assert set(group) == BADGE_FIELDS
    assert re.fullmatch(r"[0-9a-f]{24}", group["id"])
    assert group["orgId"] == ORG["org_id"] and group["name"] == "GROUP_RANK_2" and group["rank"] == 2
    assert group["createdBy"] == group["lastUpdatedBy"] == ORG["user_id"]
    assert group["isActive"] is True
    # Epoch seconds written with nine decimals, as in the docs' samples.
    assert re.search(r'"createdOn": \d{10}\.\d{9}[,}]', response.text)
    # "now" as the emulator saw it: between the moments before and after the call
    assert isinstance(group["createdOn"], float) and before - 0.001 <= group["createdOn"] <= after + 0.001
    assert group["createdOnISO"].endswith("Z")
    iso = datetime.strptime(group["createdOnISO"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert int(iso.timestamp()) == int(group["createdOn"])


@pytest.mark.parametrize(
    "body, codes",
    [
        ({"name": "A"}, [732]),
        ({"name": "A", "rank": "2"}, [732]),
        ({"name": "A", "rank": 2.5}, [732]),
        ({"name": "A", "rank": True}, [732]),
        ({"rank": 1}, [731]),
        ({"name": "   ", "rank": 1}, [731]),
        ({}, [731, 732]),
        ({"name": "A", "rank": 2**31}, [400]),
    ],
)
def test_badge_create_validation(api, body, codes):
    response = api.post(BADGES, json=body)
    assert response.status_code == 400
    assert [code for code, _ in errors_of(response)] == codes
    assert api.get(BADGES).json()["data"]["pagination"]["total"] == 0


def test_badge_body_that_is_not_a_json_object_is_a_400(api):
    assert api.post(BADGES, data="{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.post(BADGES, json=[1, 2]).status_code == 400


def test_badge_rank_zero_and_large_ranks_are_allowed(api):
    assert api.post(BADGES, json={"name": "zero", "rank": 0}).status_code == 200
    assert api.post(BADGES, json={"name": "big", "rank": 214748364}).json()["data"]["rank"] == 214748364


def test_badge_names_are_unique_and_case_sensitive(api):
    assert api.post(BADGES, json={"name": "Gold", "rank": 1}).status_code == 200
    duplicate = api.post(BADGES, json={"name": "Gold", "rank": 5})
    assert duplicate.status_code == 400
    assert errors_of(duplicate) == [(733, "Group Name should be Unique.")]
    assert api.post(BADGES, json={"name": "gold", "rank": 1}).status_code == 200
    assert api.post(BADGES, json={"name": "Gold ", "rank": 1}).status_code == 200


def test_badge_list_pages_are_zero_based(api):
    names = [f"g{i:02d}" for i in range(12)]
    for index, name in enumerate(names):
        api.post(BADGES, json={"name": name, "rank": index})
    pages = [api.get(BADGES, params={"page": page, "size": 5}).json()["data"] for page in range(4)]
    assert [len(page["badgeGroups"]) for page in pages] == [5, 5, 2, 0]
    assert pages[0]["pagination"] == {"page": 0, "size": 5, "total": 12, "totalPages": 3}
    assert [g["name"] for page in pages for g in page["badgeGroups"]] == names  # oldest first

    descending = api.get(BADGES, params={"page": 0, "size": 100, "order": "DESC"}).json()["data"]
    assert [g["name"] for g in descending["badgeGroups"]] == names[::-1]


@pytest.mark.parametrize("page_size", [10, 3])
def test_badge_list_default_page_size_is_switchable(page_size):
    with Emulator(badge_default_page_size=page_size) as emu:
        api = Client(emu.url, basic(ORG["username"], ORG["password"]))
        for index in range(12):
            emu.create_badge_group(ORG["org_id"], f"g{index}", index)
        data = api.get(BADGES).json()["data"]
        assert len(data["badgeGroups"]) == page_size
        assert data["pagination"] == {"page": 0, "size": page_size, "total": 12, "totalPages": -(-12 // page_size)}


@pytest.mark.parametrize("params", [{"page": -1}, {"size": 0}, {"page": "x"}, {"order": "UP"}])
def test_badge_list_rejects_bad_parameters(api, params):
    response = api.get(BADGES, params=params)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 400


def test_badge_get_and_update(api):
    group = api.post(BADGES, json={"name": "Silver", "rank": 3}).json()["data"]
    fetched = api.get(f"{BADGES}/{group['id']}")
    assert fetched.status_code == 200 and fetched.json()["data"] == group

    time.sleep(0.01)
    updated = api.put(f"{BADGES}/{group['id']}", json={"name": "Silver+", "rank": 4})
    assert updated.status_code == 200
    data = updated.json()["data"]
    assert (data["name"], data["rank"], data["id"], data["createdOn"]) == (
        "Silver+",
        4,
        group["id"],
        group["createdOn"],
    )
    assert data["lastUpdatedOn"] > group["lastUpdatedOn"]
    # The page's table says POST: accepted as well.
    assert api.post(f"{BADGES}/{group['id']}", json={"name": "Silver", "rank": 4}).json()["data"]["name"] == "Silver"
    # Keeping its own name is not a clash.
    assert api.put(f"{BADGES}/{group['id']}", json={"name": "Silver", "rank": 5}).status_code == 200


def test_badge_update_needs_both_fields_and_a_unique_name(api):
    api.post(BADGES, json={"name": "Gold", "rank": 1})
    gid = api.post(BADGES, json={"name": "Bronze", "rank": 1}).json()["data"]["id"]
    clash = api.put(f"{BADGES}/{gid}", json={"name": "Gold", "rank": 1})
    assert clash.status_code == 400 and errors_of(clash)[0][0] == 733
    assert errors_of(api.put(f"{BADGES}/{gid}", json={"name": "Bronze"}))[0][0] == 732
    assert api.put(f"{BADGES}/{gid}", json={"name": "gold", "rank": 1}).status_code == 200


@pytest.mark.parametrize("status", [404, 400])
def test_badge_unknown_id_answers_the_configured_not_found_status(status):
    with Emulator(not_found_status=status) as emu:
        api = Client(emu.url, basic(ORG["username"], ORG["password"]))
        for response in (
            api.get(f"{BADGES}/0123456789abcdef01234567"),
            api.put(f"{BADGES}/0123456789abcdef01234567", json={"name": "x", "rank": 1}),
        ):
            assert response.status_code == status
            assert "not found" in response.json()["errors"][0]["message"].lower()


def test_badge_groups_cannot_be_deleted(api):
    gid = api.post(BADGES, json={"name": "Gold", "rank": 1}).json()["data"]["id"]
    response = api.delete(f"{BADGES}/{gid}")
    assert response.status_code == 405 and "PUT" in response.headers["Allow"]
    assert api.get(f"{BADGES}/{gid}").status_code == 200


# ------------------------------------------------------------------------------------------
# Reward groups
# ------------------------------------------------------------------------------------------


def test_reward_create_returns_the_bare_documented_object(api):
    before = time.time()
    response = api.post(REWARDS + "/create", json={"name": "GROUP_withRANK123", "rank": 99})
    after = time.time()
    assert response.status_code == 200
    group = response.json()
    assert set(group) == REWARD_FIELDS
    assert isinstance(group["id"], int) and group["rank"] == 99 and group["isActive"] is True
    assert group["createdBy"] == ORG["user_id"] and group["orgId"] == ORG["org_id"]
    assert isinstance(group["createdOn"], int) and int(before * 1000) - 1 <= group["createdOn"] <= int(after * 1000) + 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", group["createdOnDateTime"])
    second = api.post(REWARDS + "/create", json={"name": "no rank"}).json()
    assert second["rank"] is None and second["id"] == group["id"] + 1
    assert api.post(REWARDS + "/create", json={"name": "null rank", "rank": None}).json()["rank"] is None


@pytest.mark.parametrize("body", [{}, {"name": None}, {"name": ""}, {"rank": 3}])
def test_reward_create_without_name_is_the_documented_error(api, body):
    response = api.post(REWARDS + "/create", json=body)
    assert response.status_code == 400
    assert response.json() == {"status": {"success": False, "code": 400, "message": "Group name must not be null"}}


def test_reward_names_are_unique_among_active_and_inactive_groups(api):
    gid = api.post(REWARDS + "/create", json={"name": "VIP"}).json()["id"]
    api.put(f"{REWARDS}/{gid}", json={"name": "VIP", "rank": None, "isActive": False})
    response = api.post(REWARDS + "/create", json={"name": "VIP"})
    assert response.status_code == 400
    assert response.json()["status"] == {"success": False, "code": 12012, "message": "Group name must be unique"}
    assert api.post(REWARDS + "/create", json={"name": "vip"}).status_code == 200


def test_reward_get_update_and_put_semantics(api):
    group = api.post(REWARDS + "/create", json={"name": "A", "rank": 5}).json()
    assert api.get(f"{REWARDS}/{group['id']}").json() == group

    updated = api.put(f"{REWARDS}/{group['id']}", json={"name": "B", "rank": 6, "isActive": False}).json()
    assert (updated["name"], updated["rank"], updated["isActive"]) == ("B", 6, False)
    # Without isActive the state is kept; without rank the rank is cleared (guesses.py).
    kept = api.put(f"{REWARDS}/{group['id']}", json={"name": "B"}).json()
    assert kept["isActive"] is False and kept["rank"] is None
    assert api.put(f"{REWARDS}/{group['id']}", json={"rank": 1}).json()["status"]["code"] == 400
    other = api.post(REWARDS + "/create", json={"name": "C"}).json()
    clash = api.put(f"{REWARDS}/{other['id']}", json={"name": "B", "rank": 1, "isActive": True})
    assert clash.status_code == 400 and clash.json()["status"]["code"] == 12012


@pytest.mark.parametrize("status", [404, 400])
def test_reward_unknown_id_answers_the_configured_not_found_status(status):
    with Emulator(not_found_status=status) as emu:
        api = Client(emu.url, basic(ORG["username"], ORG["password"]))
        for response in (api.get(f"{REWARDS}/999999"), api.put(f"{REWARDS}/999999", json={"name": "x"})):
            assert response.status_code == status
            assert response.json()["status"]["success"] is False
            assert "not found" in response.json()["status"]["message"].lower()


def test_reward_list_shape_and_zero_based_paging(api):
    for index in range(7):
        api.post(REWARDS + "/create", json={"name": f"r{index}", "rank": index})
    body = api.get(REWARDS, params={"page": 1, "size": 3}).json()
    assert body["status"] == {"success": True, "code": 12013, "message": body["status"]["message"]}
    assert [g["name"] for g in body["groupRoList"]] == ["r3", "r4", "r5"]
    assert body["pagingDto"] == {
        "last": False,
        "first": False,
        "totalElements": 7,
        "totalPages": 3,
        "numberOfElements": 3,
        "size": 3,
        "number": 1,
    }
    last = api.get(REWARDS, params={"page": 2, "size": 3}).json()["pagingDto"]
    assert last["last"] is True and last["numberOfElements"] == 1
    first = api.get(REWARDS, params={"page": 0, "size": 3}).json()["pagingDto"]
    assert first["first"] is True


def test_reward_list_filters_and_sorting(api):
    for name, rank in [("a", 3), ("b", None), ("c", 1), ("d", 2)]:
        api.post(REWARDS + "/create", json={"name": name, "rank": rank})
    groups = {g["name"]: g for g in api.get(REWARDS, params={"size": 50}).json()["groupRoList"]}
    api.put(f"{REWARDS}/{groups['d']['id']}", json={"name": "d", "rank": 2, "isActive": False})

    def names(**params):
        return [g["name"] for g in api.get(REWARDS, params={"size": 50, **params}).json()["groupRoList"]]

    assert names(active="true") == ["a", "b", "c"]
    assert names(active="false") == ["d"]
    assert names(name="c") == ["c"] and names(name="C") == [] and names(name="") == []
    assert names(sortOn="RANK", orderBy="ASC") == ["c", "d", "a", "b"]  # null rank last
    assert names(sortOn="RANK", orderBy="DESC") == ["a", "d", "c", "b"]
    assert names(sortOn="LAST_UPDATED_ON", orderBy="DESC")[0] == "d"
    assert names(orderBy="DESC") == ["d", "c", "b", "a"]
    for bad in ({"sortOn": "NAME"}, {"orderBy": "UP"}, {"active": "maybe"}, {"size": 0}):
        response = api.get(REWARDS, params=bad)
        assert response.status_code == 400 and response.json()["status"]["success"] is False


@pytest.mark.parametrize("default_active, expected", [(None, ["on", "off"]), (True, ["on"])])
def test_reward_list_without_active_follows_the_switch(default_active, expected):
    with Emulator(reward_list_default_active=default_active) as emu:
        emu.create_reward_group(ORG["org_id"], "on")
        emu.create_reward_group(ORG["org_id"], "off", active=False)
        api = Client(emu.url, basic(ORG["username"], ORG["password"]))
        assert [g["name"] for g in api.get(REWARDS).json()["groupRoList"]] == expected


def test_the_older_reward_path_serves_the_same_groups(emu, api):
    group = api.post(OLD_REWARDS + "/create", json={"name": "old"}).json()
    assert api.get(f"{REWARDS}/{group['id']}").json() == group
    assert api.get(OLD_REWARDS).json()["groupRoList"] == [group]
    assert emu.counters()["by_endpoint"]["POST /api_gateway/core/v1/group/create"] == 1


def test_auth_failures_on_reward_paths_use_the_gateway_envelope(emu):
    response = requests.get(emu.url + REWARDS)
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == 401


def test_unknown_routes_are_404_in_the_vendor_shape(api):
    assert api.get("/api_gateway/v1/nothing").json()["errors"][0]["code"] == 404
    response = api.get(REWARDS + "/abc")
    assert response.status_code == 404 and response.json()["status"]["success"] is False
    assert api.get(REWARDS + "/create").status_code == 405
