"""One listing per Capillary org and kind for a whole deploy: where unmanaged groups are found.

Each stack's refresh lists its orgs inside its own provider process, out of reach of the deploy
command. So ``deploy`` lists every org its selected stacks use once more, here, after the runs:
one listing per org (told apart by ``org_identity``: host and username or client key, never a
secret) and kind, shared by every stack of that org — ceil(N/100) requests per kind (reward
groups: per active filter), never a request per group. Groups are flattened with the resources'
own ``flatten``, so a listed group and a group in state have the same fields.

A group is unmanaged only when it is declared by no stack of the project for that org, whatever
stacks this run selected: every ``stacks/Pulumi.*.yaml`` is read (``project_stacks``), and where
a stack's state is reachable the ids it records count too, and the ``org_id`` it records ties
an org key to the listed org even under another principal. One CI job per stack therefore sees
the other stacks' groups as theirs, not as unmanaged.

The kinds listed are the registered kinds that say how an org lists them (``list_org`` in
``lifecycle/kinds.py``). Contact groups (WeSurvey) are not: a team's groups are not an org's, and
the report's unmanaged section is about Capillary orgs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_groups.capillary.settings import OrgSettings
from pulumi_groups.commands import org_identity, stack_files
from pulumi_groups.commands.drift import OrgFindings, recorded_in_state, unmanaged_groups
from pulumi_groups.commands.org_identity import OrgIdentity
from pulumi_groups.errors import GroupsError
from pulumi_groups.lifecycle import kinds

UNKNOWN_ORG = "(org not known)"  # entries without `org` in a stack whose default org cannot be told


def listed_kinds() -> list[str]:
    """The kinds an org listing covers: every registered kind with a ``list_org``."""
    return [kind.name for kind in kinds.listed_per_org()]


@dataclass
class StackOrgs:
    """What one stack of the project says about its Capillary orgs."""

    stack: str
    orgs: dict[str, OrgSettings] = field(default_factory=dict, repr=False)  # selected stacks: key -> settings
    identities: dict[str, OrgIdentity | None] = field(default_factory=dict)  # key -> org (None: encrypted)
    declared: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (kind, org key) -> names
    managed: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, org key, id) in its state
    org_ids: dict[str, set] = field(default_factory=dict)  # org key -> org ids its state records
    complete: bool = True  # False when its run failed: its state is not fully known

    def keys(self) -> set[str]:
        """Its Capillary org keys: configured, declared or recorded (contact groups' accounts are not orgs)."""
        listed = listed_kinds()
        recorded = {key for kind, key, _ in self.managed if kind in listed}
        return set(self.identities) | {key for kind, key in self.declared if kind in listed} | recorded

    def reaches(self, key: str, target: OrgIdentity, org_id: Any = None) -> bool | None:
        """Whether org key ``key`` reaches ``target`` (None: cannot tell, see ``org_identity``)."""
        return org_identity.same_org(self.identities.get(key), self.org_ids.get(key, ()), target, org_id)


@dataclass
class Owned:
    """What the stacks of the project declare and hold in one org."""

    names: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in listed_kinds()})
    ids: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in listed_kinds()})
    uncertain: set[str] = field(default_factory=set)  # "stack (org key)" whose org is encrypted


def owned(stacks: Iterable[StackOrgs], target: OrgIdentity, org_id: Any = None) -> Owned:
    """Names and ids every given stack declares or holds for the org ``target`` (``org_id``: what
    its listing said). An org key whose org cannot be told (encrypted host or username) counts
    too: a group another stack may own is never called unmanaged."""
    found = Owned()
    for stack in stacks:
        for key in stack.keys():
            reached = stack.reaches(key, target, org_id)
            if reached is False:
                continue
            if reached is None:
                found.uncertain.add(f"{stack.stack} ({key})")
            for kind in listed_kinds():
                found.names[kind] |= stack.declared.get((kind, key), set())
                found.ids[kind] |= {gid for k, scope, gid in stack.managed if k == kind and scope == key}
    return found


def declaring(stacks: Iterable[StackOrgs], kind: str, name: str, target: OrgIdentity | None) -> list[str]:
    """``"stack (org key)"`` of every given stack that declares ``name`` for the org ``target``,
    or may (its org, or ``target`` itself, cannot be told without a secret)."""
    return sorted(f"{stack.stack} ({key})" for stack in stacks for (k, key), names in stack.declared.items()
                  if k == kind and name in names and (target is None or stack.reaches(key, target) is not False))


