"""Which names must be quoted in a stack file so that the pulumi CLI reads them as the same string.

Two readers see the stack files we write: ruamel.yaml (YAML 1.2, our read-back check) and the
pulumi CLI, whose Go YAML library (gopkg.in/yaml.v3) resolves a plain (unquoted) scalar more
eagerly than YAML 1.2 does. Seen in yaml.v3's ``resolve.go``: a plain scalar that starts with a
digit, a sign or a dot is tried as a timestamp (``2024-1-2``, ``2024-1-2T1:2:3Z``), then as an
integer with Go's own prefixes and underscores (``0X1F``, ``0B101``, ``0O17``, ``+0X1F``,
``0X_1F``, ``1_000``), then as a float (``.5``, ``1e3``, ``.inf``); ``true``/``True``/``TRUE``,
``false``..., ``null``/``~``/(empty) and ``<<`` are looked up by spelling. ruamel reads most of
those as strings and so writes them unquoted.

Rather than copy Go's number and date grammar (and miss a case), the rule here is a superset,
easy to state and to check: a name is written quoted when it

- starts with a digit, ``+``, ``-`` or ``.`` (every number, timestamp and special float), or
- is, ignoring case, one of ``true false null ~ y n yes no on off <<`` or empty (YAML 1.1
  booleans included: other tools in a pipeline may read the file with a YAML 1.1 reader).

Quoting a name that did not need it costs two characters and changes nothing for any reader.
Everything else (``: ``, `` #``, a leading ``'``...) ruamel quotes on its own, as YAML requires.
"""

from __future__ import annotations

from typing import Any

_LEADS = frozenset("0123456789+-.")
_WORDS = frozenset({"", "~", "null", "true", "false", "y", "n", "yes", "no", "on", "off", "<<"})


def needs_quotes(name: str) -> bool:
    """Whether a plain (unquoted) ``name`` might be read as something other than that string."""
    return name[:1] in _LEADS or name.strip().casefold() in _WORDS


def quoted(name: str) -> Any:
    """``name`` as ruamel should write it: forced into single quotes when ``needs_quotes``."""
    if not needs_quotes(name):
        return name
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    return SingleQuotedScalarString(name)


def unquoted_problems(text: str, written: dict[str, int]) -> list[str]:
    """Names of the entries we wrote (``written``: list key -> index of the first one) that
    ``text`` holds plain although they need quotes (the CLI would read a number, a date or a
    boolean); [] when none. Entries a person wrote are theirs: not judged here."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import ScalarString

    yaml = YAML()  # round-trip: a quoted scalar loads as a ScalarString, a plain one as str
    yaml.preserve_quotes = True
    doc = yaml.load(text) or {}
    config = doc.get("config") or {}
    found = []
    for key, first in written.items():
        entries = config.get(key)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if index < first:
                continue
            values = [entry.get("name"), *(entry.get("previousNames") or [])] if isinstance(entry, dict) else []
            for value in values:
                if isinstance(value, str) and not isinstance(value, ScalarString) and needs_quotes(value):
                    found.append(f"{key}[{index}]: {value!r} is not quoted")
    return found
