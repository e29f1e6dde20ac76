"""One vendor request from arrival to answer, without sockets:

latency -> fault lookup -> authentication -> counting -> fault action -> routing errors ->
auth errors -> rate limit -> handler (under the store lock) -> post-processing faults.

The result is a Reply the HTTP layer writes, or a request to drop the connection unanswered.
"""

from __future__ import annotations

import math
import sys
import time
import traceback
from dataclasses import dataclass

from pulumi_groups.emulator import badges, capillary, console, rewards, wesurvey
from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.errors import VendorError
from pulumi_groups.emulator.routing import AuthOutcome, Call, Match, Router, Style
from pulumi_groups.emulator.wire import Request, Response


def _style_for_path(path: str) -> Style:
    """Error shape for a path no route matches: whichever vendor service it aims at."""
    if path.startswith("/api/"):
        return wesurvey.WESURVEY
    if path.startswith(rewards.BASES):
        return capillary.REWARDS
    return capillary.GATEWAY


ROUTER = Router(
    capillary.ROUTES + badges.ROUTES + rewards.ROUTES + wesurvey.ROUTES,
    _style_for_path,
)


@dataclass
class Reply:
    response: Response | None
    drop: str | None = None  # "reset" (TCP RST) or "close" (plain close): no answer at all


def _retry_after(seconds: float) -> str:
    # delta-seconds must be a whole number (RFC 9110); round up so a client never comes early.
    return str(math.ceil(seconds))


def dispatch(backend: Backend, request: Request) -> Reply:
    backend.metrics.began()
    try:
        return _dispatch(backend, request)
    finally:
        backend.metrics.ended()


def _dispatch(backend: Backend, request: Request) -> Reply:
    match = ROUTER.resolve(request.method, request.path)
    if backend.options.latency:
        time.sleep(backend.options.latency)
    fault = backend.faults.take(request.method, request.path)
    if fault is not None and fault.action == "expire_tokens":
        console.expire_tokens(backend)
    # Authentication reads state only, so it is safe (and needed for counting) even for
    # requests a fault will refuse.
    outcome = match.route.authenticate(backend, request) if match.route else AuthOutcome()
    backend.metrics.request(f"{request.method} {match.template}", outcome.identity)
    action = fault.action if fault is not None else None
    if fault is not None:
        backend.metrics.fault_fired()

    if action == "status":
        return Reply(_fault_status(match, fault))
    if action == "reset":
        return Reply(None, drop="reset")
    if action == "delay" and fault is not None:
        time.sleep(fault.seconds)

    response = match.style.finish(_answer(backend, request, match, outcome))

    if action == "commit_then_drop":
        return Reply(None, drop="close")
    if action == "commit_then_status":
        return Reply(_fault_status(match, fault))
    if action == "commit_then_body" and fault is not None:
        return Reply(match.style.finish(Response(200, fault.body)))
    if action == "malformed":
        # Half of the real answer: a truncated JSON document is never valid JSON.
        payload = response.payload()
        response.body = payload[: max(1, len(payload) // 2)]
        response.status = 200
    return Reply(response)


def _fault_status(match: Match, fault) -> Response:
    """The vendor's error shape for the fault's status (its message and code when it gives them)."""
    response = match.style.status_response(fault.status, fault.message, fault.code)
    if fault.retry_after is not None:
        response.headers["Retry-After"] = _retry_after(fault.retry_after)
    return match.style.finish(response)


def _answer(backend: Backend, request: Request, match: Match, outcome: AuthOutcome) -> Response:
    style = match.style
    if match.route is None:
        if not match.allowed:
            return style.status_response(404)
        response = style.status_response(405)
        response.headers["Allow"] = ", ".join(match.allowed)
        return response
    if outcome.error is not None:
        return style.error_response(outcome.error)
    if outcome.identity is not None:
        wait = backend.limiter.admit(outcome.identity)
        if wait is not None:
            backend.metrics.rate_limited()
            response = style.status_response(429)
            if backend.options.rate_limit_retry_after:
                response.headers["Retry-After"] = _retry_after(max(wait, 1.0))
            return response
    call = Call(backend, request, match.params, outcome.principal)
    try:
        # Handlers are short and never sleep: running each under the store lock makes every
        # request atomic against other requests and the emulator's Python API.
        with backend.store.lock:
            return match.route.handler(call)
    except VendorError as error:
        return style.error_response(error)
    except Exception:  # a bug in the emulator: answer like a vendor would, and say so
        traceback.print_exc(file=sys.stderr)
        return style.status_response(500)
