"""What BadgeGroup and RewardGroup share: org config, client lookup, and the common fields."""

from __future__ import annotations

from typing import Any

import pulumi

from pulumi_groups.capillary import guesses, settings
from pulumi_groups.capillary.client import CapillaryClient, client_for
from pulumi_groups.errors import ConfigError, WrongOrg, calls_for
from pulumi_groups.http.records import as_int
from pulumi_groups.lifecycle.hooks import ALIASES_FIRST
from pulumi_groups.lifecycle.kinds import Scope
from pulumi_groups.lifecycle.provider import GroupProvider
from pulumi_groups.lifecycle.resource import GroupResource
from pulumi_groups.lifecycle.schema import INT32_MAX, Field, Output

ORG = Field(
    "org",
    "string",
    "Key of the Capillary org in `capillary:orgs` (`default`: the shorthand keys, or CAPILLARY_* "
    "when the stack configures no org). Absent: the stack's only org, or the one "
    "`pulumi-groups:defaultOrg` names. Changing it replaces the group (delete before create), "
    "unless both keys reach the same org (same host and credential).",
    on_change="replace",
)
ADOPT = Field(
    "adopt",
    "bool",
    "Take over an existing group with the same name (case-sensitive) instead of failing; "
    "needed after a destroy, since Capillary keeps badge groups and deactivated reward groups.",
    default=False,
    on_change="none",
)
NAME = Field(
    "name", "string", "Group name, unique in the org and case-sensitive.", required=True,
    max_length=guesses.GROUP_NAME_MAX_LENGTH,
)


def rank_field(required: bool) -> Field:
    return Field(
        "rank",
        "int",
        "Rank that orders groups; higher ranks are prioritized. Not unique; 0 allowed."
        + ("" if required else " Optional (null)."),
        required=required,
        nullable=not required,
        minimum=0,
        maximum=INT32_MAX,
        required_hint="; give a whole number from 0 to 2147483647 (badge groups need a rank)" if required else "",
    )


# Where badge and reward groups live: a Capillary org, by its key in `capillary:orgs`.
ORG_SCOPE = Scope(
    field="org",
    entries_key="capillary:orgs",
    default_key="pulumi-groups:defaultOrg",
    load=settings.load,
    how_to_configure="add capillary:orgs.<key> with host and credentials (see stacks/Pulumi.example-basic.yaml), "
    "or, for a stack without any org in its file, set CAPILLARY_HOST and credentials in the environment",
)

OUTPUTS = (
    Output("org_id", "Numeric id of the Capillary org the group lives in."),
    Output("is_active", "Whether Capillary reports the group active."),
    Output("created_on", "Creation time, ISO-8601 UTC."),
    Output("last_updated_on", "Last update time, ISO-8601 UTC."),
    Output("created_by", "Capillary user id that created the group."),
    Output("last_updated_by", "Capillary user id that last updated the group."),
)


class CapillaryGroupProvider(GroupProvider[CapillaryClient], abstract=True):
    scope_field = "org"
    snapshot_config_key = "capillary:readSnapshot"
    snapshot_kind: str  # "badge" / "reward": one listing per credential and kind
    required_hooks = (*GroupProvider.required_hooks, "snapshot_kind")

    def snapshot_scope(self, client: CapillaryClient, props: dict) -> Any:
        # Keyed by credential, not org key: two org keys with one credential are one org.
        return None if client.credential is None else ("capillary", self.snapshot_kind, client.credential)

    def check_scope(
        self, client: CapillaryClient, group_id: str, props: dict, live: dict | None, *, gone: bool = False
    ) -> None:
        """Every group's org_id is in state: the credentials under its org key must reach that
        org, or nothing is changed and nothing dropped (another org's credentials under the same
        key would otherwise make every group look deleted). Free where the org is already known
        (the OAuth token, any group answered so far); otherwise one small listing per process."""
        stored = as_int(props.get("org_id"))
        if stored is None:
            return  # a group in state from before org_id was recorded: nothing to compare
        label = self.label(props, group_id)
        reached = as_int(live.get("orgId")) if live else None
        if reached is None:
            with calls_for(during=f"checking which org the credentials reach, for {label}"):
                reached = client.reached_org_id(learn=True)
        where = f"capillary:orgs.{props.get('org')}"
        if reached is None and gone:
            raise WrongOrg(
                f"capillary org {props.get('org')!r}: {label} was not found, and these credentials see no "
                f"badge or reward group at all, so nothing shows that they reach org {stored}, where the "
                f"group was made (its org_id in state). It stays in the stack's state. Check {where}; if "
                "the group was really deleted, remove it with `pulumi state delete`"
            )
        if reached is not None and reached != stored:
            raise WrongOrg(
                f"capillary org {props.get('org')!r}: the credentials under {where} reach org {reached}, "
                f"but {label} was made in org {stored} (its org_id in state). Nothing was changed and the "
                f"group stays in the stack's state: put org {stored}'s credentials back under {where}"
            )

    def load_config(self, config: Any) -> settings.CapillaryConfig:
        return settings.load(config)

    def client(self, scope: str) -> CapillaryClient:
        org = self.config.by_key.get(scope)
        if org is None:
            raise ConfigError(self.config.problem_for(scope))
        return client_for(org)

    def adopt_hint(self, existing: dict) -> str:
        return (
            f"A {self.kind} with this name already exists (id {self.group_id(existing)}). {ALIASES_FIRST}. "
            "Otherwise it was perhaps made by hand or kept after a `pulumi destroy` (badge groups cannot be "
            "deleted; reward groups are only deactivated): set adopt: true on this declaration to take it over"
        )


class CapillaryGroup(GroupResource):
    """What ``BadgeGroup`` and ``RewardGroup`` output besides their own inputs."""

    org: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    org_id: pulumi.Output[int]
    is_active: pulumi.Output[bool]
    created_on: pulumi.Output[str]
    last_updated_on: pulumi.Output[str]
    created_by: pulumi.Output[Any]
    last_updated_by: pulumi.Output[Any]
