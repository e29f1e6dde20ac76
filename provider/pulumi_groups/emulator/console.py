"""Out-of-band reads and changes on a `Backend`, as if made in the vendor's console: what
`Emulator`'s Python API and the `/__admin/` endpoints both offer."""

from __future__ import annotations

from pulumi_groups.emulator import badges, capillary, contacts, guesses, rewards, wesurvey
from pulumi_groups.emulator.backend import Backend

KINDS = ("badge", "reward", "contact")


def badge_groups(backend: Backend, org_id: int) -> list[dict]:
    with backend.store.lock:
        return [badges.render(g) for g in badges.groups_of(backend.store, org_id)]


def reward_groups(backend: Backend, org_id: int) -> list[dict]:
    with backend.store.lock:
        return [rewards.render(g) for g in rewards.groups_of(backend.store, org_id)]


def contact_groups(backend: Backend, team_id: int) -> list[dict]:
    with backend.store.lock:
        return [contacts.render(backend.store, g) for g in contacts.team_groups(backend.store, team_id)]


def create_badge_group(backend: Backend, org_id: int, name: str, rank: int) -> dict:
    with backend.store.lock:
        group = badges.create_group(backend.store, org_id, name, rank, guesses.CONSOLE_USER_ID)
        return badges.render(group)


def create_reward_group(backend: Backend, org_id: int, name: str, rank: int | None, active: bool) -> dict:
    with backend.store.lock:
        group = rewards.create_group(backend.store, org_id, name, rank, guesses.CONSOLE_USER_ID, active)
        return rewards.render(group)


def create_contact_group(backend: Backend, team_id: int, name: str, parent_id: int, order: int,
                         remote_id: str) -> dict:
    with backend.store.lock:
        if team_id not in backend.store.teams:
            raise KeyError(f"no WeSurvey team {team_id} (add it with add_wesurvey_app)")
        group = contacts.create_group(backend.store, team_id, name, parent_id, order, remote_id,
                                      max_depth=backend.options.wesurvey_max_depth)
        return contacts.render(backend.store, group)


def _group(backend: Backend, kind: str, scope_id: int, group_id) -> dict:
    finders = {"badge": badges.find_group, "reward": rewards.find_group, "contact": contacts.find_group}
    if kind not in finders:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    group = finders[kind](backend.store, scope_id, group_id)
    if group is None:
        raise KeyError(f"no {kind} group {group_id!r} in {scope_id}")
    return group


def update_group(backend: Backend, kind: str, scope_id: int, group_id, wire_fields: dict) -> dict:
    """Change wire fields of a group under the vendor's rules; returns the group's wire form."""
    allowed = {"badge": badges.CONSOLE_FIELDS, "reward": rewards.CONSOLE_FIELDS,
               "contact": contacts.CONSOLE_FIELDS}.get(kind, set())
    with backend.store.lock:
        group = _group(backend, kind, scope_id, group_id)
        if set(wire_fields) - allowed:
            raise ValueError(f"{kind} groups can change {sorted(allowed)}, not {sorted(set(wire_fields) - allowed)}")
        if kind == "badge":
            return badges.render(badges.update_group(backend.store, group, wire_fields, guesses.CONSOLE_USER_ID))
        if kind == "reward":
            return rewards.render(rewards.update_group(backend.store, group, wire_fields, guesses.CONSOLE_USER_ID))
        contacts.update_group(backend.store, group, wire_fields, max_depth=backend.options.wesurvey_max_depth)
        return contacts.render(backend.store, group)


def delete_group(backend: Backend, kind: str, scope_id: int, group_id) -> None:
    """Badge groups included, which the API cannot delete. A contact group takes its
    descendants with it."""
    with backend.store.lock:
        group = _group(backend, kind, scope_id, group_id)
        if kind == "contact":
            contacts.delete_groups(backend.store, scope_id, [group["id"]], unknown="error")
            return
        del (backend.store.badge_groups if kind == "badge" else backend.store.reward_groups)[group["id"]]
        backend.store.save()


def state(backend: Backend) -> dict:
    """Every group, by org / team, in wire form."""
    with backend.store.lock:
        orgs = sorted(
            backend.credentials.org_ids
            | {g["orgId"] for g in backend.store.badge_groups.values()}
            | {g["orgId"] for g in backend.store.reward_groups.values()}
        )
        return {
            "capillary": {
                str(org): {"badgeGroups": badge_groups(backend, org), "rewardGroups": reward_groups(backend, org)}
                for org in orgs
            },
            "wesurvey": {
                str(team): {"defaultGroupId": default, "groups": contact_groups(backend, team)}
                for team, default in sorted(backend.store.teams.items())
            },
        }


def reset(backend: Backend) -> None:
    """Forget every group (each team gets a fresh default group); credentials, tokens,
    faults and counters stay."""
    with backend.store.lock:
        for team_id in backend.store.clear_groups():
            contacts.ensure_team(backend.store, team_id)
        backend.store.save()


def expire_tokens(backend: Backend) -> None:
    """Every token issued so far, by either vendor, is expired from now on."""
    capillary.expire_all_tokens(backend)
    wesurvey.expire_all_tokens(backend)
