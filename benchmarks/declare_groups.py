"""One run of the stack program under Pulumi mocks, in this (fresh) interpreter, as the language
host runs it: ``stacks/__main__.py`` through ``runpy`` inside the SDK's ``run_pulumi_func``,
with stack config declaring N groups (badge, reward and contact groups in turn).

    python benchmarks/declare_groups.py --groups 5000 [--path fixed|sdk|plain] [--dump FILE]

Paths:
- ``fixed``: the package as it is (``GroupResource``: one provider pickle per class);
- ``sdk``: each resource built through ``pulumi.dynamic.Resource.__init__``, as before #11 (a
  provider pickled per resource, and the SDK's pickle patch left on each time);
- ``plain``: N plain ``pulumi.dynamic.Resource`` of a bare provider, no stack program (what any
  dynamic provider meets: pulumi/pulumi#17803).

Prints one JSON line: groups registered by kind, provider pickles made, distinct ``__provider``
values by type, seconds and peak-RSS growth of the run, and the error that stopped it, if any.
``--dump FILE`` writes every registration request, as the engine would receive it, as JSON. Used by
``program_benchmark.py`` and by ``tests/program``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import resource
import runpy
import sys
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic
import pulumi.dynamic.dynamic as sdk_dynamic
from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func

import pulumi_groups.lifecycle.resource as group_resource

REPO = Path(__file__).resolve().parents[1]
PROGRAM = REPO / "stacks" / "__main__.py"
KINDS = ("badge", "reward", "contact")


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.by_type: Counter[str] = Counter()
        self.providers: dict[str, set[str]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.by_type[args.typ] += 1
        provider = args.inputs.get("__provider")
        if provider is not None:
            self.providers.setdefault(args.typ, set()).add(rpc.unwrap_rpc_secret(provider))
        return f"id-of-{args.name}", dict(args.inputs)  # from the name: runs compare registration by registration

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


class KeepingMonitor(MockMonitor):
    """Keeps every RegisterResource request as the engine would receive it (``--dump``)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.kept: list[dict[str, Any]] = []

    def RegisterResource(self, request):
        if request.type != "pulumi:pulumi:Stack":
            seen = json_format.MessageToDict(request)
            for where in ("sourcePosition", "stackTrace"):
                seen.pop(where, None)  # where in our code the constructor runs: never in state
            self.kept.append(seen)
        return super().RegisterResource(request)


def stack_config(groups: int) -> dict[str, str]:
    """N groups, badge/reward/contact in turn; every tenth contact group under the one before."""
    lists: dict[str, list[dict[str, Any]]] = {"badgeGroups": [], "rewardGroups": [], "contactGroups": []}
    for i in range(groups):
        kind = KINDS[i % 3]
        if kind == "badge":
            lists["badgeGroups"].append({"name": f"BADGE-{i}", "rank": i % 10})
        elif kind == "reward":
            lists["rewardGroups"].append({"name": f"REWARD-{i}", "rank": i % 10, "active": i % 2 == 0})
        else:
            entry: dict[str, Any] = {"name": f"contact-{i}", "team_id": 53, "remote_id": f"crm-{i}"}
            previous = lists["contactGroups"][-1:] if len(lists["contactGroups"]) % 10 == 9 else []
            if previous:
                entry["parent"] = previous[0]["name"]
            lists["contactGroups"].append(entry)
    config = {f"pulumi-groups:{key}": json.dumps(value) for key, value in lists.items() if value}
    config["capillary:orgs"] = json.dumps({"default": {"host": "eu", "username": "till", "password": "pw"}})
    config["wesurvey:accounts"] = json.dumps({"default": {"appId": "app", "secret": "s3cret"}})
    return config


def count_pickles() -> Counter[str]:
    """Counts every call of the SDK's serializer, from either path, by provider class, and the
    seconds spent in it (``seconds``)."""
    calls: Counter[str] = Counter()
    original = sdk_dynamic.serialize_provider

    def counted(provider: Any) -> str:
        calls[type(provider).__name__] += 1
        started = time.perf_counter()
        try:
            return original(provider)
        finally:
            calls["seconds"] += time.perf_counter() - started

    sdk_dynamic.serialize_provider = counted  # what pulumi.dynamic.Resource.__init__ calls
    group_resource.serialize_provider = counted  # what GroupResource calls
    return calls


