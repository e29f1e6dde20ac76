"""Reading orgs/accounts from stack config and the environment, shared by both vendors.

Rules (docs/configuration.md):
- ``<vendor>:<collection>`` is an object keyed by org/account key (JSON text: every config value
  reaches ``configure()`` as a string).
- The key ``default`` may instead come from shorthand keys (``capillary:host`` ...). Environment
  variables (``CAPILLARY_HOST`` ...) supply it only when the stack configures no org at all: a
  runner's exported credentials must never add an org to a stack that has its own. One source
  supplies a whole entry: fields are never mixed from two sources.
- The default org (account) of a declaration or resource that names none: the only one
  configured; with several, the one ``pulumi-groups:defaultOrg`` (``defaultAccount``) names;
  else an error at preview. The key ``default`` gets no preference, so adding an org never moves
  a group (``ScopeConfig.default_key``).
- Keys that share one credential (same host and identity) share its token and rate budget: the
  lowest ``requestsPerMinute`` any of them sets (``share_budgets``); every other setting is the
  key's own, and errors name the key the resource used.
- Tuning (``requestsPerMinute``, ``timeoutSeconds``, ``retryBudgetSeconds``,
  ``retryBackoffSeconds``) is read at the top level and may be overridden inside each entry;
  numbers or numeric strings.

Nothing here raises for bad config: problems are recorded per entry (or for the whole
collection) and reported by ``check`` on the resources that use them, naming key and fix.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pulumi_groups.http import registry
from pulumi_groups.http.policy import RetryPolicy

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
    default_choice_key: str = ""  # "pulumi-groups:defaultOrg": names the default among several

    @property
    def noun(self) -> str:
        return self.collection[:-1]  # "org" / "account"

    def env_name(self, field_name: str) -> str:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in field_name)
        return self.env_prefix + snake.upper()


@dataclass
class Entries:
    """Raw entries by key, each a dict of camelCase fields plus tuning, and the problems found."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # key -> message
    collection_problem: str | None = None  # applies to every key (e.g. unparseable JSON)
    default_choice: str | None = None  # the key pulumi-groups:defaultOrg/defaultAccount names
    environment_ignored: bool = False  # variables were set, but the stack configures its own

    def __repr__(self) -> str:
        # values hold passwords and secrets: name the keys only.
        return (
            f"Entries(keys={sorted(self.values)}, problems={sorted(self.problems)}, "
            f"collection_problem={self.collection_problem is not None}, default_choice={self.default_choice!r})"
        )

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
            except json.JSONDecodeError as exc:  # the message holds a position, never the (secret) text
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

    from_env = {f: environ.get(source.env_name(f)) for f in source.fields}
    from_env = {f: v for f, v in from_env.items() if v not in (None, "")}
    shorthand = {f: get(f"{ns}:{f}") for f in source.fields}
    shorthand = {f: v for f, v in shorthand.items() if v not in (None, "")}
    if DEFAULT_KEY not in collection and shorthand:
        entries.values[DEFAULT_KEY] = shorthand
    elif from_env and not collection and not shorthand:
        entries.values[DEFAULT_KEY] = from_env  # the stack configures nothing: the environment may
    else:
        entries.environment_ignored = bool(from_env)

    if source.default_choice_key:
        choice = get(source.default_choice_key)
        if choice not in (None, ""):
            entries.default_choice = str(choice).strip()

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


@dataclass(frozen=True)
class ScopeSettings:
    """One org (account) key's settings: the shape both vendors' settings share (``OrgSettings``,
    ``AccountSettings`` add how they log in), and all a vendor client reads."""

    key: str
    base_url: str
    requests_per_minute: float
    timeout_seconds: float
    retry: RetryPolicy

    @property
    def credential(self) -> tuple[str, str, str, str]:
        """Who this key logs in as (``registry.credential_key``): keys with the same credential
        share its token and rate budget."""
        raise NotImplementedError


S = TypeVar("S", bound=ScopeSettings)


