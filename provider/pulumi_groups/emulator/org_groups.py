"""What the emulator's badge and reward groups share: a collection keyed by id whose groups each
belong to one org, with names unique (case-sensitive) within the org."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_groups.emulator.errors import CapillaryError
from pulumi_groups.emulator.wire import now_micros

if TYPE_CHECKING:
    from pulumi_groups.emulator.store import Store


def insert(store: Store, collection: dict, group_id, org_id: int, name, rank, active: bool, user_id: int) -> dict:
    """A new group in the wire fields both kinds share; ``created``/``updated`` in micros."""
    now = now_micros()
    group = {
        "id": group_id,
        "orgId": org_id,
        "name": name,
        "rank": rank,
        "isActive": active,
        "createdBy": user_id,
        "lastUpdatedBy": user_id,
        "created": now,
        "updated": now,
    }
    collection[group_id] = group
    store.save()
    return group


def find(collection: dict, org_id: int, group_id) -> dict | None:
    group = collection.get(group_id)
    return group if group is not None and group["orgId"] == org_id else None


def of_org(store: Store, collection: dict, org_id: int) -> list[dict]:
    """The org's groups, oldest first (insertion order is creation order)."""
    with store.lock:
        return [group for group in collection.values() if group["orgId"] == org_id]


def check_unique(collection: dict, org_id: int, name: str, taken: tuple[int, str], except_id=None) -> None:
    """``taken``: the vendor's (code, message) for a duplicate name. Exact comparison: "Gold" and
    "gold" are different groups [doc]; inactive reward groups still hold their name."""
    for group in collection.values():
        if group["orgId"] == org_id and group["name"] == name and group["id"] != except_id:
            raise CapillaryError(400, taken)


def touched(store: Store, group: dict, user_id: int) -> dict:
    """Record who changed the group and when, and persist."""
    group["lastUpdatedBy"] = user_id
    group["updated"] = now_micros()
    store.save()
    return group
