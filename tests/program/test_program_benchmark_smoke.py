"""``benchmarks/program_benchmark.py`` at a tiny size, so that it cannot rot unnoticed."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys

from tests.program.program_runs import REPO

BENCHMARK = REPO / "benchmarks" / "program_benchmark.py"


def test_the_program_benchmark_measures_both_paths():
    out = subprocess.run(
        [sys.executable, str(BENCHMARK), "--sizes", "6", "--repeat", "1", "--json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
    )
    results = json.loads(out.stdout)
    by_path = {r["path"]: r for r in results}
    assert set(by_path) == {"sdk", "fixed"} and all(r["error"] is None for r in results)
    assert by_path["sdk"]["registered"] == by_path["fixed"]["registered"] == 6
    assert (by_path["sdk"]["pickles"], by_path["fixed"]["pickles"]) == (6, 3)  # per resource / per class
    assert all(r["seconds"] > 0 and r["rss_kib"] >= 0 for r in results)

    table = runpy.run_path(str(BENCHMARK))["table"](results)
    assert len(table.splitlines()) == 2 + len(results)  # header, rule, one line per measurement
