"""Request counters: what tests and benchmarks assert about a client's traffic."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

ANONYMOUS = "anonymous"


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Condition()  # notified whenever a request ends
        self._in_flight = 0  # requests being handled now (not reset: they are still running)
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

    def began(self) -> None:
        """A vendor request is being handled (from its arrival, before any fault or latency)."""
        with self._lock:
            self._in_flight += 1

    def ended(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._lock.notify_all()

    def wait_until(self, condition: Callable[[dict], bool], timeout: float | None) -> bool:
        """Block until ``condition(snapshot)`` holds, checked now and each time a request ends
        (e.g. a create sleeping in a "delay" fault has landed); False when ``timeout`` passed."""
        with self._lock:
            return self._lock.wait_for(lambda: condition(self._snapshot()), timeout)

    def snapshot(self) -> dict:
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> dict:
        return {
            "total": self._total,
            "by_endpoint": dict(self._by_endpoint),
            "by_credential": dict(self._by_credential),
            "token_fetches": dict(self._token_fetches),
            "faults_fired": self._faults_fired,
            "rate_limited": self._rate_limited,
            "in_flight": self._in_flight,
        }
