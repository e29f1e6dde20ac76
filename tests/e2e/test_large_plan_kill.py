"""A large first ``up`` runs without intermediate checkpoints (``commands/large_plan.py``), so a
kill leaves nothing in state; the create journal is what ``recover`` reads instead. Killed
(SIGKILL) at seeded random points, run after run, each recovered: the next ``up`` is refused on
the one hand-made group with a declared name whose entry has no ``adopt`` (never taken, never
marked); once the user stops declaring it, ``up`` ends with every declared group once and in
state, and nothing foreign taken (hand-made groups with other names neither)."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from pulumi_groups.commands.large_plan import journal_path
from pulumi_groups.lifecycle import create_journal
from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import STACK, stack_config, start_alone, wrapped_up
from tests.e2e.test_interrupted_up import settled_groups

GROUPS = 300
SEED = int(os.environ.get("E2E_KILL_SEED", "21"))  # fixed in CI; another value explores other points
KILLS = 3
FOREIGN_DECLARED = "ZZ-HAND-MADE"  # declared last (its refused create ends a run), no adopt
DEADLINE_SECONDS = 300  # a bound on waiting for the creates, not a verdict


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the engine starts each plugin in a process group of its own,
    so killing the run's group leaves the provider process running)."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            queue += children
    return found


def kill_everything(pid: int) -> None:
    """SIGKILL to the run and every process it started, at once, as when a CI runner is lost."""
    tree = descendants(pid)
    os.killpg(pid, signal.SIGKILL)
    for child in tree:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def adopt_marked(project) -> set[str]:
    """Names of the stack file's badge entries marked ``adopt: true`` (what ``recover`` wrote)."""
    from ruamel.yaml import YAML

    config = YAML(typ="safe").load(project.stack_file().read_text())["config"]
    return {e["name"] for e in config["pulumi-groups:badgeGroups"] if e.get("adopt") is True}


def names(emulator) -> list[str]:
    return [g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)]


def test_large_up_killed_at_random_points_then_recovered_takes_each_group_once(project, emulator):
    rng = random.Random(SEED)
    declared = [f"K{i:04d}" for i in range(GROUPS)]
    made = (emulator.create_badge_group(DEMO_ORG_ID, f"HAND-{i}", 90 + i) for i in range(3))
    hand_made = {g["name"]: g for g in made}
    foreign = emulator.create_badge_group(DEMO_ORG_ID, FOREIGN_DECLARED, 99)
    badges = "".join(f"\n    - {{name: {name}, rank: {i % 50}}}" for i, name in enumerate(declared))
    project.write_stack(stack_config(emulator.url, badge=badges + f"\n    - {{name: {FOREIGN_DECLARED}, rank: 1}}"))
    project.env["PULUMI_GROUPS_LARGE_PLAN"] = "50"  # every run below is a large plan
    emulator.options.latency = 0.01  # creates in flight when the kill comes
    journal = journal_path(project.root, STACK, project.env)

    # Each run is killed once it has made a random number of groups (at least one, and few enough
    # that every run is cut off before the end: together well under all of them, overshoot included).
    for made_before_kill in (rng.randint(1, GROUPS // (KILLS + 2)) for _ in range(KILLS)):
        landed_before = set(names(emulator))
        run = start_alone(project, wrapped_up(STACK))
        deadline = time.monotonic() + DEADLINE_SECONDS
        while len(names(emulator)) < len(landed_before) + made_before_kill and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.3))
        kill_everything(run.pid)  # the CLI, the program and the provider process
        run.wait()
        landed = settled_groups(emulator)
        made_by_this_run = set(landed) - landed_before
        assert made_by_this_run, f"the run was killed before any create (target {made_before_kill})"

        # No checkpoint was written: the state knows nothing of this run's creates; the journal does.
        state_names = {r["inputs"]["name"] for r in project.resources().values()}
        journaled = {e["name"] for e in create_journal.read(journal)}
        assert made_by_this_run - state_names <= journaled
        assert not journaled & (set(hand_made) | {FOREIGN_DECLARED})

        project.command("recover", "--stack", STACK)
        marked = adopt_marked(project)
        assert made_by_this_run - state_names <= marked
        assert not marked & (set(hand_made) | {FOREIGN_DECLARED})
        assert not journal.exists()

    emulator.options.latency = 0.0
    refused = project.pulumi("up", "--yes", "--skip-preview", check=False)
    assert refused.returncode != 0  # the hand-made group with a declared name and no adopt is refused
    assert FOREIGN_DECLARED not in adopt_marked(project)
    # The user settles that one (here: stops declaring it; its refusal may have stopped the run
    # before its last creates) and runs up again.
    text = project.stack_file().read_text()
    project.stack_file().write_text(
        "".join(line for line in text.splitlines(keepends=True) if FOREIGN_DECLARED not in line)
    )
    project.pulumi("up", "--yes", "--skip-preview")

    groups = emulator.badge_groups(DEMO_ORG_ID)
    all_names = [g["name"] for g in groups]
    assert sorted(all_names) == sorted(set(all_names)), "a group was created twice"
    assert set(all_names) == set(declared) | set(hand_made) | {FOREIGN_DECLARED}
    by_name = {g["name"]: g for g in groups}
    # nothing foreign taken: the hand-made groups keep their ids and ranks and are in no state
    for name, made in [*hand_made.items(), (FOREIGN_DECLARED, foreign)]:
        assert (by_name[name]["id"], by_name[name]["rank"]) == (made["id"], made["rank"])
    in_state = {r["inputs"]["name"]: r["id"] for r in project.resources().values()}
    assert in_state == {name: by_name[name]["id"] for name in declared}
    assert not journal.exists()
