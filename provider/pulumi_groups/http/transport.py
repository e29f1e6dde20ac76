"""Shared HTTP transport: session, auth, retries, rate limit, timeouts and error decoding.

One ``Transport`` serves one credential (one Capillary org, one WeSurvey appid) and is shared by
every thread and every resource type of the provider process (see ``registry``). Retries are
urllib3's ``Retry`` on the session, not a loop of ours; the one thing done by hand is sending a
request a second time after the vendor rejected an expired token, which is re-authentication,
not a retry.

Two sessions per transport, because the Pulumi engine gives a dynamic provider no retries and a
create must never run twice by accident:
- ``idempotent``: GET, PUT and the vendors' idempotent POSTs; retries connection errors, read
  timeouts, 429 and 5xx with backoff and jitter, honouring ``Retry-After``.
- ``create``: only what certainly never reached the vendor (connection refused, 429). A timeout,
  reset or unreadable answer surfaces as ``RequestFailed(may_have_reached_vendor=True)`` and the
  provider looks the group up before it creates again (or, where the vendor does not keep the
  key unique, never again). A 5xx (even with ``Retry-After``) is not re-sent either: it may come
  from a proxy or gateway after the vendor made the group.

An answer whose body is not JSON (a truncated body, a proxy's HTML page) passes urllib3 as a
success, since it never reads the body: idempotent calls are re-sent for it here, under the same
count, backoff and time budget as urllib3's retries.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import RequestHistory, Retry

from pulumi_groups.errors import ApiError, AuthRejected, CallContext, RequestFailed, calls_for
from pulumi_groups.http.policy import RetryPolicy, Timeouts
from pulumi_groups.http.ratelimit import RateLimiter

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# One earlier attempt, as urllib3's Retry counts them for its backoff.
_RESENT = RequestHistory(method=None, url=None, error=None, status=None, redirect_location=None)
_UNREADABLE = object()


class _DropUrllib3RetryLines(logging.Filter):
    """urllib3 logs retried URLs with their query string, where WeSurvey keeps its token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_DropUrllib3RetryLines())


