"""Small helpers over vendors' wire records (plain dicts), shared by every client and resource."""

from __future__ import annotations

from typing import Any


def as_int(value: Any, default: int | None = None) -> int | None:
    """An int from a wire value (int, whole float, digit string), else ``default``; never a bool."""
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def find_by_id(groups: list[dict], group_id: Any) -> dict | None:
    """Ids compare as strings: the engine passes them as strings, vendors send ints or strings."""
    return next((g for g in groups if str(g.get("id")) == str(group_id)), None)

