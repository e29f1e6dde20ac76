"""Exceptions every layer raises, and the one place their messages are worded.

Pulumi shows a dynamic provider's exception message as the last line of the CLI output, so each
message says what failed (vendor, org/account, operation, group, HTTP status, vendor code,
request id) and, where there is one, what to do. Messages are built only from those fields:
never from ``str()`` of a requests/urllib3 exception (they carry full URLs, and WeSurvey puts its
access token and secret in the query string) and never from credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field


@dataclass(frozen=True)
class CallContext:
    """Who asked for what: enough to name a failed call without naming a credential."""

    vendor: str
    scope: str  # org key (Capillary) or account key (WeSurvey)
    operation: str  # e.g. "create badge group"
    group: str | None = None  # group name or id, when there is one
    method: str = ""
    path: str = ""  # without query string

    def action(self) -> str:
        """What was asked, without where: ``create badge group 'GOLD'``."""
        return self.operation + (f" {self.group!r}" if self.group else "")

    def describe(self) -> str:
        where = f"{self.vendor} {'account' if self.vendor == 'wesurvey' else 'org'} {self.scope!r}"
        call = f" ({self.method} {self.path})" if self.method else ""
        return f"{where}: {self.action()}{call}"


class GroupsError(Exception):
    """Base of every error pulumi-groups raises on purpose."""


class ConfigError(GroupsError):
    """Stack config or environment does not describe a usable org/account."""


@dataclass
class CallFailed(GroupsError):
    """A call to a vendor failed: the base of the errors that name one request.

    The tree of errors (every one a ``GroupsError``)::

        GroupsError               raised on purpose; the message is the whole story
        ├── ConfigError           stack config or environment names no usable org/account
        ├── WrongOrg              an org key's credentials reach another org than state's
        └── CallFailed            one request failed: context, status, request id, ...
            ├── ApiError          the vendor answered, and the answer is a failure
            │   ├── NotFound      the group does not exist (to be confirmed)
            │   ├── NameTaken     the unique name (remote id) is taken
            │   └── AuthRejected  credentials or token refused, even after a fresh token
            └── RequestFailed     no usable answer: timeout, refused/reset, not JSON

    Catch ``CallFailed`` for "this request failed, whatever the wire said"; what it was for is
    attached where the call is made, with ``calls_for``, never by changing the error later.
    """

    context: CallContext
    _: KW_ONLY
    status: int | None = None
    request_id: str | None = None
    # Set when this call was a step another request needed first (the OAuth token call): the
    # request it was for, e.g. "create badge group 'GOLD'". That request was never sent.
    needed_for: str = ""
    # The group operation this call served when the call itself names no group (a listing that
    # answers every read of a refresh), e.g. "reading badge group 'GOLD' (id 65...) in org 'eu'".
    during: str = ""
    hint: str = ""  # what to do about it

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def details(self) -> list[str]:
        """What the answer (or its absence) said, in the order the message gives it."""
        return []

    def __str__(self) -> str:
        detail = self.details() + ([f"request id {self.request_id}"] if self.request_id else [])
        parts = [f"{self.context.describe()} failed"]
        if detail:
            parts.append(": " + ", ".join(detail))
        if self.needed_for:
            parts.append(f" (needed to {self.needed_for}, which was not sent)")
        if self.during:
            parts.append(f", while {self.during}")
        if self.hint:
            parts.append(f". {self.hint}")
        return "".join(parts)


@contextmanager
def calls_for(*, during: str = "", needed_for: str = "") -> Iterator[None]:
    """Name what the calls made inside serve, on a ``CallFailed`` raised there that does not
    say it yet (the innermost ``calls_for`` wins): ``during`` the group operation a call that
    names no group served, ``needed_for`` the request a step before it (the token call) was for."""
    try:
        yield
    except CallFailed as failed:
        failed.during = failed.during or during
        failed.needed_for = failed.needed_for or needed_for
        raise


@dataclass
class ApiError(CallFailed):
    """The vendor answered, and the answer is a failure."""

    code: str | int | None = None
    message: str = ""
    extra: dict = field(default_factory=dict)
    # Seconds the vendor asked to wait (its Retry-After header), for a caller that may try again.
    retry_after: float | None = None

    def details(self) -> list[str]:
        detail = [] if self.status is None else [f"HTTP {self.status}"]
        if self.code not in (None, ""):
            detail.append(f"code {self.code}")
        if self.message:
            detail.append(repr(self.message))
        return detail


class NotFound(ApiError):
    """The vendor says the group does not exist (to be confirmed before treating it as gone)."""


class NameTaken(ApiError):
    """A create or rename hit the vendor's unique-name (or unique remote id) rule."""


class AuthRejected(ApiError):
    """Credentials or token refused even after getting a fresh token."""


@dataclass
class RequestFailed(CallFailed):
    """No usable answer: timeout, refused or reset connection, or a body that is not JSON.

    ``may_have_reached_vendor`` tells a create whether the group may exist now: False only when
    the request certainly never arrived (connection refused, retries spent on 429).
    """

    reason: str
    may_have_reached_vendor: bool

    def details(self) -> list[str]:
        return [self.reason] + ([f"HTTP {self.status}"] if self.status else [])


class WrongOrg(GroupsError):
    """The credentials of an org key reach another org than the one a group in state was made
    in (or cannot show which org they reach while the group is not found): nothing is changed
    and nothing is dropped from state."""


def outcome_unknown(failure: GroupsError) -> bool:
    """Whether a failed create may have made the group: an answer that never came, could not be
    read, or came from something in front of the vendor (a 5xx of a proxy or gateway may follow
    the vendor's commit). Only a request that certainly never reached the vendor (refused
    connection, the token call before it) or that the vendor itself refused (4xx, 429
    included) is known not to have acted."""
    if isinstance(failure, CallFailed) and failure.needed_for:
        return False  # a step before the create failed (the token call): the create was not sent
    if isinstance(failure, RequestFailed):
        return failure.may_have_reached_vendor
    return isinstance(failure, ApiError) and (failure.status or 0) >= 500

