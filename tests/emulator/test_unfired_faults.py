"""A fault a test sets must fire: the emulator lists those that never did, and the suite's
fixture (tests/conftest.py) fails a test that leaves one, unless the test is marked
``faults_may_not_fire``. The fixture is checked by running a small test file through pytest."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from pulumi_groups.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
BADGES = "/api_gateway/v1/badges/group"


@pytest.mark.faults_may_not_fire("two of its faults never fire, on purpose")
def test_unfired_lists_every_fault_set_that_never_fired_replaced_and_cleared_ones_too():
    with Emulator() as emu:
        emu.set_faults(
            [
                {"path": "^/never$", "action": "reset"},
                {"method": "GET", "action": "status", "status": 503, "count": 3},  # fires once: enough
            ]
        )
        assert requests.get(emu.url + BADGES).status_code == 503
        emu.set_faults([{"method": "DELETE", "action": "reset"}])  # replaced before it fired
        emu.add_fault({"method": "GET", "action": "malformed"})
        requests.get(emu.url + BADGES)
        emu.clear_faults()
        assert emu.unfired_faults() == [
            {"action": "reset", "count": 1, "skip": 0, "path": "^/never$"},
            {"action": "reset", "count": 1, "skip": 0, "method": "DELETE"},
        ]


TESTS = """
import pytest
import requests

def test_unfired(emulator):
    emulator.set_faults([{"method": "DELETE", "action": "reset"}])
    requests.get(emulator.url + "/api_gateway/v1/badges/group")

@pytest.mark.faults_may_not_fire("the point: nothing is deleted")
def test_unfired_and_marked(emulator):
    emulator.set_faults([{"method": "DELETE", "action": "reset"}])

def test_fired(emulator):
    emulator.set_faults([{"method": "GET", "action": "status", "status": 503}])
    assert requests.get(emulator.url + "/api_gateway/v1/badges/group").status_code == 503

def test_unfired_in_an_emulator_of_its_own():
    from pulumi_groups.emulator import Emulator
    with Emulator() as emu:
        emu.set_faults([{"method": "DELETE", "action": "reset"}])

def test_failing_already(emulator):
    emulator.set_faults([{"method": "DELETE", "action": "reset"}])
    assert False
"""


def test_a_test_that_leaves_a_fault_unfired_fails_unless_marked(tmp_path):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(TESTS))
    report = tmp_path / "report.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junit-xml={report}",
            str(tmp_path / "test_sample.py"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    verdicts: dict[str, list[str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        verdicts[case.get("name")] = sorted(child.tag for child in case if child.tag in ("failure", "error"))
    assert verdicts == {
        "test_unfired": ["error"],  # at teardown: the DELETE reset never fired
        "test_unfired_and_marked": [],
        "test_fired": [],
        "test_unfired_in_an_emulator_of_its_own": ["error"],
        "test_failing_already": ["failure"],  # its own failure only
    }
