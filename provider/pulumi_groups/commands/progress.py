"""Per-stack progress of a deploy: stack, operation, resources done / total, elapsed.

On a terminal, one status line per running stack is kept at the bottom and redrawn in place;
the runs' own output lines scroll above it. Elsewhere (CI logs), plain lines: one when a stack
starts, one each time another tenth of its resources is done, one when it ends — so a log of
1,000 resources gets about 12 lines per stack, not 1,000.

``done`` counts the engine's resource-outputs events for group resources; ``total`` is the
number of groups the stack declares (a refresh of a stack whose state holds more simply grows
the total as they come).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from pulumi_groups.commands.drift import is_group_type

STEPS = 10  # plain mode: a line each time another 1/STEPS of the resources is done


@dataclass
class StackProgress:
    stack: str
    operation: str
    total: int
    started: float
    done: int = 0
    result: str | None = None
    last_step: int = 0


class Progress:
    def __init__(self, stream: TextIO | None = None, interactive: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.clock = clock
        self.lock = threading.Lock()
        self.stacks: dict[str, StackProgress] = {}
        self._drawn = 0  # status lines currently on screen (terminal mode)

    # -- what deploy calls --------------------------------------------------------------------------

    def start(self, stack: str, operation: str, total: int) -> None:
        with self.lock:
            self.stacks[stack] = StackProgress(stack, operation, max(total, 0), self.clock())
            self._plain(self.stacks[stack], "started")
            self._redraw()

    def on_event(self, stack: str, event: Any) -> None:
        """Feed an ``EngineEvent``: a group's outputs event is one resource done."""
        outputs = getattr(event, "res_outputs_event", None)
        if outputs is None or not is_group_type(getattr(outputs.metadata, "type", None)):
            return
        with self.lock:
            state = self.stacks.get(stack)
            if state is None:
                return
            state.done += 1
            state.total = max(state.total, state.done)
            step = state.done * STEPS // state.total if state.total else STEPS
            if step > state.last_step and state.done < state.total:
                state.last_step = step
                self._plain(state, "running")
            self._redraw()

    def finish(self, stack: str, result: str) -> None:
        with self.lock:
            state = self.stacks.get(stack)
            if state is None:
                return
            state.result = result
            self._plain(state, result)
            if self.interactive:  # the finished stack's last status stays in the scrollback
                self._clear()
                print(self._status(state), file=self.stream)
            self._redraw()

    def line(self, stack: str, text: str) -> None:
        """A run's own output line, prefixed with its stack, above the status lines."""
        with self.lock:
            self._clear()
            for part in text.rstrip("\n").splitlines() or [""]:
                print(f"[{stack}] {part}", file=self.stream)
            self._redraw()
            self.stream.flush()  # CI logs: a line shows when it happens, not when a buffer fills

    def close(self) -> None:
        with self.lock:
            self._clear()
            self.stream.flush()

    # -- drawing ------------------------------------------------------------------------------------

    def _status(self, state: StackProgress) -> str:
        elapsed = int(self.clock() - state.started)
        total = state.total if state.total else "?"
        status = state.result or "running"
        return f"[{state.stack}] {state.operation}: {state.done}/{total} resources, {elapsed}s, {status}"

    def _plain(self, state: StackProgress, status: str) -> None:
        if not self.interactive:
            state_text = self._status(state)
            print(state_text if status != "started" else f"[{state.stack}] {state.operation}: started, "
                  f"{state.total} resources", file=self.stream, flush=True)

    def _clear(self) -> None:
        if self.interactive and self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")  # up to the first status line, erase below
            self._drawn = 0

    def _redraw(self) -> None:
        if not self.interactive:
            return
        self._clear()
        running = [s for s in self.stacks.values() if s.result is None]
        for state in running:
            self.stream.write(self._status(state)[:119] + "\n")
        self._drawn = len(running)
        self.stream.flush()
