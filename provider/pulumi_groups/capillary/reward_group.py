"""Capillary reward group: ``RewardGroup`` (what programs declare) and ``RewardGroupProvider``.

``pulumi_groups.capillary.reward_group.RewardGroupProvider`` is pickled by reference into state:
its module path and class name must never change.

Reward groups cannot be deleted [doc]: ``pulumi destroy`` deactivates them (``isActive: false``).
Renaming one unlinks every reward attached to it (rewards link to groups by name) [doc]: the
preview says so before it happens, and the update says so again when it does.
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
from pulumi_groups.lifecycle.schema import Field, changed, same_name

ACTIVE = Field(
    "active",
    "bool",
    "Whether the group is active. `pulumi destroy` sets it to false (reward groups cannot be deleted).",
    default=True,
)


def expand(inputs: dict) -> dict:
    """Inputs -> the update body: name, rank and isActive always together (see guesses)."""
    return {"name": inputs["name"], "rank": inputs.get("rank"), "isActive": bool(inputs.get("active", True))}


def expand_create(inputs: dict) -> dict:
    """Inputs -> the create body: the update body without isActive, which create does not take [doc]."""
    body = expand(inputs)
    del body["isActive"]
    return body


def flatten(group: dict, inputs: dict) -> dict:
    is_active = bool(group.get("isActive", True))
    return {
        "name": group.get("name"),
        "rank": as_int(group.get("rank")),
        "active": is_active,
        "org": inputs["org"],
        "adopt": bool(inputs.get("adopt")),
        "org_id": as_int(group.get("orgId")),
        "is_active": is_active,
        "created_on": timestamps.from_epoch_millis(group.get("createdOn")),
        "last_updated_on": timestamps.from_epoch_millis(group.get("lastUpdatedOn")),
        "created_by": group.get("createdBy"),
        "last_updated_by": group.get("lastUpdatedBy"),
    }


def _rename_warning(label: str, old_name: Any, new_name: Any) -> str:
    return (
        f"{label}: renaming it from {old_name!r} to {new_name!r} unlinks every reward attached to it "
        "(Capillary links rewards to groups by name); relink them after the update"
    )


class RewardGroupProvider(CapillaryGroupProvider):
    kind = "reward group"
    snapshot_kind = "reward"
    fields = (NAME, rank_field(required=False), ACTIVE, ORG, ADOPT)
    outputs = OUTPUTS
    create_fields = ("name", "rank")  # the create body has no isActive [doc]; a PUT sets it

    def flatten(self, group: dict, inputs: dict) -> dict:
        return flatten(group, inputs)

    def warn_on_change(self, group_id, olds, news):
        if changed(NAME, olds.get("name"), news.get("name")):
            warn(_rename_warning(self.label(olds, group_id), olds.get("name"), news.get("name")))

    def api_get(self, client, group_id, props):
        return client.get_reward_group(group_id)

    def api_list_find_id(self, client, group_id, props):
        return find_by_id(client.list_reward_groups(), group_id)

    def api_list_all(self, client, props):
        return client.list_reward_groups()  # active and inactive: both are managed

    def api_find_existing(self, client, inputs):
        name = inputs["name"]  # the list's name filter is a guess at exact match: compare again
        return self.reads.find_listed(
            client, inputs, lambda g: same_name(g.get("name"), name), lambda: client.list_reward_groups(name=name)
        )

    def api_create(self, client, inputs):
        group = client.create_reward_group(expand_create(inputs))
        if group.get("id") is None:
            return group  # no id to set `active` on: the shared create finds the group by name
        if bool(group.get("isActive", True)) != bool(inputs.get("active", True)):
            # The create body has no isActive [doc]; one PUT declares it. The group exists now,
            # so a failure here must not lose it: read() completes the outputs later.
            try:
                group = client.update_reward_group(str(group["id"]), expand(inputs))
            except Exception as exc:  # noqa: BLE001 - the id must reach state whatever happens
                warn(f"{self.label(inputs, str(group.get('id')))} was created but setting active failed: {exc}")
        return group

    def api_update(self, client, group_id, olds, inputs):
        if changed(NAME, olds.get("name"), inputs.get("name")):
            warn(_rename_warning(self.label(olds, group_id), olds.get("name"), inputs.get("name")))
        return client.update_reward_group(group_id, expand(inputs))

    def api_delete(self, client, group_id, outputs):
        # Deactivate under the LIVE name and rank, read just now: the ones in state may be stale
        # (renamed in the console since the last refresh), and sending them would rename the
        # group back and unlink the rewards attached by its new name.
        live = self.reads.live_group(client, group_id, outputs, now=True)
        self.check_scope(client, group_id, outputs, live, gone=live is None)
        if live is None or self.already_deleted(live):
            return  # gone, or inactive already: nothing to send
        client.update_reward_group(group_id, expand({**flatten(live, outputs), "active": False}))

    def already_deleted(self, group):
        return not group.get("isActive", True)  # deactivating is all a reward group's delete does


class RewardGroup(CapillaryGroup, module="capillary", name="RewardGroup"):
    """A Capillary reward group. Type token ``pulumi-python:dynamic/capillary:RewardGroup``; the
    resource id is the group's integer id as a string."""

    name: pulumi.Output[str]
    rank: pulumi.Output[int | None]
    active: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        rank: pulumi.Input[int] | None = None,
        active: pulumi.Input[bool] = True,
        org: pulumi.Input[str] | None = None,  # None: the stack's default org (docs/configuration.md)
        adopt: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        inputs: dict[str, Any] = {"name": name, "rank": rank, "active": active, "org": org, "adopt": adopt}
        super().__init__(RewardGroupProvider, resource_name, inputs, opts)


KIND = kinds.register(kinds.GroupKind(
    name="reward",
    list_key="rewardGroups",
    provider=RewardGroupProvider,
    resource=RewardGroup,
    scope=ORG_SCOPE,
    on_delete="deactivate",
    drift_fields=("name", "rank", "active"),
    acceptable_fields=("name", "rank", "active"),
    list_org=lambda client: client.list_reward_groups(),  # active and inactive
))
