"""One rule for Unicode normalization (issue 20): names are NFC. ``check`` refuses a decomposed
name at preview, naming the field and its NFC form; ``create`` compares names in NFC, so a group
made in a console with a decomposed ``é`` is the declared ``é``: taken over with ``adopt: true``
(and renamed to the declared spelling), refused without it, never made a second time. Driven
through the real provider process against the emulator."""

from __future__ import annotations

import grpc
import pytest

from tests.conftest import DEMO_ORG_ID
from tests.process.test_zero_surprises import BADGE, CONTACT_GROUP, REWARD, TYPES, declare, named, posts, start
from tests.support.provider_process import provider_prop
from tests.wesurvey.conftest import TEAM

DECOMPOSED = "Cafe\u0301 Club"
COMPOSED = "Caf\u00e9 Club"


@pytest.fixture
def proc(emulator):
    process = start(emulator)
    yield process
    process.close()


@pytest.mark.parametrize("type_token", [BADGE, REWARD, CONTACT_GROUP])
def test_a_decomposed_name_is_refused_at_check_naming_the_fix(emulator, proc, type_token):
    news = {"team_id": TEAM} if type_token == CONTACT_GROUP else {"rank": 1}
    _, failures = proc.check(
        type_token, "g", {}, {"__provider": provider_prop(TYPES[type_token]()), "name": DECOMPOSED, **news}
    )
    assert [prop for prop, _ in failures] == ["name"]
    assert "normal form C" in failures[0][1] and repr(COMPOSED) in failures[0][1]
    assert emulator.counters()["total"] == 0


def live_badges(emulator) -> list[dict]:
    return emulator.badge_groups(DEMO_ORG_ID)


@pytest.mark.parametrize("type_token", [BADGE, REWARD])
def test_adopt_takes_over_the_console_group_spelled_decomposed(emulator, proc, type_token):
    kind = "badge" if type_token == BADGE else "reward"
    made = (
        emulator.create_badge_group(DEMO_ORG_ID, DECOMPOSED, 1)
        if kind == "badge"
        else emulator.create_reward_group(DEMO_ORG_ID, DECOMPOSED, rank=1)
    )
    inputs = declare(proc, type_token, "cafe", name=COMPOSED, rank=1, adopt=True)

    group_id, outs = proc.create(type_token, "cafe", inputs)

    live = emulator.badge_groups(DEMO_ORG_ID) if kind == "badge" else emulator.reward_groups(DEMO_ORG_ID)
    assert [str(g["id"]) for g in live] == [str(made["id"])] == [group_id]  # one group: the console's
    assert live[0]["name"] == COMPOSED and outs["name"] == COMPOSED  # now spelled as declared
    assert posts(emulator, type_token) == 0


def test_without_adopt_the_look_alike_is_refused_and_nothing_is_made(emulator, proc):
    emulator.create_badge_group(DEMO_ORG_ID, DECOMPOSED, 1)
    inputs = declare(proc, BADGE, "cafe", name=COMPOSED, rank=1)

    with pytest.raises(grpc.RpcError) as failed:
        proc.create(BADGE, "cafe", inputs)

    assert "adopt" in failed.value.details()
    assert [g["name"] for g in live_badges(emulator)] == [DECOMPOSED] and posts(emulator, BADGE) == 0


def test_a_contact_group_with_adopt_takes_over_the_decomposed_one(emulator, proc):
    made = emulator.create_contact_group(TEAM, DECOMPOSED, order=0)
    inputs = declare(proc, CONTACT_GROUP, "cafe", team_id=TEAM, name=COMPOSED, adopt=True)

    group_id, _ = proc.create(CONTACT_GROUP, "cafe", inputs)

    assert group_id == str(made["id"]) and named(emulator, DECOMPOSED) == []
    assert [g["id"] for g in named(emulator, COMPOSED)] == [made["id"]] and posts(emulator, CONTACT_GROUP) == 0
