"""Bad declarations and bad stack config, each of which ``check`` must refuse (at preview, before
any request) with a failure on the right property and a reason that names the field or config
key. Data only, plus the one function that runs a case; shared by the suite
(``test_bad_input.py``) and ``scripts/reliability_report.py``.

A case's ``config`` replaces keys of the base stack config (one OAuth org ``brand``); ``{url}``
in it becomes the emulator's URL. ``news`` is what the program declared, numbers as the engine
sends them (floats).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pulumi.dynamic import Config, ConfigureRequest

ORG = "brand"
BASE_ORG = {"host": "{url}", "clientKey": "demo-client-key", "clientSecret": "demo-client-secret"}
# Stand-ins for secrets in broken config: no reason may echo them.
PLANTED_SECRETS = ("hunter2-planted", "planted-client-secret")


@dataclass(frozen=True)
class BadInput:
    id: str
    kind: str  # "badge" | "reward"
    news: dict
    field: str  # the property the failure must be reported on
    says: str  # text the reason must contain (it names the field or the config key)
    config: dict[str, Any] = field(default_factory=dict)


def _badge(**news: Any) -> dict:
    return {"name": "GOLD", "rank": 3.0, "org": ORG, **news}


def _reward(**news: Any) -> dict:
    return {"name": "VIP", "org": ORG, **news}


def _without(news: dict, key: str) -> dict:
    return {k: v for k, v in news.items() if k != key}


def _orgs(**entry: Any) -> dict[str, str]:
    """``capillary:orgs`` with the org ``brand`` replaced (None drops a field)."""
    merged = {**BASE_ORG, **entry}
    return {"capillary:orgs": json.dumps({ORG: {k: v for k, v in merged.items() if v is not None}})}


BASIC = {"clientKey": None, "clientSecret": None}

CASES: list[BadInput] = [
    # -- names --------------------------------------------------------------------------------
    BadInput("badge-name-missing", "badge", _without(_badge(), "name"), "name", "name is required"),
    BadInput("badge-name-empty", "badge", _badge(name=""), "name", "name must not be empty"),
    BadInput("badge-name-blank", "badge", _badge(name="   "), "name", "name must not be empty"),
    BadInput("badge-name-number", "badge", _badge(name=7.0), "name", "name must be a string"),
    BadInput("badge-name-list", "badge", _badge(name=["GOLD"]), "name", "name must be a string"),
    BadInput("badge-name-object", "badge", _badge(name={"en": "GOLD"}), "name", "name must be a string"),
    BadInput("reward-name-empty", "reward", _reward(name=""), "name", "name must not be empty"),
    BadInput("reward-name-null", "reward", _reward(name=None), "name", "name is required"),
    # -- ranks --------------------------------------------------------------------------------
    BadInput("badge-rank-missing", "badge", _without(_badge(), "rank"), "rank", "rank is required"),
    BadInput(
        "badge-rank-negative",
        "badge",
        _badge(rank=-1.0),
        "rank",
        "rank must be a whole number between 0 and 2147483647",
    ),
    BadInput(
        "badge-rank-too-large", "badge", _badge(rank=2147483648.0), "rank", "rank must be a whole number between 0"
    ),
    BadInput("badge-rank-fraction", "badge", _badge(rank=3.5), "rank", "rank must be a whole number"),
    BadInput("badge-rank-string", "badge", _badge(rank="3"), "rank", "rank must be a whole number"),
    BadInput("badge-rank-boolean", "badge", _badge(rank=True), "rank", "rank must be a whole number"),
    BadInput("badge-rank-nan", "badge", _badge(rank=float("nan")), "rank", "rank must be a whole number"),
    BadInput("badge-rank-infinite", "badge", _badge(rank=float("inf")), "rank", "rank must be a whole number"),
    BadInput("reward-rank-negative", "reward", _reward(rank=-5.0), "rank", "rank must be a whole number between 0"),
    BadInput("reward-rank-fraction", "reward", _reward(rank=0.5), "rank", "rank must be a whole number"),
    BadInput("reward-rank-huge", "reward", _reward(rank=1e10), "rank", "rank must be a whole number between 0"),
    # -- flags --------------------------------------------------------------------------------
    BadInput("badge-adopt-string", "badge", _badge(adopt="yes"), "adopt", "adopt must be true or false"),
    BadInput("badge-adopt-number", "badge", _badge(adopt=1.0), "adopt", "adopt must be true or false"),
    BadInput("reward-active-string", "reward", _reward(active="false"), "active", "active must be true or false"),
    BadInput("reward-active-number", "reward", _reward(active=0.0), "active", "active must be true or false"),
    # -- orgs ---------------------------------------------------------------------------------
    BadInput("badge-org-empty", "badge", _badge(org=""), "org", "org must not be empty"),
    BadInput("badge-org-number", "badge", _badge(org=5.0), "org", "org must be a string"),
    BadInput(
        "badge-org-unknown",
        "badge",
        _badge(org="brand-xx"),
        "org",
        "org 'brand-xx' is not configured (known orgs: brand)",
    ),
    BadInput("reward-org-unknown", "reward", _reward(org="Brand"), "org", "org 'Brand' is not configured"),
    # -- stack config -------------------------------------------------------------------------
    BadInput(
        "config-orgs-malformed-json",
        "badge",
        _badge(),
        "org",
        "capillary:orgs is not valid JSON",
        config={"capillary:orgs": '{"brand": {"host": "{url}", "password": "hunter2-planted"'},
    ),
    BadInput(
        "config-orgs-not-an-object",
        "badge",
        _badge(),
        "org",
        "capillary:orgs must be an object keyed by org key",
        config={"capillary:orgs": '["brand"]'},
    ),
    BadInput(
        "config-org-entry-not-an-object",
        "reward",
        _reward(),
        "org",
        "capillary:orgs.brand must be an object",
        config={"capillary:orgs": '{"brand": "hunter2-planted"}'},
    ),
    BadInput(
        "config-conflicting-credentials",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand: give either username/password or clientKey/clientSecret",
        config=_orgs(username="demo.till", password="hunter2-planted"),
    ),
    BadInput(
        "config-username-without-password",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand: give either username/password or clientKey/clientSecret",
        config=_orgs(username="demo.till", **BASIC),
    ),
    BadInput(
        "config-client-secret-without-key",
        "reward",
        _reward(),
        "org",
        "capillary:orgs.brand: give either username/password or clientKey/clientSecret",
        config=_orgs(clientKey=None, clientSecret="planted-client-secret"),
    ),
    BadInput(
        "config-no-credentials",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand: give either username/password or clientKey/clientSecret",
        config=_orgs(**BASIC),
    ),
    BadInput(
        "config-host-missing",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand: set host",
        config=_orgs(host=None),
    ),
    BadInput(
        "config-host-not-a-url",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand.host: 'ftp://capillary'",
        config=_orgs(host="ftp://capillary"),
    ),
    BadInput(
        "config-unknown-field",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand: unknown field(s) passwd",
        config=_orgs(passwd="hunter2-planted"),
    ),
    BadInput(
        "config-password-not-a-string",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand.password: must be a string",
        config=_orgs(username="demo.till", password={"value": "hunter2-planted"}, **BASIC),
    ),
    BadInput(
        "config-requests-per-minute-text",
        "badge",
        _badge(),
        "org",
        "capillary:requestsPerMinute: must be a number",
        config={"capillary:requestsPerMinute": "fast"},
    ),
    BadInput(
        "config-requests-per-minute-zero",
        "reward",
        _reward(),
        "org",
        "capillary:orgs.brand.requestsPerMinute: must be at least",
        config=_orgs(requestsPerMinute=0),
    ),
    BadInput(
        "config-requests-per-minute-boolean",
        "badge",
        _badge(),
        "org",
        "capillary:orgs.brand.requestsPerMinute: must be a number, not a boolean",
        config=_orgs(requestsPerMinute=True),
    ),
    BadInput(
        "config-timeout-negative",
        "badge",
        _badge(),
        "org",
        "capillary:timeoutSeconds: must be at least",
        config={"capillary:timeoutSeconds": "-5"},
    ),
    BadInput(
        "config-retry-budget-text",
        "reward",
        _reward(),
        "org",
        "capillary:orgs.brand.retryBudgetSeconds: must be a number",
        config=_orgs(retryBudgetSeconds="long"),
    ),
    BadInput(
        "config-retry-backoff-zero",
        "badge",
        _badge(),
        "org",
        "capillary:retryBackoffSeconds: must be at least",
        config={"capillary:retryBackoffSeconds": "0"},
    ),
]


def stack_config(url: str, case: BadInput) -> dict[str, str]:
    config = {
        "capillary:orgs": json.dumps({ORG: BASE_ORG}),
        "capillary:requestsPerMinute": "100000",
    }
    config.update(case.config)
    return {key: value.replace("{url}", url) for key, value in config.items()}


def run(case: BadInput, url: str, provider_cls=None) -> list[str]:
    """Problems with how ``check`` (layer 1) treats the case; [] when it is refused properly."""
    if provider_cls is None:
        from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider

        provider_cls = {"badge": BadgeGroupProvider, "reward": RewardGroupProvider}[case.kind]
    provider = provider_cls()
    provider.configure(ConfigureRequest(Config(stack_config(url, case), "pulumi-groups")))
    failures = [(f.property, f.reason) for f in provider.check({}, case.news).failures]
    return judge(case, failures)


def judge(case: BadInput, failures: list[tuple[str, str]]) -> list[str]:
    problems = []
    on_field = [reason for prop, reason in failures if prop == case.field]
    if not on_field:
        problems.append(f"no failure on {case.field!r}; got {failures}")
    elif not any(case.says in reason for reason in on_field):
        problems.append(f"the failure on {case.field!r} does not say {case.says!r}: {on_field}")
    for _, reason in failures:
        leaked = [s for s in PLANTED_SECRETS if s in reason]
        if leaked:
            problems.append(f"a reason shows a secret from the config: {reason!r}")
    return problems
