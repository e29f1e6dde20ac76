"""Request counters: what tests and benchmarks assert about a client's traffic."""

from __future__ import annotations

import threading
from collections import Counter

ANONYMOUS = "anonymous"


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._by_endpoint: Counter = Counter()
            self._by_credential: Counter = Counter()
            self._token_fetches: Counter = Counter()
            self._faults_fired = 0
            self._rate_limited = 0

    def request(self, endpoint: str, credential: str | None) -> None:
        """One vendor request; endpoint is "METHOD /route/{template}"."""
        with self._lock:
            self._total += 1
            self._by_endpoint[endpoint] += 1
            self._by_credential[credential or ANONYMOUS] += 1

    def token_fetched(self, credential: str) -> None:
        with self._lock:
            self._token_fetches[credential] += 1

    def fault_fired(self) -> None:
        with self._lock:
            self._faults_fired += 1

    def rate_limited(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "total": self._total,
                "by_endpoint": dict(self._by_endpoint),
                "by_credential": dict(self._by_credential),
                "token_fetches": dict(self._token_fetches),
                "faults_fired": self._faults_fired,
                "rate_limited": self._rate_limited,
            }
