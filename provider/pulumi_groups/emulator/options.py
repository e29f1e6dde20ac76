"""Tunable emulator behaviour: timing, limits, and the switches behind each documented guess."""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_groups.emulator import guesses


@dataclass
class Options:
    latency: float = 0.0  # seconds added to every vendor request
    rate_limit_per_minute: int | None = None  # per credential; None = unlimited
    rate_limit_window_seconds: float = 60.0  # tests shrink the "minute"
    rate_limit_retry_after: bool = True
    not_found_status: int = guesses.NOT_FOUND_STATUS
    badge_default_page_size: int = guesses.BADGE_DEFAULT_PAGE_SIZE
    reward_list_default_active: bool | None = guesses.REWARD_LIST_DEFAULT_ACTIVE
    capillary_token_ttl: float = 3600
    wesurvey_token_ttl: float = 7200
    wesurvey_max_depth: int = guesses.WESURVEY_MAX_DEPTH
    wesurvey_batch_delete_unknown: str = guesses.WESURVEY_BATCH_DELETE_UNKNOWN

    def __post_init__(self) -> None:
        if self.not_found_status not in (400, 404):
            raise ValueError("not_found_status must be 404 or 400")
        if self.reward_list_default_active not in (None, True):
            raise ValueError("reward_list_default_active must be None (all groups) or True")
        if self.wesurvey_batch_delete_unknown not in ("ignore", "error"):
            raise ValueError("wesurvey_batch_delete_unknown must be 'ignore' or 'error'")
        if self.badge_default_page_size < 1 or self.wesurvey_max_depth < 1:
            raise ValueError("badge_default_page_size and wesurvey_max_depth must be >= 1")
        if self.rate_limit_per_minute is not None and self.rate_limit_per_minute < 1:
            raise ValueError("rate_limit_per_minute must be >= 1 (or None for no limit)")
        if self.latency < 0 or self.rate_limit_window_seconds <= 0:
            raise ValueError("latency must be >= 0 and rate_limit_window_seconds > 0")
