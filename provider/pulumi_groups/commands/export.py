"""``python -m pulumi_groups export --org KEY [--stack-file FILE] [--stack NAME] [--dry-run]
[--only-unmanaged [--report DRIFT.json]]``

Bootstraps a stack from a live org: lists every group of the org, of each kind an org listing
covers (``list_org`` in ``lifecycle/kinds.py``: badge and reward groups; all pages, 100 a
page), and merges them into the stack file's declarations with ``adopt: true``, so the first
``pulumi up`` takes them over instead of failing on "name must be unique".

- Credentials come from the stack's config, read through the Automation API when the ``pulumi``
  CLI is there (it decrypts secrets with the stack's secrets provider), else from the file's
  plaintext values; the environment (``CAPILLARY_*``) is the last fallback for the org
  ``default``, as in the provider. Nothing read is ever printed.
- Merging is by (org, name): an entry already declared is left exactly as it is (the next
  preview shows any difference to the live group as an update); new entries are appended,
  sorted by name, always with ``org:`` (an entry that names its org keeps it whatever orgs are
  added later); inactive reward groups get ``active: false``. Existing entries without ``org:``
  count for the stack's default org (its only org, or the one ``pulumi-groups:defaultOrg``
  names), as in the stack program.
- ``--only-unmanaged`` adds only the groups no stack manages: those a ``deploy --json`` report
  lists as unmanaged (``--report``, matched by id), else every listed group; either way never a
  group another stack file of the project declares for the same org (or, with the CLI, whose id
  another stack's state records). The org is told by host and username / client key
  (``org_identity``), so a stack file whose password is encrypted counts like any other; nothing
  is decrypted for it (see ``unmanaged_only``).
- The file keeps its comments, order, ``encryptionsalt`` and secure values, and is replaced in
  one atomic rename.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_groups.capillary import settings as capillary_settings
from pulumi_groups.commands import cli_yaml, org_identity, org_listings, stack_files
from pulumi_groups.commands.cli_support import find_pulumi
from pulumi_groups.errors import GroupsError
from pulumi_groups.lifecycle import kinds, ownership
from pulumi_groups.lifecycle.schema import nfc
from pulumi_groups.program import declarations
from pulumi_groups.program.declarations import PREVIOUS_NAMES, Kind, entry_problems


@dataclass
class Merged:
    """What a merge did to one list."""

    listed: int = 0
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already declared: left untouched
    differs: list[str] = field(default_factory=list)  # already declared with other values than live
    renamed: list[str] = field(default_factory=list)  # a declared entry's previous name: a rename not applied yet
    left_out: list[str] = field(default_factory=list)  # names the stack program would refuse, with why
    inactive: int = 0


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_groups export",
        description="Write an org's existing groups (badge, reward...) into a stack file "
                    "as declarations with adopt: true.",
    )
    parser.add_argument("--org", required=True, help="org key in capillary:orgs (or 'default')")
    parser.add_argument("--stack", help="stack name (default: from --stack-file, else the org key)")
    parser.add_argument("--stack-file", type=Path, help="stack file (default: stacks/Pulumi.<stack>.yaml)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be added; write nothing")
    parser.add_argument("--only-unmanaged", action="store_true",
                        help="add only groups no stack of the project declares (see --report)")
    parser.add_argument("--report", type=Path, metavar="DRIFT.json",
                        help="with --only-unmanaged: the unmanaged groups of a `deploy --json` report (matched by id)")
    args = parser.parse_args(argv)
    if args.report is not None and not args.only_unmanaged:
        parser.error("--report goes with --only-unmanaged")
    if args.stack is None:
        name = args.stack_file.name if args.stack_file else ""
        named = name.startswith("Pulumi.") and name.endswith(".yaml")
        args.stack = name[len("Pulumi."):-len(".yaml")] if named else args.org
    if args.stack_file is None:
        args.stack_file = Path("stacks") / f"Pulumi.{args.stack}.yaml"
    return args


def _project_dir(stack_file: Path) -> Path | None:
    """The Pulumi project a stack file belongs to (``Pulumi.yaml`` beside it or one level up)."""
    folder = stack_file.resolve().parent
    for candidate in (folder, folder.parent):
        if (candidate / "Pulumi.yaml").exists():
            return candidate
    return None


def config_from_cli(project: Path, stack: str) -> dict[str, str]:
    """The stack's whole config, secrets decrypted, through the Automation API (needs the CLI)."""
    from pulumi_groups.commands.automation import AutomationApi

    pulumi = find_pulumi(project)
    assert pulumi is not None
    return AutomationApi(project, pulumi).read_config(stack)


