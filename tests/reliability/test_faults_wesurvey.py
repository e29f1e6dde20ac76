"""WeSurvey contact groups under the emulator's faults, during create, read, update and delete
(layer 1, real HTTP). The catalogue and the judging are in ``scenarios_wesurvey.py``."""

from __future__ import annotations

import pytest

from pulumi_groups.emulator import Emulator
from pulumi_groups.errors import GroupsError
from pulumi_groups.http import registry
from pulumi_groups.wesurvey import ContactGroupProvider
from tests.support.waits import HANG_GUARD_SECONDS

from . import scenarios_wesurvey as ws
from .scenarios import DELAY_SECONDS, configured

MATRIX = list(ws.matrix())


@pytest.mark.parametrize(
    "op,case,with_remote_id",
    MATRIX,
    ids=[f"contact-{op}-{case.id}{'-remote-id' if rid else ''}" for op, case, rid in MATRIX],
)
def test_fault(op, case, with_remote_id):
    outcome = ws.run_case(op, case, with_remote_id)
    assert outcome.problems == [], outcome.describe()


def _timed_out_create(provider_cls, delay: float):
    registry.clear()
    with Emulator() as emu:
        provider = configured(provider_cls, ws.stack_config(emu))
        inputs = provider.check({}, {"team_id": float(ws.TEAM), "name": "SLOW", "account": ws.ACCOUNT}).inputs
        emu.set_faults(
            [
                {
                    "method": "POST",
                    "path": ws.OPERATION_REQUESTS["create"][1],
                    "action": "delay",
                    "seconds": delay,
                    "count": 1,
                }
            ]
        )
        try:
            result, error = provider.create(inputs), None
        except GroupsError as failure:
            result, error = None, str(failure)
        # The delayed create has landed: its fault fired and no request is being handled.
        assert emu.wait_for_counters(lambda c: c["faults_fired"] == 1 and c["in_flight"] == 0, HANG_GUARD_SECONDS)
        groups = [g for g in emu.contact_groups(ws.TEAM) if g["name"] == "SLOW"]
    registry.clear()
    return result, error, groups


def test_a_timed_out_create_without_a_unique_key_that_lands_soon_is_taken_over():
    """The vendor finishes the create within the settle wait (as long again as the timeout):
    found, taken over, one group."""
    result, error, groups = _timed_out_create(ContactGroupProvider, delay=0.6)
    assert error is None and [str(g["id"]) for g in groups] == [result.id]


def test_a_timed_out_create_without_a_unique_key_is_never_sent_twice():
    """The vendor finishes it later still: the provider does not send it again (WeSurvey would
    make a second group with the same name), and says what to do."""
    result, error, groups = _timed_out_create(ContactGroupProvider, delay=DELAY_SECONDS * 1.5)
    assert result is None and len(groups) == 1
    assert "may still be created" in error and "adopt: true" in error and "'SLOW'" in error
