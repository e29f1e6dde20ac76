"""`Emulator`: the public face: lifecycle, credentials, inspection and out-of-band changes,
faults and counters. It builds one `Backend` (backend.py) and hands it to the HTTP side
(handler.py, pipeline.py), which never sees this class; out-of-band changes are in console.py,
the vendor rules in badges.py, rewards.py and contacts.py.
"""

from __future__ import annotations

import ipaddress
import os
import threading

from pulumi_groups.emulator import console, contacts, guesses
from pulumi_groups.emulator.backend import Backend
from pulumi_groups.emulator.credentials import DEFAULT_CAPILLARY_ORGS, DEFAULT_WESURVEY_APPS
from pulumi_groups.emulator.handler import EmulatorHTTPServer
from pulumi_groups.emulator.options import Options


def _check_loopback(host: str) -> None:
    """The emulator accepts demo credentials and has no TLS: it must never listen beyond this
    machine."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the emulator only binds loopback addresses, not {host!r}")


class Emulator:
    def __init__(
        self,
        port: int = 0,
        state_file: str | os.PathLike | None = None,
        latency: float = 0.0,
        rate_limit_per_minute: int | None = None,
        rate_limit_window_seconds: float = 60.0,
        rate_limit_retry_after: bool = True,
        not_found_status: int = guesses.NOT_FOUND_STATUS,
        badge_default_page_size: int = guesses.BADGE_DEFAULT_PAGE_SIZE,
        reward_list_default_active: bool | None = guesses.REWARD_LIST_DEFAULT_ACTIVE,
        capillary_token_ttl: float = 3600,
        wesurvey_token_ttl: float = 7200,
        wesurvey_max_depth: int = guesses.WESURVEY_MAX_DEPTH,
        seed_defaults: bool = True,
        *,
        host: str = "127.0.0.1",
        wesurvey_batch_delete_unknown: str = guesses.WESURVEY_BATCH_DELETE_UNKNOWN,
        faults: list[dict] | None = None,
        verbose: bool = False,
    ) -> None:
        _check_loopback(host)
        self.host = host
        self._requested_port = port
        self._verbose = verbose
        self.options = Options(
            latency=latency,
            rate_limit_per_minute=rate_limit_per_minute,
            rate_limit_window_seconds=rate_limit_window_seconds,
            rate_limit_retry_after=rate_limit_retry_after,
            not_found_status=not_found_status,
            badge_default_page_size=badge_default_page_size,
            reward_list_default_active=reward_list_default_active,
            capillary_token_ttl=capillary_token_ttl,
            wesurvey_token_ttl=wesurvey_token_ttl,
            wesurvey_max_depth=wesurvey_max_depth,
            wesurvey_batch_delete_unknown=wesurvey_batch_delete_unknown,
        )
        self.backend = Backend.build(self.options, state_file)
        # The backend's pieces under the names tests, commands and the CLI have always used.
        self.credentials = self.backend.credentials
        self.store = self.backend.store
        self.metrics = self.backend.metrics
        self.faults = self.backend.faults
        self.limiter = self.backend.limiter
        self.faults.replace(list(faults or []))
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if seed_defaults:
            for org in DEFAULT_CAPILLARY_ORGS:
                self.add_capillary_org(**org)  # type: ignore[arg-type]  # literal rows of the right types
            for app in DEFAULT_WESURVEY_APPS:
                self.add_wesurvey_app(**app)  # type: ignore[arg-type]  # literal rows of the right types

    # ----------------------------------------------------------------------------------------
    # Lifecycle
    # ----------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is None:
            self._server = EmulatorHTTPServer((self.host, self._requested_port), self.backend, self._verbose)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},  # how fast stop() returns
                name=f"emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._requested_port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # ----------------------------------------------------------------------------------------
    # Credentials
    # ----------------------------------------------------------------------------------------

    def add_capillary_org(self, org_id: int, *, username=None, password=None, client_key=None,
                          client_secret=None, user_id=None) -> None:
        self.credentials.add_capillary_org(
            org_id, username=username, password=password, client_key=client_key,
            client_secret=client_secret, user_id=user_id,
        )

    def add_wesurvey_app(self, appid: str, secret: str, team_ids) -> None:
        app = self.credentials.add_wesurvey_app(appid, secret, team_ids)
        for team_id in app.team_ids:
            contacts.ensure_team(self.store, team_id)

    # ----------------------------------------------------------------------------------------
    # Inspection and out-of-band changes (as if made in the vendor's console): console.py
    # ----------------------------------------------------------------------------------------

    def badge_groups(self, org_id: int) -> list[dict]:
        return console.badge_groups(self.backend, org_id)

    def reward_groups(self, org_id: int) -> list[dict]:
        return console.reward_groups(self.backend, org_id)

    def contact_groups(self, team_id: int) -> list[dict]:
        return console.contact_groups(self.backend, team_id)

    def create_badge_group(self, org_id: int, name: str, rank: int) -> dict:
        return console.create_badge_group(self.backend, org_id, name, rank)

    def create_reward_group(self, org_id: int, name: str, rank: int | None = None, active: bool = True) -> dict:
        return console.create_reward_group(self.backend, org_id, name, rank, active)

    def create_contact_group(self, team_id: int, name: str, parent_id: int = 0, order: int = 0,
                             remote_id: str = "") -> dict:
        return console.create_contact_group(self.backend, team_id, name, parent_id, order, remote_id)

    def update_group(self, kind: str, scope_id: int, group_id, **wire_fields) -> dict:
        """Change wire fields of a group out of band, under the vendor's rules, e.g.
        update_group("badge", 100737, gid, rank=9). Returns the group's wire form."""
        return console.update_group(self.backend, kind, scope_id, group_id, wire_fields)

    def delete_group(self, kind: str, scope_id: int, group_id) -> None:
        """Delete a group out of band (badge groups included, which the API cannot delete).
        A contact group takes its descendants with it."""
        console.delete_group(self.backend, kind, scope_id, group_id)

    def state(self) -> dict:
        """Every group, by org / team, in wire form."""
        return console.state(self.backend)

    def reset(self) -> None:
        """Forget every group (each team gets a fresh default group); credentials, tokens,
        faults and counters stay."""
        console.reset(self.backend)

    # ----------------------------------------------------------------------------------------
    # Faults, counters, tokens
    # ----------------------------------------------------------------------------------------

    def set_faults(self, faults: list[dict]) -> None:
        self.faults.replace(faults)

    def add_fault(self, fault: dict) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def pending_faults(self) -> list[dict]:
        return self.faults.pending()

    def unfired_faults(self) -> list[dict]:
        """Every fault set since the start (replaced or cleared ones too) that never fired."""
        return self.faults.unfired()

    def counters(self) -> dict:
        return self.metrics.snapshot()

    def reset_counters(self) -> None:
        self.metrics.reset()

    def wait_for_counters(self, condition, timeout: float | None = None) -> bool:
        """Block until ``condition(counters)`` holds, checked now and whenever a request ends:
        ``emu.wait_for_counters(lambda c: c["faults_fired"] == 1 and c["in_flight"] == 0)`` waits
        for a request held by a "delay" fault to land. False when ``timeout`` passed first."""
        return self.metrics.wait_until(condition, timeout)

    def expire_tokens(self) -> None:
        """Every token issued so far, by either vendor, is expired from now on."""
        console.expire_tokens(self.backend)