def read_config(stack: str, stack_file: stack_files.StackFile) -> tuple[dict[str, str], list[str]]:
    """``(config, secret paths that could not be read)``: the CLI when it is there, else the file."""
    project = _project_dir(stack_file.path)
    if project is not None and find_pulumi(project) is not None:
        try:
            config = config_from_cli(project, stack)
            print(f"credentials: stack {stack!r} config, read through the pulumi CLI")
            return config, []
        except Exception as exc:  # noqa: BLE001 - e.g. stack not initialised, wrong passphrase
            first_line = next((line for line in str(exc).splitlines() if "error" in line.lower()), type(exc).__name__)
            print(f"could not read stack {stack!r} through the pulumi CLI ({first_line.strip()[:160]}); "
                  f"using the plaintext values of {stack_file.path} and the environment")
    plain = stack_files.plaintext_config(stack_file)
    print(f"credentials: plaintext values of {stack_file.path}, then CAPILLARY_* for the org 'default'")
    return plain.values, plain.secret_paths


def _key(org: Any, name: Any) -> tuple[Any, Any]:
    """How names are compared when merging: in NFC, as the provider compares them."""
    return (org, nfc(name) if isinstance(name, str) else name)


def _declared(entries: list, default_org: str | None) -> tuple[dict[tuple, Any], set[tuple]]:
    """``(declared, earlier)``: every entry by (org, name), and the (org, name) pairs entries say
    they were (``previousNames`` / ``previousOrg``): until the next up applies that rename, the
    org still shows the old name, which is the same group, not a new one."""
    declared: dict[tuple, Any] = {}
    earlier: set[tuple] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        org = entry.get("org") or default_org
        declared.setdefault(_key(org, entry.get("name")), entry)
        previous = entry.get(PREVIOUS_NAMES)
        names = [entry.get("name"), *(previous if isinstance(previous, list) else [])]
        for scope in (org, entry.get("previousOrg") or org):
            earlier |= {_key(scope, name) for name in names}
    return declared, earlier


def _flow_entry(**values: Any):
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap((k, v) for k, v in values.items() if v is not None)
    entry["name"] = cli_yaml.quoted(entry["name"])  # `'0X1F'`: the pulumi CLI would read 31
    entry.fa.set_flow_style()  # one line per group: `- {name: GOLD, rank: 3, adopt: true}`
    return entry


