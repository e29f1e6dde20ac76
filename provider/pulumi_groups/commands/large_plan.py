"""The first ``up`` of a large org on a self-managed backend: fast, and still safe to kill.

Why: a self-managed (DIY) backend, file, S3-compatible, Azure Blob, GCS and PostgreSQL alike,
writes the stack's whole checkpoint after every step (Pulumi Cloud alone journals), so a run's
cost grows with the square of its steps: 1,000 no-op resources take about ten times as long as
with ``PULUMI_SKIP_CHECKPOINTS=true``, which writes the checkpoint once, when the run ends (also
after a failure or Ctrl-C). What that costs is safety: a run killed (SIGKILL, a lost runner)
leaves nothing in state, not even the pending operations ``recover`` reads.

So an ``up`` through ``python -m pulumi_groups pulumi`` or ``deploy --up`` whose plan is large
(at least ``PULUMI_GROUPS_LARGE_PLAN`` declarations, default 200, are not in state yet: a new
org, or the first ``up`` after ``export``) runs without intermediate checkpoints, and with the
provider's create journal on (``lifecycle/create_journal.py``): a durable line per create, written
before it is sent, only for keys that were free before the run. After a kill,
``python -m pulumi_groups recover --stack S`` reads that journal and marks those declarations
``adopt: true``; the next ``up`` takes over the groups that landed and creates the rest. A plan
that only adopts needs no journal at all (a rerun adopts the same groups), but it costs nothing.

Smaller plans keep the engine's checkpoints. A choice the user made wins: an explicit
``PULUMI_SKIP_CHECKPOINTS`` (``false`` keeps checkpoints for any plan) and
``PULUMI_GROUPS_CREATE_JOURNAL`` (where the journal goes) are left as they are.

The journal lives beside a file backend's state (``<backend>/.pulumi-groups/<stack>.create-journal``)
or, with any other backend, in ``.pulumi-groups/`` of the repository. It must outlive the run: a
CI runner that is thrown away with its workspace loses it (name a persisted path in
``PULUMI_GROUPS_CREATE_JOURNAL``, or keep checkpoints there). A run that ends removes it once
every create it names is in state; while it names a create that is not, no large ``up`` starts
(``recover`` first).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pulumi_groups.lifecycle import create_journal, kinds

SKIP_CHECKPOINTS = "PULUMI_SKIP_CHECKPOINTS"
THRESHOLD_ENV = "PULUMI_GROUPS_LARGE_PLAN"
DEFAULT_THRESHOLD = 200


def journaled_kinds() -> dict[str, kinds.GroupKind]:
    """Each registered kind by the name its journal lines carry (``"badge group"``)."""
    return {kind.label: kind for kind in kinds.registered()}


def threshold(env: Mapping[str, str]) -> int:
    try:
        return max(1, int(env.get(THRESHOLD_ENV, "") or DEFAULT_THRESHOLD))
    except ValueError:
        return DEFAULT_THRESHOLD


def journal_path(repo: Path, stack: str, env: Mapping[str, str]) -> Path:
    """Where a large run's journal goes (and where ``recover`` looks): the user's choice, else
    beside a file backend's state, else in the repository."""
    chosen = env.get(create_journal.ENV, "").strip()
    if chosen:
        return Path(chosen)
    url = env.get("PULUMI_BACKEND_URL", "")
    base = Path(urlparse(url).path) if url.startswith("file://") else repo
    return base / ".pulumi-groups" / f"{stack}.create-journal"


def declared_count(config: Mapping[str, Any]) -> int:
    """Entries in the stack's declaration lists (values as the stack file holds them, or as JSON
    text as the Automation API returns them)."""
    total = 0
    for kind in kinds.registered():
        entries = config.get(kind.config_key)
        if isinstance(entries, str):
            try:
                entries = json.loads(entries)
            except ValueError:
                entries = None
        total += len(entries) if isinstance(entries, list) else 0
    return total


def groups_in_state(state: Mapping[str, Any]) -> list[dict]:
    """The inputs of every group resource in an exported state (``pulumi stack export``)."""
    types = {kind.type_token for kind in kinds.registered()}
    resources = (state.get("deployment") or {}).get("resources") or []
    return [{**(r.get("inputs") or {}), "type": r["type"]} for r in resources if r.get("type") in types]


def not_in_state(entries: Iterable[dict], state: Mapping[str, Any]) -> list[dict]:
    """Journal lines whose group the state does not hold (same type, org/account and name)."""
    held = {(g["type"], g.get("org", g.get("account")), g.get("name")) for g in groups_in_state(state)}
    missing, by_label = [], journaled_kinds()
    for entry in entries:
        kind = by_label.get(str(entry.get("kind")))
        scope = entry.get("org", entry.get("account"))
        if kind is None or (kind.type_token, scope, entry.get("name")) not in held:
            missing.append(entry)
    return missing


@dataclass
class LargePlan:
    """The decision for one ``up``: the environment to run it with, and the journal to settle."""

    env: dict[str, str]
    stack: str = ""
    journal: Path | None = None  # set when this run journals its creates
    notes: list[str] = field(default_factory=list)
    refusal: str | None = None  # set when the run must not start

    def settle(self, export_state: Callable[[], dict | None]) -> str | None:
        """After the run ended: remove the journal when every create it names is in state; else
        keep it and return what to do."""
        return settle_journal(self.journal, export_state, self.stack) if self.journal is not None else None


