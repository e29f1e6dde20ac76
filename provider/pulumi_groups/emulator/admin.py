"""`/__admin/...`: control and inspection over HTTP for out-of-process users (the CLI emulator
under the demo). No auth, not counted, no latency or faults."""

from __future__ import annotations

import json

from pulumi_groups.emulator import console
from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.wire import Response

PREFIX = "/__admin/"


def _body(raw: bytes):
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        raise ValueError(f"body is not JSON: {exc}") from None


def _set_faults(backend: Backend, raw: bytes):
    plan = _body(raw)
    backend.faults.replace([] if plan is None else plan)
    return {"faults": backend.faults.pending()}


def _clear_faults(backend: Backend, raw: bytes):
    backend.faults.clear()
    return {"faults": []}


def _reset_counters(backend: Backend, raw: bytes):
    backend.metrics.reset()
    return backend.metrics.snapshot()


def _expire_tokens(backend: Backend, raw: bytes):
    console.expire_tokens(backend)
    return {"expired": True}


def _reset(backend: Backend, raw: bytes):
    console.reset(backend)
    return {"reset": True}


ENDPOINTS = {
    ("GET", "counters"): lambda backend, raw: backend.metrics.snapshot(),
    ("POST", "counters/reset"): _reset_counters,
    ("GET", "faults"): lambda backend, raw: {"faults": backend.faults.pending()},
    ("POST", "faults"): _set_faults,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "tokens/expire"): _expire_tokens,
    ("GET", "state"): lambda backend, raw: console.state(backend),
    ("POST", "reset"): _reset,
}


def handle(backend: Backend, method: str, path: str, raw: bytes) -> Response:
    endpoint = ENDPOINTS.get((method, path[len(PREFIX):].strip("/")))
    if endpoint is None:
        known = ", ".join(f"{m} {PREFIX}{p}" for m, p in ENDPOINTS)
        return Response(404, {"error": f"no admin endpoint {method} {path}; known: {known}"})
    try:
        return Response(200, endpoint(backend, raw))
    except ValueError as exc:
        return Response(400, {"error": str(exc)})
