"""Capillary authentication: Basic with the MD5-hashed password, or OAuth tokens per org."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from pulumi_groups.capillary import guesses
from pulumi_groups.errors import ApiError
from pulumi_groups.http.records import as_int
from pulumi_groups.http.tokens import Credentials, TokenAuth, lifetime

if TYPE_CHECKING:
    from pulumi_groups.http.transport import Transport

TOKEN_PATH = "/v3/oauth/token/generate"


class BasicAuth:
    """``Authorization: Basic base64(user:md5hex(password))`` [doc]."""

    def __init__(self, username: str, password: str) -> None:
        digest = hashlib.md5(password.encode("utf-8")).hexdigest()
        self._header = "Basic " + base64.b64encode(f"{username}:{digest}".encode()).decode()

    def __repr__(self) -> str:
        return "BasicAuth(<hidden>)"

    def credentials(self, transport: Transport) -> tuple[dict[str, str], dict[str, str]]:
        return {"Authorization": self._header}, {}

    def rejected(self, response: Any, body: Any) -> bool:
        return False  # a fresh Basic header is the same header: nothing to retry

    def invalidate(self, used: Any) -> None:
        pass


class OAuthAuth(TokenAuth):
    """A token per org from the client key and secret, sent as ``X-CAP-API-OAUTH-TOKEN``.

    There is no refresh token [doc]: a new one is generated shortly before the cached one
    expires, or after the API answered 401 (invalid) or 498 (expired).
    """

    renew_margin_seconds = guesses.TOKEN_RENEW_MARGIN_SECONDS

    def __init__(self, client_key: str, client_secret: str, clock=time.monotonic) -> None:
        super().__init__(clock)
        self._client_key = client_key
        self._client_secret = client_secret
        self.org_id: int | None = None  # the org the token is for (its org_id claim [doc])

    def fetch(self, transport: Transport) -> tuple[str, float]:
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
            raise ApiError(
                transport.context("generate OAuth token", method="POST", path=TOKEN_PATH),
                message="the answer holds no accessToken",
                status=answer.status,
                request_id=answer.request_id,
            )
        self.org_id = _org_claim(token) or self.org_id
        return token, lifetime(data.get("ttlSeconds"), 3600.0)

    def attach(self, token: str) -> Credentials:
        return {"X-CAP-API-OAUTH-TOKEN": token}, {}

    def rejected(self, response: Any, body: Any) -> bool:
        return response.status_code in guesses.TOKEN_REJECTED_STATUSES


def _org_claim(token: str) -> int | None:
    """The ``org_id`` claim of a Capillary JWT (read, not verified: the vendor verifies it; it
    only tells the provider which org the credentials reach). None when it is not there."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, TypeError):
        return None
    return as_int(claims.get("org_id")) if isinstance(claims, dict) else None
