"""Shared by the stack-program tests: recording mocks, and no credentials from the host's env."""

from __future__ import annotations

import os

import pulumi
import pytest


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        return f"id-of-{args.name}", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}

    def named(self, name: str) -> pulumi.runtime.MockResourceArgs:
        return next(r for r in self.resources if r.name == name)

    def names(self) -> set[str]:
        return {r.name for r in self.resources}


@pytest.fixture(autouse=True)
def no_credentials_from_environment(monkeypatch):
    """The default-org rule also counts CAPILLARY_*/WESURVEY_* variables: keep the host's out."""
    for name in list(os.environ):
        if name.startswith(("CAPILLARY_", "WESURVEY_", "PULUMI_CONFIG")):
            monkeypatch.delenv(name)
