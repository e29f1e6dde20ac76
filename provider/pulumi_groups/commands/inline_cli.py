"""``python -m pulumi_groups pulumi <args>``: the real ``pulumi`` CLI, with the stack program
served from this process.

``pulumi up`` normally starts the Python language host (``pulumi-language-python``), which runs
``stacks/__main__.py``. Where that host is missing (the CLI built here from its Go modules has
none: see docs/real-cli.md), the engine can still run the program through a language
runtime it is given the address of: ``--client``, the same door the Automation API's inline
programs use. This module opens that door for the real CLI and any arguments, so ``up`` and
``preview`` print exactly what they print for a user (``--json`` included), and every other
command (``refresh``, ``destroy``, ``stack export``, ``cancel``...) runs unchanged.

What differs from a run through the language host, and why it does not matter here:
- the program is :func:`pulumi_groups.program.stack_program.run` itself, the function
  ``stacks/__main__.py`` calls, run in this process (one fresh interpreter per command, as the
  language host would give it);
- the engine replaces the project's runtime options with the client's address, so the dynamic
  provider's launcher is not told ``runtime.options.virtualenv``: :func:`cli_env` names this
  interpreter in ``PULUMI_PYTHON_CMD`` instead.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent import futures
from pathlib import Path
from typing import Any

from pulumi_groups.commands import large_plan
from pulumi_groups.commands.cli_args import CliArgs
from pulumi_groups.commands.cli_process import INTERRUPTED_EXIT, Interrupted, Interrupts, exit_status
from pulumi_groups.commands.cli_support import cli_env, find_pulumi, repo_root

# Commands that run the program. refresh/destroy run it only when asked (--run-program).
PROGRAM_COMMANDS = ("up", "update", "preview", "pre")
RUN_PROGRAM_FLAG = "--run-program"


def needs_program(args: list[str]) -> bool:
    parsed = CliArgs.parse(args)
    return parsed.command in PROGRAM_COMMANDS or parsed.has_true_flag(RUN_PROGRAM_FLAG)


class ProgramServer:
    """The SDK's own language runtime for inline programs, on an ephemeral loopback port."""

    def __init__(self, program: Callable[[], None]) -> None:
        import grpc
        from pulumi.automation._server import LanguageServer
        from pulumi.runtime.proto import language_pb2_grpc

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageServer(program), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    def __enter__(self) -> ProgramServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(0)

    def client_args(self) -> list[str]:
        return [f"--client=127.0.0.1:{self.port}", "--exec-kind", "auto.inline"]


def run_pulumi(
    pulumi: str,
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    program: Callable[[], None] | None = None,
    interrupts: Interrupts | None = None,
    **popen: Any,
) -> subprocess.CompletedProcess:
    """Run ``pulumi <args>`` in ``cwd``; commands that need the program get it served from here.

    With ``interrupts`` (opened by the caller), Ctrl-C reaches the CLI once and this waits for
    it to finish its graceful cancel (see ``cli_process``)."""
    def start(argv: list[str]) -> subprocess.CompletedProcess:
        if interrupts is None:
            return subprocess.run(argv, cwd=cwd, env=env, **popen)
        # The CLI may prompt (`up` without --yes): it shares the terminal with this process.
        return interrupts.run(argv, share_terminal=True, cwd=cwd, env=env, **popen)

    if not needs_program(args):
        return start([pulumi, *args])
    if program is None:
        from pulumi_groups.program.stack_program import run

        program = run
    with ProgramServer(program) as server:
        # Before any `--`: after it the CLI would read them as arguments, not flags.
        return start([pulumi, *CliArgs.parse(args).with_flags(server.client_args())])


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    # With --cwd/-C the CLI runs as if started there: so does the search for the repository.
    cwd = CliArgs.parse(argv).cwd
    repo = repo_root(Path(cwd) if cwd else None)
    pulumi = find_pulumi(repo)
    if pulumi is None:
        print("no pulumi CLI on PATH or in .pulumi-cli/bin: run `make cli` (or scripts/pulumi-cli.sh) first",
              file=sys.stderr)
        return 1
    env = cli_env(pulumi)
    with Interrupts() as interrupts:
        try:
            if CliArgs.parse(argv).command in large_plan.UP_COMMANDS:
                # A large plan runs without intermediate checkpoints, its creates journaled (large_plan.py).
                return exit_status(large_plan.run_up(
                    pulumi, argv, repo, env,
                    lambda run_env: run_pulumi(pulumi, argv, cwd=repo, env=run_env, interrupts=interrupts).returncode,
                ))
            done = run_pulumi(pulumi, argv, cwd=repo, env=env, interrupts=interrupts)
        except Interrupted:  # Ctrl-C before the CLI started: nothing ran
            return INTERRUPTED_EXIT
    return exit_status(done.returncode)
