"""Pulumi mocks that record every resource a program declares (layer-2 tests)."""

from __future__ import annotations

import itertools

import pulumi


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers each new resource with its inputs as outputs and an id: ``id-of-<name>``, or
    with ``numeric_ids`` WeSurvey-like numbers as strings, as the engine passes ids on."""

    def __init__(self, numeric_ids: bool = False) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.id_of: dict[str, str] = {}
        self._numbers = itertools.count(6001) if numeric_ids else None

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        # Registration order varies between runs: tests read ids from here, never guess them.
        self.id_of[args.name] = str(next(self._numbers)) if self._numbers else f"id-of-{args.name}"
        return self.id_of[args.name], dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}

    def named(self, name: str) -> pulumi.runtime.MockResourceArgs:
        return next(r for r in self.resources if r.name == name)

    def names(self) -> set[str]:
        return {r.name for r in self.resources}
