"""Groups declared as data in stack config, parsed and checked before anything is declared.

A stack file lists groups under ``pulumi-groups:badgeGroups``, ``pulumi-groups:rewardGroups`` and
``pulumi-groups:contactGroups``. This module turns those lists into ``Declaration`` objects or
raises one ``DeclarationError`` that lists every problem, each naming the stack, the list and the
index (``stack 'brand-eu': pulumi-groups:badgeGroups[2] ...``). It declares no resource and
sends no request, so the tests drive it as plain Python.

Resource names (permanent: they are in users' state, a new scheme would replace every group):

    <org>/badge/<group name>        badge groups, e.g.  brand-eu/badge/GOLD
    <org>/reward/<group name>       reward groups, e.g. default/reward/VIP
    <account>/contact/<group name>  contact groups, e.g. default/contact/NPS panel

``<org>``/``<account>`` is the key in ``capillary:orgs``/``wesurvey:accounts`` (``default`` for
the shorthand keys and the environment) and the group name is kept exactly, case included.
Neither the list index nor any other field takes part, so reordering a list, or changing a rank,
never renames (and so never replaces) a group. Renaming a group in the list, or moving it to
another org key, does: that is a different declaration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .schema import Field, coerce

NAMESPACE = "pulumi-groups"
# Every declaration list a stack file may hold (config keys inside the namespace).
LIST_KEYS = ("badgeGroups", "rewardGroups", "contactGroups")


@dataclass(frozen=True)
class Kind:
    """One declaration list and the resource it declares."""

    list_key: str  # "badgeGroups": the config key inside the pulumi-groups namespace
    label: str  # "badge group", in messages
    name_part: str  # "badge": the middle of the resource name (permanent)
    scope_field: str  # "org" or "account"
    fields: tuple[Field, ...]  # the resource's own schema (its provider's fields)
    extra_keys: tuple[str, ...] = ()  # declaration-only keys ("parent")
    hidden_fields: tuple[str, ...] = ()  # resource fields not set from a declaration ("parent_id")

    @property
    def config_key(self) -> str:
        return f"{NAMESPACE}:{self.list_key}"

    def allowed_keys(self) -> list[str]:
        own = [f.name for f in self.fields if f.name not in self.hidden_fields]
        return own + list(self.extra_keys)


def resource_name(kind: Kind, scope: str, name: str) -> str:
    """The Pulumi resource name of a declared group. Never change this (see the module doc)."""
    return f"{scope}/{kind.name_part}/{name}"


@dataclass(frozen=True)
class Scopes:
    """The orgs (or WeSurvey accounts) a stack configures, for the default-org rule.

    ``known`` lists every configured key (those with a config problem included: ``check`` reports
    the problem on each resource); ``explain(key)`` says why a key is unusable and how to fix it.
    """

    noun: str  # "org" / "account"
    known: tuple[str, ...]
    explain: Callable[[str], str | None]
    how_to_configure: str  # shown when nothing is configured at all

    def default(self) -> str | None:
        return default_scope(self.known)


def default_scope(known: Sequence[str]) -> str | None:
    """The default org (account) of a stack: the one keyed ``default``, else the only one."""
    if "default" in known:
        return "default"
    return known[0] if len(known) == 1 else None


@dataclass(frozen=True)
class Declaration:
    kind: Kind
    index: int
    scope: str  # org or account key
    name: str
    args: dict[str, Any]  # keyword arguments of the resource, scope and name included
    parent: str | None = None  # contact groups: the name of another entry of the same account

    @property
    def resource_name(self) -> str:
        return resource_name(self.kind, self.scope, self.name)

    @property
    def where(self) -> str:
        return f"{self.kind.config_key}[{self.index}] ({self.name!r})"


@dataclass
class Plan:
    """Every declaration of a stack, in an order that declares parents before their children."""

    declarations: list[Declaration] = field(default_factory=list)


class DeclarationError(ValueError):
    """Every problem found in a stack's declarations, one per line."""

    def __init__(self, stack: str, problems: Sequence[str]) -> None:
        self.stack = stack
        self.problems = list(problems)
        heading = f"stack {stack!r}: {len(problems)} problem(s) in the group declarations:"
        super().__init__("\n".join([heading, *(f"  - stack {stack!r}: {p}" for p in problems)]))


def unknown_config_keys(config_keys: Sequence[str]) -> list[str]:
    """Problems for ``pulumi-groups:*`` keys that are not a declaration list.

    A typo (``pulumi-groups:badgegroups``) would otherwise declare nothing, and on a stack that
    already has groups the next ``up`` would delete (deactivate) every one of them.
    """
    known = {f"{NAMESPACE}:{key}" for key in LIST_KEYS}
    problems = []
    for key in sorted(config_keys):
        if key.startswith(NAMESPACE + ":") and key not in known:
            problems.append(f"unknown config key {key}; the declaration lists are {', '.join(sorted(known))}")
    return problems


