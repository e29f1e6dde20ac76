"""``python -m pulumi_groups accept-drift --stack NAME [--dry-run]``

The other way out of drift: where ``deploy --up`` puts the declared values back, this writes the
live values of drifted declared groups into ``stacks/Pulumi.<stack>.yaml``, so that a change made
on purpose in the console (a rank raised for a campaign) becomes the declaration.

1. A preview-only refresh (``refresh --preview-only``: state untouched) finds the drift, as the
   drift check does.
2. For each drifted field it can accept (each kind's ``acceptable_fields``, in
   ``lifecycle/kinds.py``: rank, a reward group's active, a contact group's order, and a
   rename), the entry gets the live value. A console rename becomes ``name: <live>`` with the
   old name in ``previousNames`` (an alias: the engine renames nothing and replaces nothing); a
   contact entry keeps its resource name through
   ``key: <old name>`` instead, so that its children's ``parent:`` still names it. Fields under
   ``ignoreChanges`` are not drift and are left alone; a gone group, and a field whose change
   replaces the group (``team_id``), cannot be accepted here: they are listed with why.
3. The edited declarations are checked as the stack program checks them, and the file's text as
   ``export`` checks it (``stack_files``: read back and compared, comments and secure values kept,
   replaced atomically). Anything wrong: nothing is written and state is untouched.
4. A refresh of just the accepted groups (``--target``) takes their live values into state, then
   the file is written. The next ``preview`` shows no changes for them and, like every preview of
   this project, sends no request.

Exit code: 0 (written, or nothing to accept); 1 when the CLI is missing, the stack cannot be read,
or the file cannot be written safely; 2 with ``--dry-run`` when there is something to accept.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_groups.commands import drift, stack_files
from pulumi_groups.commands.automation import REFRESH, REFRESH_PREVIEW, AutomationApi
from pulumi_groups.commands.cli_support import INSTALL_HELP, find_pulumi, repo_root
from pulumi_groups.commands.deploy import failure_reason, ignored_properties
from pulumi_groups.program import stack_program
from pulumi_groups.program.declarations import KEY, PREVIOUS_NAMES, Declaration, DeclarationError, Plan


@dataclass
class Acceptance:
    """What accepting one run's drift does to a stack file."""

    stack_file: stack_files.StackFile
    written: list[str] = field(default_factory=list)  # one line per accepted field
    left: list[str] = field(default_factory=list)  # drift not accepted, each with why
    targets: list[str] = field(default_factory=list)  # URNs of the groups accepted


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_groups accept-drift",
        description="Write the live values of drifted declared groups into the stack file "
                    "(the other way out of drift: deploy --up puts the declared values back).",
    )
    parser.add_argument("--stack", required=True, help="stack name (stacks/Pulumi.<stack>.yaml)")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be written; change neither file nor state (exit 2 when there is some)")
    return parser.parse_args(argv)


def _plain_value(value: Any) -> Any:
    """Numbers come through the engine as floats: a whole one is written as an int."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _by_resource(plan: Plan) -> dict[str, Declaration]:
    """Declarations by their resource name, and by every earlier one (a rename not yet applied)."""
    found: dict[str, Declaration] = {}
    for declaration in plan.declarations:
        for name in declaration.aliases:
            found.setdefault(name, declaration)
    found.update({d.resource_name: d for d in plan.declarations})
    return found


def _entry(config: Any, declaration: Declaration) -> Any:
    """The stack file's entry of ``declaration`` (None when the file does not hold it as read)."""
    entries = config.get(declaration.kind.config_key)
    if not isinstance(entries, list) or declaration.index >= len(entries):
        return None
    entry = entries[declaration.index]
    return entry if isinstance(entry, dict) and entry.get("name") == declaration.name else None


def _accept_field(entry: Any, declaration: Declaration, name: str, live: Any) -> None:
    if name != "name":
        entry[name] = _plain_value(live)
        return
    if KEY in declaration.kind.extra_keys:
        # Contact groups: the key keeps the resource name, and the children's `parent:` with it.
        entry.setdefault(KEY, declaration.key)
    else:
        earlier = list(entry.get(PREVIOUS_NAMES) or [])
        entry[PREVIOUS_NAMES] = earlier + ([declaration.name] if declaration.name not in earlier else [])
    entry["name"] = live


