"""Groups declared as data in stack config, parsed and checked before anything is declared.

A stack file lists groups under one ``pulumi-groups:<list>`` key per registered kind
(``lifecycle/kinds.py``: ``pulumi-groups:badgeGroups``...). This module turns those lists into
``Declaration`` objects or raises one ``DeclarationError`` that lists every problem, each naming
the stack, the list and the index (``stack 'brand-eu': pulumi-groups:badgeGroups[2] ...``). It declares no resource and
sends no request, so the tests drive it as plain Python.

Resource names (permanent: they are in users' state, a new scheme would replace every group):

    <org>/badge/<group name>        badge groups, e.g.  brand-eu/badge/GOLD
    <org>/reward/<group name>       reward groups, e.g. brand-eu/reward/VIP
    <account>/contact/<key>         contact groups, e.g. default/contact/NPS panel

``<org>``/``<account>`` is the key in ``capillary:orgs``/``wesurvey:accounts`` (``default`` for
the shorthand keys and the environment) and the group name is kept exactly, case included. A
contact entry's ``key`` is its name unless it gives one: WeSurvey allows one name under several
parents or teams, and the second entry of a name gives ``key:`` so that both resource names are
unique while the first keeps the name it always had. ``parent`` names that key.

Neither the list index nor any other field takes part, so reordering a list, or changing a rank,
never renames (and so never replaces) a group. Renaming a group, or moving it to another org key,
renames the resource: the entry says what it was (``previousNames``, ``previousOrg`` /
``previousAccount``), and those become Pulumi aliases, so the engine updates the group (a rename,
with the reward-rename warning) instead of creating a new one and deleting the old.

Default org (account) of an entry without ``org`` (``account``): the only one the stack
configures; with several, the one ``pulumi-groups:defaultOrg`` (``defaultAccount``) names; else
an error naming the entry and that key. The provider's check applies the same rule
(``settings.ScopeConfig.default_key``) to resources declared without one.

Resource options (``protect``, ``retainOnDelete``, ``ignoreChanges``, per entry or stack-wide in
``pulumi-groups:defaults``) are parsed by ``pulumi_groups.program.resource_options``; each
``Declaration`` carries the options that apply to it, defaults merged in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_groups.lifecycle import kinds
from pulumi_groups.lifecycle.kinds import NAMESPACE, GroupKind
from pulumi_groups.lifecycle.schema import Field, coerce
from pulumi_groups.program import resource_options
from pulumi_groups.program.resource_options import OPTION_KEYS, GroupOptions

# Stack-level settings in the namespace: which org (account) entries without one target, and
# the resource options every entry gets unless it gives its own.
SETTING_KEYS = ("defaultOrg", "defaultAccount", resource_options.DEFAULTS_KEY)
PREVIOUS_NAMES = "previousNames"
KEY = "key"


@dataclass(frozen=True)
class Kind:
    """One declaration list and the resource it declares: a registered kind
    (``lifecycle/kinds.py``) as the declarations read it."""

    group: GroupKind

    @property
    def list_key(self) -> str:
        return self.group.list_key  # "badgeGroups": the config key inside the pulumi-groups namespace

    @property
    def label(self) -> str:
        return self.group.label  # "badge group", in messages

    @property
    def name_part(self) -> str:
        return self.group.name  # "badge": the middle of the resource name (permanent)

    @property
    def scope_field(self) -> str:
        return self.group.scope.field  # "org" or "account"

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.group.fields  # the resource's own schema (its provider's fields)

    @property
    def extra_keys(self) -> tuple[str, ...]:
        return self.group.extra_keys  # declaration-only keys ("parent", "key")

    @property
    def hidden_fields(self) -> tuple[str, ...]:
        return self.group.hidden_fields  # resource fields not set from a declaration ("parent_id")

    @property
    def declared_as(self) -> tuple[tuple[str, str], ...]:
        return self.group.declared_as  # declaration key -> the property it sets ("parent", "parent_id")

    @property
    def config_key(self) -> str:
        return f"{NAMESPACE}:{self.list_key}"

    @property
    def previous_scope_key(self) -> str:
        return "previous" + self.scope_field.capitalize()  # previousOrg / previousAccount

    def allowed_keys(self) -> list[str]:
        own = [f.name for f in self.fields if f.name not in self.hidden_fields]
        return own + list(self.extra_keys) + [PREVIOUS_NAMES, self.previous_scope_key, *OPTION_KEYS]

    def property_fields(self) -> list[str]:
        """The declaration keys that set a resource property: what ``ignoreChanges`` may name."""
        own = [f.name for f in self.fields if f.name not in self.hidden_fields]
        return own + [key for key, _ in self.declared_as]

    def property_names(self, fields: Sequence[str]) -> list[str]:
        """The engine's property names of declaration keys (``parent`` sets ``parent_id``)."""
        return resource_options.property_names(fields, dict(self.declared_as))


