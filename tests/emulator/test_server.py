"""Lifecycle, persistence, admin endpoints, the Python API and the CLI."""

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from pulumi_groups.emulator import DEFAULT_CAPILLARY_ORGS, DEFAULT_WESURVEY_APPS, Emulator

ORG = DEFAULT_CAPILLARY_ORGS[0]
APP = DEFAULT_WESURVEY_APPS[0]
TEAM = APP["team_ids"][0]
BADGES = "/api_gateway/v1/badges/group"
REWARDS = "/api_gateway/rewards/core/v1/group"
GROUPS = f"/api/contacts/teams/{TEAM}/groups"


def basic(username, password):
    md5 = hashlib.md5(password.encode()).hexdigest()
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{md5}".encode()).decode()}


AUTH = basic(ORG["username"], ORG["password"])


def oauth_token(url):
    body = {"key": ORG["client_key"], "secret": ORG["client_secret"]}
    return requests.post(url + "/v3/oauth/token/generate", json=body).json()["data"]["accessToken"]


def wesurvey_params(url):
    query = {"appid": APP["appid"], "secret": APP["secret"], "grant_type": "client_credential"}
    token = requests.get(url + "/api/oauth2/access_token", params=query).json()["data"]["access_token"]
    return {"appid": APP["appid"], "access_token": token}


@pytest.fixture
def emu():
    with Emulator() as emulator:
        yield emulator


# ------------------------------------------------------------------------------------------
# Lifecycle
# ------------------------------------------------------------------------------------------


def test_start_picks_a_free_port_and_stop_releases_it():
    emu = Emulator().start()
    try:
        assert emu.port > 0 and emu.url == f"http://127.0.0.1:{emu.port}"
        session = requests.Session()  # keep-alive connection, closed by stop()
        assert session.get(emu.url + BADGES, headers=AUTH).status_code == 200
        assert session.get(emu.url + BADGES, headers=AUTH).status_code == 200
    finally:
        emu.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(emu.url + BADGES, headers=AUTH, timeout=2)
    emu.stop()  # idempotent


def test_stop_does_not_wait_for_a_request_sleeping_in_a_delay_fault():
    emu = Emulator(faults=[{"action": "delay", "seconds": 5}]).start()
    with pytest.raises(requests.ReadTimeout):
        requests.get(emu.url + BADGES, headers=AUTH, timeout=0.2)
    stopping = threading.Thread(target=emu.stop)
    stopping.start()
    stopping.join(timeout=4)  # the delay holds its request 5 s: stop() must not wait for it
    assert not stopping.is_alive()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_only_loopback_addresses_are_accepted(host):
    with pytest.raises(ValueError):
        Emulator(host=host)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"not_found_status": 500},
        {"reward_list_default_active": False},
        {"wesurvey_batch_delete_unknown": "maybe"},
        {"rate_limit_per_minute": 0},
    ],
)
def test_invalid_switches_are_refused(kwargs):
    with pytest.raises(ValueError):
        Emulator(**kwargs)


def test_without_defaults_no_credential_is_accepted():
    with Emulator(seed_defaults=False) as emu:
        assert requests.get(emu.url + BADGES, headers=AUTH).status_code == 401
        emu.add_capillary_org(7, username="u", password="p", user_id=42)
        created = requests.post(emu.url + BADGES, json={"name": "x", "rank": 1}, headers=basic("u", "p"))
        assert created.json()["data"]["createdBy"] == 42 and created.json()["data"]["orgId"] == 7


def test_a_credential_belongs_to_one_org(emu):
    with pytest.raises(ValueError):
        emu.add_capillary_org(1, username=ORG["username"], password="x")
    with pytest.raises(ValueError):
        emu.add_capillary_org(1, username="only-name")


# ------------------------------------------------------------------------------------------
# Persistence
# ------------------------------------------------------------------------------------------


def test_state_file_survives_a_restart(tmp_path):
    state = tmp_path / "state" / "emulator.json"
    with Emulator(state_file=state) as emu:
        badge = requests.post(emu.url + BADGES, json={"name": "Gold", "rank": 1}, headers=AUTH).json()["data"]
        reward = requests.post(f"{emu.url}{REWARDS}/create", json={"name": "VIP"}, headers=AUTH).json()
        token = oauth_token(emu.url)
        params = wesurvey_params(emu.url)
        requests.post(emu.url + GROUPS, params=params, json={"name": "Panel", "remote_id": "p1"})
        contacts_before = emu.contact_groups(TEAM)
    assert json.loads(state.read_text())  # valid JSON, written atomically:
    assert [p.name for p in state.parent.iterdir()] == ["emulator.json"]  # no temp files left

    with Emulator(state_file=state) as emu:
        assert requests.get(f"{emu.url}{BADGES}/{badge['id']}", headers=AUTH).json()["data"] == badge
        assert requests.get(f"{emu.url}{REWARDS}/{reward['id']}", headers=AUTH).json() == reward
        assert emu.contact_groups(TEAM) == contacts_before  # the default group was not re-created
        # Tokens survive like a vendor's would; id sequences continue.
        assert requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": token}).status_code == 200
        assert requests.get(emu.url + GROUPS, params=params).json()["data"]["total"] == 2
        second = requests.post(f"{emu.url}{REWARDS}/create", json={"name": "VIP2"}, headers=AUTH).json()
        assert second["id"] == reward["id"] + 1


