"""The fault catalogue, and the one runner the suite and ``scripts/reliability_report.py`` share.

Each scenario: a fresh emulator, a configured provider (in this process, over real HTTP), one
group made without faults when the operation needs one, then a fault plan aimed at the
operation's own requests (or at the token call, or at the lookup a create makes after a lost
answer), then the operation. ``run_case`` returns an ``Outcome`` whose ``problems`` list every
broken promise:

- the operation ended as expected (transient faults: success; persistent ones: success where a
  lost create answer is found again by its name, else a clear failure);
- the emulator holds exactly the groups the provider says it has: no duplicate, no group that
  exists but is missing from what the provider returned, none lost;
- the outputs that go to state match the live group;
- a failure names org, operation, group, HTTP status and vendor code (or what went wrong on the
  wire), and the request id when the vendor sent one, and no credential;
- the fault actually fired (it was aimed at a request the operation makes).

Kept free of pytest so the report script can import it.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pulumi.dynamic import Config, ConfigureRequest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.errors import GroupsError
from pulumi_groups.http import registry
from pulumi_groups.lifecycle import ownership
from tests.support.secrets import exception_text, leaks
from tests.support.waits import HANG_GUARD_SECONDS

# --------------------------------------------------------------------------------------------
# Who and how fast
# --------------------------------------------------------------------------------------------

ORG_KEY = "brand"
ORG_ID = 100737  # the emulator's demo org; both credentials below belong to it
CREDENTIALS = {
    "oauth": {"clientKey": "demo-client-key", "clientSecret": "demo-client-secret"},
    "basic": {"username": "demo.till", "password": "demo-password"},
}
# Time scaled down so ~230 scenarios run in about a minute (the defaults are 30 s, 90 s, 0.5 s):
# a 0.4 s read timeout, faults that delay an answer well past it, 1 s of retrying per request
# after its first failure, backoff factor 0.02 s (retries wait 0, 0.04, 0.08, 0.16, 0.32 s).
TIMEOUT_SECONDS = 0.4
DELAY_SECONDS = 1.0
RETRY_BUDGET_SECONDS = 1.0
RETRY_BACKOFF_SECONDS = 0.02
FOREVER = 1000  # a fault count no operation outlasts

KINDS = ("badge", "reward")
OPERATIONS = ("create", "read", "update", "delete")
PROVIDERS = {"badge": BadgeGroupProvider, "reward": RewardGroupProvider}

BADGE_PATH = "/api_gateway/v1/badges/group"
REWARD_PATH = "/api_gateway/rewards/core/v1/group"
TOKEN_PATH = "/v3/oauth/token/generate"

# (method, path regex) of the requests each operation makes. A read lists (read snapshot, on by
# default) or GETs by id (snapshot off); both are aimed at.
OPERATION_REQUESTS: dict[tuple[str, str], tuple[str, str] | None] = {
    ("badge", "create"): ("POST", rf"^{BADGE_PATH}$"),
    ("badge", "read"): ("GET", rf"^{BADGE_PATH}(/[0-9a-f]{{24}})?$"),
    ("badge", "update"): ("PUT", rf"^{BADGE_PATH}/[0-9a-f]{{24}}$"),
    ("badge", "delete"): None,  # badge groups cannot be deleted: delete sends nothing
    ("reward", "create"): ("POST", rf"^{REWARD_PATH}/create$"),
    ("reward", "read"): ("GET", rf"^{REWARD_PATH}(/\d+)?$"),
    ("reward", "update"): ("PUT", rf"^{REWARD_PATH}/\d+$"),
    ("reward", "delete"): ("PUT", rf"^{REWARD_PATH}/\d+$"),  # deactivates
}
LOOKUP_REQUESTS = {"badge": ("GET", rf"^{BADGE_PATH}$"), "reward": ("GET", rf"^{REWARD_PATH}$")}
TOKEN_REQUEST = ("POST", rf"^{TOKEN_PATH}$")

# --------------------------------------------------------------------------------------------
# The faults
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultCase:
    id: str
    spec: dict  # an emulator fault without method/path
    persistent: bool = False
    target: str = "operation"  # "operation" | "token" | "lookup" (a create's search by name)
    also: tuple[tuple[str, dict], ...] = ()  # more (target, spec) faults in the same plan
    auth: tuple[str, ...] = ("oauth",)  # credentials to run it with

    @property
    def actions(self) -> set[str]:
        return {self.spec["action"]} | {spec["action"] for _, spec in self.also}


def _status(code: int, count: int, **extra) -> dict:
    return {"action": "status", "status": code, "count": count, **extra}


TRANSIENT = (
    FaultCase("429-retry-after", _status(429, 1, retry_after=1)),
    FaultCase("429-no-retry-after", _status(429, 3)),
    FaultCase("500-burst", _status(500, 3), auth=("oauth", "basic")),
    FaultCase("502-burst", _status(502, 3)),
    FaultCase("503-burst", _status(503, 3)),
    FaultCase("503-retry-after", _status(503, 1, retry_after=1)),
    FaultCase("delay-past-timeout", {"action": "delay", "seconds": DELAY_SECONDS, "count": 1}),
    FaultCase("reset", {"action": "reset", "count": 2}, auth=("oauth", "basic")),
    FaultCase("commit-then-drop", {"action": "commit_then_drop", "count": 1}, auth=("oauth", "basic")),
    FaultCase("malformed-json", {"action": "malformed", "count": 1}),
    FaultCase("expire-tokens", {"action": "expire_tokens", "count": 1}),
)

PERSISTENT = (
    FaultCase("503-forever", _status(503, FOREVER), persistent=True),
    FaultCase("429-forever", _status(429, FOREVER), persistent=True),
    FaultCase("reset-forever", {"action": "reset", "count": FOREVER}, persistent=True),
    FaultCase("timeout-forever", {"action": "delay", "seconds": DELAY_SECONDS, "count": FOREVER}, persistent=True),
    FaultCase("commit-then-drop-forever", {"action": "commit_then_drop", "count": FOREVER}, persistent=True),
    FaultCase("malformed-forever", {"action": "malformed", "count": FOREVER}, persistent=True),
    FaultCase("token-rejected-forever", {"action": "expire_tokens", "count": FOREVER}, persistent=True),
)

# The OAuth token call, when the operation needs a token (a fresh provider process).
TOKEN = (
    FaultCase("token-503-burst", _status(503, 3), target="token"),
    FaultCase("token-429", _status(429, 2), target="token"),
    FaultCase("token-reset", {"action": "reset", "count": 1}, target="token"),
    FaultCase("token-malformed", {"action": "malformed", "count": 1}, target="token"),
    FaultCase("token-delay", {"action": "delay", "seconds": DELAY_SECONDS, "count": 1}, target="token"),
    FaultCase("token-503-forever", _status(503, FOREVER), persistent=True, target="token"),
)

# A Retry-After far beyond reason: capped by the retry budget, so it cannot park a worker.
CAPPED = (FaultCase("retry-after-3600", _status(429, 1, retry_after=3600)),)

# A create whose answer is lost, and then the search by name fails too.
LOST_CREATE = (
    FaultCase(
        "lost-answer-then-lookup-503",
        {"action": "commit_then_drop", "count": 1},
        also=(("lookup", _status(503, 2)),),
        auth=("oauth", "basic"),
    ),
    FaultCase(
        "lost-answer-then-lookup-reset",
        {"action": "malformed", "count": 1},
        also=(("lookup", {"action": "reset", "count": 1}),),
    ),
    FaultCase(
        "timeout-then-lookup-malformed",
        {"action": "delay", "seconds": DELAY_SECONDS, "count": 1},
        also=(("lookup", {"action": "malformed", "count": 1}),),
    ),
    FaultCase(
        "reset-twice-then-lost",
        {"action": "reset", "count": 2},
        also=(("operation", {"action": "commit_then_drop", "count": 1}),),
    ),
)


def matrix() -> list[tuple[str, str, FaultCase, str]]:
    """Every (kind, operation, fault, auth) the suite and the report run."""
    cases = []
    for kind in KINDS:
        for op in OPERATIONS:
            if OPERATION_REQUESTS[(kind, op)] is None:
                continue  # badge delete sends nothing: no fault can reach it (one test says so)
            for case in TRANSIENT + PERSISTENT + TOKEN:
                for auth in case.auth:
                    cases.append((kind, op, case, auth))
        for case in LOST_CREATE:
            for auth in case.auth:
                cases.append((kind, "create", case, auth))
        for op in ("create", "read"):
            cases += [(kind, op, case, "oauth") for case in CAPPED]
    return cases


def expected_result(kind: str, op: str, case: FaultCase) -> str:
    """ "ok" or "error": what a reliable provider does under this fault."""
    if not case.persistent:
        return "ok"
    if case.target == "token" and OPERATION_REQUESTS[(kind, op)] is None:
        return "ok"  # needs no token
    if case.target == "operation" and OPERATION_REQUESTS[(kind, op)] is None:
        return "ok"  # sends nothing to fail
    if (
        op == "create"
        and case.target == "operation"
        and case.spec["action"] in ("delay", "commit_then_drop", "malformed")
    ):
        return "ok"  # the vendor made the group; the search by name finds it and takes it over
    return "error"


# --------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    op: str
    case: str
    auth: str
    expected: str
    result: str = "?"  # "ok" | "error" | "crash" (an exception that is not a GroupsError)
    message: str = ""
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    faults_fired: int = 0
    answers_429: int = 0
    token_fetches: int = 0
    seconds: float = 0.0  # for the report's figures, and to tell a Retry-After wait cut at the budget's end
    slept: list[float] = field(default_factory=list)  # every wait the operation asked for

    @property
    def passed(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        return f"{self.kind} {self.op} under {self.case} ({self.auth}): {self.result}" + (
            f" -- {self.message}" if self.message else ""
        )


def stack_config(emu, auth: str, **top: Any) -> dict[str, str]:
    """Stack config as ``configure()`` receives it: strings, objects as JSON text."""
    config = {
        "capillary:orgs": json.dumps({ORG_KEY: {"host": emu.url, **CREDENTIALS[auth]}}),
        "capillary:requestsPerMinute": "100000",
        "capillary:timeoutSeconds": str(TIMEOUT_SECONDS),
        "capillary:retryBudgetSeconds": str(RETRY_BUDGET_SECONDS),
        "capillary:retryBackoffSeconds": str(RETRY_BACKOFF_SECONDS),
    }
    config.update({f"capillary:{key}": str(value) for key, value in top.items()})
    return config


def configured(provider_cls, config: dict[str, str]):
    provider = provider_cls()
    provider.configure(ConfigureRequest(Config(config, "pulumi-groups")))
    return provider


def declaration(kind: str, name: str, rank: int = 3) -> dict:
    news: dict[str, Any] = {"name": name, "rank": float(rank), "org": ORG_KEY}  # the engine sends floats
    if kind == "reward":
        news["active"] = True
    return news


def engine_form(props: dict) -> dict:
    """Properties as the engine hands them back: every number a float (rank 3 -> 3.0)."""
    return {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in props.items()}


def _plan(kind: str, op: str, case: FaultCase) -> list[dict]:
    targets = {
        "operation": OPERATION_REQUESTS[(kind, op)],
        "token": TOKEN_REQUEST,
        "lookup": LOOKUP_REQUESTS[kind],
    }
    plan = []
    for target, spec in ((case.target, case.spec),) + case.also:
        aimed = targets[target]
        if aimed is None:
            continue
        method, path = aimed
        plan.append({"method": method, "path": path, **spec})
    return plan


def _live(emu, kind: str) -> list[dict]:
    return emu.badge_groups(ORG_ID) if kind == "badge" else emu.reward_groups(ORG_ID)


def secrets_in(text: str, emu=None) -> list[str]:
    """Any credential of either vendor in ``text`` (with ``emu``: the tokens it issued too)."""
    return leaks(text, emu)


def check_message(
    message: str,
    *,
    org: str,
    kind: str,
    group_words: tuple[str, ...],
    scope_word: str = "org",
    request_id_in_header: bool = True,
) -> list[str]:
    """What a failure must say: org, operation, group, status/code or wire problem, request id
    (for an unreadable answer only where the vendor sends it in a header: WeSurvey's is in the
    body that could not be read)."""
    problems = []
    if f"{scope_word} {org!r}" not in message:
        problems.append(f"the message does not name {scope_word} {org!r}")
    if kind not in message:
        problems.append(f"the message does not name the {kind}")
    if not any(word in message for word in group_words):
        problems.append(f"the message names none of {group_words}")
    status = re.search(r"failed: HTTP (\d{3})", message)
    if status:  # the vendor answered with a failure: its status, code and request id
        if not re.search(r"request id [0-9a-f-]{36}", message):
            problems.append("an HTTP failure without the vendor's request id")
        if "code " not in message:
            problems.append("an HTTP failure without the vendor's error code")
    elif not re.search(r"no answer within|reset or closed|refused|could not connect|not valid JSON", message):
        problems.append("neither an HTTP status nor what went wrong on the wire")
    elif "not valid JSON" in message and request_id_in_header and not re.search(r"request id [0-9a-f-]{36}", message):
        problems.append("an unreadable answer without the vendor's request id")
    leaked = secrets_in(message)
    if leaked:
        problems.append(f"the message shows a credential ({leaked})")
    return problems


def run_case(kind: str, op: str, case: FaultCase, auth: str = "oauth", *, read_snapshot: bool = True) -> Outcome:
    """Run one scenario against a fresh emulator; see the module docstring."""
    from pulumi_groups.emulator import Emulator

    outcome = Outcome(kind, op, case.id, auth, expected_result(kind, op, case))
    registry.clear()
    with Emulator() as emu:
        try:
            _run(emu, kind, op, case, auth, read_snapshot, outcome)
        finally:
            registry.clear()
    return outcome


def _run(emu, kind, op, case, auth, read_snapshot, outcome: Outcome) -> None:
    provider = configured(PROVIDERS[kind], stack_config(emu, auth, readSnapshot=str(read_snapshot).lower()))
    name = f"{case.id} {kind} {op}"
    inputs, group_id, outs = prepare(provider, declaration(kind, name), op, case)
    news = {**inputs, "rank": 4.0}
    answer = run_operation(emu, provider, op, case, _plan(kind, op, case), inputs, group_id, outs, news, outcome)

    problems = outcome.problems
    if case.spec.get("retry_after") and outcome.result == "ok" and outcome.faults_fired:
        problems += retry_after_problems(case, outcome)
    if outcome.result != outcome.expected:
        problems.append(f"expected {outcome.expected}, got {outcome.result}: {outcome.message}")
    if outcome.faults_fired == 0 and (case.target != "operation" or OPERATION_REQUESTS[(kind, op)] is not None):
        if not (case.target == "token" and OPERATION_REQUESTS[(kind, op)] is None):
            problems.append("the fault never fired: the scenario tested nothing")
    if outcome.result == "error":
        words = (name, group_id) if group_id else (name,)
        problems += check_message(outcome.message, org=ORG_KEY, kind=f"{kind} group", group_words=words)
    problems += _judge_state(emu, kind, op, name, group_id, outs, news, answer, outcome.result)


def prepare(provider, news: dict, op: str, case: FaultCase) -> tuple[dict, str | None, dict | None]:
    """Checked inputs and, unless the operation is a create, a group made without faults (its
    id and its outputs as the engine hands them back)."""
    checked = provider.check({}, news)
    assert not checked.failures, [(f.property, f.reason) for f in checked.failures]
    inputs = checked.inputs
    group_id, outs = None, None
    if op != "create":
        created = provider.create(inputs)
        group_id, outs = created.id, engine_form(created.outs)
        ownership.run().reset()  # the engine sends the operation in a later run than the create
    if case.target == "token":
        registry.clear()  # as a fresh provider process: the operation's first request needs a token
    return inputs, group_id, outs


def retry_after_problems(case: FaultCase, outcome: Outcome) -> list[str]:
    """Judged from the waits the operation asked for: one of them honours Retry-After, and none
    exceeds the retry budget. A shorter wait is right only when it was cut at the budget's end
    (on a loaded machine the lookup before it may eat most of the budget): then the operation
    lasted at least the budget, which is counted from a point inside it."""
    wanted = min(case.spec["retry_after"], RETRY_BUDGET_SECONDS)
    longest = max(outcome.slept, default=0.0)
    cut_at_budget_end = outcome.seconds >= RETRY_BUDGET_SECONDS * 0.95
    problems = []
    if longest < wanted * 0.9 and not cut_at_budget_end:
        problems.append(f"Retry-After {case.spec['retry_after']} not honoured: the longest wait was {longest:.2f}s")
    if longest > RETRY_BUDGET_SECONDS:
        problems.append(f"Retry-After not capped by the retry budget: waited {longest:.2f}s")
    return problems


@contextlib.contextmanager
def recorded_sleeps(into: list[float]):
    """Record every ``time.sleep`` of this thread (urllib3's backoff and Retry-After waits, the
    provider's own), and still sleep: the emulator's threads are neither recorded nor changed."""
    real_sleep, caller = time.sleep, threading.get_ident()

    def sleep(seconds: float) -> None:
        if threading.get_ident() == caller:
            into.append(seconds)
        real_sleep(seconds)

    time.sleep = sleep
    try:
        yield into
    finally:
        time.sleep = real_sleep


def run_operation(emu, provider, op, case, plan, inputs, group_id, outs, news, outcome: Outcome) -> Any:
    """Run one operation under a fault plan; record its result and what it cost in ``outcome``."""
    emu.set_faults(plan)
    before = emu.counters()
    started = time.monotonic()
    answer: Any = None
    try:
        with recorded_sleeps(outcome.slept):
            if op == "create":
                answer = provider.create(inputs)
            elif op == "read":
                answer = provider.read(group_id, outs)
            elif op == "update":
                answer = provider.update(group_id, outs, news)
            else:
                answer = provider.delete(group_id, outs)
            outcome.result = "ok"
    except GroupsError as failure:
        outcome.result, outcome.message = "error", str(failure)
        outcome.problems += [
            f"the error carries a credential: {leaked}" for leaked in leaks(exception_text(failure), emu)
        ]
    except Exception as failure:  # noqa: BLE001 - a raw exception is itself a finding
        outcome.result, outcome.message = "crash", f"{type(failure).__name__}: {failure}"
    if answer is not None:
        returned = json.dumps([getattr(answer, part, None) for part in ("outs", "inputs")], default=str)
        outcome.problems += [f"the outputs carry a credential: {leaked}" for leaked in leaks(returned, emu)]
    outcome.seconds = time.monotonic() - started
    if op == "create" and "delay" in case.actions:
        # Delayed creates land before the state is judged: no request is being handled any more.
        assert emu.wait_for_counters(lambda c: c["in_flight"] == 0, HANG_GUARD_SECONDS)
    emu.clear_faults()
    after = emu.counters()
    outcome.requests = after["total"] - before["total"]
    outcome.faults_fired = after["faults_fired"] - before["faults_fired"]
    outcome.token_fetches = sum(after["token_fetches"].values()) - sum(before["token_fetches"].values())
    fired_429 = outcome.faults_fired if case.spec.get("status") == 429 else 0
    outcome.answers_429 = fired_429 + after["rate_limited"] - before["rate_limited"]
    return answer


def _judge_state(emu, kind, op, name, group_id, outs, news, answer, result) -> list[str]:
    problems = []
    groups = _live(emu, kind)
    names = [g["name"] for g in groups]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        problems.append(f"duplicate groups in the emulator: {duplicated}")
    mine = [g for g in groups if g["name"] == name]
    if op == "create":
        if result == "ok":
            if len(mine) != 1:
                problems.append(f"create succeeded but the emulator holds {len(mine)} groups named {name!r}")
            elif str(mine[0]["id"]) != answer.id:
                problems.append(f"create returned id {answer.id} but the group is {mine[0]['id']}")
            else:
                problems += _outputs_match(kind, answer.outs, mine[0], rank=3)
        elif mine:
            problems.append(f"create failed but the group exists ({mine[0]['id']}): it is missing from state")
        return problems
    if len(groups) != 1 or str(groups[0]["id"]) != group_id:
        problems.append(f"expected exactly group {group_id}, the emulator holds {[g['id'] for g in groups]}")
        return problems
    live = groups[0]
    if op == "read" and result == "ok":
        if answer.id != group_id:
            problems.append(f"read returned id {answer.id!r} for live group {group_id}")
        else:
            problems += _outputs_match(kind, answer.outs, live, rank=3)
            if answer.inputs.get("rank") != live["rank"] or answer.inputs.get("name") != live["name"]:
                problems.append(f"read returned inputs {answer.inputs} for live {live}")
    elif op == "update":
        if result == "ok":
            problems += _outputs_match(kind, answer.outs, live, rank=4)
        elif live["rank"] not in (3, 4):
            problems.append(f"a failed update left rank {live['rank']}")
    elif op == "delete" and result == "ok":
        if kind == "reward" and live["isActive"] is not False:
            problems.append("delete succeeded but the reward group is still active")
        if kind == "badge" and (live["rank"], live["isActive"]) != (3, True):
            problems.append(f"delete changed a badge group it must keep: {live}")
    return problems


def _outputs_match(kind: str, outs: dict, live: dict, rank: int) -> list[str]:
    expected = {"name": live["name"], "rank": rank, "org": ORG_KEY, "org_id": ORG_ID, "is_active": live["isActive"]}
    if kind == "reward":
        expected["active"] = live["isActive"]
    if live["rank"] != rank:
        return [f"the live group has rank {live['rank']}, expected {rank}"]
    wrong = {key: (outs.get(key), value) for key, value in expected.items() if outs.get(key) != value}
    return [f"outputs differ from the live group (output, live): {wrong}"] if wrong else []
