"""``pulumi up`` killed (SIGKILL, as a CI runner that times out) while creates are in flight, then
recovered with ``python -m pulumi_groups recover`` and run again: every group exists once, the ones
that landed are taken over, none is made twice."""

from __future__ import annotations

import time

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import STACK, kill_tree, stack_config, start_alone, wrapped_up

GROUPS = 24
LANDED_BEFORE_KILL = 5
DEADLINE_SECONDS = 120  # a bound on waiting for the first creates, not a verdict


def settled_groups(emulator) -> dict[str, str]:
    """Name -> id once requests that reached the emulator before the kill have finished (they
    land after their client died, as a vendor finishes a request whose caller went away)."""
    seen: dict[str, str] = {}
    for _ in range(100):
        now = {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
        if now == seen:
            return now
        seen = now
        time.sleep(1.0)
    raise AssertionError("the emulator kept creating groups after the run was killed")


def test_sigkill_during_creates_then_up_again_duplicates_nothing(project, emulator):
    emulator.options.latency = 0.3  # creates stay in flight long enough to be cut off
    badges = "".join(f"\n    - {{name: B{i:02d}, rank: {i}}}" for i in range(GROUPS))
    project.write_stack(stack_config(emulator.url, badge=badges))

    run = start_alone(project, wrapped_up(STACK))
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(emulator.badge_groups(DEMO_ORG_ID)) < LANDED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.05)
    kill_tree(run.pid)  # the CLI, the program and the provider process at once
    run.wait()
    landed = settled_groups(emulator)
    assert len(landed) >= LANDED_BEFORE_KILL
    emulator.options.latency = 0.0

    # A killed run leaves its lock behind (file backend): the next run refuses and sends nothing.
    blocked = project.pulumi("up", "--yes", "--json", check=False)
    assert blocked.returncode != 0
    assert {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)} == landed

    # The one documented command: lock released, creates in flight marked adopt: true.
    recovered = project.command("recover", "--stack", STACK)
    state = project.export()["deployment"]
    assert not state.get("pending_operations")
    recorded = {r["id"] for r in state.get("resources", []) if r["type"].endswith("BadgeGroup")}
    marked = recovered.stdout.count("marked adopt: true")
    assert marked >= 1 and marked + len(recorded) >= len(landed)

    project.pulumi("up", "--yes", "--json")
    groups = emulator.badge_groups(DEMO_ORG_ID)
    names = [g["name"] for g in groups]
    assert sorted(names) == sorted(set(names)), "a group was created twice"
    assert set(names) == {f"B{i:02d}" for i in range(GROUPS)}
    # the groups that landed during the killed run are the ones now managed: taken over, not remade
    assert {g["name"]: g["id"] for g in groups if g["name"] in landed} == landed
    assert {r["id"] for r in project.resources().values()} == {g["id"] for g in groups}
