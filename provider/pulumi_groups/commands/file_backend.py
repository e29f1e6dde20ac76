"""What a killed run leaves in a file backend (``file://``), and making it readable again without
losing anything the run recorded (``recover``).

The backend (pulumi's ``diy`` backend over gocloud's ``fileblob``, pulumi v3.274.1) writes every
object of a stack (checkpoint, lock, history) the same way: the new bytes into a temporary file
beside it (``<name>.<hex>.tmp``), then the sidecar ``<name>.attrs`` (``os.Create``, which
truncates it, then JSON: content type and MD5), then a rename of the temporary file onto
``<name>``. So a kill never leaves half a checkpoint: ``<name>`` is always the last one written
completely. What it does leave is a cut sidecar (empty, or half its JSON), and from then on every
read of ``<name>`` fails (``failed to load checkpoint: ... EOF``) although ``<name>`` is whole.
A blob without a sidecar reads normally (``fileblob`` treats a missing one as "no attributes")
and the next write creates it again, so a cut sidecar is removed, once the checkpoint it stands
beside is known to parse.

``<name>.bak`` (the checkpoint before its last write) and ``.pulumi/backups/`` (a copy made when
an update ends, so none after a killed first ``up``) are older than the checkpoint: they never
replace it here.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

SIDECAR = ".attrs"
CHECKPOINT_SUFFIXES = (".json", ".json.gz")  # plain, and PULUMI_DIY_BACKEND_GZIP
# Folders of .pulumi/ that hold a stack's objects, under <project>/<stack> (or <stack> for a
# backend made before projects were part of the layout).
OBJECT_FOLDERS = ("locks", "history", "backups")


class CheckpointUnreadable(Exception):
    """The checkpoint itself does not parse: nothing was changed."""


def root_of(url: str) -> Path | None:
    """The folder of a ``file://`` backend URL; None for any other backend."""
    if not url.startswith("file://"):
        return None
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if parsed.netloc == "~" or path.startswith("/~"):
        path = str(Path.home() / path.lstrip("/").removeprefix("~").lstrip("/"))
    return Path(path)


def _parses(text: bytes) -> str | None:
    """None when ``text`` is one JSON document, else why not."""
    try:
        json.loads(text)
    except ValueError as exc:
        return str(exc)
    return None


def checkpoint_problem(path: Path) -> str | None:
    """None when the checkpoint at ``path`` parses, else why it does not."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            return f"gzip: {exc}"
    return _parses(data)


def _checkpoints(state: Path, project: str, stack: str) -> list[Path]:
    return [folder / f"{stack}{suffix}" for folder in (state / "stacks" / project, state / "stacks")
            for suffix in CHECKPOINT_SUFFIXES if (folder / f"{stack}{suffix}").is_file()]


def _sidecars(state: Path, project: str, stack: str) -> list[Path]:
    """Every sidecar of the stack's objects: beside its checkpoints (``.bak`` included) and in
    its lock, history and backup folders."""
    found = [p for folder in (state / "stacks" / project, state / "stacks")
             for p in folder.glob(f"{stack}.json*{SIDECAR}")]
    for name in OBJECT_FOLDERS:
        for folder in (state / name / project / stack, state / name / stack):
            if folder.is_dir():
                found += folder.rglob(f"*{SIDECAR}")
    return sorted(set(found))


@dataclass
class Repair:
    removed: list[Path] = field(default_factory=list)  # cut sidecars removed


def repair(root: Path, project: str, stack: str) -> Repair:
    """Remove the stack's cut sidecars; :class:`CheckpointUnreadable` (and nothing changed) when
    the checkpoint itself does not parse."""
    state = root / ".pulumi"
    for checkpoint in _checkpoints(state, project, stack):
        problem = checkpoint_problem(checkpoint)
        if problem is not None:
            raise CheckpointUnreadable(f"{checkpoint} does not parse ({problem})")
    cut = [p for p in _sidecars(state, project, stack) if _parses(p.read_bytes()) is not None]
    for sidecar in cut:
        sidecar.unlink()
    return Repair(removed=cut)
