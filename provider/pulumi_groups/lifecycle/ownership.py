"""The ownership model: may this run create, take, change, deactivate or delete this group?

Invariant. A stack owns a group when it created it (the create's answer, or, after a create whose
outcome is unknown, a group with the declaration's key that was *not there before the first
attempt*) or adopted it (``adopt: true``, or ``recover``'s marking, which sets it). A run changes,
deactivates or deletes only groups its stack owns; a name already taken fails before anything is
sent. Within one run (one provider process serves every dynamic resource of a run) no delete or
deactivation touches a group another resource of that run created or adopted: the old resource
leaves state with a notice instead. A contact group that still has children when its delete comes
is refused (the engine deletes the stack's own children first, so those belong to no one here).
An org is told apart only by what is not secret, and the ``org_id`` a group's state records never
becomes null, so the wrong-org check can never be switched off. "Unmanaged" means declared by no
stack of the project for that org.

Every path asks this module: create and create after an unknown outcome (``AdoptOrCreate``),
adopt, update, delete/deactivate and replace (``GroupProvider``), refresh (``GroupProvider.read``
keeps ``org_id``), and, through ``commands/org_identity.py``, export's ``--only-unmanaged``, the
drift report's unmanaged list and ``recover``.

API (all process-wide, thread-safe; ``run()`` is the ledger of the current run):
- ``run().listed_before(scope, list_all)``: the groups of a scope as they were before this run's
  first create there (listed once per scope and run; the caller passes the listing function).
- ``run().claim(identity, group_id, how)`` / ``run().claimed(identity, group_id)``: groups this
  run created or adopted, held under each of ``group_identities`` (the credential, and the org a
  group's state records); ``may_delete`` turns a claim into "drop from state, send nothing".
- ``take_after_unknown(group, before_ids)``, ``children_refusal(label, children)``,
  ``keep_org_id(olds, outs)``, ``answer_is_group(group, group_id)``, ``is_unmanaged(...)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from pulumi_groups.errors import GroupsError
from pulumi_groups.http import registry

CREATED = "created"
ADOPTED = "adopted"


class RunLedger:
    """What this run (this provider process) knows about ownership."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claims: dict[tuple[Hashable, str], str] = {}
        self._before: dict[Hashable, dict[str, dict]] = {}
        self._listing: dict[Hashable, threading.Event] = {}
        self.listings = 0  # what tests look at

    # -- the groups that were there before this run's first create ------------------------------
    def listed_before(
        self, scope: Hashable, list_all: Callable[[], Iterable[dict]], holds: Callable[[dict], bool] | None = None
    ) -> list[dict]:
        """The scope's groups as listed before this run's first create in it: one listing per
        scope and run (concurrent callers wait for the one in flight). A failed listing is not
        kept. Groups this run deletes are forgotten (``forget``); groups it creates are never
        added: they were not there before. ``holds``: only the groups it accepts (copied), so
        that each create in a large org does not copy the whole listing."""
        while True:
            with self._lock:
                if scope in self._before:
                    return [dict(g) for g in self._before[scope].values() if holds is None or holds(g)]
                waiting = self._listing.get(scope)
                if waiting is None:
                    waiting = self._listing[scope] = threading.Event()
                    mine = True
                else:
                    mine = False
            if not mine:
                waiting.wait()
                continue
            try:
                groups = {str(g["id"]): dict(g) for g in list_all() if isinstance(g, dict) and g.get("id") is not None}
            finally:
                with self._lock:
                    self._listing.pop(scope, None)
                waiting.set()
            with self._lock:
                self._before.setdefault(scope, groups)
                self.listings += 1

    def forget(self, group_id: object) -> None:
        """A group this run deleted is no longer "there before" (a replace may recreate its key)."""
        with self._lock:
            for groups in self._before.values():
                groups.pop(str(group_id), None)

    # -- what this run created or adopted ---------------------------------------------------------
    def claim(self, identity: Hashable, group_id: object, how: str) -> None:
        with self._lock:
            self._claims[(identity, str(group_id))] = how

    def claimed(self, identity: Hashable, group_id: object) -> str | None:
        """``"created"`` / ``"adopted"`` when a resource of this run took the group, else None."""
        with self._lock:
            return self._claims.get((identity, str(group_id)))

    def reset(self) -> None:
        """Start a new run in this process (tests, and programs that keep one process)."""
        with self._lock:
            self._claims.clear()
            self._before.clear()


