"""``recover`` marks ``adopt: true`` through the writer ``export`` uses, so every stack-file
layout ``export`` writes (tests/commands/layouts.py) is marked too: the file parses, the marked
declarations and nothing else change, every comment stays. Before, a layout ruamel's round trip
would mangle ended recover in an ``UnsafeWrite`` traceback."""

from __future__ import annotations

import copy

from pulumi_groups.commands import recover, stack_files
from tests.commands.layouts import all_layouts
from tests.commands.test_export_layouts import comments, safe

BADGE = "pulumi-python:dynamic/capillary:BadgeGroup"
REWARD = "pulumi-python:dynamic/capillary:RewardGroup"
LISTS = {BADGE: "pulumi-groups:badgeGroups", REWARD: "pulumi-groups:rewardGroups"}


def pending_creates(*groups: tuple[str, str]) -> dict:
    """A stack export whose run was killed while creating ``groups`` (type, name) in brand-eu."""
    ops = [
        {
            "type": "creating",
            "resource": {
                "type": type_,
                "urn": f"urn:pulumi:s::p::{type_}::brand-eu/{name}",
                "inputs": {"name": name, "org": "brand-eu"},
            },
        }
        for type_, name in groups
    ]
    return {"deployment": {"pending_operations": ops}}


def test_recover_marks_every_layout_export_writes(tmp_path):
    failures = {}
    for layout in all_layouts():
        path = tmp_path / f"Pulumi.{layout.name}.yaml"
        before = layout.text("http://127.0.0.1:1")
        path.write_text(before)
        creating = [(BADGE, "B-000"), (BADGE, "B-001")] if layout.second != "none" else [(BADGE, "B-000")]
        if layout.rewards == "block-after-comment":
            creating.append((REWARD, "R-000"))
        stack_file = stack_files.load(path)
        marks, refused = recover.plan(pending_creates(*creating), stack_file.config())
        assert refused == [] and len(marks) == len(creating), layout.name
        try:
            recover.mark_adopted(stack_file, marks)
        except stack_files.UnsafeWrite as unsafe:
            failures[layout.name] = f"UnsafeWrite: {unsafe}"
            continue
        expected = copy.deepcopy(safe(before))
        for type_, name in creating:
            entry = next(e for e in expected["config"][LISTS[type_]] if e["name"] == name)
            entry["adopt"] = True
        after = path.read_text()
        found = [] if safe(after) == expected else ["reads back as something else"]
        found += [f"comment lost: {c}" for c in comments(before) if c not in after]
        # recover run again (nothing left to mark) leaves the file as it is
        again = stack_files.load(path)
        recover.mark_adopted(again, recover.plan(pending_creates(*creating), again.config())[0])
        if path.read_text() != after:
            found.append("a second run changed the file")
        if found:
            failures[layout.name] = found
    assert len(all_layouts()) == 288
    assert failures == {}, f"{len(failures)} layouts: {dict(list(failures.items())[:3])}"


def test_an_adopt_false_is_turned_into_true_in_place(tmp_path):
    path = tmp_path / "Pulumi.s.yaml"
    text = (
        "config:\n  capillary:orgs:\n    brand-eu: {host: eu}\n  pulumi-groups:badgeGroups:\n"
        "    # first\n    - {name: B-000, rank: 1, adopt: false}  # flow\n    - name: B-001\n      rank: 2\n"
        "      adopt: false  # block\n    # the end\n"
    )
    path.write_text(text)
    stack_file = stack_files.load(path)
    marks, _ = recover.plan(pending_creates((BADGE, "B-000"), (BADGE, "B-001")), stack_file.config())
    recover.mark_adopted(stack_file, marks)
    assert path.read_text() == text.replace("adopt: false", "adopt: true")
