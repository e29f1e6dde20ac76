"""Refresh benchmark: what a `pulumi refresh` of an org costs, with and without read snapshots.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/refresh_benchmark.py                 # sizes 100, 1000, 5000
    .venv/bin/python benchmarks/refresh_benchmark.py --sizes 100,1000 --latency-ms 20

For each org size N it starts the emulator (in this process, with the given latency on every
vendor request) and drives the real provider process (`python -m pulumi.dynamic`) over gRPC the
way the engine does, with 4 calls in flight (the dynamic provider's worker count):

- create: N BadgeGroup Create calls through the provider (a fresh org);
- diff: N no-change Diff calls (the preview/up of an unchanged stack);
- refresh: N Read calls in a new provider process (a new `pulumi refresh` run), read snapshots on;
- naive: the same refresh with `capillary:readSnapshot: false` (one GET per group).

The orgs read by diff/refresh are seeded directly through the emulator's Python API, not
through the provider. The client-side rate limit (`capillary:requestsPerMinute`) is set far
above what the run needs, so the numbers show requests and latency, not the limiter. It prints a
markdown table, the peak RSS of the refreshing provider processes, and the machine (the provider's
cold start is measured by `import_benchmark.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.support.provider_process: the engine-like gRPC driver
sys.path.insert(0, str(REPO / "benchmarks"))

from pulumi.runtime import rpc  # noqa: E402
from pulumi.runtime.proto import provider_pb2  # noqa: E402
from report import duration, machine, parse_sizes  # noqa: E402

from pulumi_groups.capillary import badge_group  # noqa: E402
from pulumi_groups.capillary.badge_group import BadgeGroupProvider  # noqa: E402
from pulumi_groups.emulator import Emulator  # noqa: E402
from tests.support.provider_process import ProviderProcess, provider_prop, secret, urn  # noqa: E402

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
ORG_ID = 100737  # the emulator's demo org (Basic auth: no token request)
CREDENTIALS = {"username": "demo.till", "password": "demo-password"}
WORKERS = 4  # the engine's calls in flight to one dynamic provider
PAGE_SIZE = 100
REQUESTS_PER_MINUTE = "10000000"  # far above the run: the client-side limiter never waits


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- driving the provider process ----------------------------------------------------------------

_loop = asyncio.new_event_loop()


def struct(props: dict[str, Any]):
    return _loop.run_until_complete(rpc.serialize_properties(props, {}))


def start_provider(emu: Emulator, snapshot: bool) -> ProviderProcess:
    proc = ProviderProcess()
    orgs = {"default": {"host": emu.url, **CREDENTIALS}}
    proc.configure(
        {
            "capillary:orgs": secret(json.dumps(orgs)),
            "capillary:requestsPerMinute": REQUESTS_PER_MINUTE,
            "capillary:readSnapshot": "true" if snapshot else "false",
        }
    )
    return proc


def run_calls(call: Callable[[Any], Any], requests: list) -> tuple[float, list]:
    """``call`` on every request with WORKERS in flight; the wall time in seconds and the answers."""
    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        answers = list(pool.map(call, requests))
    return time.perf_counter() - started, answers


def peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def state_of(group: dict, provider: str) -> dict:
    return {"__provider": provider, **badge_group.flatten(group, {"org": "default", "adopt": False})}


# -- one org size ----------------------------------------------------------------------------------


def measure(size: int, latency: float, create: bool) -> dict[str, Any]:
    provider = provider_prop(BadgeGroupProvider())
    result: dict[str, Any] = {"size": size}
    with Emulator(latency=latency) as emu:
        if create:
            proc = start_provider(emu, snapshot=True)
            try:
                requests = [
                    provider_pb2.CreateRequest(
                        urn=urn(BADGE, f"c{i}"),
                        properties=struct({"__provider": provider, "name": f"C{i:05d}", "rank": i % 7,
                                           "org": "default", "adopt": False}),
                    )
                    for i in range(size)
                ]
                emu.reset_counters()
                log(f"{size}: creating {size} groups through the provider")
                wall, _ = run_calls(proc.stub.Create, requests)
                result["create"] = (emu.counters()["total"], wall)
            finally:
                proc.close()
            emu.reset()

        log(f"{size}: seeding {size} groups through the emulator's Python API")
        groups = [emu.create_badge_group(ORG_ID, f"G{i:05d}", i % 7) for i in range(size)]
        states = [state_of(g, provider) for g in groups]
        inputs = [{k: s[k] for k in ("__provider", "name", "rank", "org", "adopt")} for s in states]
        diffs = [
            provider_pb2.DiffRequest(id=g["id"], urn=urn(BADGE, g["name"]), olds=struct(s), news=struct(i))
            for g, s, i in zip(groups, states, inputs, strict=True)
        ]
        reads = [
            provider_pb2.ReadRequest(id=g["id"], urn=urn(BADGE, g["name"]), properties=struct(s))
            for g, s in zip(groups, states, strict=True)
        ]

        for mode, snapshot in (("refresh", True), ("naive", False)):
            proc = start_provider(emu, snapshot=snapshot)
            try:
                if mode == "refresh":
                    emu.reset_counters()
                    log(f"{size}: {size} no-change diffs")
                    wall, answers = run_calls(proc.stub.Diff, diffs)
                    assert all(a.changes == provider_pb2.DiffResponse.DIFF_NONE for a in answers)
                    result["diff"] = (emu.counters()["total"], wall)
                emu.reset_counters()
                log(f"{size}: {mode}: {size} reads, snapshot {'on' if snapshot else 'off'}")
                wall, read = run_calls(proc.stub.Read, reads)
                read_ids = [answer.id for answer in read]
                assert sorted(read_ids) == sorted(g["id"] for g in groups), "a read lost a group"
                result[mode] = (emu.counters()["total"], wall)
                result[f"{mode}_rss"] = peak_rss_mib(proc.proc.pid)
            finally:
                proc.close()
    return result


# -- output ----------------------------------------------------------------------------------------


def table(results: list[dict], latency: float) -> str:
    rows = [
        "| groups | operation | requests | lower bound | wall time | lower bound | snapshot / naive |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        n = r["size"]
        pages = math.ceil(n / PAGE_SIZE)
        at_four = math.ceil(n / WORKERS) * latency
        if "create" in r:
            rows.append(f"| {n:,} | create (provider, {WORKERS} in flight) | {r['create'][0]:,} | {n:,} "
                        f"| {duration(r['create'][1])} | {duration(at_four)} | |")
        rows.append(f"| {n:,} | no-change diff | {r['diff'][0]:,} | 0 | {duration(r['diff'][1])} | 0 ms | |")
        req_ratio = r["refresh"][0] / r["naive"][0] if r["naive"][0] else float("nan")
        time_ratio = r["refresh"][1] / r["naive"][1] if r["naive"][1] else float("nan")
        rows.append(
            f"| {n:,} | refresh, read snapshot | {r['refresh'][0]:,} | {pages:,} | {duration(r['refresh'][1])} | "
            f"{duration(pages * latency)} | requests {req_ratio:.3f}, time {time_ratio:.3f} |"
        )
        rows.append(f"| {n:,} | refresh, naive (GET per group) | {r['naive'][0]:,} | {n:,} "
                    f"| {duration(r['naive'][1])} | {duration(at_four)} | |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="org sizes, comma-separated (default 100,1000,5000)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="emulator latency per request (default 20)")
    parser.add_argument("--skip-create", action="store_true", help="skip the create measurement (the slow part)")
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes)
    latency = args.latency_ms / 1000

    results = [measure(size, latency, create=not args.skip_create) for size in sizes]

    print(f"Emulator latency {args.latency_ms:g} ms per request; {WORKERS} calls in flight, as the engine sends them; "
          f"badge groups, Basic auth (no token request); client rate limit `capillary:requestsPerMinute` set to "
          f"{int(REQUESTS_PER_MINUTE):,} so that it never waits (the default, 90, would dominate every line).")
    print("Lower bounds: create and naive refresh = N requests at 4 in flight (ceil(N/4) x latency); "
          "refresh = one request per page of 100, sent one after another (ceil(N/100) x latency).")
    print()
    print(table(results, latency))
    print()
    for r in results:
        rss = ", ".join(f"{label} {r[key]:.0f} MiB"
                        for label, key in (("snapshot", "refresh_rss"), ("naive", "naive_rss")) if r.get(key))
        print(f"Peak RSS (VmHWM) of the provider process refreshing {r['size']:,} groups: {rss}.")
    print()
    print(f"Machine: {machine()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
