"""The real provider process: an org-key change (a renamed key, reached through an alias) is no
replacement when both keys reach the same org, so the old resource's delete never deactivates the
group; a change to another org still replaces it."""

from __future__ import annotations

import json

import pytest

from pulumi_groups.capillary.reward_group import RewardGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_OAUTH, DEMO_ORG_ID, FAST
from tests.support.provider_process import DIFF_SOME, ProviderProcess, provider_prop, secret

REWARD = "pulumi-python:dynamic/capillary:RewardGroup"


@pytest.fixture
def process(emulator):
    proc = ProviderProcess()
    orgs = {
        "brand-eu-old": {"host": emulator.url, **DEMO_BASIC},
        "brand-eu": {"host": emulator.url, **DEMO_BASIC},  # the same credential: the same org
        "brand-oauth": {"host": emulator.url, **DEMO_OAUTH},  # another credential
    }
    proc.configure({"capillary:orgs": secret(json.dumps(orgs)), "capillary:requestsPerMinute": FAST})
    yield proc
    proc.close()


def created(process, org: str, name: str = "VIP"):
    prov = provider_prop(RewardGroupProvider())
    inputs, failures = process.check(REWARD, name, {}, {"__provider": prov, "name": name, "rank": 1, "org": org})
    assert failures == []
    return process.create(REWARD, name, inputs)[0], inputs


def test_renamed_org_key_reaching_the_same_org_is_an_update_that_sends_nothing(emulator, process):
    group_id, inputs = created(process, "brand-eu-old")
    _, outs, _ = process.read(REWARD, "VIP", group_id, {**inputs, "id": group_id})
    before = emulator.counters()["total"]

    moved = {**inputs, "org": "brand-eu"}
    checked, failures = process.check(REWARD, "VIP", inputs, moved)
    diff = process.diff(REWARD, "VIP", group_id, outs, checked)
    assert failures == [] and diff.changes == DIFF_SOME and list(diff.replaces) == []
    updated = process.update(REWARD, "VIP", group_id, outs, checked)

    assert updated["org"] == "brand-eu" and updated["org_id"] == DEMO_ORG_ID and updated["name"] == "VIP"
    assert emulator.counters()["total"] == before  # diff and update decided from config alone
    [group] = emulator.reward_groups(DEMO_ORG_ID)
    assert group["isActive"] is True  # no delete ever ran: the group stays active


def test_rename_and_org_key_move_together_warn_about_rewards(emulator, process):
    group_id, inputs = created(process, "brand-eu-old")
    _, outs, _ = process.read(REWARD, "VIP", group_id, {**inputs, "id": group_id})
    renamed = {**inputs, "org": "brand-eu", "name": "VIP Club"}
    diff = process.diff(REWARD, "VIP", group_id, outs, renamed)
    assert diff.changes == DIFF_SOME and list(diff.replaces) == []
    assert process.saw("unlinks every reward")
    updated = process.update(REWARD, "VIP", group_id, outs, renamed)
    assert updated["name"] == "VIP Club" and updated["org"] == "brand-eu"
    assert [g["name"] for g in emulator.reward_groups(DEMO_ORG_ID)] == ["VIP Club"]


def test_a_key_with_another_credential_still_replaces(emulator, process):
    group_id, inputs = created(process, "brand-eu-old")
    _, outs, _ = process.read(REWARD, "VIP", group_id, {**inputs, "id": group_id})
    diff = process.diff(REWARD, "VIP", group_id, outs, {**inputs, "org": "brand-oauth"})
    assert list(diff.replaces) == ["org"] and diff.deleteBeforeReplace


def test_a_move_from_a_key_no_longer_configured_is_refused_at_preview(emulator, process):
    prov = provider_prop(RewardGroupProvider())
    olds = {"__provider": prov, "name": "VIP", "rank": 1, "org": "brand-gone", "active": True, "adopt": False}
    _, failures = process.check(REWARD, "VIP", olds, {**olds, "org": "brand-eu"})
    assert [p for p, _ in failures] == ["org"] and "'brand-gone' is no longer configured" in failures[0][1]
    assert emulator.counters()["total"] == 0
