"""A load streamed a part at a time: the same log as a load taken whole, all or nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeline._loading
from timeline import Log, ManualClock, SourceFileError, load_jsonl
from timeline._cli import main
from timeline.sanctions import SanctionsInForce
from timeline.stores import MemoryStore, SQLiteStore, verify

SPEAKERS = ["White House", "Kremlin", "Antony Blinken"]

# A seed-shaped line: a statement (or a designation), with or without its own id and
# known time; hypothesis repeats lines on purpose (copies get ids of their own).
_lines = st.lists(
    st.tuples(
        st.sampled_from(SPEAKERS),
        st.sampled_from(["2023", "2023-09", "2024-01-04", "2022-02/.."]),
        st.integers(0, 3),  # the known time: a day of January 2024, in order below
        st.booleans(),  # give an id of its own
        st.booleans(),  # a designation rather than a statement
    ),
    max_size=14,
)


def _write(path: Path, drawn: list[tuple[str, str, int, bool, bool]], ids: st.DataObject) -> None:
    days = sorted(day for _, _, day, _, _ in drawn)
    with path.open("w") as out:
        for (speaker, valid, _, own_id, designation), day in zip(drawn, days, strict=True):
            if designation:
                data = {
                    "authority": "United States",
                    "target": {"kind": "entity", "name": speaker},
                }
                line = {"type": "sanctions.designated", "data": data, "subject": speaker}
            else:
                data = {"about": "arms", "speaker": speaker, "text": "said"}
                line = {"type": "events.statement", "data": data}
            line["valid"] = valid
            line["known_at"] = f"2024-01-0{day + 1}T00:00:00Z"
            if own_id:
                line["id"] = str(ids.draw(st.uuids(version=4)))
            out.write(json.dumps(line) + "\n")


def _stored(log: Log) -> list[tuple[object, ...]]:
    return [
        (r.position, r.id, r.known_at, r.event, r.valid, r.subject, r.provenance, r.hash)
        for r in log.read()
    ]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_lines, st.integers(1, 4), st.integers(0, 14), st.data())
def test_a_load_in_parts_makes_the_log_a_whole_load_makes(
    tmp_path_factory, drawn, part, first, data
):
    """On SQLite a load is written PART lines at a time; in memory, whole: the same records.

    Run twice over a prefix and then the whole file (a load run again after a
    shorter one), both ways: the same records, the same hashes, the same counts.
    """
    folder = tmp_path_factory.mktemp("load")
    path = folder / "lines.jsonl"
    _write(path, drawn, data)
    prefix = folder / "prefix.jsonl"
    prefix.write_text("".join(path.read_text().splitlines(keepends=True)[:first]))
    clock = ManualClock("2024-01-01T00:00:00Z")
    streamed = Log(SQLiteStore(folder / "log.sqlite"), clock=clock)
    whole = Log(MemoryStore(), clock=clock)
    original = timeline._loading.PART
    timeline._loading.PART = part
    try:
        counts = []
        for log in (streamed, whole):
            early = load_jsonl(prefix, log)
            later = load_jsonl(path, log, keep_records=log is whole)
            counts.append((len(early), early.skipped, len(later), later.skipped))
    finally:
        timeline._loading.PART = original
    assert counts[0] == counts[1]
    assert counts[0][2] + counts[0][3] == len(drawn)
    assert _stored(streamed) == _stored(whole)
    assert verify(streamed.store).ok


def _statements(path: Path, count: int, *, bad_at: int | None = None) -> None:
    with path.open("w") as out:
        for number in range(count):
            data = {"about": "arms", "speaker": "White House", "text": f"said {number}"}
            if number == bad_at:
                data["volume"] = 11  # no such field
            line = {"type": "events.statement", "data": data, "valid": "2024"}
            out.write(json.dumps({**line, "known_at": "2024-01-02T00:00:00Z"}) + "\n")


def test_a_bad_line_after_parts_were_written_leaves_the_log_as_it_was(tmp_path, monkeypatch):
    """Parts written before a bad line are rolled back with it: the store is as it was."""
    monkeypatch.setattr(timeline._loading, "PART", 3)
    store = SQLiteStore(tmp_path / "log.sqlite")
    log = Log(store)
    good = tmp_path / "good.jsonl"
    _statements(good, 4)
    load_jsonl(good, log)
    head = store.head()
    bad = tmp_path / "bad.jsonl"
    _statements(bad, 20, bad_at=17)
    with pytest.raises(SourceFileError, match=r"bad\.jsonl:18: .*volume"):
        load_jsonl(bad, log)
    assert store.head() == head
    assert len(list(log.read())) == 4
    assert verify(store).ok
    _statements(bad, 20)  # mended: the 4 lines it shares with good.jsonl are skipped
    loaded = load_jsonl(bad, log, keep_records=False)
    assert (len(loaded), loaded.skipped, loaded.records) == (16, 4, ())
    assert log.last_position == 20


def test_a_line_whose_id_is_in_the_log_with_other_content_is_refused(tmp_path, monkeypatch):
    """A rerun in parts still compares a line's own id with what the log holds there."""
    monkeypatch.setattr(timeline._loading, "PART", 2)
    log = Log(SQLiteStore(tmp_path / "log.sqlite"))
    line = {
        "type": "events.statement",
        "valid": "2024",
        "id": "6f1c1a0e-4f7e-4a43-8a4b-0d1e2f3a4b5c",
        "known_at": "2024-01-01T00:00:00Z",
    }
    data = {"about": "arms", "speaker": "White House", "text": "said"}
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({**line, "data": data}) + "\n")
    load_jsonl(first, log)
    changed = tmp_path / "changed.jsonl"
    _statements(changed, 3)
    with changed.open("a") as out:
        changed_line = {
            **line,
            "data": {**data, "text": "unsaid"},
            "known_at": "2024-01-03T00:00:00Z",
        }
        out.write(json.dumps(changed_line) + "\n")
    with pytest.raises(SourceFileError, match=r"changed\.jsonl:4: id .* with other content"):
        load_jsonl(changed, log)
    assert log.last_position == 1


