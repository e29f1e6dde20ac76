"""Read snapshots: one listing of a kind of group, shared by every thread of the provider process,
so that refreshing N groups costs ceil(N/100) list requests instead of N GETs by id.

A ``pulumi refresh`` calls ``read`` once per resource, up to 4 at a time. The first read of an
org (per kind: badge groups, reward groups; WeSurvey: contact groups per team and parent) lists
every page once; the reads after it are answered from that listing. This module knows nothing of
Pulumi or of any vendor: the provider decides what a scope is, how to list it, and what to do
with a miss (see ``GroupProvider.read``).

Rules
- **Scope.** One ``Snapshot`` per scope in the process-wide ``registry`` (a scope names the
  credential and the kind, e.g. ``(credential, "badge")``), so BadgeGroup's and RewardGroup's
  providers, configured separately, never list the same thing twice.
- **One listing at a time.** Concurrent first reads wait for the one listing in flight instead
  of each listing. A listing that fails is not kept: its caller gets the error, and the next
  reader (one of those waiting) lists again.
- **Age.** A listing answers for ``ttl_seconds`` (default ``DEFAULT_TTL_SECONDS`` = 30 s) counted
  from when its last page arrived. A refresh reads every resource right after the first one, so
  30 s covers a refresh of thousands of groups; once it has passed, the next read lists again.
  Each ``pulumi`` command starts its own provider process, so a later run never sees this one's
  listing at all; the TTL bounds staleness inside a long-lived process (tests, Automation API
  programs that keep one process).
- **Each id once.** The engine reads a resource once per operation. A second read of the same id
  from the same listing is a new question ("what is live *now*?"), so it takes a fresh listing
  instead of answering from the old one; that listing then answers the rest of the new pass.
- **Writes by this process** (``remember`` / ``forget``) keep a valid listing right: the
  vendor's answer to a create or update replaces the entry, a delete (or a write whose outcome is
  unknown) removes it, so a later read of it asks the vendor by id. A write that lands while a
  listing is in flight is applied on top of that listing when it arrives. Writes do not make an
  already-answered id answerable again (see "each id once").
- **Misses.** ``lookup`` returns None when the id is not in a fresh listing; the caller confirms
  with a GET by id before it reports the group gone (it may have been made after the listing).

Switch: stack config ``<vendor>:readSnapshot`` (true/false), else the environment variable
``PULUMI_GROUPS_READ_SNAPSHOT`` (1/0, true/false, on/off, yes/no); on by default. Off means the
naive read: one GET by id per group (the benchmark's baseline). ``PULUMI_GROUPS_READ_SNAPSHOT_TTL``
sets the TTL in seconds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

from pulumi_groups.http import registry

DEFAULT_TTL_SECONDS = 30.0
ENV_SWITCH = "PULUMI_GROUPS_READ_SNAPSHOT"
ENV_TTL = "PULUMI_GROUPS_READ_SNAPSHOT_TTL"
CONFIG_KEY = "readSnapshot"  # "<vendor>:readSnapshot" in stack config

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def now() -> float:
    """The snapshot clock (tests replace it to make a listing expire)."""
    return time.monotonic()


@dataclass(frozen=True)
class Setting:
    enabled: bool = True
    ttl_seconds: float = DEFAULT_TTL_SECONDS


def read_setting(
    config_value: object = None,
    environ: Mapping[str, str] | None = None,
    *,
    config_key: str = CONFIG_KEY,
) -> tuple[Setting, list[str]]:
    """The switch from stack config ``config_key`` (first) or the environment, and the problems
    found. Never raises: an unreadable value keeps the default and is reported for a warning.
    """
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    enabled = True
    for where, raw in ((config_key, config_value), (ENV_SWITCH, environ.get(ENV_SWITCH))):
        if raw is None or str(raw).strip() == "":
            continue
        text = str(raw).strip().lower()
        if text in _TRUE or text in _FALSE:
            enabled = text in _TRUE
            break
        problems.append(f"{where} must be true or false, got {str(raw)[:20]!r}; read snapshots stay on")
        break
    ttl = DEFAULT_TTL_SECONDS
    raw_ttl = environ.get(ENV_TTL)
    if raw_ttl not in (None, ""):
        try:
            ttl = float(raw_ttl)
            if not ttl > 0:
                raise ValueError
        except ValueError:
            ttl = DEFAULT_TTL_SECONDS
            problems.append(
                f"{ENV_TTL} must be a number of seconds above 0, got {raw_ttl[:20]!r}; using {DEFAULT_TTL_SECONDS:g}"
            )
    return Setting(enabled, ttl), problems


_DELETED = object()


class Snapshot:
    """The listing of one scope, answering reads by id; thread-safe."""

    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] | None = None) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._groups: dict[str, dict] | None = None
        self._served: set[str] = set()
        self._taken_at = 0.0
        self._listing = False  # a thread is listing now
        self._overlay: dict[str, object] = {}  # writes that landed while listing: id -> group | _DELETED
        # What tests and benchmarks look at.
        self.listings = 0
        self.answered = 0
        self.missed = 0

    def _now(self) -> float:
        return (self._clock or now)()

    def _fresh(self) -> bool:
        return self._groups is not None and self._now() - self._taken_at < self.ttl_seconds

    def lookup(self, group_id: object, list_all: Callable[[], Iterable[dict]]) -> dict | None:
        """The group with this id from a fresh listing (listing first when there is none), or
        None when a fresh listing does not hold it. Raises whatever ``list_all`` raises."""
        key = str(group_id)
        return self._from_listing(
            lambda: self._fresh() and key not in self._served, lambda: self._answer(key), list_all
        )

    def find(self, match: Callable[[dict], bool], list_all: Callable[[], Iterable[dict]]) -> dict | None:
        """A group of a fresh listing that ``match``es (e.g. by name, to adopt it), listing first
        when there is none; None when none does. Finding answers no read ("each id once")."""

        def first_match() -> dict | None:
            assert self._groups is not None
            return next((dict(g) for g in self._groups.values() if match(g)), None)

        return self._from_listing(self._fresh, first_match, list_all)

    def _from_listing(
        self, ready: Callable[[], bool], answer: Callable[[], dict | None], list_all: Callable[[], Iterable[dict]]
    ) -> dict | None:
        """``answer()`` under the lock once ``ready()``: at once, after another thread's listing,
        or after listing here (one listing in flight at a time)."""
        with self._cond:
            while True:
                if ready():
                    return answer()
                if not self._listing:
                    self._listing = True
                    self._overlay = {}
                    break
                self._cond.wait()  # another thread is listing: its listing will answer
        try:
            groups = list(list_all())
        except BaseException:
            with self._cond:
                self._listing = False
                self._cond.notify_all()
            raise
        with self._cond:
            fresh = {str(g["id"]): dict(g) for g in groups if isinstance(g, dict) and g.get("id") is not None}
            for overlay_key, value in self._overlay.items():
                if value is _DELETED:
                    fresh.pop(overlay_key, None)
                else:
                    fresh[overlay_key] = value  # type: ignore[assignment]
            self._groups, self._served, self._overlay = fresh, set(), {}
            self._taken_at = self._now()
            self._listing = False
            self.listings += 1
            self._cond.notify_all()
            return answer()

    def current(self) -> list[dict] | None:
        """Every group of a fresh listing as this process's writes left it, or None when there is
        no fresh listing (or one is being taken). Answers no read."""
        with self._cond:
            if self._listing or not self._fresh():
                return None
            assert self._groups is not None
            return [dict(g) for g in self._groups.values()]

    def _answer(self, key: str) -> dict | None:
        assert self._groups is not None
        group = self._groups.get(key)
        if group is None:
            self.missed += 1
            return None
        self._served.add(key)
        self.answered += 1
        return dict(group)

    def remember(self, group_id: object, group: dict, *, answered: bool = False) -> None:
        """The vendor's answer about this group (a create, an update, a GET after a miss)
        replaces the entry; ``answered`` marks it as already answered (a read just used it).
        An answer that does not carry this id is not trusted: the entry is dropped instead."""
        key = str(group_id)
        if not isinstance(group, dict) or str(group.get("id")) != key:
            self.forget(group_id)
            return
        with self._cond:
            if self._listing:
                self._overlay[key] = dict(group)
            if self._fresh():
                self._groups[key] = dict(group)  # type: ignore[index]
                if answered:
                    self._served.add(key)

    def forget(self, group_id: object) -> None:
        """Drop the entry (the group was deleted, or a write's outcome is unknown): the next
        read of it misses and asks the vendor by id."""
        key = str(group_id)
        with self._cond:
            if self._listing:
                self._overlay[key] = _DELETED
            if self._groups is not None:
                self._groups.pop(key, None)

    def expire(self) -> None:
        """Make the next read list again."""
        with self._cond:
            self._groups = None
            self._served = set()


def shared(scope: Hashable, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> Snapshot:
    """The process-wide snapshot of ``scope`` (made on first use with this TTL)."""
    snapshot = registry.shared("read-snapshot", scope, lambda: Snapshot(ttl_seconds))
    snapshot.ttl_seconds = ttl_seconds
    return snapshot
