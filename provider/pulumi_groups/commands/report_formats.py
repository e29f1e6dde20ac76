"""The drift report in three forms: a terminal table, Markdown for CI summaries, versioned JSON.

All three are drawn from one ``drift.Report`` and hold the same rows. Each drift row names the
ways out (``ways``: ``up`` puts the declared value back, ``accept`` writes the live one into the
stack file; the commands follow the tables); a change the engine will refuse on a protected group
says so; differences in fields under ``ignoreChanges`` are listed apart, as not drift. The JSON follows
``drift_report.schema.json`` beside this module (``SCHEMA_ID``, version ``SCHEMA_VERSION``): a new
optional field keeps the version, anything that changes or removes a field bumps it.

Names come from consoles and may hold anything: the terminal and Markdown forms show control,
format and separator characters as escapes (``visible``: a CR cannot split a Markdown row, an
ESC sequence cannot reach a CI log), Markdown also escapes its own ``|``, backtick, ``<`` and backslash;
the JSON holds every name exactly.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from pulumi_groups.commands.drift import (
    CHANGED,
    CREATE,
    DELETE,
    GONE,
    IGNORED,
    REPLACE,
    UPDATE,
    Change,
    OrgFindings,
    Report,
    StackFindings,
)

SCHEMA_ID = "pulumi-groups/drift-report"
SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("drift_report.schema.json")
TERMINAL_WIDTH = 120
FOLD_AFTER = 10  # Markdown tables longer than this are folded under <details>

CHANGE_COLUMNS = ("org", "kind", "group", "id", "change", "field", "declared", "live", "ways")
IGNORED_COLUMNS = ("org", "kind", "group", "id", "field", "declared", "live")
UNMANAGED_COLUMNS = ("kind", "name", "id", "rank", "active", "last changed by", "last changed on")
ORDER = (CHANGED, GONE, UPDATE, REPLACE, CREATE, DELETE)
TITLES = {"refresh-preview": "drift check", "refresh": "refresh", "preview": "preview", "up": "up"}


# Characters a name made in a console may hold that would act instead of show: control
# characters (CR, LF, ESC sequences, BEL, C1 controls), format characters (zero-width, bidi
# overrides) and line/paragraph separators.
_ACTING = frozenset({"Cc", "Cf", "Zl", "Zp"})
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def visible(text: str) -> str:
    """``text`` with every character that would act on a terminal or a Markdown table written as
    an escape (``\\r``, ``\\x1b``, ``\\u200b``) and a backslash doubled, so that what is shown
    is unambiguous. The JSON report keeps the exact text."""
    import unicodedata

    def one(char: str) -> str:
        if char in _SHORT:
            return _SHORT[char]
        if unicodedata.category(char) not in _ACTING:
            return char
        code = ord(char)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return "".join(one(char) for char in text)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ways(change: Change) -> str:
    if change.refused is not None and change.put_back is None and change.accept is None:
        return "refused: protected"
    ways = [way for way, command in (("up", change.put_back), ("accept", change.accept)) if command]
    return " | ".join(ways) if ways else "-"


def _change_row(change: Change) -> list[str]:
    return [_text(value) for value in (change.scope, change.kind, change.name, change.id, change.change,
                                       change.field, change.declared, change.live)] + [_ways(change)]


def _ignored_row(change: Change) -> list[str]:
    return [_text(value) for value in (change.scope, change.kind, change.name, change.id, change.field,
                                       change.declared, change.live)]


def ways_forward(stack: StackFindings) -> list[str]:
    """The commands behind the ``ways`` column, and what the engine will refuse, for one stack."""
    lines = []
    put_back = next((c.put_back for c in stack.changes if c.put_back), None)
    accept = next((c.accept for c in stack.changes if c.accept), None)
    if put_back:
        lines.append(f"up: put the declared values back: {put_back}")
    if accept:
        lines.append(f"accept: write the live values into the stack file: {accept}")
    for change in stack.changes:
        if change.refused is not None:
            lines.append(f"{change.kind} {change.name!r} ({change.scope}): {change.refused}")
    return list(dict.fromkeys(lines))


def _unmanaged_rows(org: OrgFindings) -> list[list[str]]:
    return [[_text(value) for value in (u.kind, u.name, u.id, u.rank, u.active, u.last_updated_by, u.last_updated_on)]
            for u in org.unmanaged]


def _stack_summary(stack: StackFindings) -> str:
    if stack.error is not None:
        return f"failed: {stack.error}"
    groups: dict[str, set[tuple[str, str, str, str | None]]] = {}
    for change in stack.changes:
        groups.setdefault(change.change, set()).add((change.kind, change.scope, change.name, change.id))
    parts = [f"{len(groups[c])} {c}" for c in ORDER if c in groups]
    ignored = {(c.kind, c.scope, c.name, c.id) for c in stack.ignored}
    summary = ", ".join(parts) if parts else "no changes"
    return summary + (f" ({len(ignored)} with ignored fields)" if ignored else "")


def _org_title(org: OrgFindings) -> str:
    keys = "/".join(org.org_keys)
    return f"{keys} (org id {org.org_id})" if org.org_id is not None else keys


def headline(report: Report) -> str:
    counts = report.counts()
    failed = sum(1 for s in report.stacks if s.error is not None)
    parts = [f"{counts[c]} {c}" for c in ORDER if counts.get(c)]
    parts.append(f"{counts['unmanaged']} unmanaged")
    if counts.get(IGNORED):
        parts.append(f"{counts[IGNORED]} ignored")
    if failed:
        parts.append(f"{failed} stack(s) failed")
    if report.clean and not failed:
        verdict = "no drift"
    else:
        verdict = "drift" if report.operation.startswith("refresh") else "changes"
    title = TITLES.get(report.operation, report.operation)
    return f"pulumi-groups {title}: {verdict} — " + ", ".join(parts) + f" ({len(report.stacks)} stack(s))"


# -- terminal ---------------------------------------------------------------------------------------


def _fit(rows: list[list[str]], width: int) -> list[list[str]]:
    """Cut the widest columns (with an ellipsis) until the table fits ``width``."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    room = width - 2 * (len(widths) - 1)
    while sum(widths) > room and max(widths) > 6:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    return [[cell if len(cell) <= w else cell[: w - 1] + "…" for cell, w in zip(row, widths, strict=True)]
            for row in rows]


