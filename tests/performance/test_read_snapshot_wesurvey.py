"""Layer 1: contact groups are refreshed from one listing per team and parent, over real HTTP."""

from __future__ import annotations

import json

import pytest

from pulumi_groups.lifecycle import snapshot
from pulumi_groups.wesurvey import ContactGroupProvider
from pulumi_groups.wesurvey.contact_group import flatten
from tests.conftest import configured

from .helpers import endpoints, pages

TEAM = 53
GROUPS_LIST = "GET /api/contacts/teams/{team_id}/groups"
TOKEN = "GET /api/oauth2/access_token"


@pytest.fixture(autouse=True)
def _no_switch_from_the_environment(monkeypatch):
    monkeypatch.delenv(snapshot.ENV_SWITCH, raising=False)
    monkeypatch.delenv(snapshot.ENV_TTL, raising=False)


def provider_for(emu, **top):
    config = {
        "wesurvey:accounts": json.dumps({"default": {"host": emu.url, "appId": "demo-appid", "secret": "demo-secret"}}),
        "wesurvey:requestsPerMinute": "100000",
    }
    config.update({f"wesurvey:{k}": str(v) for k, v in top.items()})
    return configured(ContactGroupProvider, config)


def state(group: dict, team: int = TEAM) -> dict:
    return flatten(group, {"team_id": team, "account": "default", "adopt": False})


def seed(emu, count: int, parent_id: int = 0) -> list[dict]:
    return [emu.create_contact_group(TEAM, f"C{i:04d}", parent_id=parent_id, order=i) for i in range(count)]


def test_a_refresh_of_one_parent_costs_its_pages_not_one_listing_per_group(emulator):
    panel = emulator.create_contact_group(TEAM, "Panel")
    children = seed(emulator, 150, parent_id=panel["id"])
    provider = provider_for(emulator)
    for group in children:
        result = provider.read(str(group["id"]), state(group))
        assert result.id == str(group["id"]) and result.outs["parent_id"] == panel["id"]
    assert endpoints(emulator) == {TOKEN: 1, GROUPS_LIST: pages(150)}


def test_two_teams_of_one_account_cost_one_listing_per_team_and_parent(emulator):
    """A listing answers for one team: a stack spanning two teams of one account lists each
    team's parents once, not the whole team once per group of the second team."""
    other_team = 54
    emulator.add_wesurvey_app("demo-appid", "demo-secret", [TEAM, other_team])
    groups = {
        team: [emulator.create_contact_group(team, f"T{team}-{i}", order=i) for i in range(4)]
        for team in (TEAM, other_team)
    }
    panels = {team: emulator.create_contact_group(team, f"T{team}-Panel") for team in groups}
    for team, panel in panels.items():
        groups[team] += [
            emulator.create_contact_group(team, f"T{team}-Child-{i}", parent_id=panel["id"]) for i in range(3)
        ]
    provider = provider_for(emulator)
    emulator.reset_counters()

    for team, members in groups.items():
        for group in members:
            result = provider.read(str(group["id"]), state(group, team))
            assert (result.id, result.outs["team_id"], result.outs["name"]) == (str(group["id"]), team, group["name"])

    # Two teams, two parents each (top level, the panel): four listings, one page each.
    assert endpoints(emulator) == {TOKEN: 1, GROUPS_LIST: 4}


def test_a_group_moved_outside_pulumi_is_found_in_the_team_as_drift(emulator):
    first, second = emulator.create_contact_group(TEAM, "First"), emulator.create_contact_group(TEAM, "Second")
    child = emulator.create_contact_group(TEAM, "Child", parent_id=first["id"])
    provider = provider_for(emulator)
    emulator.update_group("contact", TEAM, child["id"], parent_id=second["id"])
    result = provider.read(str(child["id"]), state(child))
    assert result.id == str(child["id"]) and result.inputs["parent_id"] == second["id"]


def test_a_group_gone_from_the_team_is_dropped(emulator, capsys):
    child = emulator.create_contact_group(TEAM, "Doomed")
    provider = provider_for(emulator)
    emulator.delete_group("contact", TEAM, child["id"])
    assert provider.read(str(child["id"]), state(child)).id is None
    assert "contact group 'Doomed'" in capsys.readouterr().err


def test_with_the_snapshot_off_each_group_lists_its_parent(emulator):
    groups = seed(emulator, 5)
    provider = provider_for(emulator, readSnapshot="false")
    for group in groups:
        assert provider.read(str(group["id"]), state(group)).id == str(group["id"])
    assert endpoints(emulator)[GROUPS_LIST] == 5
