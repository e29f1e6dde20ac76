"""Capillary orgs from stack config / environment: host, and exactly one way to authenticate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_groups.capillary import guesses
from pulumi_groups.http import registry
from pulumi_groups.http.settings import DEFAULT_KEY, ScopeConfig, ScopeSettings, Source, load_scopes, tuning

# Test clusters allow 100 requests per minute per key [doc]; stay under it by default.
DEFAULT_REQUESTS_PER_MINUTE = 90.0
DEFAULT_TIMEOUT_SECONDS = 30.0

SOURCE = Source(
    namespace="capillary",
    collection="orgs",
    # rewardGroupsPath: where an org's cluster serves reward groups (capillary/guesses.py).
    fields=("host", "username", "password", "clientKey", "clientSecret", "rewardGroupsPath"),
    env_prefix="CAPILLARY_",
    defaults={"requestsPerMinute": DEFAULT_REQUESTS_PER_MINUTE, "timeoutSeconds": DEFAULT_TIMEOUT_SECONDS},
    default_choice_key="pulumi-groups:defaultOrg",
)

CLUSTERS = {
    "eu": "https://eu.api.capillarytech.com",
    "apac": "https://apac.api.capillarytech.com",
    "india": "https://apac.api.capillarytech.com",
    "apac2": "https://apac2.api.capillarytech.com",
    "us": "https://us.api.capillarytech.com",
    "sea": "https://sea.api.capillarytech.com",
    "ushc": "https://ushc.api.capillarytech.com",
    "cn": "https://api.capillarytech.cn.com",
}


@dataclass(frozen=True)
class OrgSettings(ScopeSettings):
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_key: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    reward_groups_path: str = guesses.REWARD_GROUPS_PATH

    @property
    def uses_oauth(self) -> bool:
        return self.client_key is not None

    @property
    def credential(self) -> tuple[str, str, str, str]:
        """Who this org key logs in as (host + identity, the secret only as a fingerprint): two
        keys with the same credential reach the same org."""
        principal = self.client_key or self.username or ""
        secret = self.client_secret or self.password or ""
        return registry.credential_key("capillary", self.base_url, principal, secret)


class CapillaryConfig(ScopeConfig[OrgSettings]):
    source = SOURCE
    how_to_add = (
        "`pulumi config set --path --secret 'capillary:orgs.{key}.password' ...` "
        "(and host, username), or, in a stack that configures no org, set CAPILLARY_* for the org 'default'"
    )

    @property
    def orgs(self) -> dict[str, OrgSettings]:
        return self.by_key


def resolve_host(host: str) -> str | None:
    host = host.strip()
    if host.lower() in CLUSTERS:
        return CLUSTERS[host.lower()]
    if host.startswith(("https://", "http://")) and len(host) > len("https://"):
        return host.rstrip("/")
    return None


def _org(key: str, entry: dict[str, Any]) -> OrgSettings | str:
    where = f"capillary:orgs.{key}" if key != DEFAULT_KEY else "capillary (org 'default')"
    host = entry.get("host")
    if not host:
        return f"{where}: set host to a cluster ({', '.join(sorted(CLUSTERS))}) or a base URL"
    base_url = resolve_host(host)
    if base_url is None:
        return f"{where}.host: {host!r} is neither a cluster ({', '.join(sorted(CLUSTERS))}) nor an http(s):// URL"
    reward_path = entry.get("rewardGroupsPath") or guesses.REWARD_GROUPS_PATH
    if not _is_path(reward_path):
        field_name = f"capillary:orgs.{key}.rewardGroupsPath" + (
            " (or capillary:rewardGroupsPath, CAPILLARY_REWARD_GROUPS_PATH)" if key == DEFAULT_KEY else "")
        return (f"{field_name}: {reward_path[:60]!r} is not a URL path: give one that starts with /, "
                f"e.g. {guesses.REWARD_GROUPS_PATH} (the default) or /api_gateway/core/v1/group (older clusters)")
    basic = [entry.get("username"), entry.get("password")]
    oauth = [entry.get("clientKey"), entry.get("clientSecret")]
    has_basic, has_oauth = any(basic), any(oauth)
    if has_basic == has_oauth or (has_basic and not all(basic)) or (has_oauth and not all(oauth)):
        return f"{where}: give either username/password or clientKey/clientSecret"
    return OrgSettings(
        key=key,
        base_url=base_url,
        username=entry.get("username") if has_basic else None,
        password=entry.get("password") if has_basic else None,
        client_key=entry.get("clientKey") if has_oauth else None,
        client_secret=entry.get("clientSecret") if has_oauth else None,
        reward_groups_path=reward_path.rstrip("/"),
        **tuning(entry),
    )


def _is_path(path: str) -> bool:
    """A path on the org's host: ``/`` first, then no blank, query, fragment or ``..`` step."""
    return (path.startswith("/") and not path.startswith("//") and path.rstrip("/") != ""
            and not any(c.isspace() or c in "?#" for c in path) and ".." not in path.split("/"))


def load(config: Any, environ: Mapping[str, str] | None = None) -> CapillaryConfig:
    """Never raises: bad orgs are kept as problems for ``check`` to report."""
    return CapillaryConfig(*load_scopes(config, environ, SOURCE, _org))
