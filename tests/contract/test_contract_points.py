"""Contract points that had no test: each asserts on what the emulator records (its store and
counters) or on what the engine receives, through the provider methods or the real provider
process."""

from __future__ import annotations

import json

import pytest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.emulator.credentials import DEFAULT_CAPILLARY_ORGS
from pulumi_groups.wesurvey import ContactGroupProvider
from pulumi_groups.wesurvey import settings as wesurvey_settings
from tests.conftest import DEMO_ORG_ID, FAST, capillary_config, configured
from tests.support.provider_process import ProviderProcess, provider_prop, secret
from tests.wesurvey.conftest import CONTACT_GROUP, DEMO_APP, TEAM, create

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
OAUTH_USER_ID = DEFAULT_CAPILLARY_ORGS[0]["user_id"]


def test_a_reward_active_change_is_an_in_place_update_that_deactivates_the_live_group(emulator):
    provider = configured(RewardGroupProvider, capillary_config(emulator))
    created = provider.create(provider.check({}, {"name": "VIP", "rank": 1.0, "active": True}).inputs)
    news = provider.check(created.outs, {"name": "VIP", "rank": 1.0, "active": False}).inputs
    diff = provider.diff(created.id, created.outs, news)
    assert diff.changes is True and not diff.replaces  # an update, never a replace
    updated = provider.update(created.id, created.outs, news)
    [live] = emulator.reward_groups(DEMO_ORG_ID)
    assert str(live["id"]) == created.id and live["isActive"] is False
    assert (updated.outs["active"], updated.outs["is_active"]) == (False, live["isActive"])


def test_oauth_credentials_from_the_environment(emulator, monkeypatch):
    """No capillary:orgs in config: CAPILLARY_HOST / CLIENT_KEY / CLIENT_SECRET make the org
    ``default``, which then fetches a token with that client."""
    monkeypatch.setenv("CAPILLARY_HOST", emulator.url)
    monkeypatch.setenv("CAPILLARY_CLIENT_KEY", "demo-client-key")
    monkeypatch.setenv("CAPILLARY_CLIENT_SECRET", "demo-client-secret")
    provider = configured(BadgeGroupProvider, {"capillary:requestsPerMinute": FAST})
    created = provider.create(provider.check({}, {"name": "GOLD", "rank": 3.0}).inputs)
    assert emulator.counters()["token_fetches"] == {"demo-client-key": 1}
    [live] = emulator.badge_groups(DEMO_ORG_ID)
    assert live["id"] == created.id and live["createdBy"] == OAUTH_USER_ID


def test_the_wesurvey_shorthand_keys_make_the_default_account(emulator):
    provider = configured(
        ContactGroupProvider,
        {
            "wesurvey:appId": DEMO_APP["appId"],
            "wesurvey:secret": DEMO_APP["secret"],
            "wesurvey:host": emulator.url,
            "wesurvey:requestsPerMinute": FAST,
        },
    )
    group_id, outs, _ = create(provider, name="Panel")
    assert [str(g["id"]) for g in emulator.contact_groups(TEAM) if g["name"] == "Panel"] == [group_id]
    assert outs["account"] == "default" and emulator.counters()["token_fetches"] == {"demo-appid": 1}


def test_without_a_host_an_account_calls_the_public_wesurvey_host():
    config = wesurvey_settings.load({"wesurvey:appId": "a", "wesurvey:secret": "s"}, {})
    assert config.accounts["default"].base_url == "https://open.wesurvey.com"
    china = wesurvey_settings.load(
        {"wesurvey:accounts": json.dumps({"cn": {"appId": "a", "secret": "s", "host": "https://open.wj.qq.com/"}})}, {}
    )
    assert china.accounts["cn"].base_url == "https://open.wj.qq.com"


