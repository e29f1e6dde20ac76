"""The ``pulumi`` CLI's arguments read the way the CLI itself (cobra) reads them, so the wrapper
(``python -m pulumi_groups pulumi``) finds the same command word as the CLI: in
``pulumi --color never up`` the command is ``up``, not ``never``.

cobra finds the command by dropping flags from the arguments (``stripFlags`` in
``spf13/cobra`` v1.10, which the pinned CLI uses): a ``--name`` without ``=`` takes the next word
as its value unless the flag is a boolean of the command it is read against, and so does a
two-character ``-x``; ``--name=value``, ``-xVALUE`` and other words starting with ``-`` stand
alone; ``--`` ends the flags. The first word left is the command. Flags are looked up on the root
command: only its own (persistent) flags are known there, so an unknown flag takes a value too,
as it does for cobra.
"""

from __future__ import annotations

from dataclasses import dataclass

# The root command's boolean flags (pulumi v3.274.1, pkg/cmd/pulumi/pulumi.go): the only flags
# that never take the next word. Every other root flag (--cwd/-C, --color, --verbose/-v,
# --tracing, --otel-traces, --profiling, --memprofilerate, --tracing-header) takes one.
ROOT_BOOLEAN_FLAGS = frozenset({
    "--emoji", "-e",
    "--fully-qualify-stack-names", "-Q",
    "--disable-integrity-checking",
    "--logflow",
    "--logtostderr",
    "--non-interactive",
})
CWD_FLAGS = ("--cwd", "-C")
END_OF_FLAGS = "--"
# Go's strconv.ParseBool, which pflag uses for `--flag=value` on a boolean.
GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def _takes_value(word: str) -> bool:
    if "=" in word or word in ROOT_BOOLEAN_FLAGS:
        return False
    return word.startswith("--") or (word.startswith("-") and len(word) == 2)


@dataclass
class CliArgs:
    """What the wrapper needs to know of a ``pulumi`` command line."""

    args: list[str]
    command: str  # the first command word ("up", "stack", ...); "" when there is none
    cwd: str | None  # the value of --cwd / -C, the folder the CLI runs as if started in

    @classmethod
    def parse(cls, args: list[str]) -> CliArgs:
        command, cwd = "", None
        i = 0
        while i < len(args):
            word = args[i]
            if word == END_OF_FLAGS:
                break
            value = args[i + 1] if _takes_value(word) and i + 1 < len(args) else None
            if word in CWD_FLAGS and value is not None:
                cwd = value
            elif word.startswith(("--cwd=", "-C=")):
                cwd = word.split("=", 1)[1]
            elif word.startswith("-C") and len(word) > 2:
                cwd = word[2:]
            elif not word.startswith("-") and word and not command:
                command = word
            i += 2 if value is not None else 1
        return cls(list(args), command, cwd)

    def flags(self) -> list[str]:
        """The arguments before ``--``: after it nothing is a flag."""
        return self.args[:self.args.index(END_OF_FLAGS)] if END_OF_FLAGS in self.args else self.args

    def has_true_flag(self, name: str) -> bool:
        """``--name`` or ``--name=<true>`` before ``--`` (a boolean flag, as pflag reads it: the
        last one given wins)."""
        value = False
        for word in self.flags():
            if word == name:
                value = True
            elif word.startswith(name + "="):
                value = word.split("=", 1)[1] in GO_TRUE
        return value

    def with_flags(self, extra: list[str]) -> list[str]:
        """The arguments with ``extra`` flags added where they are still read as flags."""
        flags = self.flags()
        return [*flags, *extra, *self.args[len(flags):]]
