"""``recover``'s repair of a file backend after a kill: cut ``.attrs`` sidecars of the stack's own
objects are removed once the checkpoint parses; the checkpoint itself is never replaced or
touched, and a checkpoint that does not parse stops the repair with nothing changed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pulumi_groups.commands import file_backend

PROJECT, STACK = "pulumi-groups", "dev"
CHECKPOINT = {"version": 3, "checkpoint": {"stack": STACK, "latest": {"resources": []}}}
GOOD_SIDECAR = b'{"user.content_type":"application/octet-stream","md5":"AAAA"}\n'


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def backend(tmp_path) -> Path:
    state = tmp_path / ".pulumi"
    write(state / "stacks" / PROJECT / f"{STACK}.json", json.dumps(CHECKPOINT).encode())
    write(state / "stacks" / PROJECT / f"{STACK}.json.bak", json.dumps(CHECKPOINT).encode())
    return tmp_path


def stacks(root: Path) -> Path:
    return root / ".pulumi" / "stacks" / PROJECT


def test_cut_sidecars_of_the_stack_are_removed_and_the_checkpoint_is_left_as_it_is(backend):
    checkpoint = (stacks(backend) / f"{STACK}.json").read_bytes()
    cut = [
        write(stacks(backend) / f"{STACK}.json.attrs", b""),
        write(stacks(backend) / f"{STACK}.json.bak.attrs", b'{"user.cont'),
        write(backend / ".pulumi" / "locks" / PROJECT / STACK / "1234.json.attrs", b""),
        write(backend / ".pulumi" / "history" / PROJECT / STACK / f"{STACK}-1.history.json.attrs", b""),
    ]
    whole = write(backend / ".pulumi" / "backups" / PROJECT / STACK / f"{STACK}.1.json.attrs", GOOD_SIDECAR)
    repaired = file_backend.repair(backend, PROJECT, STACK)
    assert sorted(repaired.removed) == sorted(cut)
    assert not any(path.exists() for path in cut)
    assert whole.read_bytes() == GOOD_SIDECAR
    assert (stacks(backend) / f"{STACK}.json").read_bytes() == checkpoint


def test_other_stacks_are_not_touched(backend):
    others = [
        write(stacks(backend) / "dev2.json.attrs", b""),
        write(backend / ".pulumi" / "locks" / PROJECT / "dev2" / "1.json.attrs", b""),
    ]
    assert file_backend.repair(backend, PROJECT, STACK).removed == []
    assert all(path.exists() for path in others)


def test_a_checkpoint_that_does_not_parse_stops_the_repair_with_nothing_changed(backend):
    write(stacks(backend) / f"{STACK}.json", b'{"version": 3, "checkp')
    sidecar = write(stacks(backend) / f"{STACK}.json.attrs", b"")
    with pytest.raises(file_backend.CheckpointUnreadable, match=f"{STACK}.json does not parse"):
        file_backend.repair(backend, PROJECT, STACK)
    assert sidecar.exists()


def test_a_gzip_checkpoint_is_read_through_gzip(tmp_path):
    write(stacks(tmp_path) / f"{STACK}.json.gz", gzip.compress(json.dumps(CHECKPOINT).encode()))
    sidecar = write(stacks(tmp_path) / f"{STACK}.json.gz.attrs", b"")
    assert file_backend.repair(tmp_path, PROJECT, STACK).removed == [sidecar]


@pytest.mark.parametrize(
    "url, root",
    [
        ("file:///var/state", Path("/var/state")),
        ("file:///var/state?no_tmp_dir=true", Path("/var/state")),
        ("file://~", Path.home()),
        ("file://~/state", Path.home() / "state"),
        ("s3://bucket/state", None),
        ("https://api.pulumi.com", None),
    ],
)
def test_only_file_backends_have_a_folder(url, root):
    assert file_backend.root_of(url) == root
