"""What a group resource implements: every hook the shared lifecycle calls, in one place.

A new resource is a subclass of ``GroupProvider`` (``lifecycle/provider.py``) that sets the class
attributes and implements the methods ``REQUIRED`` names; every other hook has a default that
says when to override it. The contract is checked when the class is defined: a concrete class
missing a required hook fails at import, naming the hook and this module. A base that leaves
hooks to its subclasses says so with ``abstract=True`` (``class CapillaryGroupProvider(...,
abstract=True)``), and may add requirements of its own (``required_hooks``). The lifecycle
(``GroupProvider``) and its two collaborators, ``AdoptOrCreate`` (the create flow) and
``SnapshotReads`` (reads served from one listing per scope), call nothing else of a resource.

Conventions every hook shares:
- ``client`` is the vendor client of the resource's org (account) key (a ``VendorClient``);
- ``inputs`` are the owned inputs, checked and normalized (``owned_inputs``); ``props`` are what
  the engine stored (outputs included), normalized where a hook needs them;
- a group is the vendor's wire record (a plain dict) as the client returns it;
- hooks raise ``GroupsError`` subclasses (``NotFound``, ``NameTaken``, ``ApiError``...) and the
  lifecycle decides what they mean for state.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar, Generic, TypeVar

from pulumi_groups.errors import GroupsError, NotFound
from pulumi_groups.http.client import VendorClient
from pulumi_groups.http.settings import ScopeConfig
from pulumi_groups.lifecycle.schema import Field, Output, coerce, same_name

ClientT = TypeVar("ClientT", bound=VendorClient)

ALIASES_FIRST = (
    "If it may be this stack's own group (its org key renamed, or the group renamed in the console), "
    "say so with previousOrg (contact groups: previousAccount) or previousNames on the declaration "
    "instead, so it keeps its state"
)


# Every hook the lifecycle calls that has no default: each concrete resource defines them.
REQUIRED = (
    "kind", "scope_field", "fields", "outputs",
    "load_config", "client", "flatten",
    "api_get", "api_list_find_id", "api_find_existing", "api_create", "api_update", "api_delete",
    "snapshot_scope", "api_list_all",
)
CONTRACT = "pulumi_groups/lifecycle/hooks.py (GroupHooks)"


class HookContractError(TypeError):
    """A resource class that does not define every hook the lifecycle calls."""


class GroupHooks(Generic[ClientT]):
    """Generic in the vendor client its hooks receive (``CapillaryClient``, ``WeSurveyClient``)."""

    required_hooks: ClassVar[tuple[str, ...]] = REQUIRED
    """What a concrete subclass must define; an abstract base may add to it."""

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if abstract:
            return
        missing = [hook for hook in cls.required_hooks if not _defined(cls, hook)]
        if missing:
            raise HookContractError(
                f"{cls.__module__}.{cls.__qualname__} does not define the required hook(s) "
                f"{', '.join(missing)} (see {CONTRACT}); a base class meant to be completed by "
                "subclasses says so with `abstract=True`"
            )

    # -- what the resource is (required) ----------------------------------------------------------
    kind: ClassVar[str]
    """In every message: ``"badge group"``."""
    scope_field: ClassVar[str]
    """The input naming the org (account) key: ``"org"``, ``"account"``."""
    fields: ClassVar[tuple[Field, ...]]
    """The inputs, with their checks and what a change does (update, replace, none)."""
    outputs: ClassVar[tuple[Output, ...]]
    """What the vendor adds to the inputs, documented."""

    create_fields: ClassVar[tuple[str, ...] | None] = None
    """The inputs a create request itself sets (None: every updatable input). After a lost create
    answer, a group found by its key is taken for that create when these match; the rest (a
    reward group's ``active``, set by a PUT after the create) is then set by an update."""

    snapshot_config_key: ClassVar[str | None] = None
    """The stack config key that tunes read snapshots (``"capillary:readSnapshot"``); None: the
    resource reads one group at a time."""

    # -- configuration and clients (required) -----------------------------------------------------
    def load_config(self, config: Any) -> ScopeConfig:
        """The stack config (a ``pulumi.Config``, or None: the environment only) parsed into the
        vendor's config: orgs (accounts) by key, the default key, problems per key."""
        raise NotImplementedError

    def client(self, scope: str) -> ClientT:
        """The process-wide client of org (account) key ``scope``; raise ``ConfigError`` naming
        what to configure when the key is not usable."""
        raise NotImplementedError

    # -- translation (required) ---------------------------------------------------------------------
    def flatten(self, group: dict, inputs: dict) -> dict:
        """The vendor's group -> outputs: every input key too (inputs the vendor does not know,
        such as ``org`` and ``adopt``, carried over from ``inputs``), so that ``read`` can hand
        the engine live inputs. The other way, ``expand`` (inputs -> the body the client sends),
        is a function of each resource module, called by its write hooks."""
        raise NotImplementedError

    def group_id(self, group: dict) -> str:
        """The resource id of a group: its vendor id, as a string."""
        return str(group["id"])

    # -- vendor calls (required) --------------------------------------------------------------------
    def api_get(self, client: ClientT, group_id: str, props: dict) -> dict:
        """The live group; raise ``NotFound`` when the vendor says it does not exist (the
        lifecycle then confirms with ``api_list_find_id`` before believing it)."""
        raise NotImplementedError

    def api_list_find_id(self, client: ClientT, group_id: str, props: dict) -> dict | None:
        """The group with this id found by listing, None when no listing holds it: the second
        answer that makes a not-found mean "gone"."""
        raise NotImplementedError

    def api_find_existing(self, client: ClientT, inputs: dict) -> dict | None:
        """The group the declaration's unique key (name, remote id) points at, if any: what
        ``adopt`` takes over and what a create whose answer was lost is looked for by."""
        raise NotImplementedError

    def api_find_candidates(self, client: ClientT, inputs: dict) -> list[dict]:
        """Every group the declaration's key points at, oldest first, from a listing made now.
        Override only where the vendor does not keep the key unique (``unique_key_enforced``)."""
        existing = self.api_find_existing(client, inputs)
        return [] if existing is None else [existing]

    def api_create(self, client: ClientT, inputs: dict) -> dict:
        """Send the create (body: the module's ``expand``) and return the new group. An answer
        without an id is an unknown outcome: the lifecycle looks the group up by its key."""
        raise NotImplementedError

    def api_update(self, client: ClientT, group_id: str, olds: dict, inputs: dict) -> dict:
        """Send the declared values (body: the module's ``expand``) to the group; ``olds``: the
        outputs in state. Returns the group as the vendor now has it."""
        raise NotImplementedError

    def api_delete(self, client: ClientT, group_id: str, outputs: dict) -> None:
        """Delete the group (or what stands for deleting where the vendor cannot: deactivate,
        keep with a notice); ``NotFound`` is confirmed against the listing by the lifecycle."""
        raise NotImplementedError

    # -- rules (defaults) -----------------------------------------------------------------------
    def unique_key_enforced(self, inputs: dict) -> bool:
        """Whether the vendor refuses a second group with this declaration's key (badge and
        reward names: always), so that a create that lands twice cannot make two groups. Where it
        does not (a contact group without remote_id), a create whose outcome is unknown is never
        sent again: it may still land after any lookup."""
        return True

    def already_deleted(self, group: dict) -> bool:
        """Whether a live group counts as deleted (a reward group that is inactive)."""
        return False

    def check_scope(
        self, client: ClientT, group_id: str, props: dict, live: dict | None, *, gone: bool = False
    ) -> None:
        """Raise when the credential reaches another org (account) than the one the group in
        state lives in, before anything is changed or dropped. ``live``: the vendor's record of
        the group, when there is one; ``gone``: the vendor says it does not exist, which is only
        believed once the credential is known to reach the group's org."""

    def warn_on_change(self, name: str, olds: dict, news: dict) -> None:
        """Say at preview what an update will do that a person must know before it happens (a
        reward group's rename unlinks its rewards)."""

    def adopt_hint(self, existing: dict) -> str:
        """What to do when the create's key is taken by ``existing`` and ``adopt`` is not set:
        first the aliases (the group may be this stack's own, declared under an old key or name),
        then ``adopt``."""
        return (
            f"A {self.kind} with this key already exists (id {self.group_id(existing)}). {ALIASES_FIRST}; "
            "otherwise set adopt: true on this declaration to take it over"
        )

    # -- what was there before this run's first create (defaults: the read snapshot's scope) ------
    def before_scope(self, client: ClientT, inputs: dict) -> Hashable | None:
        """What one listing of "the groups that were there before" covers, e.g. an org's badge
        groups: listed once per scope and run (``ownership.run().listed_before``). None: the
        create looks up its key now instead (one request per create)."""
        return self.snapshot_scope(client, inputs)

    def api_list_before(self, client: ClientT, inputs: dict) -> list[dict]:
        """Every group of ``before_scope`` (default: ``api_list_all``)."""
        return self.api_list_all(client, inputs)

    def has_key(self, group: dict, inputs: dict) -> bool:
        """Whether a listed group holds the declaration's unique key (default: the same name,
        compared in NFC: ``schema.same_name``)."""
        return same_name(group.get("name"), inputs.get("name"))

    # -- read snapshots (defaults: none) ----------------------------------------------------------
    def snapshot_scope(self, client: ClientT, props: dict) -> Hashable | None:
        """(required) What one listing covers, e.g. ``("capillary", "badge", credential)``;
        None: reads are one GET per group."""
        raise NotImplementedError

    def api_list_all(self, client: ClientT, props: dict) -> list[dict]:
        """(required) Every group of the snapshot scope, all pages; also the listing of "what
        was there before" (``api_list_before``)."""
        raise NotImplementedError

    def api_confirm_missing(self, client: ClientT, group_id: str, props: dict) -> dict | None:
        """A group missing from a fresh listing: made after it, or gone. Asked by id."""
        try:
            return self.api_get(client, group_id, props)
        except NotFound:
            return None

    def snapshot_entry(self, group: dict) -> dict | None:
        """A write's answer as a snapshot entry, or None when it is not the vendor's full record
        (e.g. only what was declared, after a failed read-back): the entry is dropped instead."""
        return group

    # -- derived from the above, for hooks and lifecycle alike (not hooks) --------------------------
    def label(self, props: dict, group_id: str | None = None) -> str:
        """``badge group 'GOLD' (id 65f...) in org 'brand-eu'``: how every message names a group."""
        name = props.get("name")
        scope = props.get(self.scope_field)
        text = f"{self.kind} {name!r}" if name else f"{self.kind}"
        if group_id:
            text += f" (id {group_id})"
        return f"{text} in {self.scope_field} {scope!r}"

    def owned_inputs(self, props: dict, strict: bool = True) -> dict:
        """The owned inputs of ``props``, normalized (the engine hands ints back as floats);
        ``strict`` refuses what ``check`` would (defence in depth)."""
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


def _defined(cls: type, hook: str) -> bool:
    """Whether ``hook`` is set by ``cls`` or a base other than ``GroupHooks`` itself (whose
    required methods only raise ``NotImplementedError``)."""
    for base in cls.__mro__:
        if base is GroupHooks:
            return False
        if hook in vars(base):
            return True
    return False
