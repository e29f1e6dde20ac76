"""`make mutation`: mutation testing of the modules where a silent bug loses or duplicates groups
or leaks secrets, against the tests that cover them. Not part of CI (minutes, not seconds).

    .venv/bin/python tests/mutation/run_mutation.py [MODULE ...]     # default: every module below
    .venv/bin/python tests/mutation/run_mutation.py --survivors [MODULE ...]  # only last run's survivors
    MUTATION_JOBS=2 ...                                                        # --survivors, 2 at a time

It copies the repo to `.mutation/work-<first module>/` (cosmic-ray edits the file under test in place, so the
checkout stays usable while it runs), runs cosmic-ray there one module at a time, prints the kill
rate per module and writes every surviving mutant to `.mutation/<module>.survivors.txt`.
Survivors are either killed by a new test or listed, with why they are equivalent, in
`tests/mutation/SURVIVORS.md`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".mutation"
BIN = Path(sys.executable).parent

# The tests that cover those modules and run in seconds (the fault matrix and the load run take
# minutes and would make one mutant cost minutes).
FAST_TESTS = [  # the most pointed first: with -x a killed mutant stops at its first failure
    "tests/contract",
    "tests/unit",
    "tests/capillary",
    "tests/wesurvey",
    "tests/performance/test_snapshot_unit.py",
    "tests/performance/test_read_snapshot.py",
    "tests/performance/test_read_snapshot_wesurvey.py",
    # What a module imports is behaviour too (the provider process loads no HTTP library, the
    # snapshot nothing of Pulumi): a mutant that imports more is killed here and nowhere else.
    "tests/performance/test_import_cost.py",
]
TRANSPORT_TESTS = FAST_TESTS + [  # a create that timed out, with and without a unique key
    "tests/reliability/test_faults_wesurvey.py::test_a_timed_out_create_without_a_unique_key_is_never_sent_twice",
]
# Through the provider process: the ownership cases, answers without the group or its id, org ids
# of states pickled before org_id existed (each kills mutants of ownership.py or adopt_or_create.py
# that nothing in-process reaches). Half a minute.
PROCESS_TESTS = ["tests/process"]
MODULES = {  # in the order a full run takes them: small modules first
    "ratelimit": ["tests/contract", "tests/unit"],
    "tokens": FAST_TESTS,
    "errors": FAST_TESTS,
    "settings": ["tests/contract", "tests/unit", "tests/capillary", "tests/wesurvey"],
    "provider": FAST_TESTS,
    "snapshot_reads": FAST_TESTS,
    "adopt_or_create": FAST_TESTS
    + PROCESS_TESTS
    + [  # the lost-create paths only the reliability tests reach
        "tests/reliability/test_faults.py::test_a_create_that_lands_after_its_timeout_is_taken_over_not_reported_as_taken",
        "tests/reliability/test_faults_wesurvey.py::test_a_timed_out_create_without_a_unique_key_that_lands_soon_is_taken_over",
        "tests/reliability/test_faults_wesurvey.py::test_a_timed_out_create_without_a_unique_key_is_never_sent_twice",
        "tests/reliability/test_faults.py::test_fault[badge-create-delay-past-timeout-oauth]",
        "tests/reliability/test_faults.py::test_fault[badge-create-503-retry-after-oauth]",
    ],
    "transport": TRANSPORT_TESTS,
    # The transport's layers (see http/transport.py), against the same tests.
    "sending": TRANSPORT_TESTS,
    "answers": TRANSPORT_TESTS,
    "retries": TRANSPORT_TESTS,
    "wire_failures": TRANSPORT_TESTS,
    "snapshot": FAST_TESTS,
    "ownership": FAST_TESTS + PROCESS_TESTS,
}

# Where each module lives under provider/pulumi_groups/ (the layer folders).
PATHS = {
    "ratelimit": "http/ratelimit.py",
    "tokens": "http/tokens.py",
    "errors": "errors.py",
    "settings": "http/settings.py",
    "provider": "lifecycle/provider.py",
    "snapshot_reads": "lifecycle/snapshot_reads.py",
    "adopt_or_create": "lifecycle/adopt_or_create.py",
    "transport": "http/transport.py",
    "sending": "http/sending.py",
    "answers": "http/answers.py",
    "retries": "http/retries.py",
    "wire_failures": "http/wire_failures.py",
    "snapshot": "lifecycle/snapshot.py",
    "ownership": "lifecycle/ownership.py",
}

# cosmic-ray counts a test run that outlasts this as a kill: well above a full run of the tests
# (one to two minutes on 2 loaded cores), so that a survivor slowed by a loaded machine is not
# counted as killed, yet short enough for the mutants that hang the suite (a listing flag never
# cleared leaves readers waiting for ever). Kills by timeout are reported apart.
TEST_TIMEOUT_SECONDS = 300.0

# The scripts' smoke runs cover none of these modules that the tests above do not, and take seconds.
IGNORED = "--ignore=tests/contract/test_contract_scripts.py"

# Operators whose mutants say nothing here: every `X | None` in an annotation (never evaluated,
# `from __future__ import annotations`), and ten-way swaps of each arithmetic or comparison
# operator, of which one or two representative swaps are kept (+/-, *//, </<=, ==/!=, in/not in).
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_(?!(Add_Sub|Sub_Add|Mul_Div|Div_Mul|Mul_Add|Pow_Mul|FloorDiv_Div)$)",
    r"core/ReplaceComparisonOperator_(?!(Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt|Lt_Gt|Gt_Lt|LtE_GtE|GtE_LtE"
    r"|Eq_NotEq|NotEq_Eq|Is_IsNot|IsNot_Is|In_NotIn|NotIn_In)$)",
    r"core/ReplaceUnaryOperator_(?!(Delete_Not|USub_UAdd)$)",
    r"core/RemoveDecorator",
]


def copy_repo(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", ".mutation", ".git", ".demo", ".pulumi*")
    for name in ("provider", "tests", "scripts", "benchmarks", "stacks", "pyproject.toml", "Pulumi.yaml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=ignore, symlinks=True)
        elif source.exists():
            shutil.copy2(source, work / name)


def test_command(module: str, work: Path) -> str:
    tests = " ".join(path for path in MODULES[module] if (work / path.split("::")[0]).exists())
    return f"{BIN}/python -m pytest -x -q -p no:cacheprovider --timeout 90 {IGNORED} {tests}"


def config(module: str, work: Path) -> Path:
    path = OUT / f"{module}.toml"
    excluded = ", ".join(json.dumps(pattern) for pattern in EXCLUDED_OPERATORS)
    path.write_text(
        "[cosmic-ray]\n"
        f'module-path = "provider/pulumi_groups/{PATHS[module]}"\n'
        f"timeout = {TEST_TIMEOUT_SECONDS}\n"
        "excluded-modules = []\n"
        f'test-command = "{test_command(module, work)}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = [{excluded}]\n"
    )
    return path


def run(module: str, work: Path) -> dict:
    cfg, session = config(module, work), OUT / f"{module}.sqlite"
    env = {**os.environ, "PYTHONPATH": str(work / "provider")}  # the copy, not the checkout
    quiet = dict(cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([BIN / "cosmic-ray", "init", cfg, session, "--force"], **quiet)
    subprocess.run([BIN / "cr-filter-operators", session, cfg], **quiet)
    subprocess.run([BIN / "cosmic-ray", "exec", cfg, session], **quiet)
    dump = subprocess.run([BIN / "cosmic-ray", "dump", session], cwd=work, capture_output=True, text=True, check=True)
    killed = survived = timeouts = 0
    survivors = []
    for line in dump.stdout.splitlines():
        item, result = json.loads(line)
        if not result or result.get("worker_outcome") != "normal":
            continue  # filtered out (skipped) or the mutant could not be applied
        if result.get("test_outcome") == "survived":
            survived += 1
            survivors += [_describe(mutation) for mutation in item["mutations"]]
        else:
            killed += 1
            timeouts += result.get("output") == "timeout"
    (OUT / f"{module}.survivors.txt").write_text("".join(s + "\n" for s in survivors))
    return {"module": module, "killed": killed, "survived": survived, "timeouts": timeouts}


def recheck(module: str, work: Path, jobs: int = 1) -> dict:
    """Test again only the mutants that survived the module's last full run, against today's
    tests: the quick loop while killing survivors (only those still listed in
    ``<module>.survivors.txt``, which a full run rewrites). Killed ones leave the list.
    ``jobs`` > 1 tests that many mutants at once, each in its own copy of the repo."""
    dump = subprocess.run(
        [BIN / "cosmic-ray", "dump", OUT / f"{module}.sqlite"], cwd=work, capture_output=True, text=True, check=True
    )
    killed, pending = 0, []
    for line in dump.stdout.splitlines():
        item, result = json.loads(line)
        if not result or result.get("worker_outcome") != "normal":
            continue
        if result.get("test_outcome") == "survived":
            pending += item["mutations"]
        else:
            killed += 1
    listed = OUT / f"{module}.survivors.txt"  # what survived the last run or recheck
    if listed.exists():
        still = set(listed.read_text().splitlines())
        killed += sum(1 for mutation in pending if _describe(mutation) not in still)
        pending = [mutation for mutation in pending if _describe(mutation) in still]
    copies = [work] + [work.with_name(f"{work.name}-{i}") for i in range(1, jobs)]
    for extra in copies[1:]:
        copy_repo(extra)

    def survives(index: int, mutation: dict) -> bool:
        copy = copies[index % len(copies)]
        answer = subprocess.run(
            [
                BIN / "cosmic-ray",
                "mutate-and-test",
                mutation["module_path"],
                mutation["operator_name"],
                str(mutation["occurrence"]),
                test_command(module, copy),
            ],
            cwd=copy,
            env={**os.environ, "PYTHONPATH": str(copy / "provider")},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(answer.stdout).get("test_outcome") == "survived"

    survivors = []
    for start in range(0, len(pending), len(copies)):  # one mutant per copy at a time
        batch = list(enumerate(pending[start : start + len(copies)]))
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            outcomes = list(pool.map(lambda pair: survives(*pair), batch))
        for (_, mutation), survived in zip(batch, outcomes, strict=True):
            if survived:
                survivors.append(_describe(mutation))
            else:
                killed += 1
    (OUT / f"{module}.survivors.txt").write_text("".join(s + "\n" for s in survivors))
    return {"module": module, "killed": killed, "survived": len(survivors)}


def _describe(mutation: dict) -> str:
    return f"line {mutation['start_pos'][0]}: {mutation['operator_name']} #{mutation['occurrence']}"


def main(argv: list[str]) -> int:
    again = "--survivors" in argv
    jobs = int(os.environ.get("MUTATION_JOBS", "1"))
    argv = [arg for arg in argv if arg != "--survivors"]
    modules = argv or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        print(f"unknown module(s) {unknown}; choose from {sorted(MODULES)}", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    work = (
        OUT / f"work-{modules[0]}{'-again' if again else ''}"
    )  # one copy per run: two runs over different modules may overlap
    copy_repo(work)
    rows = [recheck(module, work, jobs) if again else run(module, work) for module in modules]
    print("| module | mutants | killed (by timeout) | survived | kill rate |\n|---|---:|---:|---:|---:|")
    for row in rows:
        total = row["killed"] + row["survived"]
        rate = f"{100 * row['killed'] / total:.1f}%" if total else "-"
        killed = f"{row['killed']} ({row.get('timeouts', 0)})"
        print(f"| `{row['module']}.py` | {total} | {killed} | {row['survived']} | {rate} |")
    for row in rows:
        (OUT / f"{row['module']}.summary.json").write_text(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
