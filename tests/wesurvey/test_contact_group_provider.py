"""Layer 1: ContactGroupProvider's methods against the emulator over real HTTP."""

from __future__ import annotations

import re

import pytest
from pulumi.output import Unknown

from pulumi_groups.emulator import Emulator
from pulumi_groups.errors import ApiError, GroupsError, NameTaken
from pulumi_groups.http import registry
from pulumi_groups.lifecycle import ownership
from pulumi_groups.wesurvey import ContactGroupProvider
from pulumi_groups.wesurvey.guesses import PAGE_SIZE as WESURVEY_PAGE_SIZE
from tests.conftest import configured
from tests.wesurvey.conftest import TEAM, create, declare, live, wesurvey_config

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def groups_named(emu, name: str) -> list[dict]:
    return [g for g in emu.contact_groups(TEAM) if g["name"] == name]


def default_group(emu) -> dict:
    return next(g for g in emu.contact_groups(TEAM) if g["source"] == 0)


# -- check and diff: nothing reaches the API ------------------------------------------------------


def test_check_normalizes_engine_values_and_sends_nothing(emulator, provider):
    result = provider.check({}, {"team_id": 53.0, "name": "NPS panel", "parent_id": "6031", "order": 2.0})
    assert result.failures == []
    assert result.inputs == {
        "team_id": 53,
        "name": "NPS panel",
        "parent_id": 6031,
        "order": 2,
        "remote_id": None,
        "account": "default",
        "adopt": False,
    }
    # absent parent and order: top level, order 0
    assert declare(provider, name="x")["parent_id"] == 0 and declare(provider, name="x")["order"] == 0
    assert emulator.counters()["total"] == 0


def test_check_refuses_bad_input_naming_each_field(emulator, provider):
    failures = provider.check(
        {}, {"name": " ", "parent_id": "panel", "order": 1.5, "remote_id": 7, "account": "eu"}
    ).failures
    reasons = {f.property: f.reason for f in failures}
    assert set(reasons) == {"team_id", "name", "parent_id", "order", "remote_id", "account"}
    assert "team_id is required" in reasons["team_id"]
    assert "account 'eu' is not configured (known accounts: default)" in reasons["account"]
    assert "wesurvey:accounts.eu.secret" in reasons["account"]
    assert [f.property for f in provider.check({}, {"team_id": 53.5, "name": "x"}).failures] == ["team_id"]
    assert emulator.counters()["total"] == 0


def test_check_lets_a_parent_id_unknown_at_preview_pass(provider):
    result = provider.check({}, {"team_id": 53.0, "name": "batch", "parent_id": Unknown()})
    assert result.failures == [] and isinstance(result.inputs["parent_id"], Unknown)


def test_check_reports_an_incomplete_account_on_account(emulator):
    config = wesurvey_config(emulator, {"default": {"appId": "demo-appid"}})
    failures = configured(ContactGroupProvider, config).check({}, {"team_id": 53, "name": "x"}).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("account", "wesurvey account 'default': set secret (from the team's WeSurvey management page)")
    ]


def test_diff_updates_name_order_and_parent_and_replaces_team_or_account(provider, capsys):
    olds = {
        "team_id": 53.0,
        "name": "Panel",
        "parent_id": 6001.0,
        "order": 1.0,
        "remote_id": None,
        "account": "default",
        "adopt": False,
        "full_name": "A/Panel",
        "source": 2.0,
    }
    same = {"team_id": 53, "name": "Panel", "parent_id": "6001", "order": 1, "account": "default", "adopt": True}
    assert provider.diff("6002", olds, same).changes is False
    for field, value in (("name", "Panel 2"), ("order", 3), ("parent_id", 0), ("parent_id", Unknown())):
        diff = provider.diff("6002", olds, {**same, field: value})
        assert (diff.changes, diff.replaces) == (True, []), field
    # A replacement creates the new group first, so children move over before the old one goes.
    team = provider.diff("6002", olds, {**same, "team_id": 54})
    assert team.replaces == ["team_id"] and team.delete_before_replace is False
    # ... unless both would hold the same remote id in the same team at once.
    keyed = {**olds, "remote_id": "crm-1"}
    account = provider.diff("6002", keyed, {**same, "remote_id": "crm-1", "account": "eu"})
    assert account.replaces == ["account"] and account.delete_before_replace is True
    capsys.readouterr()
    remote = provider.diff("6002", olds, {**same, "remote_id": "crm-2"})
    assert remote.replaces == ["remote_id"]
    assert "changing remote_id replaces the group" in capsys.readouterr().err  # said at preview


