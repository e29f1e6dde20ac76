"""Capillary groups as Pulumi resources: every kind a module of this package registers
(``lifecycle/kinds.py``), its resource and provider classes importable from here.

This is what the provider process imports: keep it free of the emulator, the CLI commands and
anything only they need.
"""

from __future__ import annotations

from typing import Any

from pulumi_groups.lifecycle import kinds

__all__ = kinds.export_package(__name__, globals())


def __getattr__(name: str) -> Any:  # the names above are set at import; type checkers see this
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
