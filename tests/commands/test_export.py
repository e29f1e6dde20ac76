"""``python -m pulumi_groups export`` against the emulator over HTTP: every page, merged safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from pulumi_groups.commands import export
from tests.conftest import DEMO_ORG_ID

BADGES = 130  # more than one page of 100
REWARDS = 120
SECURE = "v1:c2VjcmV0IGNpcGhlcnRleHQ=:v1:AAAAbm9uY2U=:Y2lwaGVy"
SALT = "v1:9Xzq5tVhq1M=:v1:rD2Rz8bOWnDqfLmA:0tn6Jd5dlSmF9vB4RQ9wm0Kl4nfF3g=="


@pytest.fixture(autouse=True)
def no_pulumi_cli_and_no_stray_credentials(monkeypatch, tmp_path):
    """No CLI on PATH (so the file and environment are the source) and no CAPILLARY_* leaking in."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for name in list(os.environ):
        if name.startswith("CAPILLARY_"):
            monkeypatch.delenv(name)


@pytest.fixture
def live_org(emulator):
    for i in range(BADGES):
        emulator.create_badge_group(DEMO_ORG_ID, f"B-{i:03d}", i % 10)
    for i in range(REWARDS):
        emulator.create_reward_group(DEMO_ORG_ID, f"R-{i:03d}", rank=i % 7 if i % 3 else None, active=i % 10 != 0)
    return emulator


def stack_text(url: str, password: str = "password: demo-password") -> str:
    return f"""\
# Brand EU: production loyalty org.
encryptionsalt: {SALT}
config:
  capillary:requestsPerMinute: "100000"
  capillary:orgs:
    brand-eu:
      host: {url}
      username: demo.till
      {password}
  wesurvey:accounts:
    default:
      appId: demo-appid
      secret:
        secure: {SECURE}  # kept byte for byte
  pulumi-groups:badgeGroups:
    # hand-written before the export: B-000 is ranked on purpose
    - {{name: B-000, rank: 99}}
  pulumi-groups:rewardGroups:
    - name: R-001
      rank: 5
"""


def load(path: Path):
    return YAML(typ="safe").load(path.read_text())


def test_export_merges_every_page_of_both_kinds_and_keeps_the_file(live_org, tmp_path, capsys):
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(stack_text(live_org.url))
    before = live_org.counters()["total"]

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0

    text = path.read_text()
    doc = load(path)
    badges = doc["config"]["pulumi-groups:badgeGroups"]
    rewards = doc["config"]["pulumi-groups:rewardGroups"]
    # Every live group is declared once: the hand-written ones untouched, the rest appended.
    assert len(badges) == BADGES and len({b["name"] for b in badges}) == BADGES
    assert len(rewards) == REWARDS and len({r["name"] for r in rewards}) == REWARDS
    assert badges[0] == {"name": "B-000", "rank": 99}
    assert rewards[0] == {"name": "R-001", "rank": 5}
    new_badges = {b["name"]: b for b in badges[1:]}
    assert new_badges["B-123"] == {"name": "B-123", "rank": 3, "org": "brand-eu", "adopt": True}
    new_rewards = {r["name"]: r for r in rewards[1:]}
    assert new_rewards["R-010"] == {"name": "R-010", "rank": 3, "active": False, "org": "brand-eu", "adopt": True}
    assert new_rewards["R-011"] == {"name": "R-011", "rank": 4, "org": "brand-eu", "adopt": True}
    assert new_rewards["R-003"] == {"name": "R-003", "org": "brand-eu", "adopt": True}  # no rank
    assert sum(1 for r in rewards if r.get("active") is False) == REWARDS // 10
    # Appended in name order, one line each; comments, salt and the secure value kept verbatim.
    assert [b["name"] for b in badges[1:]] == sorted(new_badges)
    assert "    - {name: B-001, rank: 1, org: brand-eu, adopt: true}\n" in text
    assert text.startswith("# Brand EU: production loyalty org.\n")
    assert "# hand-written before the export: B-000 is ranked on purpose" in text
    assert f"encryptionsalt: {SALT}\n" in text
    assert f"secure: {SECURE}  # kept byte for byte" in text
    assert '  capillary:requestsPerMinute: "100000"\n' in text
    assert "    - name: R-001\n      rank: 5\n" in text

    output = capsys.readouterr()
    assert "130 badge groups listed, 129 added, 1 already declared" in output.out
    assert "120 reward groups listed, 119 added, 1 already declared" in output.out
    assert "'B-000' (rank: declared 99, live 0)" in output.out
    assert "demo-password" not in output.out + output.err
    # Two badge pages, and two pages for each reward filter (active=true and active=false).
    assert live_org.counters()["total"] - before >= 2 + 2

    # A second export finds everything declared and changes nothing.
    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0
    assert path.read_text() == text
    assert "0 added, 130 already declared" in capsys.readouterr().out


