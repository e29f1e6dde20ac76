"""``python -m pulumi_groups deploy --stacks GLOB [--preview|--up|--refresh] [--expect-no-changes] [--parallel N]``

Runs one operation on every stack whose file ``stacks/Pulumi.<name>.yaml`` matches, several at
once through the Automation API, and prints one summary table. One stack's failure never stops
the others.

- Exit code: 0; 1 when a stack failed (or the CLI is missing); 2 when ``--expect-no-changes``
  found changes (``--preview``) or drift (``--refresh``).
- ``--refresh --expect-no-changes`` is a drift check: it runs ``refresh --preview-only``, so the
  state is left as it was and the drift is reported again on the next run until someone fixes
  it (``--up`` puts the org back; ``accept-drift`` writes the live values into the stack file,
  where a plain ``--refresh`` only takes them into state, for the next ``up`` to put back).
- Stacks named ``example-*`` are templates to copy: a pattern selects them only when it starts
  with ``example-`` itself (so ``--stacks '*'`` never runs them).
- ``--preview`` and ``--up`` create a stack that does not exist yet in the backend (a new
  ``stacks/Pulumi.<name>.yaml``); ``--refresh`` needs it to exist.

Shared credentials (see docs "Several stacks at once"): each stack run is its own provider
process with its own rate budget and token cache, so

- two stacks that use the same WeSurvey appid never run at the same time (a new access token
  invalidates the other process's token);
- a Capillary org reached by one principal (host + user or client key: ``org_identity``, never a
  secret) used by several stacks has its
  ``requestsPerMinute`` split: each run gets ``lowest configured value / stacks that can run
  together`` for that org, passed to the run as a temporary copy of the stack file
  (``--config-file``); the stack file itself is never modified.

Both rules hold for the stacks of one ``deploy``; CI jobs on separate machines do not know about
each other: ``--plan-ci`` prints them as a CI matrix with concurrency keys and rate shares
(``ci_plan``), and ``--rate-limit ORG=RPM`` applies a job's share. A share only ever lowers: a
run never sends faster than its stack's own ``requestsPerMinute``.

After the runs, the drift report (``drift``, ``org_listings``, ``report_formats``): changed and
gone groups from each run's engine events (fields under a group's ``ignoreChanges`` apart, as not
drift; each drift row names ``deploy --up`` and ``accept-drift`` as the ways out), unmanaged
groups from one listing per org and kind; printed, and written with ``--report FILE.md`` /
``--json FILE``. Unmanaged means declared by no stack of the project for that org: the stack
files this run did not select are read too (their plaintext, nothing decrypted), and the ids
their states record where the backend has them. ``--expect-no-unmanaged`` exits 2 when an org
holds such groups. Progress: ``progress``.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import threading
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_groups.capillary import settings as capillary_settings
from pulumi_groups.commands import ci_plan, drift, org_identity, org_listings, report_formats, stack_files
from pulumi_groups.commands.automation import PREVIEW, REFRESH, REFRESH_PREVIEW, UP, AutomationApi
from pulumi_groups.commands.cli_process import INTERRUPTED_EXIT, Interrupts
from pulumi_groups.commands.cli_support import INSTALL_HELP, find_pulumi, repo_root
from pulumi_groups.commands.org_identity import OrgIdentity
from pulumi_groups.commands.progress import Progress
from pulumi_groups.lifecycle import kinds
from pulumi_groups.wesurvey import settings as wesurvey_settings

DEFAULT_PARALLEL = 4
TEMPLATE_PREFIX = "example-"  # stacks/Pulumi.example-*.yaml: placeholders to copy, never deployed
UNCHANGED_OPS = frozenset({"same", "read"})
PLAN_CI = "plan-ci"  # not an Automation API operation: deploy prints the CI matrix instead
NOT_RUN = "not run: interrupted"


# -- what each stack uses -------------------------------------------------------------------------


@dataclass
class StackInfo:
    name: str
    file: Path
    capillary: dict[str, tuple[OrgIdentity, float]] = field(default_factory=dict)  # org key -> (org, rpm)
    appids: frozenset = frozenset()  # WeSurvey accounts (OrgIdentity: host and appId)
    problem: str | None = None  # reading its config failed: it is reported, not run
    orgs: dict = field(default_factory=dict, repr=False)  # org key -> OrgSettings (holds credentials)
    declared: dict = field(default_factory=dict)  # (kind, org key) -> declared group names
    declared_count: int = 0  # entries in its declaration lists: the progress total
    ignored: dict[str, list[str]] = field(default_factory=dict)  # resource name -> properties under ignoreChanges


def discover(stacks_dir: Path, patterns: Iterable[str]) -> list[tuple[str, Path]]:
    """``(name, file)`` of every ``Pulumi.<name>.yaml`` whose name matches one of the globs."""
    found = []
    for path in sorted(stacks_dir.glob("Pulumi.*.yaml")):
        name = path.name[len("Pulumi."):-len(".yaml")]
        wanted = [p for p in patterns if not name.startswith(TEMPLATE_PREFIX) or p.startswith(TEMPLATE_PREFIX)]
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in wanted):
            found.append((name, path))
    return found


def identities(config: dict[str, str],
               environ: dict[str, str]) -> tuple[dict[str, tuple[OrgIdentity, float]], frozenset]:
    """The Capillary orgs (with their rate) and WeSurvey accounts a stack's config uses, each as
    its ``org_identity`` (host and principal: no secret is looked at)."""
    capillary: dict[str, tuple[OrgIdentity, float]] = {}
    for key, org in capillary_settings.load(config, environ).orgs.items():
        capillary[key] = (org_identity.of_org(org), org.requests_per_minute)
    accounts = wesurvey_settings.load(config, environ).accounts.values()
    return capillary, frozenset(org_identity.of_account(account) for account in accounts)


def describe(info: StackInfo, config: dict[str, str], environ: dict[str, str]) -> None:
    """Fill ``info`` from the stack's config: credentials, orgs and what it declares."""
    import json

    info.capillary, info.appids = identities(config, environ)
    capillary = capillary_settings.load(config, environ)
    info.orgs = dict(capillary.orgs)
    info.declared = org_listings.declared_names(config, capillary.default_key())
    for kind in kinds.registered():
        try:
            entries = json.loads(config.get(kind.config_key) or "[]")
        except ValueError:
            entries = []
        info.declared_count += len(entries) if isinstance(entries, list) else 0
    info.ignored = ignored_properties(info.name, config, environ)


