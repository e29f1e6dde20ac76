"""Capillary badge groups: `/api_gateway/v1/badges/group`.

Envelope `{"data", "errors", "warnings"}`; ids are 24 lower-case hex chars (Mongo ObjectIds);
timestamps are epoch seconds with nine decimals plus ISO-8601 in UTC; names are unique per org
and case-sensitive; there is no delete endpoint.
"""

from __future__ import annotations

import math
import secrets
import time
from typing import TYPE_CHECKING

from pulumi_groups.emulator import guesses, org_groups
from pulumi_groups.emulator.capillary import GATEWAY, OrgPrincipal, authenticate
from pulumi_groups.emulator.errors import BadRequest, CapillaryError
from pulumi_groups.emulator.routing import Call, Route
from pulumi_groups.emulator.wire import EpochSeconds, Response, is_int, iso_utc

if TYPE_CHECKING:
    from pulumi_groups.emulator.store import Store

BASE = "/api_gateway/v1/badges/group"
NAME_NOT_UNIQUE = (733, "Group Name should be Unique.")
RANK_MANDATORY = (732, "Group Rank is Mandatory.")
CONSOLE_FIELDS = {"name", "rank", "isActive"}

# Middle part of every ObjectId this process mints (Mongo uses a per-process random value).
_PROCESS_PART = secrets.token_hex(5)


def render(group: dict) -> dict:
    """Wire form, in the field order of the documented samples."""
    return {
        "id": group["id"],
        "orgId": group["orgId"],
        "name": group["name"],
        "rank": group["rank"],
        "createdBy": group["createdBy"],
        "createdOn": EpochSeconds(group["created"]),
        "createdOnISO": iso_utc(group["created"]),
        "lastUpdatedBy": group["lastUpdatedBy"],
        "lastUpdatedOn": EpochSeconds(group["updated"]),
        "lastUpdatedOnISO": iso_utc(group["updated"]),
        "isActive": group["isActive"],
    }


def _ok(data) -> Response:
    return Response(200, {"data": data, "errors": [], "warnings": []})


# --------------------------------------------------------------------------------------------
# Rules (shared by the HTTP handlers and the emulator's Python API)
# --------------------------------------------------------------------------------------------


def _check_name_and_rank(name, rank) -> None:
    problems = []
    if not isinstance(name, str) or not name.strip():
        problems.append(guesses.BADGE_NAME_MANDATORY)
    if not is_int(rank):
        problems.append(RANK_MANDATORY)
    elif not guesses.INT32_MIN <= rank <= guesses.INT32_MAX:
        problems.append(guesses.BADGE_RANK_OUT_OF_RANGE)
    if problems:
        raise CapillaryError(400, *problems)


def _check_unique(store: Store, org_id: int, name: str, except_id=None) -> None:
    org_groups.check_unique(store.badge_groups, org_id, name, NAME_NOT_UNIQUE, except_id)


def _new_object_id(store: Store) -> str:
    counter = store.next_sequence("badge") % 2**24
    return f"{int(time.time()):08x}{_PROCESS_PART}{counter:06x}"


def create_group(store: Store, org_id: int, name, rank, user_id: int) -> dict:
    _check_name_and_rank(name, rank)
    with store.lock:
        _check_unique(store, org_id, name)
        return org_groups.insert(store, store.badge_groups, _new_object_id(store), org_id, name, rank, True, user_id)


def find_group(store: Store, org_id: int, group_id) -> dict | None:
    return org_groups.find(store.badge_groups, org_id, group_id)


def update_group(store: Store, group: dict, changes: dict, user_id: int) -> dict:
    """Apply wire-field changes (name, rank, isActive) under the badge rules."""
    with store.lock:
        name = changes.get("name", group["name"])
        rank = changes.get("rank", group["rank"])
        _check_name_and_rank(name, rank)
        _check_unique(store, group["orgId"], name, except_id=group["id"])
        if "isActive" in changes and not isinstance(changes["isActive"], bool):
            raise ValueError("isActive must be a boolean")
        group.update({key: value for key, value in changes.items() if key in CONSOLE_FIELDS})
        return org_groups.touched(store, group, user_id)


def groups_of(store: Store, org_id: int) -> list[dict]:
    return org_groups.of_org(store, store.badge_groups, org_id)


# --------------------------------------------------------------------------------------------
# HTTP handlers
# --------------------------------------------------------------------------------------------


def _existing(call: Call) -> dict:
    principal: OrgPrincipal = call.principal
    group = find_group(call.backend.store, principal.org_id, call.params["id"])
    if group is None:
        raise CapillaryError(call.backend.options.not_found_status, guesses.BADGE_GROUP_NOT_FOUND)
    return group


def list_groups(call: Call) -> Response:
    request = call.request
    page = request.int_arg("page", 0, minimum=0)  # 0-based [doc]
    size = request.int_arg("size", call.backend.options.badge_default_page_size, minimum=1)
    order = (request.arg("order") or guesses.BADGE_DEFAULT_ORDER).upper()
    if order not in ("ASC", "DESC"):
        raise BadRequest("Query parameter 'order' must be ASC or DESC")
    groups = sorted(groups_of(call.backend.store, call.principal.org_id), key=lambda g: g["created"])
    if order == "DESC":
        groups.reverse()
    chunk = groups[page * size : (page + 1) * size]
    pagination = {
        "page": page,
        "size": size,
        "total": len(groups),
        "totalPages": math.ceil(len(groups) / size),
    }
    return _ok({"badgeGroups": [render(group) for group in chunk], "pagination": pagination})


def create(call: Call) -> Response:
    body = call.request.json_object()
    principal: OrgPrincipal = call.principal
    group = create_group(call.backend.store, principal.org_id, body.get("name"), body.get("rank"), principal.user_id)
    return _ok(render(group))


def get(call: Call) -> Response:
    return _ok(render(_existing(call)))


def update(call: Call) -> Response:
    body = call.request.json_object()
    # Both fields are mandatory on update too [doc]: absent ones are not taken from the group.
    # Validation comes before the lookup, as body binding does on a Spring-style service.
    _check_name_and_rank(body.get("name"), body.get("rank"))
    changes = {"name": body["name"], "rank": body["rank"]}
    group = update_group(call.backend.store, _existing(call), changes, call.principal.user_id)
    # The update page's sample shows a bare object, every other badge answer (and the API notes)
    # the envelope: we answer with the envelope.
    return _ok(render(group))


def _route(method: str, template: str, handler) -> Route:
    return Route(method, template, handler, GATEWAY, authenticate)


ROUTES = [
    _route("GET", BASE, list_groups),
    _route("POST", BASE, create),
    _route("GET", BASE + "/{id}", get),
    _route("PUT", BASE + "/{id}", update),
    # The update page's table says POST while its sample and sidebar say PUT: accept both.
    _route("POST", BASE + "/{id}", update),
]
