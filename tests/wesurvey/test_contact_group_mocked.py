"""Layer 2: ContactGroup as a Pulumi program sees it, under ``pulumi.runtime.set_mocks``."""

from __future__ import annotations

import base64
import pickle

import dill
import pulumi
import pytest
from pulumi.runtime import rpc

from tests.support.mocks import RecordingMocks
from tests.wesurvey.conftest import CONTACT_GROUP


@pytest.fixture
def mocks():
    recorder = RecordingMocks(numeric_ids=True)
    pulumi.runtime.set_mocks(recorder, preview=False)
    yield recorder


@pulumi.runtime.test
def test_type_token_inputs_and_a_tree_by_reference(mocks):
    from pulumi_groups.wesurvey import ContactGroup

    panel = ContactGroup("panel", team_id=53, name="NPS panel", order=1, remote_id="crm-1202")
    batch = ContactGroup("batch-2", team_id=53, name="Test Batch 2", parent_id=panel.id)
    eu = ContactGroup("eu", team_id=54, name="EU", account="eu", adopt=True)

    def verify(_):
        declared = mocks.named("panel")
        assert declared.typ == CONTACT_GROUP
        assert {k: declared.inputs.get(k) for k in ("team_id", "name", "order", "remote_id", "account", "adopt")} == {
            "team_id": 53,
            "name": "NPS panel",
            "order": 1,
            "remote_id": "crm-1202",
            "account": None,
            "adopt": False,
        }
        child = mocks.named("batch-2")
        assert (
            child.typ == CONTACT_GROUP and child.inputs["parent_id"] == mocks.id_of["panel"]
        )  # as the engine passes it
        assert child.inputs.get("order") is None and child.inputs.get("remote_id") is None
        assert mocks.named("eu").inputs["account"] == "eu" and mocks.named("eu").inputs["adopt"] is True

    return pulumi.Output.all(panel.id, batch.id, eu.id).apply(verify)


@pulumi.runtime.test
def test_outputs_are_readable_attributes(mocks):
    from pulumi_groups.wesurvey import ContactGroup

    group = ContactGroup("attrs", team_id=53, name="Attrs")
    for attribute in ("full_name", "source", "is_valid", "created_at", "updated_at", "parent_id", "team_id"):
        assert isinstance(getattr(group, attribute), pulumi.Output), attribute
    return group.id.apply(lambda _: None)


@pulumi.runtime.test
def test_provider_pickles_by_reference_and_empty(mocks):
    from pulumi_groups.wesurvey import ContactGroup, ContactGroupProvider

    group = ContactGroup("pickled", team_id=53, name="Pickled")

    def verify(_):
        raw = base64.b64decode(rpc.unwrap_rpc_secret(mocks.named("pickled").inputs["__provider"]))
        # The stable public path stored in users' state, and no class body.
        assert b"pulumi_groups.wesurvey.contact_group" in raw and b"ContactGroupProvider" in raw
        assert b"def " not in raw and len(raw) < 300
        provider = dill.loads(raw)
        assert type(provider) is ContactGroupProvider and provider.__dict__ == {}

    return group.id.apply(verify)


def test_configured_provider_pickles_without_its_config():
    from pulumi.dynamic import Config, ConfigureRequest
    from pulumi.dynamic.dynamic import serialize_provider

    from pulumi_groups.wesurvey import ContactGroupProvider

    provider = ContactGroupProvider()
    provider.configure(
        ConfigureRequest(Config({"wesurvey:appId": "app", "wesurvey:secret": "s3cret-ws"}, "pulumi-groups"))
    )
    assert provider.config.accounts["default"].secret == "s3cret-ws"
    raw = base64.b64decode(serialize_provider(provider))
    assert b"s3cret-ws" not in raw and pickle.loads(raw).__dict__ == {}
    assert ContactGroupProvider.serialize_as_secret_always is False


def test_importing_the_package_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, pulumi_groups.wesurvey; "
        "print(sorted(m for m in sys.modules if m.startswith(('pulumi_groups.emulator', "
        "'pulumi_groups.commands', 'ruamel'))))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"
