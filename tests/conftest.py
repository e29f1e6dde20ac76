"""Fixtures shared by every test layer: a real emulator on 127.0.0.1 and configured providers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_groups.http import registry

# The emulator's built-in demo credentials (see pulumi_groups.emulator).
DEMO_ORG_ID = 100737
DEMO_BASIC = {"username": "demo.till", "password": "demo-password"}
DEMO_OAUTH = {"clientKey": "demo-client-key", "clientSecret": "demo-client-secret"}
SECOND_ORG_ID = 100738
SECOND_BASIC = {"username": "demo2.till", "password": "demo2-password"}
# Tests must not wait on the client-side rate limit unless they test it.
FAST = "100000"


ALLOW_UNFIRED = "faults_may_not_fire"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{ALLOW_UNFIRED}(reason): the test sets faults that it asserts do not fire (or may not), so an "
        "unfired fault does not fail it",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def faults_must_fire(request, monkeypatch):
    """Every emulator a test starts fails it when a fault the test set never fired: a fault that
    stops firing (a path that no longer matches, a request no longer made) must not leave a
    test passing without testing anything. Opt out with ``@pytest.mark.faults_may_not_fire``."""
    from pulumi_groups.emulator import server

    started: list = []
    original_init = server.Emulator.__init__

    def tracked_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        started.append(self)

    monkeypatch.setattr(server.Emulator, "__init__", tracked_init)
    yield
    if getattr(request.node, "call_failed", True) or request.node.get_closest_marker(ALLOW_UNFIRED):
        return
    unfired = [fault for emu in started for fault in emu.unfired_faults()]
    if unfired:
        pytest.fail(
            f"faults set but never fired (mark the test {ALLOW_UNFIRED} if that is the point): {unfired}", pytrace=False
        )


@pytest.fixture
def emulator():
    from pulumi_groups.emulator import Emulator

    with Emulator() as emu:
        yield emu
    registry.clear()


def capillary_config(emu, orgs: dict[str, dict] | None = None, **top: Any) -> dict[str, str]:
    """Stack config as ``configure()`` receives it: every value a string, objects as JSON text."""
    orgs = orgs if orgs is not None else {"default": DEMO_BASIC}
    entries = {key: {"host": emu.url, **creds} for key, creds in orgs.items()}
    config = {"capillary:orgs": json.dumps(entries), "capillary:requestsPerMinute": FAST}
    config.update({f"capillary:{k}": str(v) for k, v in top.items()})
    return config


def configured(provider_cls, config: dict[str, str]):
    provider = provider_cls()
    provider.configure(ConfigureRequest(Config(config, "pulumi-groups")))
    return provider


@pytest.fixture
def capillary(emulator):
    """``(emulator, config)`` with the org ``default`` (basic auth) and ``brand-oauth`` (OAuth)."""
    config = capillary_config(emulator, {"default": DEMO_BASIC, "brand-oauth": DEMO_OAUTH})
    # Two orgs: resources without `org` go to the one the stack names as its default.
    config["pulumi-groups:defaultOrg"] = "default"
    return emulator, config
