"""Who may call the emulator: Capillary till users and OAuth clients (each bound to one org) and
WeSurvey apps (each with the teams it may manage).

Credentials are configuration, not state: they are not written to the state file, and the
emulator is given them again (defaults, CLI, tests) on every start.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from dataclasses import dataclass

# The demo credentials the emulator accepts when started with seed_defaults=True (the default).
# Tests, the demo stacks and the benchmarks use these; treat them as read-only.
DEFAULT_CAPILLARY_ORGS = (
    {
        "org_id": 100737,
        "username": "demo.till",
        "password": "demo-password",
        "client_key": "demo-client-key",
        "client_secret": "demo-client-secret",
        "user_id": 75161973,
    },
    {
        "org_id": 100738,
        "username": "demo2.till",
        "password": "demo2-password",
        "user_id": 75176138,
    },
)
DEFAULT_WESURVEY_APPS = ({"appid": "demo-appid", "secret": "demo-secret", "team_ids": (53,)},)


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def derived_user_id(org_id: int, name: str) -> int:
    """A stable user id for a credential given without one, the same on every start."""
    return 75_000_000 + zlib.crc32(f"{org_id}:{name}".encode()) % 1_000_000


@dataclass(frozen=True)
class TillUser:
    username: str
    password_md5: str  # lower-case hex, as Basic auth sends it
    org_id: int
    user_id: int


@dataclass(frozen=True)
class OAuthClient:
    client_key: str
    client_secret: str
    org_id: int
    user_id: int


@dataclass(frozen=True)
class WeSurveyApp:
    appid: str
    secret: str
    team_ids: frozenset[int]


class Credentials:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.org_ids: set[int] = set()
        self.till_users: dict[str, TillUser] = {}
        self.oauth_clients: dict[str, OAuthClient] = {}
        self.wesurvey_apps: dict[str, WeSurveyApp] = {}
        # Plain passwords, kept only so the CLI can print what it accepts.
        self.plain_passwords: dict[str, str] = {}

    def add_capillary_org(
        self,
        org_id: int,
        *,
        username: str | None = None,
        password: str | None = None,
        client_key: str | None = None,
        client_secret: str | None = None,
        user_id: int | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("give username and password together")
        if (client_key is None) != (client_secret is None):
            raise ValueError("give client_key and client_secret together")
        with self._lock:
            # "Credentials belong to exactly one org": refuse to move one to another org.
            for name, known in ((username, self.till_users), (client_key, self.oauth_clients)):
                if name is not None and name in known and known[name].org_id != org_id:
                    raise ValueError(f"{name!r} already belongs to org {known[name].org_id}")
            self.org_ids.add(org_id)
            if username is not None and password is not None:
                uid = user_id if user_id is not None else derived_user_id(org_id, username)
                self.till_users[username] = TillUser(username, md5_hex(password), org_id, uid)
                self.plain_passwords[username] = password
            if client_key is not None and client_secret is not None:
                uid = user_id if user_id is not None else derived_user_id(org_id, client_key)
                self.oauth_clients[client_key] = OAuthClient(client_key, client_secret, org_id, uid)

    def add_wesurvey_app(self, appid: str, secret: str, team_ids) -> WeSurveyApp:
        app = WeSurveyApp(appid, secret, frozenset(int(team) for team in team_ids))
        with self._lock:
            self.wesurvey_apps[appid] = app
        return app

    def describe(self) -> list[str]:
        """Human-readable lines for the CLI banner."""
        lines = []
        with self._lock:
            for org_id in sorted(self.org_ids):
                parts = [
                    f"basic {user.username} / {self.plain_passwords[user.username]}"
                    for user in self.till_users.values()
                    if user.org_id == org_id
                ]
                parts += [
                    f"oauth {client.client_key} / {client.client_secret}"
                    for client in self.oauth_clients.values()
                    if client.org_id == org_id
                ]
                lines.append(f"  Capillary org {org_id}: " + "; ".join(parts))
            for app in self.wesurvey_apps.values():
                teams = ", ".join(str(team) for team in sorted(app.team_ids))
                lines.append(f"  WeSurvey app {app.appid} / {app.secret}: teams {teams}")
        return lines
