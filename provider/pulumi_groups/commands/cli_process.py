"""Running the ``pulumi`` CLI so that Ctrl-C stops it the way it stops a bare ``pulumi up``.

The CLI cancels gracefully on its first SIGINT or SIGTERM (steps in flight finish, the state is
written, the lock released) and terminates at once on the second (pulumi
``pkg/backend/cancellation_scope.go``). So a command that runs the CLI must let each interrupt
reach it exactly once, wait for it to end, and never kill it. Python's default (a
``KeyboardInterrupt`` in ``subprocess.run``, which then kills the child a quarter of a second
later) does the opposite: the stack stays locked and what landed is not in state.

How each interrupt reaches the CLI exactly once:

- where this command is the foreground job of a terminal and the CLI may prompt
  (``share_terminal=True``: the ``pulumi`` wrapper), the CLI runs in this process group, as a
  shell would run it: the terminal sends Ctrl-C to the whole group, so this process only waits
  (it passes on SIGTERM, which ``kill`` sends to one process);
- everywhere else (``deploy``, ``recover``, a CI runner, a ``kill -INT`` of this process or of
  its group) the CLI runs in a process group of its own, and every SIGINT or SIGTERM this
  process receives is passed on to it once.

The CLI starts its plugins (the provider processes) in process groups of their own and stops
them itself.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# A terminal sends SIGINT (Ctrl-C) to every process of its foreground group.
TERMINAL_SIGNALS = frozenset({signal.SIGINT})
INTERRUPTED_EXIT = 128 + signal.SIGINT  # 130, as a shell reports a command stopped by Ctrl-C


class Interrupted(Exception):
    """Raised instead of starting a CLI run once an interrupt has been received."""


def terminal_foreground() -> bool:
    """True when this process is in the foreground process group of its controlling terminal
    (a Ctrl-C there reaches every process of that group)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:  # no controlling terminal (CI, a daemon, setsid)
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def exit_status(returncode: int) -> int:
    """A child's exit status as a shell reports it (128 + n for a child ended by signal n)."""
    return 128 - returncode if returncode < 0 else returncode


def _own_group() -> dict[str, Any]:
    # process_group= is new in Python 3.11; a session of its own is a process group of its own.
    return {"process_group": 0} if sys.version_info >= (3, 11) else {"start_new_session": True}


class Interrupts:
    """While open (``with Interrupts() as interrupts:``), SIGINT and SIGTERM do not raise in this
    process: they are counted and passed on once to every CLI process started with
    :meth:`popen`, in order, by one thread (a signal handler only queues them, so it never waits
    on a lock the interrupted code holds).

    Opened outside the main thread (where Python cannot set signal handlers) it installs nothing
    and the default behaviour stays.
    """

    def __init__(self) -> None:
        self.count = 0  # interrupts received so far
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # starting a child vs. passing a signal on
        self._children: list[tuple[subprocess.Popen, bool]] = []  # (child, shares our group)
        self._previous: dict[int, Any] = {}
        self._forwarder: threading.Thread | None = None

    @property
    def interrupted(self) -> bool:
        return self.count > 0

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._forwarder = threading.Thread(target=self._pass_on, name="pass-on-interrupts", daemon=True)
        self._forwarder.start()
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._received)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._forwarder is not None:
            self._queue.put(None)
            self._forwarder.join()

    def _received(self, signum: int, frame: object) -> None:
        self.count += 1
        self._queue.put(signum)  # SimpleQueue.put is safe in a signal handler

    def _pass_on(self) -> None:
        while (signum := self._queue.get()) is not None:
            with self._lock:
                for child, shares_group in self._children:
                    if child.poll() is not None or (shares_group and signum in TERMINAL_SIGNALS):
                        continue  # ended, or the terminal gave it this signal itself
                    try:
                        os.kill(child.pid, signum)
                    except ProcessLookupError:
                        pass

    def popen(self, argv: list[str], *, share_terminal: bool = False, **popen: Any) -> subprocess.Popen:
        """Start the CLI (see the module docstring for ``share_terminal``); refuses with
        :class:`Interrupted` once an interrupt was received."""
        shares_group = share_terminal and terminal_foreground()
        with self._lock:  # a signal passed on now waits until the child is listed
            if self.interrupted:
                raise Interrupted("interrupted: not starting pulumi " + " ".join(argv[1:3]))
            child = subprocess.Popen(argv, **({} if shares_group else _own_group()), **popen)
            self._children.append((child, shares_group))
        return child

    def run(self, argv: list[str], *, share_terminal: bool = False, **popen: Any) -> subprocess.CompletedProcess:
        """:meth:`popen`, then wait for the CLI to end, however many interrupts come
        (``capture_output=True`` as for ``subprocess.run``)."""
        if popen.pop("capture_output", False):
            popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with self.popen(argv, share_terminal=share_terminal, **popen) as child:
            stdout, stderr = child.communicate()
        return subprocess.CompletedProcess(argv, child.returncode, stdout, stderr)
