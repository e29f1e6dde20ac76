"""The create journal (``lifecycle/create_journal.py``) through the real provider process: a line,
durable, before each create is sent, and only for a key that was free before the run; a create
that cannot be journaled is not sent."""

from __future__ import annotations

import grpc
import pytest

from pulumi_groups.lifecycle import create_journal
from tests.conftest import DEMO_ORG_ID
from tests.process.test_zero_surprises import BADGE, declare, posts, start


@pytest.fixture
def journal(tmp_path, monkeypatch):
    path = tmp_path / "e2e.create-journal"
    monkeypatch.setenv(create_journal.ENV, str(path))  # the provider process inherits it
    return path


def test_only_creates_of_free_keys_are_journaled(emulator, journal):
    emulator.create_badge_group(DEMO_ORG_ID, "TAKEN", 1)
    emulator.create_badge_group(DEMO_ORG_ID, "ADOPTED", 2)
    proc = start(emulator)
    try:
        proc.create(BADGE, "new", declare(proc, BADGE, "new", name="NEW", rank=3))
        proc.create(BADGE, "adopted", declare(proc, BADGE, "adopted", name="ADOPTED", rank=2, adopt=True))
        with pytest.raises(grpc.RpcError):
            proc.create(BADGE, "taken", declare(proc, BADGE, "taken", name="TAKEN", rank=1))
    finally:
        proc.close()
    assert create_journal.read(journal) == [{"kind": "badge group", "org": "default", "name": "NEW", "key": "NEW"}]
    assert sorted(g["name"] for g in emulator.badge_groups(DEMO_ORG_ID)) == ["ADOPTED", "NEW", "TAKEN"]


def test_a_create_that_cannot_be_journaled_is_not_sent(emulator, journal):
    journal.mkdir()  # a folder where the file should go: the journal cannot be written
    proc = start(emulator)
    try:
        inputs = declare(proc, BADGE, "new", name="NEW", rank=3)
        emulator.reset_counters()
        with pytest.raises(grpc.RpcError):
            proc.create(BADGE, "new", inputs)
    finally:
        proc.close()
    assert posts(emulator, BADGE) == 0 and emulator.badge_groups(DEMO_ORG_ID) == []


def test_a_line_cut_by_a_kill_is_skipped(tmp_path):
    path = tmp_path / "journal"
    path.write_text('{"kind": "badge group", "org": "default", "name": "A", "key": "A"}\n{"kind": "badge gr')
    assert [e["name"] for e in create_journal.read(path)] == ["A"]
    assert create_journal.read(tmp_path / "absent") == []
