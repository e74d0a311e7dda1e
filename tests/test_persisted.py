"""Saved temporal facts: reopened and caught up, they answer as a fresh build (invariant 9)."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_facts import Amended, Facts, Started, Stopped, histories, registry, when
from timeline import (
    Change,
    Log,
    ManualClock,
    Record,
    SnapshotIgnoredWarning,
    TemporalFacts,
    ends,
    starts,
    tables,
)
from timeline import facts as seam
from timeline.facts import IntervalSet
from timeline.stores import JsonLinesStore, MemoryStore, SQLiteStore, verify
from timeline.testing import intervals, moments, play

WIDE = ("1990-01-01", "2040-01-01")
# These properties build, save and compare whole indexes at every known time: half the
# profile's examples keeps the suite near its time budget.
HALF = settings(max_examples=max(settings().max_examples // 2, 20))


def _same_answers(reopened: Facts, fresh: Facts, log: Log, at: object) -> None:
    """Every question, at every known time of the log, gets the same answer from both."""
    fresh.catch_up()
    assert reopened.keys() == fresh.keys()
    assert len(reopened) == len(fresh)
    assert reopened.unmatched() == fresh.unmatched()
    for known in sorted({record.known_at for record in log}):
        assert reopened.at(at, known=known) == fresh.at(at, known=known)
        assert reopened.during(*WIDE, known=known) == fresh.during(*WIDE, known=known)
        assert reopened.changes(*WIDE, known=known) == fresh.changes(*WIDE, known=known)
        for key in fresh.keys():
            assert reopened.history(key, known=known) == fresh.history(key, known=known)
    for key in fresh.keys():
        assert reopened.versions(key) == fresh.versions(key)


@HALF
@given(histories, st.lists(st.integers(0, 10), max_size=3), when, st.booleans())
def test_reopened_and_caught_up_equals_a_fresh_build_at_every_known_time(
    schedule, cuts, at, compacted
):
    """Invariant 9: saved at any points, reopened, caught up: the answers of a fresh build.

    The histories have late records (valid times in the past), retractions and
    corrections, before and after each save. A save compacts the rows filed since the
    last compaction only if they are many (``compacted``: more of them than a quarter
    of the rest, however few), else saves them as they are: either way the reopened
    index answers the same.
    """
    steps = list(schedule.steps)
    with tempfile.TemporaryDirectory() as folder:
        log = play([], store=SQLiteStore(Path(folder) / "f.sqlite", durability="normal"))
        log = Log(log.store, clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
        done, saved = 0, 0
        for cut in sorted({min(cut, len(steps)) for cut in cuts}):
            play(steps[done:cut], log=log)
            done = cut
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a state saved here is always usable
                facts = Facts.from_snapshot(log)
            assert facts.position == saved
            kept = seam._tuning.COMPACT
            seam._tuning.COMPACT = -1 if compacted else kept  # -1: every tail is long
            try:
                facts.save_snapshot()
            finally:
                seam._tuning.COMPACT = kept
            saved = log.last_position
        play(steps[done:], log=log)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            reopened = Facts.from_snapshot(log)
        assert reopened.position == saved  # it starts where it was saved, not from scratch
        _same_answers(reopened, Facts(log), log, at)
        log.close()


def _saved_log(path: Path) -> Log:
    log = Log(SQLiteStore(path), clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    for n in range(12):
        log.append(Started(key=f"k{n % 4}", label=str(n)), valid=f"2024-0{1 + n % 9}")
        log.append(Stopped(key=f"k{n % 4}"), valid=f"2024-0{1 + n % 9}-2{n % 8}")
    log.retract(log[3])
    assert Facts(log).save_snapshot()
    return log


def _damage(path: Path, damage: str, name: str | None = None) -> None:
    """Damage the state saved as ``name`` (the index's, by default)."""
    which = (name or Facts.name(),)
    with sqlite3.connect(path) as db:
        if damage == "flipped byte":
            part = bytearray(
                db.execute(
                    "SELECT data FROM timeline_state_parts WHERE name = ?", which
                ).fetchone()[0]
            )
            part[len(part) // 3] ^= 0x10
            db.execute(
                "UPDATE timeline_state_parts SET data = ? WHERE name = ? AND part = 0",
                (bytes(part), *which),
            )
        elif damage == "log moved under it":
            # Another log at the same path: the record under the state is another one.
            db.execute("UPDATE records SET hash = randomblob(32) WHERE position = 25")
        elif damage == "another position":
            db.execute("UPDATE timeline_states SET position = position - 1 WHERE name = ?", which)
        elif damage == "missing part":
            db.execute("DELETE FROM timeline_state_parts WHERE part = 0 AND name = ?", which)
        elif damage == "description changed":
            # A count in the description, not the arrays: answers would change as surely.
            meta = json.loads(
                db.execute("SELECT meta FROM timeline_states WHERE name = ?", which).fetchone()[0]
            )
            meta["position" if "cells" in meta and "current" not in meta else "current"] += 1
            db.execute(
                "UPDATE timeline_states SET meta = ? WHERE name = ?", (json.dumps(meta), *which)
            )
        elif damage == "description unreadable":
            db.execute("UPDATE timeline_states SET meta = '{\"format\": ' WHERE name = ?", which)
        elif damage == "gone":
            db.execute("DELETE FROM timeline_states WHERE name = ?", which)


class NewerFacts(Facts):
    """The same projection with changed handlers: a state of version 1 is not its own."""

    version = 2

    @classmethod
    def name(cls) -> str:
        return Facts.name()


@pytest.mark.parametrize(
    "damage",
    [
        "flipped byte",
        "log moved under it",
        "another position",
        "missing part",
        "description changed",
        "description unreadable",
        "stale version",
    ],
)
def test_a_saved_state_that_does_not_match_is_rebuilt_never_used(tmp_path, damage, caplog):
    """Each check matters: without it, the damaged state would be used (the control below)."""
    path = tmp_path / "facts.sqlite"
    _saved_log(path).close()
    _damage(path, damage)
    log = Log(SQLiteStore(path), registry=registry)
    kind = NewerFacts if damage == "stale version" else Facts
    with pytest.warns(SnapshotIgnoredWarning, match="not used"):
        facts = kind.from_snapshot(log)
    assert "not used" in caplog.text
    assert facts.position == 0  # started over, not from the saved state
    fresh = Facts(log)
    fresh.catch_up()
    assert facts.at("2024-03") == fresh.at("2024-03")
    assert facts.history("k1") == fresh.history("k1")
    problems = verify(log.store).problems
    # A version is the projection's (in code), not the store's: verify cannot judge it.
    assert any(p.kind == "snapshot" for p in problems) == (damage != "stale version")


@pytest.mark.parametrize(
    "damage",
    ["flipped byte", "another position", "missing part", "description changed", "gone"],
)
def test_saved_cells_that_do_not_match_are_not_used_and_rows_come_from_records(
    tmp_path, damage, caplog
):
    """The index is used; its table rows are made from the records, the same, saying why."""
    path = tmp_path / "facts.sqlite"
    _saved_log(path).close()
    _damage(path, damage, Facts.name() + " cells")
    log = Log(SQLiteStore(path), registry=registry)
    found = [p.message for p in verify(log.store).problems]
    # verify checks the cells' own seal, and that the index's companion is there and its own
    assert any("cells" in message for message in found)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        facts = Facts.from_snapshot(log)  # the cells are read only when a row needs them
    assert facts.position == log.last_position
    fresh = Facts(log)
    with pytest.warns(SnapshotIgnoredWarning, match="saved cells .* not used"):
        rows = tables.rows(facts.at("2024-03"))
    assert rows == tables.rows(fresh.at("2024-03"))
    assert "saved cells" in caplog.text
    assert facts.save_snapshot()  # saved again: the cells with it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = Facts.from_snapshot(log)
        assert tables.rows(again.at("2024-03")) == rows
    problems = verify(log.store).problems
    assert not problems


def test_a_sound_saved_state_is_used_and_read_only_the_tail(tmp_path):
    """The control: an untouched state is used, and only records after it are read."""
    path = tmp_path / "facts.sqlite"
    _saved_log(path).close()
    log = Log(SQLiteStore(path, read_only=True), registry=registry)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        facts = Facts.from_snapshot(log)
    assert facts.position == log.last_position
    assert facts.catch_up() == 0
    assert verify(log.store).ok
    assert facts.at("2024-03") == Facts(log).at("2024-03")


def test_a_later_save_replaces_an_earlier_one_but_never_a_later_one(tmp_path):
    """Two savers: the state saved furthest along stays; nothing is torn."""
    path = tmp_path / "facts.sqlite"
    log = _saved_log(path)
    behind = Facts(log)
    behind.catch_up()
    log.append(Started(key="k9", label="late"), valid="2023")
    ahead = Facts.from_snapshot(log)
    assert ahead.save_snapshot()
    older = behind._dump()[:2]
    assert not log.store.save_state(Facts.name(), behind.position, *older)
    assert Facts.from_snapshot(log).position == log.last_position


def _save_in_a_loop(path: str, rounds: int, seed: int) -> None:
    log = Log(SQLiteStore(Path(path)), clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    for n in range(rounds):
        facts = Facts.from_snapshot(log)
        log.append(Started(key=f"p{seed}-{n % 3}", label=str(n)), valid=f"20{10 + n % 10}")
        facts.save_snapshot()
    log.close()


def test_processes_saving_and_reading_at_once_leave_a_sound_state(tmp_path):
    """Two processes catch up and save the same state while this one reads it."""
    path = tmp_path / "facts.sqlite"
    _saved_log(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_save_in_a_loop, args=(str(path), 15, seed)) for seed in (1, 2)
    ]
    for worker in workers:
        worker.start()
    log = Log(SQLiteStore(path, read_only=True), registry=registry)
    reads = 0
    while any(worker.is_alive() for worker in workers) or reads < 5:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a torn state would be refused, with a warning
            facts = Facts.from_snapshot(log)
        assert facts.position > 0
        reads += 1
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    facts = Facts.from_snapshot(log)
    fresh = Facts(log)
    assert facts.keys() == fresh.keys()
    assert facts.during(*WIDE) == fresh.during(*WIDE)
    assert verify(log.store).ok


def test_what_each_store_keeps(tmp_path):
    """SQLite and memory stores keep saved states; a JSON Lines store keeps none."""
    memory = Log(MemoryStore(), registry=registry)
    memory.append(Started(key="k", label="x"), valid="2024")
    assert Facts(memory).save_snapshot()
    assert Facts.from_snapshot(memory).position == 1
    jsonl = Log(JsonLinesStore(tmp_path / "f.jsonl"), registry=registry)
    jsonl.append(Started(key="k", label="x"), valid="2024")
    assert not Facts(jsonl).save_snapshot()
    assert Facts.from_snapshot(jsonl).position == 0


@HALF
@given(histories, when)
def test_compacting_after_every_catch_up_changes_no_answer(schedule, at):
    """Renumbered in key order after each step, the facts answer as a fresh build.

    An answer taken before a compaction, read after it, still shows what it found.
    """
    log = play([], registry=registry)
    live = Facts(log)
    kept = []
    for step in schedule.steps:
        kept.append((log.last_position, live.at(at)))  # read after later compactions
        play([step], log=log)
        live.catch_up()
        live._compact()
    for position, answer in kept:
        cut = Log(registry=registry)
        cut.store.append(list(log.store.read(stop=position + 1)), expected_position=0)
        assert list(answer) == list(Facts(cut).at(at))
    fresh = Facts(log)
    assert live.at(at) == fresh.at(at)
    for key in fresh.keys():
        assert live.history(key) == fresh.history(key)
    assert live.changes(*WIDE) == fresh.changes(*WIDE)


def test_a_state_cut_in_many_parts_reads_back_whole(tmp_path, monkeypatch):
    """Parts are cut where array items end; each array is read back from its own parts."""
    monkeypatch.setattr(seam._tuning, "PART", 20)  # 16 bytes of int64, 20 of int32, 20 of bytes
    log = _saved_log(tmp_path / "facts.sqlite")
    assert len(list(log.store.load_state(Facts.name())[2])) > 50
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reopened = Facts.from_snapshot(log)
    assert reopened.position == log.last_position
    fresh = Facts(log)
    assert reopened.during(*WIDE) == fresh.during(*WIDE)
    assert [reopened.history(key) for key in fresh.keys()] == [
        fresh.history(key) for key in fresh.keys()
    ]


def _file_both_ways(log: Log) -> tuple[Facts, Facts]:
    """Build the facts the simple way and the general way only; check their rows are equal."""
    simple = Facts(log)
    simple.catch_up()
    general = Facts(log)
    seam._tuning.SIMPLE = False
    try:
        general.catch_up()
    finally:
        seam._tuning.SIMPLE = True
    assert simple._keys == general._keys
    for name in seam._Rows.NAMES:
        assert getattr(simple._rows, name) == getattr(general._rows, name), name
    return simple, general


@given(histories)
def test_the_simple_way_files_what_the_general_way_files(schedule):
    """New keys' simple spells, filed without building them, make the very same rows."""
    _file_both_ways(play(schedule, registry=registry))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["kp", "ru", "ua", "by"]),
            moments(min_year=2020, max_year=2022),
            st.none() | moments(min_year=2020, max_year=2022) | intervals(),
            st.booleans(),
        ),
        max_size=6,
    )
)
def test_starts_and_ends_in_one_batch_file_the_same_rows_either_way(pairs):
    """A batch of new keys' starts and ends (some ending before they start, some not at all)."""
    log = Log(clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    entries = []
    for key, start, end, end_first in pairs:
        begin = log.entry(Started(key=key, label="x"), valid=start)
        finish = [] if end is None else [log.entry(Stopped(key=key), valid=end)]
        entries.extend([*finish, begin] if end_first else [begin, *finish])
    if entries:
        log.extend(entries)
    simple, general = _file_both_ways(log)
    assert simple.at("2021") == general.at("2021")


class Designations(TemporalFacts):
    """Facts named by a label: an end of another fact of the key does not end this one."""

    @starts(Started)
    def started(self, record: Record) -> Change:
        return Change(record.event.key, fact=record.event.label)

    @ends(Amended)
    def ended(self, record: Record) -> Change:
        return Change(record.event.key, fact=record.event.label)


@pytest.mark.parametrize("label", ["a", "b"])
def test_an_end_of_another_fact_in_the_same_batch_ends_nothing(label):
    """The simple way takes an end only if it names the fact the start began."""
    log = Log(clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    log.extend(
        [
            log.entry(Started(key="kp", label="a"), valid="2021-01"),
            log.entry(Amended(key="kp", label=label), valid="2021-06"),
        ]
    )
    (spell,) = Designations(log).history("kp")
    assert (str(spell.end) == "2021-06") == (label == "a")
    assert Designations(log).unmatched() == ([] if label == "a" else [log[2]])
    # The index agrees: still in force later only if nothing ended it.
    assert Designations(log).at("2022").keys() == ([] if label == "a" else ["kp"])


def _entries(intervals: IntervalSet) -> list[tuple[int, int, int]]:
    """What a set holds: (low, high, row) of every live entry."""
    intervals.flush()
    return sorted(
        (low, high, row)
        for level in intervals._levels
        for lows, highs, rows in level.values()
        for low, high, row in zip(lows, highs, rows, strict=True)
        if row not in intervals._dead
    )


@HALF
@given(histories, st.lists(st.integers(0, 10), max_size=3), when)
def test_sets_made_from_the_rows_at_once_hold_what_filing_row_by_row_holds(schedule, cuts, at):
    """A long catch-up makes the interval sets from the rows at its end: the same sets."""
    steps = list(schedule.steps)
    log = play([], registry=registry)
    by_row, at_once = Facts(log), Facts(log)
    done = 0
    for cut in [*sorted({min(cut, len(steps)) for cut in cuts}), len(steps)]:
        play(steps[done:cut], log=log)
        done = cut
        for facts, threshold in ((by_row, 1 << 30), (at_once, -1)):
            saved = seam._tuning.COMPACT
            seam._tuning.COMPACT = threshold  # -1: every catch-up of more than a quarter is long
            try:
                facts.catch_up()
            finally:
                seam._tuning.COMPACT = saved
        made = seam._sets_of(by_row._rows)
        for name, filed in by_row._sets.items():
            assert _entries(filed) == _entries(made[name]), name
    _same_answers(at_once, by_row, log, at)
