"""Every group kind, each described once by its resource module: the one registry.

A resource module (``capillary/badge_group.py``...) defines its provider and resource classes
and ends with ``kinds.register(GroupKind(...))``. Everything that handles groups of every kind
reads this registry and names none: the stack program and its declarations (``program/``),
``export``, ``recover``, the deploy's drift report and its list of unmanaged groups, the org
listings, and the vendor packages' ``__init__``. A new kind of an existing shape is therefore
one resource module (plus its test and its emulator support) and nothing else.

``registered()`` imports every module of the vendor packages (``VENDOR_PACKAGES``), so each
registers itself; a kind defined elsewhere (a test's example kind) registers when its module is
imported. Registering the same type token twice is refused: two descriptions would disagree.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pulumi_groups.lifecycle.schema import Field

if TYPE_CHECKING:
    from pulumi_groups.lifecycle.provider import GroupProvider
    from pulumi_groups.lifecycle.resource import GroupResource

NAMESPACE = "pulumi-groups"  # the stack config namespace of the declaration lists
VENDOR_PACKAGES = ("pulumi_groups.capillary", "pulumi_groups.wesurvey")

DeleteMeans = Literal["keep", "deactivate", "delete"]


@dataclass(frozen=True)
class Scope:
    """Where groups of a kind live: a Capillary org, a WeSurvey account (and team)."""

    field: str  # the input and declaration key naming it: "org" / "account"
    entries_key: str  # the stack config collection of its keys: "capillary:orgs"
    default_key: str  # the stack setting naming the default one: "pulumi-groups:defaultOrg"
    load: Callable[..., Any]  # (config, environ) -> the vendor's ScopeConfig (settings.load)
    how_to_configure: str  # said when a stack configures none at all


@dataclass(frozen=True, eq=False)
class GroupKind:
    """One kind of group: what the program, the commands and the reports need to know of it.

    Compared by identity: each kind is described once.
    """

    name: str  # "badge": how reports name it, and the middle of its resource names (permanent)
    list_key: str  # "badgeGroups": the stack config list declaring it, inside NAMESPACE
    provider: type[GroupProvider]  # pickled by reference into state: never moved nor renamed
    resource: type[GroupResource]  # its type token is permanent (in users' state)
    scope: Scope
    on_delete: DeleteMeans  # what `pulumi destroy` does to the group: keep, deactivate, delete
    drift_fields: tuple[str, ...]  # the declared fields a person can change in the vendor's console
    acceptable_fields: tuple[str, ...]  # those `accept-drift` may write back into a stack file
    # How every group of one org is listed (export, the drift report's unmanaged groups, the org
    # listings): the vendor client -> its wire records. None: not listed per org (contact groups
    # live in teams, not orgs).
    list_org: Callable[[Any], list[dict]] | None = None
    # Where the vendor keeps the key unique only with some field (``unique_key_enforced``): what
    # `recover` says is missing before it refuses to adopt by name.
    unique_with: str = ""
    extra_keys: tuple[str, ...] = ()  # declaration-only keys ("parent", "key")
    hidden_fields: tuple[str, ...] = ()  # resource fields no declaration sets ("parent_id")
    declared_as: tuple[tuple[str, str], ...] = ()  # declaration key -> the property it sets

    @property
    def type_token(self) -> str:
        return f"pulumi-python:{self.resource._resource_type_name}"

    @property
    def label(self) -> str:
        return self.provider.kind  # "badge group", in every message

    @property
    def config_key(self) -> str:
        return f"{NAMESPACE}:{self.list_key}"

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(self.provider.fields)

    def replacing_fields(self) -> tuple[str, ...]:
        """The fields whose change replaces the group."""
        return tuple(f.name for f in self.fields if f.on_change == "replace")

    def flatten(self, group: dict, scope_key: str) -> dict:
        """A listed wire record in the provider's output shape, plus ``id``."""
        return {**self.provider().flatten(group, {self.scope.field: scope_key}), "id": str(group.get("id"))}

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields}

    def export_entry(self, group: dict) -> dict:
        """A live group as a declaration entry (``export``): its name and each value a
        declaration sets, leaving out a value that is its field's default (an active reward
        group: ``active: false`` only where it is inactive)."""
        flat = self.provider().flatten(group, {self.scope.field: None})
        defaults = self.defaults()
        return {key: flat.get(key) for key in self.acceptable_fields
                if key == "name" or defaults.get(key) is None or flat.get(key) != defaults[key]}


_registry: dict[str, GroupKind] = {}
_loaded = False


def register(kind: GroupKind) -> GroupKind:
    """Add a kind (at the end of its resource module). Returns it, for the module to keep."""
    for other in _registry.values():
        if other.type_token != kind.type_token and (other.list_key, other.name) == (kind.list_key, kind.name):
            raise ValueError(f"kind {kind.name!r} ({kind.config_key}) is already registered by {other.type_token}")
    if kind.type_token in _registry and _registry[kind.type_token].provider is not kind.provider:
        raise ValueError(f"{kind.type_token} is already registered")
    _registry[kind.type_token] = kind
    return kind


def unregister(kind: GroupKind) -> None:
    """Take a kind out again (a test's example kind, so that other tests never see it)."""
    if _registry.get(kind.type_token) is kind:
        del _registry[kind.type_token]


def load_package(package: str) -> list[GroupKind]:
    """Import every module of ``package`` (each resource module registers its kind); the kinds
    whose resource lives there."""
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__, package + "."):
        importlib.import_module(info.name)
    return [kind for kind in _registry.values() if kind.resource.__module__.startswith(package + ".")]


def export_package(package: str, namespace: dict[str, Any]) -> list[str]:
    """For a vendor package's ``__init__``: put each of its kinds' resource and provider classes
    in ``namespace`` and return their names (its ``__all__``)."""
    names = []
    for kind in load_package(package):
        for cls in (kind.resource, kind.provider):
            namespace[cls.__name__] = cls
            names.append(cls.__name__)
    return names


def list_org(kind: GroupKind, client: Any) -> list[dict]:
    """Every group of ``kind`` in the org ``client`` reaches (a kind ``listed_per_org``)."""
    if kind.list_org is None:
        raise ValueError(f"{kind.label}s are not listed per org")
    return kind.list_org(client)


def registered() -> list[GroupKind]:
    """Every kind, in registration order (vendor packages first, loaded on first use)."""
    global _loaded
    if not _loaded:
        for package in VENDOR_PACKAGES:
            load_package(package)
        _loaded = True
    return list(_registry.values())


def by_type(type_token: str) -> GroupKind | None:
    return next((k for k in registered() if k.type_token == type_token), None)


def by_name(name: str) -> GroupKind:
    return next(k for k in registered() if k.name == name)


def by_list(list_key: str) -> GroupKind | None:
    """The kind a list key (``badgeGroups`` or ``pulumi-groups:badgeGroups``) declares."""
    return next((k for k in registered() if list_key in (k.list_key, k.config_key)), None)


def listed_per_org() -> list[GroupKind]:
    """The kinds an org listing covers (export, unmanaged groups)."""
    return [k for k in registered() if k.list_org is not None]

