"""Layer 2: the resources as a Pulumi program sees them, under ``pulumi.runtime.set_mocks``."""

from __future__ import annotations

import base64
import pickle

import dill
import pulumi
import pytest
from pulumi.runtime import rpc

from tests.support.mocks import RecordingMocks


@pytest.fixture
def mocks():
    recorder = RecordingMocks()
    pulumi.runtime.set_mocks(recorder, preview=False)
    yield recorder


def _provider_of(args: pulumi.runtime.MockResourceArgs):
    raw = rpc.unwrap_rpc_secret(args.inputs["__provider"])
    return dill.loads(base64.b64decode(raw))


@pulumi.runtime.test
def test_type_tokens_defaults_and_inputs(mocks):
    from pulumi_groups.capillary import BadgeGroup, RewardGroup

    declared = [
        BadgeGroup("gold", name="GOLD", rank=3),
        BadgeGroup("gold-eu", name="GOLD", rank=3, org="brand-eu", adopt=True),
        RewardGroup("vip", name="VIP", rank=1, org="brand-eu"),
        RewardGroup("old", name="Legacy", active=False),
    ]

    def verify(_):
        gold = mocks.named("gold")
        assert gold.typ == "pulumi-python:dynamic/capillary:BadgeGroup"
        assert gold.inputs["name"] == "GOLD" and gold.inputs["rank"] == 3
        # No org given: left out, for the provider's check to resolve the stack's default org.
        assert gold.inputs.get("org") is None and gold.inputs["adopt"] is False
        assert mocks.named("gold-eu").inputs["adopt"] is True
        vip = mocks.named("vip")
        assert vip.typ == "pulumi-python:dynamic/capillary:RewardGroup"
        assert vip.inputs["org"] == "brand-eu" and vip.inputs["active"] is True
        old = mocks.named("old")
        assert old.inputs["active"] is False and old.inputs.get("rank") is None

    return pulumi.Output.all(*[r.id for r in declared]).apply(verify)


@pulumi.runtime.test
def test_outputs_are_readable_attributes(mocks):
    from pulumi_groups.capillary import BadgeGroup

    group = BadgeGroup("attrs", name="ATTRS", rank=1)
    for attribute in ("org_id", "is_active", "created_on", "last_updated_on", "created_by", "last_updated_by"):
        assert isinstance(getattr(group, attribute), pulumi.Output), attribute
    return group.name.apply(lambda name: None)


@pulumi.runtime.test
def test_provider_pickles_by_reference_and_empty(mocks):
    from pulumi_groups.capillary import BadgeGroup, RewardGroup
    from pulumi_groups.capillary.badge_group import BadgeGroupProvider
    from pulumi_groups.capillary.reward_group import RewardGroupProvider

    declared = [BadgeGroup("p1", name="P1", rank=1), RewardGroup("p2", name="P2")]

    def verify(_):
        badge_raw = base64.b64decode(rpc.unwrap_rpc_secret(mocks.named("p1").inputs["__provider"]))
        # By reference: the module path and class name are in the pickle, not the class body.
        assert b"pulumi_groups.capillary.badge_group" in badge_raw and b"BadgeGroupProvider" in badge_raw
        assert b"def " not in badge_raw and len(badge_raw) < 300
        provider = _provider_of(mocks.named("p1"))
        assert type(provider) is BadgeGroupProvider and provider.__dict__ == {}
        assert type(_provider_of(mocks.named("p2"))) is RewardGroupProvider

    return pulumi.Output.all(*[r.id for r in declared]).apply(verify)


def test_configured_provider_pickles_without_its_config(monkeypatch):
    """A provider that has read credentials must not carry them into a pickle."""
    from pulumi.dynamic import Config, ConfigureRequest
    from pulumi.dynamic.dynamic import serialize_provider

    from pulumi_groups.capillary.badge_group import BadgeGroupProvider

    provider = BadgeGroupProvider()
    provider.configure(
        ConfigureRequest(
            Config(
                {"capillary:host": "eu", "capillary:username": "u", "capillary:password": "s3cret-pw"}, "pulumi-groups"
            )
        )
    )
    assert provider.config.orgs["default"].password == "s3cret-pw"
    raw = base64.b64decode(serialize_provider(provider))
    assert b"s3cret-pw" not in raw
    assert pickle.loads(raw).__dict__ == {}
