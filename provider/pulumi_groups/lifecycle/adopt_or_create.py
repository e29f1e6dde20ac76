"""Adopt-or-create: the create flow every group resource shares (a mixin of ``GroupProvider``).

A create must never leave a duplicate group, nor a group that exists but is missing from state
(``create`` raising means "nothing was created" to the engine). So:
- the vendor says the unique key (name, remote id) is taken: with ``adopt`` the existing group is
  taken over, else the error names its id and the ``adopt`` input;
- the outcome is unknown (timeout, reset, unreadable or 5xx answer, a success without an id):
  the group is looked up by its unique key and taken over when it is the one this create made;
  the create is sent again only when the group is certainly absent and the vendor keeps the key
  unique; where it does not, never (and a group that matched before the create is never taken).
Resources supply ``api_create``, ``api_find_existing``, ``api_update``, ``flatten`` and say how
unique their key is (``unique_key_enforced``) and what a create sets (``create_fields``).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from pulumi_groups.errors import ApiError, GroupsError, NameTaken, RequestFailed, outcome_unknown
from pulumi_groups.lifecycle.notices import notify, warn
from pulumi_groups.lifecycle.schema import changed

# How many times a create whose outcome was unknown (and whose group is certainly absent) is sent:
# the first time and five more, as the transport retries every other call. Between attempts the
# transport's backoff; no new attempt once its retry budget (from the first failure) is spent.
CREATE_ATTEMPTS = 6


class AdoptOrCreate:
    def matches(self, group: dict, inputs: dict) -> bool:
        """Whether a live group already has every declared value."""
        live = self.flatten(group, inputs)
        return all(not changed(f, live.get(f.name), inputs.get(f.name)) for f in self.fields if f.on_change == "update")

    # The inputs a create request itself sets (None: every updatable input). A group found by its
    # unique key after a lost create answer is taken for that create when these match; the rest
    # (e.g. a reward group's `active`, set by a PUT after the create) is then set by _take_over.
    create_fields: ClassVar[tuple[str, ...] | None] = None

    def unique_key_enforced(self, inputs: dict) -> bool:
        """Whether the vendor refuses a second group with this declaration's unique key (badge and
        reward names: always), so that a create that lands twice cannot make two groups. Where it
        does not (a contact group without remote_id), a create that timed out is not sent again:
        it may still land after any lookup."""
        return True

    def matches_created(self, group: dict, inputs: dict) -> bool:
        """Whether a live group looks like what this declaration's create request makes."""
        live = self.flatten(group, inputs)
        names = self.create_fields
        return all(
            not changed(f, live.get(f.name), inputs.get(f.name))
            for f in self.fields
            if f.on_change == "update" and (names is None or f.name in names)
        )

    def _adopt_or_create(self, client: Any, inputs: dict) -> dict:
        """Create the group, or take over the one that already has its unique key.

        - The vendor says the name is taken: with ``adopt`` take the existing group over (update
          it to the declared values); without, fail naming its id and the ``adopt`` input.
        - The create's outcome is unknown (timeout, reset, unreadable answer, a 5xx that may come
          from a proxy after the vendor acted, a success without the new group's id): look the
          group up by its unique key; take it over when it is there with the values the create
          sent (or with ``adopt``); send the create again only when it is certainly absent,
          after the transport's backoff, at most CREATE_ATTEMPTS times and within its retry
          budget.
        - "Name taken" after an attempt whose outcome was unknown is that attempt, landed late
          (the vendor may finish a request after the client gave up on it): taken over likewise.
        - A key the vendor does not keep unique (a contact group without remote_id): see
          ``_create_once``; such a create is never sent twice.
        - When the lookup itself fails after an unknown outcome, the error says the group may
          exist now and what to do, since `create` failing records nothing in state.
        """
        if not self.unique_key_enforced(inputs):
            return self._create_once(client, inputs)
        last_failure: GroupsError | None = None
        policy = getattr(getattr(client, "transport", None), "retry", None)
        first_failure_at = 0.0
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            if last_failure is not None and policy is not None:
                remaining = policy.budget_seconds - (time.monotonic() - first_failure_at)
                if remaining <= 0:
                    break
                wait = policy.backoff(attempt - 1)
                asked = getattr(last_failure, "retry_after", None)  # a 503's Retry-After
                if asked:
                    wait = max(wait, min(asked, policy.retry_after_max))
                time.sleep(min(wait, remaining))
            try:
                return self._create_with_id(client, inputs)
            except NameTaken as taken:
                existing = self._find_existing(client, inputs, last_failure)
                if existing is None:
                    raise
                if last_failure is not None and self.matches_created(existing, inputs):
                    notify(f"{self.label(inputs, self.group_id(existing))}: an earlier create whose answer was lost made the group; taking it over")
                    return self._take_over_made(client, existing, inputs)
                if not inputs.get("adopt"):
                    taken.hint = self._adopt_hint(existing)
                    raise
                return self._take_over(client, existing, inputs)
            except (RequestFailed, ApiError) as failed:
                if not outcome_unknown(failed):
                    raise
                if last_failure is None:
                    first_failure_at = time.monotonic()
                last_failure = failed
                existing = self._find_existing(client, inputs, failed)
                if existing is None:
                    continue  # certainly absent, and the vendor refuses a second one: safe to send again
                if self.matches_created(existing, inputs):
                    notify(f"{self.label(inputs, self.group_id(existing))}: the create's answer was lost, but the group is there; taking it over")
                    return self._take_over_made(client, existing, inputs)
                if inputs.get("adopt"):
                    return self._take_over(client, existing, inputs)
                other_values = GroupsError(
                    f"{failed}. A {self.kind} with this name exists now "
                    f"(id {self.group_id(existing)}) but with other values; set adopt: true to take it over"
                )
            raise other_values  # outside the handler: no __context__ (see transport._send)
        assert last_failure is not None
        raise last_failure

    def _create_with_id(self, client: Any, inputs: dict) -> dict:
        """``api_create``, whose answer must name the new group: a success without an id (a
        ``data: null``, a proxy's empty 200) is an outcome as unknown as a lost answer."""
        group = self.api_create(client, inputs)
        if isinstance(group, dict) and group.get("id") not in (None, ""):
            return group
        context = client.transport.context(f"create {self.kind}", inputs.get("name"))
        raise RequestFailed(context, f"the answer holds no id of the new {self.kind}", True)

    def _create_once(self, client: Any, inputs: dict) -> dict:
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
                warn(f"{self.label(inputs)}: {len(before)} groups have this key; taking the oldest (id {self.group_id(before[0])})")
            notify(f"{self.label(inputs, self.group_id(before[0]))}: taking over the existing group")
            return self._take_over(client, before[0], inputs)
        try:
            return self._create_with_id(client, inputs)
        except (RequestFailed, ApiError) as failed:
            if not outcome_unknown(failed):
                raise
            unknown = failed
        timeouts = getattr(getattr(client, "transport", None), "timeouts", None)
        time.sleep(getattr(timeouts, "read", 0.0))
        known = {self.group_id(group) for group in before}
        new = [group for group in self._find_candidates(client, inputs, unknown) if self.group_id(group) not in known]
        if len(new) == 1 and (inputs.get("adopt") or self.matches_created(new[0], inputs)):
            notify(f"{self.label(inputs, self.group_id(new[0]))}: the create's answer was lost, but the group is there; taking it over")
            return self._take_over_made(client, new[0], inputs)
        raise GroupsError(self._never_twice_message(inputs, unknown, before, new))

    def _never_twice_message(self, inputs: dict, unknown: GroupsError, before: list, new: list) -> str:
        def ids(groups: list) -> str:
            return ", ".join(self.group_id(group) for group in groups)

        if new:
            found = (
                f"{len(new)} new {self.kind}s with this name appeared (ids {ids(new)})"
                if len(new) > 1
                else f"a new {self.kind} with this name appeared (id {ids(new)}) but with other values"
            )
            text = f"{unknown}. {self.label(inputs)}: {found}, so which one this create made is not known"
        else:
            text = f"{unknown}. {self.label(inputs)} is not there yet but may still be created"
        text += (
            f": the vendor does not keep this {self.kind}'s key unique, so sending it again could make "
            "a second one, and nothing was sent again"
        )
        if before:
            return text + (
                f". Groups with this name were there before this create (ids {ids(before)}) and are never "
                "taken for it. Check the vendor's console; then run `pulumi up` again with adopt: true, "
                f"which takes over the oldest (id {self.group_id(before[0])}), after deleting any extra "
                "group, or give the declaration a unique key (remote_id)"
            )
        return text + (
            ". Run `pulumi up` again with adopt: true on it: that takes the group over if it landed "
            "and creates it if not (a unique key, e.g. remote_id, avoids this)"
        )

    def _find_existing(self, client: Any, inputs: dict, unknown: GroupsError | None) -> dict | None:
        """``api_find_existing``; after a create with no certain outcome, a failed lookup says so."""
        return self._lookup(lambda: self.api_find_existing(client, inputs), inputs, unknown)

    def _find_candidates(self, client: Any, inputs: dict, unknown: GroupsError | None) -> list[dict]:
        return self._lookup(lambda: self.api_find_candidates(client, inputs), inputs, unknown)

    def api_find_candidates(self, client: Any, inputs: dict) -> list[dict]:
        """Every group the declaration's key points at, oldest first, from a listing made now
        (needed only where the vendor does not keep the key unique)."""
        existing = self.api_find_existing(client, inputs)
        return [] if existing is None else [existing]

    def _lookup(self, find, inputs: dict, unknown: GroupsError | None):
        try:
            return find()
        except (ApiError, RequestFailed) as lookup_failed:
            lookup_failed.during = lookup_failed.during or f"looking for {self.label(inputs)} by its key"
            if unknown is not None:
                lookup_failed.hint = (
                    f"Creating {self.label(inputs)} got no certain answer ({_short(unknown)}) and "
                    "looking it up failed, so it may exist now. Run `pulumi up` again; if it then "
                    "says the name is taken, that is this group: set adopt: true to take it over"
                )
            raise

    def _take_over_made(self, client: Any, existing: dict, inputs: dict) -> dict:
        """Take over the group this create made: it exists now, so its id must reach state even
        when setting the rest of the declared values fails (the next `pulumi up` sets them)."""
        try:
            return self._take_over(client, existing, inputs)
        except GroupsError as failed:
            warn(
                f"{self.label(inputs, self.group_id(existing))} was created, but setting its declared "
                f"values failed ({failed}); the next `pulumi up` sets them"
            )
            return existing

    def _take_over(self, client: Any, existing: dict, inputs: dict) -> dict:
        if self.matches(existing, inputs):
            return existing
        return self.api_update(client, self.group_id(existing), self.flatten(existing, inputs), inputs)

    def _adopt_hint(self, existing: dict) -> str:
        return (
            f"A {self.kind} with this name already exists (id {self.group_id(existing)}), perhaps made by hand or "
            "kept after a `pulumi destroy` (badge groups cannot be deleted; reward groups are only "
            "deactivated). Set adopt: true on this declaration to take it over"
        )


def _short(failure: GroupsError) -> str:
    if isinstance(failure, RequestFailed):
        return failure.reason
    if isinstance(failure, ApiError):
        return f"HTTP {failure.status}" + (f", request id {failure.request_id}" if failure.request_id else "")
    return type(failure).__name__
