"""The lifecycle every group resource shares: check, diff, create (adopt-or-create), read,
update, delete. What a resource implements is declared in one place, ``hooks.GroupHooks``; this
class runs the lifecycle around those hooks, with two collaborators: ``AdoptOrCreate`` (the create
flow) and ``SnapshotReads`` (reads served from one listing per scope). Every rule about state
lives here once.

Provider instances are pickled by reference into every resource's ``__provider`` in state, so an
instance holds nothing: configuration is read in ``configure()`` inside the provider process and
clients come from the process-wide ``registry``. Module path and class name of each subclass are
a public API (they are in users' state): never rename or move one without a re-export.
"""

from __future__ import annotations

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

from pulumi_groups.errors import CallFailed, NotFound, calls_for
from pulumi_groups.http.settings import ScopeConfig
from pulumi_groups.lifecycle import ownership
from pulumi_groups.lifecycle.adopt_or_create import AdoptOrCreate
from pulumi_groups.lifecycle.hooks import ClientT, GroupHooks
from pulumi_groups.lifecycle.notices import notify
from pulumi_groups.lifecycle.schema import changed, check_inputs, is_unknown
from pulumi_groups.lifecycle.snapshot_reads import SnapshotReads, load_setting


class GroupProvider(GroupHooks[ClientT], ResourceProvider, abstract=True):
    """Base of BadgeGroupProvider, RewardGroupProvider and ContactGroupProvider: the lifecycle
    around the hooks of ``GroupHooks``, which each of them implements."""

    # The instance captures no secret, so its pickle need not be a secret (faster state, #6675).
    serialize_as_secret_always = False

    # -- pickling: nothing on the instance ever reaches state -------------------------------------
    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        pass

    # -- configuration, in the provider process only (after unpickling) -----------------------------
    def configure(self, req: ConfigureRequest) -> None:
        self._config = self.load_config(req.config)
        self._reads = SnapshotReads(self, load_setting(self, req.config))

    @property
    def config(self) -> ScopeConfig:
        if getattr(self, "_config", None) is None:
            self._config = self.load_config(None)  # no configure() (old engine): environment only
        return self._config

    @property
    def reads(self) -> SnapshotReads:
        """Reads of live groups, from the scope's listing where the resource has snapshots."""
        if getattr(self, "_reads", None) is None:
            self._reads = SnapshotReads(self, load_setting(self, None))  # no configure()
        return self._reads

    # -- lifecycle --------------------------------------------------------------------------------
    def check(self, olds: dict, news: dict) -> CheckResult:
        inputs, failures = check_inputs(self.fields, news, label=self.kind)
        scope = inputs.get(self.scope_field)
        if scope is None and self.scope_field not in {f.property for f in failures}:
            # No org (account) given: the stack's default, by the rule the stack program uses;
            # the resolved key goes into state, so adding an org later never moves the group.
            scope = inputs[self.scope_field] = self.config.default_key()
            if scope is None:
                failures.append(CheckFailure(self.scope_field, self.config.default_problem()))
        if scope is not None and not is_unknown(scope):
            problem = self.config.problem_for(scope)
            if problem:
                failures.append(CheckFailure(self.scope_field, problem))
            failures += self._scope_move_failures(olds, scope)
        return CheckResult(inputs, failures)

    def _scope_move_failures(self, olds: dict, scope: str) -> list[CheckFailure]:
        """A group moving from an org (account) key that is no longer configured cannot be
        deleted there, nor shown to be the same org: say so at preview, before anything runs."""
        old_scope = (olds or {}).get(self.scope_field)
        if not isinstance(old_scope, str) or old_scope == scope or old_scope in self.config.known_keys():
            return []
        return [CheckFailure(self.scope_field, (
            f"this group moves from {self.scope_field} {old_scope!r} to {scope!r}, but {old_scope!r} is no "
            f"longer configured: keep it configured for this update (if both keys reach the same "
            f"{self.scope_field}, the group stays as it is; otherwise it is removed there), then remove it"
        ))]

    def _same_target_moves(self, olds: dict, news: dict) -> bool:
        """An org-key (account-key) change between two keys with the same host and credential:
        the same group in the same org, so no replacement (computed from config, no request)."""
        old, new = olds.get(self.scope_field), news.get(self.scope_field)
        return isinstance(old, str) and isinstance(new, str) and self.config.same_target(old, new)

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        replaces = self._changed_fields("replace", olds, news)
        moved_within = self.scope_field in replaces and self._same_target_moves(olds, news)
        if moved_within:
            replaces.remove(self.scope_field)  # recorded by an update that sends nothing (see update)
        return self._diff_result(_id, olds, news, replaces, extra_update=moved_within)

    def _changed_fields(self, on_change: str, olds: dict, news: dict) -> list[str]:
        return [
            f.name for f in self.fields if f.on_change == on_change and changed(f, olds.get(f.name), news.get(f.name))
        ]

    def _diff_result(
        self, _id: str, olds: dict, news: dict, replaces: list[str], extra_update: bool = False
    ) -> DiffResult:
        updates = self._changed_fields("update", olds, news)
        if updates and not replaces:
            self.warn_on_change(_id, olds, news)
        changes = bool(replaces or updates or extra_update)
        return DiffResult(changes=changes, replaces=replaces, delete_before_replace=bool(replaces))

    def create(self, props: dict) -> CreateResult:
        inputs = self.owned_inputs(props)
        client = self.client(inputs[self.scope_field])
        group = AdoptOrCreate(self, self.reads).run(client, inputs)
        self.reads.note_write(client, inputs, self.group_id(group), group)
        how = ownership.ADOPTED if inputs.get("adopt") else ownership.CREATED
        outputs = self.flatten(group, inputs)
        for identity in ownership.group_identities(client, self.kind, outputs):
            ownership.run().claim(identity, self.group_id(group), how)
        return CreateResult(self.group_id(group), outputs)

    def read(self, group_id: str, props: dict) -> ReadResult:
        inputs = self.owned_inputs(props, strict=False)
        client = self.client(inputs[self.scope_field])
        with calls_for(during=f"reading {self.label(inputs, group_id)}"):  # a listing names no group
            group = self.reads.live_group(client, group_id, props)
        self.check_scope(client, group_id, props, group, gone=group is None)
        if group is None:
            notify(f"{self.label(inputs, group_id)} no longer exists; dropping it from the stack's state")
            return ReadResult(None, {})
        outputs = ownership.keep_org_id(props, self.flatten(group, inputs))
        live_inputs = {f.name: outputs.get(f.name) for f in self.fields}
        return ReadResult(self.group_id(group), outputs, live_inputs)

    def update(self, group_id: str, olds: dict, news: dict) -> UpdateResult:
        inputs = self.owned_inputs(news)
        if self._same_target_moves(olds, inputs) and not any(
            changed(f, olds.get(f.name), inputs.get(f.name))
            for f in self.fields
            if f.on_change != "none" and f.name != self.scope_field
        ):
            # Only the org (account) key changed, to one reaching the same org: nothing to send.
            return UpdateResult({**olds, **{f.name: inputs[f.name] for f in self.fields if f.on_change == "none"},
                                 self.scope_field: inputs[self.scope_field]})
        client = self.client(inputs[self.scope_field])
        self.check_scope(client, group_id, olds, None)
        try:
            group = self.api_update(client, group_id, olds, inputs)
        except NotFound as gone:
            self.reads.note_write(client, olds, group_id)
            self.check_scope(client, group_id, olds, None, gone=True)
            gone.hint = (
                f"The {self.kind} is gone from the {self.scope_field}: run `pulumi refresh` to drop it "
                "from state, then `pulumi up` to create it again"
            )
            raise
        except BaseException:
            self.reads.note_write(client, olds, group_id)  # the outcome is unknown: forget the entry
            raise
        if not ownership.answer_is_group(group, group_id):
            # The vendor applied it, but the answer lacks the group: never write that into state.
            live = self._read_back_after_update(client, group_id, inputs)
            if live is None:
                return UpdateResult({**olds, **{f.name: inputs[f.name] for f in self.fields}})
            group = live
        self.reads.note_write(client, inputs, group_id, group, before=olds)
        return UpdateResult(ownership.keep_org_id(olds, self.flatten(group, inputs)))

    def _read_back_after_update(self, client: ClientT, group_id: str, inputs: dict) -> dict | None:
        """The group as the vendor has it now (one request), or None, said in a notice, when that
        fails too: the caller then keeps the stored outputs with the declared values."""
        try:
            live = self.reads.live_group(client, group_id, inputs, now=True)
        except CallFailed as failed:
            live, why = None, str(failed)
        else:
            why = "it is not listed"
        if live is None:
            notify(f"{self.label(inputs, group_id)}: updated, but the answer lacked the group and reading it "
                   f"back failed ({why}); the stored outputs are kept, `pulumi refresh` completes them")
        return live

    def delete(self, group_id: str, props: dict) -> None:
        inputs = self.owned_inputs(props, strict=False)
        client = self.client(inputs[self.scope_field])
        refused = ownership.may_delete(ownership.group_identities(client, self.kind, props), group_id)
        if refused is not None:
            notify(f"{self.label(inputs, group_id)}: {refused}")
            return
        # The stored outputs come back from the engine with floats for ints (rank 3.0):
        # owned fields normalized, as every other call sends them.
        stored = {**props, **inputs}
        try:
            try:
                self.api_delete(client, group_id, stored)
            except NotFound as not_found:
                self._confirm_deleted(client, group_id, stored, not_found)
        finally:
            self.reads.note_write(client, props, group_id)

    def _confirm_deleted(self, client: ClientT, group_id: str, stored: dict, not_found: NotFound) -> None:
        """A delete answered "not found" succeeds only once the listing agrees (as ``read``
        does): a group still listed (and, for a reward group, still active) makes the delete
        fail, so the engine keeps it in state and the next `pulumi destroy` tries again."""
        live = self.api_list_find_id(client, group_id, stored)
        self.check_scope(client, group_id, stored, live, gone=live is None)
        if live is None or self.already_deleted(live):
            return  # already gone: exactly what delete wants
        not_found.hint = (
            f"{self.label(stored, group_id)} still exists (the listing shows it), although the vendor answered "
            "not found: it stays in the stack's state; run `pulumi destroy` again"
        )
        raise not_found