def test_export_into_a_new_file_with_the_default_org_from_the_environment(live_org, tmp_path, monkeypatch):
    monkeypatch.setenv("CAPILLARY_HOST", live_org.url)
    monkeypatch.setenv("CAPILLARY_USERNAME", "demo.till")
    monkeypatch.setenv("CAPILLARY_PASSWORD", "demo-password")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stacks").mkdir()

    assert export.main(["--org", "default", "--stack", "brand-new"]) == 0

    doc = load(tmp_path / "stacks" / "Pulumi.brand-new.yaml")
    badges = doc["config"]["pulumi-groups:badgeGroups"]
    assert len(badges) == BADGES
    # Exported entries always name their org: adding an org later never moves or blocks them.
    assert badges[0] == {"name": "B-000", "rank": 0, "org": "default", "adopt": True}
    assert "capillary:orgs" not in doc["config"]  # credentials are never written by export
    assert not [p for p in (tmp_path / "stacks").iterdir() if p.name.startswith(".")]  # no temp file left


def test_entries_without_org_count_for_the_stacks_only_org(live_org, tmp_path):
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(stack_text(live_org.url))
    assert export.main(["--org", "brand-eu", "--stack-file", str(path), "--dry-run"]) == 0
    # `B-000` has no `org:` but brand-eu is the stack's only org: already declared, not doubled.
    assert path.read_text() == stack_text(live_org.url)  # dry run: nothing written


def test_a_secret_credential_without_the_cli_is_explained(live_org, tmp_path, capsys):
    path = tmp_path / "Pulumi.brand-eu.yaml"
    original = stack_text(live_org.url, password=f"password:\n        secure: {SECURE}")
    path.write_text(original)

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 1

    err = capsys.readouterr().err
    assert "capillary:orgs.brand-eu: give either username/password or clientKey/clientSecret" in err
    assert "capillary:orgs.brand-eu.password is encrypted and the pulumi CLI is needed to decrypt it" in err
    assert path.read_text() == original


def test_with_the_cli_the_decrypted_stack_config_is_used(live_org, tmp_path, monkeypatch):
    """Where the CLI is present, the Automation API's config (secrets decrypted) is the source."""
    (tmp_path / "Pulumi.yaml").write_text("name: pulumi-groups\nruntime: python\n")
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(stack_text(live_org.url, password=f"password:\n        secure: {SECURE}"))
    asked = []
    monkeypatch.setattr(export, "find_pulumi", lambda project: "/opt/pulumi/bin/pulumi")

    def fake_config_from_cli(project, stack):
        asked.append((project, stack))
        return {
            "capillary:orgs": f'{{"brand-eu": {{"host": "{live_org.url}", "username": "demo.till", "password": "demo-password"}}}}',  # noqa: E501 - one opaque value
            "capillary:requestsPerMinute": "100000",
        }

    monkeypatch.setattr(export, "config_from_cli", fake_config_from_cli)
    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0
    assert asked == [(tmp_path.resolve(), "brand-eu")]
    assert len(load(path)["config"]["pulumi-groups:badgeGroups"]) == BADGES


def test_unknown_org_and_api_failures_exit_1(emulator, tmp_path, capsys):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(stack_text(emulator.url, password="password: wrong-password"))
    assert export.main(["--org", "brand-xx", "--stack-file", str(path)]) == 1
    assert "org 'brand-xx' is not configured (known orgs: brand-eu)" in capsys.readouterr().err
    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 1
    err = capsys.readouterr().err
    assert "capillary org 'brand-eu': list badge groups" in err and "401" in err
    assert "wrong-password" not in err


def test_names_that_look_like_other_yaml_types_stay_strings(emulator, tmp_path):
    odd = ["2024", "yes", "null", "Gold: tier #1", "- dash", "'quoted'", "Ünïcode 金"]
    for rank, name in enumerate(odd):
        emulator.create_badge_group(DEMO_ORG_ID, name, rank)
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(stack_text(emulator.url))
    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0
    names = [b["name"] for b in load(path)["config"]["pulumi-groups:badgeGroups"][1:]]
    assert sorted(names) == sorted(odd)
    assert all(isinstance(name, str) for name in names)


