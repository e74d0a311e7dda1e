"""Records that cannot be read: reported, skipped when asked, and retracted as a way out.

A record can be unreadable because another program, a hand edit or an older
version wrote it. Every reader stops on one with an error that names the way
out; ``on_undecodable="skip"`` passes over it with a warning; a retraction
(which needs no decoding) makes every reader pass over it for good. Readers
never decode types they do not handle.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from timeline import (
    Log,
    ManualClock,
    Projection,
    RecordDecodeError,
    UndecodableRecordWarning,
    View,
    load_jsonl,
    on,
    project,
    seed_path,
)
from timeline._codec import GENESIS_HASH, chain_hash
from timeline._records import StoredRecord
from timeline.sanctions import Designated, SanctionsInForce
from timeline.stores import JsonLinesStore, MemoryStore, SQLiteStore, verify
from timeline.typing import Store

URL = os.environ.get("TIMELINE_TEST_POSTGRES")
KINDS = ["memory", "sqlite", "jsonl", "postgres"]
SEED_IN_FORCE = 5  # on 2024-01-15, as the README says


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A new store of each kind (PostgreSQL where a server is named)."""
    kind = request.param
    if kind == "memory":
        made: Store = MemoryStore()
    elif kind == "sqlite":
        made = SQLiteStore(tmp_path / "log.sqlite")
    elif kind == "jsonl":
        made = JsonLinesStore(tmp_path / "log.jsonl")
    else:
        if URL is None:
            pytest.skip("no PostgreSQL server named: set TIMELINE_TEST_POSTGRES")
        psycopg = pytest.importorskip("psycopg")
        from timeline.stores import PostgresStore  # noqa: PLC0415 -- needs the extra

        schema = f"t_{uuid.uuid4().hex[:16]}"
        made = PostgresStore(URL, schema=schema)
        yield made
        made.close()
        with psycopg.connect(URL, autocommit=True) as db:
            db.execute(
                psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(psycopg.sql.Identifier(schema))
            )
        return
    yield made
    made.close()


def _append_raw(store: Store, name: str, body: str, subject: str | None = None) -> int:
    """Append a record as another program might: chained right, but its body not the type's."""
    head = store.head()
    position = 1 if head is None else head.position + 1
    known = max("2024-01-13T00:00:00.000000Z", "" if head is None else head.known_at)
    record = StoredRecord(
        position=position,
        id=str(uuid.uuid4()),
        known_at=known,
        type=name,
        subject=subject,
        body=body,
        hash="",
    )
    digest = chain_hash(GENESIS_HASH if head is None else head.hash, record)
    store.append([attrs.evolve(record, hash=digest)], expected_position=position - 1)
    return position


def _seeded(store: Store) -> Log:
    log = Log(store, clock=ManualClock("2024-01-14T00:00:00Z"))
    load_jsonl(seed_path(), log)
    return log


# A designation whose target is a number: the field is declared an object.
_BAD_DESIGNATION = '{"data":{"target":42},"valid":"2023","version":2}'


def test_a_bad_record_stops_every_reader_with_the_way_out(store):
    """log.read, project, a View and the facts raise an error naming the record and the way out."""
    log = _seeded(store)
    bad = _append_raw(store, "sanctions.designated", _BAD_DESIGNATION)
    way_out = rf"position {bad}: .*target.*log\.retract\({bad}\).*on_undecodable='skip'"
    with pytest.raises(RecordDecodeError, match=way_out):
        list(log.read())
    with pytest.raises(RecordDecodeError, match=way_out):
        SanctionsInForce(log).at("2024-01-15")
    with pytest.raises(RecordDecodeError, match=way_out):
        project(_Designations(), log)
    with pytest.raises(RecordDecodeError, match=way_out):
        View(_Designations(), log).catch_up()