def parse_list(raw: Any, kind: Kind) -> tuple[list[Any], list[str]]:
    """The entries of one list (config values arrive as JSON text), or a problem."""
    if raw is None or raw == "":
        return [], []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            return [], [f"{kind.config_key} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
    if not isinstance(raw, list):
        return [], [f"{kind.config_key} must be a list of {kind.label} entries, got {type(raw).__name__}"]
    return raw, []


def _check_entry(kind: Kind, index: int, entry: Any, scopes: Scopes) -> tuple[Declaration | None, list[str]]:
    where = f"{kind.config_key}[{index}]"
    if not isinstance(entry, dict):
        return None, [f"{where}: must be an object like {{name: ..., ...}}, got {type(entry).__name__} {str(entry)[:40]!r}"]
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} ({name!r})"
    problems: list[str] = []
    allowed = kind.allowed_keys()
    unknown = sorted(set(entry) - set(allowed), key=str)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(allowed)}")

    args: dict[str, Any] = {}
    for spec in kind.fields:
        if spec.name in kind.hidden_fields or spec.name == kind.scope_field:
            continue
        value = entry.get(spec.name)
        if value is None and not spec.required:
            continue  # the resource's own default applies
        kept, reason = coerce(spec, value)
        if reason:
            problems.append(f"{where}: {reason}")
        else:
            args[spec.name] = kept

    scope = _scope_of(entry, where, scopes, problems)
    parent = entry.get("parent")
    if "parent" in kind.extra_keys and parent is not None and not (isinstance(parent, str) and parent.strip()):
        problems.append(f"{where}: parent must be the name of another {kind.list_key} entry, got {str(parent)[:40]!r}")
    if problems or scope is None:
        return None, problems
    args[kind.scope_field] = scope
    return Declaration(kind, index, scope, args["name"], args, parent if "parent" in kind.extra_keys else None), []


def _scope_of(entry: dict, where: str, scopes: Scopes, problems: list[str]) -> str | None:
    noun = scopes.noun
    given = entry.get(noun)
    if given is None:
        default = scopes.default()
        if default is None:
            if not scopes.known:
                problems.append(f"{where}: no {noun} given and none is configured; {scopes.how_to_configure}")
            else:
                problems.append(
                    f"{where}: no {noun} given and no default {noun} (the stack configures "
                    f"{', '.join(scopes.known)}; none is keyed 'default'); add `{noun}: <key>` to the entry"
                )
        return default
    if not isinstance(given, str) or not given.strip():
        problems.append(f"{where}: {noun} must be the key of a configured {noun}, got {str(given)[:40]!r}")
        return None
    if given not in scopes.known:
        problems.append(f"{where}: {scopes.explain(given) or f'{noun} {given!r} is not configured'}")
        return None
    return given


def _duplicates(declarations: list[Declaration]) -> list[str]:
    first: dict[tuple, Declaration] = {}
    problems = []
    for d in declarations:
        key = (d.kind.list_key, d.scope, d.name)  # names are case-sensitive in both vendors
        if key in first:
            seen = first[key]
            problems.append(
                f"{seen.kind.config_key}[{seen.index}] and [{d.index}] both declare {d.kind.label} "
                f"{d.name!r} in {d.kind.scope_field} {d.scope!r}: keep one of them"
            )
        else:
            first[key] = d
    return problems


def _order_tree(declarations: list[Declaration]) -> tuple[list[Declaration], list[str]]:
    """Parents before children; every ``parent`` a declared entry of the same account and team."""
    by_name = {(d.scope, d.name): d for d in declarations}
    problems = []
    for d in declarations:
        if d.parent is None:
            continue
        parent = by_name.get((d.scope, d.parent))
        if parent is None:
            names = sorted(n for (scope, n) in by_name if scope == d.scope and n != d.name)
            shown = ", ".join(map(repr, names[:10])) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
            problems.append(
                f"{d.where}: parent {d.parent!r} is not a {d.kind.list_key} entry of account {d.scope!r} "
                f"(entries: {shown or 'none'})"
            )
        elif parent is d:
            problems.append(f"{d.where}: a group cannot be its own parent")
        elif parent.args.get("team_id") != d.args.get("team_id"):
            problems.append(
                f"{d.where}: parent {d.parent!r} ({parent.kind.config_key}[{parent.index}]) is in team "
                f"{parent.args.get('team_id')}, this entry in team {d.args.get('team_id')}: a parent must be in the same team"
            )
    if problems:
        return [], problems

    ordered: list[Declaration] = []
    state: dict[int, str] = {}  # index -> "visiting" | "done"

    def visit(d: Declaration, chain: list[Declaration]) -> None:
        if state.get(d.index) == "done":
            return
        if state.get(d.index) == "visiting":
            loop = chain[chain.index(d):] + [d]
            problems.append(
                f"{d.where}: parents form a loop: {' -> '.join(repr(x.name) for x in loop)}"
            )
            return
        state[d.index] = "visiting"
        if d.parent is not None:
            visit(by_name[(d.scope, d.parent)], chain + [d])
        state[d.index] = "done"
        ordered.append(d)

    for d in declarations:
        visit(d, [])
    return ordered, problems


def plan(
    stack: str,
    raw_lists: Mapping[Kind, Any],
    scopes_for: Callable[[Kind], Scopes],
    config_keys: Sequence[str] = (),
) -> Plan:
    """Check every list and return what to declare, or raise one ``DeclarationError``.

    ``raw_lists`` maps each kind to its config value (JSON text, a parsed list, or None);
    ``scopes_for(kind)`` is only called for kinds with entries, so a stack without contact
    groups never needs WeSurvey settings.
    """
    problems = unknown_config_keys(config_keys)
    result = Plan()
    for kind, raw in raw_lists.items():
        entries, list_problems = parse_list(raw, kind)
        problems += list_problems
        if not entries:
            continue
        scopes = scopes_for(kind)
        declared, entry_problems = [], []
        for index, entry in enumerate(entries):
            declaration, found = _check_entry(kind, index, entry, scopes)
            entry_problems += found
            if declaration is not None:
                declared.append(declaration)
        duplicate_problems = _duplicates(declared)
        problems += entry_problems + duplicate_problems
        # With a bad entry the tree would report its children as orphans: fix entries first.
        if "parent" in kind.extra_keys and not (entry_problems or duplicate_problems):
            declared, tree_problems = _order_tree(declared)
            problems += tree_problems
        result.declarations += declared
    if problems:
        raise DeclarationError(stack, problems)
    return result
