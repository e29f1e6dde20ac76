"""An example kind, for tests only (never shipped): Capillary "stamp groups", a group type with
exactly the badge-group API shape (list, create, update; no delete) at a new path.

This module is what a contributor writes to add a kind: the provider class (its hooks, checked
when the class is defined), the resource class, and the kind's descriptor, registered once. No
other file of the package names it; the stack program, export, recover, the drift report and the
org listings find it in the registry (``tests/kinds/test_example_kind.py`` shows each).
Its emulator support is ``tests/kinds/example_emulator.py``.
"""

from __future__ import annotations

import pulumi

from pulumi_groups.capillary.badge_group import expand, flatten  # the badge groups' wire shape
from pulumi_groups.capillary.client import CapillaryClient, GroupCall, badge_envelope
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
from pulumi_groups.errors import NotFound
from pulumi_groups.http.client import Endpoint
from pulumi_groups.http.paging import fetch_all
from pulumi_groups.http.records import find_by_id
from pulumi_groups.lifecycle import kinds
from pulumi_groups.lifecycle.notices import warn
from pulumi_groups.lifecycle.schema import same_name

STAMP_GROUPS_PATH = "/api_gateway/v1/stamps/group"
PAGE_SIZE = 100
# Its endpoints: rows of shapes the Capillary client serves already (a shipped kind adds the
# GroupCall rows to CapillaryClient itself, as `create_stamp_group = GroupCall(...)`).
LIST = Endpoint("GET", STAMP_GROUPS_PATH, "list stamp groups")
CREATE = GroupCall("POST", STAMP_GROUPS_PATH, "create stamp group", badge_envelope, creates=True, holds="stamp group")
UPDATE = GroupCall("PUT", STAMP_GROUPS_PATH + "/{group_id}", "update stamp group", badge_envelope)


def list_stamp_groups(client: CapillaryClient) -> list[dict]:
    def page(number: int) -> tuple[list[dict], int]:
        body = client.send(LIST, params={"page": number, "size": PAGE_SIZE}).body
        data = (body or {}).get("data") or {} if isinstance(body, dict) else {}
        return list(data.get("stampGroups") or []), int((data.get("pagination") or {}).get("totalPages") or 0)

    return fetch_all(page, first_page=0)


class StampGroupProvider(CapillaryGroupProvider):
    kind = "stamp group"
    snapshot_kind = "stamp"
    fields = (NAME, rank_field(required=True), ORG, ADOPT)
    outputs = OUTPUTS

    def flatten(self, group, inputs):
        return flatten(group, inputs)

    def api_get(self, client, group_id, props):
        found = find_by_id(list_stamp_groups(client), group_id)  # no GET by id: the list tells
        if found is None:
            raise NotFound(client.context("read stamp group", str(group_id)))
        return found

    def api_list_find_id(self, client, group_id, props):
        return find_by_id(list_stamp_groups(client), group_id)

    def api_list_all(self, client, props):
        return list_stamp_groups(client)

    def api_find_existing(self, client, inputs):
        return self.reads.find_listed(
            client, inputs, lambda g: same_name(g.get("name"), inputs["name"]), lambda: list_stamp_groups(client)
        )

    def api_create(self, client, inputs):
        return client.call_group(CREATE, expand(inputs))

    def api_update(self, client, group_id, olds, inputs):
        return client.call_group(UPDATE, group_id, expand(inputs))

    def api_delete(self, client, group_id, outputs):
        warn(f"{self.label(outputs, group_id)} was kept: there is no API to delete stamp groups")


class StampGroup(CapillaryGroup, module="capillary", name="StampGroup"):
    """Type token ``pulumi-python:dynamic/capillary:StampGroup``."""

    name: pulumi.Output[str]
    rank: pulumi.Output[int]

    def __init__(self, resource_name: str, *, name, rank, org=None, adopt=False, opts=None) -> None:
        super().__init__(
            StampGroupProvider, resource_name, {"name": name, "rank": rank, "org": org, "adopt": adopt}, opts
        )


KIND = kinds.register(
    kinds.GroupKind(
        name="stamp",
        list_key="stampGroups",
        provider=StampGroupProvider,
        resource=StampGroup,
        scope=ORG_SCOPE,
        on_delete="keep",
        drift_fields=("name", "rank"),
        acceptable_fields=("name", "rank"),
        list_org=list_stamp_groups,
    )
)
