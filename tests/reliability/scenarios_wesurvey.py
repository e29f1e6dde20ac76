"""WeSurvey contact groups under the same fault catalogue as ``scenarios.py`` (the same
promises judged), with the same scaled-down timeouts and retry tuning.

One difference in what a reliable provider does: WeSurvey keeps remote ids unique but not
names, so a create without a remote id whose outcome is unknown (no answer, a reset, a 5xx that
may come from a proxy after WeSurvey acted) is never sent again (it may still land after any
lookup): unless the group it made is found, it fails saying to rerun with ``adopt: true``, and
the group it may have made is the one that rerun takes over.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi_groups.http import registry

from .scenarios import (
    PERSISTENT,
    RETRY_BACKOFF_SECONDS,
    RETRY_BUDGET_SECONDS,
    TIMEOUT_SECONDS,
    TOKEN,
    TRANSIENT,
    FaultCase,
    Outcome,
    check_message,
    configured,
    prepare,
    retry_after_problems,
    run_operation,
)

ACCOUNT = "default"
TEAM = 53
APP = {"appId": "demo-appid", "secret": "demo-secret"}
GROUPS = rf"^/api/contacts/teams/{TEAM}/groups"
OPERATION_REQUESTS = {
    "create": ("POST", GROUPS + "$"),
    "read": ("GET", GROUPS + "$"),
    "update": ("POST", GROUPS + r"/\d+$"),
    "delete": ("POST", GROUPS + "/batch_delete$"),
}
TOKEN_REQUEST = ("GET", r"^/api/oauth2/access_token$")
OPERATIONS = ("create", "read", "update", "delete")


# The Capillary catalogue, less its Basic-auth variants (WeSurvey has one kind of credential).
# The token faults are aimed at WeSurvey's own token call (a GET with the secret in its query
# string: a reset or a timeout there is where a careless error would show the secret).
FAULTS = tuple(FaultCase(case.id, case.spec, case.persistent, case.target) for case in TRANSIENT + PERSISTENT + TOKEN)


def expected_result(op: str, case: FaultCase, with_remote_id: bool) -> str:
    """ "ok" or "error": what a reliable provider does under this fault."""
    action = case.spec["action"]
    may_land_unseen = action in ("delay", "reset") or (action == "status" and case.spec["status"] >= 500)
    if op == "create" and case.target == "operation" and may_land_unseen and not with_remote_id:
        return "error"  # never sent twice without a unique key; the error says to adopt
    if not case.persistent:
        return "ok"
    if op == "create" and case.target == "operation" and action in ("delay", "commit_then_drop", "malformed"):
        return "ok"  # the vendor made the group; the lookup finds it and takes it over
    return "error"


def matrix() -> list[tuple[str, FaultCase, bool]]:
    """(operation, fault, with remote_id): creates run with and without a remote id, since the
    lookup after a lost answer goes by remote id when there is one, else by name under the parent."""
    cases = [(op, case, False) for op in OPERATIONS for case in FAULTS]
    cases += [("create", case, True) for case in FAULTS if case.target == "operation"]
    return cases


def stack_config(emu) -> dict[str, str]:
    return {
        "wesurvey:accounts": json.dumps({ACCOUNT: {"host": emu.url, **APP}}),
        "wesurvey:requestsPerMinute": "100000",
        "wesurvey:timeoutSeconds": str(TIMEOUT_SECONDS),
        "wesurvey:retryBudgetSeconds": str(RETRY_BUDGET_SECONDS),
        "wesurvey:retryBackoffSeconds": str(RETRY_BACKOFF_SECONDS),
    }


def run_case(op: str, case: FaultCase, with_remote_id: bool = False) -> Outcome:
    from pulumi_groups.emulator import Emulator
    from pulumi_groups.wesurvey import ContactGroupProvider

    label = case.id + (" (remote id)" if with_remote_id else "")
    outcome = Outcome("contact", op, label, "appid", expected_result(op, case, with_remote_id))
    registry.clear()
    with Emulator() as emu:
        try:
            _run(emu, ContactGroupProvider, op, case, with_remote_id, outcome)
        finally:
            registry.clear()
    return outcome


def _run(emu, provider_cls, op, case, with_remote_id, outcome: Outcome) -> None:
    provider = configured(provider_cls, stack_config(emu))
    name = f"{case.id} contact {op}"
    news: dict[str, Any] = {"team_id": float(TEAM), "name": name, "order": 3.0, "account": ACCOUNT}
    if with_remote_id:
        news["remote_id"] = f"crm-{case.id}"
    inputs, group_id, outs = prepare(provider, news, op, case)
    method, path = OPERATION_REQUESTS[op] if case.target == "operation" else TOKEN_REQUEST
    plan = [{"method": method, "path": path, **case.spec}]
    answer = run_operation(emu, provider, op, case, plan, inputs, group_id, outs, {**inputs, "order": 4.0}, outcome)

    problems = outcome.problems
    may_still_land = "may still be created" in outcome.message
    if outcome.result != outcome.expected:
        problems.append(f"expected {outcome.expected}, got {outcome.result}: {outcome.message}")
    if may_still_land and "adopt: true" not in outcome.message:
        problems.append(f"the error does not say what to do (adopt: true): {outcome.message}")
    if outcome.result != "ok":
        problems += check_message(
            outcome.message,
            org=ACCOUNT,
            kind="contact group",
            group_words=(name, str(group_id)),
            scope_word="account",
            request_id_in_header=False,
        )
    if outcome.faults_fired == 0:
        problems.append("the fault never fired: the scenario tested nothing")
    if case.spec.get("retry_after") and outcome.result == "ok" and outcome.faults_fired:
        problems += retry_after_problems(case, outcome)

    mine = [g for g in emu.contact_groups(TEAM) if g["name"] == name]
    if op == "delete":
        if outcome.result == "ok" and mine:
            problems.append(f"delete succeeded but the group is still there: {mine}")
        return
    if op == "create" and outcome.result != "ok":
        if len(mine) > 1 or (mine and not may_still_land):
            problems.append(
                f"create failed but the emulator holds {len(mine)} groups named {name!r}: missing from state"
            )
        return
    if len(mine) != 1:
        problems.append(f"expected exactly one group named {name!r}, the emulator holds {len(mine)}")
        return
    live = mine[0]
    if outcome.result != "ok":
        return
    returned_id = answer.id if op in ("create", "read") else group_id
    if str(live["id"]) != str(returned_id):
        problems.append(f"the provider returned id {returned_id}, the group is {live['id']}")
    outs_now = answer.outs
    expected_order = 4 if op == "update" else 3
    if live["order"] != expected_order or outs_now.get("order") != expected_order or outs_now.get("name") != name:
        problems.append(f"outputs {outs_now} / live {live} do not show order {expected_order}")
    if with_remote_id and (live.get("remote_id"), outs_now.get("remote_id")) != (news["remote_id"],) * 2:
        problems.append(f"remote id not kept: live {live.get('remote_id')!r}, outputs {outs_now.get('remote_id')!r}")
