"""Capillary badge and reward groups and WeSurvey contact groups as Pulumi resources.

This is what the provider process imports: keep it free of the emulator, the CLI commands and
anything only they need (YAML, tables). The resource and provider classes of every registered
kind (``lifecycle/kinds.py``) are names of this package, imported on first use: ``from
pulumi_groups import BadgeGroup``.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from pulumi_groups.lifecycle import kinds

    for kind in kinds.registered():
        for cls in (kind.resource, kind.provider):
            if cls.__name__ == name:
                return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
