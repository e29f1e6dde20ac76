"""What every Capillary endpoint shares: error styles, Basic/OAuth authentication and the OAuth
token endpoint. Badge and reward groups live in badges.py and rewards.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import TYPE_CHECKING

from pulumi_groups.emulator import guesses
from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.errors import BadRequest, CapillaryError, VendorError
from pulumi_groups.emulator.routing import AuthOutcome, Call, Route, Style
from pulumi_groups.emulator.wire import Request, Response, constant_time_equal, new_request_id

if TYPE_CHECKING:
    from pulumi_groups.emulator.credentials import OAuthClient

OAUTH_TOKEN_PATH = "/v3/oauth/token/generate"
OAUTH_TOKEN_HEADER = "x-cap-api-oauth-token"
INVALID_CLIENT = (320001, "Invalid client key and secret")


# --------------------------------------------------------------------------------------------
# Error styles
# --------------------------------------------------------------------------------------------


class CapillaryStyle(Style):
    def error_body(self, items: list[tuple[int, str]]) -> dict:
        raise NotImplementedError

    def error_response(self, error: VendorError) -> Response:
        if isinstance(error, CapillaryError):
            style = GATEWAY if error.gateway else self
            return Response(error.status, style.error_body(error.items))
        if isinstance(error, BadRequest):
            item = (guesses.CAPILLARY_BAD_REQUEST_CODE, error.message)
            return Response(400, self.error_body([item]))
        raise TypeError(f"not a Capillary error: {error!r}")

    def status_response(self, status: int, message: str | None = None, code=None) -> Response:
        default_code, default_message = guesses.CAPILLARY_STATUS_ERRORS.get(status) or (status, _phrase(status))
        item = (default_code if code is None else code, default_message if message is None else message)
        return Response(status, self.error_body([item]))

    def finish(self, response: Response) -> Response:
        response.headers.setdefault("X-Cap-Requestid", new_request_id())
        return response


class GatewayStyle(CapillaryStyle):
    """The badge API's envelope, also what the gateway answers on any path (auth, 429, 404)."""

    def error_body(self, items):
        errors = [{"code": code, "message": message} for code, message in items]
        return {"data": None, "errors": errors, "warnings": []}


class RewardStyle(CapillaryStyle):
    """The rewards catalog's `status` object (one error per answer)."""

    def error_body(self, items):
        code, message = items[0]
        return {"status": {"success": False, "code": code, "message": message}}


GATEWAY = GatewayStyle()
REWARDS = RewardStyle()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


# --------------------------------------------------------------------------------------------
# Authentication of group endpoints
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgPrincipal:
    org_id: int
    user_id: int


def _unauthorized() -> CapillaryError:
    return CapillaryError(401, guesses.CAPILLARY_UNAUTHORIZED, gateway=True)


def authenticate(backend: Backend, request: Request) -> AuthOutcome:
    """Basic (user + md5 hex of the password) or OAuth token; the token wins when both are
    sent (see guesses.py)."""
    token = request.headers.get(OAUTH_TOKEN_HEADER)
    if token is not None:
        return _authenticate_token(backend, token.strip())
    return _authenticate_basic(backend, request.headers.get("authorization", ""))


def _authenticate_basic(backend: Backend, header: str) -> AuthOutcome:
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return AuthOutcome(error=_unauthorized())
    try:
        username, sep, password_md5 = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return AuthOutcome(error=_unauthorized())
    user = backend.credentials.till_users.get(username)
    # The docs' worked example sends the lower-case md5 hex; we compare exactly.
    if not sep or user is None or not constant_time_equal(password_md5, user.password_md5):
        return AuthOutcome(error=_unauthorized())
    return AuthOutcome(user.username, OrgPrincipal(user.org_id, user.user_id))


def _authenticate_token(backend: Backend, token: str) -> AuthOutcome:
    claims = _verified_claims(backend, token)
    client = backend.credentials.oauth_clients.get(claims.get("sub", "")) if claims else None
    if client is None or claims is None or client.org_id != claims.get("org_id"):
        return AuthOutcome(error=_unauthorized())
    expired_at = _expired_at(backend, claims)
    if expired_at is not None:
        when = datetime.fromtimestamp(expired_at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        item = (guesses.CAPILLARY_TOKEN_EXPIRED_CODE, f"Token expired at {when}")
        error = CapillaryError(498, item, gateway=True)
        # Still a genuine token of this client: counted under it, not as anonymous.
        return AuthOutcome(client.client_key, error=error)
    return AuthOutcome(client.client_key, OrgPrincipal(client.org_id, client.user_id))


# --------------------------------------------------------------------------------------------
# OAuth tokens: signed JWTs, so they need no storage and an expired one stays recognisable
# (HTTP 498, not 401) however old it is.
# --------------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(backend: Backend, signing_input: str) -> str:
    key = backend.store.capillary_signing_key.encode()
    return _b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def issue_token(backend: Backend, client: OAuthClient) -> str:
    now = time.time()
    with backend.store.lock:
        generation = len(backend.store.capillary_generations_expired_at)
    claims = {
        "sub": client.client_key,
        "org_id": client.org_id,
        "user_id": client.user_id,
        "iat": round(now, 3),
        "exp": round(now + backend.options.capillary_token_ttl, 3),
        "gen": generation,  # tokens of a generation expire together on expire_tokens()
        "jti": secrets.token_hex(8),
    }
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    return f"{signing_input}.{_signature(backend, signing_input)}"


def _verified_claims(backend: Backend, token: str) -> dict | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    if not constant_time_equal(parts[2], _signature(backend, f"{parts[0]}.{parts[1]}")):
        return None
    try:
        claims = json.loads(_unb64url(parts[1]))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def _expired_at(backend: Backend, claims: dict) -> float | None:
    with backend.store.lock:
        forced = backend.store.capillary_generations_expired_at
        if claims["gen"] < len(forced):
            return forced[claims["gen"]]
    return claims["exp"] if time.time() >= claims["exp"] else None


def expire_all_tokens(backend: Backend) -> None:
    with backend.store.lock:
        backend.store.capillary_generations_expired_at.append(time.time())
        backend.store.save()


# --------------------------------------------------------------------------------------------
# POST /v3/oauth/token/generate
# --------------------------------------------------------------------------------------------


def authenticate_client(backend: Backend, request: Request) -> AuthOutcome:
    """The token call carries the client's key and secret in its body; a wrong pair is answered
    by the handler (documented body), so no error here."""
    try:
        body = request.json_object()
    except BadRequest:
        return AuthOutcome()
    key = body.get("key")
    client = backend.credentials.oauth_clients.get(key) if isinstance(key, str) else None
    secret = body.get("secret")
    if client is None or not isinstance(secret, str):
        return AuthOutcome()
    if not constant_time_equal(secret, client.client_secret):
        return AuthOutcome()
    return AuthOutcome(client.client_key, client)


def generate_token(call: Call) -> Response:
    call.request.json_object()  # a body that is not a JSON object is a plain 400
    client = call.principal
    if client is None:
        code, message = INVALID_CLIENT
        body = {"data": None, "errors": [{"code": code, "message": message}]}
        return Response(guesses.OAUTH_INVALID_CLIENT_STATUS, body)
    token = issue_token(call.backend, client)
    call.backend.metrics.token_fetched(client.client_key)
    ttl = int(call.backend.options.capillary_token_ttl)
    return Response(200, {"data": {"accessToken": token, "ttlSeconds": ttl}, "errors": None})


ROUTES = [Route("POST", OAUTH_TOKEN_PATH, generate_token, GATEWAY, authenticate_client)]
