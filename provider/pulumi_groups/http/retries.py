"""Retries: urllib3's ``Retry`` on the session, with a time budget, and the pacing of a request
sent again by hand, which waits what urllib3 would have waited.

Two policies, because the Pulumi engine gives a dynamic provider no retries and a create must
never run twice by accident:
- idempotent calls (GET, PUT and the vendors' idempotent POSTs) retry connection errors, read
  timeouts, 429 and 5xx with backoff and jitter, honouring ``Retry-After``;
- a create retries only what certainly never reached the vendor (connection refused, 429). A 5xx
  (even with ``Retry-After``) is not re-sent: it may come from a proxy after the vendor made the
  group.
"""

from __future__ import annotations

import time
from typing import Any

from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import RequestHistory, Retry

from pulumi_groups.http.policy import RetryPolicy
from pulumi_groups.http.ratelimit import RateLimiter

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# One earlier attempt, as urllib3's Retry counts them for its backoff.
_RESENT = RequestHistory(method=None, url=None, error=None, status=None, redirect_location=None)


class BudgetedRetry(Retry):
    """``Retry`` that waits for the rate limiter before every re-send and gives up once the
    request has spent its time budget retrying, so no call holds an engine worker for ever."""

    def __init__(
        self,
        *args: Any,
        limiter: RateLimiter | None = None,
        budget_seconds: float = 90.0,
        first_failure_at: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = limiter
        self.budget_seconds = budget_seconds
        self.first_failure_at = first_failure_at

    def new(self, **kw: Any) -> BudgetedRetry:
        kw.setdefault("limiter", self.limiter)
        kw.setdefault("budget_seconds", self.budget_seconds)
        # The first copy is made by the first failure: that is when the budget starts running.
        kw.setdefault("first_failure_at", self.first_failure_at or time.monotonic())
        return super().new(**kw)

    def remaining_budget(self) -> float:
        if self.first_failure_at is None:
            return self.budget_seconds
        return self.budget_seconds - (time.monotonic() - self.first_failure_at)

    def is_exhausted(self) -> bool:
        return super().is_exhausted() or self.remaining_budget() <= 0

    def get_backoff_time(self) -> float:
        return min(super().get_backoff_time(), max(self.remaining_budget(), 0.0))

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            seconds = super().parse_retry_after(retry_after)
        except InvalidHeader:
            return 0.0  # an unreadable Retry-After is no Retry-After: back off instead
        return min(seconds, max(self.remaining_budget(), 0.0))

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self.limiter is not None:
            self.limiter.acquire()


class CreateRetry(BudgetedRetry):
    """Creates: urllib3 re-sends any 503 (and 413) that carries ``Retry-After``, whatever the
    status list says; a create may re-send only a 429, which the vendor answers before it acts."""

    RETRY_AFTER_STATUS_CODES = frozenset({429})


def retry_for(policy: RetryPolicy, limiter: RateLimiter | None, *, idempotent: bool) -> BudgetedRetry:
    """The urllib3 retry of one session: idempotent calls, or creates."""
    # Any: the values are of several types, each checked by urllib3's Retry when it is built.
    common: dict[str, Any] = dict(
        total=policy.retries,
        connect=policy.retries,
        status=policy.retries,
        other=0,
        redirect=0,
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        backoff_jitter=policy.backoff_factor,
        retry_after_max=policy.retry_after_max,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last 429/5xx so its vendor error can be decoded
        limiter=limiter,
        budget_seconds=policy.budget_seconds,
    )
    if idempotent:
        return BudgetedRetry(
            read=policy.retries,
            allowed_methods=frozenset({"GET", "PUT", "POST", "DELETE"}),
            status_forcelist=RETRYABLE_STATUSES,
            **common,
        )
    # read=False: a create whose request was sent must not be re-sent blindly.
    return CreateRetry(
        read=False, allowed_methods=frozenset({"POST"}), status_forcelist=frozenset({429}), **common
    )


class Pacing:
    """The backoff of requests sent again by hand, not by urllib3."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self._retry = retry_for(policy, None, idempotent=True)

    def wait_to_resend(self, resends: int, first_failure_at: float, retry_after: float | None = None) -> bool:
        """Resend number ``resends`` (1, 2, ...) waits what urllib3 would wait before that retry,
        and at least the vendor's ``Retry-After`` (capped), never past the time budget counted
        from ``first_failure_at``. False, without waiting, once the policy's retries or its
        budget are spent."""
        pacing = self._retry.new(history=(_RESENT,) * resends, first_failure_at=first_failure_at)
        if resends > self.policy.retries or pacing.is_exhausted():
            return False
        wait = pacing.get_backoff_time()
        if retry_after:
            wait = max(wait, min(retry_after, self.policy.retry_after_max, pacing.remaining_budget()))
        time.sleep(wait)
        return True
