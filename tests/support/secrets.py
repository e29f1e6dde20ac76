"""Every form a credential of either vendor could leak in, from the emulator's demo credentials
and the emulator's own record of the tokens it issued: passwords, their MD5 hashes (both cases)
and Basic headers, OAuth client secrets, OAuth tokens (JWTs), the WeSurvey app secret and its
access tokens. One list for every secrets check of the suite."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from pulumi_groups.emulator.credentials import DEFAULT_CAPILLARY_ORGS, DEFAULT_WESURVEY_APPS

# A token of either vendor: Capillary's are JWTs, WeSurvey's (in the emulator) 32 hex digits.
TOKEN_SHAPES = (re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"), re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])"))
EXTRA_PASSWORDS = ("wrong-password-7f3a",)
EXTRA_CLIENT_SECRETS = ("wrong-client-secret-9c1e",)


def forbidden_values(emu=None, extra: Iterable[str] = ()) -> list[str]:
    values = list(extra)
    users = [(org["username"], org["password"]) for org in DEFAULT_CAPILLARY_ORGS]
    users += [(user, password) for user, _ in users[:1] for password in EXTRA_PASSWORDS]
    for user, password in users:
        digest = hashlib.md5(password.encode()).hexdigest()
        values += [password, digest, digest.upper(), base64.b64encode(f"{user}:{digest}".encode()).decode()]
    values += [org["client_secret"] for org in DEFAULT_CAPILLARY_ORGS if "client_secret" in org]
    values += list(EXTRA_CLIENT_SECRETS)
    values += [app["secret"] for app in DEFAULT_WESURVEY_APPS]
    if emu is not None:
        values += [record["token"] for record in emu.store.wesurvey_tokens.values()]
    return values


def leaks(text: str, emu=None, extra: Iterable[str] = ()) -> list[str]:
    """The credentials (or token-shaped strings) found in ``text``; [] when clean."""
    found = [value for value in forbidden_values(emu, extra) if value in text]
    found += [match.group(0) for shape in TOKEN_SHAPES for match in shape.finditer(text)]
    found += [
        marker for marker in ("access_token=", "secret=", "Authorization:", "X-CAP-API-OAUTH-TOKEN:") if marker in text
    ]
    return found


def exception_text(error: BaseException) -> str:
    """Everything an exception carries that a log or a debugger would show: its message, repr
    and arguments, and those of every exception in its __context__/__cause__ chain."""
    parts, seen, pending = [], set(), [error]
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        parts += [str(item), repr(item), *(repr(arg) for arg in item.args)]
        parts += [repr(value) for value in vars(item).values()] if hasattr(item, "__dict__") else []
        pending += [item.__context__, item.__cause__]
    return "\n".join(parts)
