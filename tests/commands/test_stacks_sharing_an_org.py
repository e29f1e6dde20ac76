"""Stacks of one project that share an org (issue 19, cases 4 and 5): a group is unmanaged only
when no stack of the project declares it for that org, whatever stacks a run selected; an org
is told apart by what is not secret, so stack files whose password is stored encrypted count.

Real providers against the emulator behind deploy's Automation API seam (``engine_recorder``),
stack files with real ``secure:`` values (which nothing here can decrypt: that is the point).
"""

from __future__ import annotations

import json

import pytest
from ruamel.yaml import YAML

from pulumi_groups.commands import deploy, export
from tests.commands.engine_recorder import RecordingEngine
from tests.conftest import DEMO_BASIC, DEMO_OAUTH, DEMO_ORG_ID, FAST, SECOND_BASIC, SECOND_ORG_ID

SECURE = "v1:c2VjcmV0IGNpcGhlcnRleHQ=:v1:AAAAbm9uY2U=:Y2lwaGVy"  # ciphertext of no key we hold


def stack_text(emu, org_key: str, credentials: dict, badges: list[str], rewards: list[str] = ()) -> str:
    org = {"host": emu.url, **credentials, "requestsPerMinute": int(FAST)}
    config = {
        "capillary:orgs": {org_key: org},
        "pulumi-groups:badgeGroups": [{"name": name, "rank": 1, "org": org_key} for name in badges],
        "pulumi-groups:rewardGroups": [{"name": name, "rank": 1, "org": org_key} for name in rewards],
    }
    return "config:\n" + "".join(f"  {key}: {json.dumps(value)}\n" for key, value in config.items())


def encrypted(credentials: dict, *fields: str) -> dict:
    """The credentials as a user stores them: the given fields as `secure:` values."""
    return {k: ({"secure": SECURE} if k in fields else v) for k, v in credentials.items()}


def names_in(path) -> dict[str, list[str]]:
    config = YAML(typ="safe").load(path.read_text())["config"]
    return {kind: [e["name"] for e in config.get(f"pulumi-groups:{kind}Groups") or []] for kind in ("badge", "reward")}


