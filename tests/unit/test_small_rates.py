"""requestsPerMinute below 2 (``deploy`` splits a budget between stacks: 0.5 happens) is honoured
exactly: a burst of one, then one request every 60/rpm seconds. Driven by a clock the test owns."""

from __future__ import annotations

import pytest

from pulumi_groups.http.ratelimit import RateLimiter
from tests.support.clocks import ControlledClock


def send_times(rpm: float, count: int) -> list[float]:
    clock = ControlledClock()
    limiter = RateLimiter(rpm, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(count):
        limiter.acquire()
        times.append(clock.now)
    return times


@pytest.mark.parametrize(("rpm", "spacing"), [(0.5, 120.0), (0.25, 240.0), (0.9, 60 / 0.9), (1.0, 60.0)])
def test_a_rate_below_one_a_minute_spaces_requests_exactly(rpm, spacing):
    times = send_times(rpm, 6)
    assert times == pytest.approx([i * spacing for i in range(6)])


@pytest.mark.parametrize("rpm", [0.2, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 5.0, 60.0, 90.0, 100.5])
def test_no_window_holds_more_than_the_rate_allows(rpm):
    """Over any half-open window of W = max(60 s, 60/rpm s), at most max(1, floor(rpm * W / 60))."""
    times = send_times(rpm, int(3 * rpm) + 8)
    window = max(60.0, 60.0 / rpm)
    allowed = max(1, int(rpm * window / 60.0 + 1e-9))
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + window - 1e-9) <= allowed, (rpm, times)
    # Long-run pace is the rate itself (less the burst), never faster.
    assert (len(times) - 1) / (times[-1] / 60.0) <= rpm + 1e-9
