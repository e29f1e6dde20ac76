"""Per-credential sliding-window rate limit (Capillary: per API key per minute [doc])."""

from __future__ import annotations

import collections
import threading
import time


class SlidingWindowLimiter:
    def __init__(self, limit: int | None, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._lock = threading.Lock()
        self._recent: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def admit(self, key: str) -> float | None:
        """None when the request may proceed (it then uses a slot); otherwise the seconds until
        the oldest slot in the window frees. A refused request uses no slot."""
        if self.limit is None:
            return None
        now = time.monotonic()
        with self._lock:
            recent = self._recent[key]
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) < self.limit:
                recent.append(now)
                return None
            return recent[0] + self.window - now
