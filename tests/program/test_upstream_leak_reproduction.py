"""Reproduces pulumi/pulumi#17803, the README's Known limits claim: plain
``pulumi.dynamic.Resource`` dies with RecursionError after a few hundred resources in one
program, because each one leaves one more layer on pickle's dict writer.

Our resources are not affected (``test_many_groups.py``). When an SDK release fixes the leak,
this test fails on purpose: update README "Known limits" and this test then.
"""

from __future__ import annotations

from importlib.metadata import version

from tests.program.program_runs import declare_groups

PLAIN_RESOURCES = 2000  # the SDK 3.216 - 3.272 overflow at about 320 with a bare provider


def test_plain_dynamic_resources_overflow_the_stack():
    run = declare_groups(PLAIN_RESOURCES, "plain")
    assert run["error"] is not None and run["error"].startswith("RecursionError"), (
        f"{PLAIN_RESOURCES:,} plain pulumi.dynamic.Resource declared without RecursionError on pulumi "
        f"{version('pulumi')}: pulumi/pulumi#17803 looks fixed. Update README 'Known limits' and this test."
    )
    registered = run["registered"].get("Plain", 0)
    assert 0 < registered < PLAIN_RESOURCES
    # Each registration pickled the provider again and left the SDK's patch on the pickler.
    assert run["provider_pickles"]["BareProvider"] == registered + 1
    assert set(run["pickle_patched"]) >= {"_batch_setitems"}
