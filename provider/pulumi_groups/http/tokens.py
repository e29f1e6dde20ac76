"""Access tokens shared by every thread of the provider process: the part both vendors share.

One token per credential (the auth object lives in the registry), fetched by one thread at a
time while the others wait and reuse it, so 4 workers that find it expired together make one
fetch, not four. A token is renewed shortly before it expires (``renew_margin_seconds``, or a
``renew_margin_fraction`` of a short lifetime, so a short-lived token is not renewed on every
request), and after the vendor refused it. How a token is fetched, sent and recognised as
refused is the vendor's (``fetch``, ``attach``, ``rejected``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_groups.http.transport import Transport

Credentials = tuple[dict[str, str], dict[str, str]]  # headers, query params


class TokenAuth:
    renew_margin_seconds: float = 60.0
    renew_margin_fraction: float = 0.1

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.tokens_fetched = 0

    # -- the vendor's part ------------------------------------------------------------------------
    def fetch(self, transport: Transport) -> tuple[str, float]:
        """A new token and its lifetime in seconds."""
        raise NotImplementedError

    def attach(self, token: str) -> Credentials:
        raise NotImplementedError

    def rejected(self, response: Any, body: Any) -> bool:
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"{type(self).__name__}(<credentials and token hidden>)"

    def _current(self) -> str | None:
        token = self._token
        return token if token and self._clock() < self._renew_at else None

    def credentials(self, transport: Transport) -> Credentials:
        token = self._current()
        if token is None:
            with self._lock:  # the other threads wait here and reuse what the first one fetched
                token = self._current()
                if token is None:
                    token, ttl = self.fetch(transport)
                    margin = min(self.renew_margin_seconds, ttl * self.renew_margin_fraction)
                    self._token, self._renew_at = token, self._clock() + ttl - margin
                    self.tokens_fetched += 1
        return self.attach(token)

    def invalidate(self, used: Credentials) -> None:
        with self._lock:
            if self._token is not None and used == self.attach(self._token):  # not renewed meanwhile
                self._token = None


def lifetime(value: Any, default: float) -> float:
    """A token answer's lifetime field; ``default`` when missing or not a positive number."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if seconds > 0 else default
