"""The wrapper reads ``pulumi`` arguments as the CLI (cobra) does: a flag's value is never taken
for the command word, booleans take none, ``--`` ends the flags, and the program's ``--client``
flags go where the CLI still reads them as flags."""

from __future__ import annotations

import pytest

from pulumi_groups.commands.cli_args import CliArgs
from pulumi_groups.commands.inline_cli import needs_program


@pytest.mark.parametrize(
    "args, command",
    [
        (["up", "--yes"], "up"),
        (["--color", "never", "up"], "up"),
        (["--color=never", "up"], "up"),
        (["-C", ".", "up"], "up"),
        (["-C.", "up"], "up"),
        (["--cwd=.", "preview"], "preview"),
        (["--cwd", "stacks", "preview"], "preview"),
        (["-v", "3", "--non-interactive", "up"], "up"),
        (["--non-interactive", "up"], "up"),  # a boolean takes no value
        (["-e", "-Q", "--logtostderr", "--disable-integrity-checking", "--logflow", "pre"], "pre"),
        (["--tracing", "file:/tmp/t", "--profiling", "p", "--memprofilerate", "1", "up"], "up"),
        (["--otel-traces", "file:///tmp", "--tracing-header", "h", "update"], "update"),
        (["--", "up"], ""),  # after `--` nothing is a command
        (["--color", "never"], ""),
        (["stack", "export"], "stack"),
        (["--some-new-flag", "x", "up"], "up"),  # unknown flags take a value, as cobra reads them
    ],
)
def test_the_command_word_is_the_one_the_cli_runs(args, command):
    assert CliArgs.parse(args).command == command


@pytest.mark.parametrize(
    "args, cwd",
    [
        (["-C", "dir", "up"], "dir"),
        (["-Cdir", "up"], "dir"),
        (["-C=dir", "up"], "dir"),
        (["--cwd", "dir", "up"], "dir"),
        (["--cwd=dir", "up"], "dir"),
        (["up", "--", "-C", "dir"], None),
        (["up"], None),
    ],
)
def test_cwd_is_read_wherever_the_cli_reads_it(args, cwd):
    assert CliArgs.parse(args).cwd == cwd


@pytest.mark.parametrize(
    "args, needed",
    [
        (["--color", "never", "up"], True),
        (["-C", ".", "preview"], True),
        (["--color", "up", "stack", "ls"], False),  # `up` is --color's value here
        (["refresh", "--run-program"], True),
        (["refresh", "--run-program=true"], True),
        (["refresh", "--run-program=false"], False),
        (["refresh", "--run-program", "--run-program=0"], False),  # the last one wins
        (["refresh", "--", "--run-program"], False),
        (["destroy"], False),
    ],
)
def test_the_program_is_served_exactly_when_the_cli_runs_it(args, needed):
    assert needs_program(args) is needed


def test_added_flags_go_before_the_end_of_flags():
    parsed = CliArgs.parse(["up", "--yes", "--", "extra"])
    assert parsed.with_flags(["--client=x"]) == ["up", "--yes", "--client=x", "--", "extra"]
    assert CliArgs.parse(["up"]).with_flags(["--client=x"]) == ["up", "--client=x"]
