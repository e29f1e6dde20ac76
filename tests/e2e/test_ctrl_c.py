"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) through our commands that run
the CLI ends as it ends for a bare ``pulumi up``: the steps in flight finish, every group that
landed is in the state, no create is left pending, the lock is released, no Python traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import STACK, stack_config, wrapped_up
from tests.e2e.test_interrupted_up import settled_groups

GROUPS = 30
LANDED_BEFORE_INTERRUPT = 3
DEADLINE_SECONDS = 180  # a bound on waiting for the first creates, not a verdict
EXIT_TIMEOUT = 300


def declare_badges(project, emulator) -> set[str]:
    names = {f"C{i:02d}" for i in range(GROUPS)}
    badges = "".join(f"\n    - {{name: {name}, rank: {i}}}" for i, name in enumerate(sorted(names)))
    project.write_stack(stack_config(emulator.url, badge=badges))
    return names


def interrupt_once_creates_landed(
    project, emulator, argv: list[str], *, to_group: bool = True, times: int = 1
) -> subprocess.CompletedProcess:
    """Start ``argv`` in a process group of its own, send SIGINT to that group (or to the
    command's process only) ``times`` once some creates have landed, and wait for the command
    to exit."""
    run = subprocess.Popen(
        argv,
        cwd=project.root,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(emulator.badge_groups(DEMO_ORG_ID)) < LANDED_BEFORE_INTERRUPT and time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        time.sleep(0.05)
    for i in range(times):
        if i:
            time.sleep(1.0)  # sequencing only: the CLI's signal channel holds one signal at a time
        (os.killpg if to_group else os.kill)(run.pid, signal.SIGINT)
    stdout, stderr = run.communicate(timeout=EXIT_TIMEOUT)
    return subprocess.CompletedProcess(argv, run.returncode, stdout, stderr)


def assert_state_holds_what_landed(project, emulator, names: set[str]) -> None:
    landed = settled_groups(emulator)
    assert LANDED_BEFORE_INTERRUPT <= len(landed) < len(names), "the interrupt came too late to test anything"
    state = project.export()["deployment"]
    assert not state.get("pending_operations"), "a create was left pending"
    recorded = {
        r["outputs"].get("name"): r["id"] for r in state.get("resources", []) if r["type"].endswith(":BadgeGroup")
    }
    assert recorded == landed, "a group that landed is not in the state (or the state names one that did not)"
    emulator.options.latency = 0.0
    # The lock was released: the next `up` runs, and creates exactly the rest.
    project.pulumi("up", "--yes", "--json")
    groups = [g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)]
    assert sorted(groups) == sorted(names)


UP = wrapped_up(STACK)


@pytest.mark.parametrize("to_group", [True, False], ids=["sigint-to-the-group", "sigint-to-the-command-only"])
def test_ctrl_c_through_the_pulumi_wrapper_cancels_gracefully(project, emulator, to_group):
    emulator.options.latency = 0.5  # creates stay in flight while the interrupt arrives
    names = declare_badges(project, emulator)
    done = interrupt_once_creates_landed(project, emulator, UP, to_group=to_group)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode != 0  # the CLI reports the update as cancelled
    assert_state_holds_what_landed(project, emulator, names)


def test_ctrl_c_through_deploy_cancels_gracefully(project, emulator):
    emulator.options.latency = 0.5
    names = declare_badges(project, emulator)
    argv = [sys.executable, "-m", "pulumi_groups", "deploy", "--stacks", STACK, "--up", "--no-unmanaged"]
    done = interrupt_once_creates_landed(project, emulator, argv)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 130
    assert_state_holds_what_landed(project, emulator, names)


def test_a_second_ctrl_c_reaches_the_cli_which_then_terminates(project, emulator):
    """The second Ctrl-C is passed on too: the CLI stops at once instead of waiting for the
    creates in flight (held 20 s by the emulator), records them as pending creates and releases
    its lock; ``recover`` then ``up`` make every group exactly once."""
    emulator.set_faults(
        [
            {
                "method": "POST",
                "path": "/badges/group$",
                "action": "delay",
                "seconds": 20,
                "skip": LANDED_BEFORE_INTERRUPT,
                "count": 10_000,
            }
        ]
    )
    names = declare_badges(project, emulator)
    done = interrupt_once_creates_landed(project, emulator, UP, times=2)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode != 0
    state = project.export()["deployment"]  # readable, and ...
    pending = [op["resource"]["inputs"]["name"] for op in state.get("pending_operations") or []]
    assert pending and set(pending) <= names, "the CLI waited for the creates in flight: the second ^C never reached it"
    emulator.clear_faults()
    settled_groups(emulator)  # the held creates land after their caller went away
    recovered = project.command("recover", "--stack", STACK)  # ... not locked: recover runs
    assert recovered.returncode == 0
    project.pulumi("up", "--yes", "--json")
    groups = [g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)]
    assert sorted(groups) == sorted(names)
    assert {r["outputs"]["name"] for r in project.resources().values()} == names
