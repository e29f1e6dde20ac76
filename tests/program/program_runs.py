"""Runs ``benchmarks/declare_groups.py``: the stack program under mocks in a fresh interpreter,
as the language host runs it (this test process has pickled providers already)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DECLARE_GROUPS = REPO / "benchmarks" / "declare_groups.py"


def declare_groups(groups: int, path: str = "fixed", dump: Path | None = None, timeout: int = 280) -> dict[str, Any]:
    command = [sys.executable, str(DECLARE_GROUPS), "--groups", str(groups), "--path", path]
    if dump is not None:
        command += ["--dump", str(dump)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAPILLARY_", "WESURVEY_", "PULUMI_"))}
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])
