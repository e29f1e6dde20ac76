"""The create journal: this run's durable record of every create it is about to send.

Why: a run without intermediate checkpoints (``PULUMI_SKIP_CHECKPOINTS=true``, what makes the
first ``up`` of a large org fast on a self-managed backend) writes its state only when it ends.
Killed before that, it leaves no trace in state, not even the engine's pending operations, which
``recover`` otherwise reads to know which groups the run may have made. This journal takes their
place: when ``PULUMI_GROUPS_CREATE_JOURNAL`` names a file, one JSON line per create is appended
and ``fsync``'d *before* the create is sent, and only for a key that was free before the run (the
run's listing said so: ``ownership.py``). So every group a killed run made has a line, and every
line names a group that is the stack's own if it exists now (it was not there before the run).
``python -m pulumi_groups recover --create-journal FILE`` marks those declarations
``adopt: true``; the next ``up`` takes over the ones that landed and creates the rest.

A line: ``{"kind": "badge group", "org": "brand-eu", "name": "GOLD", "key": "GOLD"}``
(``account`` instead of ``org`` for contact groups; ``key`` is the unique key the vendor keeps:
the name, or a contact group's ``remote_id``; ``null`` where it keeps none). Only standard
library here: the provider process loads it.
"""

from __future__ import annotations

import json
import os
import threading

ENV = "PULUMI_GROUPS_CREATE_JOURNAL"

_lock = threading.Lock()


def path() -> str | None:
    """The journal file this run writes, or None when journaling is off."""
    return os.environ.get(ENV, "").strip() or None


def record(kind: str, scope_field: str, scope: object, name: object, key: object) -> None:
    """Append one create's intent and make it durable before the caller sends the create. A
    failure to write raises: a create that could not be journaled is not sent."""
    target = path()
    if target is None:
        return
    line = json.dumps({"kind": kind, scope_field: scope, "name": name, "key": key}, sort_keys=True) + "\n"
    with _lock:  # the provider's 4 workers append whole lines, one at a time
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def read(file: str | os.PathLike) -> list[dict]:
    """Every complete line of a journal (a line cut by a kill is skipped: its create was never
    sent, since the line is written and synced first)."""
    entries = []
    try:
        with open(file, encoding="utf-8") as handle:
            for text in handle:
                if not text.endswith("\n"):
                    continue
                try:
                    entry = json.loads(text)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    entries.append(entry)
    except FileNotFoundError:
        return []
    return entries
