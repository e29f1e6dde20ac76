"""The GitHub Actions workflow under examples/ci/: actionlint (built from its Go module by
scripts/build_actionlint.sh into .tools/bin/) passes it, and every deploy command in it parses
with deploy's own argument parser, so the example cannot drift from the CLI."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pulumi_groups.commands import deploy

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "ci" / "pulumi-groups.yml"
BUILD = ROOT / "scripts" / "build_actionlint.sh"


@pytest.fixture(scope="module")
def actionlint() -> str:
    if shutil.which("go") is None and not (ROOT / ".tools" / "bin" / "actionlint").exists():
        pytest.skip("go is not installed: actionlint is built from its Go module (scripts/build_actionlint.sh)")
    built = subprocess.run(["sh", str(BUILD)], capture_output=True, text=True, timeout=900)
    if built.returncode == 3:
        pytest.skip(built.stderr.strip())
    assert built.returncode == 0, built.stderr
    return built.stdout.strip().splitlines()[-1]


def lint(actionlint: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint, "-no-color", str(path)], capture_output=True, text=True, timeout=120)


def test_the_workflow_passes_actionlint(actionlint):
    result = lint(actionlint, WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_fail_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text()
    broken.write_text(text.replace("needs.plan.outputs.matrix", "needs.planning.outputs.matrix"))
    result = lint(actionlint, broken)
    assert result.returncode == 1 and "planning" in result.stdout


def workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text())


def deploy_commands() -> dict[str, list[str]]:
    """Each step's deploy arguments, by step name, with the workflow's env variables filled in."""
    found = {}
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            run = " ".join(step.get("run", "").split())
            if "pulumi_groups deploy" in run:
                words = shlex.split(
                    run.replace('"$STACKS"', "'brand-*'")
                    .replace('"$STACK"', "brand-eu")
                    .replace('"$RATE_LIMITS"', "brand-eu=30")
                )
                if "$(" in words[0]:
                    words = shlex.split(run.split("$(", 1)[1].split(")", 1)[0].replace('"$STACKS"', "'brand-*'"))
                found[step.get("name", step.get("id"))] = words[words.index("deploy") + 1 :]
    return found


def test_every_deploy_command_in_the_workflow_parses_and_does_what_its_trigger_needs():
    commands = {name: deploy._parse(argv) for name, argv in deploy_commands().items()}
    assert set(commands) == {"Plan the matrix", "Preview (pull request)", "Up (main)", "Drift check (nightly)"}
    assert commands["Plan the matrix"].operation == deploy.PLAN_CI
    preview, up, drift = commands["Preview (pull request)"], commands["Up (main)"], commands["Drift check (nightly)"]
    assert preview.operation == "preview" and preview.report == Path("report.md")
    assert up.operation == "up" and up.rate_limits == {"brand-eu": 30}
    assert drift.operation == "refresh" and drift.expect_no_changes and drift.expect_no_unmanaged
    jobs = workflow()["jobs"]
    assert jobs["stack"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert jobs["stack"]["concurrency"]["group"].endswith("${{ matrix.concurrency }}")
    summary = next(s for s in jobs["stack"]["steps"] if s.get("name") == "Report as the job summary")
    assert 'cat report.md >> "$GITHUB_STEP_SUMMARY"' in summary["run"] and summary["if"] == "always()"
