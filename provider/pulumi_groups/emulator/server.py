"""`Emulator`: the public face: lifecycle, credentials, inspection and out-of-band changes,
faults and counters. The HTTP side is in handler.py and pipeline.py, the vendor rules in
badges.py, rewards.py and contacts.py.
"""

from __future__ import annotations

import ipaddress
import os
import threading

from pulumi_groups.emulator import badges, capillary, contacts, guesses, rewards, wesurvey
from pulumi_groups.emulator.counters import Counters
from pulumi_groups.emulator.credentials import DEFAULT_CAPILLARY_ORGS, DEFAULT_WESURVEY_APPS, Credentials
from pulumi_groups.emulator.faults import FaultPlan
from pulumi_groups.emulator.handler import EmulatorHTTPServer
from pulumi_groups.emulator.options import Options
from pulumi_groups.emulator.ratelimit import SlidingWindowLimiter
from pulumi_groups.emulator.store import Store

KINDS = ("badge", "reward", "contact")


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
        self.credentials = Credentials()
        self.store = Store(state_file)
        self.metrics = Counters()
        self.faults = FaultPlan()
        self.faults.replace(list(faults or []))
        self.limiter = SlidingWindowLimiter(rate_limit_per_minute, rate_limit_window_seconds)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if seed_defaults:
            for org in DEFAULT_CAPILLARY_ORGS:
                self.add_capillary_org(**org)
            for app in DEFAULT_WESURVEY_APPS:
                self.add_wesurvey_app(**app)

    # ----------------------------------------------------------------------------------------
    # Lifecycle
    # ----------------------------------------------------------------------------------------

    def start(self) -> "Emulator":
        if self._server is None:
            self._server = EmulatorHTTPServer((self.host, self._requested_port), self, self._verbose)
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
        self._thread.join(timeout=5)

    def __enter__(self) -> "Emulator":
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
    # Inspection and out-of-band changes (as if made in the vendor's console)
    # ----------------------------------------------------------------------------------------

    def badge_groups(self, org_id: int) -> list[dict]:
        with self.store.lock:
            return [badges.render(g) for g in badges.groups_of(self.store, org_id)]

    def reward_groups(self, org_id: int) -> list[dict]:
        with self.store.lock:
            return [rewards.render(g) for g in rewards.groups_of(self.store, org_id)]

    def contact_groups(self, team_id: int) -> list[dict]:
        with self.store.lock:
            return [contacts.render(self.store, g) for g in contacts.team_groups(self.store, team_id)]

    def create_badge_group(self, org_id: int, name: str, rank: int) -> dict:
        with self.store.lock:
            group = badges.create_group(self.store, org_id, name, rank, guesses.CONSOLE_USER_ID)
            return badges.render(group)

    def create_reward_group(self, org_id: int, name: str, rank: int | None = None, active: bool = True) -> dict:
        with self.store.lock:
            group = rewards.create_group(self.store, org_id, name, rank, guesses.CONSOLE_USER_ID, active)
            return rewards.render(group)

    def create_contact_group(self, team_id: int, name: str, parent_id: int = 0, order: int = 0,
                             remote_id: str = "") -> dict:
        with self.store.lock:
            if team_id not in self.store.teams:
                raise KeyError(f"no WeSurvey team {team_id} (add it with add_wesurvey_app)")
            group = contacts.create_group(self.store, team_id, name, parent_id, order, remote_id,
                                          max_depth=self.options.wesurvey_max_depth)
            return contacts.render(self.store, group)

    def _group(self, kind: str, scope_id: int, group_id) -> dict:
        finders = {"badge": badges.find_group, "reward": rewards.find_group, "contact": contacts.find_group}
        if kind not in finders:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        group = finders[kind](self.store, scope_id, group_id)
        if group is None:
            raise KeyError(f"no {kind} group {group_id!r} in {scope_id}")
        return group

    def update_group(self, kind: str, scope_id: int, group_id, **wire_fields) -> dict:
        """Change wire fields of a group out of band, under the vendor's rules, e.g.
        update_group("badge", 100737, gid, rank=9). Returns the group's wire form."""
        allowed = {"badge": badges.CONSOLE_FIELDS, "reward": rewards.CONSOLE_FIELDS,
                   "contact": contacts.CONSOLE_FIELDS}.get(kind, set())
        with self.store.lock:
            group = self._group(kind, scope_id, group_id)
            if set(wire_fields) - allowed:
                raise ValueError(f"{kind} groups can change {sorted(allowed)}, not {sorted(set(wire_fields) - allowed)}")
            if kind == "badge":
                return badges.render(badges.update_group(self.store, group, wire_fields, guesses.CONSOLE_USER_ID))
            if kind == "reward":
                return rewards.render(rewards.update_group(self.store, group, wire_fields, guesses.CONSOLE_USER_ID))
            contacts.update_group(self.store, group, wire_fields, max_depth=self.options.wesurvey_max_depth)
            return contacts.render(self.store, group)

    def delete_group(self, kind: str, scope_id: int, group_id) -> None:
        """Delete a group out of band (badge groups included, which the API cannot delete).
        A contact group takes its descendants with it."""
        with self.store.lock:
            group = self._group(kind, scope_id, group_id)
            if kind == "contact":
                contacts.delete_groups(self.store, scope_id, [group["id"]], unknown="error")
                return
            del (self.store.badge_groups if kind == "badge" else self.store.reward_groups)[group["id"]]
            self.store.save()

    def state(self) -> dict:
        """Every group, by org / team, in wire form."""
        with self.store.lock:
            orgs = sorted(
                self.credentials.org_ids
                | {g["orgId"] for g in self.store.badge_groups.values()}
                | {g["orgId"] for g in self.store.reward_groups.values()}
            )
            return {
                "capillary": {
                    str(org): {"badgeGroups": self.badge_groups(org), "rewardGroups": self.reward_groups(org)}
                    for org in orgs
                },
                "wesurvey": {
                    str(team): {"defaultGroupId": default, "groups": self.contact_groups(team)}
                    for team, default in sorted(self.store.teams.items())
                },
            }

    def reset(self) -> None:
        """Forget every group (each team gets a fresh default group); credentials, tokens,
        faults and counters stay."""
        with self.store.lock:
            for team_id in self.store.clear_groups():
                contacts.ensure_team(self.store, team_id)
            self.store.save()

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

    def counters(self) -> dict:
        return self.metrics.snapshot()

    def reset_counters(self) -> None:
        self.metrics.reset()

    def expire_tokens(self) -> None:
        """Every token issued so far, by either vendor, is expired from now on."""
        capillary.expire_all_tokens(self)
        wesurvey.expire_all_tokens(self)