def ignored_properties(stack: str, config: dict[str, str], environ: dict[str, str]) -> dict[str, list[str]]:
    """Resource name -> the properties its ``ignoreChanges`` lists, read as the stack program reads
    them; empty when the declarations have a problem (the run itself reports it)."""
    from pulumi_groups.program.stack_program import DeclarationError, plan_from_config

    try:
        plan = plan_from_config(stack, config, environ)
    except DeclarationError:
        return {}
    return {d.resource_name: d.kind.property_names(d.options.ignore_changes or ()) for d in plan.declarations
            if d.options.ignore_changes}


def rate_limits(stacks: list[StackInfo], parallel: int) -> dict[str, dict[str, float]]:
    """``{stack: {org: requestsPerMinute}}`` for every org other stacks share (same identity).

    At most ``min(parallel, stacks using it)`` of those stacks run at once, so giving each that
    share of the lowest configured budget keeps their sum under the budget at every moment.
    """
    users: dict[Hashable, list[tuple[str, str, float]]] = {}
    for info in stacks:
        for org, (identity, rpm) in info.capillary.items():
            users.setdefault(identity, []).append((info.name, org, rpm))
    limits: dict[str, dict[str, float]] = {}
    for entries in users.values():
        together = min(parallel, len({stack for stack, _, _ in entries}))
        if together <= 1:
            continue
        share = min(rpm for _, _, rpm in entries) / together
        for stack, org, _ in entries:
            limits.setdefault(stack, {})[org] = share
    return limits


def with_job_shares(limits: dict[str, dict[str, float]], stacks: list[StackInfo],
                    shares: dict[str, float]) -> dict[str, dict[str, float]]:
    """``limits`` with a CI job's ``--rate-limit`` shares applied: each only ever lowers. A
    stack's own ``requestsPerMinute`` is the most a run of it may send (a share computed for a
    matrix may be higher than what one stack configures: that stack keeps its own)."""
    for info in stacks:
        for org in set(info.capillary) & set(shares):
            own = info.capillary[org][1]
            current = limits.get(info.name, {}).get(org, own)
            if shares[org] < current:
                limits.setdefault(info.name, {})[org] = shares[org]
    return limits


