"""``deploy --plan-ci``: the selected stacks as a CI matrix that keeps deploy's guarantees
when the jobs run on separate machines.

Inside one ``deploy`` process two rules hold (see ``deploy``): stacks sharing a WeSurvey appid
never run at once, and a Capillary credential's ``requestsPerMinute`` is split between the runs
that overlap. Jobs on separate machines cannot coordinate, so the plan tells the CI system:

- ``concurrency``: stacks that share a WeSurvey appid or a Capillary org principal (host and
  username or client key), directly or through a chain of other stacks, carry the same key (a
  CI concurrency group runs one at a time). The key is a digest of those shared identities
  (``org_identity``: host and username / clientKey / appId) or, for a stack that shares nothing,
  ``stack-<name>``. It is built from nothing secret: a CI log is public, and a key derived from a
  password (even hashed) lets anyone test guesses against it.
- ``requestsPerMinute`` / ``rateLimits``: each job's share of every Capillary credential it
  shares: the lowest budget configured for it divided by the number of stacks using it. The
  share assumes all of them may overlap, so the sum stays under the budget even where the CI
  system does not serialise a concurrency group (or cancels and re-runs jobs). Pass it to the
  job's run with ``deploy --rate-limit "<rateLimits>"``.

``--ci-jobs group`` gives one job per concurrency key instead (``stacks``: the comma-separated
stacks of that key, run by one ``deploy``, which applies both rules in-process). Use it where
the CI system keeps only one job waiting per concurrency group (GitHub Actions cancels a pending
job when a newer one joins the group), and a key holds more than two stacks.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Hashable, Iterable

from pulumi_groups.commands.org_identity import OrgIdentity

PLAN_VERSION = 1


def _components(stacks: list) -> list[list]:
    """Stacks linked by any shared credential or appid (union-find over shared identities)."""
    parent = {s.name: s.name for s in stacks}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    owner: dict[Hashable, str] = {}
    for stack in stacks:
        for identity in _identities(stack):
            if identity in owner:
                parent[root(stack.name)] = root(owner[identity])
            else:
                owner[identity] = stack.name
    groups: dict[str, list] = {}
    for stack in stacks:
        groups.setdefault(root(stack.name), []).append(stack)
    return list(groups.values())


def _identities(stack) -> set[OrgIdentity]:
    """The orgs and accounts a stack reaches (``deploy.identities``: no secret in them)."""
    return {identity for identity, _ in stack.capillary.values()} | set(stack.appids)


def _key(component: list) -> str:
    if len(component) == 1:
        return f"stack-{component[0].name}"
    seen: dict[str, int] = {}
    for stack in component:
        for identity in _identities(stack):
            seen[identity.text()] = seen.get(identity.text(), 0) + 1
    shared = sorted(identity for identity, count in seen.items() if count > 1)
    return "shared-" + hashlib.sha256("\n".join(shared).encode()).hexdigest()[:12]


def _floor(rpm: float) -> float:
    """Three decimals, rounded down: a share printed for a job never exceeds the real one."""
    return math.floor(rpm * 1000) / 1000


def _rate_arg(limits: dict[str, float]) -> str:
    return ",".join(f"{org}={rpm:g}" for org, rpm in sorted(limits.items()))


def plan(stacks: Iterable, shares: dict[str, dict[str, float]], jobs: str = "stack") -> dict:
    """The matrix: ``{"include": [...]}`` (GitHub Actions' ``strategy.matrix`` shape).

    ``shares``: ``{stack: {org: rpm}}``, deploy's own split for every stack of a credential
    running at once (``deploy.rate_limits(stacks, parallel=len(stacks))``).
    """
    ordered = sorted(stacks, key=lambda s: s.name)
    keys = {s.name: _key(component) for component in _components(ordered) for s in component}
    limits = {stack: {org: _floor(rpm) for org, rpm in orgs.items()} for stack, orgs in shares.items()}
    if jobs == "group":
        include = []
        for key in sorted(set(keys.values())):
            members = [s.name for s in ordered if keys[s.name] == key]
            include.append({"concurrency": key, "stacks": ",".join(members), "stackCount": len(members)})
    else:
        include = [
            {
                "stack": s.name,
                "concurrency": keys[s.name],
                "requestsPerMinute": limits.get(s.name, {}),
                "rateLimits": _rate_arg(limits.get(s.name, {})),
            }
            for s in ordered
        ]
    return {"version": PLAN_VERSION, "include": include}


def plan_text(stacks: Iterable, shares: dict[str, dict[str, float]], jobs: str = "stack") -> str:
    return json.dumps(plan(stacks, shares, jobs), separators=(",", ":"))


def parse_rate_limits(values: Iterable[str]) -> dict[str, float]:
    """``["brand-eu=30,brand-us=45"]`` -> ``{"brand-eu": 30.0, ...}``; empty strings allowed (a
    matrix entry without shares)."""
    limits: dict[str, float] = {}
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            org, sep, number = part.partition("=")
            try:
                rpm = float(number)
            except ValueError:
                rpm = -1.0
            if not sep or not org.strip() or rpm <= 0:
                raise ValueError(f"--rate-limit {part!r}: give ORG=REQUESTS_PER_MINUTE with a positive number, "
                                 "e.g. brand-eu=30")
            limits[org.strip()] = rpm
    return limits
