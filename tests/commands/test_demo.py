"""``python -m pulumi_groups demo`` on a machine without the pulumi CLI (and without network):
everything up to the CLI step still runs, then it says how to install the CLI and exits 1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pulumi_groups.commands.demo import emulator_up

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def path_without_pulumi() -> str:
    """This virtualenv's bin plus the system folders, minus any folder holding a pulumi binary."""
    folders = [str(Path(sys.executable).parent), *os.environ.get("PATH", "").split(os.pathsep)]
    return os.pathsep.join(f for f in folders if f and not (Path(f) / "pulumi").exists())


@pytest.fixture
def demo_repo(tmp_path):
    """A copy of the project's Pulumi.yaml and stacks/, so the demo's .demo/ lands in tmp."""
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_demo_without_the_cli_starts_the_emulator_then_explains_the_install(demo_repo):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PATH": path_without_pulumi(), "PULUMI_GROUPS_SKIP_CLI_INSTALL": "1"}
    env.pop("PULUMI_GROUPS_DEMO_PORT", None)
    pid_file = demo_repo / ".demo" / "emulator.pid"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pulumi_groups", "demo", "--port", str(port)],
            cwd=demo_repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"emulator: started at {url}" in result.stdout
        assert "PULUMI_GROUPS_SKIP_CLI_INSTALL is set: not downloading or building it" in result.stdout
        assert "The pulumi CLI is not installed" in result.stderr
        assert "curl -fsSL https://get.pulumi.com | sh" in result.stderr
        # The emulator keeps running in the background for the next steps, with its state in .demo/.
        assert emulator_up(url)
        with urllib.request.urlopen(f"{url}/__admin/state", timeout=5) as answer:
            assert isinstance(json.load(answer), dict)
        assert (demo_repo / ".demo" / "emulator.log").exists()
        assert not (demo_repo / ".pulumi-cli").exists()  # nothing was downloaded

        # A second run reuses the emulator already on the port.
        again = subprocess.run(
            [sys.executable, "-m", "pulumi_groups", "demo", "--port", str(port)],
            cwd=demo_repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 1 and f"emulator: already running at {url}" in again.stdout
    finally:
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while emulator_up(url) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not emulator_up(url)


def test_demo_never_uses_the_users_backend_or_passphrase(tmp_path, monkeypatch):
    from pulumi_groups.commands.demo import DEMO_PASSPHRASE, demo_env

    monkeypatch.setenv("PULUMI_BACKEND_URL", "https://api.pulumi.com")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "a-real-passphrase")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", "/secrets/pass")
    env = demo_env(tmp_path, "/opt/pulumi/bin/pulumi")
    assert env["PULUMI_BACKEND_URL"] == f"file://{tmp_path / '.pulumi'}"
    assert env["PULUMI_CONFIG_PASSPHRASE"] == DEMO_PASSPHRASE and "PULUMI_CONFIG_PASSPHRASE_FILE" not in env
    # This virtualenv's python first, then the CLI's folder (its language plugins live there).
    assert env["PATH"].split(os.pathsep)[:2] == [str(Path(sys.executable).parent), "/opt/pulumi/bin"]
