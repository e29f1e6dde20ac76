"""The emulator's WeSurvey side, over real HTTP: tokens, teams, contact groups."""

import re
import time

import pytest
import requests

from pulumi_groups.emulator import DEFAULT_WESURVEY_APPS, Emulator

APP = DEFAULT_WESURVEY_APPS[0]
TEAM = APP["team_ids"][0]
GROUPS = f"/api/contacts/teams/{TEAM}/groups"
GROUP_FIELDS = {
    "id",
    "team_id",
    "parent_id",
    "source",
    "remote_id",
    "name",
    "full_name",
    "order",
    "is_valid",
    "created_at",
    "upd_at",
}


def fetch_token(url, appid=APP["appid"], secret=APP["secret"]):
    params = {"appid": appid, "secret": secret, "grant_type": "client_credential"}
    return requests.get(url + "/api/oauth2/access_token", params=params, timeout=10)


class Client:
    """Sends appid + access_token with every call, as WeSurvey wants."""

    def __init__(self, url, appid=APP["appid"], secret=APP["secret"]):
        self.url, self.appid = url, appid
        self.token = fetch_token(url, appid, secret).json()["data"]["access_token"]

    def call(self, method, path, params=None, **kwargs):
        params = {"appid": self.appid, "access_token": self.token, **(params or {})}
        return requests.request(method, self.url + path, params=params, timeout=10, **kwargs)

    def create(self, name, **fields):
        response = self.call("POST", GROUPS, json={"name": name, **fields})
        assert response.status_code == 200, response.text
        return response.json()["data"]["group_id"]

    def groups(self, **params):
        response = self.call("GET", GROUPS, params={"per_page": 100, **params})
        assert response.status_code == 200, response.text
        return response.json()["data"]["list"]

    def by_id(self):
        return {group["id"]: group for group in self.groups()}


def failure(response):
    body = response.json()
    return response.status_code, body["code"], body["error"]["type"]


@pytest.fixture
def emu():
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def api(emu):
    return Client(emu.url)


# ------------------------------------------------------------------------------------------
# Tokens
# ------------------------------------------------------------------------------------------


def test_token_response_is_the_documented_envelope(emu):
    response = fetch_token(emu.url)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "error", "data", "request_id"}
    assert body["code"] == "OK" and body["error"] == {"type": ""}
    assert body["data"]["expires_in"] == 7200 and body["data"]["access_token"]
    assert re.fullmatch(r"[0-9a-f-]{36}", body["request_id"])
    assert emu.counters()["token_fetches"] == {APP["appid"]: 1}


def test_token_with_bad_secret_or_grant_type_fails(emu):
    assert failure(fetch_token(emu.url, secret="wrong")) == (401, "Unauthenticated", "invalid_appid_or_secret")
    assert failure(fetch_token(emu.url, appid="nope")) == (401, "Unauthenticated", "invalid_appid_or_secret")
    assert failure(fetch_token(emu.url, secret="sécret")) == (401, "Unauthenticated", "invalid_appid_or_secret")
    response = requests.get(
        emu.url + "/api/oauth2/access_token", params={"appid": APP["appid"], "secret": APP["secret"]}
    )
    assert failure(response) == (400, "InvalidArgument", "invalid_argument")
    assert emu.counters()["token_fetches"] == {}


def test_only_the_latest_token_is_valid(emu):
    first, second = Client(emu.url), Client(emu.url)
    assert failure(first.call("GET", GROUPS)) == (401, "Unauthenticated", "invalid_access_token")
    assert second.call("GET", GROUPS).status_code == 200
    assert emu.counters()["token_fetches"] == {APP["appid"]: 2}


def test_expired_token_is_distinct_from_an_invalid_one(emu, api):
    emu.expire_tokens()
    assert failure(api.call("GET", GROUPS)) == (401, "Unauthenticated", "access_token_expired")


def test_token_expires_after_its_ttl():
    with Emulator(wesurvey_token_ttl=1.5) as emu:  # valid when used at once, however loaded the machine
        api = Client(emu.url)
        assert api.call("GET", GROUPS).status_code == 200
        time.sleep(1.6)  # past the TTL (a sleep lasts at least this long): no verdict on elapsed time
        assert failure(api.call("GET", GROUPS))[2] == "access_token_expired"


@pytest.mark.parametrize(
    "params", [{"access_token": ""}, {"access_token": "made-up"}, {"access_token": "tökén"}, {"appid": "other"}]
)
def test_missing_or_foreign_tokens_are_invalid(api, params):
    assert failure(api.call("GET", GROUPS, params=params))[2] == "invalid_access_token"


