"""What an error says: every part it has, and nothing for the parts it lacks (no "None", no
empty quotes)."""

from __future__ import annotations

import dataclasses

import pytest

from pulumi_groups.errors import ApiError, CallContext, CallFailed, NotFound, RequestFailed, calls_for

CONTEXT = CallContext("capillary", "brand-eu", "create badge group", "GOLD", "POST", "/api_gateway/v1/badges/group")
WESURVEY = CallContext("wesurvey", "default", "list contact groups", None, "GET", "/api/contacts/teams/53/groups")


def test_a_full_api_error_names_every_part_in_order():
    error = ApiError(
        CONTEXT,
        733,
        "Group Name should be Unique.",
        status=400,
        request_id="req-1",
        hint="Set adopt: true",
        needed_for="update badge group 'X'",
        during="reading badge group 'GOLD'",
    )
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
    full = RequestFailed(
        CONTEXT,
        "the answer is not valid JSON",
        True,
        status=200,
        request_id="req-2",
        needed_for="create x",
        during="listing",
        hint="Run it again",
    )
    assert str(full).endswith(
        "failed: the answer is not valid JSON, HTTP 200, request id req-2 (needed to create x, which was not sent), "
        "while listing. Run it again"
    )
    refused = RequestFailed(CONTEXT, "connection refused", False)
    bare = str(refused)
    assert bare.endswith("failed: connection refused")
    for absent in ("HTTP", "request id", "needed to", "while", "None", ". "):
        assert absent not in bare


def test_what_a_call_served_is_named_once_by_the_innermost_calls_for():
    with pytest.raises(CallFailed) as raised:
        with calls_for(during="reading badge group 'GOLD'"):
            with calls_for(during="listing badge groups", needed_for="create badge group 'GOLD'"):
                raise NotFound(CONTEXT, status=404)
    failure = raised.value
    assert (failure.during, failure.needed_for) == ("listing badge groups", "create badge group 'GOLD'")
    assert str(failure).endswith(
        "(needed to create badge group 'GOLD', which was not sent), while listing badge groups"
    )
    # What the error says already is kept: the place that raised it knew better.
    with pytest.raises(RequestFailed) as kept:
        with calls_for(during="reading"):
            raise RequestFailed(CONTEXT, "connection refused", False, during="listing the org")
    assert kept.value.during == "listing the org"
    # Any other error passes through untouched.
    with pytest.raises(KeyError):
        with calls_for(during="reading"):
            raise KeyError("x")


def test_a_call_context_cannot_be_changed_after_the_call():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CONTEXT.scope = "other"  # type: ignore[misc]
    assert CONTEXT.action() == "create badge group 'GOLD'" and WESURVEY.action() == "list contact groups"
