"""``python -m pulumi_groups recover --stack S``: the one command after an ``up`` that was killed
(a CI runner that timed out, a lost machine) before it recorded what it created.

A killed run leaves three things behind, and this command deals with each:

1. with a file backend, now and then a cut ``.attrs`` sidecar beside the checkpoint (or the
   lock, or a history file): every read of the stack then fails with ``failed to load
   checkpoint``, although the checkpoint itself is whole (see ``file_backend``). The cut sidecar
   is removed once the checkpoint is known to parse. The checkpoint is never replaced: a backup
   (``.bak``, ``.pulumi/backups/``) is older than what the killed run recorded;
2. the backend's lock (``pulumi cancel``): run this only when no other run of the stack is
   going on;
3. the creates that were in flight, as *pending operations* in the state. The engine records
   one before it asks the provider to create the group, so it is the stack's own evidence that
   it was making that group. Whether the group landed is unknown, and a new run cannot tell a
   group it made from one made by hand, so it refuses to take one over. This command marks
   those declarations ``adopt: true`` in the stack file (your explicit consent, written where
   you can review it), and clears the pending operations. The next ``pulumi up`` then takes
   over each group that landed and creates the rest: nothing duplicated, nothing left behind.

Contact groups without a ``remote_id`` are not marked: WeSurvey names are not unique, so
adopting by name could take a hand-made group (the command names them; check and decide).
Nor is a badge or reward group that another stack file of the project declares for the same org
(told by host and username / client key, ``org_identity``; nothing is decrypted): adopting it
would give one group two owning stacks, and either one's destroy would deactivate it.

Ctrl-C reaches the step of the CLI that is running, which finishes as it does on its own; the
command then stops (exit 130) and can be run again.

A large first ``up`` runs without intermediate checkpoints (``large_plan.py``) and so records no
pending operations; its create journal stands in for them (``journal_plan``; ``--create-journal``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pulumi_groups.commands import file_backend, org_identity, org_listings, stack_files
from pulumi_groups.commands.cli_process import INTERRUPTED_EXIT, Interrupted, Interrupts
from pulumi_groups.commands.cli_support import cli_env, find_pulumi, repo_root
from pulumi_groups.commands.large_plan import journal_path, journaled_kinds, not_in_state
from pulumi_groups.lifecycle import create_journal, kinds


def lists() -> dict[str, str]:
    """Resource type -> the stack config list that declares it: every registered kind."""
    return {kind.type_token: kind.config_key for kind in kinds.registered()}


def listed_kinds() -> dict[str, str]:
    """The lists of the kinds org listings cover -> the kind name they are listed under (another
    stack file may declare the same group for the same org)."""
    return {kind.config_key: kind.name for kind in kinds.listed_per_org()}


def scopes() -> dict[str, tuple[str, str]]:
    """Each list -> where its orgs (accounts) are configured and the setting naming the default."""
    return {kind.config_key: (kind.scope.entries_key, kind.scope.default_key) for kind in kinds.registered()}

PROJECT = "pulumi-groups"


class Pulumi:
    def __init__(self, binary: str, repo: Path, stack: str, interrupts: Interrupts) -> None:
        self.binary, self.repo, self.stack = binary, repo, stack
        self.env = cli_env(binary)
        self.interrupts = interrupts

    def _run(self, args: list[str]) -> subprocess.CompletedProcess:
        done = self.interrupts.run([self.binary, *args, "--non-interactive"], cwd=self.repo, env=self.env,
                                   capture_output=True, text=True)
        if self.interrupts.interrupted:
            raise Interrupted(f"interrupted during `pulumi {' '.join(args)}` (it finished as it does on Ctrl-C)")
        return done

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """One CLI step on the stack; :class:`Interrupted` after a step Ctrl-C reached (it was
        let finish)."""
        done = self._run([*args, "--stack", self.stack])
        if check and done.returncode != 0:
            raise SystemExit(f"recover: pulumi {' '.join(args)} failed:\n{done.stderr.strip() or done.stdout.strip()}")
        return done

    def backend_root(self) -> Path | None:
        """The folder of the stack's backend when it is a file backend (``pulumi whoami``)."""
        who = self._run(["whoami", "--json"])
        if who.returncode != 0:
            return None
        try:
            return file_backend.root_of(str(json.loads(who.stdout).get("url", "")))
        except ValueError:
            return None


