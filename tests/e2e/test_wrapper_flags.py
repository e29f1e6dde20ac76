"""``python -m pulumi_groups pulumi`` with the CLI's own flags before the command, as a user
types them: the wrapper finds the command the CLI runs (``preview``, not ``--color``'s value),
serves it the program, and with ``-C`` works from outside the project."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import STACK, Run, json_documents, stack_config


def test_flags_before_the_command_and_cwd_from_elsewhere(project, emulator, tmp_path):
    project.write_stack(stack_config(emulator.url, badge="\n    - {name: F1, rank: 1}"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    argv = [
        sys.executable,
        "-m",
        "pulumi_groups",
        "pulumi",
        "--color",
        "never",
        "--non-interactive",
        "-C",
        str(project.root),
        "preview",
        "--json",
        "--stack",
        STACK,
    ]
    done = subprocess.run(argv, cwd=elsewhere, env=project.env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    run = Run(argv, done.returncode, done.stdout, done.stderr, json_documents(done.stdout))
    assert run.ops() == {"default/badge/F1": "create"}  # the program ran: served by the wrapper
    assert emulator.badge_groups(DEMO_ORG_ID) == []  # a preview