# -- running ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    stack: str
    counts: dict[str, int] | None = None
    error: str | None = None
    events: list = field(default_factory=list, repr=False)  # the run's EngineEvents

    @property
    def changed(self) -> int:
        return sum(n for op, n in (self.counts or {}).items() if op not in UNCHANGED_OPS)


def failure_reason(exc: BaseException) -> str:
    """The line that says what went wrong: the last specific ``error:`` line of the CLI output
    (a provider's exception message comes last), else the exception's first line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    generic = ("update failed", "preview failed", "refresh failed", "one or more errors occurred")
    errors = [line for line in lines if "error:" in line and not any(g in line.lower() for g in generic)]
    chosen = errors[-1] if errors else (lines[0] if lines else type(exc).__name__)
    chosen = chosen.split("error:", 1)[-1].strip() if "error:" in chosen else chosen
    return chosen[:200]


def run_all(
    stacks: list[StackInfo],
    parallel: int,
    execute: Callable[[StackInfo], Outcome],
    stopped: Callable[[], bool] = lambda: False,
) -> list[Outcome]:
    """Run ``execute`` on every stack, ``parallel`` at a time, never two sharing a WeSurvey appid;
    once ``stopped()`` (Ctrl-C), start no more: the runs going on finish, the rest are reported
    as not run."""
    pending = list(stacks)
    busy: set = set()
    outcomes: list[Outcome] = []
    condition = threading.Condition()

    def worker() -> None:
        while True:
            with condition:
                while True:
                    if stopped():
                        outcomes.extend(Outcome(s.name, error=NOT_RUN) for s in pending)
                        pending.clear()
                    if not pending:
                        return
                    chosen = next((s for s in pending if not (s.appids & busy)), None)
                    if chosen is not None:
                        break
                    condition.wait()  # a stack sharing an appid is running: wait for it to end
                pending.remove(chosen)
                busy.update(chosen.appids)
            try:
                outcome = execute(chosen)
            except Exception as exc:  # noqa: BLE001 - one stack's failure never stops the others
                outcome = Outcome(chosen.name, error=failure_reason(exc))
            with condition:
                outcomes.append(outcome)
                busy.difference_update(chosen.appids)
                condition.notify_all()

    threads = [threading.Thread(target=worker, name=f"deploy-{i}") for i in range(max(1, min(parallel, len(stacks))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# -- reporting ---------------------------------------------------------------------------------------


def result_of(outcome: Outcome, operation: str, expect_no_changes: bool) -> str:
    if outcome.error is not None:
        return f"failed: {outcome.error}"
    if outcome.changed and expect_no_changes:
        return "drift" if operation in (REFRESH, REFRESH_PREVIEW) else "changes"
    return "ok"


def _changes_columns(outcome: Outcome, operation: str) -> list[str]:
    counts = outcome.counts
    if operation in (REFRESH, REFRESH_PREVIEW):
        if counts is None:
            return ["-"]
        changed, gone = counts.get("update", 0), counts.get("delete", 0)
        other = outcome.changed - changed - gone
        parts = [f"{changed} changed"] if changed else []
        parts += [f"{gone} gone"] if gone else []
        parts += [f"{other} other"] if other else []
        return [", ".join(parts) if parts else "none"]
    if counts is None:
        return ["-", "-", "-", "-"]
    replaces = sum(counts.get(op, 0) for op in ("replace", "create-replacement"))
    return [str(counts.get("create", 0)), str(counts.get("update", 0)), str(counts.get("delete", 0)), str(replaces)]


def summary_table(outcomes: list[Outcome], operation: str, expect_no_changes: bool) -> str:
    if operation in (REFRESH, REFRESH_PREVIEW):
        header = ["STACK", "DRIFT", "RESULT"]
    else:
        header = ["STACK", "CREATE", "UPDATE", "DELETE", "REPLACE", "RESULT"]
    rows = [header]
    for outcome in sorted(outcomes, key=lambda o: o.stack):
        result = result_of(outcome, operation, expect_no_changes)
        rows.append([outcome.stack, *_changes_columns(outcome, operation), result])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    # strict=False: the last column (RESULT) is not padded, so it has no width; row[-1] adds it.
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
             for row in rows]
    return "\n".join(lines)


def exit_code(outcomes: list[Outcome], expect_no_changes: bool) -> int:
    if any(o.error is not None for o in outcomes):
        return 1
    if expect_no_changes and any(o.changed for o in outcomes):
        return 2
    return 0


# -- the command -----------------------------------------------------------------------------------------


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_groups deploy",
        description="Run preview/up/refresh on every stack matching a pattern and print one summary.",
    )
    parser.add_argument("--stacks", action="append", required=True, metavar="GLOB",
                        help="stack names to run, e.g. 'brand-*' (repeatable, or comma-separated)")
    operation = parser.add_mutually_exclusive_group()
    operation.add_argument("--preview", dest="operation", action="store_const", const=PREVIEW, help="(default)")
    operation.add_argument("--up", dest="operation", action="store_const", const=UP)
    operation.add_argument("--refresh", dest="operation", action="store_const", const=REFRESH)
    operation.add_argument("--plan-ci", dest="operation", action="store_const", const=PLAN_CI,
                           help="print the stacks as a CI matrix (JSON) and run nothing")
    parser.add_argument("--expect-no-changes", action="store_true",
                        help="exit 2 when a preview shows changes or a refresh finds drift (refresh: state left as is)")
    parser.add_argument("--expect-no-unmanaged", action="store_true",
                        help="exit 2 when an org holds groups no stack of the project declares")
    parser.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL,
                        help=f"stacks at once (default {DEFAULT_PARALLEL})")
    parser.add_argument("--report", type=Path, metavar="FILE.md",
                        help="write the drift report as Markdown (CI job summary)")
    parser.add_argument("--json", dest="json_file", type=Path, metavar="FILE",
                        help="write the drift report as JSON (schema: pulumi_groups/commands/drift_report.schema.json)")
    parser.add_argument("--no-unmanaged", action="store_true",
                        help="do not list the orgs for unmanaged groups (saves one listing per org and kind)")
    parser.add_argument("--rate-limit", action="append", default=[], metavar="ORG=RPM",
                        help="at most RPM requestsPerMinute for ORG in this run: lowers the stack's own value, "
                             "never raises it (a --plan-ci job's share; repeatable, comma-separated)")
    parser.add_argument("--ci-jobs", choices=("stack", "group"), default="stack",
                        help="--plan-ci: one job per stack (default) or one per concurrency key")
    args = parser.parse_args(argv)
    args.operation = args.operation or PREVIEW
    if args.expect_no_changes and args.operation == UP:
        parser.error("--expect-no-changes goes with --preview or --refresh (an up applies its changes)")
    if args.expect_no_unmanaged and args.no_unmanaged:
        parser.error("--expect-no-unmanaged needs the org listings that --no-unmanaged switches off")
    if args.parallel < 1:
        parser.error("--parallel must be at least 1")
    try:
        args.rate_limits = ci_plan.parse_rate_limits(args.rate_limit)
    except ValueError as exc:
        parser.error(str(exc))
    args.patterns = [p.strip() for value in args.stacks for p in value.split(",") if p.strip()]
    return args


def drift_report(
    operation: str,
    infos: list[StackInfo],
    outcomes: list[Outcome],
    list_orgs: bool,
    client_for: Callable | None = None,
    others: Iterable[org_listings.StackOrgs] = (),
) -> drift.Report:
    """The report of a deploy: rows from each run's engine events, unmanaged groups from one
    listing per org and kind (none per group). ``others``: the project's stacks this run did
    not run (``org_listings.project_stacks``): what they declare is not unmanaged either."""
    report = drift.Report(operation)
    by_name = {o.stack: o for o in outcomes}
    stack_orgs = []
    ignored = {info.name: info.ignored for info in infos}
    for outcome in sorted(outcomes, key=lambda o: o.stack):
        findings = drift.changes_from_events(outcome.stack, outcome.events, operation, ignored.get(outcome.stack))
        findings.error = outcome.error
        report.stacks.append(findings)
    for info in infos:
        ran = by_name.get(info.name)
        if info.problem is not None or ran is None:
            continue
        stack_orgs.append(org_listings.StackOrgs(
            stack=info.name,
            orgs=info.orgs,
            identities={key: identity for key, (identity, _) in info.capillary.items()},
            declared=info.declared,
            managed=drift.managed_ids(ran.events),
            org_ids=drift.recorded_org_ids(ran.events),
            # Without the engine's events (a failed or silent run) its state is unknown: its
            # orgs are not searched for unmanaged groups rather than reported wrongly.
            complete=ran.error is None and bool(ran.events),
        ))
    if list_orgs:
        report.orgs = org_listings.find_unmanaged([*stack_orgs, *others], client_for)
    return report


def other_stacks(api: Any, stacks_dir: Path, ran: set[str]) -> list[org_listings.StackOrgs]:
    """The project's stacks this run did not run, as ``drift_report`` needs them; says on
    stderr what could not be read or whose org cannot be told without a secret."""
    others, problems = org_listings.project_stacks(stacks_dir, skip=ran, environ=dict(os.environ),
                                                   state_of=api.recorded_state)
    for stack in others:
        for key in sorted(stack.keys()):
            if stack.identities.get(key) is None and not stack.org_ids.get(key):
                problems.append(f"{stack.stack}: the host or user of org {key!r} is encrypted (or missing), so its "
                                "org is not known: the groups it declares are not listed as unmanaged in any org")
    for problem in problems:
        print(f"deploy: {problem}", file=sys.stderr)
    return others


def discount_ignored(outcomes: list[Outcome], report: drift.Report) -> None:
    """A refresh's groups whose only differences are under ``ignoreChanges`` count as unchanged
    (the engine counts them as updates: it asks the dynamic provider, which is never told the
    list), so neither the summary nor ``--expect-no-changes`` calls them drift."""
    findings = {s.stack: s for s in report.stacks}
    for outcome in outcomes:
        found = findings.get(outcome.stack)
        if outcome.counts is None or found is None or not found.ignored_only:
            continue
        taken = min(found.ignored_only, outcome.counts.get("update", 0))
        outcome.counts["update"] = outcome.counts.get("update", 0) - taken
        outcome.counts["same"] = outcome.counts.get("same", 0) + taken


def main(argv: list[str], api_factory: Callable[[Path], Any] | None = None,
         progress: Progress | None = None, client_for: Callable | None = None) -> int:
    """``api_factory(repo)`` returns the Automation API seam (tests pass a fake); ``progress``
    and ``client_for`` (the Capillary client used to list orgs) default to the real ones.

    Ctrl-C (SIGINT, or SIGTERM) reaches each CLI run once (``cli_process``): the runs going on
    cancel gracefully and are waited for, no other stack starts, and the summary is printed;
    exit 130."""
    with Interrupts() as interrupts:
        code = _deploy(argv, api_factory, progress, client_for, interrupts)
    return INTERRUPTED_EXIT if interrupts.interrupted else code


ENCRYPTED = "<encrypted>"  # how --plan-ci reads a secure: value it never decrypts


def plan_ci(matched: list[tuple[str, Path]], ci_jobs: str) -> int:
    """``--plan-ci`` only reads: each stack file's plaintext gives what the matrix needs (hosts,
    users, client keys, app ids, rates). It never starts the CLI, initializes a stack, decrypts
    a value or writes a file. An encrypted user or app id reads as one placeholder, so the orgs
    it hides share one key: their jobs never overlap, the safe side."""
    infos = []
    for name, path in matched:
        info = StackInfo(name, path)
        try:
            plain = stack_files.plaintext_config(stack_files.load(path), placeholder=ENCRYPTED)
            info.capillary, info.appids = identities(plain.values, dict(os.environ))
        except Exception as exc:  # noqa: BLE001 - named below; the other stacks are still planned
            info.problem = f"reading its config: {failure_reason(exc)}"
            print(f"deploy --plan-ci: {name}: {info.problem}", file=sys.stderr)
        infos.append(info)
    runnable = [info for info in infos if info.problem is None]
    # Jobs on separate machines may all overlap: split as if every stack ran at once.
    print(ci_plan.plan_text(runnable, rate_limits(runnable, parallel=len(runnable) or 1), ci_jobs))
    return 1 if len(runnable) < len(infos) else 0


def _deploy(argv: list[str], api_factory: Callable[[Path], Any] | None, progress: Progress | None,
            client_for: Callable | None, interrupts: Interrupts) -> int:
    args = _parse(argv)
    repo = repo_root()
    matched = discover(repo / "stacks", args.patterns)
    if not matched:
        known = ", ".join(p.name[len("Pulumi."):-len(".yaml")] for p in sorted((repo / "stacks").glob("Pulumi.*.yaml")))
        print(f"deploy: no stack file matches {', '.join(args.patterns)} (stacks: {known or 'none'})", file=sys.stderr)
        return 1
    if args.operation == PLAN_CI:
        return plan_ci(matched, args.ci_jobs)
    if api_factory is None:
        pulumi = find_pulumi(repo)
        if pulumi is None:
            print(f"deploy needs the pulumi CLI (it drives it through the Automation API).\n{INSTALL_HELP}",
                  file=sys.stderr)
            return 1
        api = AutomationApi(repo, pulumi, interrupts)
    else:
        api = api_factory(repo)

    operation = REFRESH_PREVIEW if args.operation == REFRESH and args.expect_no_changes else args.operation
    progress = progress or Progress(sys.stdout)
    names = ", ".join(n for n, _ in matched)
    print(f"deploy: {operation} on {len(matched)} stack(s), {args.parallel} at a time: {names}")

    def read(entry: tuple[str, Path]) -> StackInfo:
        name, path = entry
        info = StackInfo(name, path)
        try:
            config = api.read_config(name, create=operation in (PREVIEW, UP))
            describe(info, config, dict(os.environ))
        except Exception as exc:  # noqa: BLE001 - reported in the summary; the others still run
            info.problem = f"reading its config: {failure_reason(exc)}"
        return info

    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        infos = list(pool.map(read, matched))
    runnable = [info for info in infos if info.problem is None]
    limits = with_job_shares(rate_limits(runnable, args.parallel), runnable, args.rate_limits)
    events: dict[str, list] = {info.name: [] for info in runnable}

    def execute(info: StackInfo) -> Outcome:
        config_text = None
        if info.name in limits:
            config_text, warnings = stack_files.with_rate_limits(stack_files.load(info.file), limits[info.name])
            shares = ", ".join(f"{org} {rpm:g}/min" for org, rpm in sorted(limits[info.name].items()))
            progress.line(info.name, f"shared Capillary credentials: requestsPerMinute for this run: {shares}")
            for warning in warnings:
                progress.line(info.name, f"warning: {warning}")
        progress.line(info.name, f"{operation} started")
        progress.start(info.name, operation, info.declared_count)

        def on_event(event: Any) -> None:
            events[info.name].append(event)
            progress.on_event(info.name, event)

        try:
            counts = api.run(info.name, operation, config_text=config_text,
                             on_output=lambda line: progress.line(info.name, line), on_event=on_event)
        except Exception:
            progress.finish(info.name, "failed")
            raise
        progress.finish(info.name, "done")
        return Outcome(info.name, counts=counts)

    outcomes = run_all(runnable, args.parallel, execute, stopped=lambda: interrupts.interrupted)
    progress.close()
    for outcome in outcomes:
        outcome.events = events.get(outcome.stack, [])
    outcomes += [Outcome(info.name, error=info.problem) for info in infos if info.problem is not None]
    list_orgs = not args.no_unmanaged and not interrupts.interrupted
    others = other_stacks(api, repo / "stacks", {info.name for info in runnable}) if list_orgs else []
    report = drift_report(operation, infos, outcomes, list_orgs=list_orgs, client_for=client_for, others=others)
    discount_ignored(outcomes, report)
    print()
    print(report_formats.terminal(report))
    print()
    print(summary_table(outcomes, operation, args.expect_no_changes))  # last: the one-glance verdict
    if args.report is not None:
        stack_files.write_atomic(args.report, report_formats.markdown(report))
    if args.json_file is not None:
        stack_files.write_atomic(args.json_file, report_formats.json_text(report))
    code = exit_code(outcomes, args.expect_no_changes)
    if code == 0 and args.expect_no_unmanaged and any(org.unmanaged for org in report.orgs):
        code = 2
    return code
