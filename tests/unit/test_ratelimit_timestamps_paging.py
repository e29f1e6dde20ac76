"""Small pure pieces: the rate limiter's ceiling, timestamp normalization, paging."""

from __future__ import annotations

from pulumi_groups.http.paging import fetch_all, pages_for
from pulumi_groups.http.ratelimit import RateLimiter
from pulumi_groups.lifecycle import timestamps
from tests.support.clocks import ControlledClock


def test_no_sixty_second_window_exceeds_the_ceiling():
    clock = ControlledClock()
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(300):
        limiter.acquire()
        sent_at.append(clock.now)
    for i, start in enumerate(sent_at):
        in_window = sum(1 for t in sent_at[i:] if t < start + 60.0)
        assert in_window <= 60
    # Not needlessly slow either: a burst of 6, then 54 a minute (the ceiling less the burst).
    assert 320 <= sent_at[-1] <= 330


def test_timestamps_from_both_capillary_formats_and_wesurvey_iso():
    assert timestamps.from_epoch_seconds(1743497864.510000000) == "2025-04-01T08:57:44.510Z"
    assert timestamps.from_epoch_millis(1742180327987) == "2025-03-17T02:58:47.987Z"
    assert timestamps.from_iso("2021-06-24T18:24:45+08:00") == "2021-06-24T10:24:45.000Z"
    assert timestamps.from_iso("2021-06-24T17:59:") is None
    assert timestamps.from_epoch_seconds(None) is None and timestamps.from_epoch_millis("x") is None


def test_fetch_all_follows_page_count_and_stops_on_empty_page():
    pages = {0: [1, 2], 1: [3, 4], 2: [5]}
    calls = []

    def fetch(page):
        calls.append(page)
        return pages.get(page, []), 3

    assert fetch_all(fetch, first_page=0) == [1, 2, 3, 4, 5] and calls == [0, 1, 2]
    calls.clear()
    # A count that overstates the pages stops at the first empty page; 1-based pages work too.
    assert fetch_all(lambda p: (calls.append(p) or ([p] if p < 3 else []), 99), first_page=1) == [1, 2]
    assert pages_for(201, 100) == 3 and pages_for(0, 100) == 0
