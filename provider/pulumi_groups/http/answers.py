"""The top layers of the transport: credentials on every call, and the vendor's failure answers
turned into ``ApiError``s.

``Authenticated`` adds what the vendor's ``Auth`` gives (headers, query params; it may fetch a
token) and sends a call once more after the vendor rejected an expired token, which is
re-authentication, not a retry. ``DecodeErrors`` reads the wire format's failure out of an answer.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Protocol

import requests

from pulumi_groups.errors import AuthRejected, calls_for
from pulumi_groups.http.client import WireFormat
from pulumi_groups.http.sending import Answer, Call, Credentials, Layer
from pulumi_groups.http.wire_failures import retry_after

if TYPE_CHECKING:
    from pulumi_groups.http.transport import Transport


class Auth(Protocol):
    """How a vendor authenticates a request (Basic header, OAuth header, token query params)."""

    def credentials(self, transport: Transport) -> Credentials:
        """Headers and query params to send; may fetch a token (once per credential at a time)."""

    def rejected(self, response: requests.Response, body: Any) -> bool:
        """Whether the answer says the token/credential was refused (so a fresh token may help)."""

    def invalidate(self, used: Credentials) -> None:
        """Forget the token in ``used`` unless another thread already replaced it."""


class ErrorDecoder(Protocol):
    def __call__(self, response: requests.Response, body: Any) -> tuple[str | int | None, str] | None:
        """``(vendor code, vendor message)`` when the answer is a failure, else None."""


class Authenticated:
    """Sends each call with the credentials; once more with fresh ones after a rejection."""

    def __init__(self, inner: Layer, auth: Auth, transport: Transport) -> None:
        self.inner = inner
        self.auth = auth
        self.transport = transport  # what a token call is sent through

    def exchange(self, call: Call) -> Answer:
        used = self._credentials(call)
        answer = self._send(call, used)
        if answer.rejected:  # perhaps an expired token: once more with a fresh one
            self.auth.invalidate(used)
            answer = self._send(call, self._credentials(call))
        return answer

    def _credentials(self, call: Call) -> Credentials:
        with calls_for(needed_for=call.context.action()):  # a failed token call names its request
            return self.auth.credentials(self.transport)

    def _send(self, call: Call, used: Credentials) -> Answer:
        answer = self.inner.exchange(dataclasses.replace(call, credentials=used))
        answer.rejected = self.auth.rejected(answer.response, answer.body)
        return answer


class DecodeErrors:
    """Raises the ``ApiError`` a failure answer stands for (its type from the wire format's
    ``classify``; ``AuthRejected`` when fresh credentials were refused too), with ``auth_hint``
    on a refusal: what to check when the vendor refuses the credentials."""

    def __init__(self, inner: Layer, wire: WireFormat, auth_hint: str) -> None:
        self.inner = inner
        self.wire = wire
        self.auth_hint = auth_hint

    def exchange(self, call: Call) -> Answer:
        answer = self.inner.exchange(call)
        failure = self.wire.decode_error(answer.response, answer.body)
        if failure is None:
            return answer
        code, message = failure
        status = answer.response.status_code
        error_type = AuthRejected if answer.rejected else self.wire.classify(status, code, message)
        refused = status in (401, 403) or error_type is AuthRejected
        raise error_type(call.context, code, message, status=status, request_id=answer.request_id,
                         retry_after=retry_after(answer.response), hint=self.auth_hint if refused else "")
