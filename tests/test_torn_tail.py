"""A JSON Lines store cut at every byte of its last two batches: read, verified, repaired, written.

A kill can stop a write at any byte. Whatever byte it stopped at, what was
committed before stays readable, the torn batch is never read as data, its
byte range is reported exactly, reading changes nothing, and after a repair
the next write leaves a sound file -- including a cut just before a commit
line's newline, where the commit is complete JSON but not yet a line.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

from test_facts import Started, registry
from timeline import CorruptStoreError, Log, ManualClock
from timeline.stores import Damage, JsonLinesStore, TornWriteWarning, repair, verify


def _whole(path) -> tuple[bytes, list[int], list[int]]:
    """A store of three batches (2, 1 and 2 records): its bytes, each batch's end, last position."""
    log = Log(JsonLinesStore(path), clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    ends, lasts = [], []
    for keys in (["kp", "ru"], ["ua"], ["by", "ir"]):
        log.extend([Log.entry(Started(key=k, label="x"), valid="2024-01-11") for k in keys])
        ends.append(path.stat().st_size)
        lasts.append(log.last_position)
    log.close()
    return path.read_bytes(), ends, lasts


def _open(path) -> tuple[JsonLinesStore, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        store = JsonLinesStore(path, durability="normal")
    return store, list(said)


@pytest.fixture
def folder(tmp_path):
    """A scratch folder in memory where the machine has one: a repair syncs twice, per cut."""
    shm = Path("/dev/shm")  # noqa: S108 -- a private folder made inside it, removed after
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    made = Path(tempfile.mkdtemp(dir=shm, prefix="timeline-torn-"))
    try:
        yield made
    finally:
        shutil.rmtree(made)


def test_every_cut_of_the_last_two_batches(folder):
    """Each byte offset, newlines' edges included: exactly the committed batches, then sound."""
    whole, ends, lasts = _whole(folder / "whole.jsonl")
    newlines = [i + 1 for i, byte in enumerate(whole) if byte == ord("\n") and i + 1 > ends[0]]
    cuts = range(ends[0], len(whole) + 1)
    assert {n for line_end in newlines for n in (line_end - 1, line_end)} <= set(cuts)
    for cut in cuts:
        (folder / str(cut)).mkdir()
        path = folder / str(cut) / "log.jsonl"
        path.write_bytes(whole[:cut])
        kept = max(end for end in ends if end <= cut)  # the end of the last whole batch
        last = lasts[ends.index(kept)]
        torn = cut - kept
        expected = None
        if torn:
            first_line = whole[:kept].count(b"\n") + 1
            expected = Damage(first_line=first_line, offset=kept, size=torn)

        store, said = _open(path)
        assert store.damage == expected, cut
        assert [type(w.message) for w in said] == ([TornWriteWarning] if torn else []), cut
        if torn:
            assert f"from line {first_line} (bytes {kept}-{cut - 1})" in str(said[0].message)
        assert [r.position for r in store.read()] == list(range(1, last + 1)), cut
        log = Log(store, registry=registry)
        assert [r.event.key for r in log] == ["kp", "ru", "ua", "by", "ir"][:last], cut
        checked = verify(store)
        assert (checked.records, checked.head.position) == (last, last), cut
        assert checked.ok is not torn, cut
        if torn:
            assert [p.message for p in checked.problems] == [str(expected)], cut
        if torn:
            with pytest.raises(CorruptStoreError, match="repair"):
                log.append(Started(key="xx", label="x"), valid="2024")
        assert path.read_bytes() == whole[:cut], cut  # reading and refusing wrote nothing

        said_repair = repair(store)
        sides = list(path.parent.glob("log.jsonl.cut-*"))
        if torn:
            assert f"from line {first_line} ({torn} bytes)" in (said_repair or ""), cut
            assert [side.read_bytes() for side in sides] == [whole[kept:cut]], cut
        else:
            assert (said_repair, sides) == (None, []), cut
        assert path.read_bytes() == whole[:kept], cut
        assert store.damage is None, cut

        log.append(Started(key="zz", label="y"), valid="2024", known="2024-02-01T00:00:00Z")
        store.close()
        again, said = _open(path)
        assert (said, again.damage) == ([], None), cut
        assert [r.position for r in again.read()] == list(range(1, last + 2)), cut
        (appended,) = again.read(last + 1)
        assert json.loads(appended.body)["data"] == {"key": "zz", "label": "y"}, cut
        assert verify(again).ok, cut
        assert path.read_bytes().startswith(whole[:kept]), cut
