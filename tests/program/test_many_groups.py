"""Large orgs (#11): a stack program declares any number of groups, and ``__provider`` stays
byte for byte what the SDK's own constructor writes (existing stacks see no ``__provider`` diff).

The SDK's ``pulumi.dynamic.Resource.__init__`` leaves one more layer on pickle's dict writer per
resource (pulumi/pulumi#17803); ``GroupResource`` pickles each provider class once and puts the
pickle module back as it found it (``pulumi_groups/resource.py``).
"""

from __future__ import annotations

import base64
import pickle

import pulumi
import pulumi.dynamic
import pytest
from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

import pulumi_groups.lifecycle.resource as group_resource
from pulumi_groups.capillary import BadgeGroup, RewardGroup
from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.lifecycle.resource import GroupResource
from pulumi_groups.wesurvey import ContactGroup
from tests.program.program_runs import declare_groups
from tests.support.mocks import RecordingMocks

PROVIDER_CLASSES = {
    "pulumi-python:dynamic/capillary:BadgeGroup": b"pulumi_groups.capillary.badge_group\x94\x8c\x12BadgeGroupProvider",
    "pulumi-python:dynamic/capillary:RewardGroup": (
        b"pulumi_groups.capillary.reward_group\x94\x8c\x13RewardGroupProvider"
    ),
    "pulumi-python:dynamic/wesurvey:ContactGroup": (
        b"pulumi_groups.wesurvey.contact_group\x94\x8c\x14ContactGroupProvider"
    ),
}


def test_a_program_of_5000_groups_runs_in_a_fresh_interpreter():
    run = declare_groups(5000)
    assert run["error"] is None
    assert run["registered"] == {"BadgeGroup": 1667, "RewardGroup": 1667, "ContactGroup": 1666}
    # One pickle per provider class, not one per resource, and the pickle module as it was.
    assert run["provider_pickles"] == {"BadgeGroupProvider": 1, "RewardGroupProvider": 1, "ContactGroupProvider": 1}
    assert run["pickle_patched"] == []
    assert {typ: len(values) for typ, values in run["distinct_providers"].items()} == dict.fromkeys(PROVIDER_CLASSES, 1)


def test_every_registration_is_what_the_sdk_constructor_sends(tmp_path):
    """Each request the engine gets (type, name, every input with ``__provider``, parent,
    dependencies, options) equals the one the SDK's own constructor sends, byte for byte."""
    declare_groups(30, "sdk", dump=tmp_path / "sdk.json")
    declare_groups(30, "fixed", dump=tmp_path / "fixed.json")
    assert (tmp_path / "fixed.json").read_bytes() == (tmp_path / "sdk.json").read_bytes()


def test_provider_is_pickled_by_reference_with_nothing_captured():
    run = declare_groups(6)
    for typ, (value,) in run["distinct_providers"].items():
        raw = base64.b64decode(value)
        assert PROVIDER_CLASSES[typ] in raw and b"def " not in raw and len(raw) < 120, typ
        assert pickle.loads(raw).__dict__ == {}


# -- in this process: the pickle module, the secret rule ---------------------------------------


class RequestMonitor(MockMonitor):
    """Keeps each registration's properties as sent, secrets still marked."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.sent: dict[str, dict] = {}

    def RegisterResource(self, request):
        self.sent[request.name] = json_format.MessageToDict(request.object)
        return super().RegisterResource(request)


@pytest.fixture
def monitor():
    recorder = RecordingMocks()
    monitor = RequestMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, preview=False, monitor=monitor)
    yield monitor


@pytest.fixture
def fresh_cache(monkeypatch):
    """The next resource of each class calls the SDK's serializer again."""
    monkeypatch.setattr(group_resource, "_pickled", {})


def _attributes() -> list[dict]:
    return [dict(vars(owner)) for owner in (pickle, pickle._Pickler)]


def _unchanged(before: list[dict]) -> bool:
    after = _attributes()
    return len(before) == len(after) and all(
        b.keys() == a.keys() and all(b[k] is a[k] for k in b) for b, a in zip(before, after, strict=True)
    )


def _declare_one_of_each(prefix: str) -> list[pulumi.CustomResource]:
    return [
        BadgeGroup(f"{prefix}-badge", name="A", rank=1),
        RewardGroup(f"{prefix}-reward", name="B"),
        ContactGroup(f"{prefix}-contact", team_id=53, name="C"),
    ]


def _after(resources: list[pulumi.CustomResource], verify) -> pulumi.Output:
    return pulumi.Output.all(*[r.id for r in resources]).apply(verify)


@pulumi.runtime.test
def test_the_pickle_module_is_left_as_found_even_when_someone_patched_it(monitor, fresh_cache, monkeypatch):
    writer = pickle._Pickler._batch_setitems

    def someone_elses_writer(self, *args):  # another library's patch, in place before ours runs
        return writer(self, *args)

    monkeypatch.setattr(pickle._Pickler, "_batch_setitems", someone_elses_writer)
    before = _attributes()
    declared = _declare_one_of_each("as-found")
    assert _unchanged(before) and pickle._Pickler._batch_setitems is someone_elses_writer
    assert len(group_resource._pickled) == 3  # each class went through the SDK's serializer here
    return _after(declared, lambda _: None)


@pulumi.runtime.test
def test_a_serializer_that_leaks_nothing_gives_the_same_value(monitor, fresh_cache, monkeypatch):
    """If upstream fixes the leak, nothing changes for us: same value, pickle module untouched."""
    leaky = group_resource.serialize_provider
    with group_resource.pickle_left_as_found():
        expected = leaky(BadgeGroupProvider())

    def fixed_upstream(provider):
        with group_resource.pickle_left_as_found():
            return leaky(provider)

    monkeypatch.setattr(group_resource, "serialize_provider", fixed_upstream)
    before = _attributes()
    declared = [BadgeGroup("fixed-upstream", name="A", rank=1)]
    assert _unchanged(before)

    def verify(_):
        assert monitor.sent["fixed-upstream"]["__provider"] == expected

    return _after(declared, verify)


class SecretPickleProvider(BadgeGroupProvider):
    serialize_as_secret_always = True  # the SDK's default: our providers opt out


class SecretPickleBadge(GroupResource, module="capillary", name="SecretPickleBadge"):
    def __init__(self, resource_name: str) -> None:
        super().__init__(
            SecretPickleProvider, resource_name, {"name": "S", "rank": 1, "org": "default", "adopt": False}
        )


class SdkSecretPickleBadge(pulumi.dynamic.Resource, module="capillary", name="SecretPickleBadge"):
    def __init__(self, resource_name: str) -> None:
        props = {"name": "S", "rank": 1, "org": "default", "adopt": False}
        props.update({output.name: None for output in SecretPickleProvider.outputs})
        super().__init__(SecretPickleProvider(), resource_name, props)


@pulumi.runtime.test
def test_the_provider_is_a_secret_exactly_when_the_sdk_makes_it_one(monitor):
    declared = [SecretPickleBadge("ours"), SdkSecretPickleBadge("sdk"), BadgeGroup("plain", name="P", rank=1)]

    def verify(_):
        ours, sdk = monitor.sent["ours"], monitor.sent["sdk"]
        assert ours == sdk and isinstance(ours["__provider"], dict)  # a secret, marked as such
        assert rpc._special_sig_key in ours["__provider"]
        assert isinstance(monitor.sent["plain"]["__provider"], str)  # ours opt out: no secret captured

    return _after(declared, verify)
