"""Vendors' timestamps -> one output format: ISO-8601 in UTC with milliseconds and a Z."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_epoch_seconds(value: Any) -> str | None:
    """Badge groups send float seconds with 9 decimals (``1743497864.510000000``)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return _iso(datetime.fromtimestamp(float(value), tz=timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_epoch_millis(value: Any) -> str | None:
    """Reward groups send integer milliseconds (``1742180327987``)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return _iso(datetime.fromtimestamp(int(value) / 1000.0, tz=timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_iso(value: Any) -> str | None:
    """WeSurvey sends ISO-8601 with an offset, sometimes truncated (``2021-06-24T17:59:``): parse
    what is there, and give back None rather than a wrong time when it cannot be read."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    for candidate in (text, text.rstrip(":")):
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if moment.tzinfo is None:
            return None
        return _iso(moment)
    return None
