"""The same org sizes as ``refresh_benchmark.py``, through the real ``pulumi`` CLI end to end.

Run on demand (not part of the test suite; ``make cli`` first):

    .venv/bin/python benchmarks/cli_benchmark.py                  # sizes 1000, 5000
    .venv/bin/python benchmarks/cli_benchmark.py --sizes 100

For each size N: a fresh project and stack (local file backend, passphrase) declaring N badge
groups against the emulator (in this process, no added latency), then ``up``, a no-change
``preview`` and a ``refresh``, each timed as a whole CLI run (program served by ``python -m
pulumi_groups pulumi``, provider process, engine, state writes). Requests are the emulator's
counters. Lower bounds: ``up`` sends N creates and the org's one listing before the first (which
names are taken: ``lifecycle/ownership.py``; one page, the org being empty); a no-change
``preview`` 0; ``refresh`` one list
request per page of 100 (the naive refresh sends N GETs: the ratio column).

``--large`` measures the first ``up`` of a large org instead, each line a fresh stack, next to the
engine's floor (``noop_stack.py``: a dynamic provider that sends nothing) on the same CLI:

    .venv/bin/python benchmarks/cli_benchmark.py --large --sizes 1000,5000 --checkpointed-max 1000

- no-op floor, with checkpoints (the engine's default) and with ``PULUMI_SKIP_CHECKPOINTS=true``;
- badge groups created, with checkpoints, and as ``python -m pulumi_groups pulumi up`` runs a
  large plan (no intermediate checkpoints, the create journal on: ``commands/large_plan.py``);
- badge groups adopted (``adopt: true`` on every entry, as after ``export``), both ways;
- with ``--slices SIZE``: the org created in slices of SIZE groups, one ``up`` each (the option
  not chosen), summed.

Each line prints its wall time and its ratio to both floors. Runs with checkpoints grow with the
square of N: ``--checkpointed-max`` skips them above that size (say so in the table).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.refresh_benchmark import machine  # noqa: E402
from pulumi_groups.emulator import Emulator  # noqa: E402
from tests.e2e.harness import STACK, Project, find_cli, stack_config  # noqa: E402

ORG_ID = 100737


def run_size(cli: str, n: int) -> list[tuple]:
    rows = []
    with Emulator() as emu, tempfile.TemporaryDirectory(prefix="cli-bench-") as folder:
        project = Project(Path(folder), cli)
        project.init()
        badges = "".join(f"\n    - {{name: G{i:05d}, rank: {i % 100}}}" for i in range(n))
        project.write_stack(stack_config(emu.url, badge=badges))
        for label, args, bound in (
            ("up (create)", ("up", "--yes", "--skip-preview"), n + 1),
            ("preview, no change", ("preview", "--expect-no-changes"), 0),
            ("refresh", ("refresh", "--yes", "--skip-preview"), math.ceil(n / 100)),
        ):
            emu.reset_counters()
            started = time.perf_counter()
            project.pulumi(*args)
            seconds = time.perf_counter() - started
            requests = emu.counters()["total"]
            ratio = f"requests {requests / n:.3f} of naive" if label == "refresh" else ""
            rows.append((n, label, requests, bound, seconds, seconds / n * 1000, ratio))
        assert len(emu.badge_groups(ORG_ID)) == n
    return rows


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def noop_up(cli: str, n: int, checkpoints: bool) -> float:
    """The engine's floor: ``up`` of ``n`` no-op dynamic resources in a fresh stack."""
    from benchmarks.noop_stack import program
    from pulumi_groups.commands.inline_cli import run_pulumi

    with tempfile.TemporaryDirectory(prefix="cli-bench-noop-") as folder:
        project = Project(Path(folder), cli)
        project.init()
        project.write_stack("config: {}\n")
        env = {**project.env, "PYTHONPATH": str(REPO), "PULUMI_SKIP_CHECKPOINTS": "false" if checkpoints else "true"}
        args = ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", STACK]
        seconds = timed(lambda: run_pulumi(cli, args, cwd=project.root, env=env, program=program(n), check=True,
                                           capture_output=True))
        assert len(project.resources()) == n
    return seconds


def badge_up(cli: str, emu: Emulator, n: int, checkpoints: bool, adopt: bool) -> tuple[float, int]:
    """``up`` of ``n`` badge groups in a fresh stack through ``python -m pulumi_groups pulumi``:
    created (the org empty) or adopted (the org holding them, every entry ``adopt: true``)."""
    with tempfile.TemporaryDirectory(prefix="cli-bench-badges-") as folder:
        project = Project(Path(folder), cli)
        project.init()
        flag = ", adopt: true" if adopt else ""
        badges = "".join(f"\n    - {{name: G{i:05d}, rank: {i % 100}{flag}}}" for i in range(n))
        project.write_stack(stack_config(emu.url, badge=badges))
        if checkpoints:
            project.env["PULUMI_SKIP_CHECKPOINTS"] = "false"  # the wrapper keeps a choice made
        emu.reset_counters()
        seconds = timed(lambda: project.pulumi("up", "--yes", "--skip-preview"))
        requests = emu.counters()["total"]
        export_seconds = timed(lambda: project.export())  # what the wrapper adds to a routine run
        print(f"  (n={n}: `pulumi stack export` of the stack afterwards: {export_seconds:.1f} s)", file=sys.stderr)
        assert len(project.resources()) == n
        assert len(emu.badge_groups(ORG_ID)) == n
    return seconds, requests


