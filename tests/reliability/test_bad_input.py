"""The bad-input corpus (``corpus.py``): every case refused at ``check`` with a failure on the
right property and a reason naming the field or config key, and not one request sent.

Layer 1 runs every case; the real provider process runs every declaration-level case (one
process, the base config) and the config cases that matter most when config arrives from the
engine as secret JSON text (one process each: a process configures a provider once)."""

from __future__ import annotations

import pytest

from pulumi_groups.capillary import BadgeGroupProvider, RewardGroupProvider
from pulumi_groups.emulator import Emulator
from pulumi_groups.http import registry
from tests.support.provider_process import ProviderProcess, provider_prop, secret

from . import corpus

TYPE_TOKENS = {
    "badge": "pulumi-python:dynamic/capillary:BadgeGroup",
    "reward": "pulumi-python:dynamic/capillary:RewardGroup",
}
PROVIDERS = {"badge": BadgeGroupProvider, "reward": RewardGroupProvider}
DECLARATION_CASES = [case for case in corpus.CASES if not case.config]
PROCESS_CONFIG_CASES = [
    case
    for case in corpus.CASES
    if case.id in ("config-orgs-malformed-json", "config-conflicting-credentials", "config-requests-per-minute-text")
]


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator
    registry.clear()


def test_the_corpus_is_large_enough():
    assert len(corpus.CASES) >= 30
    assert len({case.id for case in corpus.CASES}) == len(corpus.CASES)


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda case: case.id)
def test_refused_at_check(emu, case):
    before = emu.counters()["total"]
    assert corpus.run(case, emu.url) == []
    assert emu.counters()["total"] == before == 0


def _engine_props(case: corpus.BadInput) -> dict:
    return {"__provider": provider_prop(PROVIDERS[case.kind]()), **case.news}


def test_declarations_refused_by_the_provider_process(emu):
    proc = ProviderProcess()
    try:
        config = corpus.stack_config(emu.url, corpus.BadInput("base", "badge", {}, "", ""))
        proc.configure({**config, "capillary:orgs": secret(config["capillary:orgs"])})
        problems = {}
        for case in DECLARATION_CASES:
            _, failures = proc.check(TYPE_TOKENS[case.kind], case.id, {}, _engine_props(case))
            found = corpus.judge(case, failures)
            if found:
                problems[case.id] = found
        assert problems == {}
        assert emu.counters()["total"] == 0
    finally:
        proc.close()


@pytest.mark.parametrize("case", PROCESS_CONFIG_CASES, ids=lambda case: case.id)
def test_bad_config_refused_by_the_provider_process(emu, case):
    proc = ProviderProcess()
    try:
        config = corpus.stack_config(emu.url, case)
        proc.configure({**config, "capillary:orgs": secret(config["capillary:orgs"])})
        _, failures = proc.check(TYPE_TOKENS[case.kind], case.id, {}, _engine_props(case))
        assert corpus.judge(case, failures) == []
        printed = proc.printed()
        assert all(s not in printed for s in corpus.PLANTED_SECRETS)
        assert emu.counters()["total"] == 0
    finally:
        proc.close()
