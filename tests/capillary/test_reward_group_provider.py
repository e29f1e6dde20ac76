"""Layer 1: RewardGroupProvider's methods against the emulator over real HTTP."""

from __future__ import annotations

import pytest

from pulumi_groups.capillary.reward_group import RewardGroupProvider
from pulumi_groups.errors import NameTaken
from pulumi_groups.lifecycle import ownership
from tests.conftest import DEMO_ORG_ID, capillary_config, configured


@pytest.fixture
def provider(capillary):
    return configured(RewardGroupProvider, capillary[1])


def create(provider, **inputs):
    checked = provider.check({}, inputs)
    assert checked.failures == [], [f.reason for f in checked.failures]
    return provider.create(checked.inputs)


def live(emu, group_id):
    return next(g for g in emu.reward_groups(DEMO_ORG_ID) if str(g["id"]) == group_id)


def test_create_with_and_without_rank(capillary, provider):
    emu, _ = capillary
    vip = create(provider, name="VIP", rank=1)
    plain = create(provider, name="Plain")
    assert vip.id.isdigit() and vip.outs["rank"] == 1 and vip.outs["active"] is True
    assert plain.outs["rank"] is None and live(emu, plain.id)["rank"] is None
    assert vip.outs["created_on"].endswith("Z") and vip.outs["org_id"] == DEMO_ORG_ID


def test_create_inactive_group_declares_active_false(capillary, provider):
    emu, _ = capillary
    old = create(provider, name="Legacy", active=False)
    assert old.outs["active"] is False and old.outs["is_active"] is False
    assert live(emu, old.id)["isActive"] is False


def test_name_taken_error_and_adoption_of_a_deactivated_group(capillary, provider):
    emu, _ = capillary
    existing = emu.create_reward_group(DEMO_ORG_ID, "VIP", rank=5, active=False)
    with pytest.raises(NameTaken) as caught:
        create(provider, name="VIP", rank=1)
    assert str(existing["id"]) in str(caught.value)
    assert emu.counters()["by_endpoint"].get("POST /api_gateway/rewards/core/v1/group/create", 0) == 0
    adopted = create(provider, name="VIP", rank=1, adopt=True)
    assert adopted.id == str(existing["id"])
    group = live(emu, adopted.id)
    assert group["rank"] == 1 and group["isActive"] is True
    assert len(emu.reward_groups(DEMO_ORG_ID)) == 1


def test_rename_is_warned_at_diff_and_at_update(capillary, provider, capsys):
    emu, _ = capillary
    created = create(provider, name="VIP", rank=1)
    capsys.readouterr()
    news = provider.check(created.outs, {"name": "VIP2", "rank": 1}).inputs
    assert provider.diff(created.id, created.outs, news).changes is True
    assert "unlinks every reward" in capsys.readouterr().err
    updated = provider.update(created.id, created.outs, news)
    assert "unlinks every reward" in capsys.readouterr().err
    assert updated.outs["name"] == "VIP2" and live(emu, created.id)["name"] == "VIP2"
    # a rank-only change warns about nothing
    provider.diff(created.id, updated.outs, {**news, "rank": 2})
    assert capsys.readouterr().err == ""


def test_update_always_sends_rank_and_active(capillary, provider):
    emu, _ = capillary
    created = create(provider, name="VIP", rank=4, active=False)
    news = provider.check(created.outs, {"name": "VIP", "rank": 4, "active": True}).inputs
    updated = provider.update(created.id, created.outs, news)
    group = live(emu, created.id)
    assert group["rank"] == 4 and group["isActive"] is True and updated.outs["active"] is True


def test_delete_deactivates_and_not_found_is_success(capillary, provider):
    emu, _ = capillary
    created = create(provider, name="VIP", rank=1)
    ownership.run().reset()  # `pulumi destroy`: a later run
    provider.delete(created.id, created.outs)
    assert live(emu, created.id)["isActive"] is False
    emu.delete_group("reward", DEMO_ORG_ID, int(created.id))
    provider.delete(created.id, created.outs)  # gone already: still success


def test_read_drift_and_gone(capillary, provider, capsys):
    emu, _ = capillary
    created = create(provider, name="VIP", rank=1)
    emu.update_group("reward", DEMO_ORG_ID, int(created.id), isActive=False, rank=7)
    read = provider.read(created.id, created.outs)
    assert read.inputs == {"name": "VIP", "rank": 7, "active": False, "org": "default", "adopt": False}
    emu.delete_group("reward", DEMO_ORG_ID, int(created.id))
    capsys.readouterr()
    assert provider.read(created.id, created.outs).id is None
    assert "reward group 'VIP'" in capsys.readouterr().err


@pytest.mark.parametrize("list_default_active", [None, True])
def test_adoption_finds_inactive_groups_whatever_the_list_default(list_default_active):
    from pulumi_groups.emulator import Emulator

    with Emulator(reward_list_default_active=list_default_active) as emu:
        existing = emu.create_reward_group(DEMO_ORG_ID, "Old", rank=None, active=False)
        provider = configured(RewardGroupProvider, capillary_config(emu))
        adopted = create(provider, name="Old", active=False, adopt=True)
    assert adopted.id == str(existing["id"]) and adopted.outs["active"] is False