def merge_list(config: Any, kind: Kind, org: str, default_org: str | None, live: list[dict]) -> Merged:
    """Append an entry for each live group not yet declared in ``org``; never touch the others.
    A group whose entry the stack program would refuse is left out (``Merged.left_out``)."""
    from ruamel.yaml.comments import CommentedSeq

    list_key = kind.config_key
    merged = Merged(listed=len(live))
    entries = config.get(list_key)
    if entries is None:
        entries = config[list_key] = CommentedSeq()
    if not isinstance(entries, list):
        raise ValueError(f"{list_key} in the stack file is not a list (is it a secret?): cannot merge into it")
    declared, earlier = _declared(entries, default_org)
    new = []
    for group in sorted(live, key=lambda g: (str(g.get("name")).casefold(), str(g.get("name")))):
        name = group.get("name")
        if not isinstance(name, str) or not name:
            continue
        entry = kind.group.export_entry(group)
        if _key(org, name) not in declared and _key(org, name) in earlier:
            merged.renamed.append(name)
            continue
        if _key(org, name) in declared:
            merged.kept.append(name)
            existing = declared[_key(org, name)]
            defaults = kind.group.defaults()
            different = [k for k in entry if k != "name" and existing.get(k, defaults.get(k)) != entry[k]]
            if different:
                fields = ", ".join(f"{k}: declared {existing.get(k)}, live {entry[k]}" for k in different)
                merged.differs.append(f"{name!r} ({fields})")
            continue
        if name in merged.added:
            continue  # a vendor listing a name twice: one declaration is enough
        candidate = _flow_entry(name=name, **{k: v for k, v in entry.items() if k != "name"}, org=org, adopt=True)
        refused = entry_problems(kind, plain_entry(candidate), org)
        if refused:
            # Written, it would fail every later preview of the stack: list it instead.
            merged.left_out += [f"{name!r}: {problem.split(': ', 1)[-1]}" for problem in refused]
            continue
        if "active" in entry and entry["active"] is False:
            merged.inactive += 1
        new.append(candidate)
        merged.added.append(name)
    entries.extend(new)
    return merged


def plain_entry(entry: Any) -> dict:
    """An entry as the stack program receives it (config values reach it as JSON)."""
    return {str(key): stack_files.plain(value) for key, value in entry.items()}


def _state_reader(stack_file: Path):
    """``recorded_state(stack)`` through the CLI where it is there (other stacks' recorded ids),
    else None: the other stack files alone then say what is declared."""
    project = _project_dir(stack_file)
    pulumi = find_pulumi(project) if project is not None else None
    if project is None or pulumi is None:
        return None
    from pulumi_groups.commands.automation import AutomationApi

    return AutomationApi(project, pulumi).recorded_state


def owned_elsewhere(org, stack_file: Path, org_id: object = None) -> org_listings.Owned:
    """What every other stack file beside ``stack_file`` declares for this org (and, with the
    CLI, what their states record): the org told apart by ``org_identity``, never a secret."""
    own = stack_file.resolve()
    others, problems = org_listings.project_stacks(own.parent, skip={stack_files.stack_name(own)},
                                                   state_of=_state_reader(stack_file))
    for problem in problems:
        print(f"--only-unmanaged: {problem}")
    found = org_listings.owned(others, org_identity.of_org(org), org_id)
    if found.uncertain:
        print(f"--only-unmanaged: {', '.join(sorted(found.uncertain))}: host or user encrypted, so the org is not "
              "known: the groups declared there are left out too")
    return found