def _table(header: tuple[str, ...], rows: list[list[str]], width: int) -> list[str]:
    fitted = _fit([[h.upper() for h in header], *([visible(cell) for cell in row] for row in rows)], width)
    widths = [max(len(row[i]) for row in fitted) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in fitted]


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def terminal(report: Report, width: int = TERMINAL_WIDTH) -> str:
    lines = [visible(headline(report))]
    for stack in report.stacks:
        lines += ["", visible(f"{stack.stack}: {_stack_summary(stack)}")]
        if stack.changes:
            table = _table(CHANGE_COLUMNS, [_change_row(c) for c in stack.changes], width - 2)
            lines += ["  " + line for line in table]
        if stack.ignored:
            lines += ["", f"{stack.stack}: not drift, the fields are under ignoreChanges (the console owns them):"]
            table = _table(IGNORED_COLUMNS, [_ignored_row(c) for c in stack.ignored], width - 2)
            lines += ["  " + line for line in table]
    for stack in report.stacks:
        ways = ways_forward(stack)
        if ways:
            lines += ["", f"{stack.stack}, ways forward:"] + [_cut("  " + visible(line), width) for line in ways]
    for org in report.orgs:
        title = visible(f"unmanaged groups in org {_org_title(org)} (stacks: {', '.join(org.stacks)})")
        if org.problem:
            lines += ["", f"{title}: {visible(org.problem)}"]
            continue
        lines += ["", f"{title}: {len(org.unmanaged)}"]
        if org.unmanaged:
            lines += ["  " + line for line in _table(UNMANAGED_COLUMNS, _unmanaged_rows(org), width - 2)]
    return "\n".join(lines)


