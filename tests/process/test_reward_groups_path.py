"""``rewardGroupsPath`` per org (capillary/guesses.py, API notes: "Use the rewards form,
overridable"): an org on an older cluster sends every reward-group call to the path it gives;
another org keeps the default; a value that is not a path is refused at check, naming the field.
Through the real provider process; the emulator serves both paths and counts each."""

from __future__ import annotations

from tests.conftest import DEMO_BASIC, DEMO_ORG_ID
from tests.process.test_zero_surprises import REWARD, declare, start
from tests.support.provider_process import provider_prop

OLDER = "/api_gateway/core/v1/group"
DEFAULT = "/api_gateway/rewards/core/v1/group"


def reward_calls(emulator, base: str) -> int:
    return sum(
        count
        for endpoint, count in emulator.counters()["by_endpoint"].items()
        if endpoint.split(" ", 1)[1].startswith(base + "/") or endpoint.endswith(" " + base)
    )


def test_an_org_with_its_own_reward_groups_path_uses_it_for_every_call(emulator):
    proc = start(emulator, {**DEMO_BASIC, "rewardGroupsPath": OLDER})
    try:
        group_id, outs = proc.create(REWARD, "vip", declare(proc, REWARD, "vip", name="VIP", rank=1))
        proc.read(REWARD, "vip", group_id, outs)
        proc.update(REWARD, "vip", group_id, outs, {**outs, "rank": 2})
    finally:
        proc.close()
    assert [(g["name"], g["rank"]) for g in emulator.reward_groups(DEMO_ORG_ID)] == [("VIP", 2)]
    assert reward_calls(emulator, OLDER) >= 3 and reward_calls(emulator, DEFAULT) == 0


def test_without_it_the_default_path_is_used(emulator):
    proc = start(emulator)
    try:
        proc.create(REWARD, "vip", declare(proc, REWARD, "vip", name="VIP", rank=1))
    finally:
        proc.close()
    assert reward_calls(emulator, DEFAULT) >= 1 and reward_calls(emulator, OLDER) == 0


def test_a_value_that_is_not_a_path_is_refused_at_check_naming_the_field(emulator):
    from pulumi_groups.capillary.reward_group import RewardGroupProvider

    proc = start(emulator, {**DEMO_BASIC, "rewardGroupsPath": "api_gateway/core/v1/group?x=1"})
    try:
        _, failures = proc.check(
            REWARD, "vip", {}, {"__provider": provider_prop(RewardGroupProvider()), "name": "VIP", "rank": 1}
        )
    finally:
        proc.close()
    assert [prop for prop, _ in failures] == ["org"]
    assert "capillary:orgs.default.rewardGroupsPath" in failures[0][1]
    assert emulator.counters()["total"] == 0
