"""The shared lifecycle (provider.py): what it checks, what it tolerates in stored state, and how
a failed read names the group it served."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown

from pulumi_groups.capillary import BadgeGroupProvider
from pulumi_groups.errors import GroupsError
from tests.conftest import DEMO_ORG_ID, capillary_config, configured


@pytest.fixture
def badges(emulator):
    return configured(BadgeGroupProvider, capillary_config(emulator))


def test_an_org_not_known_at_preview_passes_check(badges):
    result = badges.check({}, {"name": "GOLD", "rank": 3.0, "org": Unknown()})
    assert result.failures == []


def test_create_refuses_inputs_that_check_would_refuse(emulator, badges):
    """Defence in depth: an engine that skipped check still sends nothing invalid."""
    with pytest.raises(GroupsError, match="rank"):
        badges.create({"name": "GOLD", "rank": -1.0, "org": "default"})
    assert emulator.counters()["total"] == 0


def test_read_and_delete_tolerate_stored_values_check_would_refuse(emulator, badges):
    """State written by an older version (or drift read back) may hold values check refuses
    today: refresh and destroy must still work on it."""
    created = badges.create(badges.check({}, {"name": "GOLD", "rank": 3.0}).inputs)
    odd = {**created.outs, "rank": -7.0}
    assert badges.read(created.id, odd).id == created.id
    badges.delete(created.id, odd)  # badge groups are kept: nothing to send, nothing to refuse
    assert [g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)] == [created.id]


def test_a_failed_listing_names_the_read_it_served(emulator, badges):
    created = badges.create(badges.check({}, {"name": "GOLD", "rank": 3.0}).inputs)
    emulator.set_faults([{"method": "GET", "action": "status", "status": 400, "count": 10}])
    with pytest.raises(GroupsError) as caught:
        badges.read(created.id, created.outs)
    assert f"while reading badge group 'GOLD' (id {created.id}) in org 'default'" in str(caught.value)


def test_a_rename_warns_only_when_the_group_is_updated_not_replaced(emulator, capsys):
    """Renaming a reward group in place unlinks its rewards: warned. Renaming it while moving it
    to another org makes a new group: nothing is unlinked in place, so no such warning."""
    from pulumi_groups.capillary import RewardGroupProvider

    rewards = configured(RewardGroupProvider, capillary_config(emulator))
    olds = {"name": "VIP", "rank": 1.0, "active": True, "org": "default", "adopt": False}
    capsys.readouterr()
    replaced = rewards.diff("7", olds, {**olds, "name": "VIP2", "org": "brand-eu"})
    assert replaced.replaces == ["org"] and capsys.readouterr().err == ""
    updated = rewards.diff("7", olds, {**olds, "name": "VIP2"})
    assert updated.changes and not updated.replaces and "VIP2" in capsys.readouterr().err


def test_a_group_newer_than_the_listing_is_answered_once_then_listed_again(emulator, badges):
    """Read snapshot: a group the listing misses is asked for by id and, found, joins the
    listing as already answered; reading it again takes a new listing, like every id."""
    first = badges.create(badges.check({}, {"name": "OLD", "rank": 1.0}).inputs)
    badges.read(first.id, first.outs)  # takes the listing
    late = emulator.create_badge_group(DEMO_ORG_ID, "LATE", 2)
    state = {**first.outs, "name": "LATE", "rank": 2.0}
    emulator.reset_counters()
    assert badges.read(late["id"], state).id == late["id"]
    assert emulator.counters()["by_endpoint"] == {"GET /api_gateway/v1/badges/group/{id}": 1}
    emulator.reset_counters()
    assert badges.read(late["id"], state).outs["rank"] == 2
    assert emulator.counters()["by_endpoint"] == {"GET /api_gateway/v1/badges/group": 1}


def test_after_a_move_the_old_parents_listing_no_longer_answers_for_the_group(emulator):
    """WeSurvey read snapshot: a move by this process takes the group out of its old parent's
    listing, so a read that still names the old parent finds it where it is now."""
    from pulumi_groups.wesurvey import ContactGroupProvider
    from tests.wesurvey.conftest import create, wesurvey_config

    provider = configured(ContactGroupProvider, wesurvey_config(emulator))
    first, _, _ = create(provider, name="P1")
    second, _, _ = create(provider, name="P2")
    sibling, sibling_outs, _ = create(provider, name="S", parent_id=first)
    moved, moved_outs, _ = create(provider, name="G", parent_id=first)
    provider.read(sibling, sibling_outs)  # takes P1's listing, which holds G
    news = provider.check(moved_outs, {"team_id": 53.0, "name": "G", "parent_id": float(second)}).inputs
    provider.update(moved, moved_outs, news)
    read = provider.read(moved, moved_outs)  # stored props still say P1
    assert read.id == moved and read.inputs["parent_id"] == int(second)


def test_a_provider_never_configured_reads_its_settings_from_the_environment(emulator, monkeypatch):
    """An engine that never calls configure(): credentials and the snapshot switch come from
    the environment."""
    monkeypatch.setenv("CAPILLARY_HOST", emulator.url)
    monkeypatch.setenv("CAPILLARY_USERNAME", "demo.till")
    monkeypatch.setenv("CAPILLARY_PASSWORD", "demo-password")
    monkeypatch.setenv("PULUMI_GROUPS_READ_SNAPSHOT", "0")
    provider = BadgeGroupProvider()
    created = provider.create(provider.check({}, {"name": "GOLD", "rank": 3.0}).inputs)
    emulator.reset_counters()
    assert provider.read(created.id, created.outs).id == created.id
    assert emulator.counters()["by_endpoint"] == {"GET /api_gateway/v1/badges/group/{id}": 1}


def test_a_group_this_process_created_is_read_from_the_listing_without_a_request(emulator, badges):
    first = badges.create(badges.check({}, {"name": "OLD", "rank": 1.0}).inputs)
    badges.read(first.id, first.outs)  # takes the listing
    created = badges.create(badges.check({}, {"name": "NEW", "rank": 2.0}).inputs)
    emulator.reset_counters()
    assert badges.read(created.id, created.outs).outs["rank"] == 2
    assert emulator.counters()["total"] == 0
