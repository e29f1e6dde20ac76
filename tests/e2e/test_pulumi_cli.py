"""End to end with the real ``pulumi`` CLI: ``up``, drift, ``refresh``, ``deploy`` and ``destroy`` of
a stack declared in stack config, against the emulator, with a local file backend in a temp dir.

Runs only where the CLI is on PATH (these machines have none and no network to fetch it): the one
test in the suite allowed to skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_groups.commands.cli_support import cli_env
from tests.conftest import DEMO_ORG_ID

PULUMI = shutil.which("pulumi")
pytestmark = pytest.mark.skipif(
    PULUMI is None,
    reason="the pulumi CLI is not on PATH (install: curl -fsSL https://get.pulumi.com | sh); "
    "this test drives the real CLI end to end",
)
REPO = Path(__file__).resolve().parents[2]
STACK = "e2e"


@pytest.fixture
def project(tmp_path, emulator):
    """The repo's layout (Pulumi.yaml, stacks/__main__.py) in a temp dir, with a stack file
    pointing at the emulator and an absolute virtualenv (this test's own)."""
    (tmp_path / "stacks").mkdir()
    shutil.copy(REPO / "stacks" / "__main__.py", tmp_path / "stacks" / "__main__.py")
    (tmp_path / "Pulumi.yaml").write_text(
        "name: pulumi-groups\nmain: stacks/\nstackConfigDir: stacks\n"
        f"runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: {sys.prefix}\n"
    )
    (tmp_path / "stacks" / f"Pulumi.{STACK}.yaml").write_text(
        f"""\
config:
  capillary:requestsPerMinute: "100000"
  capillary:orgs:
    default: {{host: "{emulator.url}", username: demo.till, password: demo-password}}
  wesurvey:accounts:
    default: {{host: "{emulator.url}", appId: demo-appid, secret: demo-secret}}
  pulumi-groups:badgeGroups:
    - {{name: GOLD, rank: 3}}
  pulumi-groups:rewardGroups:
    - {{name: VIP, rank: 1}}
  pulumi-groups:contactGroups:
    - {{name: E2E panel, team_id: 53}}
    - {{name: E2E batch, team_id: 53, parent: E2E panel}}
"""
    )
    env = cli_env(PULUMI)
    env.update({
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'backend'}",
        "PULUMI_CONFIG_PASSPHRASE": "e2e-only",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
    })
    (tmp_path / "backend").mkdir()
    return tmp_path, env


def pulumi(project_dir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([PULUMI, *args, "--stack", STACK, "--non-interactive"], cwd=project_dir, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pulumi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def deploy(project_dir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pulumi_groups", "deploy", "--stacks", STACK, *args],
                          cwd=project_dir, env=env, capture_output=True, text=True, timeout=300)


def test_up_drift_refresh_and_destroy(project, emulator):
    project_dir, env = project
    subprocess.run([PULUMI, "stack", "init", STACK, "--non-interactive"], cwd=project_dir, env=env, check=True,
                   capture_output=True, timeout=120)

    pulumi(project_dir, env, "up", "--yes", "--skip-preview")
    outputs = json.loads(pulumi(project_dir, env, "stack", "output", "--json").stdout)
    [badge] = emulator.badge_groups(DEMO_ORG_ID)
    [reward] = emulator.reward_groups(DEMO_ORG_ID)
    assert outputs["badgeGroups"] == {"default": {"GOLD": badge["id"]}}
    assert outputs["rewardGroups"] == {"default": {"VIP": str(reward["id"])}}
    contacts = {g["name"]: g for g in emulator.contact_groups(53)}
    assert contacts["E2E batch"]["parent_id"] == contacts["E2E panel"]["id"]
    assert outputs["contactGroups"]["default"]["E2E batch"] == str(contacts["E2E batch"]["id"])

    # A second run has nothing to do; deploy's drift check agrees.
    pulumi(project_dir, env, "preview", "--expect-no-changes")
    checked = deploy(project_dir, env, "--refresh", "--expect-no-changes")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Someone changes the rank in the console: the drift check exits 2 and leaves the state alone.
    emulator.update_group("badge", DEMO_ORG_ID, badge["id"], rank=9)
    drifted = deploy(project_dir, env, "--refresh", "--expect-no-changes")
    assert drifted.returncode == 2, drifted.stdout + drifted.stderr
    assert "drift" in drifted.stdout
    # `up` puts the declared rank back.
    pulumi(project_dir, env, "up", "--yes", "--skip-preview", "--refresh")
    assert emulator.badge_groups(DEMO_ORG_ID)[0]["rank"] == 3

    pulumi(project_dir, env, "destroy", "--yes", "--skip-preview")
    # Capillary keeps badge groups and deactivates reward groups; contact groups are deleted.
    assert [g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)] == ["GOLD"]
    assert emulator.reward_groups(DEMO_ORG_ID)[0]["isActive"] is False
    assert not [g for g in emulator.contact_groups(53) if g["name"].startswith("E2E")]
    assert os.path.isdir(project_dir / "backend")
