"""WeSurvey contact groups: a tree per team, with the rules the HTTP layer and the emulator's
Python API share. Mutations take the store lock; readers that render several groups should hold
it too (the HTTP pipeline runs every handler under it).

Tree rules: parent 0 is the top level (depth 1); a group may not sit deeper than the depth
limit; non-empty remote ids are unique per team; each team has one default group that cannot
be changed or deleted; deleting a group deletes its descendants.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pulumi_groups.emulator import guesses
from pulumi_groups.emulator.errors import WeSurveyError
from pulumi_groups.emulator.wire import is_int, iso_with_offset, now_micros

if TYPE_CHECKING:
    from pulumi_groups.emulator.store import Store

CONSOLE_FIELDS = {"name", "order", "parent_id", "remote_id", "is_valid"}


def render(store: Store, group: dict) -> dict:
    """Wire form, in the field order of the documented sample."""
    offset = guesses.WESURVEY_UTC_OFFSET_HOURS
    return {
        "id": group["id"],
        "team_id": group["team_id"],
        "parent_id": group["parent_id"],
        "source": group["source"],
        "remote_id": group["remote_id"],
        "name": group["name"],
        "full_name": full_name(store, group),
        "order": group["order"],
        "is_valid": group["is_valid"],
        "created_at": iso_with_offset(group["created"], offset),
        "upd_at": iso_with_offset(group["updated"], offset),
    }


# --------------------------------------------------------------------------------------------
# Tree helpers
# --------------------------------------------------------------------------------------------


def _ancestors_and_self(store: Store, group: dict) -> list[dict]:
    chain = [group]
    while chain[-1]["parent_id"]:
        chain.append(store.contact_groups[chain[-1]["parent_id"]])
    return chain


def full_name(store: Store, group: dict) -> str:
    return "/".join(g["name"] for g in reversed(_ancestors_and_self(store, group)))


def depth(store: Store, group_id: int) -> int:
    """Top-level groups have depth 1; the team root (id 0) has depth 0."""
    return len(_ancestors_and_self(store, store.contact_groups[group_id])) if group_id else 0


def descendants(store: Store, group_id: int) -> list[int]:
    found, frontier = [], [group_id]
    while frontier:
        children = [g["id"] for g in store.contact_groups.values() if g["parent_id"] in frontier]
        found += children
        frontier = children
    return found


def _height(store: Store, group_id: int) -> int:
    """Levels in the subtree rooted at the group (1 for a leaf)."""
    levels, frontier = 1, [group_id]
    while True:
        frontier = [g["id"] for g in store.contact_groups.values() if g["parent_id"] in frontier]
        if not frontier:
            return levels
        levels += 1


def team_groups(store: Store, team_id: int) -> list[dict]:
    return [g for g in store.contact_groups.values() if g["team_id"] == team_id]


def find_group(store: Store, team_id: int, group_id) -> dict | None:
    group = store.contact_groups.get(group_id) if is_int(group_id) else None
    return group if group is not None and group["team_id"] == team_id else None


# --------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------


def ensure_team(store: Store, team_id: int) -> None:
    """Create the team with its default group, unless it exists (e.g. from the state file)."""
    with store.lock:
        if team_id not in store.teams:
            default = _insert(store, team_id, guesses.WESURVEY_DEFAULT_GROUP_NAME, 0, 0, "",
                              guesses.WESURVEY_DEFAULT_GROUP_SOURCE)
            store.teams[team_id] = default["id"]
            store.save()


def _check_name(name) -> None:
    if not isinstance(name, str) or not name.strip():
        raise WeSurveyError("invalid_argument", "name must be a non-empty string")


def _check_parent(store: Store, team_id: int, parent_id) -> None:
    if not is_int(parent_id) or parent_id < 0:
        raise WeSurveyError("invalid_argument", "parent_id must be a non-negative integer")
    if parent_id and find_group(store, team_id, parent_id) is None:
        raise WeSurveyError("parent_group_not_found", f"group {parent_id} is not in team {team_id}")


def _check_remote_id(store: Store, team_id: int, remote_id, except_id: int | None = None) -> None:
    if not isinstance(remote_id, str):
        raise WeSurveyError("invalid_argument", "remote_id must be a string")
    if remote_id and any(
        g["remote_id"] == remote_id and g["id"] != except_id for g in team_groups(store, team_id)
    ):
        raise WeSurveyError("duplicated_remote_id", f"remote_id {remote_id!r} is taken")


def _check_order(order) -> None:
    if not is_int(order):
        raise WeSurveyError("invalid_argument", "order must be an integer")


def _check_protected(store: Store, group: dict) -> None:
    if store.teams.get(group["team_id"]) == group["id"]:
        raise WeSurveyError("default_group_be_modified", "the team's default group cannot be changed")


def _insert(store, team_id, name, parent_id, order, remote_id, source) -> dict:
    now = now_micros()
    group = {
        "id": store.next_sequence("contact"),
        "team_id": team_id,
        "parent_id": parent_id,
        "source": source,
        "remote_id": remote_id,
        "name": name,
        "order": order,
        "is_valid": True,
        "created": now,
        "updated": now,
    }
    store.contact_groups[group["id"]] = group
    return group


def create_group(store: Store, team_id: int, name, parent_id=0, order=0, remote_id="", *, max_depth: int) -> dict:
    _check_name(name)
    _check_order(order)
    with store.lock:
        _check_parent(store, team_id, parent_id)
        _check_remote_id(store, team_id, remote_id)
        if depth(store, parent_id) + 1 > max_depth:
            raise WeSurveyError("group_too_deep", f"groups may nest {max_depth} levels deep")
        group = _insert(store, team_id, name, parent_id, order, remote_id, guesses.WESURVEY_API_GROUP_SOURCE)
        store.save()
        return group


def move_check(store: Store, group: dict, new_parent_id, max_depth: int) -> None:
    """Would moving the group under new_parent_id keep the tree valid?"""
    _check_parent(store, group["team_id"], new_parent_id)
    if new_parent_id == group["id"] or new_parent_id in descendants(store, group["id"]):
        raise WeSurveyError("invalid_argument", "a group cannot move under itself or its descendant")
    if depth(store, new_parent_id) + _height(store, group["id"]) > max_depth:
        raise WeSurveyError("group_too_deep", f"groups may nest {max_depth} levels deep")


def update_group(store: Store, group: dict, changes: dict, *, max_depth: int) -> dict:
    """Apply wire-field changes (name, order, parent_id, remote_id, is_valid) under the rules."""
    with store.lock:
        _check_protected(store, group)
        if "name" in changes:
            _check_name(changes["name"])
        if "order" in changes:
            _check_order(changes["order"])
        if "remote_id" in changes:
            _check_remote_id(store, group["team_id"], changes["remote_id"], except_id=group["id"])
        if "is_valid" in changes and not isinstance(changes["is_valid"], bool):
            raise WeSurveyError("invalid_argument", "is_valid must be a boolean")
        if changes.get("parent_id", group["parent_id"]) != group["parent_id"]:
            move_check(store, group, changes["parent_id"], max_depth)
        group.update({key: value for key, value in changes.items() if key in CONSOLE_FIELDS})
        group["updated"] = now_micros()
        store.save()
        return group


def delete_groups(store: Store, team_id: int, group_ids: Iterable[int], *, unknown: str) -> None:
    """Delete the groups and their descendants, all or nothing."""
    with store.lock:
        doomed = set()
        for group_id in group_ids:
            group = find_group(store, team_id, group_id)
            if group is None:
                if unknown == "error":
                    raise WeSurveyError("contacts_group_not_found", f"group {group_id} is not in team {team_id}")
                continue
            _check_protected(store, group)
            doomed.add(group_id)
            doomed.update(descendants(store, group_id))
        for group_id in doomed:
            del store.contact_groups[group_id]
        if doomed:
            store.save()


def list_groups(store: Store, team_id: int, parent_id: int | None = None, remote_ids=None) -> list[dict]:
    """The team's groups, optionally only direct children of parent_id and/or those whose remote
    id is listed, ordered by `order` then id, both descending (see guesses.py)."""
    with store.lock:
        groups = [
            g
            for g in team_groups(store, team_id)
            if (parent_id is None or g["parent_id"] == parent_id)
            and (not remote_ids or g["remote_id"] in remote_ids)
        ]
    return sorted(groups, key=lambda g: (g["order"], g["id"]), reverse=True)
