"""Emulator support of the example kind (``example_kind.py``): stamp groups at
``/api_gateway/v1/stamps/group``, served through the emulator's extension point
(``Router.add``) by every emulator of the process while ``serving()`` is active.

Stamp groups live in a collection of their own (``GROUPS``), with the badge groups' rules: names
unique per org and case-sensitive, the ``{"data", "errors", "warnings"}`` envelope, no delete.
"""

from __future__ import annotations

import contextlib
import math
import secrets
from collections.abc import Iterator

from pulumi_groups.emulator import org_groups, pipeline
from pulumi_groups.emulator.badges import render
from pulumi_groups.emulator.capillary import GATEWAY, authenticate
from pulumi_groups.emulator.errors import CapillaryError
from pulumi_groups.emulator.routing import Call, Route
from pulumi_groups.emulator.wire import Response
from tests.kinds.example_kind import STAMP_GROUPS_PATH

NAME_NOT_UNIQUE = (733, "Group Name should be Unique.")
NOT_FOUND = (404, "Group not found")
GROUPS: dict[str, dict] = {}


def _ok(data) -> Response:
    return Response(200, {"data": data, "errors": [], "warnings": []})


def create_group(store, org_id: int, name: str, rank: int, user_id: int = 1) -> dict:
    with store.lock:
        org_groups.check_unique(GROUPS, org_id, name, NAME_NOT_UNIQUE)
        return org_groups.insert(store, GROUPS, secrets.token_hex(12), org_id, name, rank, True, user_id)


def groups_of(store, org_id: int) -> list[dict]:
    return org_groups.of_org(store, GROUPS, org_id)


def _list(call: Call) -> Response:
    page = call.request.int_arg("page", 0, minimum=0)
    size = call.request.int_arg("size", 10, minimum=1)
    groups = groups_of(call.backend.store, call.principal.org_id)
    pagination = {"page": page, "size": size, "total": len(groups), "totalPages": math.ceil(len(groups) / size)}
    return _ok({"stampGroups": [render(g) for g in groups[page * size : (page + 1) * size]], "pagination": pagination})


def _create(call: Call) -> Response:
    body = call.request.json_object()
    principal = call.principal
    return _ok(
        render(create_group(call.backend.store, principal.org_id, body["name"], body["rank"], principal.user_id))
    )


def _update(call: Call) -> Response:
    body = call.request.json_object()
    store, principal = call.backend.store, call.principal
    with store.lock:
        group = org_groups.find(GROUPS, principal.org_id, call.params["id"])
        if group is None:
            raise CapillaryError(404, NOT_FOUND)
        org_groups.check_unique(GROUPS, principal.org_id, body["name"], NAME_NOT_UNIQUE, except_id=group["id"])
        group.update(name=body["name"], rank=body["rank"])
        return _ok(render(org_groups.touched(store, group, principal.user_id)))


ROUTES = [
    Route("GET", STAMP_GROUPS_PATH, _list, GATEWAY, authenticate),
    Route("POST", STAMP_GROUPS_PATH, _create, GATEWAY, authenticate),
    Route("PUT", STAMP_GROUPS_PATH + "/{id}", _update, GATEWAY, authenticate),
]


@contextlib.contextmanager
def serving() -> Iterator[None]:
    remove = pipeline.ROUTER.add(ROUTES)
    try:
        yield
    finally:
        remove()
        GROUPS.clear()
