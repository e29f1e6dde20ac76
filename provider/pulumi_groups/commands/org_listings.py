"""One listing per Capillary org and kind for a whole deploy: where unmanaged groups are found.

Each stack's refresh lists its orgs inside its own provider process, out of reach of the deploy
command. So ``deploy`` lists every org its selected stacks use once more, here, after the runs:
one listing per org (one credential: Capillary gives one org per credential) and kind, shared
by every stack of that org — ceil(N/100) requests per kind (reward groups: per active filter),
never a request per group. Groups are flattened with the resources' own ``flatten``, so a
listed group and a group in state have the same fields.

Contact groups (WeSurvey) are not listed: a team's groups are not an org's, and the report's
unmanaged section is about Capillary orgs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pulumi_groups.capillary import badge_group, reward_group
from pulumi_groups.capillary.settings import OrgSettings
from pulumi_groups.commands.drift import OrgFindings, unmanaged_groups
from pulumi_groups.errors import GroupsError

KINDS = {
    "badge": ("pulumi-groups:badgeGroups", badge_group.flatten, "list_badge_groups"),
    "reward": ("pulumi-groups:rewardGroups", reward_group.flatten, "list_reward_groups"),
}


@dataclass
class StackOrgs:
    """What one selected stack says about its Capillary orgs."""

    stack: str
    orgs: dict[str, OrgSettings] = field(default_factory=dict, repr=False)  # key -> settings (credentials)
    credentials: dict[str, Hashable] = field(default_factory=dict)  # key -> registry.credential_key
    declared: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (kind, org key) -> names
    managed: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, org key, id) in its state
    complete: bool = True  # False when its run failed: its state is not fully known


def declared_names(config: dict[str, str], default: str | None) -> dict[tuple[str, str], set[str]]:
    """``{(kind, org key): names}`` of a stack's declaration lists (config values as JSON text);
    ``default``: the org of entries without ``org`` (the settings' ``default_key()``).

    Lenient on purpose: a malformed list is the stack program's to report; here it only means
    fewer names, so more groups may be listed as unmanaged, never fewer.
    """
    import json

    found: dict[tuple[str, str], set[str]] = {}
    for kind, (config_key, _, _) in KINDS.items():
        raw = config.get(config_key)
        try:
            entries = json.loads(raw) if isinstance(raw, str) and raw.strip() else (raw or [])
        except ValueError:
            continue
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                org = entry.get("org") or default
                if org:
                    found.setdefault((kind, str(org)), set()).add(entry["name"])
    return found


def list_org(org: OrgSettings, client_for: Callable[[OrgSettings], Any]) -> dict[str, list[dict]]:
    """Every badge and reward group of the org, in the providers' output shape plus ``id``."""
    client = client_for(org)
    listed = {}
    for kind, (_, flatten, method) in KINDS.items():
        listed[kind] = [{**flatten(group, {"org": org.key}), "id": str(group.get("id"))}
                        for group in getattr(client, method)()]
    return listed


def find_unmanaged(stacks: Iterable[StackOrgs],
                   client_for: Callable[[OrgSettings], Any] | None = None) -> list[OrgFindings]:
    """One ``OrgFindings`` per credential used by the stacks, listing each org once."""
    if client_for is None:
        from pulumi_groups.capillary.client import client_for as capillary_client_for

        client_for = capillary_client_for
    by_credential: dict[Hashable, list[tuple[StackOrgs, str]]] = {}
    for stack in stacks:
        for key, credential in stack.credentials.items():
            by_credential.setdefault(credential, []).append((stack, key))
    results = []
    for users in by_credential.values():
        first_stack, first_key = users[0]
        findings = OrgFindings(org_keys=sorted({key for _, key in users}), org_id=None,
                               stacks=sorted({s.stack for s, _ in users}))
        results.append(findings)
        incomplete = sorted({s.stack for s, _ in users if not s.complete})
        if incomplete:
            findings.problem = (f"not listed: the run of {', '.join(incomplete)} failed, so which groups "
                                "its state holds is not known")
            continue
        try:
            listed = list_org(first_stack.orgs[first_key], client_for)
        except GroupsError as exc:
            findings.problem = f"listing failed: {exc}"
            continue
        for kind, groups in listed.items():
            findings.listed[kind] = len(groups)
            managed = {group_id for s, key in users for (k, scope, group_id) in s.managed if k == kind and scope == key}
            names = {name for s, key in users for name in s.declared.get((kind, key), ())}
            findings.unmanaged += unmanaged_groups(kind, groups, managed, names)
            findings.org_id = findings.org_id or next((g.get("org_id") for g in groups if g.get("org_id")), None)
    return sorted(results, key=lambda o: (o.org_keys, o.stacks))
