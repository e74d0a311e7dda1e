"""Stores: the contract on every store, and what each store promises of its own."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import CorruptStoreError, Log, ManualClock, Registry, StoreError, event
from timeline.stores import (
    JsonLinesStore,
    MemoryStore,
    SQLiteStore,
    TornWriteWarning,
    copy,
    repair,
    verify,
)
from timeline.stores._sqlite import SCHEMA_VERSION
from timeline.testing import PersistentStoreContract, StoreContract

registry = Registry()


@event("test.stores.noted", registry=registry)
class Noted:
    text: str


@event("test.stores.other", registry=registry)
class Other:
    n: int


class TestMemoryStore(StoreContract):
    def make_store(self, folder):
        return MemoryStore()


class TestSQLiteStore(PersistentStoreContract):
    def make_store(self, folder):
        return SQLiteStore(folder / "log.sqlite")

    def reopen(self, store, folder):
        store.close()
        return SQLiteStore(folder / "log.sqlite")


class TestJsonLinesStore(PersistentStoreContract):
    def make_store(self, folder):
        return JsonLinesStore(folder / "log.jsonl")

    def reopen(self, store, folder):
        store.close()
        return JsonLinesStore(folder / "log.jsonl")


def _write(store, count=3):
    log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    for n in range(count):
        log.append(Noted(text=f"note {n}"), valid="2024-01-11", subject="s")
    return log


# -- SQLite ----------------------------------------------------------------------------


def test_sqlite_refuses_files_that_are_not_timeline_stores(tmp_path):
    """Opening another file is a clear error and leaves the file as it was."""
    text = tmp_path / "notes.txt"
    text.write_bytes(b"not a database at all, just some words" * 50)
    before = text.read_bytes()
    with pytest.raises(StoreError, match="not a timeline store"):
        SQLiteStore(text)
    assert text.read_bytes() == before

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    before = other.read_bytes()
    with pytest.raises(StoreError, match="not a timeline store"):
        SQLiteStore(other)
    assert other.read_bytes() == before


def test_sqlite_refuses_a_newer_schema(tmp_path):
    """A file from a newer version of the library is refused, not misread."""
    path = tmp_path / "log.sqlite"
    _write(SQLiteStore(path)).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE timeline_meta SET value = '99' WHERE key = 'schema'")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="schema version 99, newer"):
        SQLiteStore(path)
    assert path.read_bytes() == before


def test_sqlite_is_wal_with_the_chosen_durability(tmp_path):
    """The file is in WAL mode and the durability option is applied."""
    store = SQLiteStore(tmp_path / "log.sqlite", durability="normal")
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert store.schema_version == SCHEMA_VERSION
    store.close()
    with pytest.raises(ValueError, match="durability"):
        SQLiteStore(tmp_path / "x.sqlite", durability="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize("column", ["body", "subject", "known_at", "type", "id", "hash"])
def test_sqlite_detects_a_changed_column(tmp_path, column):
    """Altering any stored field of one record is reported at that record."""
    path = tmp_path / "log.sqlite"
    _write(SQLiteStore(path)).close()
    changes = {
        "body": "UPDATE records SET body = replace(body, 'note 1', 'note 7') WHERE position = 2",
        "subject": "UPDATE records SET subject = 't' WHERE position = 2",
        "known_at": "UPDATE records SET known_at = known_at + 1 WHERE position = 2",
        "type": "INSERT INTO types (name) VALUES ('x.y');"
        " UPDATE records SET type = 2 WHERE position = 2",
        "id": "UPDATE records SET id = randomblob(16) WHERE position = 2",
        "hash": "UPDATE records SET hash = randomblob(32) WHERE position = 2",
    }
    with sqlite3.connect(path) as db:
        db.executescript(changes[column])
    store = SQLiteStore(path)
    result = verify(store)
    store.close()
    assert result.first_bad in (2, 3)  # the record, or (for its hash) the chain after it
    assert not result.ok


# -- JSON Lines --------------------------------------------------------------------------


def test_jsonl_is_readable_and_stable(tmp_path):
    """One canonical record per line, then a commit line; keys in a fixed order."""
    path = tmp_path / "log.jsonl"
    _write(JsonLinesStore(path), count=2)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"timeline": "jsonl", "version": 1}
    record = json.loads(lines[1])
    assert list(record) == sorted(record)
    assert record["body"]["data"] == {"text": "note 0"}
    assert json.loads(lines[2]) == {"commit": 1}
    assert len(lines) == 5


def test_jsonl_torn_tail_is_reported_and_kept_until_repaired(tmp_path):
    """A half-written last batch is left out of reads and reported; only repair cuts it, aside."""
    path = tmp_path / "log.jsonl"
    _write(JsonLinesStore(path))
    intact = list(JsonLinesStore(path).read())
    torn = '{"body":{"data":{"text":"half'
    with path.open("a") as handle:
        handle.write(torn)
    before = path.read_bytes()
    with pytest.warns(TornWriteWarning, match="unfinished batch from line 8"):
        store = JsonLinesStore(path)
    assert list(store.read()) == intact
    assert store.damage is not None
    assert store.damage.size == len(torn)
    result = verify(store)
    assert [p.kind for p in result.problems] == ["structure"]
    assert path.read_bytes() == before  # reading and verifying wrote nothing
    with pytest.raises(CorruptStoreError, match="repair"):
        _write(store, count=1)
    assert path.read_bytes() == before
    said = repair(store)
    assert said is not None
    assert "from line 8 (29 bytes)" in said
    (side,) = tmp_path.glob("log.jsonl.cut-*")
    assert side.read_text() == torn  # what was cut is kept
    assert path.read_bytes() == before[: -len(torn)]
    assert verify(store).ok
    assert repair(store) is None
    _write(store, count=1)  # and it goes on from there
    assert len(list(JsonLinesStore(path).read())) == 4


def test_jsonl_unfinished_batch_without_commit_is_left_out(tmp_path):
    """Complete record lines without their commit line are an unfinished batch."""
    path = tmp_path / "log.jsonl"
    _write(JsonLinesStore(path), count=2)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # drop the last commit line
    before = path.read_bytes()
    with pytest.warns(TornWriteWarning):
        store = JsonLinesStore(path)
    assert [r.position for r in store.read()] == [1]
    assert path.read_bytes() == before


def test_jsonl_malformed_committed_line_names_the_line(tmp_path):
    """A broken line inside committed data is an error naming the line, not a cut."""
    path = tmp_path / "log.jsonl"
    _write(JsonLinesStore(path), count=2)
    lines = path.read_text().splitlines(keepends=True)
    lines[1] = "{broken\n"
    path.write_text("".join(lines))
    before = path.read_bytes()
    with pytest.raises(StoreError, match="line 2: malformed JSON"):
        JsonLinesStore(path)
    assert path.read_bytes() == before


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_jsonl_any_single_byte_change_is_detected(data):
    """Changing any one byte of a stored record line is caught on open or by verify."""
    import tempfile  # noqa: PLC0415 -- one folder per example

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        _write(JsonLinesStore(path), count=3)
        raw = bytearray(path.read_bytes())
        lines = raw.split(b"\n")
        record_lines = [i for i, line in enumerate(lines) if line.startswith(b'{"body"')]
        which = data.draw(st.sampled_from(record_lines))
        start = sum(len(line) + 1 for line in lines[:which])
        offset = start + data.draw(st.integers(0, len(lines[which]) - 1))
        replacement = data.draw(st.integers(0, 255).filter(lambda b: b != raw[offset]))
        raw[offset] = replacement
        path.write_bytes(bytes(raw))
        try:
            store = JsonLinesStore(path)
        except StoreError:
            return  # caught on open, naming the line
        result = verify(store)
        assert not result.ok
        assert result.first_bad is not None


# -- moving between stores -------------------------------------------------------------


def test_sqlite_to_jsonl_to_sqlite_keeps_everything(tmp_path):
    """Export and import keep positions, ids, known times and hashes."""
    first = SQLiteStore(tmp_path / "a.sqlite")
    _write(first, count=7)
    lines = JsonLinesStore(tmp_path / "b.jsonl")
    assert copy(first, lines) == 7
    second = SQLiteStore(tmp_path / "c.sqlite")
    assert copy(lines, second, batch=3) == 7
    assert list(second.read()) == list(first.read())
    assert verify(second).ok
    with pytest.raises(StoreError, match="empty target"):
        copy(first, second)


def test_a_schema_1_file_is_migrated_keeping_every_record_hash_and_answer(tmp_path):
    """A store written by schema 1 opens migrated: the same records, hashes, reads and answers."""
    import timeline.events  # noqa: F401, PLC0415 -- the seed's vocabularies, registered
    from timeline.sanctions import SanctionsInForce  # noqa: PLC0415

    path = tmp_path / "old.sqlite"
    path.write_bytes((Path(__file__).parent / "data" / "schema-1.sqlite").read_bytes())
    with sqlite3.connect(path) as db:
        schema = db.execute("SELECT value FROM timeline_meta WHERE key = 'schema'").fetchone()
        assert schema == ("1",)
        names = dict(db.execute("SELECT id, name FROM types"))
        raw = [
            (position, raw_id, names[kind], subject, body, digest)
            for position, raw_id, kind, subject, body, digest in db.execute(
                "SELECT position, id, type, subject, body, hash FROM records ORDER BY position"
            )
        ]
    before = path.read_bytes()
    with pytest.raises(StoreError, match="older than this library's"):
        SQLiteStore(path, read_only=True)  # read-only never migrates, and never writes
    assert path.read_bytes() == before

    store = SQLiteStore(path)
    assert store.schema_version == SCHEMA_VERSION
    records = list(store.read())
    held = [
        (r.position, bytes.fromhex(r.id.replace("-", "")), r.type, r.subject, r.body,
         bytes.fromhex(r.hash))
        for r in records
    ]  # fmt: skip
    assert held == raw
    assert verify(store).ok  # the hash chain, and the postings against the records
    for subject in {r.subject for r in records}:
        if subject is not None:
            assert list(store.read(subject=subject)) == [r for r in records if r.subject == subject]
    for name in set(names.values()):
        assert list(store.read(types=[name])) == [r for r in records if r.type == name]
    for record in records:
        known = [r.position for r in records if r.known_at <= record.known_at]
        assert store.last_known_by(record.known_at) == max(known)

    fresh = MemoryStore()
    copy(store, fresh)
    migrated, rebuilt = SanctionsInForce(Log(store)), SanctionsInForce(Log(fresh))
    for day in ("2006-10-14", "2023-09-01", "2024-01-11", "2024-01-15", "2025-01-01"):
        for known in ("2024-03-01T12:00:00Z", "2024-03-02T12:00:00Z", "2024-03-04T00:00:00Z"):
            assert list(migrated.in_force(day, known=known)) == list(
                rebuilt.in_force(day, known=known)
            )
    assert any(len(migrated.in_force(day)) for day in ("2024-01-11", "2024-01-15"))
    store.close()


@given(
    batches=st.lists(
        st.lists(
            st.tuples(st.sampled_from(["a", "b", None]), st.sampled_from([0, 1])),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=8,
    ),
    start=st.integers(0, 40),
    stop=st.none() | st.integers(0, 40),
    steps=st.lists(st.integers(0, 2), min_size=8, max_size=8),
)
@settings(max_examples=40)
def test_sqlite_reads_by_subject_type_and_known_time_agree_with_a_scan(
    tmp_path_factory, batches, start, stop, steps
):
    """The postings and the bisection give what filtering every record would."""
    store = SQLiteStore(tmp_path_factory.mktemp("postings") / "p.sqlite")
    log = Log(store, registry=registry)
    second = 0
    for batch, step in zip(batches, steps, strict=False):
        second += step  # known times repeat across batches, and move on
        log.extend(
            [
                log.entry(Noted(text="x") if kind == 0 else Other(n=1), valid="2024", subject=who)
                for who, kind in batch
            ],
            known=f"2024-01-12T00:00:{second:02d}Z",
        )
    every = list(store.read())

    def scan(subject=None, types=None):
        return [
            r
            for r in every
            if r.position >= start
            and (stop is None or r.position < stop)
            and (subject is None or r.subject == subject)
            and (types is None or r.type in types)
        ]

    for subject in ("a", "b", "c"):
        assert list(store.read(start, stop=stop, subject=subject)) == scan(subject=subject)
        for types in (["test.stores.noted"], ["test.stores.other", "test.stores.noted"]):
            found = list(store.read(start, stop=stop, subject=subject, types=types))
            assert found == scan(subject=subject, types=types)
    for types in (["test.stores.noted"], ["test.stores.other"], ["x"], []):
        assert list(store.read(start, stop=stop, types=types)) == scan(types=types)
    for second in range(-1, 20):
        moment = f"2024-01-12T00:00:{max(second, 0):02d}.{500_000 if second < 0 else 0:06d}Z"
        if second < 0:
            moment = "2024-01-11T00:00:00.000000Z"
        expected = max((r.position for r in every if r.known_at <= moment), default=0)
        assert store.last_known_by(moment) == expected
    store.close()
