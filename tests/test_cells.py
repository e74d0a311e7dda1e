"""Rows without records: an answer's table rows come from what the index keeps per row.

Each index row keeps what its spell's table row shows (``facts._cells``), so
:func:`timeline.tables.rows` and the command's rows of an answer read no
record. Whatever the log holds -- lifts, retractions, corrections, sources
that disagree, floating dates, known times -- and wherever the index was
built (in memory, saved and caught up), those rows are the rows made from
the spells, read back from the log.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_filters import ASKED, Companies, CompanyDelisted, CompanyListed, _logged, operations
from timeline import (
    Change,
    Hit,
    Log,
    Provenance,
    SnapshotIgnoredWarning,
    TemporalFacts,
    starts,
    tables,
)
from timeline._cli import main
from timeline._cli._rows import designation, hit_row
from timeline.facts import _tuning
from timeline.facts._rows import _Asked
from timeline.sanctions import Designated, Lifted, SanctionsInForce, Target, TargetKind
from timeline.stores import SQLiteStore

ZONES = ["UTC", "America/New_York", "Asia/Tokyo"]


def _by_hand(hits: Any) -> list[Hit]:
    """The hits made anew from their spells: their rows are made the long way."""
    return [Hit(hit.spell, hit.answer) for hit in hits]


@contextlib.contextmanager
def _no_records_read(facts: TemporalFacts):
    """Fail if the facts read a spell back from the log inside the block."""

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("a record was read to make a table row")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(facts, "_spells_of_keys", refused)
        patch.setattr(facts, "_spells", refused)
        yield


def _check(facts: TemporalFacts, valid: str, known: str | None, tz: str) -> None:
    answer = facts.at(valid, known=known)
    with _no_records_read(facts):
        kept = tables.rows(answer, tz=tz)
        if tz == "UTC":
            shown = [hit_row(hit) for hit in answer]
    made = _by_hand(answer)
    assert kept == tables.rows(made, tz=tz)
    if tz == "UTC":
        assert shown == [
            {**tables.rows([hit])[0], "designation": designation(hit.spell)} for hit in made
        ]
        assert [list(row) for row in shown] == [list(hit_row(hit)) for hit in made]


@given(
    operations().flatmap(
        lambda steps: st.tuples(
            st.just(steps),
            st.sampled_from(ASKED),
            st.one_of(st.none(), st.integers(1, len(steps)).map(lambda d: f"2025-01-{d:02d}")),
            st.sampled_from(ZONES),
        )
    )
)
def test_an_answers_rows_are_those_of_its_spells_and_read_no_record(case):
    steps, valid, known, tz = case
    log = _logged(Log(), steps)
    _check(SanctionsInForce(log), valid, known, tz)


designations = st.lists(
    st.tuples(
        st.sampled_from(["Acme", "Borealis", "Cygnus", "Delta"]),
        st.sampled_from(["EU", "US Treasury"]),
        st.sampled_from(["2019", "2020-03", "2020-06-01", "2021"]),
        st.sampled_from([None, "2020", "2020-07", "2022-01-01", "2018"]),
        st.sampled_from([None, "Reuters", "OFAC"]),
    ),
    max_size=8,
)


@given(designations, st.sampled_from(ASKED), st.sampled_from(ZONES), st.booleans())
def test_new_keys_filed_without_a_spell_keep_the_rows_of_their_spells(batch, valid, tz, split):
    """Designations lifted in the batch that lists them: the plain spells filed from records."""
    log = Log()
    entries = []
    for number, (name, authority, start, end, source) in enumerate(batch):
        target = Target(name=name, kind=TargetKind.COMPANY)
        named = f"D{number}" if number % 3 else None  # else: named by its record's id
        event = Designated(target=target, authority=authority, designation=named)
        said = None if source is None else Provenance(source=source)
        entries.append(log.entry(event, valid=start, provenance=said))
        if end is not None:  # a lift of the one designation, or of every one of the target
            lift = Lifted(target=name, authority=authority, designation=named, every=not named)
            entries.append(log.entry(lift, valid=end, provenance=said))
    facts = SanctionsInForce(log)
    if split:  # a later batch: keys met before are no longer new
        half = len(entries) // 2
        log.extend(entries[:half], known="2025-01-01")
        facts.catch_up()
        entries = entries[half:]
    log.extend(entries, known="2025-01-02")
    for known in (None, "2025-01-01T12:00:00Z"):
        _check(facts, valid, known, tz)
        _check(SanctionsInForce(log), valid, known, tz)


@contextlib.contextmanager
def _every_cell_read():
    """Answers of any size read the saved cells (not their few rows' records)."""
    before, _tuning.CELL_BYTES_A_ROW = _tuning.CELL_BYTES_A_ROW, 1 << 40
    try:
        yield
    finally:
        _tuning.CELL_BYTES_A_ROW = before


@settings(max_examples=25)
@given(operations(), operations(), st.sampled_from(ASKED), st.sampled_from(ZONES))
def test_a_saved_index_caught_up_keeps_the_rows_of_a_fresh_one(
    tmp_path_factory, first, then, valid, tz
):
    path = tmp_path_factory.mktemp("cells") / "log.sqlite"
    with contextlib.closing(SQLiteStore(path)) as store, _every_cell_read():
        log = _logged(Log(store), first)
        SanctionsInForce(log).save_snapshot()  # compacted: the cells renumbered with the rows
        _logged(log, then, month=3)  # a later batch, fixes and all
        with warnings.catch_warnings():
            warnings.simplefilter("error", SnapshotIgnoredWarning)
            saved = SanctionsInForce.from_snapshot(log)
        fresh = SanctionsInForce(log)
        for known in (None, "2025-01-02", "2025-02-01", "2025-03-02"):
            assert tables.rows(saved.at(valid, known=known), tz=tz) == tables.rows(
                fresh.at(valid, known=known), tz=tz
            )
            _check(saved, valid, known, tz)


@settings(max_examples=20)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Acme", "Borealis", "Cygnus"]),
            st.sampled_from([None, "Heavy Industry", "Shipping"]),
            st.sampled_from(["2020", "2021-05", "2022/.."]),
            st.booleans(),
        ),
        max_size=8,
    ),
    st.sampled_from(ASKED),
)
def test_rows_a_field_rule_read_are_made_from_their_spells_the_same(
    tmp_path_factory, listed, valid
):
    """A field rule's lane reads no attributes: its rows keep no cells, and read their spells."""
    path = tmp_path_factory.mktemp("lanes") / "log.sqlite"
    with contextlib.closing(SQLiteStore(path)) as store:
        log = Log(store)
        for company, sector, when, delisted in listed:
            log.append(CompanyListed(company=company, register="Main", sector=sector), valid=when)
            if delisted:
                log.append(CompanyDelisted(company=company), valid="2023")
        answer = Companies(log).at(valid)
        assert tables.rows(answer) == tables.rows(_by_hand(answer))