@pytest.mark.faults_may_not_fire("the resets are there for requests a badge delete must never send")
def test_badge_delete_sends_nothing_whatever_fails(emulator):
    """Badge groups cannot be deleted: delete keeps the group and sends no request, so no fault
    can reach it (this replaces the fault matrix's badge-delete cases, which tested nothing)."""
    provider = configured(BadgeGroupProvider, capillary_config(emulator))
    created = provider.create(provider.check({}, {"name": "GOLD", "rank": 3.0}).inputs)
    emulator.set_faults([{"action": "reset", "count": 1000}])
    emulator.reset_counters()
    provider.delete(created.id, created.outs)
    assert emulator.counters()["total"] == 0
    emulator.clear_faults()
    assert [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


# -- through the real provider process ----------------------------------------------------------


@pytest.fixture
def process(emulator):
    proc = ProviderProcess()
    yield proc
    proc.close()


def test_a_not_found_is_confirmed_by_a_second_answer_before_the_engine_drops_the_group(emulator, process):
    """Snapshot off, so each read asks by id: a not-found is checked against the listing."""
    process.configure(
        {
            "capillary:orgs": secret(
                json.dumps({"default": {"host": emulator.url, "username": "demo.till", "password": "demo-password"}})
            ),
            "capillary:requestsPerMinute": FAST,
            "capillary:readSnapshot": "false",
        }
    )
    prov = provider_prop(BadgeGroupProvider())
    inputs, _ = process.check(BADGE, "gold", {}, {"__provider": prov, "name": "GOLD", "rank": 3})
    group_id, props = process.create(BADGE, "gold", inputs)
    emulator.delete_group("badge", DEMO_ORG_ID, group_id)
    emulator.reset_counters()
    read_id, _, _ = process.read(BADGE, "gold", group_id, props)
    assert read_id == ""
    # the GET by id says not found, and the listing agrees: two answers, not one
    assert emulator.counters()["by_endpoint"] == {
        "GET /api_gateway/v1/badges/group": 1,
        "GET /api_gateway/v1/badges/group/{id}": 1,
    }
    # while a group that still exists, with a not-found injected on its GET, stays
    inputs, _ = process.check(BADGE, "silver", {}, {"__provider": prov, "name": "SILVER", "rank": 2})
    silver_id, silver = process.create(BADGE, "silver", inputs)
    emulator.set_faults([{"method": "GET", "path": f"/badges/group/{silver_id}$", "action": "status", "status": 404}])
    emulator.reset_counters()
    assert process.read(BADGE, "silver", silver_id, silver)[0] == silver_id
    assert emulator.counters()["faults_fired"] == 1


def test_a_three_level_tree_and_adoption_by_remote_id_through_the_process(emulator, process):
    accounts = {"default": {"host": emulator.url, **DEMO_APP}}
    process.configure({"wesurvey:accounts": secret(json.dumps(accounts)), "wesurvey:requestsPerMinute": FAST})
    prov = provider_prop(ContactGroupProvider())
    ids: dict[str, str] = {}
    parent = 0
    for name in ("Panel", "Batch", "Wave"):
        news = {"__provider": prov, "team_id": TEAM, "name": name, "parent_id": int(parent) if parent else 0}
        inputs, failures = process.check(CONTACT_GROUP, name, {}, news)
        assert failures == []
        ids[name], outs = process.create(CONTACT_GROUP, name, inputs)
        parent = ids[name]
    live = {str(g["id"]): g for g in emulator.contact_groups(TEAM)}
    assert live[ids["Wave"]]["parent_id"] == int(ids["Batch"]) and live[ids["Batch"]]["parent_id"] == int(ids["Panel"])
    assert outs["full_name"] == live[ids["Wave"]]["full_name"] == "Panel/Batch/Wave"

    existing = emulator.create_contact_group(TEAM, "Old", parent_id=int(ids["Batch"]), remote_id="crm-9")
    news = {"__provider": prov, "team_id": TEAM, "name": "Adopted", "remote_id": "crm-9", "adopt": True}
    inputs, _ = process.check(CONTACT_GROUP, "adopted", {}, news)
    adopted_id, adopted = process.create(CONTACT_GROUP, "adopted", inputs)
    [record] = [g for g in emulator.contact_groups(TEAM) if g.get("remote_id") == "crm-9"]
    assert adopted_id == str(existing["id"]) == str(record["id"])
    assert (record["name"], record["parent_id"]) == ("Adopted", 0)  # declared values put on it
    assert adopted["name"] == record["name"] and adopted["remote_id"] == "crm-9"
