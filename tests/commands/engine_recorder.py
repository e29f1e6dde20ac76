"""A stand-in for the ``pulumi`` CLI behind deploy's Automation API seam (``AutomationApi``).

It runs the real providers (``BadgeGroupProvider``, ``RewardGroupProvider``) in this process
against the emulator, keeps each stack's state as the engine would, and hands deploy the events
the engine would send, written in the engine's own JSON form (the event log the Automation API
reads) and turned into ``pulumi.automation.events.EngineEvent`` by its own ``from_json``. So the
report code sees exactly the objects the real CLI gives it: a refresh step's outputs event with
``op`` update/delete/same, ``old`` (state) and ``new`` (what ``read`` returned); a preview's pre
event with ``old`` (state) and ``new`` (declared inputs).

Every recorded event is kept in ``recorded[stack]`` as JSON, for a test to look at or save.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi.automation.events import EngineEvent

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroupProvider
from pulumi_groups.commands import stack_files
from pulumi_groups.commands.automation import REFRESH, REFRESH_PREVIEW, UP
from tests.conftest import configured

PROJECT = "pulumi-groups"
KINDS = {
    "pulumi-groups:badgeGroups": ("badge", "pulumi-python:dynamic/capillary:BadgeGroup", BadgeGroupProvider),
    "pulumi-groups:rewardGroups": ("reward", "pulumi-python:dynamic/capillary:RewardGroup", RewardGroupProvider),
}


def urn(stack: str, type_token: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_token}::{name}"


class RecordingEngine:
    def __init__(self, repo: Path, on_run_end: Callable[[str], None] | None = None) -> None:
        self.repo = repo
        self.state: dict[str, dict[str, dict]] = {}  # stack -> urn -> {type, id, inputs, outputs}
        self.recorded: dict[str, list[dict]] = {}
        self.lock = threading.Lock()
        self.on_run_end = on_run_end

    # -- the seam ---------------------------------------------------------------------------------

    def read_config(self, stack: str, create: bool = False) -> dict[str, str]:
        return stack_files.plaintext_config(stack_files.load(self.repo / "stacks" / f"Pulumi.{stack}.yaml")).values

    def recorded_state(self, stack: str) -> dict | None:
        """The stack's state as ``pulumi stack export``'s deployment holds it (None: never run)."""
        with self.lock:
            state = self.state.get(stack)
            if state is None:
                return None
            return {
                "resources": [
                    {
                        "urn": resource_urn,
                        "type": entry["type"],
                        "id": entry.get("id", ""),
                        "inputs": entry["inputs"],
                        "outputs": entry["outputs"],
                    }
                    for resource_urn, entry in state.items()
                ]
            }

    def run(self, stack, operation, *, config_text, on_output, on_event=None):
        config = self.read_config(stack)
        events: list[dict] = []
        counts: dict[str, int] = {}

        def emit(kind: str, body: dict) -> None:
            wire = {"sequence": len(events), "timestamp": 1_700_000_000 + len(events), kind: body}
            events.append(wire)
            if on_event is not None:
                on_event(EngineEvent.from_json(json.loads(json.dumps(wire))))  # as read from the log

        def step(op: str, resource_urn: str, type_token: str, old: dict | None, new: dict | None) -> None:
            counts[op] = counts.get(op, 0) + 1
            meta = {
                "op": op,
                "urn": resource_urn,
                "type": type_token,
                "provider": "",
                "old": self._state_meta(resource_urn, type_token, old),
                "new": self._state_meta(resource_urn, type_token, new),
            }
            if old and new:
                meta["diffs"] = sorted(k for k in new["outputs"] if old["outputs"].get(k) != new["outputs"].get(k))
            pre = dict(meta, op="refresh") if operation in (REFRESH, REFRESH_PREVIEW) else meta
            if operation in (REFRESH, REFRESH_PREVIEW):
                pre = dict(pre, new=None)  # the engine knows the result only once read returns
            emit("resourcePreEvent", {"metadata": pre, "planning": operation != UP})
            emit("resOutputsEvent", {"metadata": meta, "planning": operation != UP})

        emit("preludeEvent", {"config": {}})
        on_output(f"{operation} of {stack} (recorded engine)\n")
        with self.lock:
            state = self.state.setdefault(stack, {})
        if operation in (REFRESH, REFRESH_PREVIEW):
            self._refresh(stack, config, state, step, apply=operation == REFRESH)
        else:
            self._update(stack, config, state, step, apply=operation == UP)
        emit(
            "summaryEvent", {"maybeCorrupt": False, "durationSeconds": 1, "resourceChanges": counts, "PolicyPacks": {}}
        )
        with self.lock:
            self.recorded[stack] = events
        if self.on_run_end is not None:
            self.on_run_end(stack)
        return counts

    # -- what the engine does -----------------------------------------------------------------------

    @staticmethod
    def _state_meta(resource_urn: str, type_token: str, entry: dict | None) -> dict | None:
        if entry is None:
            return None
        return {
            "type": type_token,
            "urn": resource_urn,
            "id": entry.get("id", ""),
            "parent": "",
            "provider": "",
            "custom": True,
            "inputs": entry["inputs"],
            "outputs": entry["outputs"],
        }

    def _providers(self, config: dict[str, str]) -> dict[str, Any]:
        return {type_token: configured(cls, config) for _, type_token, cls in KINDS.values()}

    def _declared(self, stack: str, config: dict[str, str]) -> dict[str, tuple[str, dict]]:
        declared = {}
        for list_key, (part, type_token, _) in KINDS.items():
            for entry in json.loads(config.get(list_key) or "[]"):
                inputs = {k: v for k, v in entry.items() if k != "parent"}
                declared[urn(stack, type_token, f"{inputs['org']}/{part}/{inputs['name']}")] = (type_token, inputs)
        return declared

    def _update(self, stack, config, state, step, apply: bool) -> None:
        providers = self._providers(config)
        declared = self._declared(stack, config)
        for resource_urn, (type_token, raw) in declared.items():
            provider = providers[type_token]
            checked = provider.check({}, raw)
            assert checked.failures == [], [f.reason for f in checked.failures]
            inputs = checked.inputs
            old = state.get(resource_urn)
            if old is None:
                new = {"type": type_token, "inputs": inputs, "outputs": dict(inputs)}
                if apply:
                    created = provider.create(inputs)
                    new = {"type": type_token, "id": created.id, "inputs": inputs, "outputs": created.outs}
                    state[resource_urn] = new
                step("create", resource_urn, type_token, None, new)
                continue
            if provider.diff(old["id"], old["outputs"], inputs).changes:
                new = {"type": type_token, "id": old["id"], "inputs": inputs, "outputs": {**old["outputs"], **inputs}}
                if apply:
                    new["outputs"] = provider.update(old["id"], old["outputs"], inputs).outs
                    state[resource_urn] = new
                step("update", resource_urn, type_token, old, new)
            else:
                step("same", resource_urn, type_token, old, old)
        for resource_urn in [u for u in state if u not in declared]:
            old = state[resource_urn]
            if apply:
                providers[old["type"]].delete(old["id"], old["outputs"])
                del state[resource_urn]
            step("delete", resource_urn, old["type"], old, None)

    def _refresh(self, stack, config, state, step, apply: bool) -> None:
        providers = self._providers(config)
        for resource_urn, old in list(state.items()):
            result = providers[old["type"]].read(old["id"], old["outputs"])
            if not result.id:
                step("delete", resource_urn, old["type"], old, None)
                if apply:
                    del state[resource_urn]
                continue
            new = {
                "type": old["type"],
                "id": result.id,
                "inputs": result.inputs or old["inputs"],
                "outputs": result.outs,
            }
            step("update" if new["outputs"] != old["outputs"] else "same", resource_urn, old["type"], old, new)
            if apply:
                state[resource_urn] = new
