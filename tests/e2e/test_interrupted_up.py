"""``pulumi up`` killed (SIGKILL, as a CI runner that times out) while creates are in flight, then
run again: no group is duplicated, and none is taken over that the stack cannot prove it made."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import STACK, stack_config

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

    argv = [sys.executable, "-m", "pulumi_groups", "pulumi", "up", "--yes", "--skip-preview",
            "--non-interactive", "--stack", STACK]
    run = subprocess.Popen(argv, cwd=project.root, env=project.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(emulator.badge_groups(DEMO_ORG_ID)) < LANDED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the CLI, the program and the provider process at once
    run.wait()
    landed = settled_groups(emulator)
    assert len(landed) >= LANDED_BEFORE_KILL
    state = project.export()["deployment"]
    recorded = {r["urn"].split("::")[-1].split("/")[-1] for r in state.get("resources", [])
                if r["type"].endswith("BadgeGroup")}
    pending = {op["resource"]["inputs"]["name"] for op in state.get("pending_operations", [])}
    assert pending, "the kill should leave creates pending in the state"
    emulator.options.latency = 0.0

    # A killed run leaves its lock behind (file backend): the next run refuses until released.
    blocked = project.pulumi("up", "--yes", "--json", check=False)
    assert blocked.returncode != 0
    assert {g["name"]: g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)} == landed
    project.pulumi("cancel", "--yes")

    rerun = project.pulumi("up", "--yes", "--json", check=False)
    names = [g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)]
    assert sorted(names) == sorted(set(names)), "a group was created twice"
    # Groups the killed run made but never recorded are not taken over: the stack cannot tell
    # them from hand-made ones. Each is named, with its id and the way forward (adopt: true).
    unrecorded = set(landed) - recorded
    errors = " ".join(d["message"] for d in rerun.diagnostics(source="events") if d["severity"] in ("error", "info#err"))
    for name in unrecorded:
        assert landed[name] in errors and "adopt" in errors
    assert rerun.returncode == (1 if unrecorded else 0)
    if not unrecorded:
        assert set(names) == {f"B{i:02d}" for i in range(GROUPS)}
    in_state = {r["id"] for r in project.resources().values()}
    assert in_state <= {g["id"] for g in emulator.badge_groups(DEMO_ORG_ID)}
    assert not in_state & {landed[name] for name in unrecorded}
