"""WeSurvey contact groups under the same faults (see ``scenarios.py`` for the promises judged).

Kept apart from the Capillary catalogue because the WeSurvey client takes no retry tuning from
config (``retryBudgetSeconds`` / ``retryBackoffSeconds`` are Capillary's): it retries with the
default policy (backoff factor 0.5 s), so the faults here are single ones, which urllib3 re-sends
at once, plus a delay past the 0.4 s timeout. Persistent faults would take the full default
backoff (0 + 1 + 2 + 4 + 8 s) per request and are left out.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pulumi_groups import registry
from pulumi_groups.errors import GroupsError

from .scenarios import (
    DELAY_SECONDS,
    FaultCase,
    Outcome,
    TIMEOUT_SECONDS,
    check_message,
    configured,
    engine_form,
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


def _status(code: int, **extra) -> dict:
    return {"action": "status", "status": code, "count": 1, **extra}


FAULTS = (
    FaultCase("429-retry-after", _status(429, retry_after=1)),
    FaultCase("429-no-retry-after", _status(429)),
    FaultCase("500-once", _status(500)),
    FaultCase("502-once", _status(502)),
    FaultCase("503-once", _status(503)),
    FaultCase("delay-past-timeout", {"action": "delay", "seconds": DELAY_SECONDS, "count": 1}),
    FaultCase("reset", {"action": "reset", "count": 1}),
    FaultCase("commit-then-drop", {"action": "commit_then_drop", "count": 1}),
    FaultCase("malformed-json", {"action": "malformed", "count": 1}),
    FaultCase("expire-tokens", {"action": "expire_tokens", "count": 1}),
    FaultCase("token-503-once", _status(503), target="token"),
    FaultCase("token-malformed", {"action": "malformed", "count": 1}, target="token"),
)


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
    }


def run_case(op: str, case: FaultCase, with_remote_id: bool = False) -> Outcome:
    from pulumi_groups.emulator import Emulator
    from pulumi_groups.wesurvey import ContactGroupProvider

    label = case.id + (" (remote id)" if with_remote_id else "")
    outcome = Outcome("contact", op, label, "appid", "ok")
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
    checked = provider.check({}, news)
    assert not checked.failures, [(f.property, f.reason) for f in checked.failures]
    inputs = checked.inputs
    group_id, outs = None, None
    if op != "create":
        created = provider.create(inputs)
        group_id, outs = created.id, engine_form(created.outs)
    if case.target == "token":
        registry.clear()  # as a fresh provider process: the first request needs a token
    method, path = OPERATION_REQUESTS[op] if case.target == "operation" else TOKEN_REQUEST
    emu.set_faults([{"method": method, "path": path, **case.spec}])
    before = emu.counters()
    started = time.monotonic()
    answer: Any = None
    try:
        if op == "create":
            answer = provider.create(inputs)
        elif op == "read":
            answer = provider.read(group_id, outs)
        elif op == "update":
            answer = provider.update(group_id, outs, {**inputs, "order": 4.0})
        else:
            answer = provider.delete(group_id, outs)
        outcome.result = "ok"
    except GroupsError as failure:
        outcome.result, outcome.message = "error", str(failure)
    except Exception as failure:  # noqa: BLE001
        outcome.result, outcome.message = "crash", f"{type(failure).__name__}: {failure}"
    outcome.seconds = time.monotonic() - started
    if op == "create" and case.spec["action"] == "delay":
        time.sleep(DELAY_SECONDS + 0.2)
    emu.clear_faults()
    after = emu.counters()
    outcome.requests = after["total"] - before["total"]
    outcome.faults_fired = after["faults_fired"] - before["faults_fired"]
    outcome.token_fetches = sum(after["token_fetches"].values()) - sum(before["token_fetches"].values())
    outcome.answers_429 = outcome.faults_fired if case.spec.get("status") == 429 else 0

    problems = outcome.problems
    # Names are not unique in WeSurvey: a create without a remote id whose answer never came is
    # not sent again (it may still land); the promise is a clear error and still one group.
    expected = "error" if (op == "create" and case.spec["action"] == "delay" and not with_remote_id) else "ok"
    if outcome.result != expected:
        problems.append(f"expected {expected}, got {outcome.result}: {outcome.message}")
    if expected == "error" and "adopt: true" not in outcome.message:
        problems.append(f"the error does not say what to do (adopt: true): {outcome.message}")
    if outcome.result != "ok":
        problems += check_message(
            outcome.message, org=ACCOUNT, kind="contact group", group_words=(name, str(group_id)), scope_word="account"
        )
    if outcome.faults_fired == 0:
        problems.append("the fault never fired: the scenario tested nothing")
    if case.spec.get("retry_after") and outcome.seconds < 0.9 * case.spec["retry_after"]:
        problems.append(f"Retry-After not honoured: done in {outcome.seconds:.2f}s")

    mine = [g for g in emu.contact_groups(TEAM) if g["name"] == name]
    if op == "delete":
        if outcome.result == "ok" and mine:
            problems.append(f"delete succeeded but the group is still there: {mine}")
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
