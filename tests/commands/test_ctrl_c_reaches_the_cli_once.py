"""Each Ctrl-C reaches the CLI exactly once through ``python -m pulumi_groups pulumi``, whoever
sends it: a terminal (to its foreground process group), a ``kill`` of the process group, or a
``kill`` of the wrapper alone; the wrapper waits for the CLI, never kills it, prints no traceback
and exits with the CLI's code. The pulumi CLI cancels on its first signal and terminates on its
second, so a signal delivered twice would be a different command. (``tests/e2e/test_ctrl_c.py``
does the same through the real CLI; this one adds the terminal and counts deliveries, with a
stand-in ``pulumi`` on PATH that records every signal it gets.)"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

CLI_EXIT = 255  # what the pulumi CLI exits with after a cancelled update
WAIT_SECONDS = 60  # bounds on waiting for the stand-in, not verdicts

FAKE_CLI = f"""#!{sys.executable}
import os, signal, sys, time
log = os.environ["FAKE_CLI_LOG"]
def record(signum, frame):
    with open(log, "a") as f:
        f.write(f"{{signum}}\\n")
signal.signal(signal.SIGINT, record)
signal.signal(signal.SIGTERM, record)
starts = sum(1 for name in os.listdir(os.path.dirname(log)) if name.startswith("signals.log.ready"))
open(log + ".ready" + (str(starts + 1) if starts else ""), "w").close()
while not os.path.exists(log + ".quit"):
    time.sleep(0.02)
sys.exit({CLI_EXIT})
"""


@pytest.fixture
def repo(tmp_path) -> Path:
    """A project folder (Pulumi.yaml, stacks/) and a stand-in ``pulumi`` first on PATH."""
    (tmp_path / "Pulumi.yaml").write_text("name: pulumi-groups\nruntime: python\n")
    (tmp_path / "stacks").mkdir()
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(FAKE_CLI)
    fake.chmod(0o755)
    return tmp_path


def environment(repo: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{repo / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "FAKE_CLI_LOG": str(repo / "signals.log"),
        "PYTHONUNBUFFERED": "1",
    }


def received(repo: Path) -> list[int]:
    log = repo / "signals.log"
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def interrupt(repo: Path, send, signals: list[int]) -> None:
    """Send each signal once the stand-in has recorded the ones before, then let it end."""
    wait_for((repo / "signals.log.ready").exists, "the CLI to start")
    for count, signum in enumerate(signals, start=1):
        send(signum)
        wait_for(lambda count=count: len(received(repo)) >= count, f"signal {count} to reach the CLI")
    (repo / "signals.log.quit").touch()


ARGV = [sys.executable, "-m", "pulumi_groups", "pulumi", "stack", "ls"]


@pytest.mark.parametrize("to_group", [True, False], ids=["kill-the-group", "kill-the-wrapper-only"])
def test_without_a_terminal_each_signal_is_passed_on_once(repo, to_group):
    run = subprocess.Popen(
        ARGV,
        cwd=repo,
        env=environment(repo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    kill = os.killpg if to_group else os.kill
    signals = [signal.SIGINT, signal.SIGINT] if to_group else [signal.SIGINT, signal.SIGTERM]
    interrupt(repo, lambda signum: kill(run.pid, signum), signals)
    _, stderr = run.communicate(timeout=WAIT_SECONDS)
    assert "Traceback" not in stderr, stderr
    assert run.returncode == CLI_EXIT  # the CLI ended by itself: not killed
    assert received(repo) == signals


def test_ctrl_c_on_a_terminal_reaches_the_cli_once(repo):
    pid, terminal = pty.fork()  # the child leads a session whose controlling terminal is the pty
    if pid == 0:
        os.chdir(repo)
        os.execve(ARGV[0], ARGV, environment(repo))
    output = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child closed the terminal
                return
            if not chunk:
                return
            output.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    interrupt(repo, lambda signum: os.write(terminal, b"\x03"), [signal.SIGINT, signal.SIGINT])
    _, status = os.waitpid(pid, 0)
    reader.join(WAIT_SECONDS)
    os.close(terminal)
    assert b"Traceback" not in output, output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == CLI_EXIT
    assert received(repo) == [signal.SIGINT, signal.SIGINT]


def test_recover_passes_ctrl_c_on_lets_the_step_finish_and_stops(repo):
    argv = [sys.executable, "-m", "pulumi_groups", "recover", "--stack", "dev"]
    run = subprocess.Popen(
        argv,
        cwd=repo,
        env=environment(repo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    interrupt(repo, lambda signum: os.killpg(run.pid, signum), [signal.SIGINT])
    _, stderr = run.communicate(timeout=WAIT_SECONDS)
    assert "Traceback" not in stderr, stderr
    assert run.returncode == 130
    assert received(repo) == [signal.SIGINT]
    assert not (repo / "signals.log.ready2").exists()  # no further CLI step was started
