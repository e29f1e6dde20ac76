"""Layer 3: the real provider process (``python -m pulumi.dynamic``) driven over gRPC as the
engine drives it: Configure with secret config, then Check, Create, Read, Diff, Update, drift,
out-of-band delete, Delete — and no credential in anything sent back."""

from __future__ import annotations

import json

import pytest

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_OAUTH, DEMO_ORG_ID, FAST
from tests.support.provider_process import DIFF_NONE, DIFF_SOME, UNKNOWN, ProviderProcess, provider_prop, secret

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
REWARD = "pulumi-python:dynamic/capillary:RewardGroup"
SECRETS = ("demo-password", "demo-client-secret")


@pytest.fixture
def process(emulator):
    proc = ProviderProcess()
    orgs = {
        "default": {"host": emulator.url, **DEMO_BASIC},
        "brand-oauth": {"host": emulator.url, **DEMO_OAUTH},
    }
    # As `pulumi config set --secret` stores it: the whole object is a secret, sent as JSON text.
    proc.configure(
        {
            "capillary:orgs": secret(json.dumps(orgs)),
            "capillary:requestsPerMinute": FAST,
            "pulumi-groups:defaultOrg": "default",  # two orgs: resources without `org` go here
        }
    )
    yield proc
    proc.close()


def assert_no_secret(*payloads, text: str = "") -> None:
    blob = json.dumps(payloads, default=str) + text
    for value in SECRETS:
        assert value not in blob
    # nor the MD5 of the password, nor a token
    import hashlib

    assert hashlib.md5(b"demo-password").hexdigest() not in blob
    assert "accessToken" not in blob and "eyJ" not in blob


def test_badge_group_full_lifecycle(emulator, process):
    prov = provider_prop(BadgeGroupProvider())
    news = {"__provider": prov, "name": "GOLD", "rank": 3, "org": "brand-oauth", "adopt": False, "org_id": None}
    inputs, failures = process.check(BADGE, "gold", {}, news)
    assert failures == [] and inputs["rank"] == 3 and "org_id" not in inputs

    group_id, outs = process.create(BADGE, "gold", inputs)
    assert len(group_id) == 24 and outs["org_id"] == DEMO_ORG_ID and outs["__provider"] == prov

    read_id, read_outs, read_inputs = process.read(BADGE, "gold", group_id, outs)
    assert read_id == group_id and read_outs["rank"] == 3 and read_inputs["name"] == "GOLD"

    # no change: the engine's floats (3.0) compare equal to the declared ints
    assert process.diff(BADGE, "gold", group_id, read_outs, inputs).changes == DIFF_NONE
    changed = {**inputs, "rank": 4}
    diff = process.diff(BADGE, "gold", group_id, read_outs, changed)
    assert diff.changes == DIFF_SOME and list(diff.replaces) == []
    moved = process.diff(BADGE, "gold", group_id, read_outs, {**inputs, "org": "default"})
    assert list(moved.replaces) == ["org"] and moved.deleteBeforeReplace

    updated = process.update(BADGE, "gold", group_id, read_outs, changed)
    assert updated["rank"] == 4 and updated["created_on"] == outs["created_on"]

    emulator.update_group("badge", DEMO_ORG_ID, group_id, rank=8)  # drift
    _, drifted, drifted_inputs = process.read(BADGE, "gold", group_id, updated)
    assert drifted["rank"] == 8 and drifted_inputs["rank"] == 8
    assert process.diff(BADGE, "gold", group_id, drifted, changed).changes == DIFF_SOME

    destroy = process.next_run()  # `pulumi destroy`: a later run
    destroy.delete(BADGE, "gold", group_id, drifted)
    assert destroy.saw("kept") and len(emulator.badge_groups(DEMO_ORG_ID)) == 1

    emulator.delete_group("badge", DEMO_ORG_ID, group_id)  # out-of-band delete
    gone_id, gone_outs, _ = process.read(BADGE, "gold", group_id, drifted)
    assert gone_id == "" and set(gone_outs) == {"__provider"}
    assert process.saw("no longer exists")
    assert_no_secret(inputs, outs, read_outs, updated, drifted, gone_outs, text=process.printed())


def test_reward_group_lifecycle_and_deactivate_on_delete(emulator, process):
    prov = provider_prop(RewardGroupProvider())
    inputs, failures = process.check(REWARD, "vip", {}, {"__provider": prov, "name": "VIP", "rank": None})
    assert failures == [] and inputs["active"] is True and inputs["org"] == "default"
    group_id, outs = process.create(REWARD, "vip", inputs)
    renamed = {**inputs, "name": "VIP2"}
    assert process.diff(REWARD, "vip", group_id, outs, renamed).changes == DIFF_SOME
    updated = process.update(REWARD, "vip", group_id, outs, renamed)
    assert updated["name"] == "VIP2" and process.saw("unlinks every reward")
    process.next_run().delete(REWARD, "vip", group_id, updated)  # `pulumi destroy`: a later run
    assert [g["isActive"] for g in emulator.reward_groups(DEMO_ORG_ID)] == [False]
    assert_no_secret(outs, updated, text=process.printed())


def test_check_failures_at_preview_send_nothing(emulator, process):
    prov = provider_prop(BadgeGroupProvider())
    _, failures = process.check(BADGE, "bad", {}, {"__provider": prov, "name": "", "rank": 3.5, "org": "nope"})
    assert {p for p, _ in failures} == {"name", "rank", "org"}
    # unknown values (another resource's output during preview) pass through
    inputs, failures = process.check(BADGE, "later", {}, {"__provider": prov, "name": UNKNOWN, "rank": 1})
    assert failures == []
    assert emulator.counters()["total"] == 0
