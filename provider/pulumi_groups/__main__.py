"""``python -m pulumi_groups <command>``: the commands live in ``pulumi_groups.commands``, apart
from what the provider process imports, and load their own dependencies only when run."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "demo": "Start the emulator and `pulumi up` the demo stack against it.",
    "export": "Write an org's existing groups into a stack file as declarations with adopt: true.",
    "deploy": "Run preview/up/refresh on every stack matching a pattern and print one summary.",
    "accept-drift": "Write the live values of drifted declared groups into the stack file (rank, renames).",
    "recover": "After a killed `up`: repair what the kill cut, release the lock, mark its creates adopt: true.",
    "pulumi": "Run the pulumi CLI with the stack program served from here (no language host needed).",
}
# Commands whose module is not named after them.
MODULES = {"pulumi": "inline_cli", "accept-drift": "accept_drift"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: python -m pulumi_groups <command> [options]\n\ncommands:")
        for name, summary in COMMANDS.items():
            print(f"  {name:<12} {summary}")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(f"pulumi_groups.commands.{MODULES.get(argv[0], argv[0])}")
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
