"""Layer 1: BadgeGroupProvider's methods against the emulator over real HTTP."""

from __future__ import annotations

import re

import pytest

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.errors import ApiError, GroupsError, NameTaken
from pulumi_groups.lifecycle import ownership
from tests.conftest import DEMO_ORG_ID, capillary_config, configured

HEX24 = re.compile(r"^[0-9a-f]{24}$")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def provider(capillary):
    emu, config = capillary
    return configured(BadgeGroupProvider, config)


def create(provider, **inputs):
    checked = provider.check({}, inputs)
    assert checked.failures == [], [f.reason for f in checked.failures]
    return provider.create(checked.inputs)


def test_check_accepts_good_input_and_sends_nothing(capillary, provider):
    emu, _ = capillary
    result = provider.check({}, {"name": "GOLD", "rank": 3.0, "org": "brand-oauth"})
    assert result.failures == []
    assert result.inputs == {"name": "GOLD", "rank": 3, "org": "brand-oauth", "adopt": False}
    assert emu.counters()["total"] == 0


def test_check_names_unknown_org_and_lists_known_ones(capillary, provider):
    emu, _ = capillary
    failures = provider.check({}, {"name": "GOLD", "rank": 3, "org": "brand-xx"}).failures
    assert [f.property for f in failures] == ["org"]
    assert "'brand-xx' is not configured" in failures[0].reason
    assert "known orgs: brand-oauth, default" in failures[0].reason
    assert emu.counters()["total"] == 0


def test_check_reports_a_broken_org_entry_on_org(emulator):
    config = capillary_config(emulator, {"default": {"username": "u", "password": "p", "clientKey": "k"}})
    failures = configured(BadgeGroupProvider, config).check({}, {"name": "G", "rank": 1}).failures
    assert [(f.property, "give either username/password or clientKey/clientSecret" in f.reason) for f in failures] == [
        ("org", True)
    ]


def test_create_returns_id_and_normalized_outputs(capillary, provider):
    emu, _ = capillary
    result = create(provider, name="GOLD", rank=3)
    assert HEX24.match(result.id)
    outs = result.outs
    assert outs["name"] == "GOLD" and outs["rank"] == 3 and outs["org"] == "default"
    assert outs["org_id"] == DEMO_ORG_ID and outs["is_active"] is True and outs["adopt"] is False
    assert ISO_UTC.match(outs["created_on"]) and ISO_UTC.match(outs["last_updated_on"])
    assert isinstance(outs["created_by"], int)
    assert [(g["id"], g["name"], g["rank"]) for g in emu.badge_groups(DEMO_ORG_ID)] == [(result.id, "GOLD", 3)]


def test_names_are_case_sensitive(capillary, provider):
    emu, _ = capillary
    create(provider, name="Gold", rank=1)
    create(provider, name="gold", rank=2)
    assert sorted(g["name"] for g in emu.badge_groups(DEMO_ORG_ID)) == ["Gold", "gold"]


def test_existing_name_without_adopt_fails_naming_the_id_and_the_fix(capillary, provider):
    emu, _ = capillary
    existing = emu.create_badge_group(DEMO_ORG_ID, "GOLD", 1)
    emu.reset_counters()
    with pytest.raises(NameTaken) as caught:  # taken before the run's listing: nothing is sent
        create(provider, name="GOLD", rank=3)
    message = str(caught.value)
    assert existing["id"] in message and "adopt: true" in message and "previousOrg" in message
    assert emu.counters()["by_endpoint"].get("POST /api_gateway/v1/badges/group", 0) == 0
    # Made by hand after the run's listing: the vendor's refusal, with all it says.
    later = emu.create_badge_group(DEMO_ORG_ID, "SILVER", 1)
    with pytest.raises(NameTaken) as caught:
        create(provider, name="SILVER", rank=3)
    message = str(caught.value)
    assert later["id"] in message and "adopt: true" in message
    assert "org 'default'" in message and "HTTP 400" in message and "code 733" in message
    assert "request id" in message
    assert len(emu.badge_groups(DEMO_ORG_ID)) == 2


def test_adopt_takes_over_the_existing_group_and_declares_its_rank(capillary, provider):
    emu, _ = capillary
    existing = emu.create_badge_group(DEMO_ORG_ID, "GOLD", 1)
    result = create(provider, name="GOLD", rank=3, adopt=True)
    assert result.id == existing["id"] and result.outs["rank"] == 3 and result.outs["adopt"] is True
    assert [(g["id"], g["rank"]) for g in emu.badge_groups(DEMO_ORG_ID)] == [(existing["id"], 3)]


def test_read_returns_live_values_and_drift(capillary, provider):
    emu, _ = capillary
    created = create(provider, name="GOLD", rank=3)
    emu.update_group("badge", DEMO_ORG_ID, created.id, rank=9, name="GOLD-X")
    read = provider.read(created.id, created.outs)
    assert read.id == created.id
    assert read.outs["rank"] == 9 and read.outs["name"] == "GOLD-X"
    assert read.inputs == {"name": "GOLD-X", "rank": 9, "org": "default", "adopt": False}
    # and a diff against the declaration now shows the drift as an update
    assert provider.diff(created.id, read.outs, {"name": "GOLD", "rank": 3, "org": "default"}).changes is True


