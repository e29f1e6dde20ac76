"""Capillary badge group: ``BadgeGroup`` (what programs declare) and ``BadgeGroupProvider``.

``pulumi_groups.capillary.badge_group.BadgeGroupProvider`` is pickled by reference into state:
its module path and class name must never change.

Badge groups cannot be deleted through the API [doc]: ``pulumi destroy`` keeps the group in the
org, says so in one line, and succeeds; a later ``up`` of the same name needs ``adopt: true``.
"""

from __future__ import annotations

from typing import Any

import pulumi

from pulumi_groups.capillary.common import (
    ADOPT,
    NAME,
    ORG,
    ORG_SCOPE,
    OUTPUTS,
    CapillaryGroup,
    CapillaryGroupProvider,
    rank_field,
)
from pulumi_groups.http.records import as_int, find_by_id
from pulumi_groups.lifecycle import kinds, timestamps
from pulumi_groups.lifecycle.notices import warn
from pulumi_groups.lifecycle.schema import same_name


def expand(inputs: dict) -> dict:
    """Inputs -> the create/update body: both fields, always [doc]."""
    return {"name": inputs["name"], "rank": inputs["rank"]}


def flatten(group: dict, inputs: dict) -> dict:
    """API group -> outputs (inputs the API does not know, ``org`` and ``adopt``, carried over)."""
    return {
        "name": group.get("name"),
        "rank": as_int(group.get("rank")),
        "org": inputs["org"],
        "adopt": bool(inputs.get("adopt")),
        "org_id": as_int(group.get("orgId")),
        "is_active": bool(group.get("isActive", True)),
        "created_on": timestamps.from_epoch_seconds(group.get("createdOn")),
        "last_updated_on": timestamps.from_epoch_seconds(group.get("lastUpdatedOn")),
        "created_by": group.get("createdBy"),
        "last_updated_by": group.get("lastUpdatedBy"),
    }


class BadgeGroupProvider(CapillaryGroupProvider):
    kind = "badge group"
    snapshot_kind = "badge"
    fields = (NAME, rank_field(required=True), ORG, ADOPT)
    outputs = OUTPUTS

    def flatten(self, group: dict, inputs: dict) -> dict:
        return flatten(group, inputs)

    def api_get(self, client, group_id, props):
        return client.get_badge_group(group_id)

    def api_list_find_id(self, client, group_id, props):
        return find_by_id(client.list_badge_groups(), group_id)

    def api_list_all(self, client, props):
        return client.list_badge_groups()

    def api_find_existing(self, client, inputs):
        # Case-sensitive [doc]: 'Gold' and 'gold' are different groups.
        def holds_name(group: dict) -> bool:
            return same_name(group.get("name"), inputs["name"])  # NFC: a console's decomposed é is é

        return self.reads.find_listed(client, inputs, holds_name, client.list_badge_groups)

    def api_create(self, client, inputs):
        return client.create_badge_group(expand(inputs))

    def api_update(self, client, group_id, olds, inputs):
        return client.update_badge_group(group_id, expand(inputs))

    def api_delete(self, client, group_id, outputs):
        warn(
            f"{self.label(outputs, group_id)} was kept: Capillary has no API to delete badge groups. "
            "It stays in the org; declare it again with adopt: true to manage it"
        )


class BadgeGroup(CapillaryGroup, module="capillary", name="BadgeGroup"):
    """A Capillary badge group. Type token ``pulumi-python:dynamic/capillary:BadgeGroup``; the
    resource id is the group's 24-hex id."""

    name: pulumi.Output[str]
    rank: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        rank: pulumi.Input[int],
        org: pulumi.Input[str] | None = None,  # None: the stack's default org (docs/configuration.md)
        adopt: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        inputs: dict[str, Any] = {"name": name, "rank": rank, "org": org, "adopt": adopt}
        super().__init__(BadgeGroupProvider, resource_name, inputs, opts)


KIND = kinds.register(kinds.GroupKind(
    name="badge",
    list_key="badgeGroups",
    provider=BadgeGroupProvider,
    resource=BadgeGroup,
    scope=ORG_SCOPE,
    on_delete="keep",
    drift_fields=("name", "rank"),
    acceptable_fields=("name", "rank"),
    list_org=lambda client: client.list_badge_groups(),
))
