"""Fixtures of the end-to-end suite: the real CLI, a project in a temp folder, the emulator.

The suite skips only where the CLI cannot be had (no binary and no ``go`` to build it), with the
reason; under CI (``CI=true``) a missing CLI is a failure, since ``.ci/run`` builds it first.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import Project, find_cli, in_ci


@pytest.fixture(scope="session")
def pulumi_cli() -> str:
    cli, why = find_cli()
    if cli is None:
        if in_ci():
            pytest.fail(f"CI must run the end-to-end suite, but {why}")
        pytest.skip(why)
    return cli


@pytest.fixture
def project(tmp_path, pulumi_cli) -> Project:
    """A fresh project (the repo's Pulumi.yaml and program) with the stack ``e2e`` initialised."""
    proj = Project(tmp_path / "project", pulumi_cli)
    proj.init()
    return proj
