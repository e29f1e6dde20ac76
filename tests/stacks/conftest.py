"""Shared by the stack-program tests: no credentials from the host's environment."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def no_credentials_from_environment(monkeypatch):
    """The default-org rule also counts CAPILLARY_*/WESURVEY_* variables: keep the host's out."""
    for name in list(os.environ):
        if name.startswith(("CAPILLARY_", "WESURVEY_", "PULUMI_CONFIG")):
            monkeypatch.delenv(name)
