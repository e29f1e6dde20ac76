"""What the randomized ownership test sees of the vendor: the emulator's store, taken as a
snapshot before and after every provider call, and the faults it can inject on a request.

A group is keyed ``(kind, id)`` with kind ``badge``/``reward``/``contact``; ``scope`` is the org
id (Capillary) or the team id (WeSurvey) it lives in.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import DEMO_BASIC, DEMO_OAUTH, DEMO_ORG_ID, SECOND_BASIC, SECOND_ORG_ID
from tests.wesurvey.conftest import DEMO_APP, TEAM

Key = tuple[str, str]

# The org keys both stacks configure: "a" and "a2" share a credential (a key rename that reaches
# the same org), "ao" reaches org A with another credential (OAuth), "b" is the second org.
ORG_KEYS = {"a": DEMO_BASIC, "a2": DEMO_BASIC, "ao": DEMO_OAUTH, "b": SECOND_BASIC}
ORG_ID = {"a": DEMO_ORG_ID, "a2": DEMO_ORG_ID, "ao": DEMO_ORG_ID, "b": SECOND_ORG_ID}
ACCOUNTS = {"default": DEMO_APP}
ORGS = (DEMO_ORG_ID, SECOND_ORG_ID)

# Fields a group's own writes change; a contact group's ``full_name`` follows its parent's name,
# so a rename of a stack's own group changes it on a hand-made child without touching the child.
DERIVED = {"full_name"}

# Faults on one request (the emulator's fault plan): lost answers before and after the vendor
# acted, proxy 5xx, resets, and answers that lack the group.
FAULTS: dict[str, dict] = {
    "proxy-502-not-passed-on": {"action": "status", "status": 502},
    "proxy-503": {"action": "status", "status": 503},
    "proxy-504-after-commit": {"action": "commit_then_status", "status": 504},
    "reset": {"action": "reset"},
    "commit-then-drop": {"action": "commit_then_drop"},
    "answer-without-group": {"action": "commit_then_body", "body": {}},
    "answer-data-null": {"action": "commit_then_body", "body": {"data": None, "errors": [], "warnings": []}},
}
# Where a fault lands: the call's own write (POST, or PUT for a Capillary update or deactivation),
# a read (GET), or any request at all; token requests are spared unless "any".
FAULT_TARGETS = ("write", "write", "write", "read", "any")
NOT_A_TOKEN = r"^(?!.*(/oauth/token|/oauth2/access_token))"


@dataclass(frozen=True)
class FaultSpec:
    """One fault: which, where (``FAULT_TARGETS``), after letting ``skip`` matching requests pass."""

    name: str
    target: str
    skip: int

    def plan(self, write_method: str) -> list[dict]:
        spec = {**FAULTS[self.name], "skip": self.skip}
        if self.target != "any":
            spec.update(method=write_method if self.target == "write" else "GET", path=NOT_A_TOKEN)
        return [spec]

    def __repr__(self) -> str:  # how the failing steps Hypothesis prints name it
        return f"FaultSpec({self.name!r}, {self.target!r}, {self.skip})"


def snapshot(emulator) -> dict[Key, tuple[int, dict]]:
    """Every group the emulator holds: ``(kind, id) -> (scope, wire group without derived fields)``."""
    groups: dict[Key, tuple[int, dict]] = {}
    for org in ORGS:
        for kind, listed in (("badge", emulator.badge_groups(org)), ("reward", emulator.reward_groups(org))):
            for group in listed:
                groups[(kind, str(group["id"]))] = (org, group)
    for group in emulator.contact_groups(TEAM):
        groups[("contact", str(group["id"]))] = (TEAM, {k: v for k, v in group.items() if k not in DERIVED})
    return groups


@dataclass
class Change:
    """What one provider call did to the store."""

    new: set[Key]
    changed: set[Key]
    gone: set[Key]

    @property
    def touched(self) -> set[Key]:
        return self.changed | self.gone


def compare(before: dict[Key, tuple[int, dict]], after: dict[Key, tuple[int, dict]]) -> Change:
    return Change(
        new=set(after) - set(before),
        changed={key for key in set(before) & set(after) if before[key] != after[key]},
        gone=set(before) - set(after),
    )


def default_team_group(emulator) -> set[Key]:
    """The team's default group, which WeSurvey keeps whatever happens (not a hand-made group)."""
    default = emulator.state()["wesurvey"][str(TEAM)]["defaultGroupId"]
    return {("contact", str(default))}
