"""What a deploy run found, group by group: the model behind the drift report.

Where each part comes from (so that the report costs no request per group):

- **Changed and gone groups** come from the engine's own events, which the Automation API hands
  to ``on_event`` (``pulumi.automation.events.EngineEvent``). A refresh step's ``ResOutputsEvent``
  carries the state before (``old``: declared inputs and outputs) and the live group the
  provider's ``read`` returned (``new``), with ``op`` ``update`` (drift), ``delete`` (gone) or
  ``same``; a preview's ``ResourcePreEvent`` carries the state (``old``) and the declared inputs
  (``new``). The provider answered those reads from its one listing per org and kind.
- **Unmanaged groups** need the org's whole listing, which stays inside each stack's provider
  process. ``org_listings`` therefore lists every org once per kind in the deploy process,
  shared by every selected stack of that org (one listing per org and kind, whatever the number
  of stacks or groups), and this module keeps the groups whose id no stack of the project holds
  in its state and whose name no stack of the project declares for that org
  (``ownership.is_unmanaged``; the stacks this run did not select included).

The same functions read events recorded from a run (tests) and events from the live CLI.

Resource options (``pulumi_groups.program.resource_options``) shape the rows: a field a group's
``ignoreChanges`` lists is not drift (it goes to ``StackFindings.ignored``). The engine still
counts such a group as an update: its refresh diff hands the list to the provider, and a dynamic
provider is never told it, so ``StackFindings.ignored_only`` says how many of its updates to
discount (``deploy.discount_ignored``). A protected
group (the engine's events carry ``protect``) whose change replaces or deletes it is flagged with
why the engine will refuse it. Every drift row names both ways out: put the declared value back
(``deploy --up``) or accept the live one into the stack file (``accept-drift``), where possible.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pulumi_groups.lifecycle import kinds, ownership

# Which groups there are, which fields of each are drift and which `accept-drift` can write (a
# name through `previousNames`, so the group is renamed, not replaced): each kind's descriptor
# (``lifecycle/kinds.py``: ``drift_fields``, ``acceptable_fields``), found by its type token.
PUT_BACK_COMMAND = "python -m pulumi_groups deploy --up --stacks {stack}"
ACCEPT_COMMAND = "python -m pulumi_groups accept-drift --stack {stack}"
# Ops as the engine spells them (OpType values).
REFRESH_RESULT_OPS = {"update", "refresh"}  # ``refresh``: engines that report the step itself
PREVIEW_CHANGE_OPS = {"update": "update", "create": "create", "delete": "delete", "replace": "replace",
                      "create-replacement": "replace"}
# A replacement comes as create-replacement, replace and delete-replaced steps of one URN: the
# group's row is the replace; the steps around it say nothing more.
REPLACEMENT_STEPS = {"delete-replaced", "discard-replaced", "remove-pending-replace"}

CHANGED, GONE, IGNORED = "changed", "gone", "ignored"  # a refresh's findings
UPDATE, CREATE, DELETE, REPLACE = "update", "create", "delete", "replace"  # a preview's plan


@dataclass
class Change:
    """One row: a group and, for ``changed``/``update``, one field."""

    stack: str
    kind: str  # the kind's name in reports: badge | reward | contact | ...
    scope: str  # org key (or WeSurvey account)
    name: str
    id: str | None
    change: str  # changed | gone | update | create | delete | replace
    field: str | None = None
    declared: Any = None
    live: Any = None
    resource: str = ""  # the Pulumi resource name (``<org>/badge/<name>``)
    protected: bool = False  # state marks it protected (``protect: true``)
    refused: str | None = None  # why the engine will refuse this change (or putting it back)
    put_back: str | None = None  # drift: the command that puts the declared value back
    accept: str | None = None  # drift: the command that writes the live value into the stack file


@dataclass
class Unmanaged:
    kind: str
    name: str
    id: str
    rank: int | None
    active: bool | None
    last_updated_by: Any
    last_updated_on: str | None


@dataclass
class OrgFindings:
    """One Capillary org (one credential) as listed once for every selected stack using it."""

    org_keys: list[str]  # its key in each stack that uses it (usually one)
    org_id: int | None
    stacks: list[str]
    users: list[tuple[str, str]] = field(default_factory=list)  # (stack, org key) of each selected stack using it
    unmanaged: list[Unmanaged] = field(default_factory=list)
    listed: dict[str, int] = field(default_factory=dict)  # kind -> groups listed
    problem: str | None = None  # why the unmanaged groups are not known (listing failed, stack failed)


@dataclass
class StackFindings:
    stack: str
    changes: list[Change] = field(default_factory=list)
    ignored: list[Change] = field(default_factory=list)  # differences in fields under ignoreChanges
    # Groups the engine counted as drifted whose only differences are ignored: the engine's refresh
    # diff asks the provider, and a dynamic provider is never told ignoreChanges (docs/operating.md).
    ignored_only: int = 0
    groups: int = 0  # groups the engine reported on (managed by this stack)
    error: str | None = None


@dataclass
class Report:
    operation: str
    stacks: list[StackFindings] = field(default_factory=list)
    orgs: list[OrgFindings] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for stack in self.stacks:
            for key in {(c.kind, c.scope, c.name, c.id, c.change) for c in stack.changes}:
                counts[key[-1]] = counts.get(key[-1], 0) + 1
        counts["unmanaged"] = sum(len(org.unmanaged) for org in self.orgs)
        counts[IGNORED] = sum(len({(c.kind, c.scope, c.name, c.id) for c in s.ignored}) for s in self.stacks)
        return counts

    @property
    def clean(self) -> bool:
        return not any(s.changes for s in self.stacks) and not any(o.unmanaged for o in self.orgs)


# -- engine events -> changes ---------------------------------------------------------------------


def _value(event_part: Any, name: str) -> Any:
    return getattr(event_part, name, None)


def _op(metadata: Any) -> str:
    op = _value(metadata, "op")
    return str(getattr(op, "value", op) or "")


def is_group_type(type_token: Any) -> bool:
    """Whether a resource type token is one of a registered kind (type tokens are permanent)."""
    return kinds.by_type(str(type_token or "")) is not None


def _group_of(metadata: Any) -> tuple[str, str] | None:
    """(kind name, scope input) of a group resource; None for any other resource."""
    kind = kinds.by_type(_value(metadata, "type") or "")
    return None if kind is None else (kind.name, kind.scope.field)


@dataclass
class GroupSeen:
    """A group resource the engine reported on: what state says and what it became."""

    urn: str
    kind: str
    scope: str
    id: str | None
    name: str | None
    op: str
    old_inputs: dict
    old_outputs: dict
    new_inputs: dict
    new_outputs: dict
    has_new: bool
    protected: bool = False

    @property
    def resource(self) -> str:
        return self.urn.split("::")[-1]


def _seen(metadata: Any) -> GroupSeen | None:
    found = _group_of(metadata)
    if found is None:
        return None
    kind, scope_field = found
    old, new = _value(metadata, "old"), _value(metadata, "new")
    old_in, old_out = dict(_value(old, "inputs") or {}), dict(_value(old, "outputs") or {})
    new_in, new_out = dict(_value(new, "inputs") or {}), dict(_value(new, "outputs") or {})
    scope = next((d.get(scope_field) for d in (old_out, old_in, new_out, new_in) if d.get(scope_field)), "default")
    name = next((d.get("name") for d in (old_in, old_out, new_in, new_out) if d.get("name")), None)
    group_id = _value(old, "id") or _value(new, "id") or None
    protected = bool(_value(old, "protect") or _value(new, "protect"))
    return GroupSeen(_value(metadata, "urn") or "", kind, str(scope), group_id, name, _op(metadata),
                     old_in, old_out, new_in, new_out, new is not None, protected)


def groups_seen(events: Iterable[Any]) -> dict[str, GroupSeen]:
    """The last word of the engine on every group resource, by URN.

    A refresh's result op only arrives with the outputs event (its pre event says ``refresh`` and
    has no ``new`` yet), so a pre event never overrides what an outputs event said.
    """
    seen: dict[str, GroupSeen] = {}
    from_outputs: set[str] = set()
    for event in events:
        outputs_event = _value(event, "res_outputs_event")
        pre_event = _value(event, "resource_pre_event")
        part = outputs_event or pre_event
        if part is None:
            continue
        group = _seen(_value(part, "metadata"))
        if group is None:
            continue
        if group.op in REPLACEMENT_STEPS or (group.op == "create-replacement" and group.urn in seen):
            continue
        if outputs_event is not None:
            from_outputs.add(group.urn)
        elif group.urn in from_outputs or group.op == "refresh":
            continue
        seen[group.urn] = group
    return seen


def _replacing_fields() -> dict[str, tuple[str, ...]]:
    """Per kind, the fields whose change replaces the group (the providers' own schema)."""
    return {kind.name: kind.replacing_fields() for kind in kinds.registered()}


def _refusal(group: GroupSeen, change: str, field_name: str | None, replacing: Collection[str]) -> str | None:
    """Why the engine will refuse this on a protected group (None: it will not)."""
    if not group.protected:
        return None
    if change == DELETE:
        return "protected: the engine refuses to delete it (set protect: false first, or keep the entry)"
    if change == REPLACE:
        return "protected: this change replaces it, which the engine refuses (set protect: false first)"
    if change == CHANGED and field_name in replacing:
        return ("protected: putting it back replaces it, which the engine refuses "
                "(declare the live value, or set protect: false first)")
    return None


def _drift_ways(row: Change, stack: str) -> Change:
    """Both ways out of a drift row, where they exist."""
    if row.refused is None:
        row.put_back = PUT_BACK_COMMAND.format(stack=stack)
    if row.change == CHANGED and row.field in kinds.by_name(row.kind).acceptable_fields:
        row.accept = ACCEPT_COMMAND.format(stack=stack)
    return row


def changes_from_events(
    stack: str,
    events: Iterable[Any],
    operation: str,
    ignored: Mapping[str, Collection[str]] | None = None,
) -> StackFindings:
    """Rows for one stack's run. ``operation``: a refresh reports drift (declared = state, live =
    what the vendor answered); a preview reports the plan (declared = stack file, live = state).

    ``ignored``: resource name -> the properties its ``ignoreChanges`` lists (from the stack's
    declarations); a refresh puts differences in those under ``StackFindings.ignored``.
    """
    findings = StackFindings(stack)
    refresh = operation.startswith("refresh")
    replacing = _replacing_fields()
    for group in groups_seen(events).values():
        findings.groups += 1
        row = partial(Change, stack=stack, kind=group.kind, scope=group.scope, name=group.name or "?", id=group.id,
                      resource=group.resource, protected=group.protected)
        # The org (account) too: changing it replaces the group.
        kind = kinds.by_name(group.kind)
        fields = kind.drift_fields + (kind.scope.field,)
        if refresh:
            if group.op == "delete" or (group.op in REFRESH_RESULT_OPS and not group.has_new):
                findings.changes.append(_drift_ways(row(change=GONE, declared=group.old_inputs.get("name", group.name)),
                                                    stack))
                continue
            if group.op not in REFRESH_RESULT_OPS | {"same"}:
                continue
            declared = {**group.old_outputs, **group.old_inputs}
            skipped = set((ignored or {}).get(group.resource, ()))
            changed_before, ignored_before = len(findings.changes), len(findings.ignored)
            for name in fields:
                if name in group.new_outputs and group.old_outputs.get(name) != group.new_outputs.get(name):
                    live = group.new_outputs.get(name)
                    found = row(change=CHANGED, field=name, declared=declared.get(name), live=live)
                    if name in skipped:
                        found.change = IGNORED
                        findings.ignored.append(found)
                        continue
                    if group.op == "same":
                        continue  # the provider's diff found no change (a difference it normalizes away)
                    found.refused = _refusal(group, CHANGED, name, replacing[group.kind])
                    findings.changes.append(_drift_ways(found, stack))
            only_ignored = len(findings.changes) == changed_before and len(findings.ignored) > ignored_before
            if group.op in REFRESH_RESULT_OPS and only_ignored:
                findings.ignored_only += 1
            continue
        change = PREVIEW_CHANGE_OPS.get(group.op)
        if change is None:
            continue
        if change in (CREATE, DELETE):
            findings.changes.append(row(change=change,
                                        declared=group.new_inputs.get("name") if change == CREATE else None,
                                        live=group.old_outputs.get("name") if change == DELETE else None,
                                        refused=_refusal(group, change, None, ())))
            continue
        recorded = {**group.old_inputs, **group.old_outputs}
        refused = _refusal(group, change, None, ())
        rows = [row(change=change, field=name, declared=group.new_inputs.get(name), live=recorded.get(name),
                    refused=refused)
                for name in fields
                if name in group.new_inputs and recorded.get(name) != group.new_inputs.get(name)]
        # No field to show (a value unknown until apply): the group still gets its row.
        findings.changes += rows or [row(change=change, refused=refused)]
    for rows in (findings.changes, findings.ignored):
        rows.sort(key=lambda c: (c.scope, c.kind, c.name, c.change, c.field or ""))
    return findings


def managed_ids(events: Iterable[Any]) -> set[tuple[str, str, str]]:
    """``(kind, scope, id)`` of every group a stack's state holds (gone ones included: their id
    is no longer listed anyway)."""
    return {(g.kind, g.scope, str(g.id)) for g in groups_seen(events).values() if g.id}


def recorded_org_ids(events: Iterable[Any]) -> dict[str, set]:
    """``{scope: org ids}`` a stack's state records for its groups (what ties an org key to an
    org whatever principal reaches it)."""
    found: dict[str, set] = {}
    for group in groups_seen(events).values():
        for outputs in (group.old_outputs, group.new_outputs):
            if outputs.get("org_id") is not None:
                found.setdefault(group.scope, set()).add(outputs["org_id"])
    return found


def recorded_in_state(deployment: dict) -> tuple[set[tuple[str, str, str]], dict[str, set]]:
    """``managed_ids`` and ``recorded_org_ids`` from a stack's state (``stack export``'s
    deployment) instead of a run's events: for the stacks a deploy did not run."""
    managed: set[tuple[str, str, str]] = set()
    org_ids: dict[str, set] = {}
    for resource in deployment.get("resources") or []:
        found = kinds.by_type(str(resource.get("type", ""))) if isinstance(resource, dict) else None
        if found is None:
            continue
        kind, scope_field = found.name, found.scope.field
        outputs, inputs = resource.get("outputs") or {}, resource.get("inputs") or {}
        scope = str(outputs.get(scope_field) or inputs.get(scope_field) or "default")
        if resource.get("id"):
            managed.add((kind, scope, str(resource["id"])))
        if outputs.get("org_id") is not None:
            org_ids.setdefault(scope, set()).add(outputs["org_id"])
    return managed, org_ids


# -- listings -> unmanaged groups ------------------------------------------------------------------


def unmanaged_groups(
    kind: str,
    listed: list[dict],
    managed: set[str],
    declared_names: set[str],
) -> list[Unmanaged]:
    """Listed groups (already flattened to the provider's output shape, with ``id``) that no
    stack holds by id nor declares by name."""
    found = []
    for group in listed:
        if not ownership.is_unmanaged(group, kind, managed, declared_names):
            continue
        found.append(Unmanaged(kind, str(group.get("name")), str(group.get("id")), group.get("rank"),
                               group.get("is_active"), group.get("last_updated_by"), group.get("last_updated_on")))
    return sorted(found, key=lambda u: (u.kind, u.name, u.id))
