"""A stack of 1,000 groups through the real CLI: ``up``, a no-change ``preview`` that sends
nothing, and a ``refresh`` that reads from listings (at most ceil(N/100)+2 requests)."""

from __future__ import annotations

import math

from tests.conftest import DEMO_ORG_ID
from tests.e2e.harness import stack_config

BADGES, REWARDS = 800, 200
GROUPS = BADGES + REWARDS


def test_a_thousand_groups_up_preview_refresh(project, emulator):
    badge = "".join(f"\n    - {{name: B{i:04d}, rank: {i % 50}}}" for i in range(BADGES))
    reward = "".join(f"\n    - {{name: R{i:04d}, rank: {i % 7}}}" for i in range(REWARDS))
    project.write_stack(stack_config(emulator.url, badge=badge, reward=reward))

    up = project.pulumi("up", "--yes", "--skip-preview", "--json")
    assert up.summary() == {"create": GROUPS + 1}
    assert len(emulator.badge_groups(DEMO_ORG_ID)) == BADGES
    assert len(emulator.reward_groups(DEMO_ORG_ID)) == REWARDS

    emulator.reset_counters()
    preview = project.pulumi("preview", "--json", "--expect-no-changes")
    assert preview.summary() == {"same": GROUPS + 1}
    assert emulator.counters()["total"] == 0

    emulator.reset_counters()
    refresh = project.pulumi("refresh", "--yes", "--skip-preview", "--json")
    assert refresh.summary() == {"same": GROUPS + 1}
    assert emulator.counters()["total"] <= math.ceil(GROUPS / 100) + 2, emulator.counters()
