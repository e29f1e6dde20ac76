"""Resource schemas (a description per field) and the input checks every resource shares.

``check`` runs at ``pulumi preview``: it must refuse bad input with a message that names the
field and the fix, send nothing to any API, and let values that are not known yet (another
resource's id during preview) pass through untouched. The engine sends every number as a float,
so whole floats become ints here, once, and every later step sees ints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown

from pulumi_groups.lifecycle.notices import warn

INT32_MAX = 2_147_483_647
# Characters a name must not hold: control characters (tab, newline ...), format characters
# (zero-width space/joiner, byte-order mark, bidi marks: invisible, so two names that look the
# same differ) and line/paragraph separators. Emoji joined by U+200D are refused with them.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


@dataclass(frozen=True)
class Field:
    """One input: its type, rules, and what a change to it does (update, replace or nothing)."""

    name: str
    value_type: str  # "string" | "int" | "bool" | "id" (int, whole float or digit string: another group's id)
    description: str
    required: bool = False
    default: Any = None
    nullable: bool = False
    minimum: int | None = None
    maximum: int | None = None
    on_change: str = "update"  # "update" | "replace" | "none"
    required_hint: str = ""
    max_length: int | None = None  # strings: a vendor limit (a named guess in <vendor>/guesses.py)

    def describe_range(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" between {self.minimum} and {self.maximum}"
        if self.minimum is not None:
            return f" of at least {self.minimum}"
        return ""


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def _type_name(value: Any) -> str:
    return "boolean" if isinstance(value, bool) else type(value).__name__


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def coerce(field: Field, value: Any) -> tuple[Any, str | None]:
    """``(value to keep, None)`` or ``(None, reason)``; unknowns and allowed Nones pass through."""
    if is_unknown(value):
        return value, None
    if value is None:
        if field.nullable:
            return None, None
        return None, f"{field.name} is required{field.required_hint}"
    if field.value_type == "string":
        if not isinstance(value, str):
            return None, f"{field.name} must be a string, got {_type_name(value)} {_shown(value)}"
        if not value.strip():
            return None, f"{field.name} must not be empty"
        hidden = _invisible_characters(value)
        if hidden:
            return None, (
                f"{field.name} must not contain control or zero-width characters, found {', '.join(hidden)}: "
                "remove them (they make a name that looks like another one)"
            )
        composed = nfc(value)
        if composed != value:
            return None, (
                f"{field.name} {_shown(value)} is not in Unicode normal form C (it holds decomposed characters, "
                f"e.g. an accent typed as a separate mark): write it as {composed!r}, which looks the same; "
                "two spellings of one name would make two groups that look alike"
            )
        if field.max_length is not None and len(value) > field.max_length:
            return None, f"{field.name} must be at most {field.max_length} characters, got {len(value)}: shorten it"
        return value, None
    if field.value_type == "bool":
        if not isinstance(value, bool):
            return None, f"{field.name} must be true or false, got {_type_name(value)} {_shown(value)}"
        return value, None
    if field.value_type in ("int", "id"):
        number: Any = value
        if field.value_type == "id" and isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int):
            return None, (
                f"{field.name} must be a whole number{field.describe_range()}, "
                f"got {_type_name(value)} {_shown(value)}"
            )
        if (field.minimum is not None and number < field.minimum) or (
            field.maximum is not None and number > field.maximum
        ):
            return None, f"{field.name} must be a whole number{field.describe_range()}, got {number}"
        return number, None
    raise AssertionError(f"unknown field value_type {field.value_type}")


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C: the one spelling of a name every check and lookup uses."""
    import unicodedata

    return unicodedata.normalize("NFC", text)


def same_name(live: object, declared: object) -> bool:
    """Whether a live group's name is the declared one, compared in NFC: declared names are NFC
    (``coerce`` refuses others), and one made in a console with decomposed characters is the
    same name to a person, so it is found (and taken over with ``adopt``), never doubled."""
    return isinstance(live, str) and isinstance(declared, str) and nfc(live) == nfc(declared)


def _invisible_characters(text: str) -> list[str]:
    import unicodedata  # here, not at the top: the provider process imports no more than it needs

    found = dict.fromkeys(c for c in text if unicodedata.category(c) in _INVISIBLE_CATEGORIES)
    return [f"U+{ord(c):04X} ({unicodedata.name(c, 'control')})" for c in found]


def outer_blanks_warning(field: Field, value: Any) -> str | None:
    """Leading or trailing blanks are legal but make a second group that looks like the first."""
    if field.value_type == "string" and isinstance(value, str) and value.strip() and value != value.strip():
        return (
            f"{field.name} {value!r} has leading or trailing blanks: it is a different name from "
            f"{value.strip()!r}, and in a console list both look the same; remove them unless meant"
        )
    return None


def check_inputs(
    fields: Iterable[Field], news: dict[str, Any], label: str = ""
) -> tuple[dict[str, Any], list[CheckFailure]]:
    """Checked, normalized inputs (owned fields only) and one failure per bad field; warns
    (one line each, naming ``label`` and the field) about legal but surprising values."""
    inputs: dict[str, Any] = {}
    failures: list[CheckFailure] = []
    for field in fields:
        value = news.get(field.name)
        if value is None and not field.required:
            value = field.default
            if value is None:
                inputs[field.name] = None
                continue
        kept, reason = coerce(field, value)
        if reason:
            failures.append(CheckFailure(field.name, reason))
        else:
            inputs[field.name] = kept
            blanks = outer_blanks_warning(field, kept)
            if blanks:
                warn(f"{label}: {blanks}" if label else blanks)
    return inputs, failures


def normalized(field: Field, value: Any) -> Any:
    """The comparable form of a stored or declared value (engine floats back to ints)."""
    if value is None:
        return field.default
    kept, reason = coerce(field, value)
    return value if reason else kept


def changed(field: Field, old: Any, new: Any) -> bool:
    return is_unknown(new) or normalized(field, old) != normalized(field, new)
