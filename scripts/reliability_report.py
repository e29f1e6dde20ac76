#!/usr/bin/env python3
"""Reliability figures for the README, from a run anyone can repeat:

    .venv/bin/python scripts/reliability_report.py          # about 3 minutes
    .venv/bin/python scripts/reliability_report.py --no-load  # without the load run

Runs, against local emulators (nothing leaves the machine), the same scenarios as
``tests/reliability``: every fault during create, read, update and delete of each resource kind,
the bad-input corpus, the wrong-group / wrong-org cases of ``tests/process/test_zero_surprises.py``
(through the real provider process), and the load run (many creates and updates through the real
provider process under a rate limit). Prints markdown tables; exits 1 when any promise was broken.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability import corpus, load, scenarios, scenarios_wesurvey  # noqa: E402


def run_faults(only: set[str] | None = None) -> list[scenarios.Outcome]:
    """Every fault scenario, or those whose fault id is in ``only`` (a quick check of the script)."""

    def wanted(case) -> bool:
        return only is None or case.id in only

    outcomes = [scenarios.run_case(kind, op, case, auth) for kind, op, case, auth in scenarios.matrix() if wanted(case)]
    outcomes += [
        scenarios.run_case(kind, "read", case, read_snapshot=False)
        for kind in scenarios.KINDS
        for case in scenarios.TRANSIENT[:7]
        if wanted(case)
    ]
    outcomes += [scenarios_wesurvey.run_case(op, case, rid)
                 for op, case, rid in scenarios_wesurvey.matrix() if wanted(case)]
    return outcomes


def run_corpus() -> tuple[int, int, int, list[str]]:
    """(cases, refused properly, requests sent, problems)."""
    from pulumi_groups.emulator import Emulator
    from pulumi_groups.http import registry

    problems = []
    with Emulator() as emu:
        for case in corpus.CASES:
            found = corpus.run(case, emu.url)
            problems += [f"{case.id}: {p}" for p in found]
        sent = emu.counters()["total"]
    registry.clear()
    refused = len(corpus.CASES) - len({p.split(":")[0] for p in problems})
    return len(corpus.CASES), refused, sent, problems


def run_surprises() -> dict[str, list[bool]]:
    """Issue #12's cases (wrong group, wrong org), through the real provider process: the tests in
    tests/process/test_zero_surprises.py, run here and counted by the point each one covers."""
    import pytest

    from tests.process.test_zero_surprises import POINTS

    results: dict[str, list[bool]] = defaultdict(list)

    class Count:
        def pytest_runtest_logreport(self, report):
            if report.when == "call" or (report.when == "setup" and not report.passed):
                name = report.nodeid.split("::")[-1]
                point = next((text for prefix, text in POINTS.items() if name.startswith(prefix)), "other")
                results[point].append(report.passed)

    target = str(ROOT / "tests" / "process" / "test_zero_surprises.py")
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        pytest.main([target, "-q", "-p", "no:cacheprovider"], plugins=[Count()])
    return dict(results)


def surprises_table(results: dict[str, list[bool]]) -> str:
    lines = ["| Case (issue #12) | Kept every promise |", "|---|---|"]
    for point in sorted(results):
        outcomes = results[point]
        lines.append(f"| {point} | {sum(outcomes)} / {len(outcomes)} |")
    every = [ok for outcomes in results.values() for ok in outcomes]
    lines.append(f"| **all** | **{sum(every)} / {len(every)}** |")
    return "\n".join(lines)


def summary_table(outcomes, corpus_result, load_run) -> str:
    passed = [o for o in outcomes if o.passed]
    survived = [o for o in passed if o.result == "ok"]
    clean_failures = [o for o in passed if o.result == "error"]
    broken = [o for o in outcomes if not o.passed]
    kinds = sorted({o.kind for o in outcomes})
    cases, refused, corpus_requests, _ = corpus_result
    rows = [
        ("Fault scenarios run (resource kind x operation x fault x credential)",
         f"{len(outcomes)} ({', '.join(kinds)})"),
        ("... where the provider kept every promise", f"{len(passed)} / {len(outcomes)}"),
        ("... of which the operation succeeded despite the fault", str(len(survived))),
        ("... of which it failed, as it should, with a clear message", str(len(clean_failures))),
        ("Duplicate groups, or groups missing from what the provider returned", str(sum(
            1 for o in broken if any("duplicate" in p or "missing from state" in p or "holds" in p for p in o.problems)
        ))),
        ("Requests sent in the fault scenarios", str(sum(o.requests for o in outcomes))),
        ("Faults injected (fired)", str(sum(o.faults_fired for o in outcomes))),
        ("429 answers absorbed by retries", str(sum(o.answers_429 for o in outcomes if o.result == "ok"))),
        ("Token fetches (OAuth / WeSurvey)", str(sum(o.token_fetches for o in outcomes))),
        ("Bad declarations and bad config refused at check", f"{refused} / {cases}"),
        ("Requests sent while checking them", str(corpus_requests)),
    ]
    if load_run is not None:
        counters = load_run.counters
        ok = len(load_run.created) + len(load_run.updated)
        fetches = sorted(set(counters["token_fetches"].values()))
        rows += [
            (
                f"Load run: {len(load_run.created)} creates + {len(load_run.updated)} updates, "
                f"{len(load_run.live)} OAuth orgs, "
                f"4 concurrent calls, {load.VENDOR_LIMIT} requests per {load.WINDOW_SECONDS:g} s per org",
                f"{ok} / {ok} succeeded in {load_run.seconds:.1f} s",
            ),
            ("... requests sent / 429 answers absorbed", f"{counters['total']} / {counters['rate_limited']}"),
            ("... token fetches per org", " / ".join(str(f) for f in fetches)),
        ]
    lines = ["| Measure | Result |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


def fault_table(outcomes) -> str:
    """One row per fault; one column per (kind, operation): ok / error (clean) / BROKEN / -."""
    columns = []
    for o in outcomes:
        if (o.kind, o.op) not in columns:
            columns.append((o.kind, o.op))
    cells: dict[str, dict[tuple[str, str], list]] = defaultdict(lambda: defaultdict(list))
    faults = []
    for o in outcomes:
        name = o.case.replace(" (remote id)", "")
        if name not in faults:
            faults.append(name)
        cells[name][(o.kind, o.op)].append(o)

    def mark(items) -> str:
        if not items:
            return "-"
        if any(not o.passed for o in items):
            return "**BROKEN**"
        if all(o.requests == 0 for o in items):
            return "no call"  # badge groups cannot be deleted: delete sends nothing
        results = {o.result for o in items}
        return "ok" if results == {"ok"} else ("error" if results == {"error"} else "ok/error")

    header = "| fault | " + " | ".join(f"{kind} {op}" for kind, op in columns) + " |"
    lines = [header, "|---" * (len(columns) + 1) + "|"]
    for fault in faults:
        lines.append(f"| {fault} | " + " | ".join(mark(cells[fault][column]) for column in columns) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-load", action="store_true", help="skip the load run (about 10 s)")
    parser.add_argument("--faults", help="only these fault ids, comma-separated (e.g. 503-burst,token-reset)")
    args = parser.parse_args(argv)
    only = {fault.strip() for fault in args.faults.split(",") if fault.strip()} if args.faults else None

    started = time.monotonic()
    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet):  # the provider's notices
        outcomes = run_faults(only)
        corpus_result = run_corpus()
        surprises = run_surprises()
        load_run = None if args.no_load else load.run()
    elapsed = time.monotonic() - started

    print("### Reliability figures\n")
    print(f"Produced by `.venv/bin/python scripts/reliability_report.py` in {elapsed:.0f} s.\n")
    print(summary_table(outcomes, corpus_result, load_run))
    print("\n### Faults by operation\n")
    print("`ok`: the operation succeeded and the emulator holds exactly the groups the provider returned; "
          "`error`: it failed (a persistent fault, or as noted) with a message naming org/account, operation, group, "
          "status/code and request id, and nothing was left half-made; `no call`: the operation sends no "
          "request (badge groups cannot be deleted); `ok/error`: contact create with a remote id (ok) and "
          "without one (error: a create whose outcome is unknown, no answer, a reset or a 5xx that may come from "
          "a proxy after WeSurvey acted, is not sent twice, since WeSurvey names are not unique; unless the "
          "group it made is found, the error says to rerun with adopt: true); `-`: not run.\n")
    print(fault_table(outcomes))
    print("\n### Wrong group, wrong org (real provider process)\n")
    print(surprises_table(surprises))

    broken = [o for o in outcomes if not o.passed]
    problems = corpus_result[3]
    if load_run is not None:
        sent = 4 + len(load_run.created) + len(load_run.updated) + load_run.counters["rate_limited"]
        if load_run.counters["total"] != sent:
            problems.append("load run: requests sent beyond the 429 re-sends")
    for outcome in broken:
        print(f"\nBROKEN: {outcome.describe()}", file=sys.stderr)
        for problem in outcome.problems:
            print(f"  - {problem}", file=sys.stderr)
    problems += [f"issue #12 case broken: {point}" for point, oks in surprises.items() if not all(oks)]
    for problem in problems:
        print(f"\nBROKEN: {problem}", file=sys.stderr)
    return 1 if broken or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