# -- Markdown ---------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    """Text for a Markdown table cell or line: control characters made ``visible`` (a CR or LF
    would end the row), then Markdown's own characters escaped."""
    return visible(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("`", "\\`")


def _md_table(header: tuple[str, ...], rows: list[list[str]], summary: str) -> list[str]:
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    if len(rows) <= FOLD_AFTER:
        return table
    # GitHub renders Markdown inside <details> only with blank lines around it.
    return ["<details>", f"<summary>{_md_cell(summary)}</summary>", "", *table, "", "</details>"]


def _md_code(line: str) -> str:
    """A ways-forward line with its command (after the last ': ') as code."""
    head, _, command = line.rpartition(": ")
    if command.startswith("python -m"):
        return f"{_md_cell(head)}: `{command}`"
    return _md_cell(line)


def markdown(report: Report) -> str:
    lines = [f"## {_md_cell(headline(report))}", ""]
    quiet = [s.stack for s in report.stacks if not s.changes and not s.ignored and s.error is None]
    for stack in report.stacks:
        if stack.stack in quiet:
            continue  # dozens of unchanged stacks get one line below, not a heading each
        lines += [f"### Stack `{stack.stack}`: {_md_cell(_stack_summary(stack))}", ""]
        if stack.changes:
            lines += _md_table(CHANGE_COLUMNS, [_change_row(c) for c in stack.changes],
                               f"{len(stack.changes)} rows") + [""]
        ways = ways_forward(stack)
        if ways:
            lines += [f"- {_md_code(line)}" for line in ways] + [""]
        if stack.ignored:
            lines += ["Not drift: these fields are under `ignoreChanges` (the console owns them).", ""]
            lines += _md_table(IGNORED_COLUMNS, [_ignored_row(c) for c in stack.ignored],
                               f"{len(stack.ignored)} ignored") + [""]
    if quiet:
        lines += [f"No changes in {len(quiet)} stack(s): " + ", ".join(f"`{name}`" for name in quiet) + ".", ""]
    for org in report.orgs:
        title = f"### Unmanaged groups in org `{'/'.join(org.org_keys)}`"
        title += f" (org id {org.org_id})" if org.org_id is not None else ""
        if org.problem:
            lines += [f"{title}: unknown", "", _md_cell(org.problem), ""]
            continue
        lines += [f"{title}: {len(org.unmanaged)}", "", f"Stacks of this org: {', '.join(org.stacks)}.", ""]
        if org.unmanaged:
            lines += _md_table(UNMANAGED_COLUMNS, _unmanaged_rows(org), f"{len(org.unmanaged)} unmanaged groups") + [""]
            # Name the stack as well as its key for the org: the stack file is not named after
            # the org key (export's default), and another stack's file would be the wrong one.
            user, key = org.users[0] if org.users else (None, org.org_keys[0])
            into = f" --stack {shlex.quote(user)}" if user else ""
            lines += ["Declare them with `python -m pulumi_groups export --only-unmanaged "
                      f"--org {shlex.quote(key)}{into} --report <the deploy --json file>`.", ""]
    return "\n".join(lines)


# -- JSON -------------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def as_json(report: Report) -> dict:
    counts = report.counts()
    return {
        "schema": SCHEMA_ID,
        "version": SCHEMA_VERSION,
        "operation": report.operation,
        "clean": report.clean and not any(s.error for s in report.stacks),
        "summary": {
            "stacks": len(report.stacks),
            "failed": sum(1 for s in report.stacks if s.error is not None),
            **{c: counts.get(c, 0) for c in ORDER},
            "unmanaged": counts["unmanaged"],
            IGNORED: counts.get(IGNORED, 0),
        },
        "stacks": [
            {
                "stack": s.stack,
                "error": s.error,
                "groups": s.groups,
                "changes": [
                    {"kind": c.kind, "org": c.scope, "name": c.name, "id": c.id, "change": c.change,
                     "field": c.field, "declared": _json_value(c.declared), "live": _json_value(c.live),
                     "protected": c.protected, "refused": c.refused, "putBack": c.put_back, "accept": c.accept}
                    for c in s.changes
                ],
                "ignored": [
                    {"kind": c.kind, "org": c.scope, "name": c.name, "id": c.id, "field": c.field,
                     "declared": _json_value(c.declared), "live": _json_value(c.live)}
                    for c in s.ignored
                ],
            }
            for s in report.stacks
        ],
        "orgs": [
            {
                "orgKeys": o.org_keys,
                "orgId": o.org_id,
                "stacks": o.stacks,
                "listed": o.listed,
                "problem": o.problem,
                "unmanaged": [
                    {"kind": u.kind, "name": u.name, "id": u.id, "rank": u.rank, "active": u.active,
                     "lastUpdatedBy": _json_value(u.last_updated_by), "lastUpdatedOn": u.last_updated_on}
                    for u in o.unmanaged
                ],
            }
            for o in report.orgs
        ],
    }


def json_text(report: Report) -> str:
    return json.dumps(as_json(report), indent=2, sort_keys=False) + "\n"


def load_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
