"""The seam between the provider lifecycle and a vendor: what every vendor client offers besides
its endpoints, and the one helper that builds a vendor's process-wide client.

The lifecycle talks to a ``VendorClient`` only through the endpoints of its subclass and the few
members below (request context, retry pacing, timeouts, credential); it never reaches into the
transport. A vendor's endpoints are data (``Endpoint`` rows: method, path template, operation),
all sent by ``VendorClient.send``. ``shared_client`` builds each client the same way for both
vendors: one token (auth) and one rate budget per credential, one client per org (account) key so
that errors name the key a resource used and its timeouts and retry tuning apply.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pulumi_groups.errors import ApiError, CallContext
from pulumi_groups.http import registry
from pulumi_groups.http.policy import Timeouts
from pulumi_groups.http.ratelimit import RateLimiter
from pulumi_groups.http.settings import ScopeSettings

if TYPE_CHECKING:
    # Only for types: requests and urllib3 load with the first client (a no-change preview
    # builds none), so this module does not import the transport at run time.
    from pulumi_groups.http.answers import Auth, ErrorDecoder
    from pulumi_groups.http.transport import Response, Transport


@dataclass(frozen=True)
class WireFormat:
    """How one vendor's answers carry failures and request ids."""

    vendor: str  # "capillary", "wesurvey": in every message and registry key
    decode_error: ErrorDecoder
    classify: Callable[[int, Any, str], type[ApiError]]
    request_id_header: str | None = None
    request_id_field: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of a vendor API, as data: a new endpoint of a shape the client serves already
    is one more row, not one more method."""

    method: str
    # A template over the client's ``roots`` (e.g. "{rewards}", the path an org's cluster serves
    # reward groups on) and the call's own values (e.g. "{group_id}").
    path: str
    operation: str  # names the call in every error, e.g. "create badge group"
    _: KW_ONLY
    # A create: the transport never re-sends it blindly (the provider looks the group up instead).
    creates: bool = False


class VendorClient:
    """Base of ``CapillaryClient`` and ``WeSurveyClient``."""

    def __init__(self, transport: Transport, *, credential: Hashable | None = None) -> None:
        self.transport = transport
        # registry.credential_key of the org (account): what shared state and read snapshots are
        # keyed by. It tells credentials apart without holding the secret.
        self.credential = credential

    def roots(self) -> dict[str, str]:
        """The paths this client's endpoint templates are built on (fixed, or per org)."""
        return {}

    def send(
        self,
        endpoint: Endpoint,
        *,
        group: str | None = None,
        body: Any = None,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        **path_values: Any,
    ) -> Response:
        """Send one endpoint's request: ``path_values`` fill its path, ``group`` names the group
        in an error, ``body`` is the JSON sent."""
        path = endpoint.path.format(**self.roots(), **path_values)
        return self.transport.request(endpoint.method, path, operation=endpoint.operation, group=group,
                                      params=params, json_body=body, idempotent=not endpoint.creates)

    @property
    def timeouts(self) -> Timeouts:
        return self.transport.timeouts

    def context(self, operation: str, group: str | None = None) -> CallContext:
        """Names a call in an error raised outside the transport (no answer to name it by)."""
        return self.transport.context(operation, group)

    def wait_to_resend(self, resends: int, first_failure_at: float, retry_after: float | None = None) -> bool:
        """Pace a request the caller sends again itself (see ``Transport.wait_to_resend``)."""
        return self.transport.wait_to_resend(resends, first_failure_at, retry_after)


C = TypeVar("C", bound=VendorClient)


def shared_client(
    client_class: type[C],
    settings: ScopeSettings,
    wire: WireFormat,
    make_auth: Callable[[], Auth],
    *,
    auth_hint: str = "",
    options: Mapping[str, Any] | None = None,
) -> C:
    """The process-wide client of one org (account) key. The token and the rate budget belong to
    the credential, so keys that share one share them (``settings`` gives such keys the lowest
    ``requestsPerMinute`` among them). ``options``: the key's own keyword arguments of
    ``client_class`` (e.g. a path its cluster serves an API on)."""
    key = settings.credential
    auth = registry.shared(f"{wire.vendor}-auth", key, make_auth)
    limiter = registry.shared(f"{wire.vendor}-limiter", key, lambda: RateLimiter(settings.requests_per_minute))

    def build() -> C:
        from pulumi_groups.http.transport import Transport

        transport = Transport(
            wire,
            settings.key,
            settings.base_url,
            auth=auth,
            limiter=limiter,
            timeouts=Timeouts(connect=min(5.0, settings.timeout_seconds), read=settings.timeout_seconds),
            retry=settings.retry,
            auth_hint=auth_hint,
        )
        return client_class(transport, credential=key, **(options or {}))

    return registry.shared(f"{wire.vendor}-client", (key, settings.key), build)
