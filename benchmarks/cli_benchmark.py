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
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.refresh_benchmark import machine  # noqa: E402
from pulumi_groups.emulator import Emulator  # noqa: E402
from tests.e2e.harness import Project, find_cli, stack_config  # noqa: E402

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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000")
    args = parser.parse_args(argv)
    cli, why = find_cli()
    if cli is None:
        print(f"cli_benchmark: {why}", file=sys.stderr)
        return 1
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
