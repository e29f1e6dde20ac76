"""Which org (WeSurvey account) a stack's config reaches, told from what is not secret.

A Capillary org is reached by a host and a principal: the till ``username`` or the OAuth
``clientKey`` (Capillary gives one org per credential). A WeSurvey account by its host and
``appId``. Those are plaintext in stack files even where the password is stored encrypted (as
the README tells users to store it), so every command can compare orgs without the CLI, and no
secret is ever read, decrypted or hashed to tell orgs apart or to build a key from: two stacks
whose passwords differ but whose host and principal agree reach the same org (one of them holds
a stale password; it still must not adopt the other's groups).

Two principals can reach one org (a till user and an OAuth client). Config cannot tell; the
``org_id`` a stack's state records for its groups can (``same_org``).

A value that is itself encrypted (a ``secure:`` host or username) leaves the org unknown
(``None``): callers treat an unknown org as possibly any org, never as surely another one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_groups.capillary import settings as capillary_settings
from pulumi_groups.wesurvey import settings as wesurvey_settings


@dataclass(frozen=True, order=True)
class OrgIdentity:
    vendor: str  # "capillary" | "wesurvey"
    host: str  # base URL, no trailing slash
    principal: str  # "user:<username>", "client:<clientKey>" or "app:<appId>"

    def text(self) -> str:
        """One line naming the org: what a key or a message may hold (nothing in it is secret)."""
        return f"{self.vendor} {self.host} {self.principal}"


Identities = dict[str, OrgIdentity | None]  # org (account) key -> its org; None: not readable


def capillary_entry(entry: Mapping[str, Any]) -> OrgIdentity | None:
    """The org of one ``capillary:orgs`` entry (fields as in the stack file; secrets may be
    absent), or None when its host or principal is not readable."""
    host = entry.get("host")
    base_url = capillary_settings.resolve_host(host) if isinstance(host, str) else None
    client_key, username = entry.get("clientKey"), entry.get("username")
    if isinstance(client_key, str) and client_key:
        principal = f"client:{client_key}"
    elif isinstance(username, str) and username:
        principal = f"user:{username}"
    else:
        return None
    return OrgIdentity("capillary", base_url, principal) if base_url else None


def of_org(org: capillary_settings.OrgSettings) -> OrgIdentity:
    """The org loaded settings reach (their secret is not looked at)."""
    principal = f"client:{org.client_key}" if org.client_key else f"user:{org.username or ''}"
    return OrgIdentity("capillary", org.base_url.rstrip("/"), principal)


def of_account(account: wesurvey_settings.AccountSettings) -> OrgIdentity:
    return OrgIdentity("wesurvey", account.base_url.rstrip("/"), f"app:{account.app_id}")


def capillary_orgs(config: Mapping[str, str], environ: Mapping[str, str] | None = None) -> Identities:
    """``{org key: identity}`` of every org a stack's config names, encrypted values left out or
    not (a plaintext config from ``stack_files.plaintext_config`` is enough)."""
    entries = capillary_settings.load(config, environ or {}).entries
    return {key: capillary_entry(entry) for key, entry in entries.values.items()}


def same_org(identity: OrgIdentity | None, recorded: Iterable[Any], target: OrgIdentity,
             target_org_id: Any = None) -> bool | None:
    """Whether an org key (``identity``, and the ``org_id`` values its groups' state records)
    reaches the ``target`` org (whose listing said ``target_org_id``). True: the same principal
    or the same recorded org id; None: unknown (its host or principal is encrypted); False:
    surely another org."""
    if identity == target:
        return True
    if target_org_id is not None and str(target_org_id) in {str(o) for o in recorded if o is not None}:
        return True
    return None if identity is None else False