@pytest.mark.parametrize("suffix", [".sqlite", ".jsonl"])
def test_a_failed_load_into_a_new_store_leaves_no_file_behind(tmp_path, capsys, suffix):
    """A new store is built aside (SQLite) or the file checked first (JSON Lines): no file."""
    bad = tmp_path / "in.jsonl"
    _statements(bad, 30, bad_at=25)
    store = tmp_path / "out" / f"log{suffix}"
    store.parent.mkdir()
    assert main(["--store", str(store), "load", str(bad)]) == 1
    assert "in.jsonl:26" in capsys.readouterr().err
    assert list(store.parent.iterdir()) == []


def test_a_load_into_a_new_store_is_one_pass_and_answers(tmp_path, capsys):
    """A load into a new SQLite store: all of it there, the facts saved, nothing left aside."""
    lines = tmp_path / "in.jsonl"
    _statements(lines, 30)
    store = tmp_path / "out" / "log.sqlite"
    store.parent.mkdir()
    assert main(["--store", str(store), "load", str(lines)]) == 0
    assert capsys.readouterr().out == f"loaded 30 records from {lines} into {store}\n"
    assert [path.name for path in store.parent.iterdir()] == ["log.sqlite"]
    assert main(["--store", str(store), "load", str(lines)]) == 0
    assert "(30 already there, skipped)" in capsys.readouterr().out
    assert verify(SQLiteStore(store, read_only=True)).ok


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("the store's files are POSIX-shaped here")


def test_a_catch_up_tells_its_progress_and_is_done_only_when_done(tmp_path):
    """progress(read, coming): never backwards, short of done until the index is made."""
    log = Log(SQLiteStore(tmp_path / "log.sqlite"))
    lines = tmp_path / "in.jsonl"
    with lines.open("w") as out:
        for number in range(40):
            target = {"kind": "entity", "name": f"Target {number % 7}"}
            data = {"authority": "United States", "target": target}
            known = f"2024-01-{number // 4 + 1:02d}T00:00:00Z"
            line = {"type": "sanctions.designated", "data": data, "valid": "2023/.."}
            out.write(json.dumps({**line, "known_at": known}) + "\n")
    memory = Log(MemoryStore())
    for each in (log, memory):  # the rows lane, and the records lane
        load_jsonl(lines, each)
    for facts in (SanctionsInForce(log), SanctionsInForce(memory)):
        told: list[tuple[int, int]] = []
        read = facts.catch_up(progress=lambda done, total, told=told: told.append((done, total)))
        assert read == 40
        assert told[-1] == (40, 40)
        assert all(done < total for done, total in told[:-1])
        assert [done for done, _ in told] == sorted(done for done, _ in told)
        assert len(told) > 2  # a step a known time, not one at the end


def test_load_draws_its_phases_with_progress_and_nothing_when_quiet(tmp_path, capsys, monkeypatch):
    """--progress draws loading and indexing, each to its total; --quiet draws nothing."""
    monkeypatch.setattr("timeline._cli._index._SLOW_CATCH_UP", 1)
    lines = tmp_path / "in.jsonl"
    _statements(lines, 30)
    assert main(["--store", str(tmp_path / "a.sqlite"), "load", str(lines), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "loading in.jsonl" in err
    assert "30/30" in err
    assert "indexing 30 records" in err
    assert main(["--store", str(tmp_path / "b.sqlite"), "load", str(lines), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["--store", str(tmp_path / "b.sqlite"), "at", "2024", "--progress"]) == 0
    assert "indexing" not in capsys.readouterr().err  # the saved index is at the head


def test_a_file_whose_last_line_has_no_newline_counts_it_in_the_total(tmp_path, capsys):
    """The loading phase's total is the file's lines, the last one without its newline too."""
    lines = tmp_path / "in.jsonl"
    _statements(lines, 12)
    lines.write_text(lines.read_text().rstrip("\n"))
    assert main(["--store", str(tmp_path / "a.sqlite"), "load", str(lines), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "12/12" in err
    assert "12/11" not in err
