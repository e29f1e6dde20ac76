"""The load run: many creates and updates across several OAuth orgs through the real provider
process, 4 calls at a time (the engine's 4 workers), against an emulator that rate-limits each
credential. Shared by ``test_rate_limit_and_tokens.py`` and ``scripts/reliability_report.py``.

Time is scaled by 10: the vendor's 60 requests per 60 s become 60 per 6 s, and the client's
``requestsPerMinute`` is scaled the same way. The client's limiter is a token bucket sized for
60-second windows (a burst of a tenth of the limit, the rest spread over the minute), so in any
6 s window it sends at most a tenth plus 0.9 x 6/60 of its limit, 0.19 x 270 = 51 requests: under
the vendor's 60, with room for requests that arrive later than they were sent. So with the
limiter the vendor never answers 429; without it, 4 workers bounce off the limit at once.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from tests.support.provider_process import ProviderProcess, provider_prop, secret

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
REWARD = "pulumi-python:dynamic/capillary:RewardGroup"
ORGS = {f"brand-{n}": (400000 + n, f"load-key-{n}", f"load-secret-{n}") for n in range(1, 5)}
WINDOW_SECONDS = 6.0
VENDOR_LIMIT = 60
CLIENT_REQUESTS_PER_MINUTE = 270  # 27 at once, then 4.05 a second: <= 51 in any 6 s window
GROUPS_PER_ORG = 50  # half badge, half reward groups
NEW_RANK = 7


@dataclass
class LoadRun:
    plan: list[tuple[str, str, str]] = field(default_factory=list)  # (org, kind, name)
    created: list[tuple[str, dict]] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    live: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)  # org -> name -> (id, rank)
    counters: dict = field(default_factory=dict)
    printed: str = ""
    seconds: float = 0.0


def run() -> LoadRun:
    from pulumi_groups.emulator import Emulator

    result = LoadRun()
    with Emulator(rate_limit_per_minute=VENDOR_LIMIT, rate_limit_window_seconds=WINDOW_SECONDS) as emu:
        for org_id, key, client_secret in ORGS.values():
            emu.add_capillary_org(org_id, client_key=key, client_secret=client_secret)
        orgs = {name: {"host": emu.url, "clientKey": key, "clientSecret": s} for name, (_, key, s) in ORGS.items()}
        proc = ProviderProcess()
        try:
            proc.configure(
                {
                    "capillary:orgs": secret(json.dumps(orgs)),
                    "capillary:requestsPerMinute": str(CLIENT_REQUESTS_PER_MINUTE),
                }
            )
            result.plan = [
                (org, kind, f"{kind}-{org}-{i:02d}")
                for i in range(GROUPS_PER_ORG // 2)
                for org in ORGS
                for kind in ("badge", "reward")
            ]
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=4) as pool:
                result.created = list(pool.map(lambda item: _create(proc, *item), result.plan))
                result.updated = list(
                    pool.map(lambda pair: _update(proc, *pair), zip(result.plan, result.created, strict=True))
                )
            result.seconds = time.monotonic() - started
        finally:
            result.printed = proc.printed()
            proc.close()
        result.counters = emu.counters()
        for org, (org_id, _, _) in ORGS.items():
            groups = emu.badge_groups(org_id) + emu.reward_groups(org_id)
            result.live[org] = {g["name"]: (str(g["id"]), g["rank"]) for g in groups}
    return result


def _create(proc: ProviderProcess, org: str, kind: str, name: str) -> tuple[str, dict]:
    provider = BadgeGroupProvider() if kind == "badge" else RewardGroupProvider()
    news = {"__provider": provider_prop(provider), "name": name, "rank": 3.0, "org": org}
    token = BADGE if kind == "badge" else REWARD
    inputs, failures = proc.check(token, name, {}, news)
    assert failures == [], failures
    return proc.create(token, name, inputs)


def _update(proc: ProviderProcess, item: tuple[str, str, str], created: tuple[str, dict]) -> dict:
    _, kind, name = item
    group_id, outs = created
    token = BADGE if kind == "badge" else REWARD
    return proc.update(token, name, group_id, outs, {**outs, "rank": float(NEW_RANK)})
