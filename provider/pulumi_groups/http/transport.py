"""The shared HTTP transport: the layers every vendor call goes through, stacked once per client.

One ``Transport`` serves one org (account) key, and its auth and rate limiter are shared by
every key of the same credential and every thread of the provider process (see ``registry``).
A call goes down through one single-purpose layer after another, each wrapping the next::

    DecodeErrors        a failure answer becomes the vendor's ApiError     (answers.py)
    Authenticated       credentials; once more after a rejected token      (answers.py)
    ResendUnreadable    a success whose body is not JSON is sent again     (sending.py)
    RateLimited         waits for the credential's rate budget             (sending.py)
    Send                one request; urllib3's Retry underneath            (sending.py, retries.py)

A call that needs no credentials (the token call itself) skips ``Authenticated``. Retries are
urllib3's, not a loop of ours (``retries.py``); a create retries only what certainly never reached
the vendor, and a timeout, reset or unreadable answer surfaces as
``RequestFailed(may_have_reached_vendor=True)``: the provider looks the group up before it creates
again (or, where the vendor does not keep the key unique, never again). What went wrong on the wire
is worded from exception types only (``wire_failures.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_groups.errors import CallContext
from pulumi_groups.http.answers import Auth, Authenticated, DecodeErrors
from pulumi_groups.http.client import WireFormat
from pulumi_groups.http.policy import RetryPolicy, Timeouts
from pulumi_groups.http.ratelimit import RateLimiter
from pulumi_groups.http.retries import Pacing
from pulumi_groups.http.sending import Call, Layer, RateLimited, ResendUnreadable, Send


@dataclass
class Response:
    status: int
    body: Any
    request_id: str | None


class Transport:
    def __init__(
        self,
        wire: WireFormat,
        scope: str,
        base_url: str,
        *,
        auth: Auth | None = None,
        limiter: RateLimiter | None = None,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        auth_hint: str = "",
    ) -> None:
        """``scope``: the org (account) key, in every error; ``auth_hint``: what to check when
        the vendor refuses the credentials."""
        self.wire = wire
        self.scope = scope
        self.auth = auth
        self.limiter = limiter
        self.timeouts = timeouts
        self.retry = retry
        self._pacing = Pacing(retry)  # backoff of resends made by hand
        unauthenticated = ResendUnreadable(RateLimited(Send(base_url, wire, timeouts, retry, limiter), limiter),
                                           self._pacing)
        self._layers: dict[bool, Layer] = {False: DecodeErrors(unauthenticated, wire, auth_hint)}
        self._layers[True] = self._layers[False] if auth is None else DecodeErrors(
            Authenticated(unauthenticated, auth, self), wire, auth_hint)

    def context(self, operation: str, group: str | None = None, method: str = "", path: str = "") -> CallContext:
        return CallContext(self.wire.vendor, self.scope, operation, group, method, path)

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        group: str | None = None,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        authenticated: bool = True,
    ) -> Response:
        """Send one logical request and return its decoded answer, or raise a ``GroupsError``."""
        call = Call(method, path, self.context(operation, group, method, path), params, json_body, idempotent)
        answer = self._layers[authenticated].exchange(call)
        return Response(answer.response.status_code, answer.body, answer.request_id)

    def wait_to_resend(self, resends: int, first_failure_at: float, retry_after: float | None = None) -> bool:
        """Pace a request sent again by hand, not by urllib3 (a create whose group is certainly
        absent, in adopt-or-create): see ``retries.Pacing``."""
        return self._pacing.wait_to_resend(resends, first_failure_at, retry_after)
