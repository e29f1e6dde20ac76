"""Issue #12, the provider side: never take, re-target or destroy a group the stack does not own,
never lose one it does. Each test drives the real provider process over gRPC in the engine's
order (Configure, Check, Create / Read / Update / Delete) against the emulator, with a fault
plan where the vendor or a proxy in front of it misbehaves, and judges by what the emulator
holds and counted, and by what the engine receives (an id, outputs, or an error)."""

from __future__ import annotations

import json
from functools import partial

import grpc
import pytest

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroupProvider
from pulumi_groups.wesurvey import ContactGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_ORG_ID, FAST, SECOND_BASIC, SECOND_ORG_ID
from tests.support.provider_process import ProviderProcess, provider_prop, secret
from tests.wesurvey.conftest import CONTACT_GROUP, DEMO_APP, TEAM

# Which point of issue #12 each test covers (scripts/reliability_report.py counts them by it).
POINTS = {
    "test_a_lost_create_": "1. lost create, name not unique: the hand-made group is never taken",
    "test_a_create_without_unique_key_": (
        "2. unknown outcome (reset, proxy 5xx before or after the commit): never sent twice"
    ),
    "test_a_create_answered_429_": "2. a 429 (certainly not acted on): sent again",
    "test_a_deactivation_answered_not_found_": "3. deactivation answered 404 / 400 'not found' while the group exists",
    "test_destroy_deactivates_": "4. destroy deactivates under the live name and rank",
    "test_a_create_answered_without_an_id": "5. create answered 200 without an id",
    "test_another_orgs_": "8. another org's credentials under the org key",
    "test_an_empty_other_org_": "8. another org's credentials under the org key",
    "test_the_right_credentials_": "8. the right credentials still drop a deleted group",
}

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
REWARD = "pulumi-python:dynamic/capillary:RewardGroup"
TYPES = {BADGE: BadgeGroupProvider, REWARD: RewardGroupProvider, CONTACT_GROUP: ContactGroupProvider}
CREATE_PATHS = {
    BADGE: r"^/api_gateway/v1/badges/group$",
    REWARD: r"^/api_gateway/rewards/core/v1/group/create$",
    CONTACT_GROUP: rf"^/api/contacts/teams/{TEAM}/groups$",
}
REWARD_ID_PATH = r"^/api_gateway/rewards/core/v1/group/\d+$"
# Scaled down so a create whose outcome is unknown settles quickly (see the README: the provider
# waits as long as the read timeout before it looks for a group it must not send twice).
TIMEOUT = "0.5"


def start(emulator, org_credentials: dict | None = None, **capillary_top: str) -> ProviderProcess:
    proc = ProviderProcess()
    orgs = {"default": {"host": emulator.url, **(org_credentials or DEMO_BASIC)}}
    accounts = {"default": {"host": emulator.url, **DEMO_APP}}
    config = {
        "capillary:orgs": secret(json.dumps(orgs)),
        "capillary:requestsPerMinute": FAST,
        "capillary:timeoutSeconds": TIMEOUT,
        "capillary:retryBudgetSeconds": "2",
        "capillary:retryBackoffSeconds": "0.01",
        "wesurvey:accounts": secret(json.dumps(accounts)),
        "wesurvey:requestsPerMinute": FAST,
        "wesurvey:timeoutSeconds": TIMEOUT,
        "wesurvey:retryBudgetSeconds": "2",
        "wesurvey:retryBackoffSeconds": "0.01",
    }
    config.update({f"capillary:{key}": value for key, value in capillary_top.items()})
    proc.configure(config)
    return proc


@pytest.fixture
def processes():
    started: list[ProviderProcess] = []
    yield started
    for proc in started:
        proc.close()


def declare(proc: ProviderProcess, type_token: str, resource: str, **news) -> dict:
    news = {"__provider": provider_prop(TYPES[type_token]()), **news}
    inputs, failures = proc.check(type_token, resource, {}, news)
    assert failures == []
    return inputs


def posts(emulator, type_token: str) -> int:
    template = {
        BADGE: "POST /api_gateway/v1/badges/group",
        REWARD: "POST /api_gateway/rewards/core/v1/group/create",
        CONTACT_GROUP: "POST /api/contacts/teams/{team_id}/groups",
    }[type_token]
    return emulator.counters()["by_endpoint"].get(template, 0)


def named(emulator, name: str) -> list[dict]:
    return [g for g in emulator.contact_groups(TEAM) if g["name"] == name]


