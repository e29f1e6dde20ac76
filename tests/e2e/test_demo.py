"""``python -m pulumi_groups demo`` (what ``make demo`` runs) end to end on the real CLI, in a copy
of the repo's project: the groups exist after the first run, the second run changes nothing, and
the committed demo stack file is left exactly as it was (its salt belongs to the demo passphrase)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request

from tests.commands.test_demo import free_port
from tests.e2e.harness import REPO, Project


def test_demo_twice_creates_the_groups_then_changes_nothing(tmp_path, pulumi_cli):
    root = tmp_path / "repo"
    (root / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copy(REPO / "stacks" / "__main__.py", root / "stacks" / "__main__.py")
    (root / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    (root / "stacks" / ".venv").symlink_to(os.readlink(REPO / "stacks" / ".venv"), target_is_directory=True)
    port = free_port()
    committed = (REPO / "stacks" / "Pulumi.demo.yaml").read_text()
    stack_file = root / "stacks" / "Pulumi.demo.yaml"
    stack_file.write_text(committed.replace("127.0.0.1:18080", f"127.0.0.1:{port}"))
    before = stack_file.read_text()
    env = Project(tmp_path / "unused", pulumi_cli).env  # the CLI on PATH, no user backend
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        env.pop(key)
    url = f"http://127.0.0.1:{port}"
    try:
        runs = [
            subprocess.run(
                [sys.executable, "-m", "pulumi_groups", "demo", "--port", str(port)],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            for _ in range(2)
        ]
        for run in runs:
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        with urllib.request.urlopen(f"{url}/__admin/state", timeout=5) as answer:
            held = json.load(answer)
        assert stack_file.read_text() == before  # no salt or anything else written into it
        demo = Project.attach(
            root,
            {
                **env,
                "PULUMI_BACKEND_URL": f"file://{root / '.pulumi'}",
                "PULUMI_CONFIG_PASSPHRASE": "demo-only-passphrase",
            },
        )
        state = {name: r["id"] for name, r in demo.resources(stack="demo").items()}
        assert len(state) == 10
        held_ids = {
            str(g["id"])
            for org in held["capillary"].values()
            for kind in ("badgeGroups", "rewardGroups")
            for g in org[kind]
        }
        held_ids |= {
            str(g["id"])
            for team in held["wesurvey"].values()
            for g in team["groups"]
            if g["id"] != team["defaultGroupId"]
        }
        assert set(state.values()) == held_ids  # every group the emulator holds, once, in the state
        preview = demo.pulumi("preview", "--json", "--expect-no-changes", stack="demo")
        assert preview.summary() == {"same": 11}
    finally:
        pid_file = root / ".demo" / "emulator.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
