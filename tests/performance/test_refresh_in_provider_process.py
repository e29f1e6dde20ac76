"""Layer 3: the real provider process (``python -m pulumi.dynamic``) refreshing an org as the
engine does, with 4 Read calls in flight: one listing per 100 groups, not one GET per group."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_ORG_ID, FAST
from tests.support.provider_process import DIFF_NONE, ProviderProcess, provider_prop, secret

from .helpers import BADGE_GET, BADGE_LIST, badge_state, emulator_with, endpoints, pages, seed_badges

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
ENGINE_WORKERS = 4  # the dynamic provider's gRPC server runs 4 calls at a time


@pytest.fixture
def slow_emulator():
    # A little latency, so the 4 first reads really do arrive while the listing is in flight.
    with emulator_with(latency=0.02) as emu:
        yield emu


def start(emu, **extra) -> ProviderProcess:
    proc = ProviderProcess()
    orgs = {"default": {"host": emu.url, **DEMO_BASIC}}
    proc.configure({"capillary:orgs": secret(json.dumps(orgs)), "capillary:requestsPerMinute": FAST, **extra})
    return proc


def state_of(group: dict) -> dict:
    return {"__provider": provider_prop(BadgeGroupProvider()), **badge_state(group)}


def read_all(proc: ProviderProcess, groups: list[dict]) -> list[tuple[str, dict, dict]]:
    with ThreadPoolExecutor(ENGINE_WORKERS) as pool:
        return list(pool.map(lambda g: proc.read(BADGE, g["name"], g["id"], state_of(g)), groups))


def test_250_groups_read_four_at_a_time_cost_three_listing_requests(slow_emulator):
    groups = seed_badges(slow_emulator, DEMO_ORG_ID, 250)
    proc = start(slow_emulator)
    try:
        results = read_all(proc, groups)
    finally:
        proc.close()
    assert [(r[0], r[1]["name"], r[1]["rank"]) for r in results] == [(g["id"], g["name"], g["rank"]) for g in groups]
    assert endpoints(slow_emulator) == {BADGE_LIST: pages(250)}


def test_no_change_diffs_send_nothing_and_naive_mode_gets_each_group(slow_emulator):
    groups = seed_badges(slow_emulator, DEMO_ORG_ID, 40)
    proc = start(slow_emulator, **{"capillary:readSnapshot": "false"})
    try:
        for group in groups:
            outs = state_of(group)
            news = {k: outs[k] for k in ("__provider", "name", "rank", "org", "adopt")}
            assert proc.diff(BADGE, group["name"], group["id"], outs, news).changes == DIFF_NONE
        assert slow_emulator.counters()["total"] == 0
        read_all(proc, groups)
    finally:
        proc.close()
    assert endpoints(slow_emulator) == {BADGE_GET: 40}
