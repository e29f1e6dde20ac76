"""The WeSurvey client against the emulator: paging, error decoding and hints, tokens, secrets."""

from __future__ import annotations

import pytest
import requests

from pulumi_groups.errors import ApiError, AuthRejected, CallContext, NameTaken, NotFound
from pulumi_groups.wesurvey import client as wesurvey_client
from pulumi_groups.wesurvey import guesses, settings
from tests.wesurvey.conftest import TEAM, wesurvey_config

LIST = "GET /api/contacts/teams/{team_id}/groups"
TOKEN = "GET /api/oauth2/access_token"


@pytest.fixture
def client(emulator):
    return client_of(emulator)


def client_of(emu, **accounts):
    config = settings.load(wesurvey_config(emu, accounts or None), {})
    return wesurvey_client.client_for(config.accounts["default"])


def current_token(emu) -> str:
    return emu.store.wesurvey_tokens["demo-appid"]["token"]


def fetch_token_elsewhere(emu) -> None:
    """What another process sharing the appid does: it voids our token."""
    answer = requests.get(
        f"{emu.url}/api/oauth2/access_token",
        params={"appid": "demo-appid", "secret": "demo-secret", "grant_type": "client_credential"},
    )
    assert answer.json()["code"] == "OK"


def test_lists_every_page_one_based_with_filters(emulator, client, monkeypatch):
    monkeypatch.setattr(guesses, "PAGE_SIZE", 4)
    parent = emulator.create_contact_group(TEAM, "Parent")
    made = [emulator.create_contact_group(TEAM, f"G{i}", parent_id=parent["id"], remote_id=f"r{i}") for i in range(10)]
    emulator.reset_counters()
    children = client.list_groups(TEAM, parent_id=parent["id"])
    assert sorted(g["id"] for g in children) == sorted(g["id"] for g in made)
    assert emulator.counters()["by_endpoint"] == {TOKEN: 1, LIST: 3}  # 4 + 4 + 2, pages 1..3
    assert len(client.list_groups(TEAM)) == 12  # whole team: default group + parent + 10
    assert [g["name"] for g in client.list_groups(TEAM, parent_id=0) if g["source"] == 2] == ["Parent"]
    assert {g["remote_id"] for g in client.list_groups(TEAM, remote_ids=["r1", "r7"])} == {"r1", "r7"}


def test_an_empty_team_is_one_request(emulator, client):
    emulator.reset_counters()
    assert client.list_groups(TEAM, parent_id=424242) == []
    assert emulator.counters()["by_endpoint"] == {TOKEN: 1, LIST: 1}


def test_retries_a_5xx_on_an_idempotent_call(emulator, client):
    emulator.set_faults([{"method": "GET", "path": "/groups$", "action": "status", "status": 503}])
    assert len(client.list_groups(TEAM)) == 1 and emulator.pending_faults() == []


def test_a_token_voided_by_another_process_is_fetched_again_once(emulator, client):
    client.list_groups(TEAM)
    fetch_token_elsewhere(emulator)
    assert len(client.list_groups(TEAM)) == 1
    assert emulator.counters()["token_fetches"] == {"demo-appid": 3}  # ours, theirs, ours again


def test_a_token_refused_twice_says_who_may_be_replacing_it(emulator, client):
    client.list_groups(TEAM)
    emulator.set_faults([{"method": "GET", "path": "/groups$", "action": "expire_tokens", "count": 2}])
    with pytest.raises(AuthRejected) as refused:
        client.list_groups(TEAM)
    message = str(refused.value)
    assert "refused even after fetching a new one" in message and "one at a time" in message
    assert current_token(emulator) not in message and "access_token=" not in message


@pytest.mark.parametrize(
    "call, error_type, error_class, advice",
    [
        (
            lambda c: c.create_group(TEAM, {"name": "G", "parent_id": 0, "remote_id": "dup"}),
            "duplicated_remote_id",
            NameTaken,
            "set adopt: true",
        ),
        (lambda c: c.update_group(TEAM, 999999, {"name": "G"}), "contacts_group_not_found", NotFound, ""),
        (
            lambda c: c.create_group(TEAM, {"name": "G", "parent_id": 999999}),
            "parent_group_not_found",
            ApiError,
            "check parent_id",
        ),
        (lambda c: c.create_group(TEAM, {"name": "", "parent_id": 0}), "invalid_argument", ApiError, "check name"),
        (lambda c: c.list_groups(777), "contacts_team_not_found", ApiError, "not the organisation's id"),
        (lambda c: c.list_groups(54), "claim_error", ApiError, "belongs to the team 54"),
        (lambda c: c.delete_groups(TEAM, [6000]), "default_group_be_modified", ApiError, "declare a group of your own"),
    ],
)
def test_each_vendor_error_is_classified_and_says_what_to_do(emulator, client, call, error_type, error_class, advice):
    emulator.create_contact_group(TEAM, "Holder", remote_id="dup")
    emulator.add_wesurvey_app("other-app", "other-secret", [54])  # team 54 exists, not ours
    with pytest.raises(ApiError) as failed:
        call(client)
    error = failed.value
    assert type(error) is error_class and error.code == error_type and error.request_id
    assert advice in str(error)
    assert current_token(emulator) not in str(error) and "demo-secret" not in str(error)


def test_every_documented_error_type_has_advice():
    documented = {
        "invalid_argument",
        "invalid_param",
        "claim_error",
        "contacts_team_not_found",
        "contacts_group_not_found",
        "group_too_deep",
        "parent_group_not_found",
        "default_group_be_modified",
        "duplicated_remote_id",
        "invalid_org_subscription",
        "request_rate_limited",
    }
    # Not-found needs none: the provider decides what it means (gone, or refresh first).
    assert documented - {"contacts_group_not_found"} <= set(wesurvey_client.HINTS)
    context = CallContext("wesurvey", "default", "list contact groups", None, "GET", "/api/contacts/teams/53/groups")
    subscription = wesurvey_client._with_hint(
        ApiError(context, "invalid_org_subscription", status=403), {"team_id": 53}
    )
    assert "Business plan" in str(subscription)
    limited = wesurvey_client._with_hint(ApiError(context, "request_rate_limited", status=429), {"team_id": 53})
    assert "wesurvey:requestsPerMinute" in str(limited)


def test_a_failure_without_the_envelope_is_still_an_error(emulator, client):
    emulator.set_faults([{"method": "GET", "action": "status", "status": 405}])
    with pytest.raises(ApiError) as failed:
        client.list_groups(TEAM)
    assert failed.value.status == 405 and not isinstance(failed.value, NotFound)


def test_the_client_and_its_auth_hide_the_secret(emulator):
    client = client_of(emulator, default={"appId": "demo-appid", "secret": "demo-secret"})
    client.list_groups(TEAM)
    shown = repr(client.transport.auth) + repr(settings.load(wesurvey_config(emulator), {}).accounts)
    assert "demo-secret" not in shown and current_token(emulator) not in shown
