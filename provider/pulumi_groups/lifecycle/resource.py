"""Base of ``BadgeGroup``, ``RewardGroup`` and ``ContactGroup``: a ``pulumi.dynamic.Resource``
whose ``__provider`` is pickled once per provider class, not once per resource.

Why: the SDK's ``pulumi.dynamic.Resource.__init__`` runs ``serialize_provider()`` for every
resource, and each run wraps ``pickle._Pickler._batch_setitems`` in one more sorting layer that
is never taken off (pulumi/pulumi#17803). Pickling walks every layer, so after about 1,000 of our
groups (about 320 plain dynamic resources) in one program, pickling overflows the stack and the
program dies with ``RecursionError`` before the engine sees a single resource.

Our providers hold no state (``GroupProvider.__getstate__`` returns ``{}``), so their pickle
depends on the class alone. It is computed once per class by the SDK's own serializer, so the
value is byte for byte the one the SDK writes, which existing stacks hold in state: no
``__provider`` diff. Around that one call the pickle module is put back exactly as it was found,
whether or not the SDK still leaks, and whatever other code did to it before. Each resource then
registers the way the SDK's constructor does (same type token, same inputs, the same secret rule);
``tests/program/test_many_groups.py`` compares every request with the SDK constructor's, so an
SDK release that changes that constructor shows up there.
"""

from __future__ import annotations

import contextlib
import pickle
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider
from pulumi.runtime._serialization import _serialize

from pulumi_groups.lifecycle.provider import GroupProvider

# Where serialize_provider() patches: the pure-Python pickler and the module's Pickler name.
_PATCHED_BY_THE_SDK = (pickle, pickle._Pickler)
_ABSENT = object()


@contextlib.contextmanager
def pickle_left_as_found() -> Iterator[None]:
    """Every attribute of ``pickle`` and ``pickle._Pickler`` is the same object afterwards as
    before: patched ones are put back, added ones removed."""
    saved = [(owner, dict(vars(owner))) for owner in _PATCHED_BY_THE_SDK]
    try:
        yield
    finally:
        for owner, before in saved:
            now = vars(owner)
            for key in [key for key in now if key not in before]:
                delattr(owner, key)
            for key, value in before.items():
                if now.get(key, _ABSENT) is not value:
                    setattr(owner, key, value)


_pickled: dict[type, tuple[str, bool]] = {}
_pickling = threading.Lock()  # one SDK call at a time: each saves and restores the same attributes


def pickled_provider(provider_class: type[GroupProvider]) -> tuple[str, bool]:
    """``(base64 pickle, captured a secret?)`` of ``provider_class()``, as the SDK computes it."""
    with _pickling:
        if provider_class not in _pickled:
            with pickle_left_as_found():
                _pickled[provider_class] = _serialize(True, serialize_provider, provider_class())
        return _pickled[provider_class]


class GroupResource(pulumi.dynamic.Resource):
    """Subclasses name their type token as with ``pulumi.dynamic.Resource`` (``module=``,
    ``name=``) and pass their provider class, its inputs and options to ``__init__``."""

    def __init__(
        self,
        provider_class: type[GroupProvider],
        resource_name: str,
        inputs: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Outputs are declared as None inputs so the engine hands them back as attributes.
        props: dict[str, Any] = {**inputs, **{output.name: None for output in provider_class.outputs}}
        serialized, captured_secret = pickled_provider(provider_class)
        # The SDK's rule: a secret unless the provider opts out and captured no secret.
        secret = getattr(provider_class, "serialize_as_secret_always", True) or captured_secret
        props[PROVIDER_KEY] = pulumi.Output.secret(serialized) if secret else serialized
        # Skips pulumi.dynamic.Resource.__init__ (it would pickle again, and leak): registers as it does.
        super(pulumi.dynamic.Resource, self).__init__(
            f"pulumi-python:{self._resource_type_name}", resource_name, props, opts
        )