def test_names_the_pulumi_cli_would_read_as_numbers_or_dates_are_written_quoted(emulator, tmp_path):
    """yaml.v3 (the CLI) reads a plain 0X1F as 31 and 2024-1-2 as a timestamp; our YAML 1.2
    read-back does not, so only the quoting rule keeps them names (e2e: test_export_yaml.py)."""
    from ruamel.yaml.scalarstring import ScalarString

    from pulumi_groups.commands import cli_yaml
    from tests.commands.test_cli_yaml import TRICKY

    for rank, name in enumerate(TRICKY):
        emulator.create_badge_group(DEMO_ORG_ID, name, rank)
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(stack_text(emulator.url))

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0

    text = path.read_text()
    round_trip = YAML()
    round_trip.preserve_quotes = True
    written = round_trip.load(text)["config"]["pulumi-groups:badgeGroups"][1:]
    assert sorted(entry["name"] for entry in written) == sorted(TRICKY)
    assert all(isinstance(entry["name"], ScalarString) for entry in written)  # quoted, every one
    assert cli_yaml.unquoted_problems(text, {"pulumi-groups:badgeGroups": 1}) == []


REFUSED = {
    "TAB\tNAME": "U+0009",
    "ZERO\u200bWIDTH": "U+200B",
    "L" * 256: "at most 255 characters",
    "Cafe\u0301": "normal form C",  # a decomposed é
}


def test_names_the_stack_program_would_refuse_are_left_out_and_listed(emulator, tmp_path, capsys):
    for name in REFUSED:
        emulator.create_badge_group(DEMO_ORG_ID, name, 1)
    emulator.create_reward_group(DEMO_ORG_ID, "OK\u200b", rank=1)
    emulator.create_badge_group(DEMO_ORG_ID, "FINE", 1)
    path = tmp_path / "Pulumi.brand-eu.yaml"
    path.write_text(stack_text(emulator.url))

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 2  # written, but not all

    config = load(path)["config"]
    assert [b["name"] for b in config["pulumi-groups:badgeGroups"]] == ["B-000", "FINE"]
    assert [r["name"] for r in config["pulumi-groups:rewardGroups"]] == ["R-001"]
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("export: left out")]
    assert len(lines) == len(REFUSED) + 1
    for name, reason in REFUSED.items():
        assert any(repr(name) in line and reason in line for line in lines), name
    assert "'Café'" in err  # the NFC form, as the fix
    # What is written passes the stack program's own checks.
    from pulumi_groups.program.declarations import entry_problems, kind_for

    badge = kind_for("badgeGroups")
    assert [entry_problems(badge, entry, "brand-eu") for entry in config["pulumi-groups:badgeGroups"][1:]] == [[]]


def test_the_old_name_of_a_pending_rename_is_not_declared_again(emulator, tmp_path, capsys):
    """`previousNames: [GOLD]` on SILVER: until the next up renames it, the org still shows GOLD,
    and declaring GOLD as well would fail every preview (two entries claim one resource)."""
    emulator.create_badge_group(DEMO_ORG_ID, "GOLD", 1)
    emulator.create_reward_group(DEMO_ORG_ID, "VIP", rank=1)
    path = tmp_path / "Pulumi.brand-eu.yaml"
    text = (
        stack_text(emulator.url)
        .replace("    - {name: B-000, rank: 99}", "    - {name: SILVER, rank: 1, previousNames: [GOLD]}")
        .replace(
            "    - name: R-001\n      rank: 5\n", "    - {name: VIP Club, previousNames: [VIP], previousOrg: old-eu}\n"
        )
    )
    path.write_text(text)

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0

    assert path.read_text() == text
    assert capsys.readouterr().out.count("is the previous name of a declared entry") == 2


def test_a_declared_name_matches_a_live_one_spelled_in_another_normal_form(emulator, tmp_path, capsys):
    emulator.create_badge_group(DEMO_ORG_ID, "Cafe\u0301", 1)  # made in the console, decomposed
    path = tmp_path / "Pulumi.brand-eu.yaml"
    text = stack_text(emulator.url).replace("    - {name: B-000, rank: 99}", "    - {name: Café, rank: 1}")
    path.write_text(text)

    assert export.main(["--org", "brand-eu", "--stack-file", str(path)]) == 0

    assert path.read_text() == text
    assert "0 added, 1 already declared" in capsys.readouterr().out
