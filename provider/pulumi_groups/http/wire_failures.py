"""What went wrong on the wire, said without the wire's own words.

A requests/urllib3 exception's text holds the full URL, and WeSurvey puts its access token and
secret in the query string: failures are described from the exception types only, and urllib3's
own log lines about retried URLs are dropped.
"""

from __future__ import annotations

import email.utils
import logging
import time

import requests
import urllib3.exceptions as u3

from pulumi_groups.errors import CallContext, GroupsError, RequestFailed
from pulumi_groups.http.policy import Timeouts


class _DropUrllib3RetryLines(logging.Filter):
    """urllib3 logs retried URLs with their query string, where WeSurvey keeps its token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_DropUrllib3RetryLines())


def request_failure(exc: requests.exceptions.RequestException, context: CallContext,
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


def retry_after(response: requests.Response) -> float | None:
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
    for item in _reason_chain(exc):
        if isinstance(item, (u3.NewConnectionError, ConnectionRefusedError, u3.NameResolutionError)):
            return False
    return True


def _describe_connection_error(exc: BaseException, timeouts: Timeouts) -> str:
    """What went wrong on the wire, from the exception types only (their text holds the URL)."""
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
