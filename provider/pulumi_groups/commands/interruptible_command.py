"""The Automation API's ``PulumiCommand`` with every CLI run started through
:class:`~pulumi_groups.commands.cli_process.Interrupts`: in a process group of its own, each
Ctrl-C passed on to it once, waited for, never killed (the SDK's own ``run`` starts the CLI in
this process group and lets ``KeyboardInterrupt`` end the command that waits for it).

``run`` does what the SDK's does otherwise (pulumi 3.2xx ``automation/_cmd.py``): the CLI with
``--non-interactive`` before any ``--``, ``PULUMI_AUTOMATION_API=true``, its output line by line
to the callbacks, ``CommandError`` (the SDK's subclasses) on a non-zero exit.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import IO, Any

from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation.errors import create_command_error

from pulumi_groups.commands.cli_args import CliArgs
from pulumi_groups.commands.cli_process import Interrupts


def _read_lines(stream: IO[str], callback: Callable[[str], Any] | None, lines: list[str]) -> None:
    for line in iter(stream.readline, ""):
        stripped = line.rstrip()
        if callback is not None:
            callback(stripped)
        lines.append(stripped)
    stream.close()


class InterruptibleCommand(PulumiCommand):
    def __init__(self, root: str | None, interrupts: Interrupts) -> None:
        super().__init__(root=root)
        self.interrupts = interrupts

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> CommandResult:
        parsed = CliArgs.parse(args)
        if "--non-interactive" not in parsed.flags():
            args = parsed.with_flags(["--non-interactive"])
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        stdout: list[str] = []
        stderr: list[str] = []
        with self.interrupts.popen([self.command, *args], cwd=cwd, env=env, encoding="utf-8",
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
            readers = [threading.Thread(target=_read_lines, args=(process.stdout, on_output, stdout)),
                       threading.Thread(target=_read_lines, args=(process.stderr, on_error, stderr))]
            for reader in readers:
                reader.start()
            for reader in readers:
                reader.join()
            process.wait()
        result = CommandResult(stdout="\n".join(stdout), stderr="\n".join(stderr), code=process.returncode)
        if result.code != 0:
            raise create_command_error(result)
        return result
