"""Capillary reward groups: `/api_gateway/rewards/core/v1/group` (and the older alias
`/api_gateway/core/v1/group`).

Single objects are answered bare (no envelope); the list has its own `status` + `pagingDto`
shape; errors are `{"status": {"success": false, "code", "message"}}`. Ids are sequential ints,
timestamps epoch milliseconds plus ISO-8601. Groups are never deleted, only deactivated.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pulumi_groups.emulator import guesses, org_groups
from pulumi_groups.emulator.capillary import REWARDS, OrgPrincipal, authenticate
from pulumi_groups.emulator.errors import BadRequest, CapillaryError
from pulumi_groups.emulator.routing import Call, Route
from pulumi_groups.emulator.wire import Response, is_int, iso_utc

if TYPE_CHECKING:
    from pulumi_groups.emulator.store import Store

BASES = ("/api_gateway/rewards/core/v1/group", "/api_gateway/core/v1/group")
NAME_MISSING = (400, "Group name must not be null")
NAME_NOT_UNIQUE = (12012, "Group name must be unique")
CONSOLE_FIELDS = {"name", "rank", "isActive"}
SORT_FIELDS = ("RANK", "LAST_UPDATED_ON")


def render(group: dict) -> dict:
    """Wire form, in the field order of the documented sample."""
    return {
        "id": group["id"],
        "orgId": group["orgId"],
        "name": group["name"],
        "rank": group["rank"],
        "isActive": group["isActive"],
        "createdBy": group["createdBy"],
        "createdOn": group["created"] // 1000,
        "createdOnDateTime": iso_utc(group["created"]),
        "lastUpdatedBy": group["lastUpdatedBy"],
        "lastUpdatedOn": group["updated"] // 1000,
        "lastUpdatedOnDateTime": iso_utc(group["updated"]),
    }


# --------------------------------------------------------------------------------------------
# Rules (shared by the HTTP handlers and the emulator's Python API)
# --------------------------------------------------------------------------------------------


def _check_fields(name, rank, is_active) -> None:
    if not isinstance(name, str) or not name.strip():
        raise CapillaryError(400, NAME_MISSING)
    if rank is not None and not (is_int(rank) and guesses.INT32_MIN <= rank <= guesses.INT32_MAX):
        raise CapillaryError(400, guesses.REWARD_INVALID_RANK)
    if not isinstance(is_active, bool):
        raise CapillaryError(400, guesses.REWARD_INVALID_IS_ACTIVE)


def _check_unique(store: Store, org_id: int, name: str, except_id=None) -> None:
    org_groups.check_unique(store.reward_groups, org_id, name, NAME_NOT_UNIQUE, except_id)


def create_group(store: Store, org_id: int, name, rank, user_id: int, active: bool = True) -> dict:
    _check_fields(name, rank, active)
    with store.lock:
        _check_unique(store, org_id, name)
        return org_groups.insert(
            store, store.reward_groups, store.next_sequence("reward"), org_id, name, rank, active, user_id
        )


def find_group(store: Store, org_id: int, group_id) -> dict | None:
    return org_groups.find(store.reward_groups, org_id, group_id)


def update_group(store: Store, group: dict, changes: dict, user_id: int) -> dict:
    """Apply wire-field changes (name, rank, isActive) under the reward rules."""
    with store.lock:
        merged = {key: changes.get(key, group[key]) for key in CONSOLE_FIELDS}
        _check_fields(merged["name"], merged["rank"], merged["isActive"])
        _check_unique(store, group["orgId"], merged["name"], except_id=group["id"])
        group.update(merged)
        return org_groups.touched(store, group, user_id)


def groups_of(store: Store, org_id: int) -> list[dict]:
    return org_groups.of_org(store, store.reward_groups, org_id)


# --------------------------------------------------------------------------------------------
# HTTP handlers
# --------------------------------------------------------------------------------------------


def _existing(call: Call) -> dict:
    principal: OrgPrincipal = call.principal
    group = find_group(call.backend.store, principal.org_id, int(call.params["id"]))
    if group is None:
        raise CapillaryError(call.backend.options.not_found_status, guesses.REWARD_GROUP_NOT_FOUND)
    return group


def _active_filter(call: Call) -> bool | None:
    text = call.request.arg("active")
    if text is None or text == "":
        return call.backend.options.reward_list_default_active
    if text.lower() not in ("true", "false"):
        raise BadRequest("Query parameter 'active' must be true or false")
    return text.lower() == "true"


def _sorted(groups: list[dict], sort_on: str | None, descending: bool) -> list[dict]:
    if sort_on == "RANK":
        # Null ranks go last in both directions (see guesses.py).
        ranked = sorted((g for g in groups if g["rank"] is not None), key=lambda g: (g["rank"], g["id"]))
        unranked = [g for g in groups if g["rank"] is None]
        return (ranked[::-1] if descending else ranked) + unranked
    key = (lambda g: (g["updated"], g["id"])) if sort_on == "LAST_UPDATED_ON" else (lambda g: g["id"])
    return sorted(groups, key=key, reverse=descending)


def list_groups(call: Call) -> Response:
    request = call.request
    page = request.int_arg("page", 0, minimum=0)
    size = request.int_arg("size", guesses.REWARD_LIST_DEFAULT_PAGE_SIZE, minimum=1)
    order = (request.arg("orderBy") or guesses.REWARD_LIST_DEFAULT_ORDER).upper()
    sort_on = (request.arg("sortOn") or "").upper() or None
    if order not in ("ASC", "DESC"):
        raise BadRequest("Query parameter 'orderBy' must be ASC or DESC")
    if sort_on is not None and sort_on not in SORT_FIELDS:
        raise BadRequest("Query parameter 'sortOn' must be RANK or LAST_UPDATED_ON")
    active, name = _active_filter(call), request.arg("name")

    groups = [
        group
        for group in groups_of(call.backend.store, call.principal.org_id)
        if (active is None or group["isActive"] == active) and (name is None or group["name"] == name)
    ]
    groups = _sorted(groups, sort_on, descending=order == "DESC")
    chunk = groups[page * size : (page + 1) * size]
    total_pages = math.ceil(len(groups) / size)
    code, message = guesses.REWARD_LIST_SUCCESS
    return Response(200, {
        "status": {"success": True, "code": code, "message": message},
        "groupRoList": [render(group) for group in chunk],
        "pagingDto": {
            "last": page + 1 >= total_pages,
            "first": page == 0,
            "totalElements": len(groups),
            "totalPages": total_pages,
            "numberOfElements": len(chunk),
            "size": size,
            "number": page,
        },
    })


def create(call: Call) -> Response:
    body = call.request.json_object()
    principal: OrgPrincipal = call.principal
    group = create_group(call.backend.store, principal.org_id, body.get("name"), body.get("rank"), principal.user_id)
    return Response(200, render(group))


def get(call: Call) -> Response:
    return Response(200, render(_existing(call)))


def update(call: Call) -> Response:
    body = call.request.json_object()
    changes = {"name": body.get("name")}
    if "rank" in body or guesses.REWARD_PUT_WITHOUT_RANK_CLEARS_RANK:
        changes["rank"] = body.get("rank")
    if body.get("isActive") is not None:  # absent or null keeps the current state
        changes["isActive"] = body["isActive"]
    _check_fields(changes["name"], changes.get("rank"), changes.get("isActive", True))
    group = update_group(call.backend.store, _existing(call), changes, call.principal.user_id)
    return Response(200, render(group))


def _routes(base: str) -> list[Route]:
    def route(method, template, handler):
        return Route(method, template, handler, REWARDS, authenticate, param_pattern=r"\d+")

    return [
        route("POST", base + "/create", create),
        route("GET", base, list_groups),
        route("GET", base + "/{id}", get),
        route("PUT", base + "/{id}", update),
    ]


ROUTES = [route for base in BASES for route in _routes(base)]
