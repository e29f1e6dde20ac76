"""What an error says: every part it has, and nothing for the parts it lacks (no "None", no
empty quotes)."""

from __future__ import annotations

import dataclasses

import pytest

from pulumi_groups.errors import ApiError, CallContext, RequestFailed

CONTEXT = CallContext("capillary", "brand-eu", "create badge group", "GOLD", "POST", "/api_gateway/v1/badges/group")
WESURVEY = CallContext("wesurvey", "default", "list contact groups", None, "GET", "/api/contacts/teams/53/groups")


def test_a_full_api_error_names_every_part_in_order():
    error = ApiError(CONTEXT, 733, "Group Name should be Unique.", status=400, request_id="req-1", hint="Set adopt: true",
                     needed_for="update badge group 'X'", during="reading badge group 'GOLD'")
    assert str(error) == (
        "capillary org 'brand-eu': create badge group 'GOLD' (POST /api_gateway/v1/badges/group) failed: "
        "HTTP 400, code 733, 'Group Name should be Unique.', request id req-1 "
        "(needed to update badge group 'X', which was not sent), while reading badge group 'GOLD'. Set adopt: true"
    )
    assert error.args == (str(error),)


def test_an_api_error_leaves_out_what_it_does_not_have():
    text = str(ApiError(WESURVEY))
    assert text == "wesurvey account 'default': list contact groups (GET /api/contacts/teams/53/groups) failed"
    for absent in ("HTTP", "code", "''", "request id", "needed to", "while", "None", ". "):
        assert absent not in text
    assert str(ApiError(WESURVEY, "", "", status=503)).endswith("failed: HTTP 503")


def test_a_request_failure_names_every_part_and_leaves_out_the_rest():
    full = RequestFailed(CONTEXT, "the answer is not valid JSON", True, status=200, request_id="req-2", needed_for="create x",
                         during="listing", hint="Run it again")
    assert str(full).endswith(
        "failed: the answer is not valid JSON, HTTP 200, request id req-2 (needed to create x, which was not sent), "
        "while listing. Run it again"
    )
    refused = RequestFailed(CONTEXT, "connection refused", False)
    bare = str(refused)
    assert bare.endswith("failed: connection refused")
    for absent in ("HTTP", "request id", "needed to", "while", "None", ". "):
        assert absent not in bare


def test_a_call_context_cannot_be_changed_after_the_call():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CONTEXT.scope = "other"  # type: ignore[misc]
    assert CONTEXT.action() == "create badge group 'GOLD'" and WESURVEY.action() == "list contact groups"
