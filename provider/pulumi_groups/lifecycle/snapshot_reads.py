"""Reads served from listing snapshots (a mixin of ``GroupProvider``; see ``snapshot.py``).

``snapshot.py`` knows nothing of Pulumi or vendors; this is where a provider decides what one
listing covers (``snapshot_scope``), how to list it (``api_list_all``), how to confirm a miss
(``api_confirm_missing``) and how its own writes keep a listing right (``_note_write``).
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Hashable

from pulumi_groups.http import registry
from pulumi_groups.lifecycle import snapshot
from pulumi_groups.errors import NotFound
from pulumi_groups.lifecycle.notices import warn


class SnapshotReads:
    # Read snapshots (snapshot.py): a resource that names a scope and lists it is refreshed from
    # one listing per scope; one that does not (scope None) reads one GET per group.
    snapshot_config_key: ClassVar[str | None] = None  # e.g. "capillary:readSnapshot"

    def snapshot_scope(self, client: Any, props: dict) -> Hashable | None:
        """What one listing covers, e.g. ``(credential, "badge")``; None: no snapshot."""
        return None

    def api_list_all(self, client: Any, props: dict) -> list[dict]:
        """Every group of the snapshot scope, all pages."""
        raise NotImplementedError

    def api_confirm_missing(self, client: Any, group_id: str, props: dict) -> dict | None:
        """A group missing from a fresh listing: made after it, or gone. Asked by id."""
        try:
            return self.api_get(client, group_id, props)
        except NotFound:
            return None

    def snapshot_entry(self, group: dict) -> dict | None:
        """A write's answer as a snapshot entry, or None when it is not the vendor's full record
        (e.g. only what was declared, after a failed read-back): the entry is dropped instead."""
        return group

    # -- read snapshot ----------------------------------------------------------------------------
    def _live_group(self, client: Any, group_id: str, props: dict, *, now: bool = False) -> dict | None:
        """The live group, or None when it is gone (confirmed by two answers, never by one).

        With a snapshot: from the scope's listing (the first read lists every page, the reads
        after it are answered from it); a group missing from that fresh listing is asked for by
        id (it may have been made since), and a not-found then means gone without listing again.
        Without one, or ``now`` (a write about to send what is live: no listing up to 30 s old):
        a GET by id, and a not-found confirmed against the list.
        """
        listing = None if now else self._read_snapshot(client, props)
        if listing is not None:
            group = listing.lookup(group_id, lambda: self.api_list_all(client, props))
            if group is None:
                group = self.api_confirm_missing(client, group_id, props)
                if group is not None:
                    listing.remember(group_id, group, answered=True)
            return group
        try:
            return self.api_get(client, group_id, props)
        except NotFound:
            return self.api_list_find_id(client, group_id, props)

    def find_listed(self, client: Any, inputs: dict, match: Callable[[dict], bool], list_now: Callable[[], list]) -> dict | None:
        """The group a declaration's unique key points at (for adoption): from the scope's fresh
        listing when there is one, so adopting N existing groups costs one listing, not N; a group
        the listing does not hold may be newer than it, so only ``list_now()`` says it is absent."""
        listing = self._read_snapshot(client, inputs)
        if listing is not None:
            found = listing.find(match, lambda: self.api_list_all(client, inputs))
            if found is not None:
                return found
        return next((group for group in list_now() if match(group)), None)

    def _read_snapshot(self, client: Any, props: dict) -> snapshot.Snapshot | None:
        setting = getattr(self, "_snapshot_setting", None)
        if setting is None:
            setting = self._snapshot_setting = self._load_snapshot_setting(None)  # no configure()
        if not setting.enabled:
            return None
        scope = self.snapshot_scope(client, props)
        return None if scope is None else snapshot.shared(scope, setting.ttl_seconds)

    def _load_snapshot_setting(self, config: Any) -> snapshot.Setting:
        key = self.snapshot_config_key
        value = config.get(key) if (config is not None and key) else None
        setting, problems = snapshot.read_setting(value, config_key=key or "readSnapshot")
        for problem in problems:  # once per process, not once per configured provider
            registry.shared("warned", problem, lambda problem=problem: warn(problem) or True)
        return setting

    def _note_write(self, client: Any, props: dict, group_id: str, group: dict | None = None, before: dict | None = None) -> None:
        """Keep the read snapshot right after a write by this process: the vendor's answer
        replaces the entry; no answer (a delete, an outcome not known) drops it. ``before``: the
        group's previous outputs, whose scope it leaves when a write moved it (WeSurvey parent)."""
        try:
            listing = self._read_snapshot(client, props)
            if before is not None and self.snapshot_scope(client, before) != self.snapshot_scope(client, props):
                old = self._read_snapshot(client, before)
                if old is not None:
                    old.forget(group_id)
            if listing is None:
                return
            entry = None if group is None else self.snapshot_entry(group)
            if entry is None:
                listing.forget(group_id)
            else:
                listing.remember(group_id, entry)
        except Exception:  # noqa: BLE001 - a cache must never fail a write that has happened
            pass