def all_kinds() -> list[Kind]:
    """Every declaration list a stack file may hold: one per registered kind."""
    return [Kind(group) for group in kinds.registered()]


def kind_for(list_key: str) -> Kind:
    """The kind a list (``badgeGroups`` or ``pulumi-groups:badgeGroups``) declares."""
    group = kinds.by_list(list_key)
    if group is None:
        raise KeyError(f"no registered kind is declared under {list_key!r}")
    return Kind(group)


def resource_name(kind: Kind, scope: str, name: str) -> str:
    """The Pulumi resource name of a declared group. Never change this (see the module doc)."""
    return f"{scope}/{kind.name_part}/{name}"


@dataclass(frozen=True)
class Scopes:
    """The orgs (or WeSurvey accounts) a stack configures, for the default-org rule.

    ``known`` lists every configured key (those with a config problem included: ``check`` reports
    the problem on each resource); ``explain(key)`` says why a key is unusable and how to fix it;
    ``default_key`` is the stack's default (None: ``default_problem`` says why and what to set).
    """

    noun: str  # "org" / "account"
    known: tuple[str, ...]
    explain: Callable[[str], str | None]
    how_to_configure: str  # shown when nothing is configured at all
    default_key: str | None = None
    default_problem: str = ""

    def default(self) -> str | None:
        return self.default_key


@dataclass(frozen=True)
class Declaration:
    kind: Kind
    index: int
    scope: str  # org or account key
    name: str
    args: dict[str, Any]  # keyword arguments of the resource, scope and name included
    parent: str | None = None  # contact groups: the key of another entry of the same account
    key: str = ""  # the resource-name part: the name, or a contact entry's own `key`
    previous_names: tuple[str, ...] = ()
    previous_scope: str | None = None
    options: GroupOptions = resource_options.NONE  # defaults merged in

    @property
    def resource_name(self) -> str:
        return resource_name(self.kind, self.scope, self.key or self.name)

    @property
    def aliases(self) -> list[str]:
        """The resource names this group had: every earlier name (key) in every earlier scope."""
        names = [self.key or self.name, *self.previous_names]
        scopes = [self.scope] + ([self.previous_scope] if self.previous_scope else [])
        found = dict.fromkeys(resource_name(self.kind, s, n) for s in scopes for n in names)
        found.pop(self.resource_name, None)
        return list(found)

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
    lists = sorted(kind.config_key for kind in all_kinds())
    known = set(lists) | {f"{NAMESPACE}:{key}" for key in SETTING_KEYS}
    problems = []
    for key in sorted(config_keys):
        if key.startswith(NAMESPACE + ":") and key not in known:
            problems.append(
                f"unknown config key {key}; the declaration lists are {', '.join(lists)} (settings: "
                f"{', '.join(f'{NAMESPACE}:{k}' for k in SETTING_KEYS)})"
            )
    return problems


