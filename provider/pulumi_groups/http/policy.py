"""How patient one request is: retry counts, backoff, time budget and timeouts.

Plain numbers, apart from ``transport`` so that settings can be read (at ``configure``, at
preview) without importing ``requests`` and ``urllib3``: the provider process loads those on its
first HTTP call, and a preview with no changes never makes one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5
    backoff_factor: float = 0.5  # urllib3's: retries wait 0, 2b, 4b, 8b, 16b (+ up to b of jitter)
    backoff_max: float = 20.0
    retry_after_max: int = 30  # one Retry-After answer must not park one of the 4 workers for long
    budget_seconds: float = 90.0  # time spent retrying one request, from its first failure


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0

