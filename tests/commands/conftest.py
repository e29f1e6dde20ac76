"""The fixture the command tests share: a project with the stack files of ``test_deploy.STACKS``."""

from __future__ import annotations

import os

import pytest

from tests.commands.test_deploy import STACKS


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / "Pulumi.yaml").write_text(
        "name: pulumi-groups\nruntime: python\nmain: stacks/\nstackConfigDir: stacks\n"
    )
    (tmp_path / "stacks").mkdir()
    for name, text in STACKS.items():
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("CAPILLARY_", "WESURVEY_")):
            monkeypatch.delenv(name)
    return tmp_path
