"""The rate limiter and the token cache on a clock the test controls: exact figures, no waiting."""

from __future__ import annotations

import pytest

from pulumi_groups.http.ratelimit import RateLimiter
from pulumi_groups.http.tokens import TokenAuth, lifetime
from tests.support.clocks import ControlledClock as Clock


def limiter(rate: float) -> tuple[RateLimiter, Clock]:
    clock = Clock(1000.0)
    return RateLimiter(rate, clock=clock, sleep=clock.sleep), clock


@pytest.mark.parametrize("rate,burst", [(95, 9), (60, 6), (15, 1), (5, 1)])
def test_a_burst_of_a_tenth_of_the_limit_rounded_down_then_even_spacing(rate, burst):
    bucket, clock = limiter(rate)
    waits = [bucket.acquire() for _ in range(burst + 3)]
    assert waits[:burst] == [0.0] * burst and clock.sleeps == waits[burst:]
    spacing = 60.0 / (rate - burst)
    assert waits[burst:] == pytest.approx([spacing] * 3)  # each caller slept its turn before the next came
    assert bucket.waited_seconds == pytest.approx(sum(waits))
    assert bucket.capacity == burst


def test_a_limit_of_one_a_minute_waits_a_minute():
    bucket, clock = limiter(1)
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(60.0)


def test_a_limit_below_one_a_minute_is_honoured_exactly():
    """Issue #12, point 11: 0.5 a minute (deploy's split can give it) is one request every 120 s
    after a burst of one, not one a minute."""
    bucket, _ = limiter(0.5)
    assert (bucket.capacity, bucket.acquire(), bucket.acquire()) == (1.0, 0.0, pytest.approx(120.0))


@pytest.mark.parametrize("rate", [0, -1])
def test_a_limit_that_is_not_positive_is_refused(rate):
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(rate)


def test_an_idle_bucket_refills_to_its_burst_and_no_further():
    bucket, clock = limiter(60)
    for _ in range(6):
        bucket.acquire()
    clock.now += 3600  # an hour idle
    assert [bucket.acquire() for _ in range(6)] == [0.0] * 6
    assert bucket.acquire() > 0


def test_time_that_passed_pays_for_part_of_the_wait():
    bucket, clock = limiter(60)  # 54 a minute after the burst of 6
    for _ in range(6):
        bucket.acquire()
    clock.now += 0.5
    assert bucket.acquire() == pytest.approx(60 / 54 - 0.5)


def test_exactly_one_slot_left_means_no_wait():
    bucket, clock = limiter(60)
    for _ in range(5):
        bucket.acquire()
    assert bucket.acquire() == 0.0 and clock.sleeps == []


# -- the token cache ----------------------------------------------------------------------------


class FakeTokens(TokenAuth):
    def __init__(self, clock, ttls) -> None:
        super().__init__(clock)
        self.ttls = list(ttls)

    def fetch(self, transport):
        return f"token-{self.tokens_fetched + 1}", self.ttls.pop(0)

    def attach(self, token):
        return {"T": token}, {}


def test_a_long_lived_token_is_renewed_the_margin_before_it_expires():
    clock = Clock()
    auth = FakeTokens(clock, [3600.0, 3600.0])
    assert auth.credentials(None) == ({"T": "token-1"}, {})
    clock.now += 3600 - 60 - 0.001  # just before the 60 s margin
    assert auth.credentials(None)[0]["T"] == "token-1"
    clock.now += 0.001  # at the margin: renewed
    assert auth.credentials(None)[0]["T"] == "token-2" and auth.tokens_fetched == 2


def test_a_short_lived_token_is_renewed_in_its_last_tenth():
    clock = Clock()
    auth = FakeTokens(clock, [100.0, 100.0])
    auth.credentials(None)
    clock.now += 89.999
    assert auth.credentials(None)[0]["T"] == "token-1"
    clock.now += 0.001
    assert auth.credentials(None)[0]["T"] == "token-2"


def test_invalidate_forgets_the_token_it_was_given_and_not_a_newer_one():
    clock = Clock()
    auth = FakeTokens(clock, [3600.0] * 3)
    first = auth.credentials(None)
    auth.invalidate(first)
    second = auth.credentials(None)
    assert second[0]["T"] == "token-2"
    auth.invalidate(first)  # a thread that still held the first one: the second stays
    assert auth.credentials(None) == second and auth.tokens_fetched == 2


def test_the_repr_hides_the_token():
    auth = FakeTokens(Clock(), [3600.0])
    auth.credentials(None)
    assert "token-1" not in repr(auth)


@pytest.mark.parametrize(
    "value,expected", [(7200, 7200.0), ("30", 30.0), ("0.5", 0.5), (None, 99.0), ("x", 99.0), (0, 99.0), (-5, 99.0)]
)
def test_a_lifetime_that_is_not_a_positive_number_falls_back_to_the_default(value, expected):
    assert lifetime(value, 99.0) == expected


def test_a_slot_and_a_half_refilled_sends_one_at_once_and_the_next_waits_for_the_missing_half():
    bucket, clock = limiter(60)  # 0.9 slots a second after the burst of 6
    for _ in range(6):
        bucket.acquire()
    clock.now += 1.5  # 1.35 slots back
    assert bucket.acquire() == 0.0 and bucket.waited_seconds == 0.0
    assert bucket.acquire() == pytest.approx(0.65 / 0.9)
