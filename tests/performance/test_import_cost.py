"""Provider start-up stays light: what the provider process imports, checked in fresh interpreters
(this test process has imported everything already). Counts modules, never times them:
``benchmarks/import_benchmark.py`` measures the time."""

from __future__ import annotations

import json
import subprocess
import sys

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.wesurvey.contact_group import ContactGroupProvider
from tests.conftest import DEMO_ORG_ID, capillary_config
from tests.support.provider_process import REPO, provider_prop
from tests.wesurvey.conftest import TEAM, wesurvey_config

FORBIDDEN = ("pulumi_groups.emulator", "pulumi_groups.commands", "pulumi_groups.program.stack_program", "ruamel")
HTTP = ("requests", "urllib3")
PROVIDER_MODULES = (
    "pulumi_groups.capillary",
    "pulumi_groups.wesurvey",
    "pulumi_groups.capillary.badge_group",
    "pulumi_groups.capillary.reward_group",
    "pulumi_groups.wesurvey.contact_group",
)


def run_fresh(code: str) -> list:
    """Run ``code`` in a fresh interpreter; it prints one JSON line per result."""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    return [json.loads(line) for line in out.stdout.strip().splitlines()]


def modules_after(statement: str) -> list[str]:
    return run_fresh(f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))")[-1]


def test_the_provider_imports_nothing_the_emulator_cli_or_tests_need():
    loaded = modules_after("import pulumi_groups.capillary")
    assert "pulumi_groups.capillary.badge_group" in loaded and "pulumi_groups.lifecycle.snapshot" in loaded
    assert [m for m in loaded if m.startswith(FORBIDDEN)] == []
    assert not [m for m in loaded if m.startswith(("pytest", "tests"))]


def test_the_provider_modules_load_no_http_library():
    loaded = modules_after("import " + ", ".join(PROVIDER_MODULES))
    assert [m for m in loaded if m.split(".")[0] in HTTP] == []


def test_beyond_pulumi_the_provider_modules_add_only_their_own():
    added = run_fresh(
        "import json, sys\nimport pulumi\nbefore = set(sys.modules)\n"
        f"import {', '.join(PROVIDER_MODULES)}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )[-1]
    assert "pulumi_groups.wesurvey.contact_group" in added
    assert [m for m in added if not m.startswith("pulumi_groups")] == []  # no third-party package


def test_the_snapshot_knows_nothing_of_pulumi_or_http():
    loaded = modules_after("import pulumi_groups.lifecycle.snapshot")
    assert not [m for m in loaded if m.split(".")[0] in ("pulumi", "requests", "urllib3", "grpc")]


# The provider process's path: unpickle ``__provider`` (importing the module by reference),
# configure, then check and diff (a preview of an unchanged stack), then the first create.
PROVIDER_CALLS = """
import base64, json, sys
import dill
from pulumi.dynamic import Config, ConfigureRequest

def http_loaded():
    return sorted(m for m in sys.modules if m.split(".")[0] in ("requests", "urllib3"))

config, declared = json.loads(sys.argv[1]), json.loads(sys.argv[2])
providers = []
for props in declared:
    provider = dill.loads(base64.b64decode(props.pop("__provider")))
    provider.configure(ConfigureRequest(Config(config, "pulumi-groups")))
    inputs = provider.check({}, props).inputs
    diff = provider.diff("1", {**inputs}, inputs)
    providers.append((provider, inputs, diff.changes))
print(json.dumps({"changes": [changes for _, _, changes in providers], "http": http_loaded()}))
created = [provider.create(inputs).id for provider, inputs, _ in providers]
print(json.dumps({"created": created, "http": http_loaded()}))
"""


def test_a_no_change_preview_loads_no_http_library_and_the_first_call_still_works(emulator):
    config = {**capillary_config(emulator), **wesurvey_config(emulator)}
    declared = [
        {"__provider": provider_prop(BadgeGroupProvider()), "name": "GOLD", "rank": 3.0},
        {"__provider": provider_prop(ContactGroupProvider()), "name": "Panel", "team_id": 53.0, "remote_id": "crm-1"},
    ]
    preview, first_call = run_fresh(
        "import sys\nsys.argv[1:] = " + repr([json.dumps(config), json.dumps(declared)]) + "\n" + PROVIDER_CALLS
    )
    assert preview == {"changes": [False, False], "http": []}
    assert {"requests", "urllib3"} <= set(first_call["http"])  # loaded by the first call, which worked:
    badge_id, contact_id = first_call["created"]
    assert [(g["id"], g["name"]) for g in emulator.badge_groups(DEMO_ORG_ID)] == [(badge_id, "GOLD")]
    assert {str(g["id"]): g["name"] for g in emulator.contact_groups(TEAM)}[contact_id] == "Panel"


def test_the_import_benchmark_runs():
    """``benchmarks/import_benchmark.py`` with one interpreter per statement, so it cannot rot."""
    script = str(REPO / "benchmarks" / "import_benchmark.py")
    out = subprocess.run(
        [sys.executable, script, "--runs", "1", "--json"], check=True, capture_output=True, text=True, timeout=120
    )
    medians = json.loads(out.stdout)
    assert len(medians) == 5 and all(m["wall"] > 0 and m["cpu"] > 0 for m in medians.values())
