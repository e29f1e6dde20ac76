"""WeSurvey accounts from stack config / environment: appId, secret and an optional host.

``wesurvey:accounts`` is keyed by account; ``wesurvey:appId|secret|host`` are the shorthand for
the account ``default``, and ``WESURVEY_APP_ID|SECRET|HOST`` its fallback when the stack
configures no account at all (the shared ``settings.read_entries`` applies those rules). Nothing here
raises: problems are kept for ``check`` to report on the resources that use the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_groups.http import registry
from pulumi_groups.http.settings import DEFAULT_KEY, ScopeConfig, ScopeSettings, Source, load_scopes, tuning
from pulumi_groups.wesurvey import guesses

DEFAULT_HOST = "https://open.wesurvey.com"

SOURCE = Source(
    namespace="wesurvey",
    collection="accounts",
    fields=("appId", "secret", "host"),
    env_prefix="WESURVEY_",
    defaults={
        "requestsPerMinute": guesses.DEFAULT_REQUESTS_PER_MINUTE,
        "timeoutSeconds": guesses.DEFAULT_TIMEOUT_SECONDS,
    },
    default_choice_key="pulumi-groups:defaultAccount",
)


@dataclass(frozen=True)
class AccountSettings(ScopeSettings):
    app_id: str
    secret: str = field(repr=False)

    @property
    def credential(self) -> tuple[str, str, str, str]:
        """The appid this account key uses (its token and rate budget belong to it)."""
        return registry.credential_key("wesurvey", self.base_url, self.app_id, self.secret)


class WeSurveyConfig(ScopeConfig[AccountSettings]):
    source = SOURCE
    how_to_add = (
        "`pulumi config set --path 'wesurvey:accounts.{key}.appId' ...` and "
        "`pulumi config set --path --secret 'wesurvey:accounts.{key}.secret' ...`, "
        "or, in a stack that configures no account, set WESURVEY_APP_ID and WESURVEY_SECRET "
        "for the account 'default'"
    )

    @property
    def accounts(self) -> dict[str, AccountSettings]:
        return self.by_key


def _account(key: str, entry: dict[str, Any]) -> AccountSettings | str:
    # 'default' may come from the object, the shorthand keys or the environment: name no one key.
    where = f"wesurvey:accounts.{key}" if key != DEFAULT_KEY else "wesurvey account 'default'"
    missing = [name for name in ("appId", "secret") if not entry.get(name)]
    if missing:
        return f"{where}: set {' and '.join(missing)} (from the team's WeSurvey management page)"
    host = (entry.get("host") or DEFAULT_HOST).strip()
    if not host.startswith(("https://", "http://")) or len(host.split("://", 1)[1]) == 0:
        return f"{where}.host: {host!r} is not an http(s):// URL (default {DEFAULT_HOST})"
    return AccountSettings(
        key=key,
        base_url=host.rstrip("/"),
        app_id=entry["appId"],
        secret=entry["secret"],
        **tuning(entry),
    )


def load(config: Any, environ: Mapping[str, str] | None = None) -> WeSurveyConfig:
    """``config``: anything with ``get("wesurvey:accounts")`` (a ``pulumi.dynamic.Config``, a
    dict), or None for the environment only."""
    return WeSurveyConfig(*load_scopes(config, environ, SOURCE, _account))
