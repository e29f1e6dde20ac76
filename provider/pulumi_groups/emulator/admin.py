"""`/__admin/...`: control and inspection over HTTP for out-of-process users (the CLI emulator
under the demo). No auth, not counted, no latency or faults."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pulumi_groups.emulator.wire import Response

if TYPE_CHECKING:
    from pulumi_groups.emulator.server import Emulator

PREFIX = "/__admin/"


def _body(raw: bytes):
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        raise ValueError(f"body is not JSON: {exc}") from None


def _set_faults(emu: "Emulator", raw: bytes):
    plan = _body(raw)
    emu.set_faults([] if plan is None else plan)
    return {"faults": emu.pending_faults()}


def _clear_faults(emu: "Emulator", raw: bytes):
    emu.clear_faults()
    return {"faults": []}


def _reset_counters(emu: "Emulator", raw: bytes):
    emu.reset_counters()
    return emu.counters()


def _expire_tokens(emu: "Emulator", raw: bytes):
    emu.expire_tokens()
    return {"expired": True}


def _reset(emu: "Emulator", raw: bytes):
    emu.reset()
    return {"reset": True}


ENDPOINTS = {
    ("GET", "counters"): lambda emu, raw: emu.counters(),
    ("POST", "counters/reset"): _reset_counters,
    ("GET", "faults"): lambda emu, raw: {"faults": emu.pending_faults()},
    ("POST", "faults"): _set_faults,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "tokens/expire"): _expire_tokens,
    ("GET", "state"): lambda emu, raw: emu.state(),
    ("POST", "reset"): _reset,
}


def handle(emu: "Emulator", method: str, path: str, raw: bytes) -> Response:
    endpoint = ENDPOINTS.get((method, path[len(PREFIX):].strip("/")))
    if endpoint is None:
        known = ", ".join(f"{m} {PREFIX}{p}" for m, p in ENDPOINTS)
        return Response(404, {"error": f"no admin endpoint {method} {path}; known: {known}"})
    try:
        return Response(200, endpoint(emu, raw))
    except ValueError as exc:
        return Response(400, {"error": str(exc)})
