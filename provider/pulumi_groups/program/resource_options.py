"""Pulumi resource options for groups declared as data: ``protect``, ``retainOnDelete``, ``ignoreChanges``.

An entry of a declaration list may carry them under Pulumi's own names, and
``pulumi-groups:defaults`` may set them for every entry of the stack (an entry's own value wins,
``ignoreChanges`` included: an entry's list replaces the default one, ``[]`` clears it)::

    pulumi-groups:defaults: {protect: true}                 # e.g. a production stack
    pulumi-groups:badgeGroups:
      - {name: GOLD, rank: 3, ignoreChanges: [rank]}        # the console owns GOLD's rank
      - {name: TEST, rank: 1, protect: false, retainOnDelete: true}

``ignoreChanges`` names fields as the declarations do (``rank``, ``parent``); the stack program
passes the engine's property names (``parent`` is ``parent_id``) to
``pulumi.ResourceOptions(protect=, retain_on_delete=, ignore_changes=)``. A field the default
list names applies to the kinds that have it (``rank`` is no contact-group field); an entry's own
list may only name its kind's fields. Parsing sends nothing and declares nothing: the checks
below run at preview, with the declaration checks, and their problems read like theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PROTECT, RETAIN_ON_DELETE, IGNORE_CHANGES = "protect", "retainOnDelete", "ignoreChanges"
OPTION_KEYS = (PROTECT, RETAIN_ON_DELETE, IGNORE_CHANGES)
DEFAULTS_KEY = "defaults"  # pulumi-groups:defaults


@dataclass(frozen=True)
class GroupOptions:
    """The options one group is declared with (``None``: not given, the default applies)."""

    protect: bool | None = None
    retain_on_delete: bool | None = None
    ignore_changes: tuple[str, ...] | None = None  # declaration field names

    def over(self, defaults: GroupOptions) -> GroupOptions:
        """These options where given, else ``defaults``'."""
        return GroupOptions(
            protect=defaults.protect if self.protect is None else self.protect,
            retain_on_delete=defaults.retain_on_delete if self.retain_on_delete is None else self.retain_on_delete,
            ignore_changes=defaults.ignore_changes if self.ignore_changes is None else self.ignore_changes,
        )

    @property
    def is_empty(self) -> bool:
        return not (self.protect or self.retain_on_delete or self.ignore_changes)


NONE = GroupOptions()


def _shown(value: Any) -> str:
    return repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."


def parse(
    raw: Mapping[str, Any],
    where: str,
    fields: Sequence[str],
    problems: list[str],
    applies_to: str = "",
) -> GroupOptions:
    """The options ``raw`` gives (its other keys are not looked at). ``fields``: the names
    ``ignoreChanges`` may use; ``applies_to`` says whose fields they are, in messages."""
    protect = _flag(raw, PROTECT, where, problems)
    retain = _flag(raw, RETAIN_ON_DELETE, where, problems)
    ignored: tuple[str, ...] | None = None
    value = raw.get(IGNORE_CHANGES)
    if value is not None:
        names = value if isinstance(value, list) else None
        if names is None or not all(isinstance(name, str) for name in names):
            problems.append(f"{where}: {IGNORE_CHANGES} must be a list of field names, e.g. [rank], "
                            f"got {_shown(value)}")
        else:
            unknown = [name for name in names if name not in fields]
            if unknown:
                problems.append(f"{where}: {IGNORE_CHANGES} names unknown field(s) {', '.join(unknown)}; "
                                f"fields{applies_to}: {', '.join(fields)}")
            ignored = tuple(dict.fromkeys(name for name in names if name in fields))
    return GroupOptions(protect, retain, ignored)


def _flag(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> bool | None:
    value = raw.get(key)
    if value is None or isinstance(value, bool):
        return value
    problems.append(f"{where}: {key} must be true or false, got {_shown(value)}")
    return None


def parse_defaults(raw: Any, fields: Sequence[str], where: str) -> tuple[GroupOptions, list[str]]:
    """The stack-wide defaults (JSON text or an object) found under the config key ``where``;
    ``fields``: every kind's field names."""
    import json

    if raw is None or raw == "":
        return NONE, []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            return NONE, [f"{where} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
    if not isinstance(raw, dict):
        return NONE, [f"{where} must be an object like {{protect: true}}, got {type(raw).__name__}"]
    problems: list[str] = []
    unknown = sorted(set(raw) - set(OPTION_KEYS), key=str)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(OPTION_KEYS)}")
    return parse(raw, where, fields, problems, applies_to=" of any group kind"), problems


def for_kind(defaults: GroupOptions, fields: Sequence[str]) -> GroupOptions:
    """The defaults as they apply to one kind: only the ignored fields that kind has."""
    if defaults.ignore_changes is None:
        return defaults
    return GroupOptions(defaults.protect, defaults.retain_on_delete,
                        tuple(name for name in defaults.ignore_changes if name in fields))


def property_names(ignored: Sequence[str], declared_as: Mapping[str, str]) -> list[str]:
    """The engine's property names of declaration fields (``declared_as``: field -> property,
    where they differ)."""
    return [declared_as.get(name, name) for name in ignored]


__all__ = ["DEFAULTS_KEY", "NONE", "OPTION_KEYS", "GroupOptions", "for_kind", "parse", "parse_defaults",
           "property_names"]
