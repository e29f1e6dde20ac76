"""The measurement scripts still run, on tiny sizes, so that they cannot rot between the times
someone regenerates the README's figures with them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_script(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=240)


def test_the_reliability_report_runs_on_a_few_faults():
    done = run_script("scripts/reliability_report.py", "--no-load", "--faults", "503-burst,token-reset")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| 503-burst |" in done.stdout and "| token-reset |" in done.stdout
    assert "BROKEN" not in done.stdout + done.stderr


def test_the_refresh_benchmark_runs_on_a_tiny_org():
    done = run_script("benchmarks/refresh_benchmark.py", "--sizes", "5", "--latency-ms", "0")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refresh, read snapshot" in done.stdout and "| 5 |" in done.stdout
