"""Capillary authentication: Basic with the MD5-hashed password, or OAuth tokens per org."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from typing import TYPE_CHECKING, Any

from . import guesses

if TYPE_CHECKING:
    from ..transport import Transport

TOKEN_PATH = "/v3/oauth/token/generate"


class BasicAuth:
    """``Authorization: Basic base64(user:md5hex(password))`` [doc]."""

    def __init__(self, username: str, password: str) -> None:
        digest = hashlib.md5(password.encode("utf-8")).hexdigest()
        self._header = "Basic " + base64.b64encode(f"{username}:{digest}".encode()).decode()

    def __repr__(self) -> str:
        return "BasicAuth(<hidden>)"

    def credentials(self, transport: "Transport") -> tuple[dict[str, str], dict[str, str]]:
        return {"Authorization": self._header}, {}

    def rejected(self, response: Any, body: Any) -> bool:
        return False  # a fresh Basic header is the same header: nothing to retry

    def invalidate(self, used: Any) -> None:
        pass


class OAuthAuth:
    """A token per org, fetched by one thread at a time and shared by all of them.

    There is no refresh token [doc]: a new one is generated when the cached one is within
    ``TOKEN_RENEW_MARGIN_SECONDS`` of expiry (a tenth of its lifetime for tokens shorter than ten
    times that margin, so a short-lived token is not renewed on every request), or after the API
    answered 401/498.
    """

    def __init__(self, client_key: str, client_secret: str, clock=time.monotonic) -> None:
        self._client_key = client_key
        self._client_secret = client_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return "OAuthAuth(<hidden>)"

    def _current(self) -> str | None:
        token = self._token
        if token and self._clock() < self._renew_at:
            return token
        return None

    def credentials(self, transport: "Transport") -> tuple[dict[str, str], dict[str, str]]:
        token = self._current()
        if token is None:
            with self._lock:  # the other threads wait here and reuse what the first one fetched
                token = self._current() or self._fetch(transport)
        return {"X-CAP-API-OAUTH-TOKEN": token}, {}

    def _fetch(self, transport: "Transport") -> str:
        answer = transport.request(
            "POST",
            TOKEN_PATH,
            operation="generate OAuth token",
            json_body={"key": self._client_key, "secret": self._client_secret},
            authenticated=False,
        )
        data = (answer.body or {}).get("data") or {}
        token = data.get("accessToken")
        if not token:
            from ..errors import ApiError

            raise ApiError(
                transport.context("generate OAuth token", method="POST", path=TOKEN_PATH),
                answer.status,
                None,
                "the answer holds no accessToken",
                answer.request_id,
            )
        ttl = _ttl(data.get("ttlSeconds"))
        margin = min(guesses.TOKEN_RENEW_MARGIN_SECONDS, ttl / 10)
        self._token, self._renew_at = token, self._clock() + ttl - margin
        self.tokens_fetched += 1
        return token

    def rejected(self, response: Any, body: Any) -> bool:
        return response.status_code in guesses.TOKEN_REJECTED_STATUSES

    def invalidate(self, used: tuple[dict[str, str], dict[str, str]]) -> None:
        with self._lock:
            if used[0].get("X-CAP-API-OAUTH-TOKEN") == self._token:
                self._token = None


def _ttl(value: Any) -> float:
    """``ttlSeconds`` of a token answer; an hour when it is missing or not a positive number."""
    try:
        ttl = float(value)
    except (TypeError, ValueError):
        return 3600.0
    return ttl if ttl > 0 else 3600.0
