"""``python -m pulumi_groups demo`` (``make demo``): the main job on a fresh machine.

1. starts the local emulator in the background (or reuses the one already on the port), with its
   state in ``.demo/`` so the demo survives a restart, and its process id in ``.demo/emulator.pid``
   (stop it with ``kill $(cat .demo/emulator.pid)``);
2. finds the ``pulumi`` CLI (PATH, then ``.pulumi-cli/bin`` in the repo), or installs it there with
   the Automation API's ``PulumiCommand.install()``; where that cannot download, builds it from its
   Go modules (``scripts/pulumi-cli.sh``, minutes the first time) when ``go`` is present; else
   prints the exact install commands and exits 1 — everything before this step has still run
   (``PULUMI_GROUPS_SKIP_CLI_INSTALL=1`` skips installing and building);
3. uses a local file backend inside the repo (``PULUMI_BACKEND_URL=file://<repo>/.pulumi``, set
   for the CLI it runs only, so the user's own ``pulumi login`` is left alone) with a passphrase
   that is for this demo only, and runs the real ``pulumi up`` on the ``demo`` stack, the stack
   program served to it from this process (``python -m pulumi_groups pulumi``: no Python
   language host needed); a second run reports no changes;
4. prints the stack outputs and the groups the emulator now holds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pulumi_groups.commands.cli_support import INSTALL_HELP, cli_env, find_pulumi, install_pulumi, repo_root
from pulumi_groups.commands.inline_cli import run_pulumi

DEMO_PORT = int(os.environ.get("PULUMI_GROUPS_DEMO_PORT", "18080"))
STACK_FILE_PORT = 18080  # what stacks/Pulumi.demo.yaml points at
DEMO_PASSPHRASE = "demo-only-passphrase"  # protects nothing real: the demo stack holds no real secret
START_TIMEOUT_SECONDS = 15


def emulator_up(url: str) -> bool:
    """Whether an emulator answers at ``url`` (its admin endpoint)."""
    try:
        with urllib.request.urlopen(f"{url}/__admin/counters", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def start_emulator(repo: Path, port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    if emulator_up(url):
        print(f"emulator: already running at {url}")
        return url
    state_dir = repo / ".demo"
    state_dir.mkdir(exist_ok=True)
    with open(state_dir / "emulator.log", "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pulumi_groups.emulator", "--port", str(port),
             "--state", str(state_dir / "emulator-state.json")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # keeps serving after this command ends, for refresh/destroy
        )
    (state_dir / "emulator.pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if emulator_up(url):
            print(f"emulator: started at {url} (pid {process.pid} in .demo/emulator.pid; "
                  "state .demo/emulator-state.json, log .demo/emulator.log)")
            return url
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"the emulator did not start on port {port}; see .demo/emulator.log")


def demo_env(repo: Path, pulumi: str) -> dict[str, str]:
    """Always the repo's own backend and the demo passphrase, whatever the user's shell sets: the
    demo stack must not land in a real backend, nor be encrypted with a real passphrase."""
    env = cli_env(pulumi)
    env["PULUMI_BACKEND_URL"] = f"file://{repo / '.pulumi'}"
    env["PULUMI_CONFIG_PASSPHRASE"] = DEMO_PASSPHRASE
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    return env


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_groups demo", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=DEMO_PORT,
                        help=f"emulator port (the demo stack expects {STACK_FILE_PORT})")
    parser.add_argument("--stack", default="demo")
    args = parser.parse_args(argv)

    repo = repo_root()
    url = start_emulator(repo, args.port)
    if args.port != STACK_FILE_PORT and args.stack == "demo":
        print(f"note: stacks/Pulumi.demo.yaml targets port {STACK_FILE_PORT}, not {args.port}")
    pulumi = find_pulumi(repo) or install_pulumi(repo)
    if pulumi is None:
        print(INSTALL_HELP, file=sys.stderr)
        return 1
    (repo / ".pulumi").mkdir(exist_ok=True)
    env = demo_env(repo, pulumi)
    print(f"pulumi: {pulumi}, backend {env['PULUMI_BACKEND_URL']}")

    def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
        return run_pulumi(pulumi, list(command), cwd=repo, env=env, **kwargs)

    if run("stack", "select", "--create", args.stack).returncode != 0:
        return 1
    if run("up", "--yes", "--stack", args.stack).returncode != 0:
        return 1
    outputs = run("stack", "output", "--json", "--stack", args.stack, capture_output=True, text=True)
    print("stack outputs:\n" + outputs.stdout)
    with urllib.request.urlopen(f"{url}/__admin/state", timeout=5) as answer:
        print("the emulator now holds:\n" + json.dumps(json.load(answer), indent=2)[:4000])
    print("next, with the same backend and demo passphrase:\n"
          f"    export PULUMI_BACKEND_URL={env['PULUMI_BACKEND_URL']}"
          f" PULUMI_CONFIG_PASSPHRASE={env['PULUMI_CONFIG_PASSPHRASE']}\n"
          f"    {pulumi} refresh -s {args.stack}      # or destroy\n"
          "    # up/preview without a language host:\n"
          f"    .venv/bin/python -m pulumi_groups pulumi preview -s {args.stack}\n"
          f"    .venv/bin/python -m pulumi_groups deploy --stacks {args.stack} --refresh --expect-no-changes")
    return 0