class Odd(TemporalFacts):
    """A vocabulary whose attributes msgpack does not hold: a number beyond 64 bits."""

    @starts(Designated)
    def _designated(self, record: Any) -> Any:
        event = record.event
        return Change(event.target.name, attributes={"big": 2**70, "name": event.target.name})


def test_a_row_whose_values_msgpack_does_not_hold_is_made_from_its_spell():
    log = Log()
    for name in ("Acme", "Borealis"):
        target = Target(name=name, kind=TargetKind.COMPANY)
        log.append(Designated(target=target, authority="EU"), valid="2020/..")
    facts = Odd(log)
    answer = facts.at("2021")
    assert all(hit._cells() is None for hit in answer)  # kept none: made the long way
    rows = tables.rows(answer)
    assert rows == tables.rows(_by_hand(answer))
    assert [row["attributes_big"] for row in rows] == [2**70, 2**70]


def test_an_index_saved_without_cells_is_rebuilt_saying_why(tmp_path, monkeypatch):
    with contextlib.closing(SQLiteStore(tmp_path / "log.sqlite")) as store:
        log = Log(store)
        target = Target(name="Acme", kind=TargetKind.COMPANY)
        log.append(Designated(target=target, authority="EU"), valid="2020/..")
        monkeypatch.setattr("timeline.facts._saved.CELLS_FORMAT", None)
        SanctionsInForce(log).save_snapshot()
        monkeypatch.undo()
        with pytest.warns(SnapshotIgnoredWarning, match="kept no cells"):
            facts = SanctionsInForce.from_snapshot(log)
        assert [row["attributes_target"] for row in tables.rows(facts.at("2021"))] == ["Acme"]