# -- create ---------------------------------------------------------------------------------------


def test_create_reads_the_whole_group_back(emulator, provider):
    group_id, outs, _ = create(provider, name="NPS panel", order=1, remote_id="crm-1202")
    assert group_id.isdigit() and live(emulator, group_id)["remote_id"] == "crm-1202"
    assert outs == {
        "team_id": TEAM,
        "name": "NPS panel",
        "parent_id": 0,
        "order": 1,
        "remote_id": "crm-1202",
        "account": "default",
        "adopt": False,
        "full_name": "NPS panel",
        "source": 2,
        "is_valid": True,
        "created_at": outs["created_at"],
        "updated_at": outs["updated_at"],
    }
    assert ISO_UTC.match(outs["created_at"]) and ISO_UTC.match(outs["updated_at"])


def test_three_level_tree_and_the_depth_limit(emulator, provider):
    panel, _, _ = create(provider, name="Panel")
    batch, _, _ = create(provider, name="Batch", parent_id=panel)  # the engine passes panel.id: a string
    leaf, leaf_outs, _ = create(provider, name="Leaf", parent_id=int(batch), order=5)
    assert leaf_outs["full_name"] == "Panel/Batch/Leaf" and leaf_outs["parent_id"] == int(batch)
    before = len(emulator.contact_groups(TEAM))
    with pytest.raises(ApiError) as too_deep:
        create(provider, name="Too deep", parent_id=leaf)
    message = str(too_deep.value)
    assert "code group_too_deep" in message and "attach this group to a parent higher up" in message
    assert "wesurvey account 'default': create contact group 'Too deep'" in message
    assert re.search(r"request id [0-9a-f-]{36}", message)
    assert len(emulator.contact_groups(TEAM)) == before


def test_a_missing_parent_fails_with_what_to_do(provider):
    with pytest.raises(ApiError) as missing:
        create(provider, name="Orphan", parent_id=999999)
    assert "parent_group_not_found" in str(missing.value) and "check parent_id" in str(missing.value)


def test_names_need_not_be_unique_without_adopt(emulator, provider):
    first, _, _ = create(provider, name="Twins")
    second, _, _ = create(provider, name="Twins")
    assert first != second and len(groups_named(emulator, "Twins")) == 2


def test_a_taken_remote_id_without_adopt_names_the_group_and_the_fix(emulator, provider):
    existing = emulator.create_contact_group(TEAM, "CRM panel", remote_id="crm-9")
    emulator.reset_counters()
    with pytest.raises(NameTaken) as taken:  # taken before the run's listing: nothing is sent
        create(provider, name="Panel", remote_id="crm-9")
    message = str(taken.value)
    assert f"id {existing['id']}" in message and "adopt: true" in message and "previousAccount" in message
    assert emulator.counters()["by_endpoint"].get("POST /api/contacts/teams/{team_id}/groups", 0) == 0
    later = emulator.create_contact_group(TEAM, "CRM panel 2", remote_id="crm-10")  # after the listing
    with pytest.raises(NameTaken) as taken:
        create(provider, name="Panel", remote_id="crm-10")
    message = str(taken.value)
    assert "code duplicated_remote_id" in message and f"id {later['id']}" in message and "adopt: true" in message


def test_adopt_by_remote_id_takes_the_group_over_wherever_it_is(emulator, provider):
    parent = emulator.create_contact_group(TEAM, "Elsewhere")
    existing = emulator.create_contact_group(TEAM, "CRM panel", parent_id=parent["id"], order=7, remote_id="crm-9")
    group_id, outs, _ = create(provider, name="Panel", order=1, remote_id="crm-9", adopt=True)
    assert group_id == str(existing["id"])
    assert (outs["name"], outs["order"], outs["parent_id"], outs["adopt"]) == ("Panel", 1, 0, True)
    assert live(emulator, group_id)["parent_id"] == 0 and len(emulator.contact_groups(TEAM)) == 3


