"""Program-side benchmark: what declaring N groups costs the stack program, before and after #11.

    .venv/bin/python benchmarks/program_benchmark.py [--sizes 100,300,1000,5000] [--repeat 3]

Each run is a fresh interpreter running the stack program under Pulumi mocks, as the language
host runs it (``declare_groups.py``), with N groups in stack config (badge, reward and contact
groups in turn). Two paths:

- ``SDK constructor`` (before #11): every resource through ``pulumi.dynamic.Resource.__init__``,
  which pickles the provider again and leaves one more layer on the pickler each time; it dies
  with RecursionError at about 1,000 groups, so its larger sizes show how far it got;
- ``GroupResource`` (now): one provider pickle per class.

Time is the program's run, from the first declaration until every registration is answered
(the mocks answer at once, so this is the program's own cost); "pickling" is the part of it spent
in the SDK's serializer. Memory is the growth of the process's peak RSS during the run. Medians
of ``--repeat`` runs. Prints one markdown table, the ratios against the SDK path where it
completes, and the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from report import duration, machine, parse_sizes  # noqa: E402

PATHS = {"sdk": "SDK constructor (before)", "fixed": "GroupResource (now)"}


def declare(groups: int, path: str) -> dict[str, Any]:
    """One fresh interpreter declaring ``groups`` groups through ``path``."""
    out = subprocess.run(
        [sys.executable, str(HERE / "declare_groups.py"), "--groups", str(groups), "--path", path],
        check=True, capture_output=True, text=True, timeout=1800,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(groups: int, path: str, repeat: int) -> dict[str, Any]:
    runs = [declare(groups, path) for _ in range(repeat)]
    first = runs[0]
    return {
        "groups": groups,
        "path": path,
        "registered": sum(first["registered"].values()),
        "pickles": sum(first["provider_pickles"].values()),
        "error": first["error"],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "pickle_seconds": statistics.median(r["pickle_seconds"] for r in runs),
        "rss_kib": statistics.median(r["peak_rss_growth_kib"] for r in runs),
    }


def per_group(value: float, groups: int, unit: str) -> str:
    return f"{value / groups:.2f} {unit}" if groups else "-"


def row(r: dict[str, Any], naive: dict[str, Any] | None) -> str:
    n, done = r["groups"], r["registered"]
    outcome = f"{done:,}" if r["error"] is None else f"RecursionError after {done:,}"
    if r["error"] is not None:
        return f"| {n:,} | {PATHS[r['path']]} | {outcome} | {r['pickles']:,} | - | - | - | - | - | |"
    ratio = ""
    if naive is not None and naive["error"] is None:
        ratio = f"time {r['seconds'] / naive['seconds']:.2f}, memory {r['rss_kib'] / max(naive['rss_kib'], 1):.2f}"
    return (
        f"| {n:,} | {PATHS[r['path']]} | {outcome} | {r['pickles']:,} | {duration(r['seconds'])} | "
        f"{per_group(r['seconds'] * 1000, n, 'ms')} | {duration(r['pickle_seconds'])} | "
        f"{r['rss_kib'] / 1024:.0f} MiB | {per_group(r['rss_kib'], n, 'KiB')} | {ratio} |"
    )


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| groups | path | registered | provider pickles | time | per group | of it pickling "
        "| peak RSS growth | per group | now / before |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    naive = {r["groups"]: r for r in results if r["path"] == "sdk"}
    for r in results:
        rows.append(row(r, naive.get(r["groups"]) if r["path"] == "fixed" else None))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,300,1000,5000", help="groups per program, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="fresh interpreters per line (median; default 3)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON instead")
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes)
    results = []
    for size in sizes:
        for path in PATHS:
            print(f"{size:,} groups, {PATHS[path]} ...", file=sys.stderr, flush=True)
            results.append(measure(size, path, args.repeat))
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"Stack program under Pulumi mocks in a fresh interpreter per run, median of {args.repeat}; "
          "badge, reward and contact groups in turn.")
    print()
    print(table(results))
    print()
    print(f"Machine: {machine()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
