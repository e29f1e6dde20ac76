"""Reading and writing ``stacks/Pulumi.<stack>.yaml`` without losing what a person put there.

Round-trip YAML (ruamel.yaml) keeps comments, key order, quoting, the file's indentation,
``encryptionsalt`` and every ``{secure: ...}`` value exactly as they were; files are replaced
atomically (temp file + rename), so an interrupted write never leaves half a stack file, and only
after the text was read back and found to hold exactly the document meant (``checked_dump``;
``edit_as_text`` where ruamel would merge lines). Only the commands import this module (the
provider process never loads ruamel).
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


class UnsafeWrite(ValueError):
    """What would be written does not read back as the document meant: nothing was written."""


@dataclass
class StackFile:
    path: Path
    yaml: Any  # the ruamel.yaml.YAML that loaded it, set up to write it back the same way
    doc: Any  # CommentedMap (an empty one for a new file)
    text: str = ""  # the file as it was read

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

    def checked_dump(self) -> str:
        """``dump()``, read back and compared with the document; ``UnsafeWrite`` when it differs.

        ruamel.yaml can emit text that no longer parses, or parses into something else (seen:
        a list that starts with a comment, a one-line entry with a trailing comment, then a
        multi-line entry: two lines merged into one). Nothing is ever written unchecked.
        """
        text = self.dump()
        problem = mismatch(self.doc, text)
        if problem:
            raise UnsafeWrite(f"{self.path}: writing it back would change it ({problem})")
        return text

    def save(self, appended: dict[str, list] | None = None, adopted: dict[str, list[int]] | None = None) -> None:
        """Write the document back: the one writer of every command that edits a stack file.

        ``appended``: list key -> the entries appended to that ``config`` list; ``adopted``: list
        key -> indices of existing entries given ``adopt: true`` (both already made in ``doc``).
        First the round trip through ruamel; when that would not read back as the document, the
        same edits made as lines in the original text (``edit_as_text``), leaving every other
        line as it was. Either text must read back as the document (YAML 1.2) and hold every
        name we wrote quoted where the pulumi CLI would read something else (``cli_yaml``);
        else ``UnsafeWrite`` and the file is untouched.
        """
        from pulumi_groups.commands import cli_yaml

        appended, adopted = appended or {}, adopted or {}
        text: str | None
        try:
            text = self.checked_dump()
        except UnsafeWrite as unsafe:
            text = edit_as_text(self, appended, adopted)
            if text is None or mismatch(self.doc, text):
                raise unsafe from None
        written = {key: len(self.doc["config"][key]) - len(entries) for key, entries in appended.items() if entries}
        unquoted = cli_yaml.unquoted_problems(text, written)
        if unquoted:
            names = "; ".join(unquoted)
            raise UnsafeWrite(f"{self.path}: the pulumi CLI would not read these names as written: {names}")
        write_atomic(self.path, text)


def plain(value: Any) -> Any:
    """A loaded document as plain Python (dicts, lists, scalars), for comparing."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def mismatch(doc: Any, text: str) -> str | None:
    """None when ``text`` reads back as ``doc``; else what is wrong, naming keys and entries."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        reread = YAML(typ="safe").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return f"the text would not parse{where}: {getattr(exc, 'problem', None) or type(exc).__name__}"
    expected = plain(doc)
    if reread == expected:
        return None
    if not isinstance(reread, dict):
        return "the text would not be a mapping"
    lost = []
    for key in expected:
        if key not in reread:
            lost.append(f"key {key!r} missing")
    for key, value in (expected.get("config") or {}).items():
        got = (reread.get("config") or {}).get(key) if isinstance(reread.get("config"), dict) else None
        if isinstance(value, list) and isinstance(got, list):
            lost += [f"{key}[{i}] changed" for i, entry in enumerate(value) if i >= len(got) or got[i] != entry]
        elif got != value:
            lost.append(f"{key} changed")
    if not lost:
        return "the content differs"
    return ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")


def _entry_lines(entries: list, dash_column: int) -> list[str]:
    """Each entry as one ``- {...}`` line at ``dash_column``, quoted by ruamel."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    lines = []
    for entry in entries:
        buffer = io.StringIO()
        yaml.dump([entry], buffer)
        lines += [" " * dash_column + line for line in buffer.getvalue().splitlines()]
    return lines


