"""Route tables: each vendor module declares its routes; the pipeline resolves a request to one.

A route names its response style (how this vendor shapes errors) and its authentication, so the
pipeline can answer faults, rate limits and auth failures in the right shape before the handler
runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.errors import VendorError
from pulumi_groups.emulator.wire import Request, Response


class Style:
    """How one vendor (or one Capillary service) shapes its error responses."""

    def error_response(self, error: VendorError) -> Response:
        raise NotImplementedError

    def status_response(self, status: int, message: str | None = None, code: Any = None) -> Response:
        """A generic error for an HTTP status (injected faults, rate limit, routing); a fault may
        give the message (and code) to answer with."""
        raise NotImplementedError

    def finish(self, response: Response) -> Response:
        """Add what every response of this vendor carries (e.g. a request-id header)."""
        return response


@dataclass
class AuthOutcome:
    identity: str | None = None  # credential name for counters and rate limits; None = anonymous
    principal: Any = None  # what the handler needs (org and user, or app)
    error: VendorError | None = None  # the request must be refused with this


@dataclass
class Call:
    backend: Backend
    request: Request
    params: dict[str, str]
    principal: Any


Handler = Callable[[Call], Response]
Authenticator = Callable[[Backend, Request], AuthOutcome]


@dataclass
class Route:
    method: str
    template: str  # e.g. /api_gateway/v1/badges/group/{id}; also the counters' endpoint key
    handler: Handler
    style: Style
    authenticate: Authenticator
    param_pattern: str = r"[^/]+"
    regex: re.Pattern = field(init=False)

    def __post_init__(self) -> None:
        pieces = re.split(r"\{(\w+)\}", self.template)  # literal, name, literal, name, ...
        pattern = "".join(
            f"(?P<{piece}>{self.param_pattern})" if index % 2 else re.escape(piece)
            for index, piece in enumerate(pieces)
        )
        self.regex = re.compile(pattern + "/?")  # a trailing slash is tolerated


@dataclass
class Match:
    style: Style
    template: str
    route: Route | None = None
    params: dict[str, str] = field(default_factory=dict)
    allowed: list[str] = field(default_factory=list)  # methods the path accepts (for 405)


class Router:
    def __init__(self, routes: list[Route], style_for_path: Callable[[str], Style]):
        self.routes = routes
        self.style_for_path = style_for_path

    def add(self, routes: list[Route]) -> Callable[[], None]:
        """Serve ``routes`` too: how a kind's emulator support plugs in (a module of its own, or a
        test's example kind). Returns what takes them out again."""
        added = list(routes)
        self.routes.extend(added)

        def remove() -> None:
            for route in added:
                self.routes.remove(route)

        return remove

    def resolve(self, method: str, path: str) -> Match:
        on_path = []
        for route in self.routes:
            found = route.regex.fullmatch(path)
            if not found:
                continue
            if route.method == method:
                return Match(route.style, route.template, route, found.groupdict())
            on_path.append(route)
        if on_path:
            allowed = sorted({route.method for route in on_path})
            return Match(on_path[0].style, on_path[0].template, allowed=allowed)
        return Match(self.style_for_path(path), path)
