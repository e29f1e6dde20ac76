"""Layer 3: the real provider process (``python -m pulumi.dynamic``) driven over gRPC as the
engine drives it: Configure with secret config, Check, Create, Read, Diff, Update, move, drift,
out-of-band delete, Delete — and no secret or token in anything sent back or printed."""

from __future__ import annotations

import json

import grpc
import pytest

from pulumi_groups.wesurvey import ContactGroupProvider
from tests.conftest import FAST
from tests.support.provider_process import DIFF_NONE, DIFF_SOME, UNKNOWN, ProviderProcess, provider_prop, secret
from tests.wesurvey.conftest import CONTACT_GROUP, DEMO_APP, TEAM

SECRET = DEMO_APP["secret"]


@pytest.fixture
def process(emulator):
    proc = ProviderProcess()
    accounts = {"default": {"host": emulator.url, **DEMO_APP}}
    # As `pulumi config set --secret` stores it: the whole object is a secret, sent as JSON text.
    proc.configure({"wesurvey:accounts": secret(json.dumps(accounts)), "wesurvey:requestsPerMinute": FAST})
    yield proc
    proc.close()


def issued_tokens(emu) -> list[str]:
    return [record["token"] for record in emu.store.wesurvey_tokens.values()]


def assert_nothing_secret(emu, tokens: list[str], *payloads, text: str = "") -> None:
    blob = json.dumps(payloads, default=str) + text
    assert SECRET not in blob and "access_token" not in blob and "secret=" not in blob
    for token in tokens + issued_tokens(emu):
        assert token not in blob


def test_contact_group_full_lifecycle(emulator, process):
    prov = provider_prop(ContactGroupProvider())
    tokens: list[str] = []
    outputs = {"full_name": None, "source": None, "is_valid": None, "created_at": None, "updated_at": None}

    panel_news = {
        "__provider": prov,
        "team_id": TEAM,
        "name": "NPS panel",
        "order": 1,
        "remote_id": "crm-1202",
        **outputs,
    }
    panel_inputs, failures = process.check(CONTACT_GROUP, "panel", {}, panel_news)
    assert failures == [] and panel_inputs["account"] == "default" and "full_name" not in panel_inputs
    panel_id, panel = process.create(CONTACT_GROUP, "panel", panel_inputs)
    assert panel["full_name"] == "NPS panel" and panel["__provider"] == prov

    # A child declared with parent_id=panel.id: unknown at preview, the id string at update.
    _, failures = process.check(
        CONTACT_GROUP, "batch", {}, {"__provider": prov, "team_id": TEAM, "name": "Batch", "parent_id": UNKNOWN}
    )
    assert failures == []
    batch_inputs, _ = process.check(
        CONTACT_GROUP, "batch", {}, {"__provider": prov, "team_id": TEAM, "name": "Batch", "parent_id": panel_id}
    )
    assert batch_inputs["parent_id"] == int(panel_id)
    batch_id, batch = process.create(CONTACT_GROUP, "batch", batch_inputs)
    assert batch["full_name"] == "NPS panel/Batch"
    tokens += issued_tokens(emulator)

    read_id, read_outs, read_inputs = process.read(CONTACT_GROUP, "batch", batch_id, batch)
    assert read_id == batch_id and read_inputs["parent_id"] == int(panel_id) and read_inputs["name"] == "Batch"
    assert process.diff(CONTACT_GROUP, "batch", batch_id, read_outs, batch_inputs).changes == DIFF_NONE

    renamed = {**batch_inputs, "name": "Batch 2", "order": 3}
    diff = process.diff(CONTACT_GROUP, "batch", batch_id, read_outs, renamed)
    assert diff.changes == DIFF_SOME and list(diff.replaces) == []
    replaced = process.diff(CONTACT_GROUP, "batch", batch_id, read_outs, {**batch_inputs, "team_id": 54})
    assert list(replaced.replaces) == ["team_id"] and not replaced.deleteBeforeReplace

    emulator.expire_tokens()  # mid-run: the next call fetches a new token and goes on
    updated = process.update(CONTACT_GROUP, "batch", batch_id, read_outs, renamed)
    assert (updated["name"], updated["order"], updated["created_at"]) == ("Batch 2", 3, batch["created_at"])
    assert emulator.counters()["token_fetches"] == {"demo-appid": 2}
    tokens += issued_tokens(emulator)

    # A parent change is a move (update), not a replace.
    to_top = {**renamed, "parent_id": 0}
    move = process.diff(CONTACT_GROUP, "batch", batch_id, updated, to_top)
    assert move.changes == DIFF_SOME and list(move.replaces) == []
    moved = process.update(CONTACT_GROUP, "batch", batch_id, updated, to_top)
    assert moved["parent_id"] == 0 and moved["full_name"] == "Batch 2"

    emulator.update_group("contact", TEAM, int(batch_id), name="Batch (console)", parent_id=int(panel_id))  # drift
    _, drifted, drifted_inputs = process.read(CONTACT_GROUP, "batch", batch_id, moved)
    assert (drifted_inputs["name"], drifted_inputs["parent_id"]) == ("Batch (console)", int(panel_id))
    assert process.diff(CONTACT_GROUP, "batch", batch_id, drifted, to_top).changes == DIFF_SOME

    emulator.delete_group("contact", TEAM, int(batch_id))  # out-of-band delete
    gone_id, gone_outs, _ = process.read(CONTACT_GROUP, "batch", batch_id, drifted)
    assert gone_id == "" and set(gone_outs) == {"__provider"}
    assert process.saw("no longer exists")

    destroy = process.next_run()  # `pulumi destroy`: a later run
    destroy.delete(CONTACT_GROUP, "panel", panel_id, panel)
    destroy.delete(CONTACT_GROUP, "panel", panel_id, panel)  # gone already: still success
    assert [g["name"] for g in emulator.contact_groups(TEAM)] == ["Default group"]
    assert_nothing_secret(
        emulator,
        tokens,
        panel_inputs,
        panel,
        batch,
        read_outs,
        updated,
        moved,
        drifted,
        gone_outs,
        text=process.printed(),
    )


def test_failures_reach_the_engine_with_advice_and_no_secret(emulator, process):
    prov = provider_prop(ContactGroupProvider())
    _, failures = process.check(
        CONTACT_GROUP, "bad", {}, {"__provider": prov, "name": "", "order": 1.5, "account": "eu"}
    )
    assert {p for p, _ in failures} == {"team_id", "name", "order", "account"}
    assert emulator.counters()["total"] == 0  # preview sends nothing

    inputs, _ = process.check(
        CONTACT_GROUP, "orphan", {}, {"__provider": prov, "team_id": TEAM, "name": "Orphan", "parent_id": 999999}
    )
    with pytest.raises(grpc.RpcError) as failed:
        process.create(CONTACT_GROUP, "orphan", inputs)
    details = failed.value.details()
    assert "parent_group_not_found" in details and "check parent_id" in details
    assert_nothing_secret(emulator, [], details, text=process.printed())