# -- 1. lost create, name not unique: never take over the hand-made group -------------------------


def test_a_lost_create_takes_over_the_group_it_made_not_the_older_hand_made_one(emulator, processes):
    hand_made = emulator.create_contact_group(TEAM, "Panel", order=0)
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, CONTACT_GROUP, "panel", team_id=TEAM, name="Panel")
    emulator.set_faults([{"method": "POST", "path": CREATE_PATHS[CONTACT_GROUP], "action": "commit_then_drop"}])

    group_id, outs = proc.create(CONTACT_GROUP, "panel", inputs)

    made = [g for g in named(emulator, "Panel") if g["id"] != hand_made["id"]]
    assert len(made) == 1 and group_id == str(made[0]["id"]) != str(hand_made["id"])
    proc.next_run().delete(CONTACT_GROUP, "panel", group_id, outs)  # destroy: a later run
    assert [g["id"] for g in named(emulator, "Panel")] == [hand_made["id"]]


def test_a_lost_create_that_did_not_land_fails_and_leaves_the_hand_made_group_alone(emulator, processes):
    hand_made = emulator.create_contact_group(TEAM, "Panel", order=0)
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, CONTACT_GROUP, "panel", team_id=TEAM, name="Panel")
    emulator.set_faults([{"method": "POST", "path": CREATE_PATHS[CONTACT_GROUP], "action": "status", "status": 502}])

    with pytest.raises(grpc.RpcError) as failed:
        proc.create(CONTACT_GROUP, "panel", inputs)

    assert "adopt: true" in failed.value.details() and str(hand_made["id"]) in failed.value.details()
    assert named(emulator, "Panel") == [hand_made] and posts(emulator, CONTACT_GROUP) == 1


# -- 2. every outcome that may have reached the vendor counts as "may land" ------------------------

MAY_HAVE_LANDED = {
    "reset": {"action": "reset"},
    "proxy-502": {"action": "status", "status": 502},
    "proxy-503": {"action": "status", "status": 503},
    "proxy-504": {"action": "status", "status": 504},
    "proxy-502-after-commit": {"action": "commit_then_status", "status": 502},
    "proxy-504-after-commit": {"action": "commit_then_status", "status": 504},
}


@pytest.mark.parametrize("fault", list(MAY_HAVE_LANDED), ids=list(MAY_HAVE_LANDED))
def test_a_create_without_unique_key_is_never_sent_twice_after_an_unknown_outcome(emulator, processes, fault):
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, CONTACT_GROUP, "batch", team_id=TEAM, name="Batch")
    emulator.set_faults([{"method": "POST", "path": CREATE_PATHS[CONTACT_GROUP], **MAY_HAVE_LANDED[fault]}])

    try:
        group_id, _ = proc.create(CONTACT_GROUP, "batch", inputs)
    except grpc.RpcError as failed:
        group_id, message = None, failed.details()
    assert posts(emulator, CONTACT_GROUP) == 1
    made = named(emulator, "Batch")
    if made:  # the vendor acted: the create returns that group
        assert len(made) == 1 and group_id == str(made[0]["id"])
    else:  # it did not: the error says what to do, and nothing was sent again
        assert group_id is None and "adopt: true" in message


@pytest.mark.parametrize(
    "fault", [{"action": "status", "status": 429}, {"action": "status", "status": 429, "count": 2}]
)
def test_a_create_answered_429_is_sent_again(emulator, processes, fault):
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, CONTACT_GROUP, "batch", team_id=TEAM, name="Batch")
    emulator.set_faults([{"method": "POST", "path": CREATE_PATHS[CONTACT_GROUP], **fault}])
    group_id, _ = proc.create(CONTACT_GROUP, "batch", inputs)
    assert [str(g["id"]) for g in named(emulator, "Batch")] == [group_id]


# -- 3. delete trusts a 404 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [{"status": 404}, {"status": 400, "message": "Group not found"}],
    ids=["404", "400-not-found"],
)
def test_a_deactivation_answered_not_found_while_the_group_exists_fails_and_keeps_it(emulator, processes, answer):
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, REWARD, "vip", name="VIP", rank=1)
    group_id, outs = proc.create(REWARD, "vip", inputs)
    emulator.set_faults([{"method": "PUT", "path": REWARD_ID_PATH, "action": "status", **answer}])

    with pytest.raises(grpc.RpcError) as failed:
        proc.next_run().delete(REWARD, "vip", group_id, outs)  # `pulumi destroy`: a later run

    assert group_id in failed.value.details()
    assert emulator.reward_groups(DEMO_ORG_ID)[0]["isActive"] is True
    proc.next_run().delete(REWARD, "vip", group_id, outs)  # the engine kept it: the next destroy completes it
    assert emulator.reward_groups(DEMO_ORG_ID)[0]["isActive"] is False


