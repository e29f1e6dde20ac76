"""The bottom layers of the transport: a call on the wire, paced by the rate limit, and sent
again when its success answer cannot be read.

Each layer has one ``exchange(call) -> Answer`` and wraps the next (``transport.py`` stacks
them): ``ResendUnreadable`` → ``RateLimited`` → ``Send``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pulumi_groups.errors import CallContext, RequestFailed
from pulumi_groups.http.client import WireFormat
from pulumi_groups.http.policy import RetryPolicy, Timeouts
from pulumi_groups.http.ratelimit import RateLimiter
from pulumi_groups.http.retries import Pacing, retry_for
from pulumi_groups.http.wire_failures import request_failure

Credentials = tuple[dict[str, str], dict[str, str]]  # headers, query params
_UNREADABLE = object()


@dataclass(frozen=True)
class Call:
    """One logical request, as the layers hand it down."""

    method: str
    path: str
    context: CallContext
    params: dict[str, Any] | list[tuple[str, Any]] | None = None
    json_body: Any = None
    idempotent: bool = True
    credentials: Credentials = field(default_factory=lambda: ({}, {}))  # set by the auth layer


@dataclass
class Answer:
    response: requests.Response
    body: Any
    request_id: str | None
    readable: bool = True  # False: a body that is not JSON (a truncated body, a proxy's page)
    rejected: bool = False  # the vendor refused the credentials, even fresh ones (auth layer)


class Layer(Protocol):
    def exchange(self, call: Call) -> Answer: ...


class Send:
    """One request on a pooled session whose urllib3 retry fits the call (``retries.py``), and
    its parsed answer. A wire failure is a ``RequestFailed`` worded from its type only."""

    def __init__(self, base_url: str, wire: WireFormat, timeouts: Timeouts, retry: RetryPolicy,
                 limiter: RateLimiter | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.wire = wire
        self.timeouts = timeouts
        self._headers = {"Accept": "application/json", "Content-Type": "application/json"}
        self._sessions = {
            True: self._session(retry_for(retry, limiter, idempotent=True)),
            False: self._session(retry_for(retry, limiter, idempotent=False)),
        }

    @staticmethod
    def _session(retry: Retry) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.trust_env = False  # proxies/netrc from the environment must not capture credentials
        return session

    def exchange(self, call: Call) -> Answer:
        headers, auth_params = call.credentials
        merged_params: list[tuple[str, Any]] = list(auth_params.items())
        if isinstance(call.params, dict):
            merged_params += [(k, v) for k, v in call.params.items() if v is not None]
        elif call.params:
            merged_params += list(call.params)
        # The failure is raised after the except block, not in it: raised there (even `from
        # None`) it would keep the requests exception, URL and query string included, in its
        # __context__, where a traceback printer or an error reporter could still find it.
        try:
            response = self._sessions[call.idempotent].request(
                call.method,
                self.base_url + call.path,
                params=merged_params,
                data=None if call.json_body is None else json.dumps(call.json_body),
                headers={**self._headers, **headers},
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            failure = request_failure(exc, call.context, self.timeouts)
        else:
            return self._read(response)
        raise failure

    def _read(self, response: requests.Response) -> Answer:
        header = self.wire.request_id_header
        request_id = response.headers.get(header) if header else None
        if not response.content:
            return Answer(response, None, request_id)
        try:
            body = response.json()
        except ValueError:  # requests' JSONDecodeError quotes the body: keep it out of __context__
            body = _UNREADABLE
        if body is _UNREADABLE:
            return Answer(response, None, request_id, readable=False)
        if request_id is None and self.wire.request_id_field and isinstance(body, dict):
            request_id = body.get(self.wire.request_id_field) or None
        return Answer(response, body, request_id)


class RateLimited:
    """Waits for the credential's rate budget before every request it passes on."""

    def __init__(self, inner: Layer, limiter: RateLimiter | None) -> None:
        self.inner = inner
        self.limiter = limiter

    def exchange(self, call: Call) -> Answer:
        if self.limiter is not None:
            self.limiter.acquire()
        return self.inner.exchange(call)


class ResendUnreadable:
    """An answer whose body is not JSON passes urllib3 as a success, since it never reads the
    body: an idempotent call is sent again for it here, under the same count, backoff and time
    budget as urllib3's retries (a failure status had its retries from urllib3 already)."""

    def __init__(self, inner: Layer, pacing: Pacing) -> None:
        self.inner = inner
        self.pacing = pacing

    def exchange(self, call: Call) -> Answer:
        first_failure: float | None = None
        resent = 0
        while True:
            answer = self.inner.exchange(call)
            if answer.readable:
                return answer
            first_failure = first_failure if first_failure is not None else time.monotonic()
            if not call.idempotent or answer.response.status_code >= 400:
                break
            resent += 1
            if not self.pacing.wait_to_resend(resent, first_failure):
                break
        raise RequestFailed(call.context, "the answer is not valid JSON", True, status=answer.response.status_code,
                            request_id=answer.request_id)