@dataclass
class ScopeConfig(Generic[S]):
    """One vendor's config: its usable org (account) keys' settings, the raw entries with their
    problems, which key is the default, and whether two keys reach the same org (account)."""

    by_key: dict[str, S]
    entries: Entries
    source: ClassVar[Source]
    how_to_add: ClassVar[str]  # the commands (or variables) that configure key "{key}"

    def known_keys(self) -> list[str]:
        return self.entries.known_keys()

    def problem_for(self, key: str) -> str | None:
        """Why org (account) key ``key`` cannot be used, with the fix; None when it can."""
        if key in self.by_key:
            return None
        return self.entries.problem_for(key) or self.unknown_key_problem(key)

    def unknown_key_problem(self, key: str) -> str:
        """What to configure for a key the stack does not name at all."""
        noun = self.source.noun
        known = ", ".join(self.known_keys()) or "none"
        how = self.how_to_add.format(key=key)
        return f"{noun} {key!r} is not configured (known {noun}s: {known}); add it with {how}"

    def default_key(self) -> str | None:
        """The key a declaration or resource without one targets, or None (``default_problem``)."""
        known = self.known_keys()
        choice = self.entries.default_choice
        if choice is not None:
            return choice if choice in known else None
        return known[0] if len(known) == 1 else None

    def default_problem(self) -> str:
        """Why there is no default key, and the fix (meaningful when ``default_key()`` is None)."""
        noun, choice_key = self.source.noun, self.source.default_choice_key
        known = self.known_keys()
        if self.entries.collection_problem:
            return self.entries.collection_problem
        if self.entries.default_choice is not None:
            return (
                f"{choice_key} names {noun} {self.entries.default_choice!r}, which is not configured "
                f"(known {noun}s: {', '.join(known) or 'none'}); set it to one of them"
            )
        if not known:
            ignored = (
                f" ({self.source.env_prefix}* variables are set, but they are used only when the stack "
                f"configures no {noun} at all)" if self.entries.environment_ignored else ""
            )
            return f"no {noun} given and none is configured{ignored}"
        return (
            f"no {noun} given and the stack configures several ({', '.join(known)}); none is the "
            f"default: give `{noun}: <key>`, or choose the stack's default with "
            f"`pulumi config set {choice_key} <key>`"
        )

    def same_target(self, first: str, second: str) -> bool:
        """Whether two keys reach the same org (account): same host and same principal (username,
        clientKey, appId; never compared by secret). Computed from configuration alone; an
        unconfigured key matches only itself."""
        if first == second:
            return True
        a, b = self.by_key.get(first), self.by_key.get(second)
        return a is not None and b is not None and registry.principal_of(a.credential) == registry.principal_of(
            b.credential
        )


def share_budgets(by_key: dict[str, S]) -> None:
    """Keys with one principal (host and username, clientKey or appId) share one rate budget
    (the vendor counts per principal): give each the lowest ``requests_per_minute`` among them,
    so whichever key builds the shared limiter first, the budget is the same."""
    lowest: dict[Hashable, float] = {}
    for item in by_key.values():
        who = registry.principal_of(item.credential)
        lowest[who] = min(lowest.get(who, item.requests_per_minute), item.requests_per_minute)
    for key, item in by_key.items():
        rate = lowest[registry.principal_of(item.credential)]
        if item.requests_per_minute != rate:
            by_key[key] = dataclasses.replace(item, requests_per_minute=rate)


def config_getter(config: Any) -> Callable[[str], Any]:
    """A ``get(key)`` over a ``pulumi.dynamic.Config``, a plain dict, or nothing."""
    return (lambda key: None) if config is None else config.get


def load_scopes(
    config: Any, environ: Mapping[str, str] | None, source: Source, build: Callable[[str, dict[str, Any]], S | str]
) -> tuple[dict[str, S], Entries]:
    """Every entry of ``source`` built into settings by ``build``, which answers an entry it
    cannot use with the problem (kept for ``check`` to report); never raises. ``config``:
    anything with ``get(key)`` (a ``pulumi.dynamic.Config``, a dict), or None for the
    environment only."""
    entries = read_entries(config_getter(config), os.environ if environ is None else environ, source)
    by_key: dict[str, S] = {}
    for key, entry in entries.values.items():
        result = build(key, entry)
        if isinstance(result, str):
            entries.problems[key] = result
        else:
            by_key[key] = result
    share_budgets(by_key)
    return by_key, entries


def tuning(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ScopeSettings`` fields an entry's tuning gives (rate, timeout, retry policy)."""
    return {
        "requests_per_minute": float(entry["requestsPerMinute"]),
        "timeout_seconds": float(entry["timeoutSeconds"]),
        "retry": RetryPolicy(budget_seconds=float(entry["retryBudgetSeconds"]),
                             backoff_factor=float(entry["retryBackoffSeconds"])),
    }