def test_adopt_by_name_only_under_the_same_parent(emulator, provider, capsys):
    parent = emulator.create_contact_group(TEAM, "Parent")
    other_branch = emulator.create_contact_group(TEAM, "Panel", parent_id=parent["id"])
    top = emulator.create_contact_group(TEAM, "Panel", order=4)
    group_id, outs, _ = create(provider, name="Panel", order=4, adopt=True)
    assert group_id == str(top["id"]) and outs["order"] == 4
    assert "taking over the existing group" in capsys.readouterr().err
    # Same name under another parent is another group: a new one is made there.
    nested, _, _ = create(provider, name="Panel", parent_id=parent["id"], adopt=True)
    assert nested == str(other_branch["id"])
    fresh, _, _ = create(provider, name="Panel", parent_id=int(group_id), adopt=True)
    assert fresh not in {group_id, nested} and len(groups_named(emulator, "Panel")) == 3


def test_adopt_among_two_groups_of_the_name_takes_the_oldest_and_says_so(emulator, provider, capsys):
    oldest, newer = emulator.create_contact_group(TEAM, "Twin"), emulator.create_contact_group(TEAM, "Twin")
    group_id, _, _ = create(provider, name="Twin", adopt=True)
    assert group_id == str(oldest["id"]) and live(emulator, newer["id"])["name"] == "Twin"
    err = capsys.readouterr().err.splitlines()
    warned = [line for line in err if "groups have this key" in line]
    assert len(warned) == 1 and "2 groups" in warned[0] and f"id {oldest['id']}" in warned[0]
    assert [line for line in err if "taking over the existing group" in line and f"id {oldest['id']}" in line]
    # One group of the name: nothing to choose between, so nothing to say.
    emulator.create_contact_group(TEAM, "Single")
    create(provider, name="Single", adopt=True)
    assert "groups have this key" not in capsys.readouterr().err


def test_adopting_the_default_group_says_it_cannot_be_changed(emulator, provider):
    default = default_group(emulator)
    with pytest.raises(ApiError) as refused:
        create(provider, name=default["name"], order=3, adopt=True)
    assert "default_group_be_modified" in str(refused.value) and "declare a group of your own" in str(refused.value)


def test_a_create_whose_answer_is_lost_is_found_by_remote_id_not_duplicated(emulator, provider, capsys):
    emulator.set_faults([{"method": "POST", "path": "/groups$", "action": "commit_then_drop"}])
    group_id, outs, _ = create(provider, name="Panel", remote_id="crm-5")
    assert [g["id"] for g in emulator.contact_groups(TEAM) if g["remote_id"] == "crm-5"] == [int(group_id)]
    assert outs["full_name"] == "Panel" and "the create's answer was lost" in capsys.readouterr().err


def test_a_create_whose_answer_is_lost_is_found_by_name_under_its_parent(emulator, provider):
    emulator.set_faults([{"method": "POST", "path": "/groups$", "action": "malformed"}])
    group_id, _, _ = create(provider, name="Nameless")
    assert [str(g["id"]) for g in groups_named(emulator, "Nameless")] == [group_id]


def test_a_create_that_never_arrived_is_sent_again(emulator, provider):
    emulator.set_faults([{"method": "POST", "path": "/groups$", "action": "reset"}])
    group_id, _, _ = create(provider, name="Retried", remote_id="crm-6")
    assert [str(g["id"]) for g in groups_named(emulator, "Retried")] == [group_id]


def test_create_never_raises_once_the_post_succeeded(emulator, provider, capsys):
    # The create goes through; the read-back is refused (a 400 is not retried, unlike an
    # unreadable answer, which the transport re-sends).
    # (skip 1: the run's listing of the team, taken before the create)
    emulator.set_faults([{"method": "GET", "path": "/groups$", "action": "status", "status": 400, "skip": 1}])
    group_id, outs, _ = create(provider, name="Saved", order=2, remote_id="crm-7")
    assert live(emulator, group_id)["name"] == "Saved"
    assert (outs["name"], outs["order"], outs["remote_id"], outs["full_name"]) == ("Saved", 2, "crm-7", None)
    assert "saved, but reading it back failed" in capsys.readouterr().err
    read = provider.read(group_id, outs)  # refresh completes the outputs
    assert read.outs["full_name"] == "Saved" and read.outs["source"] == 2


