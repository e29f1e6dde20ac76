"""Faults a proxy in front of the vendor causes after the vendor acted, and vendor answers that
contradict the store: the request is processed, the answer says otherwise."""

import base64
import hashlib

import pytest
import requests

from pulumi_groups.emulator import DEFAULT_CAPILLARY_ORGS, Emulator

ORG = DEFAULT_CAPILLARY_ORGS[0]
BADGES = "/api_gateway/v1/badges/group"
REWARDS = "/api_gateway/rewards/core/v1/group"
MD5 = hashlib.md5(ORG["password"].encode()).hexdigest()
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{ORG['username']}:{MD5}".encode()).decode()}


@pytest.fixture
def emu():
    with Emulator() as emulator:
        yield emulator


def test_commit_then_status_makes_the_group_and_answers_a_gateway_error(emu):
    emu.set_faults([{"method": "POST", "path": "badges/group$", "action": "commit_then_status", "status": 502}])
    response = requests.post(emu.url + BADGES, json={"name": "Gold", "rank": 1}, headers=AUTH)
    assert response.status_code == 502 and response.json()["errors"][0]["code"] == 999999
    assert [g["name"] for g in emu.badge_groups(ORG["org_id"])] == ["Gold"]


def test_commit_then_body_makes_the_group_and_answers_the_given_body(emu):
    emu.set_faults([{"method": "POST", "path": "/create$", "action": "commit_then_body", "body": {"name": "VIP"}}])
    response = requests.post(emu.url + REWARDS + "/create", json={"name": "VIP", "rank": 1}, headers=AUTH)
    assert response.status_code == 200 and response.json() == {"name": "VIP"}
    assert [g["name"] for g in emu.reward_groups(ORG["org_id"])] == ["VIP"]


def test_status_fault_with_a_message_is_not_processed_and_says_it(emu):
    group = emu.create_reward_group(ORG["org_id"], "VIP", 1)
    emu.set_faults(
        [{"method": "PUT", "path": r"/\d+$", "action": "status", "status": 400, "message": "Group not found"}]
    )
    response = requests.put(
        emu.url + f"{REWARDS}/{group['id']}", json={"name": "VIP", "rank": 1, "isActive": False}, headers=AUTH
    )
    assert response.status_code == 400
    assert response.json()["status"] == {"success": False, "code": 400, "message": "Group not found"}
    assert emu.reward_groups(ORG["org_id"])[0]["isActive"] is True


@pytest.mark.parametrize(
    "spec",
    [
        {"action": "commit_then_status"},
        {"action": "commit_then_body"},
        {"action": "status", "status": 404, "message": 3},
    ],
)
def test_incomplete_new_faults_are_refused(emu, spec):
    with pytest.raises(ValueError):
        emu.set_faults([spec])
