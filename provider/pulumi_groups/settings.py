"""Reading orgs/accounts from stack config and the environment, shared by both vendors.

Rules (see the README, "Configuration"):
- ``<vendor>:<collection>`` is an object keyed by org/account key (JSON text: every config value
  reaches ``configure()`` as a string).
- The key ``default`` may instead come from shorthand keys (``capillary:host`` ...) and, last,
  from environment variables (``CAPILLARY_HOST`` ...). One source supplies a whole entry: fields
  are never mixed from two sources, so a stray environment variable cannot change a stack's org.
- Tuning (``requestsPerMinute``, ``timeoutSeconds``, ``retryBudgetSeconds``,
  ``retryBackoffSeconds``) is read at the top level and may be overridden inside each entry;
  numbers or numeric strings.

Nothing here raises for bad config: problems are recorded per entry (or for the whole
collection) and reported by ``check`` on the resources that use them, naming key and fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .http_policy import RetryPolicy

DEFAULT_KEY = "default"
TUNING_FIELDS = ("requestsPerMinute", "timeoutSeconds", "retryBudgetSeconds", "retryBackoffSeconds")
# Retrying one request stops once retryBudgetSeconds have passed since its first failure;
# retries wait 0, 2b, 4b, 8b, 16b seconds (+ up to b of jitter), b = retryBackoffSeconds.
RETRY_DEFAULTS = {
    "retryBudgetSeconds": RetryPolicy.budget_seconds,
    "retryBackoffSeconds": RetryPolicy.backoff_factor,
}


@dataclass(frozen=True)
class Source:
    """Where the vendor's entries are read from."""

    namespace: str  # "capillary"
    collection: str  # "orgs"
    fields: tuple[str, ...]  # camelCase field names allowed in an entry, e.g. ("host", "username")
    env_prefix: str  # "CAPILLARY_"
    defaults: Mapping[str, float] = field(default_factory=dict)  # tuning defaults

    def env_name(self, field_name: str) -> str:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in field_name)
        return self.env_prefix + snake.upper()


@dataclass
class Entries:
    """Raw entries by key, each a dict of camelCase fields plus tuning, and the problems found."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # key -> message
    collection_problem: str | None = None  # applies to every key (e.g. unparseable JSON)

    def problem_for(self, key: str) -> str | None:
        return self.collection_problem or self.problems.get(key)

    def known_keys(self) -> list[str]:
        return sorted(set(self.values) | set(self.problems))


def _number(value: Any, where: str, problems: list[str], *, minimum: float) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        problems.append(f"{where}: must be a number, not a boolean")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: must be a number, got {type(value).__name__} {str(value)[:20]!r}")
        return None
    if not number >= minimum:  # also rejects NaN
        problems.append(f"{where}: must be at least {minimum:g}, got {number:g}")
        return None
    return number


def read_entries(get: Callable[[str], Any], environ: Mapping[str, str], source: Source) -> Entries:
    """Collect entries from config (``get("capillary:orgs")``), shorthand keys and environment."""
    entries = Entries()
    ns = source.namespace
    problems: list[str] = []
    tuning_fields = TUNING_FIELDS
    top_tuning = {
        name: _number(get(f"{ns}:{name}"), f"{ns}:{name}", problems, minimum=0.001)
        for name in tuning_fields
    }
    if problems:
        entries.collection_problem = "; ".join(problems)
        return entries

    raw = get(f"{ns}:{source.collection}")
    collection: dict[str, Any] = {}
    if raw not in (None, ""):
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError as exc:  # the message holds a position, never the (secret) text
                entries.collection_problem = (
                    f"{ns}:{source.collection} is not valid JSON ({exc.msg} at line {exc.lineno} "
                    f"column {exc.colno}); set it as an object keyed by {source.collection[:-1]} key"
                )
                return entries
        if not isinstance(raw, dict):
            entries.collection_problem = (
                f"{ns}:{source.collection} must be an object keyed by {source.collection[:-1]} key, "
                f"got {type(raw).__name__}"
            )
            return entries
        collection = raw

    for key, entry in collection.items():
        where = f"{ns}:{source.collection}.{key}"
        if not isinstance(entry, dict):
            entries.problems[key] = f"{where} must be an object with {', '.join(source.fields)}"
            continue
        entries.values[key] = dict(entry)

    if DEFAULT_KEY not in collection:
        shorthand = {f: get(f"{ns}:{f}") for f in source.fields}
        shorthand = {f: v for f, v in shorthand.items() if v not in (None, "")}
        from_env = {f: environ.get(source.env_name(f)) for f in source.fields}
        from_env = {f: v for f, v in from_env.items() if v not in (None, "")}
        if shorthand:
            entries.values[DEFAULT_KEY] = shorthand
        elif from_env:
            entries.values[DEFAULT_KEY] = from_env

    for key, entry in list(entries.values.items()):
        where = f"{ns}:{source.collection}.{key}"
        unknown = sorted(set(entry) - set(source.fields) - set(tuning_fields))
        if unknown:
            entries.problems[key] = (
                f"{where}: unknown field(s) {', '.join(unknown)}; allowed: "
                f"{', '.join(source.fields + tuning_fields)}"
            )
            del entries.values[key]
            continue
        entry_problems: list[str] = []
        for name in tuning_fields:
            value = _number(entry.get(name), f"{where}.{name}", entry_problems, minimum=0.001)
            chosen = value if value is not None else top_tuning[name]
            entry[name] = chosen if chosen is not None else {**RETRY_DEFAULTS, **source.defaults}.get(name)
        for name in source.fields:
            value = entry.get(name)
            if value is not None and not isinstance(value, str):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    entry[name] = str(value)
                else:
                    entry_problems.append(f"{where}.{name}: must be a string")
        if entry_problems:
            entries.problems[key] = "; ".join(entry_problems)
            del entries.values[key]
    return entries


def config_getter(config: Any) -> Callable[[str], Any]:
    """A ``get(key)`` over a ``pulumi.dynamic.Config``, a plain dict, or nothing."""
    return (lambda key: None) if config is None else config.get


def retry_policy(entry: Mapping[str, Any]) -> RetryPolicy:
    """The retry policy an entry's tuning asks for."""
    return RetryPolicy(
        budget_seconds=float(entry["retryBudgetSeconds"]), backoff_factor=float(entry["retryBackoffSeconds"])
    )