def parse_list(raw: Any, kind: Kind) -> tuple[list[Any], list[str]]:
    """The entries of one list (config values arrive as JSON text), or a problem."""
    if raw is None or raw == "":
        return [], []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            return [], [f"{kind.config_key} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
    if not isinstance(raw, list):
        return [], [f"{kind.config_key} must be a list of {kind.label} entries, got {type(raw).__name__}"]
    return raw, []


def _check_entry(
    kind: Kind, index: int, entry: Any, scopes: Scopes, defaults: GroupOptions = resource_options.NONE
) -> tuple[Declaration | None, list[str]]:
    where = f"{kind.config_key}[{index}]"
    if not isinstance(entry, dict):
        got = f"{type(entry).__name__} {str(entry)[:40]!r}"
        return None, [f"{where}: must be an object like {{name: ..., ...}}, got {got}"]
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} ({name!r})"
    problems: list[str] = []
    allowed = kind.allowed_keys()
    unknown = sorted(set(entry) - set(allowed), key=str)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(allowed)}")

    name_field = next(f for f in kind.fields if f.name == "name")
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
        problems.append(f"{where}: parent must be the key (name) of another {kind.list_key} entry, "
                        f"got {str(parent)[:40]!r}")
    key = _text(entry, KEY, where, problems, name_field) if KEY in kind.extra_keys else None
    previous_names = _previous_names(entry, where, problems, name_field)
    previous_scope = _text(entry, kind.previous_scope_key, where, problems, None)
    fields = kind.property_fields()
    options = resource_options.parse(entry, where, fields, problems, applies_to=f" of a {kind.label}")
    if problems or scope is None:
        return None, problems
    args[kind.scope_field] = scope
    return Declaration(
        kind, index, scope, args["name"], args, parent if "parent" in kind.extra_keys else None,
        key=key or args["name"], previous_names=previous_names, previous_scope=previous_scope,
        options=options.over(resource_options.for_kind(defaults, fields)),
    ), []


def entry_problems(kind: Kind, entry: Any, scope: str) -> list[str]:
    """What the stack program would refuse in one entry that names ``scope`` as its org
    (account): the checks ``plan`` runs on each entry, for a command about to write one."""
    only = Scopes(kind.scope_field, (scope,), lambda key: None, "", scope)
    return _check_entry(kind, 0, entry, only)[1]


def _text(entry: dict, key: str, where: str, problems: list[str], like: Field | None) -> str | None:
    """An optional non-empty string (checked as a group name when ``like`` is the name field)."""
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key} must be a non-empty string, got {str(value)[:40]!r}")
        return None
    if like is not None:
        _, reason = coerce(like, value)
        if reason:
            problems.append(f"{where}: {key}: {reason}")
            return None
    return value


def _previous_names(entry: dict, where: str, problems: list[str], like: Field) -> tuple[str, ...]:
    value = entry.get(PREVIOUS_NAMES)
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: {PREVIOUS_NAMES} must be a list of earlier names, e.g. [VIP], "
                        f"got {str(value)[:40]!r}")
        return ()
    names = []
    for position, item in enumerate(value):
        _, reason = coerce(like, item) if isinstance(item, str) else (None, f"must be a string, got {str(item)[:40]!r}")
        if reason:
            problems.append(f"{where}: {PREVIOUS_NAMES}[{position}]: {reason}")
        else:
            names.append(item)
    return tuple(names)


def _scope_of(entry: dict, where: str, scopes: Scopes, problems: list[str]) -> str | None:
    noun = scopes.noun
    given = entry.get(noun)
    if given is None:
        default = scopes.default()
        if default is None:
            if not scopes.known and scopes.how_to_configure != scopes.default_problem:
                problems.append(f"{where}: {scopes.default_problem}; {scopes.how_to_configure}")
            else:
                problems.append(f"{where}: {scopes.default_problem}")
        return default
    if not isinstance(given, str) or not given.strip():
        problems.append(f"{where}: {noun} must be the key of a configured {noun}, got {str(given)[:40]!r}")
        return None
    if given not in scopes.known:
        problems.append(f"{where}: {scopes.explain(given) or f'{noun} {given!r} is not configured'}")
        return None
    return given


def _duplicates(declarations: list[Declaration]) -> list[str]:
    """Two entries may not make one resource name, nor claim the same earlier one."""
    first: dict[str, Declaration] = {}
    problems = []
    for d in declarations:
        if d.resource_name in first:
            problems.append(_same_name_problem(first[d.resource_name], d))
        else:
            first[d.resource_name] = d
    if problems:
        return problems
    claimed: dict[str, Declaration] = {}
    for d in declarations:
        for alias in d.aliases:
            if alias in first:
                problems.append(
                    f"{d.where}: its previous name {alias!r} is what {first[alias].where} declares now: "
                    f"remove it from {PREVIOUS_NAMES} / {d.kind.previous_scope_key}"
                )
            elif alias in claimed:
                problems.append(f"{claimed[alias].where} and {d.where} both say they were {alias!r}: "
                                "keep it on one of them")
            else:
                claimed[alias] = d
    return problems