# -- read -----------------------------------------------------------------------------------------


def test_read_returns_live_values_as_outputs_and_inputs(emulator, provider):
    parent, _, _ = create(provider, name="Parent")
    group_id, outs, inputs = create(provider, name="Child", parent_id=parent, order=1)
    other = emulator.create_contact_group(TEAM, "Other")
    emulator.update_group("contact", TEAM, int(group_id), name="Child (renamed)", order=9)
    read = provider.read(group_id, outs)
    assert read.id == group_id and read.outs["full_name"] == "Parent/Child (renamed)"
    assert read.inputs == {
        "team_id": TEAM,
        "name": "Child (renamed)",
        "parent_id": int(parent),
        "order": 9,
        "remote_id": None,
        "account": "default",
        "adopt": False,
    }
    assert provider.diff(group_id, read.outs, inputs).changes is True
    # Moved outside Pulumi: found in the whole team, shown as drift rather than dropped.
    emulator.update_group("contact", TEAM, int(group_id), parent_id=other["id"])
    moved = provider.read(group_id, read.outs)
    assert moved.id == group_id and moved.inputs["parent_id"] == other["id"]


def fill_a_branch_beyond_one_page(emu) -> dict:
    """A top-level group with a page of children: the whole team then takes two pages to list,
    so a read that falls back to the team costs more than one request."""
    branch = emu.create_contact_group(TEAM, "Filled branch")
    for i in range(WESURVEY_PAGE_SIZE):
        emu.create_contact_group(TEAM, f"Filler {i}", parent_id=branch["id"])
    return branch


def test_read_by_remote_id_is_one_request(emulator):
    """Without a listing to answer from (snapshot off, or the read a write makes), a group with a
    remote id is read by that id: one request, where its parent (a page of siblings) takes two
    and the whole team three, so a lookup by remote id that found nothing shows."""
    provider = configured(ContactGroupProvider, wesurvey_config(emulator, readSnapshot="false"))
    branch = fill_a_branch_beyond_one_page(emulator)
    group_id, outs, _ = create(provider, name="Keyed", remote_id="crm-8", parent_id=branch["id"])
    emulator.reset_counters()
    assert provider.read(group_id, outs).outs["name"] == "Keyed"
    assert emulator.counters()["by_endpoint"] == {"GET /api/contacts/teams/{team_id}/groups": 1}


@pytest.mark.parametrize("read_snapshot", ["true", "false"])
@pytest.mark.parametrize("with_remote_id", [False, True])
def test_read_of_a_group_deleted_out_of_band_drops_it_with_one_line(emulator, capsys, with_remote_id, read_snapshot):
    provider = configured(ContactGroupProvider, wesurvey_config(emulator, readSnapshot=read_snapshot))
    fill_a_branch_beyond_one_page(emulator)
    group_id, outs, _ = create(provider, name="Doomed", remote_id="crm-d" if with_remote_id else None)
    # The same read finds the group while it exists, in one request (the team takes two): "gone"
    # below is the deletion's doing, not a lookup that never finds anything.
    emulator.reset_counters()
    assert provider.read(group_id, outs).id == group_id and emulator.counters()["total"] == 1
    emulator.delete_group("contact", TEAM, int(group_id))
    capsys.readouterr()
    read = provider.read(group_id, outs)
    assert read.id is None and read.outs == {}
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"pulumi-groups: contact group 'Doomed' (id {group_id}) in account 'default' no longer "
        "exists; dropping it from the stack's state"
    ]


def test_a_child_whose_parent_was_deleted_is_gone_too(emulator, provider):
    parent, _, _ = create(provider, name="Parent")
    child, outs, _ = create(provider, name="Child", parent_id=parent)
    emulator.delete_group("contact", TEAM, int(parent))  # takes its descendants with it
    assert provider.read(child, outs).id is None


