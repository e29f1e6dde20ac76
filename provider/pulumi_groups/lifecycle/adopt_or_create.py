"""Adopt-or-create: the create flow every group resource shares (``GroupProvider.create`` runs it).

A create must never leave a duplicate group, nor a group that exists but is missing from state
(``create`` raising means "nothing was created" to the engine). So:
- the unique key (name, remote id) is taken already (the run's one listing of the org, taken
  before the first attempt, shows it; or the vendor says so): with ``adopt`` the existing group is
  taken over, else the error names its id, the aliases and the ``adopt`` input, and nothing is sent;
- the outcome is unknown (timeout, reset, unreadable or 5xx answer, a success without an id):
  the group is looked up by its unique key and taken over only when it was not there before the
  first attempt (``ownership.py``);
  the create is sent again only when the group is certainly absent and the vendor keeps the key
  unique; where it does not, never (and a group that matched before the create is never taken).
It calls only hooks (``lifecycle/hooks.py``): ``api_create``, ``api_find_existing``,
``api_find_candidates``, ``api_update``, ``flatten``, ``unique_key_enforced``, ``create_fields``,
``adopt_hint``; and it paces a create sent again with the client's ``wait_to_resend``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from pulumi_groups.errors import ApiError, CallFailed, GroupsError, NameTaken, RequestFailed, calls_for, outcome_unknown
from pulumi_groups.http.client import VendorClient
from pulumi_groups.lifecycle import create_journal, ownership
from pulumi_groups.lifecycle.hooks import GroupHooks
from pulumi_groups.lifecycle.notices import notify, warn
from pulumi_groups.lifecycle.schema import changed
from pulumi_groups.lifecycle.snapshot_reads import SnapshotReads

T = TypeVar("T")
LOST_BUT_THERE = "the create's answer was lost, but the group is there; taking it over"


class AdoptOrCreate:
    """The create flow of one resource, over its hooks."""

    def __init__(self, hooks: GroupHooks[Any], reads: SnapshotReads | None = None) -> None:
        self.hooks = hooks
        self.reads = reads  # the provider's read snapshots: a fresh listing spares one

    def matches(self, group: dict, inputs: dict) -> bool:
        """Whether a live group already has every declared value."""
        return self._same_values(group, inputs, None)

    def matches_created(self, group: dict, inputs: dict) -> bool:
        """Whether a live group looks like what this declaration's create request makes."""
        return self._same_values(group, inputs, self.hooks.create_fields)

    def _same_values(self, group: dict, inputs: dict, names: tuple[str, ...] | None) -> bool:
        live = self.hooks.flatten(group, inputs)
        return all(
            not changed(f, live.get(f.name), inputs.get(f.name))
            for f in self.hooks.fields
            if f.on_change == "update" and (names is None or f.name in names)
        )

    def run(self, client: VendorClient, inputs: dict) -> dict:
        """Create the group, or take over the one that already has its unique key.

        - The key is taken before the first attempt (the run's one listing of the org shows it):
          with ``adopt`` take that group over (update it to the declared values); without, fail at
          once naming its id, the aliases and ``adopt``, sending nothing. The same when the vendor
          says the name is taken.
        - The create's outcome is unknown (timeout, reset, unreadable answer, a 5xx that may come
          from a proxy after the vendor acted, a success without the new group's id): look the
          group up by its unique key; take it over when it was not there before the first
          attempt (``ownership.take_after_unknown``) and has the values the create sent;
          send the create again only when it is certainly absent,
          paced as the transport paces its own retries and within their count and time budget.
        - "Name taken" after an attempt whose outcome was unknown is that attempt, landed late
          (the vendor may finish a request after the client gave up on it): taken over likewise.
        - A key the vendor does not keep unique (a contact group without remote_id): see
          ``_create_once``; such a create is never sent twice.
        - When the lookup itself fails after an unknown outcome, the error says the group may
          exist now and what to do, since `create` failing records nothing in state.
        """
        if not self.hooks.unique_key_enforced(inputs):
            return self._create_once(client, inputs)
        before = self._groups_before(client, inputs)
        if before:
            # Taken before anything is sent: adopt it, or fail with the hint, sending nothing.
            holder = before[0]
            if not inputs.get("adopt"):
                context = client.context(f"create {self.hooks.kind}", inputs.get("name"))
                raise NameTaken(context, message="the key is taken already",
                                hint=self.hooks.adopt_hint(holder))
            notify(f"{self._named(inputs, holder)}: taking over the existing group (adopt: true)")
            return self._take_over(client, holder, inputs)
        before_ids = {self.hooks.group_id(group) for group in before}
        self._journal(inputs, inputs.get("remote_id") or inputs.get("name"))
        last_failure: CallFailed | None = None
        first_failure_at = 0.0
        resends = 0
        while True:
            if last_failure is not None:
                resends += 1
                retry_after = last_failure.retry_after if isinstance(last_failure, ApiError) else None  # a 503's
                if not client.wait_to_resend(resends, first_failure_at, retry_after):
                    raise last_failure
            try:
                return self._create_with_id(client, inputs)
            except NameTaken as taken:
                existing = self._find_existing(client, inputs, last_failure)
                if existing is None:
                    raise
                ours = ownership.take_after_unknown(existing, before_ids)
                if last_failure is not None and ours and self.matches_created(existing, inputs):
                    notify(f"{self._named(inputs, existing)}: an earlier create whose answer was lost made the group; "
                           "taking it over")
                    return self._take_over_made(client, existing, inputs)
                if not inputs.get("adopt"):
                    taken.hint = self.hooks.adopt_hint(existing)
                    raise
                return self._take_over(client, existing, inputs)
            except CallFailed as failed:
                if not outcome_unknown(failed):
                    raise
                if last_failure is None:
                    first_failure_at = time.monotonic()
                last_failure = failed
                existing = self._find_existing(client, inputs, failed)
                if existing is None:
                    continue  # certainly absent, and the vendor refuses a second one: safe to send again
                ours = ownership.take_after_unknown(existing, before_ids)
                if ours and self.matches_created(existing, inputs):
                    notify(f"{self._named(inputs, existing)}: {LOST_BUT_THERE}")
                    return self._take_over_made(client, existing, inputs)
                if inputs.get("adopt"):
                    return self._take_over(client, existing, inputs)
                other_values = GroupsError(
                    f"{failed}. A {self.hooks.kind} with this name exists now "
                    f"(id {self.hooks.group_id(existing)}) but with other values; set adopt: true to take it over"
                )
            raise other_values  # outside the handler: no __context__ (see transport._send)

    def _groups_before(self, client: VendorClient, inputs: dict) -> list[dict]:
        """The groups holding the declaration's key before this create's first attempt: from the
        run's one listing of the scope (``ownership.run().listed_before``; the read snapshot's
        when it holds a fresh one), else looked up now."""
        hooks = self.hooks
        scope = hooks.before_scope(client, inputs)
        if scope is None:
            return self._find_candidates(client, inputs, None)
        def list_before() -> list[dict]:
            # The read snapshot's fresh listing of the same scope (a refresh, or reads earlier in
            # this run) serves as well as a new one: creates cost no extra listing after reads.
            same_scope = self.reads is not None and scope == hooks.snapshot_scope(client, inputs)
            held = self.reads.fresh_groups(client, inputs) if self.reads is not None and same_scope else None
            return hooks.api_list_before(client, inputs) if held is None else held

        # Nothing was sent when this fails: say what the listing was for.
        with calls_for(during=f"listing which keys are taken, before it could create {hooks.kind} "
                              f"{inputs.get('name')!r}"):
            listed = ownership.run().listed_before(scope, list_before, lambda g: hooks.has_key(g, inputs))
        return sorted((g for g in listed if hooks.has_key(g, inputs)), key=lambda g: str(hooks.group_id(g)))

    def _journal(self, inputs: dict, key: str | None) -> None:
        """The create's intent, durable before anything is sent (``create_journal``; off unless a
        run names a journal file): the key was free before this run, so what it names is ours."""
        field = self.hooks.scope_field
        create_journal.record(self.hooks.kind, field, inputs.get(field), inputs.get("name"), key)

    def _create_with_id(self, client: VendorClient, inputs: dict) -> dict:
        """``api_create``, whose answer must name the new group: a success without an id (a
        ``data: null``, a proxy's empty 200) is an outcome as unknown as a lost answer."""
        group = self.hooks.api_create(client, inputs)
        if isinstance(group, dict) and group.get("id") not in (None, ""):
            return group
        context = client.context(f"create {self.hooks.kind}", inputs.get("name"))
        raise RequestFailed(context, f"the answer holds no id of the new {self.hooks.kind}", True)

    def _create_once(self, client: VendorClient, inputs: dict) -> dict:
        """A create whose key the vendor does not keep unique (WeSurvey names): sent at most once.

        The groups that already match the key are noted before anything is sent (with
        ``adopt``, the oldest is taken over instead of creating one). After an unknown outcome
        the provider gives the vendor as long again as the client waited, looks once more, and
        takes over a matching group only if it was not there before: a group made by hand under
        the same name is never taken for this create. Otherwise it fails, naming the group and
        what to do; it never sends the create a second time, since that one may still land.
        """
        before = self._find_candidates(client, inputs, None)
        if inputs.get("adopt") and before:
            if len(before) > 1:
                warn(f"{self.hooks.label(inputs)}: {len(before)} groups have this key; "
                     f"taking the oldest (id {self.hooks.group_id(before[0])})")
            notify(f"{self.hooks.label(inputs, self.hooks.group_id(before[0]))}: taking over the existing group")
            return self._take_over(client, before[0], inputs)
        self._journal(inputs, None)
        try:
            return self._create_with_id(client, inputs)
        except CallFailed as failed:
            if not outcome_unknown(failed):
                raise
            unknown = failed
        time.sleep(client.timeouts.read)
        known = {self.hooks.group_id(group) for group in before}
        found = self._find_candidates(client, inputs, unknown)
        new = [group for group in found if self.hooks.group_id(group) not in known]
        if len(new) == 1 and (inputs.get("adopt") or self.matches_created(new[0], inputs)):
            notify(f"{self._named(inputs, new[0])}: {LOST_BUT_THERE}")
            return self._take_over_made(client, new[0], inputs)
        raise GroupsError(self._never_twice_message(inputs, unknown, before, new))

    def _never_twice_message(self, inputs: dict, unknown: GroupsError, before: list, new: list) -> str:
        def ids(groups: list) -> str:
            return ", ".join(self.hooks.group_id(group) for group in groups)

        if new:
            found = (
                f"{len(new)} new {self.hooks.kind}s with this name appeared (ids {ids(new)})"
                if len(new) > 1
                else f"a new {self.hooks.kind} with this name appeared (id {ids(new)}) but with other values"
            )
            text = f"{unknown}. {self.hooks.label(inputs)}: {found}, so which one this create made is not known"
        else:
            text = f"{unknown}. {self.hooks.label(inputs)} is not there yet but may still be created"
        text += (
            f": the vendor does not keep this {self.hooks.kind}'s key unique, so sending it again could make "
            "a second one, and nothing was sent again"
        )
        if before:
            return text + (
                f". Groups with this name were there before this create (ids {ids(before)}) and are never "
                "taken for it. Check the vendor's console; then run `pulumi up` again with adopt: true, "
                f"which takes over the oldest (id {self.hooks.group_id(before[0])}), after deleting any extra "
                "group, or give the declaration a unique key (remote_id)"
            )
        return text + (
            ". Run `pulumi up` again with adopt: true on it: that takes the group over if it landed "
            "and creates it if not (a unique key, e.g. remote_id, avoids this)"
        )

    def _find_existing(self, client: VendorClient, inputs: dict, unknown: GroupsError | None) -> dict | None:
        """``api_find_existing``; after a create with no certain outcome, a failed lookup says so."""
        return self._lookup(lambda: self.hooks.api_find_existing(client, inputs), inputs, unknown)

    def _find_candidates(self, client: VendorClient, inputs: dict, unknown: GroupsError | None) -> list[dict]:
        return self._lookup(lambda: self.hooks.api_find_candidates(client, inputs), inputs, unknown)

    def _lookup(self, find: Callable[[], T], inputs: dict, unknown: GroupsError | None) -> T:
        try:
            with calls_for(during=f"looking for {self.hooks.label(inputs)} by its key"):
                return find()
        except CallFailed as lookup_failed:
            if unknown is not None:
                lookup_failed.hint = (
                    f"Creating {self.hooks.label(inputs)} got no certain answer ({_short(unknown)}) and "
                    "looking it up failed, so it may exist now. Run `pulumi up` again; if it then "
                    "says the name is taken, that is this group: set adopt: true to take it over"
                )
            raise

    def _take_over_made(self, client: VendorClient, existing: dict, inputs: dict) -> dict:
        """Take over the group this create made: it exists now, so its id must reach state even
        when setting the rest of the declared values fails (the next `pulumi up` sets them)."""
        try:
            return self._take_over(client, existing, inputs)
        except GroupsError as failed:
            warn(
                f"{self.hooks.label(inputs, self.hooks.group_id(existing))} was created, but setting its declared "
                f"values failed ({failed}); the next `pulumi up` sets them"
            )
            return existing

    def _take_over(self, client: VendorClient, existing: dict, inputs: dict) -> dict:
        if self.matches(existing, inputs):
            return existing
        group_id, live = self.hooks.group_id(existing), self.hooks.flatten(existing, inputs)
        return self.hooks.api_update(client, group_id, live, inputs)

    def _named(self, inputs: dict, group: dict) -> str:
        return self.hooks.label(inputs, self.hooks.group_id(group))


def _short(failure: GroupsError) -> str:
    if isinstance(failure, RequestFailed):
        return failure.reason
    if isinstance(failure, ApiError):
        return f"HTTP {failure.status}" + (f", request id {failure.request_id}" if failure.request_id else "")
    return type(failure).__name__
