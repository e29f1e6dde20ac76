"""benchmarks/cli_benchmark.py at a tiny size, so the benchmark cannot rot."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.harness import REPO


def test_cli_benchmark_runs_and_meets_its_request_bounds(pulumi_cli):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "cli_benchmark.py"), "--sizes", "12"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| 12 ")]
    assert [(r[1].strip(), r[2].strip(), r[3].strip()) for r in rows] == [
        ("up (create)", "13", "13"), ("preview, no change", "0", "0"), ("refresh", "1", "1")]
