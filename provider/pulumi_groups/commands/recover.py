"""``python -m pulumi_groups recover --stack S``: the one command after an ``up`` that was killed
(a CI runner that timed out, a lost machine) before it recorded what it created.

A killed run leaves three things behind, and this command deals with each:

1. the backend's lock (``pulumi cancel``): run this only when no other run of the stack is
   going on;
2. with a file backend, sometimes a checkpoint cut off mid-write (``failed to load checkpoint``):
   the newest of the backend's own backups is imported (``pulumi stack import``);
3. the creates that were in flight, as *pending operations* in the state. The engine records
   one before it asks the provider to create the group, so it is the stack's own evidence that
   it was making that group. Whether the group landed is unknown, and a new run cannot tell a
   group it made from one made by hand, so it refuses to take one over. This command marks
   those declarations ``adopt: true`` in the stack file (your explicit consent, written where
   you can review it), and clears the pending operations. The next ``pulumi up`` then takes
   over each group that landed and creates the rest: nothing duplicated, nothing left behind.

Contact groups without a ``remote_id`` are not marked: WeSurvey names are not unique, so
adopting by name could take a hand-made group (the command names them; check and decide).

A large first ``up`` runs without intermediate checkpoints (``large_plan.py``) and so records no
pending operations; its create journal stands in for them (``journal_plan``; ``--create-journal``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from pulumi_groups.commands import stack_files
from pulumi_groups.commands.cli_support import cli_env, find_pulumi, repo_root
from pulumi_groups.commands.large_plan import KINDS, journal_path, not_in_state
from pulumi_groups.lifecycle import create_journal

# Resource type -> the stack config list that declares it.
LISTS = {
    "pulumi-python:dynamic/capillary:BadgeGroup": "pulumi-groups:badgeGroups",
    "pulumi-python:dynamic/capillary:RewardGroup": "pulumi-groups:rewardGroups",
    "pulumi-python:dynamic/wesurvey:ContactGroup": "pulumi-groups:contactGroups",
}
CHECKPOINT_CUT = "failed to load checkpoint"


class Pulumi:
    def __init__(self, binary: str, repo: Path, stack: str) -> None:
        self.binary, self.repo, self.stack = binary, repo, stack
        self.env = cli_env(binary)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([self.binary, *args, "--stack", self.stack, "--non-interactive"], cwd=self.repo,
                              env=self.env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise SystemExit(f"recover: pulumi {' '.join(args)} failed:\n{done.stderr.strip() or done.stdout.strip()}")
        return done


def newest_backup(env: dict[str, str], project: str, stack: str) -> Path | None:
    """The newest checkpoint backup of a file backend (``<backend>/.pulumi/backups/...``)."""
    url = env.get("PULUMI_BACKEND_URL", "")
    if not url.startswith("file://"):
        return None
    folder = Path(urlparse(url).path) / ".pulumi" / "backups" / project / stack
    backups = sorted(folder.glob(f"{stack}.*.json"), key=lambda p: int(p.name.split(".")[1]))
    return backups[-1] if backups else None


def load_state(pulumi: Pulumi, project: str) -> dict:
    exported = pulumi.run("stack", "export", check=False)
    if exported.returncode != 0 and CHECKPOINT_CUT in exported.stderr:
        backup = newest_backup(pulumi.env, project, pulumi.stack)
        if backup is None:
            raise SystemExit(f"recover: the stack's checkpoint is cut off ({exported.stderr.strip()}), and no "
                             "backup of a file backend was found: restore it with `pulumi stack import`")
        print(f"the stack's checkpoint was cut off by the killed run: importing the backend's backup {backup.name}")
        pulumi.run("stack", "import", "--file", str(backup), "--force")
        exported = pulumi.run("stack", "export", check=False)
    if exported.returncode != 0:
        raise SystemExit(f"recover: pulumi stack export failed:\n{exported.stderr.strip()}")
    return json.loads(exported.stdout)


# The stack's default org/account, as the stack program picks it (README, "Default org").
SCOPES = {
    "pulumi-groups:badgeGroups": ("capillary:orgs", "pulumi-groups:defaultOrg"),
    "pulumi-groups:rewardGroups": ("capillary:orgs", "pulumi-groups:defaultOrg"),
    "pulumi-groups:contactGroups": ("wesurvey:accounts", "pulumi-groups:defaultAccount"),
}


def default_scope(config, list_key: str) -> str | None:
    entries_key, choice_key = SCOPES[list_key]
    if config.get(choice_key):
        return str(config[choice_key])
    keys = list(config.get(entries_key) or {})
    if not keys:
        return "default"  # shorthand keys or the environment supply the key `default`
    return keys[0] if len(keys) == 1 else None


def matching_entries(entries: list, inputs: dict, default: str | None) -> list:
    """Declarations of the group a pending create was making: same name, and the org/account it
    was resolved to (an entry without one targets the stack's default)."""
    scope = inputs.get("org") or inputs.get("account")
    found = []
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("name") != inputs.get("name"):
            continue
        named = entry.get("org", entry.get("account"))
        if (named if named is not None else default) != scope:
            continue
        if "team_id" in inputs and entry.get("team_id") not in (None, inputs["team_id"]):
            continue
        found.append(entry)
    return found


def plan(state: dict, config) -> tuple[list[tuple[str, dict]], list[str]]:
    """(list key, entry) to mark ``adopt: true``, and what cannot be marked (with why)."""
    marks, refused = [], []
    for op in state.get("deployment", {}).get("pending_operations", []) or []:
        resource = op.get("resource", {})
        key = LISTS.get(resource.get("type", ""))
        if op.get("type") != "creating" or key is None:
            continue
        inputs = resource.get("inputs", {})
        urn_name = resource.get("urn", "").split("::")[-1]
        if key.endswith("contactGroups") and not inputs.get("remote_id"):
            refused.append(f"{urn_name}: a contact group without remote_id (names are not unique in WeSurvey): "
                           "look in the team for it; delete a duplicate or set adopt: true yourself")
            continue
        entries = matching_entries(config.get(key), inputs, default_scope(config, key))
        if len(entries) != 1:
            refused.append(f"{urn_name}: {len(entries)} declarations in {key} match it; "
                           "set adopt: true on the right one")
            continue
        marks.append((key, entries[0]))
    return marks, refused


def journal_plan(entries: list[dict], state: dict, config) -> tuple[list[tuple[str, dict]], list[str]]:
    """As ``plan``, from a create journal (``lifecycle/create_journal.py``) instead of pending
    operations: a run without intermediate checkpoints leaves none. Each line names a create whose
    key was free before that run, so a group with it now is the stack's own; lines whose group is
    in state already need nothing."""
    marks, refused = [], []
    for line in not_in_state(entries, state):
        list_key = f"pulumi-groups:{KINDS[line['kind']][0]}" if line.get("kind") in KINDS else None
        if list_key is None:
            continue
        label = f"{line['kind']} {line.get('name')!r} (create journal)"
        if list_key.endswith("contactGroups") and not line.get("key"):
            refused.append(f"{label}: a contact group without remote_id (names are not unique in WeSurvey): "
                           "look in the team for it; delete a duplicate or set adopt: true yourself")
            continue
        found = matching_entries(config.get(list_key), line, default_scope(config, list_key))
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
    pulumi = Pulumi(binary, repo, args.stack)
    project = "pulumi-groups"

    pulumi.run("cancel", "--yes", check=False)  # no lock left is fine too
    state = load_state(pulumi, project)
    stack_file = stack_files.load(args.stack_file or repo / "stacks" / f"Pulumi.{args.stack}.yaml")
    marks, refused = plan(state, stack_file.config())
    journal = args.create_journal or journal_path(repo, args.stack, pulumi.env)
    journaled, journal_refused = journal_plan(create_journal.read(journal), state, stack_file.config())
    marks += [mark for mark in journaled if not any(mark[1] is entry for _, entry in marks)]
    refused += journal_refused
    changed = [entry for _, entry in marks if entry.get("adopt") is not True]
    for entry in changed:
        entry["adopt"] = True
    if changed:
        stack_file.save()
    if journal.exists() and not journal_refused:
        journal.unlink()  # its creates are marked now: the next up takes over or creates each
    pending = state.get("deployment", {}).get("pending_operations") or []
    if pending:
        pulumi.run("refresh", "--clear-pending-creates", "--yes", "--skip-preview")
    for key, entry in marks:
        print(f"marked adopt: true: {key} {entry.get('name')!r}")
    for line in refused:
        print(f"not marked: {line}")
    print(f"{len(pending)} pending operation(s) cleared; next: pulumi up --stack {args.stack}"
          + (" (review the adopt: true entries first)" if marks else ""))
    return 1 if refused else 0
