"""What the performance tests share: seeding an org through the emulator's Python API (never
through the provider) and the outputs a stack's state holds for a seeded group."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

from pulumi_groups.capillary import badge_group, reward_group
from pulumi_groups.http import registry

BADGE_LIST = "GET /api_gateway/v1/badges/group"
BADGE_GET = "GET /api_gateway/v1/badges/group/{id}"
REWARD_LIST = "GET /api_gateway/rewards/core/v1/group"
REWARD_GET = "GET /api_gateway/rewards/core/v1/group/{id}"
TOKEN = "POST /v3/oauth/token/generate"


def pages(count: int, size: int = 100) -> int:
    return -(-count // size)


def seed_badges(emu, org_id: int, count: int, prefix: str = "B") -> list[dict]:
    return [emu.create_badge_group(org_id, f"{prefix}{i:05d}", i % 7) for i in range(count)]


def badge_state(group: dict, org: str = "default") -> dict:
    """The outputs a stack's state holds for this (wire) badge group."""
    return badge_group.flatten(group, {"org": org, "adopt": False})


def reward_state(group: dict, org: str = "default") -> dict:
    return reward_group.flatten(group, {"org": org, "adopt": False})


# Output -> the emulator's wire field it must equal: expected values come from the emulator's own
# record, never from the provider's flatten (a wrong mapping there would be copied here too).
WIRE_FIELDS = {
    "name": "name",
    "rank": "rank",
    "org_id": "orgId",
    "is_active": "isActive",
    "created_by": "createdBy",
    "last_updated_by": "lastUpdatedBy",
}


def wire_mismatches(outs: dict, group: dict) -> dict:
    """{output: (output value, wire value)} for every output that disagrees with the wire group,
    timestamps included (epoch seconds for badge groups, milliseconds for reward groups)."""
    wrong = {key: (outs.get(key), group[wire]) for key, wire in WIRE_FIELDS.items() if outs.get(key) != group[wire]}
    millis = isinstance(group["createdOn"], int)
    for key, wire in (("created_on", "createdOn"), ("last_updated_on", "lastUpdatedOn")):
        seconds = group[wire] / 1000 if millis else group[wire]
        shown = datetime.strptime(outs.get(key) or "", "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
        if abs(shown - seconds) > 0.001:
            wrong[key] = (outs.get(key), group[wire])
    return wrong


def endpoints(emu) -> dict:
    return emu.counters()["by_endpoint"]


@contextmanager
def emulator_with(**options):
    """An emulator with options the shared fixture does not take (latency, not-found status)."""
    from pulumi_groups.emulator import Emulator

    try:
        with Emulator(**options) as emu:
            yield emu
    finally:
        registry.clear()
