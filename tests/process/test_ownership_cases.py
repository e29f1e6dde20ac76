"""Issue #19, the provider side of the ownership model (``lifecycle/ownership.py``): cases 1, 2, 3
and 6, each through the real provider process over gRPC against the emulator. One
``ProviderProcess`` is one run (the engine starts one provider process for every dynamic resource
of a run); a later run is a new process. Judged by what the emulator holds and counted."""

from __future__ import annotations

import grpc
import pytest

from tests.conftest import DEMO_BASIC, DEMO_ORG_ID
from tests.process.test_zero_surprises import BADGE, CREATE_PATHS, REWARD, declare, named, posts, start
from tests.wesurvey.conftest import CONTACT_GROUP, TEAM

REWARD_UPDATE = r"^/api_gateway/rewards/core/v1/group/\d+$"
BADGE_UPDATE = r"^/api_gateway/v1/badges/group/[^/]+$"  # badge ids are not numbers


@pytest.fixture
def processes():
    started = []
    yield started
    for proc in started:
        proc.close()


def run(emulator, processes, orgs: dict | None = None):
    """A new run: a new provider process (org key ``default``, or ``orgs`` by key)."""
    proc = start(emulator) if orgs is None else _start_orgs(emulator, orgs)
    processes.append(proc)
    return proc


def _start_orgs(emulator, orgs: dict):
    import json

    from tests.process.test_zero_surprises import TIMEOUT
    from tests.support.provider_process import ProviderProcess, secret

    proc = ProviderProcess()
    proc.configure(
        {
            "capillary:orgs": secret(json.dumps({key: {"host": emulator.url, **creds} for key, creds in orgs.items()})),
            "capillary:requestsPerMinute": "100000",
            "capillary:timeoutSeconds": TIMEOUT,
            "capillary:retryBudgetSeconds": "2",
            "capillary:retryBackoffSeconds": "0.01",
        }
    )
    return proc


def writes(emulator) -> int:
    by = emulator.counters()["by_endpoint"]
    return sum(count for endpoint, count in by.items() if not endpoint.startswith("GET ") and "token" not in endpoint)


# -- 1. a lost create answer meets a hand-made group of the same name -------------------------------


@pytest.mark.parametrize("type_token", [BADGE, REWARD])
@pytest.mark.faults_may_not_fire("the 502 is there for a create that must never be sent")
def test_a_name_taken_before_the_create_fails_at_once_and_the_lost_answer_never_takes_the_hand_made_group(
    emulator, processes, type_token
):
    make = emulator.create_badge_group if type_token == BADGE else emulator.create_reward_group
    hand_made = make(DEMO_ORG_ID, "GOLD", 3)
    proc = run(emulator, processes)
    inputs = declare(proc, type_token, "gold", name="GOLD", rank=3)
    # A proxy that answers 502 without passing the create on.
    emulator.set_faults([{"method": "POST", "path": CREATE_PATHS[type_token], "action": "status", "status": 502}])
    emulator.reset_counters()

    with pytest.raises(grpc.RpcError) as failed:
        proc.create(type_token, "gold", inputs)

    assert str(hand_made["id"]) in failed.value.details()  # the hint names the group to adopt
    assert posts(emulator, type_token) == 0 and writes(emulator) == 0  # nothing was sent
    live = (emulator.badge_groups if type_token == BADGE else emulator.reward_groups)(DEMO_ORG_ID)
    assert [g["id"] for g in live] == [hand_made["id"]] and live[0].get("isActive", True) is True


def test_after_a_lost_answer_the_group_that_was_not_there_before_is_taken(emulator, processes):
    proc = run(emulator, processes)
    inputs = declare(proc, REWARD, "vip", name="VIP", rank=1)
    emulator.set_faults(
        [{"method": "POST", "path": CREATE_PATHS[REWARD], "action": "commit_then_status", "status": 502}]
    )
    group_id, _ = proc.create(REWARD, "vip", inputs)
    assert [str(g["id"]) for g in emulator.reward_groups(DEMO_ORG_ID)] == [group_id]
    assert posts(emulator, REWARD) == 1


def test_creates_cost_one_listing_per_org_kind_and_run(emulator, processes):
    proc = run(emulator, processes)
    emulator.reset_counters()
    for index in range(5):
        name = f"B{index}"
        proc.create(BADGE, name, declare(proc, BADGE, name, name=name, rank=index))
    by = emulator.counters()["by_endpoint"]
    badge_lists = sum(count for endpoint, count in by.items() if endpoint == "GET /api_gateway/v1/badges/group")
    assert posts(emulator, BADGE) == 5 and badge_lists == 1


# -- 2. adopt, then delete, in one run --------------------------------------------------------------

SAME_ORG_TWO_KEYS = {"brand": DEMO_BASIC, "brand-renamed": DEMO_BASIC}


def test_a_group_adopted_in_this_run_is_not_deactivated_by_the_old_resources_delete(emulator, processes):
    first = run(emulator, processes, SAME_ORG_TWO_KEYS)
    group_id, old_outs = first.create(
        REWARD, "vip-brand", declare(first, REWARD, "vip-brand", name="VIP", rank=1, org="brand")
    )
    # The org key was renamed without previousOrg: a new resource, whose create is told to adopt.
    later = run(emulator, processes, SAME_ORG_TWO_KEYS)
    inputs = declare(later, REWARD, "vip-brand-renamed", name="VIP", rank=1, org="brand-renamed", adopt=True)
    adopted_id, _ = later.create(REWARD, "vip-brand-renamed", inputs)
    assert adopted_id == group_id
    emulator.reset_counters()

    later.delete(REWARD, "vip-brand", group_id, old_outs)  # the engine removes the old resource

    assert emulator.reward_groups(DEMO_ORG_ID)[0]["isActive"] is True
    assert writes(emulator) == 0


