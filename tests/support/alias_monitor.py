"""A mock monitor that also records the aliases each resource registers with (the SDK's
``MockResourceArgs`` does not carry them)."""

from __future__ import annotations

import pulumi
from pulumi.runtime.mocks import MockMonitor


class AliasRecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.aliases: dict[str, list[str]] = {}  # resource name -> alias names (or URNs)

    def RegisterResource(self, request):
        if request.type != "pulumi:pulumi:Stack":
            self.aliases[request.name] = [alias.spec.name or alias.urn for alias in request.aliases]
        return super().RegisterResource(request)


def set_alias_mocks(mocks: pulumi.runtime.Mocks, stack: str) -> AliasRecordingMonitor:
    monitor = AliasRecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="pulumi-groups", stack=stack, preview=False, monitor=monitor)
    return monitor
