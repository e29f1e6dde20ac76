"""Rate limits and OAuth tokens under load: the real provider process with the engine's 4
concurrent calls, and token renewal inside one process."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_groups.capillary import BadgeGroupProvider
from pulumi_groups.capillary import client as capillary_client
from pulumi_groups.capillary.auth import OAuthAuth
from pulumi_groups.emulator import Emulator
from pulumi_groups.http import registry
from tests.support.clocks import ControlledClock

from . import load
from .scenarios import ORG_ID, configured, declaration, stack_config


def test_200_creates_and_200_updates_across_4_orgs_under_a_60_per_minute_limit():
    """200 creates (25 badge + 25 reward groups per org), then an update of each, through the
    real provider process, 4 calls at a time as the engine's 4 workers make them, against an
    emulator that allows each credential 60 requests per window.

    Scaling (see ``load.py``): the window is 6 s instead of 60 and the client's
    ``requestsPerMinute`` is 270, whose bucket never sends more than 51 in any 6 s window. So the
    vendor never answers 429: the client's own limiter is what keeps refusals away (without it the
    4 workers are refused within the first window). Retries would absorb a 429 (a create
    included, a 429 being certain not to have acted), but none comes.

    Per org: 1 token fetch + its listings + 50 creates + 50 updates, more than one window allows,
    so the limit is met in every org. Exactly one token fetch per org: the token lives an hour,
    longer than the run (renewal within a lifetime: the tests below)."""
    run = load.run()
    counters = run.counters
    for org, (_, key, _) in load.ORGS.items():
        mine = {name: group_id for (o, _, name), (group_id, _) in zip(run.plan, run.created, strict=True) if o == org}
        assert len(mine) == load.GROUPS_PER_ORG
        assert {name: gid for name, (gid, _) in run.live[org].items()} == mine  # none missing, none extra
        assert {rank for _, rank in run.live[org].values()} == {load.NEW_RANK}
        assert counters["token_fetches"].get(key) == 1, counters["token_fetches"]
    assert all(outs["rank"] == load.NEW_RANK for outs in run.updated)
    # Nothing sent twice except what a 429 refused: 4 tokens, one listing per org and kind before
    # its first create (4 badge pages; 8 reward pages, the active and the inactive filter), 200
    # POSTs, 200 PUTs.
    assert counters["total"] == 4 + 4 + 8 + 200 + 200 + counters["rate_limited"], counters
    # The client's own limiter keeps the vendor from refusing anything.
    assert counters["rate_limited"] == 0, counters["rate_limited"]
    assert "Traceback" not in run.printed


@pytest.fixture
def emu_short_tokens():
    registry.clear()
    with Emulator(capillary_token_ttl=2) as emulator:
        yield emulator
    registry.clear()


def test_four_threads_that_need_a_token_fetch_one_together(emu_short_tokens):
    """No stampede: 4 concurrent calls of one org with no token, then with an expired one
    (the emulator answers 498 to all four), each time fetch exactly one token."""
    emu = emu_short_tokens
    provider = configured(BadgeGroupProvider, stack_config(emu, "oauth", timeoutSeconds=5))
    barrier = threading.Barrier(4)

    def create(name: str) -> str:
        checked = provider.check({}, declaration("badge", name))
        barrier.wait()
        return provider.create(checked.inputs).id

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = list(pool.map(create, [f"first-{i}" for i in range(4)]))
        assert emu.counters()["token_fetches"] == {"demo-client-key": 1}
        emu.expire_tokens()
        second = list(pool.map(create, [f"second-{i}" for i in range(4)]))
    assert emu.counters()["token_fetches"] == {"demo-client-key": 2}
    assert sorted(str(g["id"]) for g in emu.badge_groups(ORG_ID)) == sorted(first + second)


def test_short_lived_tokens_are_renewed_before_they_expire(monkeypatch):
    """Tokens that live 100 s are renewed a tenth of their life early (not 60 s early, which
    would mean a new token for nearly every request), and no request is sent with an expired
    one: the vendor sees exactly one request per create plus the token fetches and the org's
    one listing before the first create. The provider's
    token clock is one the test moves (10 s per create); the emulator's tokens outlive the run."""
    clock = ControlledClock()
    monkeypatch.setattr(capillary_client, "OAuthAuth", lambda key, secret: OAuthAuth(key, secret, clock=clock))
    registry.clear()
    with Emulator(capillary_token_ttl=100) as emu:
        provider = configured(BadgeGroupProvider, stack_config(emu, "oauth", timeoutSeconds=5))
        for i in range(20):  # t = 0, 10, ..., 190: a token at 0, 90 and 180
            checked = provider.check({}, declaration("badge", f"g-{i}"))
            provider.create(checked.inputs)
            clock.now += 10
        counters = emu.counters()
    registry.clear()
    assert counters["token_fetches"] == {"demo-client-key": 3}
    assert counters["total"] == 20 + 3 + 1 and counters["faults_fired"] == 0