def use_the_sdk_constructor() -> None:
    """Every resource through ``pulumi.dynamic.Resource.__init__``, as the three resources did
    before #11: the same props, a new provider instance each time."""

    def sdk_init(self, provider_class, resource_name, inputs, opts=None):
        props = {**inputs, **{output.name: None for output in provider_class.outputs}}
        pulumi.dynamic.Resource.__init__(self, provider_class(), resource_name, props, opts)

    group_resource.GroupResource.__init__ = sdk_init


class BareProvider(pulumi.dynamic.ResourceProvider):
    def __getstate__(self) -> dict:
        return {}


class Plain(pulumi.dynamic.Resource, module="plain", name="Plain"):
    pass


def run(groups: int, path: str, loop: asyncio.AbstractEventLoop) -> None:
    if path == "plain":

        def program() -> None:
            for i in range(groups):
                Plain(BareProvider(), f"plain-{i}", {"index": i})

    else:
        pulumi.runtime.set_all_config(stack_config(groups))

        def program() -> None:
            runpy.run_path(str(PROGRAM), run_name="__main__")

    # set_mocks made the root stack; run_pulumi_func is run_in_stack without making another.
    loop.run_until_complete(run_pulumi_func(program))


def peak_rss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, required=True)
    parser.add_argument("--path", choices=("fixed", "sdk", "plain"), default="fixed")
    parser.add_argument("--dump", help="write every registration to this JSON file")
    args = parser.parse_args(argv)
    for name in [n for n in os.environ if n.startswith(("CAPILLARY_", "WESURVEY_", "PULUMI_CONFIG"))]:
        del os.environ[name]  # the stack config alone says which orgs exist

    import pulumi_groups.capillary  # noqa: F401 - loaded before the clock starts, as the program's imports
    import pulumi_groups.program.stack_program  # noqa: F401
    import pulumi_groups.wesurvey  # noqa: F401

    loop = asyncio.new_event_loop()  # the language host's loop: set before the runtime is
    asyncio.set_event_loop(loop)  # configured, which schedules registrations on it
    recorder = Recorder()
    monitor = KeepingMonitor(recorder) if args.dump else None
    pulumi.runtime.set_mocks(recorder, project="pulumi-groups", stack="scale", preview=False, monitor=monitor)
    pickles = count_pickles()
    if args.path == "sdk":
        use_the_sdk_constructor()
    pickler_before = dict(vars(pickle._Pickler))  # type: ignore[attr-defined]
    rss_before, error = peak_rss_kib(), None
    started = time.perf_counter()
    try:
        run(args.groups, args.path, loop)
    except RecursionError as exc:
        error = f"RecursionError: {exc}"
    seconds = time.perf_counter() - started
    loop.close()  # now, not at interpreter exit, where closing it can fail noisily
    pickler_after = vars(pickle._Pickler)  # type: ignore[attr-defined]
    if args.dump:
        kept = sorted(monitor.kept, key=lambda r: (r["type"], r["name"]))  # registration order varies
        Path(args.dump).write_text(json.dumps(kept, sort_keys=True))
    registered = {typ.rsplit(":", 1)[-1]: n for typ, n in recorder.by_type.items() if typ != "pulumi:pulumi:Stack"}
    print(
        json.dumps(
            {
                "path": args.path,
                "groups": args.groups,
                "registered": registered,
                "provider_pickles": {name: n for name, n in pickles.items() if name != "seconds"},
                "pickle_seconds": pickles["seconds"],
                "distinct_providers": {typ: sorted(values) for typ, values in recorder.providers.items()},
                "pickle_patched": sorted(k for k in set(pickler_before) | set(pickler_after)
                                         if pickler_before.get(k) is not pickler_after.get(k)),
                "seconds": seconds,
                "peak_rss_growth_kib": peak_rss_kib() - rss_before,
                "error": error,
                "pulumi": version("pulumi"),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
