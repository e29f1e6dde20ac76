"""The Snapshot itself, without HTTP: the races a provider process's 4 threads can produce."""

from __future__ import annotations

import threading

import pytest

from pulumi_groups.lifecycle.snapshot import DEFAULT_TTL_SECONDS, Setting, Snapshot, read_setting


def groups(*ids):
    return [{"id": i, "name": f"g{i}"} for i in ids]


def test_a_write_that_lands_while_a_listing_is_in_flight_is_kept():
    snap = Snapshot()
    listing_started, release = threading.Event(), threading.Event()

    def slow_list():
        listing_started.set()
        release.wait(5)
        return groups(1, 2, 3)  # pages fetched before the writes below

    reader = threading.Thread(target=lambda: snap.lookup(1, slow_list))
    reader.start()
    assert listing_started.wait(5)
    snap.remember(2, {"id": 2, "name": "renamed"})
    snap.forget(3)
    release.set()
    reader.join(5)
    assert snap.lookup(2, pytest.fail) == {"id": 2, "name": "renamed"}
    assert snap.lookup(3, pytest.fail) is None
    assert snap.listings == 1


class ObservedCondition(threading.Condition):
    """The snapshot's own condition, telling when a reader starts waiting on it (the event that
    orders the threads below, instead of a sleep)."""

    def __init__(self) -> None:
        super().__init__(threading.Lock())
        self.waiting = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.set()  # still under the lock: wait() releases it, so a notify cannot be missed
        return super().wait(timeout)


def test_waiting_readers_list_again_after_a_failed_listing():
    snap = Snapshot()
    snap._cond = observed = ObservedCondition()
    calls = []
    listing, gate = threading.Event(), threading.Event()

    def failing_then_working():
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            listing.set()
            gate.wait(5)
            raise RuntimeError("listing failed")
        return groups(1, 2)

    results, errors = [], []

    def read(group_id):
        try:
            results.append(snap.lookup(group_id, failing_then_working)["id"])
        except RuntimeError as exc:
            errors.append(str(exc))

    first = threading.Thread(target=read, args=(1,))
    first.start()
    assert listing.wait(5)  # the first reader is listing
    second = threading.Thread(target=read, args=(2,))
    second.start()
    assert observed.waiting.wait(5)  # the second waits for that listing instead of listing too
    gate.set()
    first.join(5)
    second.join(5)
    assert errors == ["listing failed"] and results == [2] and len(calls) == 2 and snap.listings == 1


def test_each_id_is_answered_once_per_listing():
    snap = Snapshot()
    lists = []
    source = lambda: lists.append(1) or groups(1, 2)  # noqa: E731
    assert snap.lookup(1, source)["name"] == "g1"
    assert snap.lookup(2, source)["name"] == "g2"
    assert len(lists) == 1
    assert snap.lookup(1, source)["name"] == "g1"  # asked again: a new listing answers
    assert len(lists) == 2


def test_an_answer_without_the_id_is_not_trusted():
    snap = Snapshot()
    snap.lookup(1, lambda: groups(1, 2))
    snap.remember(2, {})  # e.g. an update answer with no body
    assert snap.lookup(2, pytest.fail) is None  # dropped: the provider asks by id


def test_answers_are_copies():
    snap = Snapshot()
    snap.lookup(1, lambda: groups(1, 2))["name"] = "mutated"
    assert snap.lookup(2, pytest.fail)["name"] == "g2"
    snap.expire()
    assert snap.lookup(1, lambda: groups(1))["name"] == "g1"


@pytest.mark.parametrize(
    ("config", "env", "enabled"),
    [
        (None, {}, True),
        ("false", {}, False),
        (None, {"PULUMI_GROUPS_READ_SNAPSHOT": "0"}, False),
        ("true", {"PULUMI_GROUPS_READ_SNAPSHOT": "off"}, True),
        ("", {"PULUMI_GROUPS_READ_SNAPSHOT": "yes"}, True),
    ],
)
def test_setting_config_first_then_environment(config, env, enabled):
    assert read_setting(config, env) == (Setting(enabled, DEFAULT_TTL_SECONDS), [])


def test_setting_problems_keep_the_defaults():
    setting, problems = read_setting(
        "maybe", {"PULUMI_GROUPS_READ_SNAPSHOT_TTL": "-1"}, config_key="capillary:readSnapshot"
    )
    assert setting == Setting(True, DEFAULT_TTL_SECONDS)
    assert problems[0].startswith("capillary:readSnapshot must be true or false")
    assert "PULUMI_GROUPS_READ_SNAPSHOT_TTL" in problems[1]


def test_a_ttl_of_zero_is_refused_like_a_negative_one():
    setting, problems = read_setting(None, {"PULUMI_GROUPS_READ_SNAPSHOT_TTL": "0"})
    assert setting == Setting(True, DEFAULT_TTL_SECONDS) and len(problems) == 1


def test_a_long_unreadable_setting_is_quoted_cut_to_20_characters():
    long_value = "abcdefghij" * 3
    _, problems = read_setting(long_value, {"PULUMI_GROUPS_READ_SNAPSHOT_TTL": long_value})
    assert [repr(long_value[:20]) in problem and long_value[:21] not in problem for problem in problems] == [True] * 2


def test_find_answers_from_the_fresh_listing_and_leaves_reads_unanswered():
    snap = Snapshot()
    calls = []

    def list_all():
        calls.append(1)
        return groups(1, 2, 3)

    assert snap.find(lambda g: g["name"] == "g2", list_all) == {"id": 2, "name": "g2"}
    assert snap.find(lambda g: g["name"] == "g9", pytest.fail) is None  # fresh: no new listing
    assert snap.lookup(2, pytest.fail) == {"id": 2, "name": "g2"}  # finding did not use up the read
    assert calls == [1]