def unmanaged_only(org, args: argparse.Namespace, listed: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The listed groups that are unmanaged.

    With ``--report`` (a ``deploy --json`` file): the groups it lists as unmanaged in this org,
    by id — a group renamed in the console is matched to its stack by id there, so it is never
    declared twice. Either way a group another stack file of the project declares for the same
    org (by name; by id where the CLI reaches its state) is left out: it is that stack's, and
    two stacks owning one group would each deactivate it on destroy.
    """
    import json

    every = [g for groups in listed.values() for g in groups]
    if args.report is not None:
        data = json.loads(args.report.read_text(encoding="utf-8"))
        if data.get("schema") != "pulumi-groups/drift-report" or data.get("version") != 1:
            raise ValueError(f"{args.report} is not a pulumi-groups drift report of version 1 (deploy --json)")
        wanted = {(u["kind"], str(u["id"])) for o in data["orgs"] if args.org in o["orgKeys"] for u in o["unmanaged"]}
        if not any(args.org in o["orgKeys"] for o in data["orgs"]):
            raise ValueError(f"{args.report} has no org keyed {args.org!r}: run deploy on a stack using it")
        listed = {kind: [g for g in groups if (kind, str(g.get("id"))) in wanted] for kind, groups in listed.items()}
    org_id = next((g.get("orgId") for g in every if g.get("orgId") is not None), None)
    elsewhere = owned_elsewhere(org, args.stack_file, org_id)
    kept = {kind: [g for g in groups if ownership.is_unmanaged(g, kind, elsewhere.ids[kind], elsewhere.names[kind])]
            for kind, groups in listed.items()}
    left_out = sum(len(listed[kind]) - len(kept[kind]) for kind in listed)
    print(f"--only-unmanaged: left out {left_out} group(s) that other stack files of this org declare "
          f"({' and '.join(f'{len(elsewhere.names[kind])} {kind}' for kind in listed)} names)"
          + ("" if args.report else "; give --report DRIFT.json to match this stack's own renamed groups by id"))
    return kept


def _describe(kind: str, merged: Merged) -> str:
    text = (f"{merged.listed} {kind}s listed, {len(merged.added)} added, "
            f"{len(merged.kept)} already declared (left as they are)")
    if merged.inactive:
        text += f", {merged.inactive} added as inactive"
    return text


def main(argv: list[str]) -> int:
    args = _parse(argv)
    try:
        stack_file = stack_files.load(args.stack_file)
    except (OSError, ValueError) as exc:
        print(f"export: cannot read {args.stack_file}: {exc}", file=sys.stderr)
        return 1
    config, unreadable = read_config(args.stack, stack_file)
    capillary = capillary_settings.load(config, os.environ)
    org = capillary.orgs.get(args.org)
    if org is None:
        problem = capillary.problem_for(args.org)
        secret_note = ""
        ours = [path for path in unreadable if path.startswith("capillary:")]
        if ours:
            secret_note = (f"\n  {', '.join(ours)} is encrypted and the pulumi CLI is needed to decrypt it: install it "
                           "(see `python -m pulumi_groups demo`) and run this again, with PULUMI_CONFIG_PASSPHRASE "
                           "(or your secrets provider) set as for `pulumi up`")
        print(f"export: {problem}{secret_note}", file=sys.stderr)
        return 1

    from pulumi_groups.capillary.client import client_for

    client = client_for(org)
    listed_kinds = [declarations.Kind(kind) for kind in kinds.listed_per_org()]
    try:
        listed = {kind.name_part: kinds.list_org(kind.group, client) for kind in listed_kinds}
    except GroupsError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1

    if args.only_unmanaged:
        try:
            listed = unmanaged_only(org, args, listed)
        except (OSError, ValueError) as exc:
            print(f"export: {exc}", file=sys.stderr)
            return 1

    # Entries without `org:` belong to the stack's default org, as in the stack program.
    default_org = capillary.default_key()
    section = stack_file.config()
    declared_before = {kind.config_key: len(section.get(kind.config_key) or []) for kind in listed_kinds}
    try:
        results = [merge_list(section, kind, args.org, default_org, listed[kind.name_part]) for kind in listed_kinds]
    except ValueError as exc:
        print(f"export: {args.stack_file}: {exc}", file=sys.stderr)
        return 1

    for kind, result in zip(listed_kinds, results, strict=True):
        print(f"org {args.org!r}: {_describe(kind.label, result)}")
    for name in [name for result in results for name in result.differs]:
        print(f"  declared differently from the live group (the next up changes the org to match the file): {name}")
    for name in [name for result in results for name in result.renamed]:
        print(f"  not added: {name!r} is the previous name of a declared entry (a rename the next up applies)")
    left_out = [line for result in results for line in result.left_out]
    for line in left_out:
        print(f"export: left out (the stack program would refuse it; rename the group in the console): {line}",
              file=sys.stderr)
    # Exit 2: the file holds everything else, and the groups named above need a person.
    done = 2 if left_out else 0
    if args.dry_run:
        print(f"dry run: {args.stack_file} not written")
        return done
    appended = {key: list(section[key][count:]) for key, count in declared_before.items()}
    try:
        stack_file.save(appended=appended)
    except stack_files.UnsafeWrite as exc:
        print(f"export: refusing to write: {exc}; the file is unchanged. Add the groups above by hand, "
              "or simplify the comments in that list and run export again", file=sys.stderr)
        return 1
    print(f"wrote {args.stack_file}; next: `pulumi preview -s {args.stack}` (the first up adopts these groups)")
    return done
