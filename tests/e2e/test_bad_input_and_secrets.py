"""Bad declarations and bad credentials stop ``preview`` with the field named and nothing sent;
no credential, hash or token appears in the state or anywhere the CLI printed."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.e2e.harness import stack_config

BAD_DECLARATIONS = [
    # (badge list, reward list, what the error must name)
    ("\n    - {name: GOLD, rank: -1}", "", "rank"),
    ("\n    - {name: '', rank: 1}", "", "name"),
    ("\n    - {name: GOLD, rank: 1, org: nowhere}", "", "nowhere"),
    ("", "\n    - {name: VIP, rank: 1, colour: red}", "colour"),
    ("\n    - {name: GOLD, rank: 1}\n    - {name: GOLD, rank: 2}", "", "GOLD"),
    ("\n    - {name: GOLD, rank: 1, ignoreChanges: [colour]}", "", "colour"),
    ("", "\n    - {name: VIP, rank: 1, protect: 'yes'}", "protect must be true or false, got 'yes'"),
]


@pytest.mark.parametrize("badge,reward,named", BAD_DECLARATIONS)
def test_bad_declarations_fail_preview_naming_the_field_and_send_nothing(project, emulator, badge, reward, named):
    project.write_stack(stack_config(emulator.url, badge=badge, reward=reward))
    preview = project.pulumi("preview", "--json", check=False)
    assert preview.returncode != 0
    errors = [d["message"] for d in preview.diagnostics() if d["severity"] == "error"]
    assert any(named in message for message in errors), errors
    assert emulator.counters()["total"] == 0
    assert project.resources() == {}


def test_bad_credentials_fail_preview_naming_the_org_and_the_fix_and_send_nothing(project, emulator):
    text = stack_config(emulator.url, badge="\n    - {name: GOLD, rank: 1}")
    text = text.replace("username: demo.till, password: demo-password", "username: demo.till")
    project.write_stack(text)
    preview = project.pulumi("preview", "--json", check=False)
    assert preview.returncode != 0
    errors = " ".join(d["message"] for d in preview.diagnostics() if d["severity"] == "error")
    assert "'default'" in errors and "username/password" in errors  # the org, and the fix
    assert emulator.counters()["total"] == 0


def test_no_credential_hash_or_token_in_state_or_output(project, emulator):
    text = stack_config(
        emulator.url,
        badge="\n    - {name: GOLD, rank: 1}",
        reward="\n    - {name: VIP, rank: 1}",
        contact="\n    - {name: E2E panel, team_id: 53}",
    )
    text = text.replace(", password: demo-password", "").replace(", secret: demo-secret", "")
    project.write_stack(text)
    project.config_set("capillary:orgs.default.password", "demo-password", secret=True)
    project.config_set("wesurvey:accounts.default.secret", "demo-secret", secret=True)
    project.pulumi("up", "--yes", "--json")
    project.pulumi("preview", "--json", "--diff")
    project.pulumi("refresh", "--yes", "--json")
    state = json.dumps(project.export())
    decrypted = project.export(show_secrets=True)
    del project.outputs[-2:]  # what --show-secrets printed is checked below, outside secret values
    project.pulumi("destroy", "--yes", "--json")

    # the stack's own encrypted config aside (ciphertext), every one of these is plaintext
    forbidden = ["demo-password", "demo-secret", hashlib.md5(b"demo-password").hexdigest()]
    forbidden += [record["token"] for record in emulator.store.wesurvey_tokens.values()]
    assert emulator.counters()["total"] > 0
    printed = "\n".join(project.outputs)
    outside_secrets = json.dumps(without_secret_values(decrypted))
    for secret in forbidden:
        assert secret not in state, secret
        assert secret not in printed, secret
        assert secret not in outside_secrets, secret
    # The engine keeps the stack's config as the default provider's inputs, a secret still.
    assert "demo-password" in json.dumps(decrypted)
    # __provider is the provider class by reference, nothing captured, and not a secret.
    for record in json.loads(state)["deployment"].get("resources", []):
        provider = record.get("inputs", {}).get("__provider")
        if provider is not None:
            assert isinstance(provider, str)


SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # the engine's marker of a secret value in state


def without_secret_values(value):
    """``value`` with every value the engine marks secret left out: what remains is what the
    state holds in plain text (a decrypted export shows secrets' plaintext inside the marker)."""
    if isinstance(value, dict):
        if SECRET_SIG in value.values():
            return "[secret]"
        return {k: without_secret_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_secret_values(v) for v in value]
    return value