def test_a_corrupt_state_file_is_an_error_not_a_silent_reset(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{half")
    with pytest.raises(ValueError, match="state file"):
        Emulator(state_file=state)
    assert state.read_text() == "{half"


# ------------------------------------------------------------------------------------------
# Python API: inspection and out-of-band changes
# ------------------------------------------------------------------------------------------


def test_out_of_band_changes_are_visible_over_http(emu):
    badge = emu.create_badge_group(ORG["org_id"], "Gold", 1)
    assert isinstance(badge["createdOn"], float) and badge["createdBy"] == 75000001
    updated = emu.update_group("badge", ORG["org_id"], badge["id"], rank=9)
    assert updated["rank"] == 9
    assert requests.get(f"{emu.url}{BADGES}/{badge['id']}", headers=AUTH).json()["data"]["rank"] == 9
    emu.delete_group("badge", ORG["org_id"], badge["id"])
    assert requests.get(f"{emu.url}{BADGES}/{badge['id']}", headers=AUTH).status_code == 404

    reward = emu.create_reward_group(ORG["org_id"], "VIP", rank=2, active=False)
    assert emu.update_group("reward", ORG["org_id"], reward["id"], isActive=True)["isActive"] is True
    assert emu.reward_groups(ORG["org_id"])[0]["isActive"] is True

    top = emu.create_contact_group(TEAM, "Top", remote_id="t")
    kid = emu.create_contact_group(TEAM, "Kid", parent_id=top["id"], order=3)
    assert kid["full_name"] == "Top/Kid"
    assert emu.update_group("contact", TEAM, kid["id"], parent_id=0)["full_name"] == "Kid"
    emu.update_group("contact", TEAM, kid["id"], parent_id=top["id"])
    emu.delete_group("contact", TEAM, top["id"])
    assert [g["name"] for g in emu.contact_groups(TEAM)] == ["Default group"]


def test_out_of_band_changes_follow_the_vendor_rules(emu):
    emu.create_badge_group(ORG["org_id"], "Gold", 1)
    silver = emu.create_badge_group(ORG["org_id"], "Silver", 1)
    with pytest.raises(ValueError):
        emu.create_badge_group(ORG["org_id"], "Gold", 1)
    with pytest.raises(ValueError):
        emu.update_group("badge", ORG["org_id"], silver["id"], name="Gold")
    with pytest.raises(ValueError):
        emu.update_group("badge", ORG["org_id"], silver["id"], colour="red")
    with pytest.raises(ValueError):
        emu.update_group("planet", ORG["org_id"], silver["id"], name="x")
    with pytest.raises(KeyError):
        emu.update_group("badge", 1, silver["id"], rank=2)  # wrong org
    with pytest.raises(KeyError):
        emu.delete_group("reward", ORG["org_id"], 1)
    with pytest.raises(KeyError):
        emu.create_contact_group(999, "x")
    default = emu.contact_groups(TEAM)[0]
    with pytest.raises(ValueError):
        emu.delete_group("contact", TEAM, default["id"])


# ------------------------------------------------------------------------------------------
# Admin endpoints
# ------------------------------------------------------------------------------------------


def test_admin_state_reset_and_token_expiry(emu):
    emu.create_badge_group(ORG["org_id"], "Gold", 1)
    vip = emu.create_reward_group(ORG["org_id"], "VIP")
    emu.create_contact_group(TEAM, "Panel")
    state = requests.get(emu.url + "/__admin/state").json()
    assert [g["name"] for g in state["capillary"][str(ORG["org_id"])]["badgeGroups"]] == ["Gold"]
    assert [g["name"] for g in state["capillary"][str(ORG["org_id"])]["rewardGroups"]] == ["VIP"]
    assert state["capillary"]["100738"] == {"badgeGroups": [], "rewardGroups": []}
    assert [g["name"] for g in state["wesurvey"][str(TEAM)]["groups"]] == ["Default group", "Panel"]

    token = oauth_token(emu.url)
    assert requests.post(emu.url + "/__admin/tokens/expire").status_code == 200
    assert requests.get(emu.url + BADGES, headers={"X-CAP-API-OAUTH-TOKEN": token}).status_code == 498

    assert requests.post(emu.url + "/__admin/reset").status_code == 200
    state = requests.get(emu.url + "/__admin/state").json()
    assert state["capillary"][str(ORG["org_id"])] == {"badgeGroups": [], "rewardGroups": []}
    assert [g["name"] for g in state["wesurvey"][str(TEAM)]["groups"]] == ["Default group"]
    assert requests.get(emu.url + BADGES, headers=AUTH).status_code == 200  # credentials kept
    assert emu.create_reward_group(ORG["org_id"], "VIP")["id"] > vip["id"]  # ids are never reused
    assert emu.counters()["total"] == 3  # token + two badge lists: admin calls are not counted
    assert requests.get(emu.url + "/__admin/nothing").status_code == 404


# ------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------


def test_cli_prints_url_and_credentials_serves_and_stops_on_sigterm(tmp_path):
    fault = json.dumps({"method": "GET", "path": "badges", "action": "status", "status": 503})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_groups.emulator",
            "--port",
            "0",
            "--state",
            str(tmp_path / "s.json"),
            "--fault",
            fault,
            "--not-found-status",
            "400",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Stop with"):
                break
        banner = "".join(lines)
        url = lines[0].split()[-1]
        assert url.startswith("http://127.0.0.1:")
        for expected in (
            "demo.till / demo-password",
            "demo-client-key / demo-client-secret",
            "demo2.till / demo2-password",
            "demo-appid / demo-secret",
            "teams 53",
        ):
            assert expected in banner
        assert requests.get(url + BADGES, headers=AUTH).status_code == 503  # the --fault
        assert requests.get(url + BADGES + "/000000000000000000000000", headers=AUTH).status_code == 400
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_cli_refuses_a_non_loopback_host():
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_groups.emulator", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ},
    )
    assert result.returncode == 2 and "loopback" in result.stderr
