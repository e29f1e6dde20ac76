"""The engine's floor: a dynamic provider that does nothing, declared N times, through the real CLI.

``cli_benchmark.py`` runs it next to our badge groups, so each of our figures can be read as a
ratio to what the same CLI, backend and machine cost for a provider that sends no request at all.

The provider is pickled by reference (this module is importable in the provider process through
``PYTHONPATH``) and registered the way ``GroupResource`` registers ours: one pickle per class,
``__provider`` not a secret. So the state per resource has the same shape as ours, and the
difference between the two lines is our provider's own work (HTTP, listings, checks).
"""

from __future__ import annotations

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider
from pulumi.runtime._serialization import _serialize

from pulumi_groups.lifecycle.resource import pickle_left_as_found

_pickled: list[str] = []


class NoopProvider(ResourceProvider):
    serialize_as_secret_always = False

    def create(self, props: dict) -> CreateResult:
        return CreateResult(f"noop-{props['name']}", {"name": props["name"], "rank": props.get("rank")})

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        return DiffResult(changes=olds.get("rank") != news.get("rank"))

    def read(self, id_: str, props: dict) -> ReadResult:
        return ReadResult(id_, props)

    def delete(self, _id: str, props: dict) -> None:
        return None


def _provider_pickle() -> str:
    if not _pickled:
        with pickle_left_as_found():  # the SDK's leak (pulumi/pulumi#17803) would stop us at ~320
            _pickled.append(_serialize(True, serialize_provider, NoopProvider())[0])
    return _pickled[0]


class Noop(pulumi.dynamic.Resource, module="bench", name="Noop"):
    def __init__(self, name: str, rank: int) -> None:
        props = {"name": name, "rank": rank, PROVIDER_KEY: _provider_pickle()}
        super(pulumi.dynamic.Resource, self).__init__(f"pulumi-python:{self._resource_type_name}", name, props)


def program(count: int):
    """The stack program: ``count`` no-op resources, named as the badge benchmark names groups."""

    def declare() -> None:
        for i in range(count):
            Noop(f"G{i:05d}", i % 100)

    return declare