def repair_file_backend(pulumi: Pulumi) -> None:
    root = pulumi.backend_root()
    if root is None:
        return
    try:
        repaired = file_backend.repair(root, PROJECT, pulumi.stack)
    except file_backend.CheckpointUnreadable as exc:
        raise SystemExit(
            f"recover: the stack's checkpoint is damaged: {exc}. Nothing was changed. Its .bak and the "
            "files in .pulumi/backups/ are older states: importing one (pulumi stack import) drops what "
            "was recorded since, so look at the checkpoint first") from None
    for sidecar in repaired.removed:
        print(f"removed a sidecar the killed run cut off mid-write (the file beside it is whole): {sidecar}")


def load_state(pulumi: Pulumi) -> dict:
    return json.loads(pulumi.run("stack", "export").stdout)


def default_scope(config, list_key: str) -> str | None:
    """The stack's default org/account, as the stack program picks it (docs/stacks.md, "Default org")."""
    entries_key, choice_key = scopes()[list_key]
    if config.get(choice_key):
        return str(config[choice_key])
    keys = list(config.get(entries_key) or {})
    if not keys:
        return "default"  # shorthand keys or the environment supply the key `default`
    return keys[0] if len(keys) == 1 else None


def matching_entries(entries: list, inputs: dict, default: str | None, scope_field: str) -> list:
    """Declarations of the group a pending create was making: same name, and the org/account it
    was resolved to (an entry without one targets the stack's default)."""
    scope = inputs.get(scope_field)
    found = []
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("name") != inputs.get("name"):
            continue
        named = entry.get(scope_field)
        if (named if named is not None else default) != scope:
            continue
        if "team_id" in inputs and entry.get("team_id") not in (None, inputs["team_id"]):
            continue
        found.append(entry)
    return found


def plan(state: dict, config, others: Sequence[org_listings.StackOrgs] = (),
         identities: org_identity.Identities | None = None) -> tuple[list[tuple[str, dict]], list[str]]:
    """(list key, entry) to mark ``adopt: true``, and what cannot be marked (with why).
    ``others``: the project's other stacks; ``identities``: this stack's orgs by key."""
    marks, refused = [], []
    by_list, claimable = lists(), listed_kinds()
    for op in state.get("deployment", {}).get("pending_operations", []) or []:
        resource = op.get("resource", {})
        key = by_list.get(resource.get("type", ""))
        if op.get("type") != "creating" or key is None:
            continue
        kind = kinds.by_list(key)
        assert kind is not None  # lists() holds registered kinds only
        inputs = resource.get("inputs", {})
        urn_name = resource.get("urn", "").split("::")[-1]
        if not kind.provider().unique_key_enforced(inputs):
            refused.append(f"{urn_name}: a {kind.label} without {kind.unique_with or 'a unique key'}: adopting it "
                           "could take a hand-made group; look for it, delete a duplicate or set adopt: true yourself")
            continue
        entries = matching_entries(config.get(key), inputs, default_scope(config, key), kind.scope.field)
        if len(entries) != 1:
            refused.append(f"{urn_name}: {len(entries)} declarations in {key} match it; "
                           "set adopt: true on the right one")
            continue
        claimants = org_listings.declaring(others, claimable[key], str(inputs.get("name")),
                                           (identities or {}).get(str(inputs.get("org")))) if key in claimable else []
        if claimants:
            refused.append(f"{urn_name}: {', '.join(claimants)} declare(s) this name for the same org (or may: "
                           "their org is encrypted); decide which stack owns the group, and set adopt: true there")
            continue
        marks.append((key, entries[0]))
    return marks, refused


def marks_for(state: dict, stack_file: stack_files.StackFile) -> tuple[list[tuple[str, dict]], list[str]]:
    """``plan`` with this stack's orgs and the project's other stack files, read from their
    plaintext (no secret is decrypted to tell orgs apart)."""
    own = stack_file.path.resolve()
    others, problems = org_listings.project_stacks(own.parent, skip={stack_files.stack_name(own)})
    identities = org_identity.capillary_orgs(stack_files.plaintext_config(stack_file).values)
    for problem in problems:
        print(f"recover: warning: {problem}", file=sys.stderr)
    return plan(state, stack_file.config(), others, identities)


