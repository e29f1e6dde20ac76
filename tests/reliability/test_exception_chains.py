"""No exception the providers or clients raise carries a requests/urllib3 exception (whose text
holds the full URL, and WeSurvey's query string holds the access token and, on the token call,
the secret) or a secret anywhere in its ``__context__`` / ``__cause__`` chain: raising ``from
None`` hides the context from a traceback printer, but the attribute is still there for any
error reporter to find."""

from __future__ import annotations

import socket

import pytest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.errors import GroupsError
from pulumi_groups.http import registry
from pulumi_groups.wesurvey import ContactGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_OAUTH, capillary_config, configured
from tests.wesurvey.conftest import TEAM, wesurvey_config

FAULTS = {
    "reset": {"action": "reset", "count": 50},
    "timeout": {"action": "delay", "seconds": 0.6, "count": 50},
    "malformed": {"action": "malformed", "count": 50},
    "503": {"action": "status", "status": 503, "count": 50},
    "commit-then-drop": {"action": "commit_then_drop", "count": 50},
}
TUNING = {"timeoutSeconds": "0.3", "retryBudgetSeconds": "0.5", "retryBackoffSeconds": "0.01"}
SECRETS = ("demo-password", "demo-client-secret", "demo-secret", "access_token=", "secret=")


def chain(error: BaseException) -> list[BaseException]:
    seen, found = set(), []
    pending = [error]
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        pending += [item.__context__, item.__cause__]
    return found


def assert_clean(error: BaseException) -> None:
    for item in chain(error):
        module = type(item).__module__
        assert not module.startswith(("requests", "urllib3", "http.client", "json")), (
            f"{type(item)} in the chain of {error!r}"
        )
        assert isinstance(item, GroupsError), f"{type(item).__name__} in the chain of {error!r}"
        text = f"{item} {item!r}"
        for secret in SECRETS:
            assert secret not in text


def provider_for(kind, emu, **top):
    if kind == "contact":
        return configured(ContactGroupProvider, wesurvey_config(emu, **top))
    creds = DEMO_OAUTH if kind == "reward" else DEMO_BASIC
    return configured(
        BadgeGroupProvider if kind == "badge" else RewardGroupProvider, capillary_config(emu, {"default": creds}, **top)
    )


def declaration(kind: str) -> dict:
    if kind == "contact":
        return {"team_id": float(TEAM), "name": "Panel", "order": 1.0}
    return {"name": "GOLD", "rank": 3.0}


def operations(provider, kind):
    created = provider.create(provider.check({}, declaration(kind)).inputs)
    outs = created.outs
    return {
        "read": lambda: provider.read(created.id, outs),
        "update": lambda: provider.update(created.id, outs, {**outs, "name": "Renamed"}),
        "delete": lambda: provider.delete(created.id, outs),
        "create": lambda: provider.create(provider.check({}, {**declaration(kind), "name": "Another"}).inputs),
    }


@pytest.mark.parametrize("kind", ["badge", "reward", "contact"])
@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_failures_carry_no_wire_exception_in_their_chain(emulator, kind, fault):
    calls = operations(provider_for(kind, emulator, **TUNING), kind)
    registry.clear()  # as a fresh provider process: the first call fetches a token under the fault too
    emulator.set_faults([FAULTS[fault]])
    raised = 0
    for call in calls.values():
        try:
            call()
        except GroupsError as error:
            raised += 1
            assert_clean(error)
    assert raised >= 1


@pytest.mark.parametrize("kind", ["badge", "contact"])
def test_a_refused_connection_carries_no_wire_exception(kind):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there

    class Nowhere:
        url = f"http://127.0.0.1:{port}"

    provider = provider_for(kind, Nowhere, **TUNING)
    with pytest.raises(GroupsError) as caught:
        provider.create(provider.check({}, declaration(kind)).inputs)
    assert_clean(caught.value)
    registry.clear()
