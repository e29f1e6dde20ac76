"""``list_contact_groups`` as a program calls it: stack config from ``pulumi.Config``, then HTTP."""

from __future__ import annotations

import json

import pulumi
import pytest
import requests
from pulumi.runtime.config import set_all_config

from pulumi_groups.errors import ConfigError
from pulumi_groups.wesurvey import list_contact_groups
from tests.wesurvey.conftest import TEAM, wesurvey_config

LIST = "GET /api/contacts/teams/{team_id}/groups"


@pytest.fixture
def stack_config(emulator):
    """The program's stack config (a secret reaches a program decrypted, as plain text)."""
    set_all_config(wesurvey_config(emulator), secret_keys=["wesurvey:accounts"])
    yield emulator
    set_all_config({})


def test_lists_the_whole_team_over_several_pages_as_plain_dicts(stack_config):
    emu = stack_config
    panel = emu.create_contact_group(TEAM, "Panel", order=1, remote_id="crm-1")
    for number in range(120):
        emu.create_contact_group(TEAM, f"Batch {number}", parent_id=panel["id"])
    emu.reset_counters()
    groups = list_contact_groups(team_id=TEAM)
    assert len(groups) == 122 and len({g["id"] for g in groups}) == 122  # + default group
    assert emu.counters()["by_endpoint"][LIST] == 2  # pages 1 and 2 of 100
    found = next(g for g in groups if g["id"] == panel["id"])
    assert found == {
        "id": panel["id"],
        "team_id": TEAM,
        "parent_id": 0,
        "name": "Panel",
        "full_name": "Panel",
        "order": 1,
        "remote_id": "crm-1",
        "source": 2,
        "is_valid": True,
        "created_at": found["created_at"],
        "updated_at": found["updated_at"],
    }
    assert found["created_at"].endswith("Z")
    json.dumps(groups)  # plain data: usable in exports and as inputs


def test_parent_zero_is_the_top_level_and_an_id_its_children(stack_config):
    emu = stack_config
    panel = emu.create_contact_group(TEAM, "Panel")
    child = emu.create_contact_group(TEAM, "Child", parent_id=panel["id"])
    assert {g["name"] for g in list_contact_groups(TEAM, parent_id=0)} == {"Default group", "Panel"}
    assert [g["id"] for g in list_contact_groups(TEAM, parent_id=str(panel["id"]))] == [child["id"]]
    assert {g["name"] for g in list_contact_groups(TEAM)} == {"Default group", "Panel", "Child"}


def test_a_token_voided_by_the_provider_process_is_fetched_once_more(stack_config):
    emu = stack_config
    list_contact_groups(TEAM)
    # The provider process fetches its own token for the same appid, voiding the lookup's.
    requests.get(
        f"{emu.url}/api/oauth2/access_token",
        params={"appid": "demo-appid", "secret": "demo-secret", "grant_type": "client_credential"},
    )
    assert len(list_contact_groups(TEAM)) == 1
    assert emu.counters()["token_fetches"] == {"demo-appid": 3}


def test_environment_is_the_fallback_for_the_default_account(emulator, monkeypatch):
    set_all_config({"wesurvey:requestsPerMinute": "100000"})
    monkeypatch.setenv("WESURVEY_APP_ID", "demo-appid")
    monkeypatch.setenv("WESURVEY_SECRET", "demo-secret")
    monkeypatch.setenv("WESURVEY_HOST", emulator.url)
    try:
        assert [g["name"] for g in list_contact_groups(TEAM)] == ["Default group"]
    finally:
        set_all_config({})


def test_an_unknown_account_names_the_config_keys(stack_config):
    with pytest.raises(ConfigError, match=r"account 'eu' is not configured \(known accounts: default\)"):
        list_contact_groups(TEAM, account="eu")
    assert stack_config.counters()["total"] == 0


def test_outputs_and_bad_values_are_refused_before_any_request(stack_config):
    with pytest.raises(TypeError, match="apply"):
        list_contact_groups(TEAM, parent_id=pulumi.Output.from_input(6001))
    with pytest.raises(ValueError, match="team_id must be a whole number"):
        list_contact_groups("fifty-three")
    assert stack_config.counters()["total"] == 0