def sliced_up(cli: str, emu: Emulator, n: int, size: int) -> tuple[float, int]:
    """The option not chosen: ``n`` badge groups created in slices of ``size``, each its own
    ``up`` (the stack file grown by one slice per run), summed."""
    with tempfile.TemporaryDirectory(prefix="cli-bench-slices-") as folder:
        project = Project(Path(folder), cli)
        project.init()
        emu.reset_counters()
        seconds = 0.0
        for end in range(size, n + size, size):
            badges = "".join(f"\n    - {{name: G{i:05d}, rank: {i % 100}}}" for i in range(min(end, n)))
            project.write_stack(stack_config(emu.url, badge=badges))
            seconds += timed(lambda: project.pulumi("up", "--yes", "--skip-preview"))
        requests = emu.counters()["total"]
        assert len(project.resources()) == n
    return seconds, requests


def run_large(cli: str, n: int, checkpointed: bool, slice_size: int = 0) -> list[tuple[str, float | None, int | None]]:
    """(line, seconds or None when not run, requests) for one size."""
    rows: list[tuple[str, float | None, int | None]] = []
    floor = noop_up(cli, n, checkpoints=True) if checkpointed else None
    rows.append(("no-op dynamic provider, checkpoints", floor, None))
    rows.append(("no-op dynamic provider, PULUMI_SKIP_CHECKPOINTS=true", noop_up(cli, n, checkpoints=False), None))
    with Emulator() as emu:
        if checkpointed:
            rows.append(("badge groups created, checkpoints", *badge_up(cli, emu, n, True, adopt=False)))
            emu.reset()
        rows.append(("badge groups created, the wrapper (large plan)", *badge_up(cli, emu, n, False, adopt=False)))
        if checkpointed:
            rows.append(("badge groups adopted, checkpoints", *badge_up(cli, emu, n, True, adopt=True)))
        rows.append(("badge groups adopted, the wrapper (large plan)", *badge_up(cli, emu, n, False, adopt=True)))
        if slice_size:
            emu.reset()
            label = f"badge groups created in slices of {slice_size:,} (each a large plan), summed"
            rows.append((label, *sliced_up(cli, emu, n, slice_size)))
    return rows


def print_large(cli: str, sizes: list[int], checkpointed_max: int, slice_size: int = 0) -> None:
    print("| resources | `up` | wall time | × no-op, checkpoints | × no-op, no checkpoints | requests |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in sizes:
        checkpointed = n <= checkpointed_max
        rows = run_large(cli, n, checkpointed, slice_size if slice_size < n else 0)
        floor_ckpt, floor_skip = rows[0][1], rows[1][1]
        for label, seconds, requests in rows:
            if seconds is None:
                print(f"| {n:,} | {label} | not run (above --checkpointed-max) | | | |", flush=True)
                continue
            ratio_ckpt = f"{seconds / floor_ckpt:.2f}" if floor_ckpt else "-"
            ratio_skip = f"{seconds / floor_skip:.2f}" if floor_skip else "-"
            print(f"| {n:,} | {label} | {seconds:.1f} s | {ratio_ckpt} | {ratio_skip} | "
                  f"{'' if requests is None else f'{requests:,}'} |", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--large", action="store_true", help="the first up of a large org, next to the no-op floor")
    parser.add_argument("--checkpointed-max", type=int, default=1000,
                        help="--large: run the lines with checkpoints only up to this size")
    parser.add_argument("--slices", type=int, default=0, metavar="SIZE",
                        help="--large: also create the org in slices of SIZE groups, one up each")
    args = parser.parse_args(argv)
    cli, why = find_cli()
    if cli is None:
        print(f"cli_benchmark: {why}", file=sys.stderr)
        return 1
    if args.large:
        print_large(cli, [int(s) for s in args.sizes.split(",")], args.checkpointed_max, args.slices)
        print(f"\nMachine: {machine()}")
        return 0
    print("| groups | CLI run | requests | lower bound | wall time | per group | |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        for size, label, requests, bound, seconds, per_group_ms, note in run_size(cli, n):
            print(f"| {size:,} | {label} | {requests:,} | {bound:,} | {seconds:.1f} s | {per_group_ms:.1f} ms "
                  f"| {note} |", flush=True)
    print(f"\nMachine: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
