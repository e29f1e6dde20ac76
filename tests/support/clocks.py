"""A clock the test controls, for the rate limiter and the token cache (both take ``clock=``,
and the limiter ``sleep=``): time stands still except when the code sleeps or the test moves it,
and every sleep is recorded instead of waited."""

from __future__ import annotations


class ControlledClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