def test_read_failures_are_errors_never_gone(emulator, provider):
    group_id, outs, _ = create(provider, name="Kept")
    emulator.set_faults([{"method": "GET", "action": "status", "status": 403}])
    with pytest.raises(ApiError):
        provider.read(group_id, outs)


# -- update ---------------------------------------------------------------------------------------


def test_update_renames_and_reorders_and_returns_full_outputs(emulator, provider):
    group_id, outs, inputs = create(provider, name="Panel", order=1)
    news = declare(provider, name="Panel 2", order=5)
    updated = provider.update(group_id, outs, news).outs
    assert (updated["name"], updated["order"], updated["full_name"]) == ("Panel 2", 5, "Panel 2")
    assert updated["created_at"] == outs["created_at"] and updated["source"] == 2
    assert (live(emulator, group_id)["name"], live(emulator, group_id)["order"]) == ("Panel 2", 5)


def test_a_parent_change_moves_the_group_with_its_children(emulator, provider):
    a, _, _ = create(provider, name="A")
    b, _, _ = create(provider, name="B")
    group_id, outs, _ = create(provider, name="Batch", parent_id=a)
    child, _, _ = create(provider, name="Child", parent_id=group_id)
    moved = provider.update(group_id, outs, declare(provider, name="Batch", parent_id=b)).outs
    assert moved["parent_id"] == int(b) and moved["full_name"] == "B/Batch"
    assert live(emulator, group_id)["parent_id"] == int(b)
    assert live(emulator, child)["full_name"] == "B/Batch/Child"
    to_top = provider.update(group_id, moved, declare(provider, name="Batch")).outs
    assert to_top["parent_id"] == 0 and live(emulator, group_id)["parent_id"] == 0


def test_a_move_from_a_stale_parent_moves_from_where_the_group_is(emulator, provider):
    a, _, _ = create(provider, name="A")
    b, _, _ = create(provider, name="B")
    group_id, outs, _ = create(provider, name="Batch", parent_id=a)
    emulator.update_group("contact", TEAM, int(group_id), parent_id=0)  # moved by hand, no refresh
    moved = provider.update(group_id, outs, declare(provider, name="Batch", parent_id=b)).outs
    assert moved["parent_id"] == int(b) and live(emulator, group_id)["parent_id"] == int(b)


def test_a_move_too_deep_is_refused_with_what_to_do(emulator, provider):
    a, _, _ = create(provider, name="A")
    b, _, _ = create(provider, name="B", parent_id=a)
    group_id, outs, _ = create(provider, name="Tree")
    create(provider, name="Tree child", parent_id=group_id)
    with pytest.raises(ApiError) as refused:
        provider.update(group_id, outs, declare(provider, name="Tree", parent_id=b))
    assert "group_too_deep" in str(refused.value) and live(emulator, group_id)["parent_id"] == 0


def test_update_of_a_vanished_group_says_to_refresh(emulator, provider):
    group_id, outs, _ = create(provider, name="Vanishing")
    emulator.delete_group("contact", TEAM, int(group_id))
    with pytest.raises(ApiError) as gone:
        provider.update(group_id, outs, declare(provider, name="Vanishing 2"))
    assert "contacts_group_not_found" in str(gone.value) and "pulumi refresh" in str(gone.value)


# -- delete ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("unknown_ids", ["ignore", "error"])
def test_delete_is_one_batch_delete_and_not_found_is_success(unknown_ids):
    # The docs do not say how batch_delete treats unknown ids: run under both readings.
    with Emulator(wesurvey_batch_delete_unknown=unknown_ids) as emu:
        provider = configured(ContactGroupProvider, wesurvey_config(emu))
        group_id, outs, _ = create(provider, name="Temporary")
        emu.reset_counters()
        ownership.run().reset()  # `pulumi destroy`: a later run
        provider.delete(group_id, outs)
        assert live(emu, group_id) is None
        # One look for children it must not take with it, then one batch delete.
        assert emu.counters()["by_endpoint"] == {
            "GET /api/contacts/teams/{team_id}/groups": 1,
            "POST /api/contacts/teams/{team_id}/groups/batch_delete": 1,
        }
        provider.delete(group_id, outs)  # already gone: still success
    registry.clear()