# -- 4. destroy sends the live name and rank ----------------------------------------------------


def test_destroy_deactivates_under_the_live_name_and_rank(emulator, processes):
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, REWARD, "vip", name="VIP", rank=1)
    group_id, outs = proc.create(REWARD, "vip", inputs)
    emulator.update_group("reward", DEMO_ORG_ID, int(group_id), name="VIP Club", rank=7)  # in the console

    later = start(emulator)  # `pulumi destroy` is another provider process
    processes.append(later)
    later.delete(REWARD, "vip", group_id, outs)

    live = emulator.reward_groups(DEMO_ORG_ID)[0]
    assert (live["name"], live["rank"], live["isActive"]) == ("VIP Club", 7, False)


# -- 5. a create answered without an id ---------------------------------------------------------

NO_ID = {
    "badge-data-null": (BADGE, {"name": "GOLD", "rank": 3}, {"data": None, "errors": [], "warnings": []}),
    "badge-data-without-id": (
        BADGE,
        {"name": "GOLD", "rank": 3},
        {"data": {"name": "GOLD"}, "errors": [], "warnings": []},
    ),
    "reward-without-id": (REWARD, {"name": "VIP", "rank": 1}, {"name": "VIP"}),
    "reward-empty": (REWARD, {"name": "VIP", "rank": 1, "active": False}, {}),
    "contact-without-group-id": (
        CONTACT_GROUP,
        {"team_id": TEAM, "name": "Panel"},
        {"code": "OK", "data": {"name": "Panel"}},
    ),
    "contact-data-null-remote-id": (
        CONTACT_GROUP,
        {"team_id": TEAM, "name": "Panel", "remote_id": "crm-1"},
        {"code": "OK", "data": None},
    ),
}


@pytest.mark.parametrize("case", list(NO_ID), ids=list(NO_ID))
def test_a_create_answered_without_an_id_finds_the_group_it_made(emulator, processes, case):
    type_token, news, body = NO_ID[case]
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, type_token, "g", **news)
    emulator.set_faults(
        [{"method": "POST", "path": CREATE_PATHS[type_token], "action": "commit_then_body", "body": body}]
    )

    group_id, outs = proc.create(type_token, "g", inputs)

    live = {
        BADGE: lambda: emulator.badge_groups(DEMO_ORG_ID),
        REWARD: lambda: emulator.reward_groups(DEMO_ORG_ID),
        CONTACT_GROUP: lambda: named(emulator, news["name"]),
    }[type_token]()
    assert [str(g["id"]) for g in live] == [group_id] and posts(emulator, type_token) == 1
    assert outs["name"] == news["name"]
    if "active" in news:
        assert live[0]["isActive"] is False and outs["active"] is False


def test_a_create_answered_without_an_id_whose_group_cannot_be_found_fails_naming_it(emulator, processes):
    """No id, and the listing does not show the group (yet): a contact group without a remote
    id is never sent twice, so the create fails naming the group and what to do."""
    proc = start(emulator)
    processes.append(proc)
    inputs = declare(proc, CONTACT_GROUP, "panel", team_id=TEAM, name="Panel")
    empty_listing = {"code": "OK", "data": {"list": [], "total": 0}}
    emulator.set_faults(
        [
            {
                "method": "POST",
                "path": CREATE_PATHS[CONTACT_GROUP],
                "action": "commit_then_body",
                "body": {"code": "OK", "data": {}},
            },
            {
                "method": "GET",
                "path": CREATE_PATHS[CONTACT_GROUP],
                "action": "commit_then_body",
                "body": empty_listing,
                "skip": 1,
                "count": 5,
            },
        ]
    )

    with pytest.raises(grpc.RpcError) as failed:
        proc.create(CONTACT_GROUP, "panel", inputs)

    assert "contact group 'Panel'" in failed.value.details() and "adopt: true" in failed.value.details()
    assert posts(emulator, CONTACT_GROUP) == 1 and len(named(emulator, "Panel")) == 1


# -- 8. credentials of another org --------------------------------------------------------------


