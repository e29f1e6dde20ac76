"""A client-side request budget per credential, shared by every thread of the provider process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Token bucket that never lets any 60-second window exceed ``requests_per_minute``.

    A bucket of capacity B refilled at r per minute can send at most B + r requests in any
    minute, so the refill rate is the ceiling minus a small burst allowance. Vendors count in a
    (sliding or fixed) minute per key, so staying under the ceiling in *every* window is what
    keeps a large ``pulumi up`` from bouncing off 429s.

    Small rates (``deploy`` splits a budget between stacks, so 0.5 happens) are honoured exactly:
    the burst is one request and below 2 a minute requests are spaced evenly, one every
    ``60 / requests_per_minute`` seconds at most (below 1 a minute, more than a minute apart),
    so no window of that length ever holds two.
    """

    def __init__(
        self,
        requests_per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        self.requests_per_minute = float(requests_per_minute)
        self.capacity = max(1.0, self.requests_per_minute // 10)
        # Refill at the ceiling minus the burst; where that leaves less than one a minute, the
        # one-request burst is the whole allowance: spacing 60/rpm s (at most one a minute).
        refill_per_minute = max(self.requests_per_minute - self.capacity, min(self.requests_per_minute, 1.0))
        self._per_second = refill_per_minute / 60.0
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    def acquire(self) -> float:
        """Take one request slot, sleeping until there is one. Returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self._per_second)
            self._updated = now
            self._tokens -= 1.0
            # A negative balance is a queue position: this caller waits its turn while later
            # callers queue behind it without holding the lock.
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self._per_second
            self.waited_seconds += wait
        if wait > 0:
            self._sleep(wait)
        return wait
