"""``list_contact_groups``: the contact groups that already exist, for use in programs.

It runs in the *program* process at every preview and update (the one exception to previews
that send no request), with credentials from ``pulumi.Config("wesurvey")`` and the environment,
the same keys the provider reads. It fetches its own access token, which voids the provider
process's token for the same appid (and the provider's next token voids this one): each side,
told its token is invalid, fetches a new one once and sends again (see ``Transport.request``).
"""

from __future__ import annotations

from typing import Any

import pulumi

from pulumi_groups.errors import ConfigError
from pulumi_groups.lifecycle.schema import Field, coerce
from pulumi_groups.wesurvey import settings
from pulumi_groups.wesurvey.client import client_for
from pulumi_groups.wesurvey.contact_group import PARENT_ID, TEAM_ID, as_record

_ACCOUNT = Field("account", "string", "WeSurvey account key.")


class _ProgramConfig:
    """``get("wesurvey:accounts")`` over the program's stack config, as ``configure()`` sees it
    in the provider process (secrets arrive decrypted in both)."""

    def get(self, full_key: str) -> Any:
        namespace, key = full_key.split(":", 1)  # wesurvey:accounts, pulumi-groups:defaultAccount
        return pulumi.Config(namespace).get(key)


def _plain(field: Field, value: Any) -> Any:
    if isinstance(value, pulumi.Output):
        raise TypeError(
            f"list_contact_groups: {field.name} is an Output; call it inside apply, e.g. "
            f"panel.id.apply(lambda id: list_contact_groups(team_id=53, parent_id=id))"
        )
    kept, reason = coerce(field, value)
    if reason:
        raise ValueError(f"list_contact_groups: {reason}")
    return kept


def list_contact_groups(team_id: int, parent_id: int | None = None, account: str | None = None) -> list[dict]:
    """Every contact group of team ``team_id`` (all pages) as plain dicts with ``id``,
    ``team_id``, ``parent_id``, ``name``, ``full_name``, ``order``, ``remote_id`` (None when the
    group has none), ``source``, ``is_valid``, ``created_at``, ``updated_at`` (ISO-8601 UTC).

    ``parent_id=None`` lists the whole team, ``0`` the top level, another id that group's
    direct children. ``account=None``: the stack's default account, by the resources' rule.
    """
    team_id = _plain(TEAM_ID, team_id)
    parent_id = None if parent_id is None else _plain(PARENT_ID, parent_id)
    config = settings.load(_ProgramConfig())
    account = config.default_key() if account is None else _plain(_ACCOUNT, account)
    if account is None:
        raise ConfigError(f"list_contact_groups: {config.default_problem()}")
    chosen = config.accounts.get(account)
    if chosen is None:
        raise ConfigError(f"list_contact_groups: {config.problem_for(account)}")
    groups = client_for(chosen).list_groups(team_id, parent_id=parent_id)
    return [as_record(group) for group in groups]
