"""``read`` of a group answered 200 without the group (``data: null``, an empty object, a group
without an id): the same clear error a create answered so gets (org, operation, group, what was
missing, request id), never a bare ``KeyError: 'id'``; the group stays in state. Through the real
provider process against the emulator's fault plan."""

from __future__ import annotations

import re

import grpc
import pytest

from tests.process.test_zero_surprises import BADGE, REWARD, declare, start

GET_BY_ID = {BADGE: r"^/api_gateway/v1/badges/group/[^/]+$", REWARD: r"^/api_gateway/rewards/core/v1/group/\d+$"}
LISTING = {BADGE: r"^/api_gateway/v1/badges/group$", REWARD: r"^/api_gateway/rewards/core/v1/group$"}
EMPTY_LISTING = {
    BADGE: {
        "data": {"badgeGroups": [], "pagination": {"page": 0, "size": 100, "total": 0, "totalPages": 0}},
        "errors": [],
        "warnings": [],
    },
    REWARD: {"groupRoList": [], "pagingDto": {"last": True, "totalPages": 0}},
}
ANSWERS = {
    "badge-data-null": (BADGE, {"data": None, "errors": [], "warnings": []}),
    "badge-data-without-id": (BADGE, {"data": {"name": "GOLD"}, "errors": [], "warnings": []}),
    "reward-empty": (REWARD, {}),
    "reward-without-id": (REWARD, {"name": "VIP", "rank": 1}),
}


@pytest.fixture
def made(emulator):
    """A group made through the provider; the process reads by id (no listing snapshot)."""
    started = []

    def make(type_token: str, snapshot: bool):
        proc = start(emulator, readSnapshot="true" if snapshot else "false")
        started.append(proc)
        name = "GOLD" if type_token == BADGE else "VIP"
        group_id, outs = proc.create(type_token, "g", declare(proc, type_token, "g", name=name, rank=1))
        return proc, group_id, outs

    yield make
    for proc in started:
        proc.close()


@pytest.mark.parametrize("case", list(ANSWERS), ids=list(ANSWERS))
@pytest.mark.parametrize("snapshot", [False, True], ids=["get-by-id", "listing-then-get"])
def test_a_read_answered_without_the_group_names_what_was_missing(emulator, made, case, snapshot):
    type_token, body = ANSWERS[case]
    proc, group_id, outs = made(type_token, snapshot)
    faults = [{"method": "GET", "path": GET_BY_ID[type_token], "action": "commit_then_body", "body": body, "count": 20}]
    if snapshot:  # the listing misses it, so the read asks for it by id
        faults.append(
            {
                "method": "GET",
                "path": LISTING[type_token],
                "action": "commit_then_body",
                "body": EMPTY_LISTING[type_token],
                "count": 20,
            }
        )
    emulator.set_faults(faults)

    with pytest.raises(grpc.RpcError) as failed:
        proc.read(type_token, "g", group_id, outs)

    details = failed.value.details()
    kind = "badge group" if type_token == BADGE else "reward group"
    assert "KeyError" not in details
    assert f"capillary org 'default': read {kind} '{group_id}'" in details
    assert f"the answer (HTTP 200) holds no {kind}" in details
    assert re.search(r"request id \S+", details)