def declared_names(config: Mapping[str, str], default: str | None) -> dict[tuple[str, str], set[str]]:
    """``{(kind, org key): names}`` of a stack's declaration lists (config values as JSON text);
    ``default``: the org of entries without ``org`` (the settings' ``default_key()``); where it
    cannot be told (e.g. ``capillary:orgs`` encrypted as a whole), such entries are kept under
    ``UNKNOWN_ORG``, an org key no identity is known for: they may be any org's.

    Lenient on purpose: a malformed list is the stack program's to report; here it only means
    fewer names, so more groups may be listed as unmanaged, never fewer.
    """
    found: dict[tuple[str, str], set[str]] = {}
    for listed in kinds.listed_per_org():
        kind, raw = listed.name, config.get(listed.config_key)
        try:
            entries = json.loads(raw) if isinstance(raw, str) and raw.strip() else (raw or [])
        except ValueError:
            continue
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                org = entry.get("org") or default or UNKNOWN_ORG
                found.setdefault((kind, str(org)), set()).add(entry["name"])
    return found


def from_config(stack: str, config: Mapping[str, str], environ: Mapping[str, str] | None = None) -> StackOrgs:
    """A stack's orgs (by identity) and declarations, from its config: plaintext is enough."""
    from pulumi_groups.capillary import settings as capillary_settings

    default = capillary_settings.load(config, environ or {}).default_key()
    return StackOrgs(stack=stack, identities=org_identity.capillary_orgs(config, environ),
                     declared=declared_names(config, default))


def project_stacks(stacks_dir: Path, skip: Iterable[str] = (), environ: Mapping[str, str] | None = None,
                   state_of: Callable[[str], dict | None] | None = None) -> tuple[list[StackOrgs], list[str]]:
    """Every other stack of the project (``stacks_dir/Pulumi.<name>.yaml`` but ``skip``): what
    its file declares, read without decrypting anything, and, where ``state_of(name)`` reaches
    its state (a ``stack export``'s deployment; a few at once), the ids and org ids it records.
    Also returns the problems met (an unreadable file), for the caller to print."""
    from concurrent.futures import ThreadPoolExecutor

    found, problems = [], []
    skipped = set(skip)
    for path in sorted(stacks_dir.glob("Pulumi.*.yaml")):
        name = stack_files.stack_name(path)
        if name in skipped:
            continue
        try:
            config = stack_files.plaintext_config(stack_files.load(path)).values
        except (OSError, ValueError) as exc:
            problems.append(f"{path.name} not read ({type(exc).__name__}): "
                            "groups it declares may be listed as unmanaged")
            continue
        found.append(from_config(name, config, environ))
    if state_of is not None and found:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for stack, deployment in zip(found, pool.map(lambda s: state_of(s.stack), found), strict=True):
                if deployment:
                    stack.managed, stack.org_ids = recorded_in_state(deployment)
    return found, problems


def list_org(org: OrgSettings, client_for: Callable[[OrgSettings], Any]) -> dict[str, list[dict]]:
    """Every group of the org, of each kind an org listing covers, in the providers' output
    shape plus ``id``."""
    client = client_for(org)
    return {kind.name: [kind.flatten(group, org.key) for group in kinds.list_org(kind, client)]
            for kind in kinds.listed_per_org()}


def find_unmanaged(stacks: Iterable[StackOrgs],
                   client_for: Callable[[OrgSettings], Any] | None = None) -> list[OrgFindings]:
    """One ``OrgFindings`` per org the selected stacks use, listing each org once; unmanaged
    are the listed groups no stack given (selected or not) declares or holds for that org."""
    if client_for is None:
        from pulumi_groups.capillary.client import client_for as capillary_client_for

        client_for = capillary_client_for
    stacks = list(stacks)
    by_org: dict[OrgIdentity, list[tuple[StackOrgs, str]]] = {}
    for stack in stacks:
        for key, settings in stack.orgs.items():
            by_org.setdefault(org_identity.of_org(settings), []).append((stack, key))
    results = []
    for identity, users in by_org.items():
        first_stack, first_key = users[0]
        findings = OrgFindings(org_keys=sorted({key for _, key in users}), org_id=None,
                               stacks=sorted({s.stack for s, _ in users}),
                               users=sorted({(s.stack, key) for s, key in users}))
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
        findings.org_id = next((g.get("org_id") for groups in listed.values() for g in groups if g.get("org_id")), None)
        known = owned(stacks, identity, findings.org_id)
        for kind, groups in listed.items():
            findings.listed[kind] = len(groups)
            findings.unmanaged += unmanaged_groups(kind, groups, known.ids[kind], known.names[kind])
    return sorted(results, key=lambda o: (o.org_keys, o.stacks))