def test_skipping_is_asked_for_and_never_silent(store):
    """on_undecodable='skip' reads on, with one warning naming each record passed over."""
    log = _seeded(store)
    first = _append_raw(store, "sanctions.designated", _BAD_DESIGNATION)
    second = _append_raw(store, "sanctions.designated", _BAD_DESIGNATION.replace("42", "[]"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read = list(log.read(on_undecodable="skip"))
        skipping = Log(store, on_undecodable="skip")
        answer = SanctionsInForce(skipping).at("2024-01-15")
    assert [r.position for r in read] == list(range(1, first))
    assert len(answer) == SEED_IN_FORCE
    skipped = [w.message for w in caught if isinstance(w.message, UndecodableRecordWarning)]
    assert {w.position for w in skipped} == {first, second}
    assert all("sanctions.designated" in str(w) for w in skipped)


def test_a_retraction_needs_no_decoding_and_then_every_reader_proceeds(store):
    """retract(position) of a bad record works; afterwards nothing raises and the answers stand."""
    log = _seeded(store)
    before = len(SanctionsInForce(log).at("2024-01-15"))
    bad = _append_raw(store, "sanctions.designated", _BAD_DESIGNATION)
    fix = log.retract(bad, reason="written by hand, not a designation")
    assert fix.event.record == uuid.UUID(next(iter(store.read(bad, stop=bad + 1))).id)
    positions = [r.position for r in log.read()]
    assert bad not in positions
    assert fix.position in positions
    assert len(SanctionsInForce(log).at("2024-01-15")) == before == SEED_IN_FORCE
    assert project(_Designations(), log) == project(_Designations(), _seeded(MemoryStore()))
    assert _caught_up(View(_Designations(), log)) == project(_Designations(), log)
    assert verify(store, registry=log.registry).ok


def test_a_retracted_retraction_makes_the_record_a_problem_again(store):
    """The way out is a record like any other: retracting the retraction restores the error."""
    log = _seeded(store)
    bad = _append_raw(store, "sanctions.designated", _BAD_DESIGNATION)
    fix = log.retract(bad)
    log.retract(fix)
    with pytest.raises(RecordDecodeError, match=f"position {bad}"):
        list(log.read())


def test_verify_reports_each_record_that_cannot_be_read(store):
    """verify, given the types, names every undecodable record: position, type and reason."""
    log = _seeded(store)
    first = _append_raw(store, "sanctions.designated", _BAD_DESIGNATION)
    second = _append_raw(
        store, "events.statement", '{"data":{"speaker":1,"text":"x"},"valid":"2024"}'
    )
    assert verify(store).ok  # the chain alone is intact
    found = verify(store, registry=log.registry)
    assert [(p.kind, p.position) for p in found.problems] == [("record", first), ("record", second)]
    assert "sanctions.designated" in found.problems[0].message
    assert "speaker" in found.problems[1].message
    assert found.head is not None
    assert found.head.position == second


def test_readers_never_decode_types_they_do_not_handle(store):
    """Records of a type no one here registered, or of one a reader ignores, break no reader."""
    log = _seeded(store)
    _append_raw(store, "elsewhere.unknown", '{"data":{"x":1},"valid":"2024"}')
    _append_raw(store, "events.statement", '{"data":{"speaker":1},"valid":"2024"}')
    assert len(SanctionsInForce(log).at("2024-01-15")) == SEED_IN_FORCE
    expected = project(_Designations(), _seeded(MemoryStore()))
    assert project(_Designations(), log) == expected
    assert _caught_up(View(_Designations(), log)) == expected
    with pytest.raises(RecordDecodeError, match=r"elsewhere\.unknown"):
        list(log.read())


def test_saved_facts_pass_a_retracted_record_by(tmp_path):
    """A saved index caught up over a bad, then retracted, record answers as a fresh build."""
    store = SQLiteStore(tmp_path / "log.sqlite")
    log = _seeded(store)
    SanctionsInForce(log).save_snapshot()
    bad = _append_raw(store, "sanctions.designated", _BAD_DESIGNATION)
    with pytest.raises(RecordDecodeError, match=f"position {bad}"):
        SanctionsInForce.from_snapshot(log).at("2024-01-15")
    log.retract(bad)
    reopened = SanctionsInForce.from_snapshot(log)
    fresh = SanctionsInForce(Log(store))
    assert reopened.at("2024-01-15").keys() == fresh.at("2024-01-15").keys()
    assert len(reopened.at("2024-01-15")) == SEED_IN_FORCE


class _Designations(Projection[tuple[str, ...]]):
    """Every designated target, in valid-time order."""

    def initial(self) -> tuple[str, ...]:
        return ()

    @on(Designated)
    def designated(self, state: tuple[str, ...], record) -> tuple[str, ...]:
        return (*state, str(record.event.target))


def _caught_up(view):
    """A view's state once it has caught up (``catch_up()`` says how many records it read)."""
    view.catch_up()
    return view.state