class BudgetedRetry(Retry):
    """``Retry`` that waits for the rate limiter before every re-send and gives up once the
    request has spent its time budget retrying, so no call holds an engine worker for ever."""

    def __init__(
        self,
        *args: Any,
        limiter: RateLimiter | None = None,
        budget_seconds: float = 90.0,
        first_failure_at: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = limiter
        self.budget_seconds = budget_seconds
        self.first_failure_at = first_failure_at

    def new(self, **kw: Any) -> BudgetedRetry:
        kw.setdefault("limiter", self.limiter)
        kw.setdefault("budget_seconds", self.budget_seconds)
        # The first copy is made by the first failure: that is when the budget starts running.
        kw.setdefault("first_failure_at", self.first_failure_at or time.monotonic())
        return super().new(**kw)

    def remaining_budget(self) -> float:
        if self.first_failure_at is None:
            return self.budget_seconds
        return self.budget_seconds - (time.monotonic() - self.first_failure_at)

    def is_exhausted(self) -> bool:
        return super().is_exhausted() or self.remaining_budget() <= 0

    def get_backoff_time(self) -> float:
        return min(super().get_backoff_time(), max(self.remaining_budget(), 0.0))

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            seconds = super().parse_retry_after(retry_after)
        except InvalidHeader:
            return 0.0  # an unreadable Retry-After is no Retry-After: back off instead
        return min(seconds, max(self.remaining_budget(), 0.0))

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self.limiter is not None:
            self.limiter.acquire()


class CreateRetry(BudgetedRetry):
    """Creates: urllib3 re-sends any 503 (and 413) that carries ``Retry-After``, whatever the
    status list says; a create may re-send only a 429, which the vendor answers before it acts."""

    RETRY_AFTER_STATUS_CODES = frozenset({429})


def _retry(policy: RetryPolicy, limiter: RateLimiter | None, *, idempotent: bool) -> BudgetedRetry:
    # Any: the values are of several types, each checked by urllib3's Retry when it is built.
    common: dict[str, Any] = dict(
        total=policy.retries,
        connect=policy.retries,
        status=policy.retries,
        other=0,
        redirect=0,
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        backoff_jitter=policy.backoff_factor,
        retry_after_max=policy.retry_after_max,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last 429/5xx so its vendor error can be decoded
        limiter=limiter,
        budget_seconds=policy.budget_seconds,
    )
    if idempotent:
        return BudgetedRetry(
            read=policy.retries,
            allowed_methods=frozenset({"GET", "PUT", "POST", "DELETE"}),
            status_forcelist=RETRYABLE_STATUSES,
            **common,
        )
    # read=False: a create whose request was sent must not be re-sent blindly.
    return CreateRetry(
        read=False, allowed_methods=frozenset({"POST"}), status_forcelist=frozenset({429}), **common
    )


class Auth(Protocol):
    """How a vendor authenticates a request (Basic header, OAuth header, token query params)."""

    def credentials(self, transport: Transport) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and query params to send; may fetch a token (once per credential at a time)."""

    def rejected(self, response: requests.Response, body: Any) -> bool:
        """Whether the answer says the token/credential was refused (so a fresh token may help)."""

    def invalidate(self, used: tuple[dict[str, str], dict[str, str]]) -> None:
        """Forget the token in ``used`` unless another thread already replaced it."""


class ErrorDecoder(Protocol):
    def __call__(self, response: requests.Response, body: Any) -> tuple[str | int | None, str] | None:
        """``(vendor code, vendor message)`` when the answer is a failure, else None."""


@dataclass
class Response:
    status: int
    body: Any
    request_id: str | None


class Transport:
    def __init__(
        self,
        *,
        vendor: str,
        scope: str,
        base_url: str,
        auth: Auth | None,
        decode_error: ErrorDecoder,
        request_id_header: str | None = None,
        request_id_field: str | None = None,
        limiter: RateLimiter | None = None,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        default_headers: dict[str, str] | None = None,
        classify: Callable[[int, Any, str], type[ApiError]] | None = None,
        auth_hint: str = "",
    ) -> None:
        self.vendor = vendor
        self.scope = scope
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.limiter = limiter
        self.timeouts = timeouts
        self.retry = retry
        self._auth_hint = auth_hint  # what to check when the vendor refuses the credentials
        self._decode_error = decode_error
        self._classify = classify or (lambda status, code, message: ApiError)
        self._request_id_header = request_id_header
        self._request_id_field = request_id_field
        self._headers = {"Accept": "application/json", "Content-Type": "application/json"}
        self._headers.update(default_headers or {})
        self._sessions = {
            True: self._session(_retry(retry, limiter, idempotent=True)),
            False: self._session(_retry(retry, limiter, idempotent=False)),
        }
        self._pacing = _retry(retry, None, idempotent=True)  # backoff of resends made by hand

    @staticmethod
    def _session(retry: Retry) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.trust_env = False  # proxies/netrc from the environment must not capture credentials
        return session

    def context(self, operation: str, group: str | None = None, method: str = "", path: str = "") -> CallContext:
        return CallContext(self.vendor, self.scope, operation, group, method, path)

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
        decode: Callable[[Response], Any] | None = None,
    ) -> Response:
        """Send one logical request and return its decoded answer, or raise a ``GroupsError``."""
        context = self.context(operation, group, method, path)
        for attempt in (1, 2):
            used = self._credentials(self.auth, context) if (authenticated and self.auth) else ({}, {})
            response, body, request_id = self._exchange(method, path, params, json_body, used, idempotent, context)
            if authenticated and self.auth and attempt == 1 and self.auth.rejected(response, body):
                self.auth.invalidate(used)
                continue
            break
        failure = self._decode_error(response, body)
        if failure is not None:
            code, message = failure
            if authenticated and self.auth and self.auth.rejected(response, body):
                error_type: type[ApiError] = AuthRejected
            else:
                error_type = self._classify(response.status_code, code, message)
            error = error_type(context, code, message, status=response.status_code, request_id=request_id,
                               retry_after=_retry_after(response))
            if response.status_code in (401, 403) or error_type is AuthRejected:
                error.hint = self._auth_hint
            raise error
        return Response(response.status_code, body, request_id)

    def _credentials(self, auth: Auth, context: CallContext) -> tuple[dict[str, str], dict[str, str]]:
        """The auth headers/params; a failed token call names the request it was needed for."""
        with calls_for(needed_for=context.action()):
            return auth.credentials(self)

    def _exchange(self, method, path, params, json_body, used, idempotent, context):
        """One request (urllib3 retries underneath) and its parsed answer. An idempotent call
        whose success answer is not JSON is sent again, within the retry count and the time
        budget (a failure status had its retries from urllib3 already)."""
        first_failure: float | None = None
        resent = 0
        while True:
            response = self._send(method, path, params, json_body, used, idempotent, context)
            try:
                body, request_id = self._parse(response, context)
                return response, body, request_id
            except RequestFailed:
                first_failure = first_failure if first_failure is not None else time.monotonic()
                if not idempotent or response.status_code >= 400:
                    raise
                resent += 1
                if not self.wait_to_resend(resent, first_failure):
                    raise

    def wait_to_resend(self, resends: int, first_failure_at: float, retry_after: float | None = None) -> bool:
        """Pace a request sent again by hand, not by urllib3 (an unreadable success answer here,
        a create whose group is certainly absent in adopt-or-create): resend number ``resends``
        (1, 2, ...) waits what urllib3 would wait before that retry, and at least the vendor's
        ``Retry-After`` (capped), never past the time budget counted from ``first_failure_at``.
        False, without waiting, once the policy's retries or its budget are spent."""
        pacing = self._pacing.new(history=(_RESENT,) * resends, first_failure_at=first_failure_at)
        if resends > self.retry.retries or pacing.is_exhausted():
            return False
        wait = pacing.get_backoff_time()
        if retry_after:
            wait = max(wait, min(retry_after, self.retry.retry_after_max, pacing.remaining_budget()))
        time.sleep(wait)
        return True

    def _send(self, method, path, params, json_body, used, idempotent, context) -> requests.Response:
        headers, auth_params = used
        merged_params: list[tuple[str, Any]] = list(auth_params.items())
        if isinstance(params, dict):
            merged_params += [(k, v) for k, v in params.items() if v is not None]
        elif params:
            merged_params += list(params)
        if self.limiter is not None:
            self.limiter.acquire()
        # The failure is raised after the except block, not in it: raised there (even `from
        # None`) it would keep the requests exception, URL and query string included, in its
        # __context__, where a traceback printer or an error reporter could still find it.
        try:
            return self._sessions[idempotent].request(
                method,
                self.base_url + path,
                params=merged_params,
                data=None if json_body is None else json.dumps(json_body),
                headers={**self._headers, **headers},
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            failure = _request_failure(exc, context, self.timeouts)
        raise failure

    def _parse(self, response: requests.Response, context: CallContext) -> tuple[Any, str | None]:
        request_id = response.headers.get(self._request_id_header) if self._request_id_header else None
        if not response.content:
            return None, request_id
        try:
            body = response.json()
        except ValueError:  # requests' JSONDecodeError quotes the body: keep it out of __context__
            body = _UNREADABLE
        if body is _UNREADABLE:
            raise RequestFailed(context, "the answer is not valid JSON", True, status=response.status_code,
                                request_id=request_id)
        if request_id is None and self._request_id_field and isinstance(body, dict):
            request_id = body.get(self._request_id_field) or None
        return body, request_id


_UNREADABLE = object()


def _request_failure(exc: requests.exceptions.RequestException, context: CallContext,
                     timeouts: Timeouts) -> RequestFailed:
    """What went wrong on the wire, and whether the vendor may have acted on the request.

    Only a request that certainly never reached the vendor (refused connection, unresolvable
    host, connect timeout) is ``may_have_reached_vendor=False``; a read timeout, a reset or
    closed connection, a TLS or proxy failure may all come after the vendor got the request.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return RequestFailed(context, f"could not connect within {timeouts.connect:g}s", False)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return RequestFailed(context, _describe_connection_error(exc, timeouts), _may_have_arrived(exc))
    if isinstance(exc, requests.exceptions.Timeout):
        return RequestFailed(context, f"no answer within {timeouts.read:g}s (read timeout)", True)
    return RequestFailed(context, f"request failed ({type(exc).__name__})", True)


def _retry_after(response: requests.Response) -> float | None:
    """The answer's Retry-After in seconds (delta-seconds or an HTTP date), None when absent."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason_chain(exc: BaseException | None) -> list[BaseException]:
    """The wire exception and what it wraps (urllib3's ``reason``, else cause or context). Stops
    at one of our own errors: a request made while handling one (the lookup after a lost
    create) has it as context, and its ``reason`` is text, not an exception."""
    from pulumi_groups.errors import GroupsError

    chain: list[BaseException] = []
    seen: set[int] = set()
    while isinstance(exc, BaseException) and not isinstance(exc, GroupsError) and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        reason = getattr(exc, "reason", None)
        exc = reason if isinstance(reason, BaseException) else (exc.__cause__ or exc.__context__)
    return chain


def _may_have_arrived(exc: BaseException) -> bool:
    """Connection refused/unreachable means the request never left; a reset may be after it did."""
    import urllib3.exceptions as u3

    for item in _reason_chain(exc):
        if isinstance(item, (u3.NewConnectionError, ConnectionRefusedError, u3.NameResolutionError)):
            return False
    return True


def _describe_connection_error(exc: BaseException, timeouts: Timeouts) -> str:
    """What went wrong on the wire, from the exception types only (their text holds the URL)."""
    import urllib3.exceptions as u3

    chain = _reason_chain(exc)
    # urllib3 wraps the last failure in MaxRetryError once a retried request runs out of retries.
    retried = "; gave up after retrying" if any(isinstance(i, u3.MaxRetryError) for i in chain) else ""
    for item in chain:
        if isinstance(item, u3.NameResolutionError):
            return "host name could not be resolved" + retried
        if isinstance(item, (u3.NewConnectionError, ConnectionRefusedError)):
            return "connection refused (is the host right and reachable?)" + retried
        if isinstance(item, u3.ConnectTimeoutError):
            return f"could not connect within {timeouts.connect:g}s" + retried
        if isinstance(item, u3.ReadTimeoutError):
            return f"no answer within {timeouts.read:g}s (read timeout)" + retried
        if isinstance(item, (ConnectionResetError, u3.ProtocolError)):
            return "connection reset or closed before an answer arrived" + retried
    return "connection failed" + retried
