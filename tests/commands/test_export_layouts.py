"""``export`` over a generated matrix of stack-file layouts (tests/commands/layouts.py): every
file it writes parses, keeps every earlier declaration, every other key and every comment, and
gains exactly the groups that were missing; where it cannot do that, it refuses and the file is
untouched."""

from __future__ import annotations

import re

import pytest
from ruamel.yaml import YAML

from pulumi_groups.commands import export
from tests.commands.layouts import all_layouts
from tests.commands.test_export import no_pulumi_cli_and_no_stray_credentials  # noqa: F401 - autouse here too
from tests.conftest import DEMO_ORG_ID

LISTS = ("pulumi-groups:badgeGroups", "pulumi-groups:rewardGroups")


def safe(text: str):
    return YAML(typ="safe").load(text)


def comments(text: str) -> list[str]:
    return [match.strip() for match in re.findall(r"#[^\n]*", text)]


def problems_after_export(before: str, after: str, live_badges: set[str], live_rewards: set[str]) -> list[str]:
    try:
        old, new = safe(before), safe(after)
    except Exception as exc:  # noqa: BLE001 - reported with the layout's name
        return [f"does not parse: {exc}"]
    found = []
    if {k: v for k, v in old.items() if k != "config"} != {k: v for k, v in new.items() if k != "config"}:
        found.append("a top-level key changed")
    for key, value in old["config"].items():
        if key not in LISTS and new["config"].get(key) != value:
            found.append(f"{key} changed")
    for key, live in zip(LISTS, (live_badges, live_rewards), strict=True):
        earlier = old["config"].get(key) or []
        now = new["config"].get(key) or []
        if now[: len(earlier)] != earlier:
            found.append(f"{key}: an earlier declaration changed")
        added = now[len(earlier) :]
        declared = {entry["name"] for entry in earlier}
        if sorted(entry["name"] for entry in added) != sorted(live - declared):
            found.append(f"{key}: added {[e['name'] for e in added]}")
        if not all(entry.get("adopt") is True and entry.get("org") == "brand-eu" for entry in added):
            found.append(f"{key}: an added entry lacks adopt/org")
    missing = [c for c in comments(before) if c not in after]
    if missing:
        found.append(f"comments lost: {missing}")
    return found


@pytest.fixture
def live_org(emulator):
    for i in range(4):
        emulator.create_badge_group(DEMO_ORG_ID, f"B-{i:03d}", i)
    for i in range(3):
        emulator.create_reward_group(DEMO_ORG_ID, f"R-{i:03d}", rank=i, active=i != 0)
    return emulator


def test_every_layout_is_written_so_that_it_reads_back(live_org, tmp_path, capsys):
    layouts = all_layouts()
    failures = {}
    for layout in layouts:
        path = tmp_path / f"Pulumi.{layout.name}.yaml"
        before = layout.text(live_org.url)
        path.write_text(before)
        code = export.main(["--org", "brand-eu", "--stack-file", str(path)])
        after = path.read_text()
        found = [f"exit {code}"] if code != 0 else []
        found += problems_after_export(
            before, after, {f"B-{i:03d}" for i in range(4)}, {f"R-{i:03d}" for i in range(3)}
        )
        # Running it again finds everything declared and leaves the file as it is.
        if not found and (
            export.main(["--org", "brand-eu", "--stack-file", str(path)]) != 0 or path.read_text() != after
        ):
            found.append("a second export changed the file")
        if found:
            failures[layout.name] = found
    capsys.readouterr()
    assert len(layouts) == 288
    assert failures == {}, f"{len(failures)} of {len(layouts)} layouts: {dict(list(failures.items())[:3])}"


def layout_named(name: str):
    return next(layout for layout in all_layouts() if layout.name == name)


def refused_untouched(path, before: str, capsys) -> None:
    """export exits 1 naming the file, which keeps its bytes and mode, and leaves no temp file."""
    mode = path.stat().st_mode

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 1

    assert path.read_bytes() == before.encode() and path.stat().st_mode == mode
    assert str(path) in capsys.readouterr().err
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_what_cannot_be_written_safely_is_refused_with_the_file_untouched(live_org, tmp_path, capsys):
    """A layout ruamel mangles, next to a one-line list with entries (which the line-insertion
    path does not rewrite): export refuses, names the file, and writes nothing."""
    layout = layout_named("2-offset2-comment-flow+comment-block-empty-flow")
    before = layout.text(live_org.url).replace(
        "pulumi-groups:rewardGroups: []  # none yet", "pulumi-groups:rewardGroups: [{name: R-000, active: false}]"
    )
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(before)

    refused_untouched(path, before, capsys)


def test_a_line_insertion_that_reads_back_wrong_is_refused_with_the_file_untouched(live_org, tmp_path, capsys):
    """A layout ruamel mangles, ending with an explicit document end (`...`): the line-insertion
    fallback puts the new entries after it, which no longer parses as one document. Only the
    fallback's own read-back stands between that text and the file."""
    layout = layout_named("2-offset2-comment-flow+comment-block-absent")
    before = layout.text(live_org.url) + "...\n"
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(before)

    refused_untouched(path, before, capsys)
