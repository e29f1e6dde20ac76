"""WeSurvey access tokens: one per appid, shared by every thread and account of the process.

Requesting a token invalidates the previous one [doc], so a token is fetched only when there is
none, when it is about to expire, or when the API refused it; and only by one thread at a time
(the others wait and reuse it). The token and, on the token call, the secret travel as QUERY
parameters: they must never reach a message, which is why errors are built from the path alone
(see ``transport``) and ``repr`` hides them here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pulumi_groups.errors import ApiError
from pulumi_groups.http.tokens import Credentials, TokenAuth, lifetime
from pulumi_groups.wesurvey import guesses

if TYPE_CHECKING:
    from pulumi_groups.http.transport import Transport

TOKEN_PATH = "/api/oauth2/access_token"


def read_envelope(body: Any) -> tuple[str, str, str]:
    """``(code, error.type, message)`` of the ``{"code", "error": {"type"}, "data",
    "request_id"}`` envelope every answer shares (the token answer too); blanks when absent."""
    if not isinstance(body, dict):
        return "", "", ""
    error = body["error"] if isinstance(body.get("error"), dict) else {}
    message = error.get("message") or body.get("message") or ""
    return str(body.get("code") or ""), str(error.get("type") or ""), str(message)


class AccessTokenAuth(TokenAuth):
    """``appid`` + ``access_token`` query parameters, with the token fetched from the secret."""

    renew_margin_seconds = guesses.TOKEN_RENEW_MARGIN_SECONDS
    renew_margin_fraction = guesses.TOKEN_RENEW_MARGIN_FRACTION

    def __init__(self, app_id: str, secret: str, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self._app_id = app_id
        self._secret = secret

    def fetch(self, transport: Transport) -> tuple[str, float]:
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
                message="the answer holds no data.access_token",
                status=answer.status,
                request_id=answer.request_id,
            )
        return str(token), lifetime((data or {}).get("expires_in"), guesses.TOKEN_DEFAULT_TTL_SECONDS)

    def attach(self, token: str) -> Credentials:
        return {}, {"appid": self._app_id, "access_token": token}

    def rejected(self, response: Any, body: Any) -> bool:
        code, error_type, _ = read_envelope(body)
        return (
            response.status_code in guesses.TOKEN_REJECTED_STATUSES
            or code in guesses.TOKEN_REJECTED_CODES
            or guesses.TOKEN_REJECTED_TYPE_WORD in error_type.lower()
        )
