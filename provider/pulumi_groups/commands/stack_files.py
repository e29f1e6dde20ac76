"""Reading and writing ``stacks/Pulumi.<stack>.yaml`` without losing what a person put there.

Round-trip YAML (ruamel.yaml) keeps comments, key order, quoting, the file's indentation,
``encryptionsalt`` and every ``{secure: ...}`` value exactly as they were; files are replaced
atomically (temp file + rename), so an interrupted write never leaves half a stack file. Only the
commands import this module (the provider process never loads ruamel).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What a file without sequences of its own gets; `pulumi config set` writes the same shape.
DEFAULT_INDENT = {"mapping": 2, "sequence": 4, "offset": 2}


@dataclass
class StackFile:
    path: Path
    yaml: Any  # the ruamel.yaml.YAML that loaded it, set up to write it back the same way
    doc: Any  # CommentedMap (an empty one for a new file)

    def config(self) -> Any:
        """The ``config:`` mapping, created when missing."""
        from ruamel.yaml.comments import CommentedMap

        if self.doc.get("config") is None:
            self.doc["config"] = CommentedMap()
        return self.doc["config"]

    def dump(self) -> str:
        import io

        buffer = io.StringIO()
        self.yaml.dump(self.doc, buffer)
        return buffer.getvalue()

    def save(self) -> None:
        write_atomic(self.path, self.dump())


def _yaml_for(text: str):
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line (a secure value, a comment)
    indent = dict(DEFAULT_INDENT)
    if text.strip():
        _, guessed, block_seq_indent = load_yaml_guess_indent(text)
        if guessed is not None and block_seq_indent is not None:
            indent = {"mapping": max(block_seq_indent, 2), "sequence": guessed, "offset": block_seq_indent}
    yaml.indent(**indent)
    return yaml


def load(path: Path) -> StackFile:
    from ruamel.yaml.comments import CommentedMap

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    yaml = _yaml_for(text)
    doc = yaml.load(text) if text.strip() else None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise ValueError(f"{path} is not a Pulumi stack file (its top level is not a mapping)")
    return StackFile(path, yaml, doc)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` in one rename, keeping its permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temp:
            temp.write(text)
            temp.flush()
            os.fsync(temp.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


@dataclass
class Plaintext:
    """Stack config as the provider sees it (strings; objects as JSON), secrets left out."""

    values: dict[str, str] = field(default_factory=dict)
    secret_paths: list[str] = field(default_factory=list)  # e.g. "capillary:orgs.brand-eu.password"

    def __repr__(self) -> str:
        # A plaintext password in the file is still a password: name the keys only.
        return f"Plaintext(keys={sorted(self.values)}, secret_paths={self.secret_paths})"


def plaintext_config(stack_file: StackFile) -> Plaintext:
    """What can be read without the CLI: every value but the encrypted ones (which are named)."""
    result = Plaintext()

    def strip(value: Any, path: str) -> Any:
        if is_secure(value):
            result.secret_paths.append(path)
            return None
        if isinstance(value, dict):
            kept = {str(k): strip(v, f"{path}.{k}") for k, v in value.items()}
            return {k: v for k, v in kept.items() if v is not None}
        if isinstance(value, list):
            return [strip(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    for key, value in (stack_file.doc.get("config") or {}).items():
        plain = strip(value, str(key))
        if plain is None:
            continue
        if isinstance(plain, (dict, list)):
            result.values[str(key)] = json.dumps(plain)
        elif isinstance(plain, bool):
            result.values[str(key)] = "true" if plain else "false"
        else:
            result.values[str(key)] = str(plain)
    return result


def _plain_number(value: Any) -> float | None:
    try:
        return float(value) if value is not None and not is_secure(value) else None
    except (TypeError, ValueError):
        return None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 3)


def with_rate_limits(stack_file: StackFile, limits: dict[str, float]) -> tuple[str, list[str]]:
    """The stack file's text with ``requestsPerMinute`` lowered to ``limits[org]`` for each org,
    for one run's ``--config-file``; the loaded document itself is left unchanged.

    An org written out in ``capillary:orgs`` gets its own ``requestsPerMinute``. An org from the
    shorthand keys or the environment (the org ``default``), or one inside a ``capillary:orgs``
    that is one encrypted value, can only be reached through the top-level
    ``capillary:requestsPerMinute``, which applies to every org that sets none of its own.
    """
    import copy

    doc = copy.deepcopy(stack_file.doc)
    if doc.get("config") is None:
        from ruamel.yaml.comments import CommentedMap

        doc["config"] = CommentedMap()
    config = doc["config"]
    orgs = config.get("capillary:orgs")
    warnings: list[str] = []
    top_level: float | None = None
    for org, limit in sorted(limits.items()):
        entry = orgs.get(org) if isinstance(orgs, dict) and not is_secure(orgs) else None
        if isinstance(entry, dict) and not is_secure(entry):
            entry["requestsPerMinute"] = _number(limit)
            continue
        top_level = limit if top_level is None else min(top_level, limit)
        if is_secure(orgs) or is_secure(entry):
            warnings.append(
                f"org {org!r} is inside an encrypted value: a requestsPerMinute set there cannot be lowered "
                f"for this run (only the top-level capillary:requestsPerMinute, now {_number(limit)}, "
                "applies where the org sets none); encrypt only the password/clientSecret leaves "
                "(`pulumi config set --path --secret`) or run with --parallel 1"
            )
    if top_level is not None:
        current = _plain_number(config.get("capillary:requestsPerMinute"))
        if current is None or top_level < current:
            config["capillary:requestsPerMinute"] = str(_number(top_level))
            # Orgs written out without a value of their own would follow the lowered top level
            # too: pin them to what they had.
            from ..capillary.settings import DEFAULT_REQUESTS_PER_MINUTE

            for org, entry in (orgs.items() if isinstance(orgs, dict) and not is_secure(orgs) else ()):
                if org not in limits and isinstance(entry, dict) and not is_secure(entry) and "requestsPerMinute" not in entry:
                    entry["requestsPerMinute"] = _number(current if current is not None else DEFAULT_REQUESTS_PER_MINUTE)
    copy_of = StackFile(stack_file.path, stack_file.yaml, doc)
    return copy_of.dump(), warnings
