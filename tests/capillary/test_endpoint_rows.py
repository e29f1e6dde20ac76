"""Endpoints as data: a client endpoint of a shape the client serves already is one row, and the
row alone decides what is sent (method, path, body) and how a failed answer is named."""

from __future__ import annotations

import pytest

from pulumi_groups.capillary import settings
from pulumi_groups.capillary.client import BADGE_GROUPS_PATH, CapillaryClient, GroupCall, badge_envelope, client_for
from pulumi_groups.errors import RequestFailed
from tests.conftest import capillary_config


class WithOneMoreRow(CapillaryClient):
    # An endpoint of an existing shape, added as a contributor would: one row, no method.
    rename_badge_group = GroupCall("PUT", "{badges}/{group_id}", "rename badge group", badge_envelope)
    read_badge_group_again = GroupCall(
        "GET", "{badges}/{group_id}", "read badge group", badge_envelope, holds="badge group"
    )


@pytest.fixture
def client(emulator) -> WithOneMoreRow:
    org = settings.load(capillary_config(emulator), {}).orgs["default"]
    built = client_for(org)  # the transport as every client gets it
    return WithOneMoreRow(built.transport, org.reward_groups_path, credential=org.credential)


def test_a_row_is_a_method_that_sends_what_the_row_says(emulator, client):
    made = client.create_badge_group({"name": "GOLD", "rank": 1})
    emulator.reset_counters()
    renamed = client.rename_badge_group(made["id"], {"name": "PLATINUM", "rank": 1})
    again = client.read_badge_group_again(made["id"])
    assert renamed["name"] == again["name"] == "PLATINUM"
    assert emulator.counters()["by_endpoint"] == {
        f"PUT {BADGE_GROUPS_PATH}/{{id}}": 1,
        f"GET {BADGE_GROUPS_PATH}/{{id}}": 1,
    }


def test_a_row_that_must_answer_a_group_names_the_call_when_it_does_not(emulator, client):
    made = client.create_badge_group({"name": "GOLD", "rank": 1})
    emulator.add_fault(
        {"method": "GET", "path": rf"^{BADGE_GROUPS_PATH}/", "action": "commit_then_body", "body": {"data": None}}
    )
    with pytest.raises(RequestFailed) as failed:
        client.read_badge_group_again(made["id"])
    assert not failed.value.may_have_reached_vendor  # a read: nothing was made
    assert str(failed.value).startswith(
        f"capillary org 'default': read badge group '{made['id']}' (GET {BADGE_GROUPS_PATH}/{made['id']}) "
        "failed: the answer (HTTP 200) holds no badge group"
    )
