"""The lifecycle every group resource shares: check, diff, create (adopt-or-create), read,
update, delete. A resource module supplies its schema and a handful of hooks that talk to its
vendor client and translate shapes (``expand``: inputs -> API body, ``flatten``: API answer ->
outputs); everything else, and every rule about state, lives here once.

Provider instances are pickled by reference into every resource's ``__provider`` in state, so an
instance holds nothing: configuration is read in ``configure()`` inside the provider process and
clients come from the process-wide ``registry``. Module path and class name of each subclass are
a public API (they are in users' state): never rename or move one without a re-export.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Hashable

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import registry, snapshot
from .errors import ApiError, GroupsError, NameTaken, NotFound, RequestFailed
from .notices import notify, warn
from .schema import Field, Output, changed, check_inputs, coerce, is_unknown

# How many times a create whose outcome was unknown (and whose group is certainly absent) is sent:
# the first time and five more, as the transport retries every other call. Between attempts the
# transport's backoff; no new attempt once its retry budget (from the first failure) is spent.
CREATE_ATTEMPTS = 6


class GroupProvider(ResourceProvider):
    """Base of BadgeGroupProvider, RewardGroupProvider and ContactGroupProvider."""

    # The instance captures no secret, so its pickle need not be a secret (faster state, #6675).
    serialize_as_secret_always = False

    kind: ClassVar[str]  # "badge group", used in every message
    scope_field: ClassVar[str]  # "org" or "account"
    fields: ClassVar[tuple[Field, ...]]
    outputs: ClassVar[tuple[Output, ...]]

    # -- pickling: nothing on the instance ever reaches state -------------------------------------
    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        pass

    # -- hooks for each resource ------------------------------------------------------------------
    def load_config(self, config: Any) -> Any:
        """Parse stack config (or None: environment only) into the vendor's config object."""
        raise NotImplementedError

    def client(self, scope: str) -> Any:
        raise NotImplementedError

    def api_get(self, client: Any, group_id: str, props: dict) -> dict:
        """The live group; raise NotFound when the vendor says it does not exist."""
        raise NotImplementedError

    def api_list_find_id(self, client: Any, group_id: str, props: dict) -> dict | None:
        """The group with this id found by listing, to confirm a not-found before 'gone'."""
        raise NotImplementedError

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

    def api_create(self, client: Any, inputs: dict) -> dict:
        raise NotImplementedError

    def api_find_existing(self, client: Any, inputs: dict) -> dict | None:
        """The group the declaration's unique key (name, remote id) points at, if any."""
        raise NotImplementedError

    def api_update(self, client: Any, group_id: str, olds: dict, inputs: dict) -> dict:
        raise NotImplementedError

    def api_delete(self, client: Any, group_id: str, outputs: dict) -> None:
        raise NotImplementedError

    def group_id(self, group: dict) -> str:
        return str(group["id"])

    def flatten(self, group: dict, inputs: dict) -> dict:
        """API answer -> outputs (every input key too, so ``read`` can return live inputs)."""
        raise NotImplementedError

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

    def warn_on_change(self, name: str, olds: dict, news: dict) -> None:
        """Say at preview what a change will do that a person must know before it happens."""

    # -- configuration ----------------------------------------------------------------------------
    def configure(self, req: ConfigureRequest) -> None:
        # Runs in the provider process only, after unpickling: never pickled into state.
        self._config = self.load_config(req.config)
        self._snapshot_setting = self._load_snapshot_setting(req.config)

    @property
    def config(self) -> Any:
        if getattr(self, "_config", None) is None:
            self._config = self.load_config(None)  # no configure() (old engine): environment only
        return self._config

    def label(self, props: dict, group_id: str | None = None) -> str:
        name = props.get("name")
        scope = props.get(self.scope_field)
        text = f"{self.kind} {name!r}" if name else f"{self.kind}"
        if group_id:
            text += f" (id {group_id})"
        return f"{text} in {self.scope_field} {scope!r}"

    # -- lifecycle --------------------------------------------------------------------------------
    def check(self, olds: dict, news: dict) -> CheckResult:
        inputs, failures = check_inputs(self.fields, news)
        scope = inputs.get(self.scope_field)
        if scope is not None and not is_unknown(scope):
            problem = self.config.problem_for(scope)
            if problem:
                failures.append(CheckFailure(self.scope_field, problem))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        replaces = [f.name for f in self.fields if f.on_change == "replace" and changed(f, olds.get(f.name), news.get(f.name))]
        updates = [f.name for f in self.fields if f.on_change == "update" and changed(f, olds.get(f.name), news.get(f.name))]
        if updates and not replaces:
            self.warn_on_change(_id, olds, news)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=bool(replaces))

    def create(self, props: dict) -> CreateResult:
        inputs = self._inputs(props)
        client = self.client(inputs[self.scope_field])
        group = self._adopt_or_create(client, inputs)
        self._note_write(client, inputs, self.group_id(group), group)
        return CreateResult(self.group_id(group), self.flatten(group, inputs))

    def read(self, group_id: str, props: dict) -> ReadResult:
        inputs = self._inputs(props, strict=False)
        client = self.client(inputs[self.scope_field])
        try:
            group = self._live_group(client, group_id, props)
        except (ApiError, RequestFailed) as failed:  # a listing names no group: say which read it served
            failed.during = failed.during or f"reading {self.label(inputs, group_id)}"
            raise
        if group is None:
            notify(f"{self.label(inputs, group_id)} no longer exists; dropping it from the stack's state")
            return ReadResult(None, {})
        outputs = self.flatten(group, inputs)
        live_inputs = {f.name: outputs.get(f.name) for f in self.fields}
        return ReadResult(self.group_id(group), outputs, live_inputs)

    def update(self, group_id: str, olds: dict, news: dict) -> UpdateResult:
        inputs = self._inputs(news)
        client = self.client(inputs[self.scope_field])
        try:
            group = self.api_update(client, group_id, olds, inputs)
        except NotFound as gone:
            self._note_write(client, olds, group_id)
            gone.hint = (
                f"The {self.kind} is gone from the {self.scope_field}: run `pulumi refresh` to drop it "
                "from state, then `pulumi up` to create it again"
            )
            raise
        except BaseException:
            self._note_write(client, olds, group_id)  # the outcome is unknown: forget the entry
            raise
        self._note_write(client, inputs, group_id, group, before=olds)
        return UpdateResult(self.flatten(group, inputs))

    def delete(self, group_id: str, props: dict) -> None:
        inputs = self._inputs(props, strict=False)
        client = self.client(inputs[self.scope_field])
        try:
            # The stored outputs come back from the engine with floats for ints (rank 3.0):
            # owned fields normalized, as every other call sends them.
            self.api_delete(client, group_id, {**props, **inputs})
        except NotFound:
            pass  # already gone: exactly what delete wants
        finally:
            self._note_write(client, props, group_id)

    # -- read snapshot ----------------------------------------------------------------------------
    def _live_group(self, client: Any, group_id: str, props: dict) -> dict | None:
        """The live group, or None when it is gone (confirmed by two answers, never by one).

        With a snapshot: from the scope's listing (the first read lists every page, the reads
        after it are answered from it); a group missing from that fresh listing is asked for by
        id (it may have been made since), and a not-found then means gone without listing again.
        Without one: a GET by id, and a not-found confirmed against the list.
        """
        listing = self._read_snapshot(client, props)
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

    # -- shared pieces ----------------------------------------------------------------------------
    def _inputs(self, props: dict, strict: bool = True) -> dict:
        """Owned inputs, normalized; ``strict`` refuses what check would (defence in depth)."""
        inputs: dict[str, Any] = {}
        for field in self.fields:
            value = props.get(field.name)
            if value is None:
                inputs[field.name] = field.default
                continue
            kept, reason = coerce(field, value)
            if reason and strict:
                raise GroupsError(f"{self.kind}: {reason}")
            inputs[field.name] = value if reason else kept
        return inputs

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
