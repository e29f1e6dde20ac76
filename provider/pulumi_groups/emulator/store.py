"""The emulator's data: groups, id sequences and issued tokens, with optional persistence.

One re-entrant lock guards everything; vendor logic holds it across each read-modify-write and
calls `save()` after a mutation. Records keep the wire field names for what a client can set
or read back verbatim, plus `created`/`updated` in epoch microseconds; each vendor module
renders its own timestamp formats and derived fields (full_name) from them.

Tokens are persisted too: a real vendor's tokens survive its restarts, so restarting the
emulator under a running demo must not log every client out.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
from pathlib import Path

STATE_FORMAT = 1
# Ids start near the magnitudes seen in the vendors' samples, so they never look like small
# numbers a client might confuse with ranks, orders or team ids.
FIRST_REWARD_GROUP_ID = 2400
FIRST_CONTACT_GROUP_ID = 6000


class Store:
    def __init__(self, state_file: str | os.PathLike | None = None) -> None:
        self.lock = threading.RLock()
        self.path = Path(state_file) if state_file else None
        self._reset_groups()
        self.sequences = {
            "badge": 0,
            "reward": FIRST_REWARD_GROUP_ID - 1,
            "contact": FIRST_CONTACT_GROUP_ID - 1,
        }
        # Capillary OAuth tokens are signed, self-describing JWTs: the signing key and the
        # times at which each token generation was force-expired are all the state they need.
        self.capillary_signing_key = secrets.token_hex(32)
        self.capillary_generations_expired_at: list[float] = []
        # WeSurvey: only the latest token of an app is valid.
        self.wesurvey_tokens: dict[str, dict] = {}  # appid -> {"token", "expires_at"}
        if self.path is not None and self.path.exists():
            self._load()

    def _reset_groups(self) -> None:
        self.badge_groups: dict[str, dict] = {}
        self.reward_groups: dict[int, dict] = {}
        self.contact_groups: dict[int, dict] = {}
        self.teams: dict[int, int] = {}  # team id -> id of its default group

    def next_sequence(self, name: str) -> int:
        with self.lock:
            self.sequences[name] += 1
            return self.sequences[name]

    def clear_groups(self) -> list[int]:
        """Forget every group; return the teams, whose default groups the caller re-creates.
        Id sequences continue: like a vendor, the emulator never hands out an id twice, so a
        client holding an old id meets "not found", not a stranger's group."""
        with self.lock:
            teams = list(self.teams)
            self._reset_groups()
            return teams

    # ----------------------------------------------------------------------------------------
    # Persistence
    # ----------------------------------------------------------------------------------------

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "format": STATE_FORMAT,
                "badge_groups": list(self.badge_groups.values()),
                "reward_groups": list(self.reward_groups.values()),
                "contact_groups": list(self.contact_groups.values()),
                "teams": {str(team): default for team, default in self.teams.items()},
                "sequences": dict(self.sequences),
                "capillary_signing_key": self.capillary_signing_key,
                "capillary_generations_expired_at": list(self.capillary_generations_expired_at),
                "wesurvey_tokens": dict(self.wesurvey_tokens),
            }

    def save(self) -> None:
        """Write the whole state atomically (temp file + rename), so a crash or a reader never
        sees half a file. No fsync: this guards against the emulator dying, not the machine."""
        if self.path is None:
            return
        with self.lock:
            text = json.dumps(self.snapshot(), ensure_ascii=False, indent=1)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as temp:
                    temp.write(text)
                os.replace(temp_name, self.path)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise

    def _load(self) -> None:
        assert self.path is not None  # only called for a store with a state file
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read emulator state file {self.path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError(f"{self.path} is not an emulator state file (format {STATE_FORMAT})")
        self.badge_groups = {group["id"]: group for group in data["badge_groups"]}
        self.reward_groups = {group["id"]: group for group in data["reward_groups"]}
        self.contact_groups = {group["id"]: group for group in data["contact_groups"]}
        self.teams = {int(team): default for team, default in data["teams"].items()}
        self.sequences.update(data["sequences"])
        self.capillary_signing_key = data["capillary_signing_key"]
        self.capillary_generations_expired_at = list(data["capillary_generations_expired_at"])
        self.wesurvey_tokens = dict(data["wesurvey_tokens"])