def mark_adopted(stack_file: stack_files.StackFile, marks: list[tuple[str, dict]]) -> None:
    """Set ``adopt: true`` on the marked declarations and write the file (``UnsafeWrite``: not
    written), through the writer ``export`` uses too."""
    config = stack_file.config()
    adopted: dict[str, list[int]] = {}
    for key, entry in marks:
        if entry.get("adopt") is not True:
            entry["adopt"] = True
            adopted.setdefault(key, []).append(next(i for i, e in enumerate(config[key]) if e is entry))
    if adopted:
        stack_file.save(adopted=adopted)
def journal_plan(entries: list[dict], state: dict, config) -> tuple[list[tuple[str, dict]], list[str]]:
    """As ``plan``, from a create journal (``lifecycle/create_journal.py``) instead of pending
    operations: a run without intermediate checkpoints leaves none. Each line names a create whose
    key was free before that run, so a group with it now is the stack's own; lines whose group is
    in state already need nothing."""
    marks, refused = [], []
    by_label = journaled_kinds()
    for line in not_in_state(entries, state):
        kind = by_label.get(str(line.get("kind")))
        if kind is None:
            continue
        list_key = kind.config_key
        label = f"{line['kind']} {line.get('name')!r} (create journal)"
        if kind.unique_with and not line.get("key"):
            refused.append(f"{label}: a {kind.label} without {kind.unique_with}: adopting it could take a "
                           "hand-made group; look for it, delete a duplicate or set adopt: true yourself")
            continue
        found = matching_entries(config.get(list_key), line, default_scope(config, list_key), kind.scope.field)
        if len(found) != 1:
            refused.append(f"{label}: {len(found)} declarations in {list_key} match it; "
                           "set adopt: true on the right one")
            continue
        marks.append((list_key, found[0]))
    return marks, refused


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_groups recover", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--stack-file", type=Path, help="default: stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--create-journal", type=Path,
                        help="a large run's create journal (default: where that run put it, see large_plan.py)")
    args = parser.parse_args(argv)
    repo = repo_root()
    binary = find_pulumi(repo)
    if binary is None:
        print("recover needs the pulumi CLI: run `make cli` first", file=sys.stderr)
        return 1
    with Interrupts() as interrupts:
        try:
            return recover(Pulumi(binary, repo, args.stack, interrupts), args.stack_file, args.create_journal)
        except Interrupted as stopped:
            print(f"recover: {stopped}; run it again to finish", file=sys.stderr)
            return INTERRUPTED_EXIT


def recover(pulumi: Pulumi, stack_file_path: Path | None, journal_file: Path | None = None) -> int:
    repair_file_backend(pulumi)
    pulumi.run("cancel", "--yes", check=False)  # no lock left is fine too
    state = load_state(pulumi)
    stack_file = stack_files.load(stack_file_path or pulumi.repo / "stacks" / f"Pulumi.{pulumi.stack}.yaml")
    marks, refused = marks_for(state, stack_file)
    journal = journal_file or journal_path(pulumi.repo, pulumi.stack, pulumi.env)
    journaled, journal_refused = journal_plan(create_journal.read(journal), state, stack_file.config())
    marks += [mark for mark in journaled if not any(mark[1] is entry for _, entry in marks)]
    refused += journal_refused
    try:
        mark_adopted(stack_file, marks)
    except stack_files.UnsafeWrite as unsafe:
        # The pending operations (or the journal) are the only record of those creates: keep them
        # for a run after the file is fixed (by hand, or simplified so that it can be written).
        print(f"recover: {unsafe}; the file is unchanged and the pending operations are kept. Set adopt: true "
              "by hand on: " + ", ".join(f"{key} {entry.get('name')!r}" for key, entry in marks), file=sys.stderr)
        return 1
    if journal.exists() and not journal_refused:
        journal.unlink()  # its creates are marked now: the next up takes over or creates each
    pending = state.get("deployment", {}).get("pending_operations") or []
    if pending:
        pulumi.run("refresh", "--clear-pending-creates", "--yes", "--skip-preview")
    for key, entry in marks:
        print(f"marked adopt: true: {key} {entry.get('name')!r}")
    for line in refused:
        print(f"not marked: {line}")
    print(f"{len(pending)} pending operation(s) cleared; next: pulumi up --stack {pulumi.stack}"
          + (" (review the adopt: true entries first)" if marks else ""))
    return 1 if refused else 0