def _region_end(lines: list[str], end: int, column: int) -> int:
    """Where text belonging to a block ends before line ``end``: blank lines and comments that
    are not indented deeper than ``column`` belong to what follows."""
    while end > 0:
        stripped = lines[end - 1].strip()
        indent = len(lines[end - 1]) - len(lines[end - 1].lstrip())
        if stripped == "" or (stripped.startswith("#") and indent <= column):
            end -= 1
            continue
        break
    return end


def _split_key(line: str) -> tuple[str, str]:
    """``(key, rest)`` of a ``key: value`` line; the key may hold colons (``ns:key``)."""
    import re

    found = re.search(r":(\s|$)", line)
    return (line, "") if found is None else (line[: found.start()], line[found.end():])


@dataclass
class _LineEdits:
    """Edits of a text's lines, each placed by the line numbers of the original text."""

    lines: list[str]
    inserts: list[tuple[int, list[str]]] = field(default_factory=list)  # before line, new lines
    replaces: list[tuple[int, int, int, str]] = field(default_factory=list)  # line, from, to column, text

    def result(self) -> str:
        result = list(self.lines)
        # Bottom up, right to left, so every position still points where it did; on one line the
        # replaces go first, and of two inserts before one line the one asked for first ends up above.
        for line, start, end, text in sorted(self.replaces, reverse=True):
            result[line] = result[line][:start] + text + result[line][end:]
        for _, (at, new_lines) in sorted(enumerate(self.inserts), key=lambda item: (item[1][0], item[0]), reverse=True):
            result[at:at] = new_lines
        return "\n".join(result) + "\n"


def _flow_end(line: str, start: int) -> int | None:
    """The column of the ``}`` closing the flow mapping that opens at ``start``, on this line."""
    depth, quote = 0, ""
    column = start
    while column < len(line):
        char = line[column]
        if quote:
            if char == quote and quote == "'" and line[column + 1:column + 2] == "'":
                column += 1  # '' inside single quotes
            elif char == "\\" and quote == '"':
                column += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return column
        column += 1
    return None


def _mark_adopted(edits: _LineEdits, entries: Any, index: int, end: int) -> bool:
    """Give ``entries[index]`` ``adopt: true`` as a line edit; ``end``: the line where the text
    after the entry's list begins. False: not a layout this can do."""
    lines = edits.lines
    entry = entries[index]
    keys = getattr(getattr(entry, "lc", None), "data", None) or {}
    positions = entries.lc.data
    line, column = positions[index]
    if "adopt" in keys:  # `adopt: false` (or another value): replace the value where it stands
        _, _, value_line, value_column = keys["adopt"]
        import re

        value = re.match(r"[^\s,}\]#]+", lines[value_line][value_column:])
        if value is None:
            return False
        edits.replaces.append((value_line, value_column, value_column + value.end(), "true"))
        return True
    if lines[line][column:column + 1] == "{":  # a one-line flow entry: `- {name: GOLD, rank: 3}`
        close = _flow_end(lines[line], column)
        if close is None:
            return False
        edits.replaces.append((line, close, close, ", adopt: true"))
        return True
    if not keys:
        return False
    key_column = min(position[1] for position in keys.values())
    following = [positions[i][0] for i in positions if i > index]
    after = min(following) if following else end
    edits.inserts.append((_region_end(lines, after, key_column), [" " * key_column + "adopt: true"]))
    return True


