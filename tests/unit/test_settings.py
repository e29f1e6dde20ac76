"""Reading orgs from stack config and environment (no HTTP involved)."""

from __future__ import annotations

import json

import pytest

from pulumi_groups.capillary import settings


def load(config: dict, env: dict | None = None) -> settings.CapillaryConfig:
    return settings.load(config, env or {})


def test_orgs_object_as_json_text_with_cluster_and_url_hosts():
    config = load(
        {
            "capillary:orgs": json.dumps(
                {
                    "brand-eu": {"host": "eu", "username": "till.eu", "password": "pw"},
                    "brand-us": {"host": "https://us.api.capillarytech.com/", "clientKey": "k", "clientSecret": "s"},
                }
            )
        }
    )
    assert config.orgs["brand-eu"].base_url == "https://eu.api.capillarytech.com"
    assert not config.orgs["brand-eu"].uses_oauth
    assert config.orgs["brand-us"].base_url == "https://us.api.capillarytech.com"
    assert config.orgs["brand-us"].uses_oauth
    assert config.problem_for("brand-eu") is None


def test_shorthand_is_the_default_org_and_env_is_the_last_fallback():
    env = {"CAPILLARY_HOST": "apac", "CAPILLARY_USERNAME": "env.till", "CAPILLARY_PASSWORD": "envpw"}
    assert load({}, env).orgs["default"].username == "env.till"
    shorthand = {"capillary:host": "http://127.0.0.1:9", "capillary:clientKey": "k", "capillary:clientSecret": "s"}
    chosen = load(shorthand, env).orgs["default"]
    # One source supplies the whole org: nothing from the environment is mixed in.
    assert chosen.uses_oauth and chosen.username is None and chosen.base_url == "http://127.0.0.1:9"


def test_tuning_accepts_numeric_strings_and_per_org_overrides():
    config = load(
        {
            "capillary:requestsPerMinute": "60",
            "capillary:orgs": json.dumps(
                {
                    "a": {"host": "eu", "username": "u", "password": "p"},
                    "b": {
                        "host": "eu",
                        "username": "u2",
                        "password": "p",
                        "requestsPerMinute": 30,
                        "timeoutSeconds": "7.5",
                    },
                }
            ),
        }
    )
    assert config.orgs["a"].requests_per_minute == 60 and config.orgs["a"].timeout_seconds == 30
    assert config.orgs["b"].requests_per_minute == 30 and config.orgs["b"].timeout_seconds == 7.5


@pytest.mark.parametrize(
    "config, key, expected",
    [
        ({"capillary:orgs": "{not json"}, "default", "capillary:orgs is not valid JSON"),
        ({"capillary:orgs": "[1, 2]"}, "x", "must be an object keyed by org key"),
        (
            {"capillary:orgs": json.dumps({"x": {"host": "eu", "username": "u"}})},
            "x",
            "capillary:orgs.x: give either username/password or clientKey/clientSecret",
        ),
        (
            {
                "capillary:orgs": json.dumps(
                    {"x": {"host": "eu", "username": "u", "password": "p", "clientKey": "k", "clientSecret": "s"}}
                )
            },
            "x",
            "give either username/password",
        ),
        ({"capillary:orgs": json.dumps({"x": {"username": "u", "password": "p"}})}, "x", "set host"),
        (
            {"capillary:orgs": json.dumps({"x": {"host": "mars", "username": "u", "password": "p"}})},
            "x",
            "'mars' is neither a cluster",
        ),
        (
            {"capillary:orgs": json.dumps({"x": {"host": "eu", "user": "u", "password": "p"}})},
            "x",
            "unknown field(s) user",
        ),
        ({"capillary:orgs": json.dumps({"x": "eu"})}, "x", "must be an object with host"),
        ({"capillary:requestsPerMinute": "fast"}, "default", "capillary:requestsPerMinute: must be a number"),
        (
            {
                "capillary:orgs": json.dumps(
                    {"x": {"host": "eu", "username": "u", "password": "p", "timeoutSeconds": -1}}
                )
            },
            "x",
            "timeoutSeconds: must be at least",
        ),
        ({}, "brand-eu", "org 'brand-eu' is not configured (known orgs: none)"),
    ],
)
def test_problems_name_the_key_and_the_fix(config, key, expected):
    problem = load(config).problem_for(key)
    assert problem is not None and expected in problem


def test_problems_never_echo_secret_values():
    config = load({"capillary:orgs": '{"x": {"host": "eu", "password": "hunter2-secret"'})
    assert "hunter2" not in config.problem_for("x")
    config = load({"capillary:orgs": json.dumps({"x": {"host": "eu", "password": "hunter2-secret"}})})
    assert "hunter2" not in config.problem_for("x")
    org = load({"capillary:host": "eu", "capillary:username": "u", "capillary:password": "hunter2-secret"}).orgs[
        "default"
    ]
    assert "hunter2" not in repr(org)
