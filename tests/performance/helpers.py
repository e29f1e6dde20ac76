"""What the performance tests share: seeding an org through the emulator's Python API (never
through the provider) and the outputs a stack's state holds for a seeded group."""

from __future__ import annotations

from contextlib import contextmanager

from pulumi_groups import registry
from pulumi_groups.capillary import badge_group, reward_group

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