def test_team_access(emu, api):
    emu.add_wesurvey_app("other-app", "other-secret", [54])
    assert failure(api.call("GET", "/api/contacts/teams/54/groups")) == (403, "PermissionDenied", "claim_error")
    assert failure(api.call("GET", "/api/contacts/teams/999/groups")) == (404, "NotFound", "contacts_team_not_found")
    assert Client(emu.url, "other-app", "other-secret").call("GET", "/api/contacts/teams/54/groups").status_code == 200


# ------------------------------------------------------------------------------------------
# Contact groups
# ------------------------------------------------------------------------------------------


def test_each_team_starts_with_one_default_group(api):
    (default,) = api.groups()
    assert default["name"] == "Default group" and default["parent_id"] == 0


def test_create_and_list_use_the_documented_shapes(api):
    response = api.call("POST", GROUPS, json={"name": "Test Group", "order": 5, "remote_id": "r1"})
    body = response.json()
    assert response.status_code == 200 and body["code"] == "OK" and body["error"] == {"type": ""}
    assert set(body["data"]) == {"group_id", "name"} and body["data"]["name"] == "Test Group"
    parent = body["data"]["group_id"]
    child = api.create("Test Subgroup", parent_id=parent)

    listed = api.call("GET", GROUPS).json()["data"]
    assert set(listed) == {"list", "total"} and listed["total"] == 3
    groups = {g["id"]: g for g in listed["list"]}
    assert all(set(g) == GROUP_FIELDS for g in groups.values())
    assert groups[parent] | {"created_at": None, "upd_at": None} == {
        "id": parent,
        "team_id": TEAM,
        "parent_id": 0,
        "source": 2,
        "remote_id": "r1",
        "name": "Test Group",
        "full_name": "Test Group",
        "order": 5,
        "is_valid": True,
        "created_at": None,
        "upd_at": None,
    }
    assert groups[child]["full_name"] == "Test Group/Test Subgroup"
    assert groups[child]["parent_id"] == parent and groups[child]["remote_id"] == ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", groups[child]["created_at"])


def test_list_pages_are_one_based(api):
    ids = [api.create(f"g{index}", order=index) for index in range(12)]
    pages = [api.call("GET", GROUPS, params={"page": page, "per_page": 5}).json()["data"] for page in (1, 2, 3, 4)]
    assert [len(page["list"]) for page in pages] == [5, 5, 3, 0]  # 12 + the default group
    assert {page["total"] for page in pages} == {13}
    listed = [g["id"] for page in pages for g in page["list"]]
    assert listed[:12] == ids[::-1]  # order descending (guesses.py)
    assert len(api.call("GET", GROUPS).json()["data"]["list"]) == 10  # default per_page
    for bad in ({"page": 0}, {"per_page": 0}, {"page": "x"}, {"parent_id": "x"}):
        assert failure(api.call("GET", GROUPS, params=bad)) == (400, "InvalidArgument", "invalid_argument")


def test_list_filters_by_parent_and_remote_ids(api):
    top = api.create("top", remote_id="a")
    kid = api.create("kid", parent_id=top, remote_id="b")
    api.create("other", remote_id="c")
    assert [g["id"] for g in api.groups(parent_id=top)] == [kid]
    assert len(api.groups(parent_id=0)) == 3  # top, other and the default group
    response = api.call("GET", GROUPS + "?remote_ids=a&remote_ids=b", params={"per_page": 50})
    assert {g["id"] for g in response.json()["data"]["list"]} == {top, kid}
    assert api.groups(parent_id=top, remote_ids="a") == []


def test_create_validation(api):
    api.create("taken", remote_id="r")
    assert failure(api.call("POST", GROUPS, json={"name": "x", "remote_id": "r"})) == (
        400,
        "InvalidArgument",
        "duplicated_remote_id",
    )
    api.create("empty remote ids may repeat")
    api.create("empty remote ids may repeat, really")
    assert failure(api.call("POST", GROUPS, json={"name": "x", "parent_id": 424242}))[2] == "parent_group_not_found"
    for body in ({"name": ""}, {}, {"name": "x", "order": "1"}, {"name": "x", "remote_id": 5}):
        assert failure(api.call("POST", GROUPS, json=body)) == (400, "InvalidArgument", "invalid_argument")
    assert failure(api.call("POST", GROUPS, data="{oops"))[2] == "invalid_argument"


@pytest.mark.parametrize("max_depth", [3, 2])
def test_depth_limit(max_depth):
    with Emulator(wesurvey_max_depth=max_depth) as emu:
        api = Client(emu.url)
        parent = 0
        for level in range(max_depth):
            parent = api.create(f"level {level + 1}", parent_id=parent)
        response = api.call("POST", GROUPS, json={"name": "too deep", "parent_id": parent})
        assert failure(response) == (400, "InvalidArgument", "group_too_deep")


