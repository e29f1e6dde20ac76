"""Provider cold start: importing the provider modules, as a ratio to ``import pulumi`` alone.

    .venv/bin/python benchmarks/import_benchmark.py [--runs 15]

The provider process (``python -m pulumi.dynamic``) has ``pulumi`` loaded before it unpickles
the first ``__provider`` and imports our modules; what we add on top is the ratio's excess over
1. Each measurement is one fresh interpreter timing its own ``import`` statement (interpreter
start-up excluded), in wall time and in CPU time (steadier on a busy machine); the statements
alternate, so a busy moment hits all of them, and the medians are compared. The package's
bytecode is compiled first, as ``pip install`` does: without it every import compiles our
modules from source (an editable checkout under ``PYTHONDONTWRITEBYTECODE``). Prints one markdown
table and the machine.
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import machine  # noqa: E402

PACKAGE = Path(__file__).resolve().parents[1] / "provider" / "pulumi_groups"
PULUMI = "pulumi"
PROVIDER_MODULES = "pulumi_groups.capillary, pulumi_groups.wesurvey"
STATEMENTS = {
    "`import pulumi`": PULUMI,
    "`import pulumi_groups.capillary`": "pulumi_groups.capillary",
    "`import pulumi_groups.wesurvey`": "pulumi_groups.wesurvey",
    "both provider packages": PROVIDER_MODULES,
    # What the provider modules cost while they imported requests/urllib3 up front (before #11).
    "both, with requests + urllib3 loaded up front": PROVIDER_MODULES + ", pulumi_groups.http.transport",
}


def import_seconds(modules: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``import <modules>`` in a fresh interpreter."""
    code = (
        "import time\nwall, cpu = time.perf_counter(), time.process_time()\n"
        f"import {modules}\nprint(time.perf_counter() - wall, time.process_time() - cpu)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def medians(runs: int) -> dict[str, dict[str, float]]:
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in STATEMENTS}
    for _ in range(runs):
        for label, modules in STATEMENTS.items():
            samples[label].append(import_seconds(modules))
    return {
        label: {"wall": statistics.median(w for w, _ in values), "cpu": statistics.median(c for _, c in values)}
        for label, values in samples.items()
    }


def table(result: dict[str, dict[str, float]], runs: int) -> str:
    alone = result["`import pulumi`"]
    rows = [
        f"| import (median of {runs} fresh interpreters) | wall time | ratio | CPU time | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {label} | {r['wall'] * 1000:.0f} ms | {r['wall'] / alone['wall']:.2f} | "
        f"{r['cpu'] * 1000:.0f} ms | {r['cpu'] / alone['cpu']:.2f} |"
        for label, r in result.items()
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per statement (default 15)")
    parser.add_argument("--json", action="store_true", help="print the medians as JSON instead")
    args = parser.parse_args(argv)
    compileall.compile_dir(str(PACKAGE), quiet=1)  # as pip install does
    result = medians(args.runs)
    if args.json:
        print(json.dumps(result))
        return 0
    print(table(result, args.runs))
    print()
    print(f"Machine: {machine()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
