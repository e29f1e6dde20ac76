"""``repr()`` of every object that holds a credential — settings, config objects, configured
providers, clients, transports, auth objects (with a token fetched), the export command's
plaintext config — shows no password, MD5 hash, client secret, WeSurvey secret or token."""

from __future__ import annotations

import hashlib
import json

from pulumi_groups.capillary import settings as capillary_settings
from pulumi_groups.capillary.badge_group import BadgeGroupProvider
from pulumi_groups.capillary.reward_group import RewardGroupProvider
from pulumi_groups.commands import stack_files
from pulumi_groups.wesurvey import settings as wesurvey_settings
from pulumi_groups.wesurvey.contact_group import ContactGroupProvider
from tests.conftest import DEMO_BASIC, DEMO_OAUTH, configured

SECRETS = ("demo-password", "demo-client-secret", "demo-secret", hashlib.md5(b"demo-password").hexdigest())


def config(url: str) -> dict[str, str]:
    return {
        "capillary:orgs": json.dumps({"basic": {"host": url, **DEMO_BASIC}, "oauth": {"host": url, **DEMO_OAUTH}}),
        "wesurvey:accounts": json.dumps({"ws": {"host": url, "appId": "demo-appid", "secret": "demo-secret"}}),
        "pulumi-groups:defaultOrg": "basic",
    }


def tokens_of(auths) -> list[str]:
    found = []
    for auth in auths:
        cached = getattr(auth, "_token", None) or getattr(auth, "token", None)
        if isinstance(cached, str):
            found.append(cached)
        elif cached is not None:
            found += [v for v in vars(cached).values() if isinstance(v, str) and len(v) > 8]
    return found


def test_every_object_holding_a_credential_masks_it(emulator, tmp_path):
    settings_config = config(emulator.url)
    capillary = capillary_settings.load(settings_config, {})
    wesurvey = wesurvey_settings.load(settings_config, {})
    badge = configured(BadgeGroupProvider, settings_config)
    reward = configured(RewardGroupProvider, settings_config)
    contact = configured(ContactGroupProvider, settings_config)
    # Use every credential once, so tokens are fetched and cached.
    badge.client("basic").list_badge_groups()
    reward.client("oauth").list_reward_groups()
    contact.client("ws").list_groups(53)
    clients = [badge.client("basic"), reward.client("oauth"), contact.client("ws")]
    auths = [client.transport.auth for client in clients]
    stack_file = tmp_path / "Pulumi.x.yaml"
    stack_file.write_text("config:\n  capillary:orgs:\n    basic: {host: eu, username: u, password: demo-password}\n")

    objects = {
        "capillary OrgSettings (basic)": capillary.orgs["basic"],
        "capillary OrgSettings (oauth)": capillary.orgs["oauth"],
        "wesurvey AccountSettings": wesurvey.accounts["ws"],
        "CapillaryConfig": capillary,
        "WeSurveyConfig": wesurvey,
        "Entries": capillary.entries,
        "configured BadgeGroupProvider": badge,
        "configured RewardGroupProvider": reward,
        "configured ContactGroupProvider": contact,
        "provider.config": badge.config,
        **{f"client {i}": client for i, client in enumerate(clients)},
        **{f"transport {i}": client.transport for i, client in enumerate(clients)},
        **{f"auth {type(auth).__name__}": auth for auth in auths},
        "export Plaintext": stack_files.plaintext_config(stack_files.load(stack_file)),
    }
    hidden = SECRETS + tuple(tokens_of(auths))
    assert len(hidden) > len(SECRETS), "no token was fetched: the check would miss tokens"
    for label, obj in objects.items():
        text = repr(obj) + str(obj)
        for secret in hidden:
            assert secret not in text, f"repr of {label} shows a secret"
