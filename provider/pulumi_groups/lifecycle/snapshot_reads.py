"""Reads served from listing snapshots (``GroupProvider`` holds one; see ``snapshot.py``).

``snapshot.py`` knows nothing of Pulumi or vendors; this is where a resource's hooks decide what
one listing covers (``snapshot_scope``), how to list it (``api_list_all``), how to confirm a miss
(``api_confirm_missing``), and how the provider's own writes keep a listing right (``note_write``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from pulumi_groups.errors import NotFound
from pulumi_groups.http import registry
from pulumi_groups.http.client import VendorClient
from pulumi_groups.lifecycle import snapshot
from pulumi_groups.lifecycle.hooks import GroupHooks
from pulumi_groups.lifecycle.notices import warn


def load_setting(hooks: GroupHooks[Any], config: Any) -> snapshot.Setting:
    """The resource's snapshot setting from stack config (None: defaults); each problem is
    warned once per process, not once per configured provider."""
    key = hooks.snapshot_config_key
    value = config.get(key) if (config is not None and key) else None
    setting, problems = snapshot.read_setting(value, config_key=key or "readSnapshot")
    for problem in problems:
        registry.shared("warned", problem, partial(_warned, problem))
    return setting


def _warned(problem: str) -> bool:
    warn(problem)
    return True


class SnapshotReads:
    def __init__(self, hooks: GroupHooks[Any], setting: snapshot.Setting) -> None:
        self.hooks = hooks
        self.setting = setting

    def live_group(self, client: VendorClient, group_id: str, props: dict, *, now: bool = False) -> dict | None:
        """The live group, or None when it is gone (confirmed by two answers, never by one).

        With a snapshot: from the scope's listing (the first read lists every page, the reads
        after it are answered from it); a group missing from that fresh listing is asked for by
        id (it may have been made since), and a not-found then means gone without listing again.
        Without one, or ``now`` (a write about to send what is live: no listing up to 30 s old):
        a GET by id, and a not-found confirmed against the list.
        """
        hooks = self.hooks
        listing = None if now else self._listing(client, props)
        if listing is not None:
            group = listing.lookup(group_id, lambda: hooks.api_list_all(client, props))
            if group is None:
                group = hooks.api_confirm_missing(client, group_id, props)
                if group is not None:
                    listing.remember(group_id, group, answered=True)
            return group
        try:
            return hooks.api_get(client, group_id, props)
        except NotFound:
            return hooks.api_list_find_id(client, group_id, props)

    def find_listed(
        self, client: VendorClient, inputs: dict, match: Callable[[dict], bool], list_now: Callable[[], list]
    ) -> dict | None:
        """The group a declaration's unique key points at (for adoption): from the scope's fresh
        listing when there is one, so adopting N existing groups costs one listing, not N; a group
        the listing does not hold may be newer than it, so only ``list_now()`` says it is absent."""
        listing = self._listing(client, inputs)
        if listing is not None:
            found = listing.find(match, lambda: self.hooks.api_list_all(client, inputs))
            if found is not None:
                return found
        return next((group for group in list_now() if match(group)), None)

    def fresh_groups(self, client: VendorClient, props: dict) -> list[dict] | None:
        """The scope's groups from a fresh listing this process already holds (kept right by its
        own writes), or None: lets a create's "what was there before" skip a second listing."""
        listing = self._listing(client, props)
        return None if listing is None else listing.current()

    def note_write(
        self, client: VendorClient, props: dict, group_id: str, group: dict | None = None, before: dict | None = None
    ) -> None:
        """Keep the read snapshot right after a write by this process: the vendor's answer
        replaces the entry; no answer (a delete, an outcome not known) drops it. ``before``: the
        group's previous outputs, whose scope it leaves when a write moved it (WeSurvey parent)."""
        hooks = self.hooks
        try:
            listing = self._listing(client, props)
            if before is not None and hooks.snapshot_scope(client, before) != hooks.snapshot_scope(client, props):
                old = self._listing(client, before)
                if old is not None:
                    old.forget(group_id)
            if listing is None:
                return
            entry = None if group is None else hooks.snapshot_entry(group)
            if entry is None:
                listing.forget(group_id)
            else:
                listing.remember(group_id, entry)
        except Exception:  # noqa: BLE001 - a cache must never fail a write that has happened
            pass

    def _listing(self, client: VendorClient, props: dict) -> snapshot.Snapshot | None:
        if not self.setting.enabled:
            return None
        scope = self.hooks.snapshot_scope(client, props)
        return None if scope is None else snapshot.shared(scope, self.setting.ttl_seconds)