def _designations(log: Log, count: int) -> None:
    entries = []
    for number in range(count):
        target = Target(name=f"Target {number}", kind=TargetKind.COMPANY)
        entries.append(log.entry(Designated(target=target, authority="EU"), valid="2020/.."))
    log.extend(entries, known="2025-01-01")


@pytest.mark.parametrize("form", ["csv", "jsonl", "json"])
def test_the_command_writes_its_first_row_before_it_makes_the_last(tmp_path, monkeypatch, form):
    """`timeline at` streams every format: a row is written as it is made (CSV's header first)."""
    path = tmp_path / "log.sqlite"
    with contextlib.closing(SQLiteStore(path)) as store:
        _designations(Log(store), 300)
    made: list[int] = []
    make = _Asked.hit
    monkeypatch.setattr(_Asked, "hit", lambda asked, row: made.append(row) or make(asked, row))
    seen: list[int] = []  # how many hits were made at each write
    out = io.StringIO()
    write = out.write
    monkeypatch.setattr(out, "write", lambda text: seen.append(len(made)) or write(text))
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["--store", str(path), "--format", form, "at", "2021"]) == 0
    assert len(made) == 300
    assert seen[0] <= 1  # the header (or the document's head) before the second hit is made
    assert any(count < 300 for count in seen[1:])  # rows out before the last is made


def test_a_csv_answer_has_the_same_header_whatever_it_holds(tmp_path, capsys):
    """Every column a hit of the vocabulary may have: an empty answer, a full one, a filtered."""
    path = tmp_path / "log.sqlite"
    with contextlib.closing(SQLiteStore(path)) as store:
        log = Log(store)
        _designations(log, 3)
        target = Target(name="Aliased", kind=TargetKind.COMPANY, aliases=("Other",))
        log.append(Designated(target=target, authority="EU"), valid="2023/..")
    headers = []
    for asked in (["at", "1990"], ["at", "2021"], ["at", "2024"], ["at", "2024", "--target", "x"]):
        assert main(["--store", str(path), "--format", "csv", *asked]) == 0
        headers.append(capsys.readouterr().out.splitlines()[0])
    assert len(set(headers)) == 1
    assert "attributes_aliases" in headers[0].split(",")


def test_a_small_answer_reads_its_records_not_every_saved_cell(tmp_path, monkeypatch):
    """Reading every saved cell is worth it for an answer of many rows, not for a few."""
    path = tmp_path / "log.sqlite"
    with contextlib.closing(SQLiteStore(path)) as store:
        log = Log(store)
        _designations(log, 300)
        SanctionsInForce(log).save_snapshot()
        size = json.loads(store.load_state(SanctionsInForce.name())[1])["cells"]["bytes"]
        monkeypatch.setattr(_tuning, "CELL_BYTES_A_ROW", size // 10)  # ten rows or more
        reads: list[int] = []
        read = SanctionsInForce._read_cells
        monkeypatch.setattr(
            SanctionsInForce,
            "_read_cells",
            lambda facts, expected: reads.append(1) or read(facts, expected),
        )
        facts = SanctionsInForce.from_snapshot(log)
        few = tables.rows(facts.in_force("2021", target="Target 7"))
        assert (len(few), reads) == (1, [])  # its one spell read from its records
        many = tables.rows(facts.at("2021"))
        assert (len(many), reads) == (300, [1])
        assert few == [row for row in many if row["attributes_target"] == "Target 7"]
        assert many == tables.rows(SanctionsInForce(log).at("2021"))
