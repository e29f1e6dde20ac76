"""`Backend`: what the HTTP side (pipeline, routes, admin endpoints) works on: the vendors' state
and the knobs around it, with nothing of the server's lifecycle. `Emulator` (server.py) builds
one and hands it to the HTTP server; a test can serve one without an `Emulator`.

This module imports only leaf modules, so the route modules can import it for real.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pulumi_groups.emulator.counters import Counters
from pulumi_groups.emulator.credentials import Credentials
from pulumi_groups.emulator.faults import FaultPlan
from pulumi_groups.emulator.options import Options
from pulumi_groups.emulator.ratelimit import SlidingWindowLimiter
from pulumi_groups.emulator.store import Store


@dataclass
class Backend:
    options: Options
    credentials: Credentials  # who may call (empty until orgs and apps are added)
    store: Store  # the groups and tokens; its lock makes each request atomic
    metrics: Counters
    faults: FaultPlan
    limiter: SlidingWindowLimiter  # per credential, from the options' rate limit

    @classmethod
    def build(cls, options: Options | None = None, state_file: str | os.PathLike | None = None) -> Backend:
        options = options or Options()
        return cls(
            options=options,
            credentials=Credentials(),
            store=Store(state_file),
            metrics=Counters(),
            faults=FaultPlan(),
            limiter=SlidingWindowLimiter(options.rate_limit_per_minute, options.rate_limit_window_seconds),
        )