def settle_journal(journal: Path, export_state: Callable[[], dict | None], stack: str = "<stack>") -> str | None:
    entries = create_journal.read(journal)
    if not journal.exists():
        return None
    state = export_state() if entries else {}
    if state is None:
        return f"kept {journal}: the stack's state could not be read to settle it"
    missing = not_in_state(entries, state)
    if not missing:
        journal.unlink()
        return None
    return (f"{len(missing)} create(s) this run journaled are not in the stack's state ({journal}): "
            f"run `python -m pulumi_groups recover --stack {stack}` before the next up")


def plan_up(
    repo: Path,
    stack: str,
    env: Mapping[str, str],
    config: Mapping[str, Any],
    export_state: Callable[[], dict | None],
) -> LargePlan:
    """How to run an ``up`` of ``stack``: with the engine's checkpoints, or, for a large plan,
    without them and with the create journal on (see the module's docstring)."""
    run_env = dict(env)
    journal = journal_path(repo, stack, env)
    declared = declared_count(config)
    limit = threshold(env)
    leftover = journal.exists()
    if not leftover and declared < limit:
        return LargePlan(run_env)  # cannot be large: no state read, the routine run is as it was
    state = export_state()
    if state is None:
        return LargePlan(run_env, notes=["the stack's state could not be read: checkpoints kept"])
    if leftover:
        missing = not_in_state(create_journal.read(journal), state)
        if missing:
            return LargePlan(run_env, refusal=(
                f"{journal} names {len(missing)} create(s) of an earlier run that are not in the stack's state "
                f"(a killed run): run `python -m pulumi_groups recover --stack {stack}` first (it removes the "
                "journal once it has marked every line; a line it cannot mark, it names: settle that by hand, "
                "then delete the journal)"))
        journal.unlink()
    missing_count = declared - len(groups_in_state(state))
    chosen = env.get(SKIP_CHECKPOINTS, "").strip().lower()
    if missing_count < limit or chosen in ("false", "0"):
        return LargePlan(run_env)
    run_env[SKIP_CHECKPOINTS] = "true"
    run_env[create_journal.ENV] = str(journal)
    journal.parent.mkdir(parents=True, exist_ok=True)
    return LargePlan(run_env, stack=stack, journal=journal, notes=[
        f"{missing_count} declarations are not in state yet: running without intermediate checkpoints "
        f"({SKIP_CHECKPOINTS}=true), each create journaled first in {journal}; after a kill run "
        f"`python -m pulumi_groups recover --stack {stack}`"])


def stack_file_config(repo: Path, stack: str, config_file: str | None = None) -> Mapping[str, Any]:
    """The stack file's config (``--config-file`` when given), or {} when it cannot be read (the
    run itself then says why). A safe load: only the lists are counted, nothing is written."""
    from ruamel.yaml import YAML

    path = Path(config_file) if config_file else repo / "stacks" / f"Pulumi.{stack}.yaml"
    try:
        doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - unreadable or not YAML: no plan size, checkpoints kept
        return {}
    config = doc.get("config") if isinstance(doc, dict) else None
    return config if isinstance(config, dict) else {}


# -- the ``pulumi up`` wrapper (``python -m pulumi_groups pulumi up ...``) -------------------------

UP_COMMANDS = ("up", "update")


def option(args: list[str], *names: str) -> str | None:
    """The value of ``--name VALUE`` / ``--name=VALUE`` (short ``-s VALUE`` too) in ``args``."""
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    return None


def exporter(pulumi: str, repo: Path, stack: str, env: Mapping[str, str]) -> Callable[[], dict | None]:
    """``pulumi stack export`` of the stack, parsed; None when it fails (no such stack, a lock)."""
    import subprocess

    def export_state() -> dict | None:
        done = subprocess.run([pulumi, "stack", "export", "--stack", stack], cwd=repo, env=dict(env),
                              capture_output=True, text=True)
        if done.returncode != 0:
            return None
        try:
            return json.loads(done.stdout)
        except ValueError:
            return None

    return export_state


def current_stack(pulumi: str, repo: Path, env: Mapping[str, str]) -> str | None:
    import subprocess

    done = subprocess.run([pulumi, "stack", "--show-name"], cwd=repo, env=dict(env), capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def run_up(pulumi: str, args: list[str], repo: Path, env: dict[str, str], run: Callable[[dict[str, str]], int]) -> int:
    """Run an ``up`` (``run(env)`` starts the CLI, returns its exit code) as ``plan_up`` decides."""
    stack = option(args, "--stack", "-s") or current_stack(pulumi, repo, env)
    if stack is None:
        return run(env)
    config = stack_file_config(repo, stack, option(args, "--config-file"))
    export_state = exporter(pulumi, repo, stack, env)
    plan = plan_up(repo, stack, env, config, export_state)
    if plan.refusal is not None:
        print(f"pulumi_groups: {plan.refusal}", file=sys.stderr)
        return 1
    for note in plan.notes:
        print(f"pulumi_groups: {note}", file=sys.stderr, flush=True)
    code = run(plan.env)
    left = plan.settle(export_state)
    if left is not None:
        print(f"pulumi_groups: {left}", file=sys.stderr)
    return code
