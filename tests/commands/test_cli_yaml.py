"""``cli_yaml``: which names a stack file must quote so that the pulumi CLI (Go yaml.v3) reads
the same string as our YAML 1.2 reader. tests/e2e/test_export_yaml.py reads the same table back
through the real CLI."""

from __future__ import annotations

import io

import pytest
from ruamel.yaml import YAML

from pulumi_groups.commands import cli_yaml

# yaml.v3 reads these, written plain, as numbers, timestamps, booleans or null (see the module doc).
TRICKY = [
    "0X1F",
    "0x1f",
    "0B101",
    "0b101",
    "0O17",
    "0o17",
    "+0X1F",
    "-0X1F",
    "0X_1F",
    "1_000",
    "0777",
    "2024",
    "+1",
    "-1",
    "1e3",
    "1E3",
    ".5",
    "5.",
    "-.5",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "2024-1-2",
    "2024-01-02",
    "2024-1-2T1:2:3Z",
    "2024-1-2t1:2:3Z",
    "2024-1-2 1:2:3",
    "2025-01-06T00:00:00+01:00",
    "true",
    "True",
    "TRUE",
    "false",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "~",
    "<<",
    "y",
    "Y",
    "n",
    "N",
    "yes",
    "Yes",
    "NO",
    "on",
    "On",
    "OFF",
]
# Names no reader takes for anything but a string: written as they are.
PLAIN = [
    "GOLD",
    "Gold tier",
    "VIP-1",
    "x0X1F",
    "yesterday",
    "Noël",
    "onward",
    "offline",
    "nullable",
    "Ünïcode 金",
    "e1",
    "inf",
    "nan",
    "Y2K-2024-1-2",
]


@pytest.mark.parametrize("name", TRICKY)
def test_names_a_yaml_1_1_reader_would_turn_into_something_else_are_quoted(name):
    assert cli_yaml.needs_quotes(name)
    text = dump_entry(name)
    assert f"name: '{name}'" in text
    assert YAML(typ="safe").load(text) == [{"name": name}]
    assert cli_yaml.unquoted_problems(f"config:\n  k:\n  {text}", {"k": 0}) == []


@pytest.mark.parametrize("name", PLAIN)
def test_ordinary_names_are_written_as_they_are(name):
    assert not cli_yaml.needs_quotes(name)
    assert f"name: {name}" in dump_entry(name)


def test_a_plain_tricky_name_in_what_we_wrote_is_found_and_a_persons_entry_is_left_alone():
    text = "config:\n  k:\n    - {name: 0X1F}\n    - {name: '0X1F'}\n    - {name: 2024-1-2}\n"
    assert cli_yaml.unquoted_problems(text, {"k": 1}) == ["k[2]: '2024-1-2' is not quoted"]
    assert len(cli_yaml.unquoted_problems(text, {"k": 0})) == 2


def dump_entry(name: str) -> str:
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap(name=cli_yaml.quoted(name))
    entry.fa.set_flow_style()
    buffer = io.StringIO()
    YAML().dump([entry], buffer)
    return buffer.getvalue()
