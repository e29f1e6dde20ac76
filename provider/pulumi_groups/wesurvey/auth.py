"""WeSurvey access tokens: one per appid, shared by every thread and account of the process.

Requesting a token invalidates the previous one [doc], so a token is fetched only when there is
none, when it is about to expire, or when the API refused it; and only by one thread at a time
(the others wait and reuse it). The token and, on the token call, the secret travel as QUERY
parameters: they must never reach a message, which is why errors are built from the path alone
(see ``transport``) and ``repr`` hides them here.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ApiError
from . import guesses

if TYPE_CHECKING:
    from ..transport import Transport

TOKEN_PATH = "/api/oauth2/access_token"


def read_envelope(body: Any) -> tuple[str, str, str]:
    """``(code, error.type, message)`` of the ``{"code", "error": {"type"}, "data",
    "request_id"}`` envelope every answer shares (the token answer too); blanks when absent."""
    if not isinstance(body, dict):
        return "", "", ""
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    message = error.get("message") or body.get("message") or ""
    return str(body.get("code") or ""), str(error.get("type") or ""), str(message)


class TokenAuth:
    """``appid`` + ``access_token`` query parameters, with the token fetched from the secret."""

    def __init__(self, app_id: str, secret: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._app_id = app_id
        self._secret = secret
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return f"TokenAuth(app_id={self._app_id!r}, <secret and token hidden>)"

    def _current(self) -> str | None:
        return self._token if self._token and self._clock() < self._renew_at else None

    def credentials(self, transport: "Transport") -> tuple[dict[str, str], dict[str, str]]:
        token = self._current()
        if token is None:
            with self._lock:  # the other threads wait here and reuse what the first one fetched
                token = self._current() or self._fetch(transport)
        return {}, {"appid": self._app_id, "access_token": token}

    def _fetch(self, transport: "Transport") -> str:
        answer = transport.request(
            "GET",
            TOKEN_PATH,
            operation="get access token",
            params={"appid": self._app_id, "secret": self._secret, "grant_type": "client_credential"},
            authenticated=False,
        )
        data = (answer.body or {}).get("data") if isinstance(answer.body, dict) else None
        token = (data or {}).get("access_token")
        if not token:
            raise ApiError(
                transport.context("get access token", method="GET", path=TOKEN_PATH),
                answer.status,
                None,
                "the answer holds no data.access_token",
                answer.request_id,
            )
        try:
            ttl = float(data.get("expires_in") or guesses.TOKEN_DEFAULT_TTL_SECONDS)
        except (TypeError, ValueError):
            ttl = guesses.TOKEN_DEFAULT_TTL_SECONDS
        margin = min(guesses.TOKEN_RENEW_MARGIN_SECONDS, ttl * guesses.TOKEN_RENEW_MARGIN_FRACTION)
        self._token, self._renew_at = str(token), self._clock() + ttl - margin
        self.tokens_fetched += 1
        return self._token

    def rejected(self, response: Any, body: Any) -> bool:
        code, error_type, _ = read_envelope(body)
        return (
            response.status_code in guesses.TOKEN_REJECTED_STATUSES
            or code in guesses.TOKEN_REJECTED_CODES
            or guesses.TOKEN_REJECTED_TYPE_WORD in error_type.lower()
        )

    def invalidate(self, used: tuple[dict[str, str], dict[str, str]]) -> None:
        with self._lock:
            if used[1].get("access_token") == self._token:  # another thread may have renewed it
                self._token = None