def test_a_contact_group_adopted_in_this_run_is_not_deleted_by_the_old_resource(emulator, processes):
    first = run(emulator, processes)
    group_id, old_outs = first.create(
        CONTACT_GROUP, "panel", declare(first, CONTACT_GROUP, "panel", team_id=TEAM, name="Panel", remote_id="p-1")
    )
    emulator.update_group("contact", TEAM, int(group_id), name="Panel 2024")  # renamed in the console
    later = run(emulator, processes)
    inputs = declare(later, CONTACT_GROUP, "panel-2024", team_id=TEAM, name="Panel 2024", remote_id="p-1", adopt=True)
    adopted_id, _ = later.create(CONTACT_GROUP, "panel-2024", inputs)
    assert adopted_id == group_id
    emulator.reset_counters()

    later.delete(CONTACT_GROUP, "panel", group_id, old_outs)

    assert [str(g["id"]) for g in named(emulator, "Panel 2024")] == [group_id] and writes(emulator) == 0


def test_a_group_created_in_an_earlier_run_is_still_deleted(emulator, processes):
    first = run(emulator, processes)
    group_id, outs = first.create(REWARD, "vip", declare(first, REWARD, "vip", name="VIP", rank=1))
    run(emulator, processes).delete(REWARD, "vip", group_id, outs)  # `pulumi destroy`: a new run
    assert emulator.reward_groups(DEMO_ORG_ID)[0]["isActive"] is False


# -- 3. a contact group delete never takes hand-made subgroups with it ------------------------------


def test_a_contact_group_with_hand_made_children_is_not_deleted(emulator, processes):
    first = run(emulator, processes)
    group_id, outs = first.create(
        CONTACT_GROUP, "region", declare(first, CONTACT_GROUP, "region", team_id=TEAM, name="Region")
    )
    child = emulator.create_contact_group(TEAM, "Hand made", parent_id=int(group_id))
    destroy = run(emulator, processes)
    emulator.reset_counters()

    with pytest.raises(grpc.RpcError) as failed:
        destroy.delete(CONTACT_GROUP, "region", group_id, outs)

    assert "Hand made" in failed.value.details() and str(child["id"]) in failed.value.details()
    assert writes(emulator) == 0
    assert {g["id"] for g in emulator.contact_groups(TEAM)} >= {int(group_id), child["id"]}


def test_a_contact_group_without_children_is_deleted(emulator, processes):
    first = run(emulator, processes)
    group_id, outs = first.create(
        CONTACT_GROUP, "region", declare(first, CONTACT_GROUP, "region", team_id=TEAM, name="Region")
    )
    run(emulator, processes).delete(CONTACT_GROUP, "region", group_id, outs)
    assert named(emulator, "Region") == []


def test_preview_of_a_replace_warns_about_hand_made_children(emulator, processes):
    first = run(emulator, processes)
    group_id, outs = first.create(
        CONTACT_GROUP, "region", declare(first, CONTACT_GROUP, "region", team_id=TEAM, name="Region", remote_id="r-1")
    )
    emulator.create_contact_group(TEAM, "Kept by hand", parent_id=int(group_id))
    preview = run(emulator, processes)
    news = declare(preview, CONTACT_GROUP, "region", team_id=TEAM, name="Region", remote_id="r-2")
    assert list(preview.diff(CONTACT_GROUP, "region", group_id, outs, news).replaces) == ["remote_id"]
    assert preview.saw("Kept by hand")


# -- 6. an update answered without the group ---------------------------------------------------------


def test_an_update_answered_with_the_group_but_no_org_keeps_the_recorded_org_id(emulator, processes):
    first = run(emulator, processes)
    group_id, outs = first.create(REWARD, "g", declare(first, REWARD, "g", name="GOLD", rank=1))
    later = run(emulator, processes)
    news = declare(later, REWARD, "g", name="GOLD", rank=7)
    # The group itself (its id and name, so it goes into state as it is), without its org.
    emulator.set_faults(
        [
            {
                "path": REWARD_UPDATE,
                "action": "commit_then_body",
                "body": {"id": int(group_id), "name": "GOLD", "rank": 7},
            }
        ]
    )

    updated = later.update(REWARD, "g", group_id, outs, news)

    assert (updated["rank"], updated["org_id"]) == (7, DEMO_ORG_ID)


@pytest.mark.parametrize(
    "type_token,body",
    [
        (REWARD, {}),
        (REWARD, {"id": None}),
        (BADGE, {"data": None, "errors": [], "warnings": []}),
    ],
    ids=["reward-empty", "reward-null-id", "badge-data-null"],
)
def test_an_update_answered_without_the_group_reads_it_back_and_keeps_org_id(emulator, processes, type_token, body):
    first = run(emulator, processes)
    group_id, outs = first.create(type_token, "g", declare(first, type_token, "g", name="GOLD", rank=1))
    assert outs["org_id"] == DEMO_ORG_ID
    later = run(emulator, processes)
    news = declare(later, type_token, "g", name="GOLD", rank=7)
    path = REWARD_UPDATE if type_token == REWARD else BADGE_UPDATE
    emulator.set_faults([{"path": path, "action": "commit_then_body", "body": body}])

    updated = later.update(type_token, "g", group_id, outs, news)

    assert (updated["name"], updated["rank"], updated["org_id"]) == ("GOLD", 7, DEMO_ORG_ID)