def test_update_renames_reorders_and_moves(api):
    a, b = api.create("A"), api.create("B")
    child = api.create("child", parent_id=a)
    response = api.call("POST", f"{GROUPS}/{child}", json={"name": "kid", "order": 7})
    assert response.status_code == 200 and response.json()["data"] == {}
    assert (api.by_id()[child]["name"], api.by_id()[child]["order"]) == ("kid", 7)

    moved = api.call("POST", f"{GROUPS}/{child}", json={"name": "kid", "from_id": a, "to_id": b})
    assert moved.status_code == 200
    group = api.by_id()[child]
    assert (group["parent_id"], group["full_name"], group["order"]) == (b, "B/kid", 7)
    api.call("POST", f"{GROUPS}/{b}", json={"name": "Bee"})
    assert api.by_id()[child]["full_name"] == "Bee/kid"
    assert api.call("POST", f"{GROUPS}/{child}", json={"name": "kid", "from_id": b, "to_id": 0}).status_code == 200
    assert api.by_id()[child]["parent_id"] == 0


def test_update_validation(api):
    a = api.create("A")
    b = api.create("B", parent_id=a)
    c = api.create("C", parent_id=b)
    cases = [
        (a, {"name": ""}, "invalid_argument"),
        (a, {"name": "A", "from_id": 0}, "invalid_argument"),  # to_id missing
        (b, {"name": "B", "from_id": 0, "to_id": 0}, "invalid_argument"),  # from_id is not the parent
        (a, {"name": "A", "from_id": 0, "to_id": c}, "invalid_argument"),  # under its own descendant
        (a, {"name": "A", "from_id": 0, "to_id": a}, "invalid_argument"),  # under itself
        (b, {"name": "B", "from_id": a, "to_id": 31337}, "parent_group_not_found"),
        (424242, {"name": "x"}, "contacts_group_not_found"),
    ]
    for group_id, body, error_type in cases:
        assert failure(api.call("POST", f"{GROUPS}/{group_id}", json=body))[2] == error_type, body
    # Moving B (with child C) under a depth-2 group would put C at depth 4.
    d = api.create("D")
    e = api.create("E", parent_id=d)
    assert (
        failure(api.call("POST", f"{GROUPS}/{b}", json={"name": "B", "from_id": a, "to_id": e}))[2] == "group_too_deep"
    )
    assert api.by_id()[b]["parent_id"] == a


def test_default_group_cannot_be_changed_or_deleted(api):
    (default,) = api.groups()
    response = api.call("POST", f"{GROUPS}/{default['id']}", json={"name": "renamed"})
    assert failure(response) == (403, "PermissionDenied", "default_group_be_modified")
    other = api.create("other")
    response = api.call("POST", f"{GROUPS}/batch_delete", json={"group_ids": [other, default["id"]]})
    assert failure(response)[2] == "default_group_be_modified"
    assert set(api.by_id()) == {default["id"], other}  # all or nothing
    # Children may live under it.
    api.create("under default", parent_id=default["id"])


def test_batch_delete_takes_descendants(api):
    a = api.create("A")
    b = api.create("B", parent_id=a)
    api.create("C", parent_id=b)
    keep = api.create("keep")
    response = api.call("POST", f"{GROUPS}/batch_delete", json={"group_ids": [a]})
    assert response.status_code == 200 and response.json()["data"] == {}
    assert {g["name"] for g in api.groups()} == {"Default group", "keep"}
    assert keep in api.by_id()
    for body in ({"group_ids": []}, {"group_ids": ["1"]}, {}):
        assert failure(api.call("POST", f"{GROUPS}/batch_delete", json=body))[2] == "invalid_argument"


@pytest.mark.parametrize("policy", ["ignore", "error"])
def test_batch_delete_of_unknown_ids_follows_the_switch(policy):
    with Emulator(wesurvey_batch_delete_unknown=policy) as emu:
        api = Client(emu.url)
        known = api.create("known")
        response = api.call("POST", f"{GROUPS}/batch_delete", json={"group_ids": [known, 424242]})
        if policy == "ignore":
            assert response.status_code == 200 and known not in api.by_id()
        else:
            assert failure(response) == (404, "NotFound", "contacts_group_not_found")
            assert known in api.by_id()


def test_groups_of_another_team_are_not_found(emu, api):
    emu.add_wesurvey_app(APP["appid"], APP["secret"], [TEAM, 54])
    api = Client(emu.url)
    other = api.call("POST", "/api/contacts/teams/54/groups", json={"name": "x"}).json()["data"]["group_id"]
    assert failure(api.call("POST", f"{GROUPS}/{other}", json={"name": "y"}))[2] == "contacts_group_not_found"
    assert failure(api.call("POST", GROUPS, json={"name": "y", "parent_id": other}))[2] == "parent_group_not_found"


def test_unknown_routes_answer_the_wesurvey_envelope(api):
    assert failure(api.call("GET", "/api/contacts/teams/53/nothing")) == (404, "NotFound", "not_found")
    assert api.call("DELETE", GROUPS).status_code == 405
