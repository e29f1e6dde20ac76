"""The committed project and stack files: they plan cleanly and hold no real secret."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from ruamel.yaml import YAML

from pulumi_groups.commands import stack_files
from pulumi_groups.emulator import DEFAULT_CAPILLARY_ORGS, DEFAULT_WESURVEY_APPS
from pulumi_groups.program import stack_program
from tests.support.mocks import RecordingMocks

REPO = Path(__file__).resolve().parents[2]
STACK_FILES = sorted((REPO / "stacks").glob("Pulumi.*.yaml"))


def test_project_file_points_pulumi_at_the_stacks_and_the_virtualenv():
    project = YAML(typ="safe").load((REPO / "Pulumi.yaml").read_text())
    assert project["name"] == "pulumi-groups"
    assert project["main"].rstrip("/") == "stacks" and project["stackConfigDir"] == "stacks"
    assert project["runtime"]["name"] == "python" and project["runtime"]["options"]["virtualenv"] == ".venv"
    assert (REPO / "stacks" / "__main__.py").read_text().count("run()") == 1


def test_the_provider_process_finds_the_project_virtualenv_from_the_program_folder():
    """The program resolves `virtualenv: .venv` against the project root, but the dynamic
    provider's launcher resolves it against its working directory, the `main:` folder
    (pulumi/pulumi#7061): stacks/.venv links back to the project's .venv so both find it."""
    link = REPO / "stacks" / ".venv"
    assert link.is_symlink() and Path(link.readlink()) == Path("..") / ".venv"
    if (REPO / ".venv").exists():  # made by `make setup`
        assert link.resolve() == (REPO / ".venv").resolve()


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_committed_stack_file_plans_without_declaration_errors(path):
    stack = path.name[len("Pulumi.") : -len(".yaml")]
    plain = stack_files.plaintext_config(stack_files.load(path))
    assert plain.secret_paths == []  # examples show the `--secret` commands, never a ciphertext
    pulumi.runtime.set_mocks(RecordingMocks(), project="pulumi-groups", stack=stack)
    pulumi.runtime.set_all_config(plain.values)
    plan = stack_program.read_plan(stack)
    assert plan.declarations, f"{path.name} declares nothing"


def test_demo_stack_uses_only_the_emulators_demo_credentials():
    config = YAML(typ="safe").load((REPO / "stacks" / "Pulumi.demo.yaml").read_text())["config"]
    known_users = {org["username"]: org["password"] for org in DEFAULT_CAPILLARY_ORGS}
    for org in config["capillary:orgs"].values():
        assert org["host"] == "http://127.0.0.1:18080"
        assert known_users[org["username"]] == org["password"]
    [app] = DEFAULT_WESURVEY_APPS
    for account in config["wesurvey:accounts"].values():
        assert (account["appId"], account["secret"]) == (app["appid"], app["secret"])


def test_example_files_hold_placeholders_not_credentials():
    for path in (REPO / "stacks").glob("Pulumi.example-*.yaml"):
        config = YAML(typ="safe").load(path.read_text())["config"]
        for org in config.get("capillary:orgs", {}).values():
            assert "password" not in org and "clientSecret" not in org
            assert all(str(v).startswith("REPLACE-") for k, v in org.items() if k in ("username", "clientKey"))
        for account in config.get("wesurvey:accounts", {}).values():
            assert "secret" not in account and account["appId"].startswith("REPLACE-")
        assert "pulumi config set --path --secret" in path.read_text()