def run() -> RunLedger:
    """The ledger of this run: one per provider process (``registry.clear()`` starts a new one)."""
    return registry.shared("ownership", "run", RunLedger)


def org_identity(client: Any, kind: str) -> Hashable:
    """Which org (account) and kind a group id belongs to, from what is not secret: the vendor,
    host and principal of the client's credential key (its secret fingerprint is left out)."""
    return (kind, registry.principal_of(getattr(client, "credential", None)))


def group_identities(client: Any, kind: str, outputs: dict | None) -> tuple[Hashable, ...]:
    """The keys a claim on a group is held under: the credential's principal (``org_identity``)
    and, when the group's state or answer records its ``org_id``, that org on the client's host,
    so two credentials of one org (a till user and an OAuth client under two org keys) see each
    other's claims."""
    identities: tuple[Hashable, ...] = (org_identity(client, kind),)
    org_id = (outputs or {}).get("org_id")
    credential = getattr(client, "credential", None)
    if isinstance(org_id, (int, float)) and not isinstance(org_id, bool) and isinstance(credential, tuple):
        identities += ((kind, tuple(credential[:2]), "org", int(org_id)),)
    return identities


# -- decisions ------------------------------------------------------------------------------------


def take_after_unknown(group: dict, before_ids: set[str]) -> bool:
    """After a create whose outcome is unknown, a group with the key is this create's only if it
    was not there before the first attempt."""
    return str(group.get("id")) not in before_ids


def may_delete(identities: Iterable[Hashable], group_id: object) -> str | None:
    """None: the delete may be sent. Otherwise why it must not be (another resource of this run
    created or adopted the group, under any of ``identities``); the caller drops the resource from
    state with that notice."""
    claims = [run().claimed(identity, group_id) for identity in identities]
    how = next((how for how in claims if how), None)
    if how is None:
        return None
    return (f"another resource of this run {how} this group, so it is not deleted or deactivated; "
            "this resource is dropped from the stack's state")


def children_refusal(label: str, children: list[dict], kind: str = "contact group") -> GroupsError | None:
    """The error that refuses a delete while the group has children, or None when it has none.
    The engine deletes a stack's own children first: any child left is not this stack's."""
    if not children:
        return None
    names = ", ".join(f"{c.get('name')!r} (id {c.get('id')})" for c in children[:10])
    more = f" and {len(children) - 10} more" if len(children) > 10 else ""
    return GroupsError(
        f"{label} still has {len(children)} child group(s) this stack does not manage: {names}{more}. "
        f"Deleting it would delete them too, so nothing was sent and it stays in the stack's state. "
        f"Either declare them (adopt: true) so the stack owns them, move them to another parent, or "
        f"delete them by hand; or `pulumi state delete` this {kind} to stop managing it and keep it"
    )


def answer_is_group(group: Any, group_id: object) -> bool:
    """Whether a write's answer is the group itself (an id that is this one, and a name), so that
    it may be written into state; anything else is read back first."""
    return isinstance(group, dict) and str(group.get("id")) == str(group_id) and group.get("name") is not None


def keep_org_id(olds: dict | None, outs: dict) -> dict:
    """``outs`` with the ``org_id`` recorded in ``olds`` kept where the new answer has none: an
    org_id once recorded never becomes null (it is what the wrong-org check compares)."""
    recorded = (olds or {}).get("org_id")
    if "org_id" in outs and outs.get("org_id") is None and recorded is not None:
        return {**outs, "org_id": recorded}
    return outs


def is_unmanaged(group: dict, kind: str, managed_ids: set[str], declared_names: set[str]) -> bool:
    """A listed group is unmanaged when no stack of the project holds its id (where states are
    known) nor declares its name for that org (whatever stacks a command selected)."""
    return str(group.get("id")) not in managed_ids and group.get("name") not in declared_names