@pytest.fixture
def project(emulator, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "stacks").mkdir(parents=True)
    (repo / "Pulumi.yaml").write_text("name: pulumi-groups\nruntime: python\nmain: stacks/\n")
    no_cli = tmp_path / "no-cli"
    no_cli.mkdir()
    monkeypatch.setenv("PATH", str(no_cli))  # export reads the files, as without the CLI
    monkeypatch.chdir(repo)
    for name in ("CAPILLARY_HOST", "CAPILLARY_USERNAME", "CAPILLARY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return repo


def write(repo, stack: str, text: str):
    path = repo / "stacks" / f"Pulumi.{stack}.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def deployed(project, emulator):
    """Four stacks, each deployed once (one CI job each); then the files of the other stacks get
    their secrets encrypted, one group of brand-eu-extra is renamed in the console, and two
    groups are made by hand."""
    emu = emulator
    write(project, "brand-eu", stack_text(emu, "brand-eu", DEMO_BASIC, ["GOLD"], ["VIP"]))
    # The same till user under another org key.
    write(project, "brand-eu-extra", stack_text(emu, "eu-main", DEMO_BASIC, ["PLATINUM", "SILVER"], ["PERKS"]))
    # The same org through an OAuth client: only the org_id its state records tells.
    write(project, "brand-eu-app", stack_text(emu, "eu-app", DEMO_OAUTH, ["DIAMOND"]))
    # Another org: a HANDMADE declared there says nothing about the first org.
    write(project, "brand-second", stack_text(emu, "second", SECOND_BASIC, ["HANDMADE"]))
    engine = RecordingEngine(project)
    for stack in ("brand-eu", "brand-eu-extra", "brand-eu-app", "brand-second"):
        assert deploy.main(["--stacks", stack, "--up", "--no-unmanaged"], api_factory=lambda root: engine) == 0

    write(
        project,
        "brand-eu-extra",
        stack_text(emu, "eu-main", encrypted(DEMO_BASIC, "password"), ["PLATINUM", "SILVER"], ["PERKS"]),
    )
    write(project, "brand-eu-app", stack_text(emu, "eu-app", encrypted(DEMO_OAUTH, "clientSecret"), ["DIAMOND"]))
    write(project, "brand-second", stack_text(emu, "second", encrypted(SECOND_BASIC, "password"), ["HANDMADE"]))
    ids = {g["name"]: g["id"] for g in emu.badge_groups(DEMO_ORG_ID)}
    emu.update_group("badge", DEMO_ORG_ID, ids["SILVER"], name="SILVER-console")  # still brand-eu-extra's
    handmade = emu.create_badge_group(DEMO_ORG_ID, "HANDMADE", 7)
    emu.create_reward_group(SECOND_ORG_ID, "SECOND-ONLY", 1)  # in the other org: not brand-eu's business
    return {"repo": project, "engine": engine, "emu": emu, "handmade": handmade}


def nightly(deployed, *extra: str) -> tuple[int, dict]:
    report = deployed["repo"] / "drift.json"
    code = deploy.main(
        [
            "--stacks",
            "brand-eu",
            "--refresh",
            "--expect-no-changes",
            "--expect-no-unmanaged",
            "--json",
            str(report),
            "--report",
            str(deployed["repo"] / "drift.md"),
            *extra,
        ],
        api_factory=lambda root: deployed["engine"],
    )
    return code, json.loads(report.read_text())


def test_one_stacks_run_lists_only_what_no_stack_of_the_project_declares(deployed):
    code, data = nightly(deployed)
    [org] = data["orgs"]
    assert org["orgId"] == DEMO_ORG_ID and org["stacks"] == ["brand-eu"]
    # PLATINUM and PERKS: declared by brand-eu-extra (same till user, its password encrypted);
    # SILVER-console: renamed in the console, brand-eu-extra's by the id its state records;
    # DIAMOND: brand-eu-app's (an OAuth client of the same org: its state's org_id says so).
    unmanaged = [(u["kind"], u["name"], u["id"]) for u in org["unmanaged"]]
    assert unmanaged == [("badge", "HANDMADE", deployed["handmade"]["id"])]
    assert code == 2  # HANDMADE is unmanaged: the nightly check says so

    # The command the Markdown report recommends adopts exactly that group, into brand-eu.
    path = deployed["repo"] / "stacks" / "Pulumi.brand-eu.yaml"
    assert (
        export.main(
            [
                "--org",
                "brand-eu",
                "--stack-file",
                str(path),
                "--only-unmanaged",
                "--report",
                str(deployed["repo"] / "drift.json"),
            ]
        )
        == 0
    )
    assert names_in(path) == {"badge": ["GOLD", "HANDMADE"], "reward": ["VIP"]}
    others = {
        stack: names_in(deployed["repo"] / "stacks" / f"Pulumi.{stack}.yaml")
        for stack in ("brand-eu-extra", "brand-eu-app")
    }
    assert others == {
        "brand-eu-extra": {"badge": ["PLATINUM", "SILVER"], "reward": ["PERKS"]},
        "brand-eu-app": {"badge": ["DIAMOND"], "reward": []},
    }

    # Adopted by the next up: the nightly check passes though other stacks share the org.
    engine = deployed["engine"]
    assert deploy.main(["--stacks", "brand-eu", "--up", "--no-unmanaged"], api_factory=lambda root: engine) == 0
    code, data = nightly(deployed)
    assert data["orgs"][0]["unmanaged"] == [] and code == 0


def test_export_with_a_report_still_leaves_out_another_stacks_groups(deployed):
    """A report that lists another stack's groups (written by an older version, or by a run that
    could not see that stack) does not make export adopt them into the wrong stack."""
    emu = deployed["emu"]
    ids = {g["name"]: g["id"] for g in emu.badge_groups(DEMO_ORG_ID)}
    stale = {
        "schema": "pulumi-groups/drift-report",
        "version": 1,
        "orgs": [
            {
                "orgKeys": ["brand-eu"],
                "unmanaged": [{"kind": "badge", "id": ids[name]} for name in ("PLATINUM", "DIAMOND", "HANDMADE")],
            }
        ],
    }
    report = deployed["repo"] / "stale.json"
    report.write_text(json.dumps(stale))
    path = deployed["repo"] / "stacks" / "Pulumi.brand-eu.yaml"
    assert (
        export.main(["--org", "brand-eu", "--stack-file", str(path), "--only-unmanaged", "--report", str(report)]) == 0
    )
    # PLATINUM: declared by brand-eu-extra's file. DIAMOND is declared by an OAuth stack whose
    # state this export (no CLI) cannot reach: only its org_id would tie it; by file alone it
    # is another principal's, so it stays in the report's list.
    assert names_in(path)["badge"] == ["GOLD", "DIAMOND", "HANDMADE"]


def test_export_only_unmanaged_counts_stack_files_whose_password_is_encrypted(project, emulator):
    emu = emulator
    for name in ("GOLD", "PLATINUM", "HANDMADE", "LOCKED", "SEALED", "LOOSE"):
        emu.create_badge_group(DEMO_ORG_ID, name, 1)
    emu.create_reward_group(DEMO_ORG_ID, "PERKS", 1)
    path = write(project, "brand-eu", stack_text(emu, "brand-eu", DEMO_BASIC, ["GOLD"]))
    # Same host and till user, password encrypted (as the README says to store it).
    write(
        project,
        "brand-eu-extra",
        stack_text(emu, "eu-main", encrypted(DEMO_BASIC, "password"), ["PLATINUM"], ["PERKS"]),
    )
    # Another org (another till user), password encrypted: its HANDMADE is not this org's.
    write(project, "brand-second", stack_text(emu, "second", encrypted(SECOND_BASIC, "password"), ["HANDMADE"]))
    # Even the user is encrypted: which org is unknown, so what it declares is never adopted here.
    write(project, "brand-locked", stack_text(emu, "locked", encrypted(DEMO_BASIC, "username", "password"), ["LOCKED"]))
    # The whole org object encrypted, entries without `org:`: their org cannot be told either.
    write(
        project,
        "brand-sealed",
        f"config:\n  capillary:orgs:\n    secure: {SECURE}\n  pulumi-groups:badgeGroups: [{{name: SEALED, rank: 1}}]\n",
    )

    assert export.main(["--org", "brand-eu", "--stack-file", str(path), "--only-unmanaged"]) == 0

    assert names_in(path) == {"badge": ["GOLD", "HANDMADE", "LOOSE"], "reward": []}
    assert SECURE in (project / "stacks" / "Pulumi.brand-eu-extra.yaml").read_text()  # nothing rewritten there


def test_the_command_the_markdown_report_recommends_writes_into_the_stack_it_checked(deployed):
    """The report names the stack as well as the org key: brand-eu-extra reaches the org as
    `eu-main`, and export's default file for that key (stacks/Pulumi.eu-main.yaml) is no stack."""
    import re
    import shlex

    repo, emu = deployed["repo"], deployed["emu"]
    # The run reads its own config decrypted, as the CLI gives it to deploy.
    write(repo, "brand-eu-extra", stack_text(emu, "eu-main", DEMO_BASIC, ["PLATINUM", "SILVER"], ["PERKS"]))
    code = deploy.main(
        [
            "--stacks",
            "brand-eu-extra",
            "--refresh",
            "--json",
            str(repo / "drift.json"),
            "--report",
            str(repo / "drift.md"),
        ],
        api_factory=lambda root: deployed["engine"],
    )
    assert code == 0
    [recommended] = re.findall(r"`python -m pulumi_groups (export [^`]*)`", (repo / "drift.md").read_text())
    argv = [
        str(repo / "drift.json") if arg == "<the" else arg
        for arg in shlex.split(recommended.replace("<the deploy --json file>", "<the"))
    ][1:]
    assert export.main(argv) == 0
    assert names_in(repo / "stacks" / "Pulumi.brand-eu-extra.yaml") == {
        "badge": ["PLATINUM", "SILVER", "HANDMADE"],
        "reward": ["PERKS"],
    }
    assert not (repo / "stacks" / "Pulumi.eu-main.yaml").exists()
    assert names_in(repo / "stacks" / "Pulumi.brand-eu.yaml") == {"badge": ["GOLD"], "reward": ["VIP"]}
