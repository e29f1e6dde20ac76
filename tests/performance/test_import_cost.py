"""Provider start-up stays light: what the provider process imports, checked in a fresh
interpreter (this test process has imported everything already)."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("pulumi_groups.emulator", "pulumi_groups.commands", "pulumi_groups.stack_program", "ruamel")


def modules_after(statement: str) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_provider_imports_nothing_the_emulator_cli_or_tests_need():
    loaded = modules_after("import pulumi_groups.capillary")
    assert "pulumi_groups.capillary.badge_group" in loaded and "pulumi_groups.snapshot" in loaded
    assert [m for m in loaded if m.startswith(FORBIDDEN)] == []
    assert not [m for m in loaded if m.startswith(("pytest", "tests"))]


def test_the_snapshot_knows_nothing_of_pulumi_or_http():
    loaded = modules_after("import pulumi_groups.snapshot")
    assert not [m for m in loaded if m.split(".")[0] in ("pulumi", "requests", "urllib3", "grpc")]
