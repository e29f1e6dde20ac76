"""Reading credentials and tuning from stack config: the edges (no HTTP involved)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pulumi_groups.capillary import settings

BASIC = {"host": "eu", "username": "till", "password": "pw"}


def load(orgs: dict, **top) -> settings.CapillaryConfig:
    config = {"capillary:orgs": json.dumps(orgs), **{f"capillary:{k}": v for k, v in top.items()}}
    return settings.load(config, {})


def test_one_broken_entry_does_not_hide_the_entries_after_it():
    config = load({"broken": "not an object", "good": BASIC, "also": {**BASIC, "username": "till2"}})
    assert sorted(config.orgs) == ["also", "good"]
    assert "capillary:orgs.broken must be an object" in config.problem_for("broken")


def test_a_number_given_for_a_text_field_is_taken_as_text_and_a_boolean_is_refused():
    config = load({"numeric": {**BASIC, "username": 12345}, "boolean": {**BASIC, "password": True}})
    assert config.orgs["numeric"].username == "12345"
    assert "boolean" not in config.orgs
    assert config.problem_for("boolean") == "capillary:orgs.boolean.password: must be a string"


def test_a_value_that_is_not_a_number_is_quoted_to_twenty_characters_only():
    problem = load({"default": {**BASIC, "requestsPerMinute": "y" * 30}}).problem_for("default")
    assert f"got str {'y' * 20!r}" in problem and "y" * 21 not in problem


def test_sources_are_fixed_once_defined():
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.SOURCE.namespace = "other"  # type: ignore[misc]


@pytest.mark.parametrize("where", ["top", "entry"])
def test_tuning_takes_any_positive_number_and_refuses_zero(where):
    def tuned(value):
        if where == "top":
            return load({"default": BASIC}, timeoutSeconds=value)
        return load({"default": {**BASIC, "timeoutSeconds": value}})

    assert tuned("0.5").orgs["default"].timeout_seconds == 0.5
    zero = tuned("0")
    assert "default" not in zero.orgs or zero.problem_for("default")
    assert "timeoutSeconds: must be at least 0.001, got 0" in (zero.problem_for("default") or "")


def test_the_smallest_tuning_value_is_accepted():
    assert load({"default": {**BASIC, "timeoutSeconds": "0.001"}}).orgs["default"].timeout_seconds == 0.001


def test_unparseable_orgs_say_how_to_write_them():
    config = settings.load({"capillary:orgs": "{not json"}, {})
    assert "set it as an object keyed by org key" in config.problem_for("anything")


def test_an_entry_with_an_unknown_field_does_not_hide_the_entries_after_it():
    config = load({"typo": {**BASIC, "pasword": "x"}, "good": BASIC})
    assert list(config.orgs) == ["good"] and "unknown field(s) pasword" in config.problem_for("typo")
