"""benchmarks/cli_benchmark.py at a tiny size, so the benchmark cannot rot."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.harness import REPO


def test_cli_benchmark_runs_and_meets_its_request_bounds(pulumi_cli):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "cli_benchmark.py"), "--sizes", "12"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| 12 ")]
    assert [(r[1].strip(), r[2].strip(), r[3].strip()) for r in rows] == [
        ("up (create)", "13", "13"),
        ("preview, no change", "0", "0"),
        ("refresh", "1", "1"),
    ]


def test_cli_benchmark_large_runs_every_line(pulumi_cli):
    """``--large`` at a tiny size: the no-op floor both ways, badge groups created and adopted
    with checkpoints and as a large plan (the threshold lowered so these are large), slices."""
    import os

    env = {**os.environ, "PULUMI_GROUPS_LARGE_PLAN": "1"}
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "cli_benchmark.py"),
            "--large",
            "--sizes",
            "12",
            "--checkpointed-max",
            "12",
            "--slices",
            "6",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| 12 ")]
    requests = [r[5].strip() for r in rows]
    assert len(rows) == 7 and requests == ["", "", "13", "13", "1", "1", "14"]
