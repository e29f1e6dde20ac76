"""Adopt-or-create: the create flow every group resource shares (a mixin of ``GroupProvider``).

A create must never leave a duplicate group, nor a group that exists but is missing from state
(``create`` raising means "nothing was created" to the engine). So:
- the vendor says the unique key (name, remote id) is taken: with ``adopt`` the existing group is
  taken over, else the error names its id and the ``adopt`` input;
- the outcome is unknown (timeout, reset, unreadable or 5xx answer): the group is looked up by
  its unique key and taken over when it is the one this create made; the create is sent again
  only when the group is certainly absent.
Resources supply ``api_create``, ``api_find_existing``, ``api_update``, ``flatten`` and say how
unique their key is (``unique_key_enforced``) and what a create sets (``create_fields``).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from .errors import ApiError, GroupsError, NameTaken, RequestFailed
from .notices import notify, warn
from .schema import changed

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
        - The create's outcome is unknown (timeout, reset, unreadable or 5xx answer): look the
          group up by its unique key; take it over when it is there with the values the create
          sent (or with ``adopt``); send the create again only when it is certainly absent, after
          the transport's backoff, at most CREATE_ATTEMPTS times and within its retry budget.
        - "Name taken" after an attempt whose outcome was unknown is that attempt, landed late
          (the vendor may finish a request after the client gave up on it): taken over likewise.
        - When the lookup itself fails after an unknown outcome, the error says the group may
          exist now and what to do, since `create` failing records nothing in state.
        """
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
                return self.api_create(client, inputs)
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
                if not _outcome_unknown(failed):
                    raise
                if last_failure is None:
                    first_failure_at = time.monotonic()
                last_failure = failed
                existing = self._find_existing(client, inputs, failed)
                if existing is None and getattr(failed, "in_flight", False) and not self.unique_key_enforced(inputs):
                    existing = self._settle_and_find(client, inputs, failed)
                if existing is None:
                    continue  # certainly absent: safe to create again
                if self.matches_created(existing, inputs):
                    notify(f"{self.label(inputs, self.group_id(existing))}: the create's answer was lost, but the group is there; taking it over")
                    return self._take_over_made(client, existing, inputs)
                if inputs.get("adopt"):
                    return self._take_over(client, existing, inputs)
                failed_message = str(failed)
                raise GroupsError(
                    f"{failed_message}. A {self.kind} with this name exists now "
                    f"(id {self.group_id(existing)}) but with other values; set adopt: true to take it over"
                ) from None
        assert last_failure is not None
        raise last_failure

    def _settle_and_find(self, client: Any, inputs: dict, failed: GroupsError) -> dict:
        """A timed-out create without a key the vendor keeps unique: give the vendor as long again
        as the client waited, look once more, and never send it a second time."""
        timeouts = getattr(getattr(client, "transport", None), "timeouts", None)
        time.sleep(getattr(timeouts, "read", 0.0))
        existing = self._find_existing(client, inputs, failed)
        if existing is not None:
            return existing
        raise GroupsError(
            f"{failed}. {self.label(inputs)} is not there yet but may still be created: the vendor "
            f"does not keep this {self.kind}'s key unique, so sending it again could make a second "
            "one. Run `pulumi up` again with adopt: true on it: that takes the group over if it "
            "landed and creates it if not (a unique key, e.g. remote_id, avoids this)"
        ) from None

    def _find_existing(self, client: Any, inputs: dict, unknown: GroupsError | None) -> dict | None:
        """``api_find_existing``; after a create with no certain outcome, a failed lookup says so."""
        try:
            return self.api_find_existing(client, inputs)
        except (ApiError, RequestFailed) as lookup_failed:
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


def _outcome_unknown(failure: GroupsError) -> bool:
    if getattr(failure, "needed_for", ""):
        return False  # a step before the create failed (the token call): the create was not sent
    if isinstance(failure, RequestFailed):
        return failure.may_have_reached_vendor
    return isinstance(failure, ApiError) and (failure.status or 0) >= 500


def _short(failure: GroupsError) -> str:
    if isinstance(failure, RequestFailed):
        return failure.reason
    if isinstance(failure, ApiError):
        return f"HTTP {failure.status}" + (f", request id {failure.request_id}" if failure.request_id else "")
    return type(failure).__name__