def _same_name_problem(seen: Declaration, d: Declaration) -> str:
    both = (f"{seen.kind.config_key}[{seen.index}] and [{d.index}] both declare {d.kind.label} {d.name!r} "
            f"in {d.kind.scope_field} {d.scope!r}")
    if seen.key != d.key:  # different keys, one place (see _same_name_same_place)
        return (
            f"{both} under the same parent in team {d.args.get('team_id')}: keep one of them "
            "(a lookup by name could not tell them apart)"
        )
    if d.key != d.name or seen.key != seen.name:
        return f"{both} with the key {d.key!r}: give them different keys"
    if KEY not in d.kind.extra_keys:
        return f"{both}: keep one of them"
    if seen.args.get("team_id") == d.args.get("team_id") and seen.parent == d.parent:
        return f"{both} under the same parent in team {d.args.get('team_id')}: keep one of them"
    return (
        f"{both}, under different parents or teams (which WeSurvey allows): give the newer entry a "
        f"`key:` (its resource name becomes {d.scope}/{d.kind.name_part}/<key>, and children name it by that key) "
        "so that the other keeps its resource name"
    )


def _order_tree(declarations: list[Declaration]) -> tuple[list[Declaration], list[str]]:
    """Parents before children; every ``parent`` a declared entry of the same account and team."""
    by_name = {(d.scope, d.key): d for d in declarations}
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
                f"{parent.args.get('team_id')}, this entry in team {d.args.get('team_id')}: "
                "a parent must be in the same team"
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


def _same_name_same_place(declarations: list[Declaration]) -> list[str]:
    """Contact groups with one name under one parent in one team, even with different keys: a
    lookup by name (adoption, a lost create's answer) could not tell them apart."""
    seen: dict[tuple, Declaration] = {}
    problems = []
    for d in declarations:
        place = (d.scope, d.args.get("team_id"), d.parent, d.name)
        if place in seen:
            problems.append(_same_name_problem(seen[place], d))
        else:
            seen[place] = d
    return problems


def plan(
    stack: str,
    raw_lists: Mapping[Kind, Any],
    scopes_for: Callable[[Kind], Scopes],
    config_keys: Sequence[str] = (),
    defaults: Any = None,
    default_fields: Sequence[str] | None = None,
) -> Plan:
    """Check every list and return what to declare, or raise one ``DeclarationError``.

    ``raw_lists`` maps each kind to its config value (JSON text, a parsed list, or None);
    ``scopes_for(kind)`` is only called for kinds with entries, so a stack without contact
    groups never needs WeSurvey settings. ``defaults``: ``pulumi-groups:defaults`` (JSON text,
    an object, or None), whose ``ignoreChanges`` may name ``default_fields`` (default: the
    fields of the kinds in ``raw_lists``).
    """
    problems = unknown_config_keys(config_keys)
    if default_fields is None:
        default_fields = list(dict.fromkeys(f for kind in raw_lists for f in kind.property_fields()))
    stack_defaults, default_problems = resource_options.parse_defaults(
        defaults, default_fields, f"{NAMESPACE}:{resource_options.DEFAULTS_KEY}")
    problems += default_problems
    result = Plan()
    for kind, raw in raw_lists.items():
        entries, list_problems = parse_list(raw, kind)
        problems += list_problems
        if not entries:
            continue
        scopes = scopes_for(kind)
        declared, entry_problems = [], []
        for index, entry in enumerate(entries):
            declaration, found = _check_entry(kind, index, entry, scopes, stack_defaults)
            entry_problems += found
            if declaration is not None:
                declared.append(declaration)
        duplicate_problems = _duplicates(declared)
        problems += entry_problems + duplicate_problems
        # With a bad entry the tree would report its children as orphans: fix entries first.
        if "parent" in kind.extra_keys and not (entry_problems or duplicate_problems):
            problems += _same_name_same_place(declared)
            declared, tree_problems = _order_tree(declared)
            problems += tree_problems
        result.declarations += declared
    if problems:
        raise DeclarationError(stack, problems)
    return result