@pytest.mark.parametrize("not_found_status", [404, 400])
def test_read_of_a_group_deleted_out_of_band_drops_it_with_one_line(not_found_status, capsys):
    from pulumi_groups.emulator import Emulator

    with Emulator(not_found_status=not_found_status) as emu:
        provider = configured(BadgeGroupProvider, capillary_config(emu))
        created = create(provider, name="GOLD", rank=3)
        emu.delete_group("badge", DEMO_ORG_ID, created.id)
        capsys.readouterr()
        read = provider.read(created.id, created.outs)
    assert read.id is None and read.outs == {}
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "badge group 'GOLD'" in lines[0] and created.id in lines[0]
    assert "no longer exists" in lines[0]


def test_read_trusts_the_list_over_a_not_found_from_get(capillary):
    """A not-found answer is only a hint: a group still listed is not dropped from state. The
    read snapshot is off, so the read asks by id and meets the injected 404 (it fired)."""
    emu, config = capillary
    provider = configured(BadgeGroupProvider, {**config, "capillary:readSnapshot": "false"})
    created = create(provider, name="GOLD", rank=3)
    emu.set_faults([{"method": "GET", "path": f"/badges/group/{created.id}$", "action": "status", "status": 404}])
    emu.reset_counters()
    read = provider.read(created.id, created.outs)
    assert read.id == created.id and read.outs["rank"] == 3
    counters = emu.counters()
    assert counters["faults_fired"] == 1 and emu.pending_faults() == []
    assert counters["by_endpoint"] == {
        "GET /api_gateway/v1/badges/group/{id}": 1,
        "GET /api_gateway/v1/badges/group": 1,
    }


def test_diff_compares_owned_fields_only(provider):
    olds = {"name": "GOLD", "rank": 3.0, "org": "default", "adopt": False, "org_id": 100737.0, "created_on": "x"}
    assert provider.diff("id", olds, {"name": "GOLD", "rank": 3, "org": "default", "adopt": True}).changes is False
    renamed = provider.diff("id", olds, {"name": "Gold", "rank": 3, "org": "default"})
    assert renamed.changes is True and renamed.replaces == []
    moved = provider.diff("id", olds, {"name": "GOLD", "rank": 3, "org": "brand-eu"})
    assert moved.changes is True and moved.replaces == ["org"] and moved.delete_before_replace is True


def test_update_sends_name_and_rank_and_returns_full_outputs(capillary, provider):
    emu, _ = capillary
    created = create(provider, name="GOLD", rank=3)
    news = provider.check(created.outs, {"name": "GOLD2", "rank": 4, "org": "default"}).inputs
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs["name"] == "GOLD2" and updated.outs["rank"] == 4
    assert set(updated.outs) == set(created.outs)
    assert [(g["name"], g["rank"]) for g in emu.badge_groups(DEMO_ORG_ID)] == [("GOLD2", 4)]


def test_update_of_a_vanished_group_says_to_refresh(capillary, provider):
    emu, _ = capillary
    created = create(provider, name="GOLD", rank=3)
    emu.delete_group("badge", DEMO_ORG_ID, created.id)
    with pytest.raises(ApiError) as caught:
        provider.update(created.id, created.outs, {**created.outs, "rank": 5})
    assert "pulumi refresh" in str(caught.value) and created.id in str(caught.value)


def test_delete_keeps_the_group_and_says_so(capillary, provider, capsys):
    emu, _ = capillary
    created = create(provider, name="GOLD", rank=3)
    capsys.readouterr()
    ownership.run().reset()  # `pulumi destroy`: a later run
    provider.delete(created.id, created.outs)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "badge group 'GOLD'" in err[0] and "was kept" in err[0]
    assert len(emu.badge_groups(DEMO_ORG_ID)) == 1


def test_oauth_org_fetches_one_token_and_renews_it_after_expiry(capillary, provider):
    emu, _ = capillary
    first = create(provider, name="A", rank=1, org="brand-oauth")
    create(provider, name="B", rank=1, org="brand-oauth")
    assert emu.counters()["token_fetches"] == {"demo-client-key": 1}
    emu.expire_tokens()
    read = provider.read(first.id, first.outs)
    assert read.id == first.id
    assert emu.counters()["token_fetches"] == {"demo-client-key": 2}


def test_bad_credentials_fail_clearly_without_echoing_them(emulator):
    config = capillary_config(emulator, {"default": {"username": "demo.till", "password": "wrong-pass-123"}})
    provider = configured(BadgeGroupProvider, config)
    with pytest.raises(GroupsError) as caught:
        create(provider, name="GOLD", rank=3)
    message = str(caught.value)
    assert "HTTP 401" in message and "create badge group 'GOLD'" in message
    assert "wrong-pass-123" not in message and "demo.till" not in message