def _made_in_demo_org(emulator, processes):
    proc = start(emulator)
    processes.append(proc)
    made = {}
    for type_token, name, news in (
        (BADGE, "gold", {"name": "GOLD", "rank": 3}),
        (REWARD, "vip", {"name": "VIP", "rank": 1}),
    ):
        made[type_token] = (name, *proc.create(type_token, name, declare(proc, type_token, name, **news)))
    return made


def _demo_org_unchanged(emulator) -> None:
    badge, reward = emulator.badge_groups(DEMO_ORG_ID), emulator.reward_groups(DEMO_ORG_ID)
    assert [(g["name"], g["rank"]) for g in badge] == [("GOLD", 3)]
    assert [(g["name"], g["rank"], g["isActive"]) for g in reward] == [("VIP", 1, True)]


@pytest.mark.parametrize("read_snapshot", ["true", "false"])
def test_another_orgs_credentials_fail_read_update_and_delete_naming_both_orgs(emulator, processes, read_snapshot):
    made = _made_in_demo_org(emulator, processes)
    emulator.create_badge_group(SECOND_ORG_ID, "Other", 1)  # the other org has groups of its own
    wrong = start(emulator, SECOND_BASIC, readSnapshot=read_snapshot)  # same org key, other org's till user
    processes.append(wrong)
    before = {g["id"]: dict(g) for g in emulator.badge_groups(SECOND_ORG_ID)}

    calls = []
    for type_token, (name, group_id, outs) in made.items():
        calls += [
            partial(wrong.read, type_token, name, group_id, outs),  # a refresh
            partial(wrong.update, type_token, name, group_id, outs, {**outs, "rank": 5}),
        ]
        if type_token == REWARD:  # a badge group's destroy sends nothing, so it changes nothing
            calls.append(partial(wrong.delete, type_token, name, group_id, outs))
    for call in calls:
        with pytest.raises(grpc.RpcError) as failed:
            call()
        assert str(DEMO_ORG_ID) in failed.value.details() and str(SECOND_ORG_ID) in failed.value.details()

    _demo_org_unchanged(emulator)
    assert {g["id"]: g for g in emulator.badge_groups(SECOND_ORG_ID)} == before
    assert emulator.reward_groups(SECOND_ORG_ID) == []


def test_another_orgs_oauth_client_is_caught_without_a_request_per_group(emulator, processes):
    made = _made_in_demo_org(emulator, processes)
    emulator.add_capillary_org(SECOND_ORG_ID, client_key="second-key", client_secret="second-secret")
    wrong = start(emulator, {"clientKey": "second-key", "clientSecret": "second-secret"})
    processes.append(wrong)
    emulator.reset_counters()
    name, group_id, outs = made[REWARD]
    with pytest.raises(grpc.RpcError) as failed:
        wrong.update(REWARD, name, group_id, outs, {**outs, "rank": 5})
    assert str(DEMO_ORG_ID) in failed.value.details() and str(SECOND_ORG_ID) in failed.value.details()
    assert emulator.counters()["total"] == 1  # the token call, whose token names the org
    _demo_org_unchanged(emulator)


def test_an_empty_other_org_reached_by_basic_auth_drops_nothing(emulator, processes):
    """The other org has no group at all, so nothing says which org the till user reaches:
    refresh must not take 'not found' for 'gone'."""
    made = _made_in_demo_org(emulator, processes)
    wrong = start(emulator, SECOND_BASIC)
    processes.append(wrong)
    for type_token, (name, group_id, outs) in made.items():
        with pytest.raises(grpc.RpcError) as failed:
            wrong.read(type_token, name, group_id, outs)
        assert str(DEMO_ORG_ID) in failed.value.details() and group_id in failed.value.details()
    name, group_id, outs = made[REWARD]
    with pytest.raises(grpc.RpcError):
        wrong.delete(REWARD, name, group_id, outs)
    _demo_org_unchanged(emulator)


def test_the_right_credentials_still_drop_a_group_deleted_in_the_console(emulator, processes):
    made = _made_in_demo_org(emulator, processes)
    name, group_id, outs = made[REWARD]
    emulator.delete_group("reward", DEMO_ORG_ID, int(group_id))
    later = start(emulator)  # a `pulumi refresh`: a new process, Basic auth
    processes.append(later)
    assert later.read(REWARD, name, group_id, outs)[0] == ""
    later.delete(REWARD, name, group_id, outs)  # already gone: success
