"""The fault plan: scripted failures for reliability tests.

A fault is a dict: `{"method"?, "path"? (regex, re.search on the path without query), "action",
"count" (default 1), "skip" (default 0), ...action parameters}`. Actions:

- status            answer `status` with the vendor's error shape, optional `retry_after`
                    seconds as a Retry-After header; the request is not processed
- delay             sleep `seconds`, then process and answer normally
- reset             close the connection without an answer (TCP RST); not processed
- commit_then_drop  process the request, then close the connection without an answer
- malformed         process the request, then answer 200 with a body that is not JSON
- expire_tokens     expire every issued token, then handle the request (so it fails auth)
- commit_then_status  process the request, then answer `status` anyway (a proxy in front of the
                    vendor timing out or failing after the vendor committed: 502/503/504)
- commit_then_body  process the request, then answer 200 with `body` (any JSON value) instead of
                    the real answer (e.g. a create answered without the new group's id)

`status` and `commit_then_status` take an optional `message` (and `code`), answered in the
vendor's error shape instead of the generic one for the status (e.g. a 400 saying "Group not
found" while the group exists).

Each request is offered to the faults in plan order. A matching fault that still has `skip`
left lets the request pass (and the request is offered to the next faults); otherwise it
fires, uses one of its `count`, and no later fault sees that request.

The plan remembers every fault it was given, replaced or cleared ones included, and how often
each fired: `unfired()` lists those that never did (a test whose fault stopped firing would
otherwise pass without testing anything).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

ACTIONS = (
    "status", "delay", "reset", "commit_then_drop", "malformed", "expire_tokens", "commit_then_status",
    "commit_then_body",
)
_NEEDS_STATUS = ("status", "commit_then_status")
_KEYS = {"method", "path", "action", "count", "skip", "status", "retry_after", "seconds", "message", "code", "body"}


@dataclass
class Fault:
    action: str
    method: str | None = None
    path: re.Pattern | None = None
    count: int = 1
    skip: int = 0
    status: int | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    message: str | None = None
    code: int | str | None = None
    body: object = None
    fired: int = 0  # times it fired (not part of the spec)

    @classmethod
    def parse(cls, spec: dict) -> Fault:
        if not isinstance(spec, dict):
            raise ValueError(f"a fault must be an object, got {spec!r}")
        unknown = set(spec) - _KEYS
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
        action = spec.get("action")
        if action not in ACTIONS:
            raise ValueError(f"fault action must be one of {ACTIONS}, got {action!r}")
        try:
            path = re.compile(spec["path"]) if spec.get("path") else None
        except (re.error, TypeError) as exc:
            raise ValueError(f"fault 'path' is not a regular expression: {exc}") from None
        if spec.get("method") is not None and not isinstance(spec["method"], str):
            raise ValueError(f"fault 'method' must be a string, got {spec['method']!r}")
        fault = cls(
            action=action,
            method=spec["method"].upper() if spec.get("method") else None,
            path=path,
            count=_number(spec, "count", 1, int, minimum=1),
            skip=_number(spec, "skip", 0, int, minimum=0),
            status=_number(spec, "status", None, int, minimum=100),
            retry_after=_number(spec, "retry_after", None, (int, float), minimum=0),
            seconds=_number(spec, "seconds", 0.0, (int, float), minimum=0),
            message=spec.get("message"),
            code=spec.get("code"),
            body=spec.get("body"),
        )
        if action in _NEEDS_STATUS and (fault.status is None or fault.status > 599):
            raise ValueError(f"a {action!r} fault needs an HTTP status between 100 and 599")
        if fault.message is not None and not isinstance(fault.message, str):
            raise ValueError(f"fault 'message' must be a string, got {fault.message!r}")
        if fault.code is not None and (isinstance(fault.code, bool) or not isinstance(fault.code, (int, str))):
            raise ValueError(f"fault 'code' must be a number or a string, got {fault.code!r}")
        if action == "commit_then_body" and "body" not in spec:
            raise ValueError("a 'commit_then_body' fault needs 'body' (the JSON value to answer with)")
        if action == "delay" and "seconds" not in spec:
            raise ValueError("a 'delay' fault needs 'seconds'")
        return fault

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path.search(path) is not None
        )

    def describe(self) -> dict:
        spec = {"action": self.action, "count": self.count, "skip": self.skip}
        if self.method:
            spec["method"] = self.method
        if self.path:
            spec["path"] = self.path.pattern
        for key in ("status", "retry_after", "message", "code"):
            if getattr(self, key) is not None:
                spec[key] = getattr(self, key)
        if self.action == "delay":
            spec["seconds"] = self.seconds
        if self.action == "commit_then_body":
            spec["body"] = self.body
        return spec


def _number(spec: dict, key: str, default, kinds, minimum):
    value = spec.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, kinds) or value < minimum:
        raise ValueError(f"fault {key!r} must be a number >= {minimum}, got {value!r}")
    return value


class FaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._retired: list[Fault] = []  # replaced or cleared: kept for unfired()

    def replace(self, specs: list[dict]) -> None:
        if not isinstance(specs, list):
            raise ValueError("the fault plan must be a list of fault objects")
        faults = [Fault.parse(spec) for spec in specs]  # all valid, or the plan is unchanged
        with self._lock:
            self._retired += self._faults
            self._faults = faults

    def add(self, spec: dict) -> None:
        fault = Fault.parse(spec)
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        self.replace([])

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request triggers, if any (and account for it)."""
        with self._lock:
            for fault in self._faults:
                if fault.count <= 0 or not fault.matches(method, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.count -= 1
                fault.fired += 1
                return fault
        return None

    def pending(self) -> list[dict]:
        """The faults not yet spent, with what is left of their count and skip."""
        with self._lock:
            return [fault.describe() for fault in self._faults if fault.count > 0]

    def unfired(self) -> list[dict]:
        """Every fault planned so far (replaced and cleared ones too) that never fired."""
        with self._lock:
            return [fault.describe() for fault in self._retired + self._faults if fault.fired == 0]