def accept(stack_file: stack_files.StackFile, plan: Plan, findings: drift.StackFindings,
           urns: dict[str, str]) -> Acceptance:
    """Put the live values of ``findings``' acceptable rows into ``stack_file``'s document
    (``urns``: resource name -> URN, from the same events)."""
    result = Acceptance(stack_file)
    config = stack_file.config()
    declarations = _by_resource(plan)
    for row in findings.changes:
        label = f"{row.kind} {row.name!r} ({row.scope})"
        if row.accept is None:
            why = "it is gone" if row.change == drift.GONE else f"{row.field} cannot be accepted here"
            way = "`deploy --up` puts it back" if row.put_back else row.refused
            result.left.append(f"{label}: {why}; {way}")
            continue
        declaration = declarations.get(row.resource)
        entry = _entry(config, declaration) if declaration is not None else None
        if declaration is None or entry is None:
            result.left.append(f"{label}: no entry of {stack_file.path.name} declares {row.resource!r} as read")
            continue
        assert row.field is not None  # accept is only offered for a changed field
        _accept_field(entry, declaration, row.field, row.live)
        result.written.append(f"{declaration.where}: {row.field}: {row.declared!r} -> {row.live!r}")
        if urns.get(row.resource) and urns[row.resource] not in result.targets:
            result.targets.append(urns[row.resource])
    return result


def _checked_text(acceptance: Acceptance, stack: str, config: dict[str, str]) -> str:
    """The file's new text, once the edited declarations pass the stack program's checks and the
    text reads back as meant (``StackFile.checked_dump``); raises ``DeclarationError`` or
    ``stack_files.UnsafeWrite``."""
    edited = dict(config)
    for key, value in acceptance.stack_file.config().items():
        if str(key).startswith("pulumi-groups:") and isinstance(value, list):
            edited[str(key)] = json.dumps(stack_files.plain(value))
    stack_program.plan_from_config(stack, edited, dict(os.environ))
    return acceptance.stack_file.checked_dump()


def _run_and_accept(api: Any, stack: str, path: Path, config: dict[str, str], plan: Plan, operation: str,
                    targets: list[str] | None = None) -> Acceptance:
    events: list[Any] = []
    api.run(stack, operation, config_text=None, on_output=lambda line: print(f"[{stack}] {line}"),
            on_event=events.append, **({"targets": targets} if targets else {}))
    findings = drift.changes_from_events(stack, events, REFRESH, ignored_properties(stack, config, dict(os.environ)))
    urns = {group.resource: group.urn for group in drift.groups_seen(events).values()}
    acceptance = accept(stack_files.load(path), plan, findings, urns)
    for row in findings.ignored:
        acceptance.left.append(f"{row.kind} {row.name!r} ({row.scope}): {row.field} is under ignoreChanges: not drift, "
                               "left as declared")
    return acceptance


def main(argv: list[str], api_factory: Callable[[Path], Any] | None = None) -> int:
    args = _parse(argv)
    repo = repo_root()
    path = repo / "stacks" / f"Pulumi.{args.stack}.yaml"
    if not path.exists():
        print(f"accept-drift: no stack file {path}", file=sys.stderr)
        return 1
    if api_factory is None:
        pulumi = find_pulumi(repo)
        if pulumi is None:
            print(f"accept-drift needs the pulumi CLI (it refreshes through the Automation API).\n{INSTALL_HELP}",
                  file=sys.stderr)
            return 1
        api: Any = AutomationApi(repo, pulumi)
    else:
        api = api_factory(repo)
    try:
        config = api.read_config(args.stack)
        plan = stack_program.plan_from_config(args.stack, config, dict(os.environ))
        found = _run_and_accept(api, args.stack, path, config, plan, REFRESH_PREVIEW)
    except DeclarationError as exc:
        print(f"accept-drift: fix the declarations first:\n{exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the CLI's failure, said in one line
        print(f"accept-drift: stack {args.stack!r}: {failure_reason(exc)}; nothing was changed", file=sys.stderr)
        return 1
    for line in found.left:
        print(f"not accepted: {line}")
    if not found.written:
        print(f"accept-drift: no drift to accept in stack {args.stack!r}; {path} unchanged")
        return 0
    try:
        _checked_text(found, args.stack, config)
    except (DeclarationError, stack_files.UnsafeWrite) as exc:
        print(f"accept-drift: refusing to write: {exc}\nNothing was changed (file and state as they were).",
              file=sys.stderr)
        return 1
    if args.dry_run:
        for line in found.written:
            print(f"would accept: {line}")
        print(f"dry run: {path} and the state not changed")
        return 2

    # State takes in the live values of just these groups, then the file says the same.
    try:
        done = _run_and_accept(api, args.stack, path, config, plan, REFRESH, targets=found.targets)
    except Exception as exc:  # noqa: BLE001 - the CLI's failure, said in one line
        print(f"accept-drift: the refresh failed: {failure_reason(exc)}; {path} unchanged", file=sys.stderr)
        return 1
    try:
        _checked_text(done, args.stack, config)
        done.stack_file.save()
    except (DeclarationError, stack_files.UnsafeWrite) as exc:
        print(f"accept-drift: refusing to write: {exc}\nThe refresh took the live values into state; {path} is "
              "unchanged, so the next preview shows the declared values as updates (`deploy --up` puts them back).",
              file=sys.stderr)
        return 1
    for line in done.written:
        print(f"accepted: {line}")
    print(f"wrote {path}; next: `pulumi preview -s {args.stack}` shows no changes for these groups")
    return 0
