"""Issue #14: "what does a new resource implement?" has one answer, ``lifecycle/hooks.py``.

Every public method a resource's provider defines is a hook declared (and documented) on
``GroupHooks``, or a ``ResourceProvider`` method; the lifecycle's collaborators are not mixins.
"""

from __future__ import annotations

import inspect

import pytest
from pulumi.dynamic import ResourceProvider

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.capillary.common import CapillaryGroupProvider
from pulumi_groups.lifecycle.hooks import GroupHooks
from pulumi_groups.lifecycle.provider import GroupProvider
from pulumi_groups.wesurvey import ContactGroupProvider

RESOURCE_PROVIDERS = [CapillaryGroupProvider, BadgeGroupProvider, RewardGroupProvider, ContactGroupProvider]


def public_methods(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items() if callable(value) and not name.startswith("_")}


@pytest.mark.parametrize("provider_class", RESOURCE_PROVIDERS, ids=lambda c: c.__name__)
def test_a_resource_implements_only_declared_hooks(provider_class):
    undeclared = public_methods(provider_class) - set(dir(GroupHooks)) - set(dir(ResourceProvider))
    assert undeclared == set()


def test_every_hook_is_documented_once_in_the_hook_interface():
    hooks = public_methods(GroupHooks)
    assert {"load_config", "client", "flatten", "api_get", "api_create", "api_update", "api_delete"} <= hooks
    assert all(inspect.getdoc(getattr(GroupHooks, name)) for name in hooks)
    assert public_methods(GroupProvider).isdisjoint(hooks)  # the lifecycle overrides no hook


def test_the_lifecycle_has_no_mixins():
    bases = {base.__name__ for base in GroupProvider.__mro__}
    assert bases == {"GroupProvider", "GroupHooks", "Generic", "ResourceProvider", "object"}
