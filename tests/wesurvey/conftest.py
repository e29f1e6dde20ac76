"""WeSurvey fixtures: the emulator's demo app (team 53) as stack config, and a configured provider."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import FAST, configured

DEMO_APP = {"appId": "demo-appid", "secret": "demo-secret"}
TEAM = 53
CONTACT_GROUP = "pulumi-python:dynamic/wesurvey:ContactGroup"


def wesurvey_config(emu, accounts: dict[str, dict] | None = None, **top: Any) -> dict[str, str]:
    """Stack config as ``configure()`` receives it: every value a string, objects as JSON text."""
    accounts = accounts if accounts is not None else {"default": DEMO_APP}
    entries = {key: {"host": emu.url, **creds} for key, creds in accounts.items()}
    config = {"wesurvey:accounts": json.dumps(entries), "wesurvey:requestsPerMinute": FAST}
    config.update({f"wesurvey:{key}": str(value) for key, value in top.items()})
    return config


@pytest.fixture
def provider(emulator):
    from pulumi_groups.wesurvey import ContactGroupProvider

    return configured(ContactGroupProvider, wesurvey_config(emulator))


def declare(provider, **news: Any) -> dict:
    """``check`` as the engine runs it (numbers as floats), failing the test on any failure."""
    engine_news = {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in news.items()}
    engine_news.setdefault("team_id", float(TEAM))
    result = provider.check({}, engine_news)
    assert not result.failures, [(f.property, f.reason) for f in result.failures]
    return result.inputs


def create(provider, **news: Any) -> tuple[str, dict, dict]:
    """check + create: ``(id, outputs, inputs)``."""
    inputs = declare(provider, **news)
    result = provider.create(inputs)
    return result.id, result.outs, inputs


def live(emu, group_id: Any) -> dict | None:
    return next((g for g in emu.contact_groups(TEAM) if str(g["id"]) == str(group_id)), None)
