"""Names with control or zero-width characters are refused at preview, names longer than the
vendor guess too, and leading or trailing blanks are warned about (each naming the field)."""

from __future__ import annotations

import pytest

from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroupProvider
from pulumi_groups.wesurvey.contact_group import ContactGroupProvider
from tests.conftest import capillary_config, configured

BAD_NAMES = {
    "zero-width space": "GOLD\u200b",
    "zero-width joiner": "GO\u200dLD",
    "byte-order mark": "\ufeffGOLD",
    "tab": "GOLD\tEU",
    "newline": "GOLD\n",
    "nul": "GO\x00LD",
    "right-to-left mark": "GOLD\u200f",
    "line separator": "GOLD\u2028",
}


@pytest.fixture
def badge(emulator):
    return configured(BadgeGroupProvider, capillary_config(emulator))


@pytest.mark.parametrize("label", sorted(BAD_NAMES))
def test_control_and_zero_width_characters_are_refused_at_check(emulator, badge, label):
    failures = badge.check({}, {"name": BAD_NAMES[label], "rank": 1}).failures
    assert [f.property for f in failures] == ["name"], label
    assert "U+" in failures[0].reason  # the offending character is named by its code point
    assert emulator.counters()["total"] == 0


@pytest.mark.parametrize(
    ("provider_cls", "news", "vendor"),
    [
        (BadgeGroupProvider, {"rank": 1}, "capillary"),
        (RewardGroupProvider, {}, "capillary"),
        (ContactGroupProvider, {"team_id": 53, "account": "default"}, "wesurvey"),
    ],
)
def test_names_longer_than_the_vendor_guess_are_refused(emulator, provider_cls, news, vendor):
    import importlib

    limit = importlib.import_module(f"pulumi_groups.{vendor}.guesses").GROUP_NAME_MAX_LENGTH
    config = {**capillary_config(emulator), "wesurvey:accounts": '{"default": {"appId": "a", "secret": "s"}}'}
    provider = configured(provider_cls, config)
    assert provider.check({}, {**news, "name": "x" * limit}).failures == []
    failures = provider.check({}, {**news, "name": "x" * (limit + 1)}).failures
    assert [(f.property, str(limit) in f.reason) for f in failures] == [("name", True)]


def test_outer_blanks_are_accepted_with_a_warning_naming_the_field(emulator, badge, capfd):
    result = badge.check({}, {"name": " GOLD ", "rank": 1})
    assert result.failures == [] and result.inputs["name"] == " GOLD "
    warnings = [line for line in capfd.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "name ' GOLD '" in warnings[0] and "badge group" in warnings[0]
    badge.check({}, {"name": "GOLD", "rank": 1})
    assert "warning" not in capfd.readouterr().err
    assert emulator.counters()["total"] == 0


def test_the_stack_program_refuses_them_too():
    from pulumi_groups.program import declarations
    from pulumi_groups.program.declarations import DeclarationError, Scopes, kind_for

    scopes = Scopes("org", ("eu",), lambda key: None, "", default_key="eu")
    with pytest.raises(DeclarationError) as raised:
        declarations.plan("s", {kind_for("badgeGroups"): [{"name": "GOLD\u200b", "rank": 1}]}, lambda kind: scopes)
    [problem] = raised.value.problems
    assert problem.startswith(
        "pulumi-groups:badgeGroups[0] ('GOLD\\u200b'): name must not contain control or zero-width"
    )


def test_the_stack_program_refuses_a_decomposed_name_naming_its_nfc_form():
    from pulumi_groups.program.declarations import entry_problems, kind_for

    badge = kind_for("badgeGroups")
    problems = entry_problems(badge, {"name": "Cafe\u0301", "rank": 1, "previousNames": ["Vieux Cafe\u0301"]}, "eu")
    assert len(problems) == 2 and all("normal form C" in p for p in problems)
    assert "'Café'" in problems[0] and "previousNames[0]" in problems[1]
    assert entry_problems(badge, {"name": "Café", "rank": 1}, "eu") == []
