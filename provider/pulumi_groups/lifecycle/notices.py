"""One-line notices to the person running Pulumi.

A dynamic provider has no diagnostics channel of its own: the engine shows what the provider
process writes to stderr. Every notice is one line naming the group it is about.
"""

from __future__ import annotations

import sys


def notify(message: str) -> None:
    print(f"pulumi-groups: {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(f"pulumi-groups: warning: {message}", file=sys.stderr, flush=True)