@pytest.mark.parametrize("count", [10, 11])
def test_a_delete_refused_for_many_hand_made_children_names_ten_and_counts_the_others(emulator, provider, count):
    group_id, outs, _ = create(provider, name="Region")
    children = [emulator.create_contact_group(TEAM, f"Hand made {i}", parent_id=int(group_id)) for i in range(count)]
    registry.clear()  # `pulumi destroy`: a later run
    destroy = configured(ContactGroupProvider, wesurvey_config(emulator))
    with pytest.raises(GroupsError) as refused:
        destroy.delete(group_id, outs)
    message = str(refused.value)
    named = [child for child in children if f"(id {child['id']})" in message]
    assert f"{count} child group(s)" in message and len(named) == 10
    assert ("and 1 more" in message, f"and {count - 10} more" in message) == (count == 11, count == 11)
    assert len(emulator.contact_groups(TEAM)) == 1 + 1 + count  # the default group, Region, its children


def test_deleting_the_default_group_is_refused_with_what_to_do(emulator, provider):
    default = default_group(emulator)
    outs = {"team_id": TEAM, "name": default["name"], "account": "default"}
    with pytest.raises(ApiError) as refused:
        provider.delete(str(default["id"]), outs)
    assert "default_group_be_modified" in str(refused.value)


# -- tokens ---------------------------------------------------------------------------------------


def test_one_token_per_appid_renewed_when_it_expires_mid_run(emulator, provider):
    group_id, outs, _ = create(provider, name="Panel")
    create(provider, name="Another")
    assert emulator.counters()["token_fetches"] == {"demo-appid": 1}
    emulator.expire_tokens()
    updated = provider.update(group_id, outs, declare(provider, name="Panel 2")).outs
    assert updated["name"] == "Panel 2" and emulator.counters()["token_fetches"] == {"demo-appid": 2}


def test_a_short_lived_token_is_renewed_before_it_expires(monkeypatch):
    """A token of 100 s is renewed in its last tenth: the provider's token clock is one the test
    moves (to 95 s), while the emulator's tokens outlive the run."""
    from pulumi_groups.wesurvey import client as wesurvey_client
    from pulumi_groups.wesurvey.auth import AccessTokenAuth

    now = [0.0]
    monkeypatch.setattr(
        wesurvey_client, "AccessTokenAuth", lambda app, secret: AccessTokenAuth(app, secret, clock=lambda: now[0])
    )
    registry.clear()
    with Emulator(wesurvey_token_ttl=100) as emu:
        provider = configured(ContactGroupProvider, wesurvey_config(emu))
        group_id, outs, _ = create(provider, name="Panel")
        now[0] = 89.0  # before the last tenth: the same token
        assert provider.read(group_id, outs).id == group_id
        assert emu.counters()["token_fetches"] == {"demo-appid": 1}
        now[0] = 95.0
        assert provider.read(group_id, outs).id == group_id
        counters = emu.counters()
        # renewed ahead of time: no request was refused for an expired token
        assert counters["token_fetches"] == {"demo-appid": 2}
        # the create's look for same-named groups first (names are not unique), its read-back,
        # and the two reads: none answered "token expired"
        assert counters["by_endpoint"]["GET /api/contacts/teams/{team_id}/groups"] == 4
    registry.clear()


def test_accounts_sharing_an_appid_share_its_token(emulator):
    app = {"appId": "demo-appid", "secret": "demo-secret"}
    provider = configured(ContactGroupProvider, wesurvey_config(emulator, {"default": app, "second": app}))
    create(provider, name="One", account="default")
    create(provider, name="Two", account="second")
    assert emulator.counters()["token_fetches"] == {"demo-appid": 1}


def test_wrong_secret_fails_clearly_without_echoing_it(emulator):
    config = wesurvey_config(emulator, {"default": {"appId": "demo-appid", "secret": "wrong-secret-42"}})
    provider = configured(ContactGroupProvider, config)
    with pytest.raises(ApiError) as refused:
        create(provider, name="Panel")
    message = str(refused.value)
    assert (
        "get access token (GET /api/oauth2/access_token)" in message
        and "check the account's appId and secret" in message
    )
    assert "wrong-secret-42" not in message and "secret=" not in message and "?" not in message
