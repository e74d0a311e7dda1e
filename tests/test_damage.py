"""Damage is named where it is: a CorruptStoreError at the position, with the intact prefix."""

from __future__ import annotations

import json
import sqlite3

import pytest

from timeline import CorruptStoreError, Log, ManualClock
from timeline._cli import main
from timeline.events import Statement
from timeline.stores import JsonLinesStore, SQLiteStore, verify

COUNT = 10


def _filled(path):
    log = Log(path, clock=ManualClock("2024-01-12T00:00:00Z"))
    for n in range(COUNT):
        log.append(Statement(speaker="a", text=f"said {n}"), valid="2024")
    heads = [record.hash for record in log.read()]
    log.close()
    return heads


@pytest.mark.parametrize("damaged", [1, 5, COUNT])
def test_sqlite_text_that_is_not_utf8_is_damage_at_its_position(tmp_path, damaged):
    """A record whose stored text is not UTF-8: the records before it read, then the error."""
    path = tmp_path / "log.sqlite"
    hashes = _filled(path)
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE records SET body = CAST(x'7b2264617461223aff7d' AS TEXT) WHERE position = ?",
            (damaged,),
        )
    store = SQLiteStore(path, read_only=True)
    read = []
    with pytest.raises(CorruptStoreError, match=f"record {damaged} is damaged") as caught:
        read.extend(store.read())
    assert caught.value.position == damaged
    assert [r.position for r in read] == list(range(1, damaged))
    found = verify(store)
    assert [(p.kind, p.position) for p in found.problems] == [("chain", damaged)]
    assert found.records == damaged - 1
    if damaged == 1:
        assert found.head is None
    else:
        assert found.head is not None
        assert (found.head.position, found.head.hash) == (damaged - 1, hashes[damaged - 2])
    store.close()


@pytest.mark.parametrize("damaged", [1, 5, COUNT])
def test_a_malformed_line_in_a_committed_batch_names_its_record_and_the_intact_head(
    tmp_path, capsys, damaged
):
    """JSON Lines: the record the line held, and the head of the records before it."""
    path = tmp_path / "log.jsonl"
    hashes = _filled(path)
    lines = path.read_bytes().split(b"\n")
    at = next(
        n
        for n, line in enumerate(lines)
        if line.startswith(b"{") and json.loads(line).get("position") == damaged
    )
    lines[at] = lines[at][:30] + b"\xff\xfe" + lines[at][32:]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(CorruptStoreError, match=f"record {damaged}") as caught:
        JsonLinesStore(path, read_only=True)
    assert caught.value.position == damaged
    head = caught.value.head
    assert (head and (head.position, head.hash)) == (
        None if damaged == 1 else (damaged - 1, hashes[damaged - 2])
    )
    assert main(["--store", str(path), "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["records"] == damaged - 1
    assert report["problems"][0]["position"] == damaged
    assert (report["head"] or "").startswith("" if damaged == 1 else f"{damaged - 1}:")


@pytest.mark.parametrize("count", [0, 999, 2_500])
def test_verify_reports_progress_that_ends_at_its_total(tmp_path, count):
    """The progress of verify counts records read, never past its total, and ends at it."""
    log = Log(SQLiteStore(tmp_path / "s.sqlite"), clock=ManualClock("2024-01-12T00:00:00Z"))
    log.extend([log.entry(Statement(speaker="x", text=str(n)), valid="2024") for n in range(count)])
    calls: list[tuple[int, int]] = []
    result = verify(log.store, progress=lambda done, total: calls.append((done, total)))
    assert result.ok
    assert calls[-1] == (count, count)
    assert all(done <= total == count for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