def edit_as_text(stack_file: StackFile, appended: dict[str, list], adopted: dict[str, list[int]]) -> str | None:
    """The original text with the new entries inserted as lines and ``adopt: true`` added to the
    adopted ones (None: not a layout this can do: no ``config`` mapping, a non-empty one-line
    ``[...]`` list to append to, a flow entry over several lines)."""
    from ruamel.yaml.comments import CommentedMap

    doc, lines = stack_file.doc, stack_file.text.splitlines()
    config = doc.get("config")
    # CommentedMap: the line/column record (``lc``) that says where each key sits in the text.
    if not lines or "config" not in doc.lc.data or not isinstance(config, CommentedMap) or not config.lc.data:
        return None
    top_keys = [k for k in doc if k in doc.lc.data]
    after_config = top_keys[top_keys.index("config") + 1:]
    config_end = doc.lc.data[after_config[0]][0] if after_config else len(lines)
    original_keys = [k for k in config if k in config.lc.data]
    key_column = config.lc.data[original_keys[0]][1]
    edits = _LineEdits(lines)

    def list_end(list_key: str) -> int:
        following = original_keys[original_keys.index(list_key) + 1:]
        return config.lc.data[following[0]][0] if following else config_end

    for list_key, indices in adopted.items():
        if list_key not in config.lc.data or not isinstance(config[list_key], list):
            return None
        for index in indices:
            if not _mark_adopted(edits, config[list_key], index, list_end(list_key)):
                return None
    for list_key, entries in appended.items():
        if not entries:
            continue
        if list_key not in config.lc.data:  # a new list: at the end of the config mapping
            at = _region_end(lines, config_end, key_column)
            edits.inserts.append((at, [" " * key_column + f"{list_key}:", *_entry_lines(entries, key_column + 2)]))
            continue
        key_line, column, value_line, _ = config.lc.data[list_key]
        positions = getattr(getattr(config[list_key], "lc", None), "data", None) or {}
        existing = sorted(positions)
        rest = _split_key(lines[key_line])[1] if value_line == key_line else ""
        if existing and value_line != key_line:
            first_line, first_column = positions[existing[0]]
            dash = lines[first_line].rfind("-", 0, first_column)
            edits.inserts.append((_region_end(lines, list_end(list_key), column), _entry_lines(entries, dash)))
        elif rest.split("#", 1)[0].strip() in ("[]", ""):  # `key: []` (or `key:` and nothing)
            edits.inserts.append((key_line + 1, _entry_lines(entries, column + 2)))
            key_text, value = _split_key(lines[key_line])
            comment = value.split("#", 1)[1] if "#" in value else None
            rewritten = f"{key_text}:" + (f"  #{comment}" if comment is not None else "")
            edits.replaces.append((key_line, 0, len(lines[key_line]), rewritten))
        else:
            return None
    return edits.result()


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
    return StackFile(path, yaml, doc, text)


def stack_name(path: Path) -> str:
    """``brand-eu`` for ``stacks/Pulumi.brand-eu.yaml`` (how the CLI names stack files)."""
    name = path.name
    return name[len("Pulumi."):-len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else path.stem


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


def plaintext_config(stack_file: StackFile, placeholder: str | None = None) -> Plaintext:
    """What can be read without the CLI: every value but the encrypted ones (which are named, and
    left out, or read as ``placeholder`` where the reader needs the key to be there)."""
    result = Plaintext()

    def strip(value: Any, path: str) -> Any:
        if is_secure(value):
            result.secret_paths.append(path)
            return placeholder
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
            from pulumi_groups.capillary.settings import DEFAULT_REQUESTS_PER_MINUTE

            for org, entry in (orgs.items() if isinstance(orgs, dict) and not is_secure(orgs) else ()):
                if (org not in limits and isinstance(entry, dict) and not is_secure(entry)
                        and "requestsPerMinute" not in entry):
                    rate = current if current is not None else DEFAULT_REQUESTS_PER_MINUTE
                    entry["requestsPerMinute"] = _number(rate)
    copy_of = StackFile(stack_file.path, stack_file.yaml, doc)
    try:
        return copy_of.checked_dump(), warnings
    except UnsafeWrite:
        # A temporary copy needs no comments: plain YAML of the same data always reads back.
        import io

        from ruamel.yaml import YAML

        buffer = io.StringIO()
        YAML(typ="safe", pure=True).dump(plain(doc), buffer)
        if mismatch(doc, buffer.getvalue()):
            raise
        return buffer.getvalue(), warnings
