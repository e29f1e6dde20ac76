"""Layer 1: a refresh reads an org from one listing (snapshot.py), over real HTTP to the emulator.

Every assertion is about requests sent (the emulator's counters), never about timings.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroupProvider
from pulumi_groups.errors import ApiError
from pulumi_groups.lifecycle import snapshot
from tests.conftest import (
    DEMO_BASIC,
    DEMO_OAUTH,
    DEMO_ORG_ID,
    SECOND_BASIC,
    SECOND_ORG_ID,
    capillary_config,
    configured,
)

from .helpers import (
    BADGE_GET,
    BADGE_LIST,
    REWARD_GET,
    REWARD_LIST,
    TOKEN,
    badge_state,
    emulator_with,
    endpoints,
    pages,
    reward_state,
    seed_badges,
    wire_mismatches,
)


@pytest.fixture(autouse=True)
def _no_switch_from_the_environment(monkeypatch):
    monkeypatch.delenv(snapshot.ENV_SWITCH, raising=False)
    monkeypatch.delenv(snapshot.ENV_TTL, raising=False)


def badge_provider(emu, creds=DEMO_BASIC, **top):
    return configured(BadgeGroupProvider, capillary_config(emu, {"default": creds}, **top))


def refresh(provider, groups, state=badge_state):
    """Read every group as `pulumi refresh` does, and check each answer against the wire group."""
    for group in groups:
        result = provider.read(str(group["id"]), state(group))
        assert result.id == str(group["id"])
        assert wire_mismatches(result.outs, group) == {}
        assert result.inputs["name"] == group["name"]


# -- the cost of a refresh ---------------------------------------------------------------------


def test_a_refresh_of_n_groups_costs_one_listing_not_n_gets(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 250)
    provider = badge_provider(emulator, DEMO_OAUTH)
    refresh(provider, groups)
    assert endpoints(emulator) == {TOKEN: 1, BADGE_LIST: pages(250)}


def test_with_the_snapshot_off_a_refresh_costs_one_get_per_group(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 120)
    refresh(badge_provider(emulator, readSnapshot="false"), groups)
    assert endpoints(emulator) == {BADGE_GET: 120}


def test_reward_groups_list_active_and_inactive_once_each(emulator):
    groups = [emulator.create_reward_group(DEMO_ORG_ID, f"R{i}", i, active=i % 10 != 0) for i in range(150)]
    provider = configured(RewardGroupProvider, capillary_config(emulator))
    refresh(provider, groups, reward_state)
    # 135 active groups: 2 pages of active=true; 15 inactive: 1 page of active=false.
    assert endpoints(emulator) == {REWARD_LIST: pages(135) + pages(15)}


def test_badge_and_reward_providers_share_one_snapshot_per_kind_and_org(emulator):
    badges = seed_badges(emulator, DEMO_ORG_ID, 30)
    rewards = [emulator.create_reward_group(DEMO_ORG_ID, f"R{i}", i) for i in range(30)]
    config = capillary_config(emulator)
    # configure() runs once per pickled provider: two instances of each, as in a real process.
    for _ in range(2):
        refresh(configured(BadgeGroupProvider, config), badges[:15])
        refresh(configured(RewardGroupProvider, config), rewards[:15], reward_state)
        badges, rewards = badges[15:], rewards[15:]
    assert endpoints(emulator) == {BADGE_LIST: 1, REWARD_LIST: 2}


def test_each_org_has_its_own_snapshot(emulator):
    first, second = seed_badges(emulator, DEMO_ORG_ID, 3), seed_badges(emulator, SECOND_ORG_ID, 3, prefix="S")
    provider = configured(
        BadgeGroupProvider, capillary_config(emulator, {"default": DEMO_BASIC, "second": SECOND_BASIC})
    )
    refresh(provider, first)
    refresh(provider, second, lambda g: badge_state(g, org="second"))
    assert endpoints(emulator) == {BADGE_LIST: 2}
    assert emulator.counters()["by_credential"] == {"demo.till": 1, "demo2.till": 1}


def test_concurrent_first_reads_wait_for_one_listing():
    with emulator_with(latency=0.05) as emu:
        groups = seed_badges(emu, DEMO_ORG_ID, 120)
        provider = badge_provider(emu, DEMO_OAUTH)
        start = threading.Barrier(8)

        def read(group):
            start.wait()
            return provider.read(group["id"], badge_state(group)).outs["name"]

        with ThreadPoolExecutor(8) as pool:
            names = list(pool.map(read, groups[:8]))
        refresh(provider, groups[8:])
        assert names == [g["name"] for g in groups[:8]]
        assert endpoints(emu) == {TOKEN: 1, BADGE_LIST: pages(120)}


def test_diff_sends_no_request(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 50)
    provider = badge_provider(emulator)
    for group in groups:
        olds = badge_state(group)
        news = {k: olds[k] for k in ("name", "rank", "org", "adopt")}
        assert provider.diff(group["id"], olds, news).changes is False
        assert provider.diff(group["id"], olds, {**news, "rank": 99}).changes is True
    assert emulator.counters()["total"] == 0


# -- freshness ---------------------------------------------------------------------------------


def test_writes_keep_the_snapshot_right_without_listing_again(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 20)
    provider = badge_provider(emulator)
    provider.read(groups[0]["id"], badge_state(groups[0]))  # takes the listing
    assert endpoints(emulator) == {BADGE_LIST: 1}

    emulator.reset_counters()
    olds = badge_state(groups[1])
    news = provider.check(olds, {"name": "RENAMED", "rank": 42, "org": "default"}).inputs
    updated = provider.update(groups[1]["id"], olds, news)
    created = provider.create(provider.check({}, {"name": "NEW", "rank": 5, "org": "default"}).inputs)
    assert sorted(endpoints(emulator)) == ["POST /api_gateway/v1/badges/group", "PUT /api_gateway/v1/badges/group/{id}"]

    emulator.reset_counters()
    after_update = provider.read(groups[1]["id"], olds)
    after_create = provider.read(created.id, created.outs)
    assert (after_update.outs["name"], after_update.outs["rank"]) == ("RENAMED", 42)
    assert after_update.outs == updated.outs
    assert after_create.outs == created.outs
    assert emulator.counters()["total"] == 0  # answered from the snapshot the writes kept right


def test_an_update_that_failed_drops_the_entry_so_the_next_read_asks_by_id(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 3)
    provider = badge_provider(emulator)
    provider.read(groups[0]["id"], badge_state(groups[0]))
    emulator.set_faults([{"method": "PUT", "action": "status", "status": 400}])
    olds = badge_state(groups[1])
    with pytest.raises(ApiError) as refused:
        provider.update(groups[1]["id"], olds, {"name": "X", "rank": 1, "org": "default", "adopt": False})
    assert refused.value.status == 400
    emulator.reset_counters()
    assert provider.read(groups[1]["id"], olds).outs == olds
    assert endpoints(emulator) == {BADGE_GET: 1}


def test_a_reward_group_deactivated_by_destroy_reads_back_inactive_without_a_listing(emulator):
    groups = [emulator.create_reward_group(DEMO_ORG_ID, f"R{i}", i) for i in range(5)]
    provider = configured(RewardGroupProvider, capillary_config(emulator))
    provider.read(str(groups[0]["id"]), reward_state(groups[0]))
    provider.delete(str(groups[1]["id"]), reward_state(groups[1]))  # deactivates
    emulator.reset_counters()
    read = provider.read(str(groups[1]["id"]), reward_state(groups[1]))
    assert read.outs["active"] is False
    assert endpoints(emulator) == {REWARD_GET: 1}  # the entry was dropped: asked by id, not listed


def test_the_snapshot_expires_and_a_later_read_lists_again(emulator, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(snapshot, "now", lambda: clock[0])
    groups = seed_badges(emulator, DEMO_ORG_ID, 10)
    provider = badge_provider(emulator)
    provider.read(groups[0]["id"], badge_state(groups[0]))
    emulator.update_group("badge", DEMO_ORG_ID, groups[1]["id"], rank=77)

    clock[0] += snapshot.DEFAULT_TTL_SECONDS - 1  # still fresh: the listing answers
    assert provider.read(groups[1]["id"], badge_state(groups[1])).outs["rank"] == groups[1]["rank"]
    assert endpoints(emulator) == {BADGE_LIST: 1}

    clock[0] += 2  # expired: the next read lists again and sees the change
    assert provider.read(groups[2]["id"], badge_state(groups[2])).outs["rank"] == groups[2]["rank"]
    emulator.update_group("badge", DEMO_ORG_ID, groups[3]["id"], rank=78)
    clock[0] += snapshot.DEFAULT_TTL_SECONDS + 1
    assert provider.read(groups[3]["id"], badge_state(groups[3])).outs["rank"] == 78
    assert endpoints(emulator) == {BADGE_LIST: 3}


def test_the_ttl_comes_from_the_environment(emulator, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(snapshot, "now", lambda: clock[0])
    monkeypatch.setenv(snapshot.ENV_TTL, "2.5")
    groups = seed_badges(emulator, DEMO_ORG_ID, 3)
    provider = badge_provider(emulator)
    provider.read(groups[0]["id"], badge_state(groups[0]))
    clock[0] += 3
    provider.read(groups[1]["id"], badge_state(groups[1]))
    assert endpoints(emulator) == {BADGE_LIST: 2}


def test_a_second_read_of_the_same_group_lists_again_and_sees_drift(emulator):
    """The engine reads a resource once per operation: reading it again is a new question."""
    groups = seed_badges(emulator, DEMO_ORG_ID, 5)
    provider = badge_provider(emulator)
    first = provider.read(groups[0]["id"], badge_state(groups[0]))
    emulator.update_group("badge", DEMO_ORG_ID, groups[0]["id"], rank=55)
    second = provider.read(groups[0]["id"], first.outs)
    assert (first.outs["rank"], second.outs["rank"]) == (groups[0]["rank"], 55)
    assert endpoints(emulator) == {BADGE_LIST: 2}


# -- missing from the listing ------------------------------------------------------------------


@pytest.mark.parametrize("not_found_status", [404, 400])
def test_a_group_deleted_out_of_band_is_confirmed_by_one_get_and_dropped(not_found_status, capsys):
    with emulator_with(not_found_status=not_found_status) as emu:
        groups = seed_badges(emu, DEMO_ORG_ID, 150)
        emu.delete_group("badge", DEMO_ORG_ID, groups[7]["id"])
        provider = badge_provider(emu)
        provider.read(groups[0]["id"], badge_state(groups[0]))
        capsys.readouterr()
        gone = provider.read(groups[7]["id"], badge_state(groups[7]))
        assert gone.id is None and gone.outs == {}
        # the listing missed it and a GET said not-found: gone, without a second listing
        assert endpoints(emu) == {BADGE_LIST: pages(149), BADGE_GET: 1}
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and groups[7]["id"] in lines[0] and "no longer exists" in lines[0]


def test_a_group_created_out_of_band_after_the_listing_is_found_by_id(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 3)
    provider = badge_provider(emulator)
    provider.read(groups[0]["id"], badge_state(groups[0]))
    late = emulator.create_badge_group(DEMO_ORG_ID, "LATE", 9)
    read = provider.read(late["id"], badge_state(late))
    assert read.id == late["id"] and wire_mismatches(read.outs, late) == {}
    assert endpoints(emulator) == {BADGE_LIST: 1, BADGE_GET: 1}


def test_a_not_found_is_never_trusted_alone_even_with_the_snapshot_off(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 2)
    emulator.set_faults([{"method": "GET", "path": f"/group/{groups[1]['id']}$", "action": "status", "status": 404}])
    read = badge_provider(emulator, readSnapshot="false").read(groups[1]["id"], badge_state(groups[1]))
    assert read.id == groups[1]["id"]
    assert endpoints(emulator) == {BADGE_GET: 1, BADGE_LIST: 1}


def test_a_failed_listing_is_an_error_and_the_next_read_lists_again(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 3)
    provider = badge_provider(emulator)
    emulator.set_faults([{"method": "GET", "path": "/badges/group$", "action": "status", "status": 403}])
    with pytest.raises(ApiError) as caught:
        provider.read(groups[0]["id"], badge_state(groups[0]))
    assert caught.value.status == 403 and "list badge groups" in str(caught.value)
    assert provider.read(groups[0]["id"], badge_state(groups[0])).id == groups[0]["id"]
    assert endpoints(emulator) == {BADGE_LIST: 2}


# -- the switch ---------------------------------------------------------------------------------


def test_the_environment_switch_turns_it_off_and_stack_config_wins(emulator, monkeypatch):
    groups = seed_badges(emulator, DEMO_ORG_ID, 4)
    monkeypatch.setenv(snapshot.ENV_SWITCH, "0")
    refresh(badge_provider(emulator), groups[:2])
    assert endpoints(emulator) == {BADGE_GET: 2}
    emulator.reset_counters()
    refresh(badge_provider(emulator, readSnapshot="true"), groups[2:])
    assert endpoints(emulator) == {BADGE_LIST: 1}


def test_an_unreadable_switch_warns_once_and_keeps_the_snapshot_on(emulator, capsys):
    groups = seed_badges(emulator, DEMO_ORG_ID, 2)
    rewards = [emulator.create_reward_group(DEMO_ORG_ID, f"R{i}", i) for i in range(2)]
    config = capillary_config(emulator, readSnapshot="sometimes")
    badge, reward = configured(BadgeGroupProvider, config), configured(RewardGroupProvider, config)
    refresh(badge, groups)
    refresh(reward, rewards, reward_state)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "readSnapshot" in line]
    assert len(warnings) == 1 and "capillary:readSnapshot must be true or false" in warnings[0]
    # Both kinds keep the snapshot on: one listing each (a reward listing: active, then inactive).
    assert endpoints(emulator) == {BADGE_LIST: 1, REWARD_LIST: 2}


# -- adoption (the first `up` after `export`) ------------------------------------------------


def test_adopting_n_existing_groups_costs_one_listing_not_one_per_group(emulator):
    groups = seed_badges(emulator, DEMO_ORG_ID, 150)  # ranks i % 7, declared with the same ranks
    provider = badge_provider(emulator)
    for group in groups:
        inputs = provider.check({}, {"name": group["name"], "rank": group["rank"], "adopt": True}).inputs
        assert provider.create(inputs).id == group["id"]
    # The run's one listing before its first create shows every name taken: nothing is sent to
    # find that out, and the same listing serves every adoption (declared ranks are live already).
    assert endpoints(emulator) == {BADGE_LIST: pages(150)}


def test_a_group_newer_than_the_listing_is_still_found_for_adoption(emulator):
    seed_badges(emulator, DEMO_ORG_ID, 3)
    provider = badge_provider(emulator)
    first = emulator.badge_groups(DEMO_ORG_ID)[0]
    provider.create(provider.check({}, {"name": first["name"], "rank": first["rank"], "adopt": True}).inputs)
    late = emulator.create_badge_group(DEMO_ORG_ID, "LATE", 1)  # made after the listing was taken
    adopted = provider.create(provider.check({}, {"name": "LATE", "rank": 1, "adopt": True}).inputs)
    assert adopted.id == late["id"]
    assert endpoints(emulator)[BADGE_LIST] == 2  # the listing, then a direct one that finds it
