"""The PostgreSQL store, against a real server: the store contract, many writers, faults.

The server is named by ``TIMELINE_TEST_POSTGRES`` (a libpq URL; ``.ci/run``
creates a fresh database and sets it). Without it the tests skip, saying so
-- unless ``CI`` is set, where a missing server is a failure. Each test keeps
its tables in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import collections
import hashlib
import multiprocessing
import os
import re
import urllib.parse
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_facts import Facts, histories, registry, when
from test_field_rules import FieldFacts, same_index
from test_filters import ASKED, _logged, operations, wheres
from test_loading import _statements
from test_questions import questions
from timeline import (
    Answer,
    ConcurrencyError,
    Entry,
    InvalidEventError,
    KnownTimeError,
    Log,
    ManualClock,
    NotAStoreError,
    Projection,
    Provenance,
    SnapshotIgnoredWarning,
    StoreError,
    View,
    on,
    tables,
)
from timeline.events import Statement
from timeline.sanctions import Designated, Lifted, SanctionsInForce, Target, TargetKind
from timeline.stores import JsonLinesStore, PostgresStore, SQLiteStore, copy, open_store, verify
from timeline.stores._postgres._schema import SCHEMA_VERSION
from timeline.testing import PersistentStoreContract, play

psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")
sql = psycopg.sql

URL = os.environ.get("TIMELINE_TEST_POSTGRES")
if URL is None:
    if os.environ.get("CI"):
        pytest.fail("CI is set but TIMELINE_TEST_POSTGRES is not: .ci/run sets it", pytrace=False)
    pytest.skip(
        "no PostgreSQL server named: set TIMELINE_TEST_POSTGRES=postgresql://... to run these",
        allow_module_level=True,
    )

_made: list[str] = []


def _schema() -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    _made.append(name)
    return name


@pytest.fixture(scope="module", autouse=True)
def _drop_schemas() -> Iterator[None]:
    yield
    with psycopg.connect(URL, autocommit=True) as db:
        for name in _made:
            db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


class TestPostgresStore(PersistentStoreContract):
    def make_store(self, folder: Path) -> PostgresStore:
        del folder  # the tables live on the server, in a schema of their own
        return PostgresStore(URL, schema=_schema())

    def reopen(self, store: PostgresStore, folder: Path) -> PostgresStore:  # type: ignore[override]
        del folder
        store.close()
        return PostgresStore(URL, schema=store.schema)


def test_a_database_holding_something_else_is_refused_and_left_untouched():
    """timeline_* tables that are not a store's: refused, and not one row changed."""
    schema = _schema()
    with psycopg.connect(URL, autocommit=True) as db:
        name = sql.Identifier(schema)
        db.execute(sql.SQL("CREATE SCHEMA {}").format(name))
        db.execute(sql.SQL("CREATE TABLE {}.timeline_records (x int)").format(name))
        db.execute(sql.SQL("INSERT INTO {}.timeline_records VALUES (7)").format(name))
    with pytest.raises(NotAStoreError, match="not a timeline store"):
        PostgresStore(URL, schema=schema)
    with psycopg.connect(URL) as db:
        query = sql.SQL("SELECT x FROM {}.timeline_records").format(sql.Identifier(schema))
        assert db.execute(query).fetchall() == [(7,)]
        tables = db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        assert tables == [("timeline_records",)]


def test_opened_by_url_and_copied_both_ways(tmp_path):
    """open_store takes a postgresql:// URL; copy keeps ids, known times and hashes."""
    schema = _schema()
    with psycopg.connect(URL, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = f"{URL}{'&' if '?' in URL else '?'}options=-csearch_path%3D{schema}"
    store = open_store(url)
    assert isinstance(store, PostgresStore)
    source = Log(tmp_path / "a.sqlite", clock=ManualClock("2024-01-12T00:00:00Z"))
    from timeline import load_jsonl, seed_path  # noqa: PLC0415 -- only here

    load_jsonl(seed_path(), source)
    copy(source.store, store)
    assert list(store.read()) == list(source.store.read())
    assert verify(store).ok
    back = open_store(tmp_path / "b.sqlite")
    copy(store, back)
    assert list(back.read()) == list(source.store.read())
    for each in (store, back, source.store):
        each.close()


def _writer(url: str, schema: str, batches: int, size: int, queue: multiprocessing.Queue) -> None:
    """Append ``batches`` batches through a log, retrying on ConcurrencyError; report counts."""
    from timeline.testing._contract import _Item, _registry  # noqa: PLC0415 -- in the child

    log = Log(PostgresStore(url, schema=schema), registry=_registry)
    conflicts = written = 0
    for batch in range(batches):
        entries = [
            log.entry(_Item(key=f"w{os.getpid()}", value=batch * size + n), valid="2024")
            for n in range(size)
        ]
        while True:
            try:
                head = log.store.head()
                log.extend(entries, expected_position=0 if head is None else head.position)
            except ConcurrencyError:
                conflicts += 1
                continue
            written += size
            break
    queue.put((written, conflicts))


def test_many_writers_in_many_processes_keep_positions_contiguous():
    """Eight processes appending at once: every record there once, positions 1..n, chain intact."""
    schema = _schema()
    PostgresStore(URL, schema=schema).close()  # created once, before the race
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    writers = [context.Process(target=_writer, args=(URL, schema, 5, 20, queue)) for _ in range(8)]
    for writer in writers:
        writer.start()
    results = [queue.get(timeout=120) for _ in writers]
    for writer in writers:
        writer.join(timeout=60)
    store = PostgresStore(URL, schema=schema)
    records = list(store.read())
    assert sum(written for written, _ in results) == len(records) == 8 * 5 * 20
    assert [r.position for r in records] == list(range(1, len(records) + 1))
    known = [r.known_at for r in records]
    assert known == sorted(known)  # known times never go backwards
    assert verify(store).ok
    store.close()


def test_a_stale_expected_position_writes_nothing_across_connections():
    """Two connections: the second append that expected the old head fails whole."""
    schema = _schema()
    first, second = PostgresStore(URL, schema=schema), PostgresStore(URL, schema=schema)
    log_a = Log(first, clock=ManualClock("2024-01-12T00:00:00Z"))
    log_b = Log(second, clock=ManualClock("2024-01-12T00:00:00Z"))
    from timeline.events import Statement  # noqa: PLC0415 -- a ready-made event

    log_a.append(Statement(speaker="a", text="one"), valid="2024")
    with pytest.raises(ConcurrencyError):
        log_b.extend(
            [log_b.entry(Statement(speaker="b", text="two"), valid="2024")], expected_position=0
        )
    assert [r.position for r in second.read()] == [1]
    first.close()
    second.close()


def test_a_lost_connection_is_a_typed_error_and_loses_nothing_committed():
    """The server ends the session: the next call is a StoreError; a new store reads it all."""
    schema = _schema()
    store = PostgresStore(URL, schema=schema)
    log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"))
    from timeline.events import Statement  # noqa: PLC0415 -- a ready-made event

    log.append(Statement(speaker="a", text="kept"), valid="2024")
    pid = store._connection.info.backend_pid
    with psycopg.connect(URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(StoreError, match="lost the connection"):
        log.append(Statement(speaker="a", text="after"), valid="2024")
    again = PostgresStore(URL, schema=schema)
    assert [r.position for r in again.read()] == [1]
    again.close()
    store.close()


def test_an_unreachable_server_is_a_clear_error():
    """A server that is not there: StoreError naming the URL, its password hidden."""
    shown = re.escape("postgresql://me:***@127.0.0.1:1/x?connect_timeout=2: cannot connect")
    with pytest.raises(StoreError, match=shown):
        PostgresStore("postgresql://me:secret@127.0.0.1:1/x?connect_timeout=2")


def _late_writer(url: str, schema: str, count: int) -> None:
    """Append ``count`` statements, one every tenth of a second, from another process."""
    import time  # noqa: PLC0415 -- in the child

    from timeline.events import Statement  # noqa: PLC0415 -- as above
    from timeline.sanctions import Target, TargetKind  # noqa: PLC0415 -- as above

    log = Log(PostgresStore(url, schema=schema))
    for n in range(count):
        time.sleep(0.1)
        log.append(Statement(speaker="writer", text=f"{n}"), valid="2024")
    target = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
    log.append(Designated(target=target, authority="United States"), valid="2024-01-11/..")


def test_followers_are_woken_by_a_writer_in_another_process():
    """Log.follow yields each record as it commits; temporal facts follow and stay current."""
    import timeline.events  # noqa: F401, PLC0415 -- the writer's event types, registered
    from timeline.sanctions import SanctionsInForce  # noqa: PLC0415 -- only here

    schema = _schema()
    store = PostgresStore(URL, schema=schema)
    assert store.wait_for(0, timeout=0.05) == 0  # nothing came: the position as it is
    writer = multiprocessing.get_context("spawn").Process(
        target=_late_writer, args=(URL, schema, 5)
    )
    writer.start()
    log = Log(store)
    seen = []
    for record in log.follow(0, idle=30):
        seen.append(record.position)
        if len(seen) == 6:
            break
    writer.join(timeout=60)
    assert seen == [1, 2, 3, 4, 5, 6]
    facts = SanctionsInForce(Log(PostgresStore(URL, schema=schema)))
    steps = facts.follow(idle=0.2)
    assert next(steps) == 6
    assert facts.in_force("2024-02-01").keys() == ["United States / - / 224th Flight Unit"]
    assert list(steps) == []  # nothing more came within 0.2 s: the follower ends
    facts.log.store.close()
    store.close()


def _batches_until_lost(url: str, schema: str, acknowledged: str) -> None:
    """Append batches of 50 until the server goes away; note each acknowledged last position."""
    import time  # noqa: PLC0415 -- in the child

    from timeline.events import Statement  # noqa: PLC0415 -- as above

    log = Log(PostgresStore(url, schema=schema))
    with open(acknowledged, "a") as notes:  # noqa: PTH123 -- a plain append-only note
        for batch in range(10_000):
            entries = [
                log.entry(Statement(speaker="w", text=f"{batch}.{n}"), valid="2024")
                for n in range(50)
            ]
            try:
                records = log.extend(entries)
            except StoreError:
                return  # the server went away: what was acknowledged is in the notes
            notes.write(f"{records[-1].position}\n")
            notes.flush()
            os.fsync(notes.fileno())
            time.sleep(0.01)


def _cluster() -> list[str] | None:
    """pg_ctlcluster's version and name for the local server, if this machine has it."""
    import shutil  # noqa: PLC0415 -- only here

    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return None
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return [versions[-1], "main"] if versions else None


def test_the_server_stopped_mid_append_loses_no_acknowledged_batch(tmp_path):
    """Server stopped (-m immediate) during appends: every acknowledged batch there, none half."""
    import subprocess  # noqa: PLC0415 -- only here
    import time  # noqa: PLC0415 -- as above

    cluster = _cluster()
    if cluster is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but pg_ctlcluster is not here to stop the server")
        pytest.skip("no pg_ctlcluster here to stop and start the server")
    import timeline.events  # noqa: F401, PLC0415 -- the writer's event type, registered

    schema = _schema()
    PostgresStore(URL, schema=schema).close()
    notes = tmp_path / "acknowledged.txt"
    notes.touch()
    writer = multiprocessing.get_context("spawn").Process(
        target=_batches_until_lost, args=(URL, schema, str(notes))
    )
    writer.start()
    deadline = time.monotonic() + 60
    while len(notes.read_text().split()) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    control = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster]
    subprocess.run([*control, "stop", "-m", "immediate"], check=True, capture_output=True)
    try:
        writer.join(timeout=60)
    finally:
        subprocess.run([*control, "start"], check=True, capture_output=True)
    for _ in range(50):  # until it answers again
        try:
            psycopg.connect(URL, connect_timeout=2).close()
            break
        except psycopg.OperationalError:
            time.sleep(0.2)
    acknowledged = [int(line) for line in notes.read_text().split()]
    assert len(acknowledged) >= 5
    store = PostgresStore(URL, schema=schema)
    positions = [record.position for record in store.read()]
    assert positions == list(range(1, len(positions) + 1))  # contiguous
    assert len(positions) % 50 == 0  # no batch half there
    assert len(positions) >= acknowledged[-1]  # nothing acknowledged was lost
    assert verify(store).ok
    store.close()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories, st.data())
def test_answers_on_the_server_equal_the_index_in_memory(schedule, data):
    """TemporalFacts.answer_from: the server's answer from saved rows is the in-memory one."""
    store = PostgresStore(URL, schema=_schema())
    try:
        log = play(schedule, registry=registry, store=store)
        facts = Facts(log)
        assert facts.save_snapshot()
        known_times = [None, *(record.known_at for record in log.read())]
        for _ in range(4):
            asked = data.draw(when | when.map(lambda at: at.naive().isoformat()) | questions())
            known = data.draw(st.sampled_from(known_times))
            got = Facts.answer_from(store, asked, known=known)
            want = sorted(
                (hit.key, hit.spell.records[0].position, hit.answer)
                for hit in facts.at(asked, known=known)
            )
            assert (got.found, got.behind) == (want, 0)
    finally:
        store.close()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories)
def test_field_rules_read_from_the_server_s_rows_index_what_their_methods_index(schedule):
    """The rows lane on PostgreSQL: field rules and methods build the very same index."""
    store = PostgresStore(URL, schema=_schema())
    try:
        log = play(schedule, registry=registry, store=store)
        fields, methods = FieldFacts(log), Facts(log)
        assert fields._row_pages() is not None  # the server's rows, read as they are
        assert fields.catch_up() == methods.catch_up()
        same_index(fields, methods)
    finally:
        store.close()


def test_answers_on_the_server_read_dates_with_the_zone_rules_they_were_saved_with():
    """A vocabulary's zone rules reach the server's rows; other rules are refused there."""
    from timeline.sanctions import EmbargoImposed, SanctionsInForce  # noqa: PLC0415

    class NewYork(SanctionsInForce):
        tz_by_source: ClassVar = {"UN Security Council": "America/New_York"}

        @classmethod
        def name(cls) -> str:
            return "new-york-sanctions"

    class Tokyo(NewYork):
        tz_by_source: ClassVar = {"UN Security Council": "Asia/Tokyo"}

    store = PostgresStore(URL, schema=_schema())
    log = Log(store, clock=ManualClock("2024-05-02T00:00:00Z"))
    log.append(
        EmbargoImposed(target="Mali", authority="UN Security Council", scope="arms"),
        valid="2023-05-01/2024-05-01",
        provenance=Provenance(source="UN Security Council"),
    )
    NewYork(log).save_snapshot()
    key = "UN Security Council / arms embargo / Mali"
    asked = "2024-04-30T23:59:59Z"
    saved = NewYork.answer_from(store, asked)
    assert saved.answer(key) is Answer.YES
    assert [(k, saved.answer(k)) for k in saved.keys()] == [
        (hit.key, hit.answer) for hit in NewYork(log).at(asked)
    ]
    with pytest.raises(StoreError, match="other zone rules"):
        Tokyo.answer_from(store, asked)
    store.close()


def test_answers_on_the_server_say_how_far_behind_they_are():
    """Rows saved, then more appended: the answer says how many records it has not seen."""
    from timeline.sanctions import SanctionsInForce, Target, TargetKind  # noqa: PLC0415

    store = PostgresStore(URL, schema=_schema())
    log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"))
    unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
    with pytest.raises(StoreError, match="save_snapshot"):
        SanctionsInForce.answer_from(store, "2024-02-01")
    log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
    SanctionsInForce(log).save_snapshot()
    log.append(Designated(target=unit, authority="United Kingdom"), valid="2024-01-11/..")
    found = SanctionsInForce.answer_from(store, "2024-02-01")
    assert (found.position, found.behind) == (1, 1)
    assert found.keys() == ["United States / - / 224th Flight Unit"]
    assert found.answer("United States / - / 224th Flight Unit") is Answer.YES
    assert SanctionsInForce.answer_from(store, "2023").found == []
    # The floating 2024-01-11 had begun at UTC+14:00 by 13:00 UTC on the 10th: maybe.
    early = SanctionsInForce.answer_from(store, "2024-01-10T13:00:00Z")
    assert early.answer("United States / - / 224th Flight Unit") is Answer.MAYBE
    with pytest.raises(StoreError, match="does not answer"):
        SanctionsInForce.answer_from(Log().store, "2024")
    store.close()


def test_read_only_creates_nothing_and_writes_nothing():
    """Read-only where there is no store: nothing is created; on a store: appends refused."""
    from timeline import ReadOnlyStoreError, StoreNotFoundError  # noqa: PLC0415 -- only here
    from timeline.events import Statement  # noqa: PLC0415 -- as above

    schema = _schema()
    with psycopg.connect(URL, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    with pytest.raises(StoreNotFoundError, match="no timeline store here"):
        PostgresStore(URL, schema=schema, read_only=True)
    with psycopg.connect(URL) as db:
        tables = db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
        assert tables == (0,)
    writer = Log(PostgresStore(URL, schema=schema))
    writer.append(Statement(speaker="a", text="b"), valid="2024")
    writer.close()
    reader = PostgresStore(URL, schema=schema, read_only=True)
    with pytest.raises(ReadOnlyStoreError):
        Log(reader).append(Statement(speaker="a", text="c"), valid="2024")
    with pytest.raises(ReadOnlyStoreError):
        reader.save_snapshot("p", 1, "{}")
    assert [r.position for r in reader.read()] == [1]
    reader.close()


# Schema 1's saved rows, as that version created them (GiST and SP-GiST over ranges).
_ROWS_1 = (
    """CREATE TABLE timeline_fact_rows (
        name text NOT NULL, key text NOT NULL, first bigint NOT NULL,
        start_earliest bigint NOT NULL, start_last bigint NOT NULL,
        end_earliest bigint NOT NULL, end_last bigint NOT NULL, floating smallint NOT NULL,
        known_from bigint NOT NULL, known_to bigint NOT NULL,
        spans int8range GENERATED ALWAYS AS (CASE WHEN start_earliest < end_last
            THEN int8range(start_earliest, end_last) ELSE 'empty'::int8range END) STORED,
        known int8range GENERATED ALWAYS AS (CASE WHEN known_from < known_to
            THEN int8range(known_from, known_to) ELSE 'empty'::int8range END) STORED
    )""",
    "CREATE INDEX timeline_fact_rows_by_time ON timeline_fact_rows USING gist (spans, known)",
)


class Designations(Projection[int]):
    state_type = int

    def initial(self) -> int:
        return 0

    @on(Designated)
    def designated(self, state: int, record: object) -> int:
        del record
        return state + 1


def _as_schema_1(schema: str) -> None:
    """Turn a store of this version into what schema 1 wrote: its rows, its tables."""
    with psycopg.connect(URL, autocommit=True) as db, db.transaction():
        db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        db.execute("CREATE TABLE kept AS SELECT * FROM timeline_fact_rows")
        db.execute("DROP TABLE timeline_fact_rows, timeline_fact_reach")
        for statement in _ROWS_1:
            db.execute(statement)
        db.execute(
            "INSERT INTO timeline_fact_rows SELECT name, key, first, start_earliest, start_last,"
            " end_earliest, end_last, floating, known_from, known_to FROM kept"
        )
        db.execute("DROP TABLE kept")
        db.execute("UPDATE timeline_meta SET value = '1' WHERE key = 'schema_version'")


def _tables(schema: str) -> list[tuple[str, int]]:
    """Every table of ``schema`` with its number of rows."""
    with psycopg.connect(URL) as db:
        names = db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "ORDER BY table_name",
            (schema,),
        ).fetchall()
        return [
            (
                name,
                db.execute(
                    sql.SQL("SELECT count(*) FROM {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(name)
                    )
                ).fetchone()[0],
            )
            for (name,) in names
        ]


def test_a_schema_1_store_is_migrated_and_keeps_every_record():
    """Opened for writing, schema 1 becomes 3: records, hashes and other states kept."""
    from timeline.sanctions import SanctionsInForce, Target, TargetKind  # noqa: PLC0415

    schema = _schema()
    store = PostgresStore(URL, schema=schema)
    log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"))
    unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
    log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
    SanctionsInForce(log).save_snapshot()
    counts = View(Designations(), log)
    counts.catch_up()
    counts.save_snapshot()  # a projection's snapshot, with no rows: kept as it is
    before = list(store.read())
    store.close()
    _as_schema_1(schema)
    tables = _tables(schema)
    with pytest.raises(StoreError, match=r"schema version 1, older .* open it once for writing"):
        PostgresStore(URL, schema=schema, read_only=True)
    assert _tables(schema) == tables  # read-only: nothing migrated, nothing changed

    store = PostgresStore(URL, schema=schema)
    assert (store.migrated_from, store.schema_version) == (1, SCHEMA_VERSION)
    assert list(store.read()) == before
    assert verify(store).ok
    # Appends chain on the server (timeline_append, new in schema 4) and verify.
    Log(store).append(Statement(speaker="analyst", text="after the migration"), valid="2024")
    assert list(store.read())[: len(before)] == before
    assert verify(store).ok
    assert store.snapshot_names() == ["test_postgres.Designations"]
    # The saved facts went with their old rows: asked, they say to save again.
    with pytest.raises(StoreError, match="save_snapshot"):
        SanctionsInForce.answer_from(store, "2024-02-01")
    SanctionsInForce(Log(store)).save_snapshot()
    found = SanctionsInForce.answer_from(store, "2024-02-01")
    assert found.keys() == ["United States / - / 224th Flight Unit"]
    store.close()
    again = PostgresStore(URL, schema=schema)
    assert again.migrated_from is None
    again.close()


def test_a_newer_schema_is_refused_and_left_untouched():
    """A store written by a later version of the library: a clear error, nothing changed."""
    schema = _schema()
    PostgresStore(URL, schema=schema).close()
    with psycopg.connect(URL, autocommit=True) as db:
        db.execute(
            sql.SQL("UPDATE {}.timeline_meta SET value = '9' WHERE key = 'schema_version'").format(
                sql.Identifier(schema)
            )
        )
    tables = _tables(schema)
    with pytest.raises(StoreError, match=r"schema version 9, newer .* upgrade timeline"):
        PostgresStore(URL, schema=schema)
    assert _tables(schema) == tables


def test_answers_never_pair_one_save_with_another_saves_rows(monkeypatch):
    """A question asked while another connection saves again sees one save, whole."""
    import threading  # noqa: PLC0415 -- only here

    from test_facts import Started, Stopped  # noqa: PLC0415 -- the suite's own events

    schema = _schema()
    store = PostgresStore(URL, schema=schema)
    log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    saves: list[tuple[int, str, list[bytes], list[tuple[object, ...]]]] = []
    monkeypatch.setattr(  # keep what each save would write, to write it again below
        store,
        "save_state_and_rows",
        lambda _name, position, meta, parts, rows, **_given: (
            saves.append((position, meta, list(parts), list(rows))) or True
        ),
    )
    facts = Facts(log)
    expected: dict[int, list[tuple[str, int, Answer]]] = {}
    for n in range(30):
        # Each step ends the last step's keys and starts new ones: every save's rows differ.
        ended = [log.entry(Stopped(key=f"k{n - 1}-{k}"), valid="2024-06") for k in range(20) if n]
        started = [log.entry(Started(key=f"k{n}-{k}", label="x"), valid="2024") for k in range(20)]
        log.extend([*ended, *started])
        facts.save_snapshot()
        expected[saves[-1][0]] = sorted(
            (hit.key, hit.spell.records[0].position, hit.answer) for hit in facts.at("2024-07-01")
        )
    monkeypatch.undo()
    saver = PostgresStore(URL, schema=schema)

    stop = threading.Event()

    def save_each() -> None:
        for position, meta, parts, rows in saves:
            if stop.is_set():
                return
            PostgresStore.save_state_and_rows(saver, Facts.name(), position, meta, parts, rows)

    thread = threading.Thread(target=save_each)
    thread.start()
    seen = set()
    try:
        while thread.is_alive():
            try:
                found = Facts.answer_from(store, "2024-07-01")
            except StoreError:  # nothing saved yet
                continue
            seen.add(found.position)
            assert found.found == expected[found.position]
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 1  # the questions did run beside the saves
    store.close()
    saver.close()


def test_a_load_streams_in_parts_in_one_transaction_and_rolls_back_whole(tmp_path, monkeypatch):
    """On PostgreSQL a load is written a part at a time in one transaction, as on SQLite.

    The same records as a load into memory; a bad line after parts were written leaves
    the store as it was; a rerun skips what is there, looked up a part at a time.
    """
    import timeline._loading  # noqa: PLC0415 -- its PART, narrowed here
    from timeline import SourceFileError, load_jsonl  # noqa: PLC0415
    from timeline.stores import MemoryStore  # noqa: PLC0415

    monkeypatch.setattr(timeline._loading, "PART", 3)

    def lines(path: Path, count: int, *, bad_at: int | None = None) -> Path:
        _statements(path, count, bad_at=bad_at)
        return path

    clock = ManualClock("2024-01-01T00:00:00Z")
    store = PostgresStore(URL, schema=_schema())
    log, memory = Log(store, clock=clock), Log(MemoryStore(), clock=clock)
    with log._bulk() as bulk:
        assert bulk is not None  # the streamed lane, not the batch taken whole
    first = lines(tmp_path / "first.jsonl", 4)
    assert [len(load_jsonl(first, each)) for each in (log, memory)] == [4, 4]
    head = store.head()
    bad = lines(tmp_path / "bad.jsonl", 20, bad_at=17)
    with pytest.raises(SourceFileError, match=r"bad\.jsonl:18: .*volume"):
        load_jsonl(bad, log)
    assert store.head() == head
    lines(bad, 20)  # mended: the four lines it shares with first.jsonl are skipped
    loaded = [load_jsonl(bad, each, keep_records=False) for each in (log, memory)]
    assert [(len(each), each.skipped) for each in loaded] == [(16, 4), (16, 4)]
    assert [(r.id, r.known_at, r.event, r.hash) for r in log.read()] == [
        (r.id, r.known_at, r.event, r.hash) for r in memory.read()
    ]
    assert verify(store).ok
    store.close()


def _with(url: str, parameter: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{parameter}"


def test_a_schema_is_named_in_the_url_as_the_command_line_names_its_store():
    """``?schema=NAME`` keeps the timeline in that schema; the other parameters reach libpq."""
    schema = _schema()
    url = _with(_with(URL, f"schema={schema}"), "application_name=timeline%20test")
    store = open_store(url)
    Log(store).append(Statement(speaker="a", text="b"), valid="2024")
    assert store._connection.execute("SELECT current_schema()").fetchone()[0] == schema
    assert store._connection.execute("SHOW application_name").fetchone()[0] == "timeline test"
    store.close()
    same = PostgresStore(URL, schema=schema, read_only=True)
    assert len(list(same.read())) == 1
    same.close()
    with pytest.raises(StoreError, match="two schemas named"):
        PostgresStore(_with(URL, f"schema={schema}"), schema="another")
    with pytest.raises(StoreError, match="given 2 times"):
        PostgresStore(_with(_with(URL, "schema=a"), "schema=b"))


def test_an_error_the_server_explains_is_not_called_a_lost_connection():
    """A lock timeout is named as one (with its SQLSTATE), and the append wrote nothing."""
    schema = _schema()
    store = PostgresStore(_with(URL, "options=-c%20lock_timeout%3D200"), schema=schema)
    log = Log(store)
    log.append(Statement(speaker="a", text="b"), valid="2024")
    with psycopg.connect(URL, autocommit=False) as other:
        other.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        other.execute("LOCK TABLE timeline_head IN EXCLUSIVE MODE")
        with pytest.raises(StoreError) as caught:
            log.append(Statement(speaker="a", text="c"), valid="2024")
        other.rollback()
    message = str(caught.value)
    assert "lost the connection" not in message
    assert "append failed" in message
    assert "LockNotAvailable, SQLSTATE 55P03" in message
    assert len(list(store.read())) == 1
    store.close()


def test_saved_facts_are_kept_where_every_table_s_deletes_are_published():
    """Under a FOR ALL TABLES publication (logical replication, Citus moving shards) saving works.

    Saving replaces a class's rows; a table with no primary key or replica
    identity refuses deletes where they are published. Schema 2 stores get
    one when opened for writing.
    """
    from timeline.sanctions import SanctionsInForce, Target, TargetKind  # noqa: PLC0415

    database = f"timeline_pub_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url = urllib.parse.urlunsplit(urllib.parse.urlsplit(URL)._replace(path=f"/{database}"))
    try:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("CREATE PUBLICATION everything FOR ALL TABLES")
        store = PostgresStore(url)
        log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"))
        unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
        log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
        SanctionsInForce(log).save_snapshot()
        log.append(Designated(target=unit, authority="United Kingdom"), valid="2024-01-11/..")
        SanctionsInForce(log).save_snapshot()  # deletes the rows saved before
        assert len(SanctionsInForce.answer_from(store, "2024-02-01").keys()) == 2
        # A store of schema 2 (no replica identity): its error names the cause ...
        store._connection.execute("ALTER TABLE timeline_fact_rows REPLICA IDENTITY DEFAULT")
        with pytest.raises(StoreError, match="replica identity") as caught:
            SanctionsInForce(log).save_snapshot()
        assert "lost the connection" not in str(caught.value)
        store._connection.execute(
            "UPDATE timeline_meta SET value = '2' WHERE key = 'schema_version'"
        )
        store.close()
        # ... and opened for writing, it is migrated and saves again.
        store = PostgresStore(url)
        assert (store.migrated_from, store.schema_version) == (2, SCHEMA_VERSION)
        SanctionsInForce(Log(store)).save_snapshot()
        store.close()
    finally:
        with psycopg.connect(URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_filters_answer_from_an_index_saved_on_the_server_as_from_memory(data):
    """The filters' values and postings are saved on PostgreSQL and answer as a fresh build.

    And the rows' cells, saved beside the index: an answer's table rows are the fresh build's.
    """
    steps = data.draw(operations())
    store = PostgresStore(URL, schema=_schema())
    try:
        log = _logged(Log(store), steps)
        SanctionsInForce(log).save_snapshot()
        reader = PostgresStore(URL, schema=store.schema)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", SnapshotIgnoredWarning)  # the saved index is used
                saved = SanctionsInForce.from_snapshot(Log(reader))
            fresh = SanctionsInForce(log)
            valid, where = data.draw(st.sampled_from(ASKED)), data.draw(wheres)
            assert list(saved.in_force(valid, **where)) == list(fresh.in_force(valid, **where))
            with warnings.catch_warnings():
                warnings.simplefilter("error", SnapshotIgnoredWarning)  # the saved cells are used
                assert tables.rows(saved.at(valid)) == tables.rows(fresh.at(valid))
        finally:
            reader.close()
    finally:
        store.close()


_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches=st.lists(
        st.tuples(
            st.lists(st.tuples(_TEXT, st.none() | _TEXT), min_size=1, max_size=6),
            st.integers(-3, 3),  # hours the clock moves before the batch (back, too)
            st.none() | st.integers(-3, 3),  # a known time given, hours from the clock's
            st.booleans(),  # with the expected position: chained by this process instead
        ),
        min_size=1,
        max_size=5,
    )
)
def test_appends_chained_by_the_server_are_the_logs_own_chain(batches):
    """Appends without an expected position are chained by the server (timeline_append).

    Whatever the text (newlines, quotes, any script) and however the clock moves, the
    server's positions, known times and hashes are the ones the log itself would make:
    the records the append returns are those read back, the chain verifies, and known
    times never go backwards (a clock that steps back leaves them at the head's). A
    known time given that is earlier than the last record's is refused in either lane,
    with the same KnownTimeError, and nothing is written.
    """
    store = PostgresStore(URL, schema=_schema())
    assert store._chains  # this server's text is UTF-8: the server chains
    clock = ManualClock("2024-03-01T00:00:00Z")
    log = Log(store, clock=clock)
    made = []
    try:
        for entries, hours, given_hours, expected in batches:
            clock.set(clock.now.add(hours=hours))
            batch = [
                log.entry(
                    Statement(speaker=text, text=text + "\n\"'"), valid="2024", subject=subject
                )
                for text, subject in entries
            ]
            position = log.last_position if expected else None
            known = None if given_hours is None else clock.now.add(hours=given_hours)
            last = made[-1].known_at if made else None
            if known is not None and last is not None and known < last:
                with pytest.raises(KnownTimeError, match="earlier than the last record's"):
                    log.extend(batch, expected_position=position, known=known)
                assert log.last_position == len(made)
                continue
            made.extend(log.extend(batch, expected_position=position, known=known))
        stored = list(log.read())
        assert [(r.position, r.id, r.known_at, r.hash) for r in made] == [
            (r.position, r.id, r.known_at, r.hash) for r in stored
        ]
        assert [r.event for r in made] == [r.event for r in stored]
        assert [r.subject for r in made] == [r.subject for r in stored]
        assert verify(store).ok
        knowns = [r.known_at for r in stored]
        assert knowns == sorted(knowns)
    finally:
        store.close()


def test_text_the_server_cannot_hold_is_refused_before_anything_is_written():
    """A lone surrogate: InvalidEventError naming the text, as on any store; nothing written."""
    store = PostgresStore(URL, schema=_schema())
    try:
        log = Log(store)
        log.append(Statement(speaker="analyst", text="first"), valid="2024")
        bad = log.entry(Statement(speaker="analyst", text="lone \ud800"), valid="2024")
        good = log.entry(Statement(speaker="analyst", text="fine"), valid="2024")
        with pytest.raises(InvalidEventError, match="not valid Unicode"):
            log.extend([good, bad])
        assert log.last_position == 1
        assert verify(store).ok
    finally:
        store.close()


def test_appends_of_every_size_take_their_lane_and_keep_one_chain(monkeypatch):
    """Each size of append takes its lane, and the lanes' rows make one chain.

    Chained by the server up to _CHAINED records without an expected position, else by
    the writer: pipelined up to _PIPELINED rows, else copied.
    """
    from timeline.stores._postgres import _store  # noqa: PLC0415 -- its limits, made small

    monkeypatch.setattr(_store, "_CHAINED", 3)
    monkeypatch.setattr(_store, "_PIPELINED", 2)
    calls = collections.Counter()
    for name in ("_append_prepared", "_insert"):
        original = getattr(_store.PostgresStore, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls[_name, self._connection._pipeline is not None] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(_store.PostgresStore, name, counted)
    store = PostgresStore(URL, schema=_schema())
    try:
        log = Log(store, clock=ManualClock("2024-03-01T00:00:00Z"))
        sizes = [1, 3, 4, 2, 5, 1]
        for n, size in enumerate(sizes):
            batch = [
                log.entry(Statement(speaker="analyst", text=f"{n}.{i}"), valid="2024")
                for i in range(size)
            ]
            log.extend(batch, expected_position=log.last_position if n % 2 else None)
        assert [r.event.text for r in log.read()] == [
            f"{n}.{i}" for n, size in enumerate(sizes) for i in range(size)
        ]
        assert verify(store).ok
        # Batches 0, 2 and 4 asked the server first; it chained batch 0 alone (1 record, not
        # over _CHAINED), which wrote nothing through _insert. Batches 3 and 5 (at most
        # _PIPELINED rows) were pipelined, 1, 2 and 4 copied.
        assert calls["_append_prepared", False] == 3
        assert calls["_insert", True] == 2
        assert calls["_insert", False] == 3
    finally:
        store.close()


@pytest.mark.parametrize("expected", [True, False])
def test_a_refused_append_says_why_once_writes_nothing_and_the_next_one_lands(caplog, expected):
    """An id already stored: the server refuses the append, in either lane.

    The error names the server's reason (a StoreError, not a lost connection); psycopg logs
    nothing beside it (a pipeline left aborted says so again unless handled); nothing is
    written, and the same connection appends next.
    """
    store = PostgresStore(URL, schema=_schema())
    try:
        log = Log(store)
        first = log.append(Statement(speaker="analyst", text="first"), valid="2024")
        again = Entry(Statement(speaker="analyst", text="second"), valid="2024", id=first.id)
        with (
            caplog.at_level("WARNING"),
            pytest.raises(StoreError, match="already stored") as caught,
        ):
            log.extend([again], expected_position=1 if expected else None)
        assert "lost the connection" not in str(caught.value)
        assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
        assert log.last_position == 1
        log.append(Statement(speaker="analyst", text="third"), valid="2024", expected_position=1)
        assert [r.event.text for r in log.read()] == ["first", "third"]
        assert verify(store).ok
    finally:
        store.close()


@pytest.mark.parametrize("where", ["memory", "sqlite", "jsonl", "postgres"])
def test_a_subject_holding_nul_is_refused_on_every_store(tmp_path, where):
    """NUL in a subject: the same InvalidEventError on every store (PostgreSQL cannot keep it)."""
    store = {
        "memory": lambda: None,
        "sqlite": lambda: SQLiteStore(tmp_path / "log.sqlite"),
        "jsonl": lambda: JsonLinesStore(tmp_path / "log.jsonl"),
        "postgres": lambda: PostgresStore(URL, schema=_schema()),
    }[where]()
    log = Log(store)
    try:
        with pytest.raises(InvalidEventError, match="holds NUL"):
            log.append(Statement(speaker="analyst", text="x"), valid="2024", subject="a\x00b")
        assert log.last_position == 0
    finally:
        log.close()


def _server_rows(store: PostgresStore, name: str) -> collections.Counter[tuple[object, ...]]:
    """The saved facts' rows the server answers from, as a multiset."""
    found = store._connection.execute(
        "SELECT key, first, start_earliest, start_last, end_earliest, end_last, floating, "
        "known_from, known_to FROM timeline_fact_rows WHERE name = %s",
        (name,),
    ).fetchall()
    return collections.Counter(tuple(row) for row in found)


def _fresh_rows(log: Log) -> collections.Counter[tuple[object, ...]]:
    """The rows a full save of an index built from the whole log writes."""
    index = SanctionsInForce(log)
    index.catch_up()
    return collections.Counter(
        row for row in index._row_tuples() if row[5] > row[2] and row[8] > row[7]
    )


# A reopened index reads its saved cells when a row is first made; after another index saved,
# they are not its own, and it says so (rows then come from records): not this test's point.
@pytest.mark.filterwarnings("ignore:the saved cells of:timeline.SnapshotIgnoredWarning")
@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=st.lists(operations(), min_size=2, max_size=4), reopen=st.integers(0, 3))
def test_saves_replace_only_the_rows_of_keys_that_changed_and_keep_every_row(chunks, reopen):
    """After each save the server keeps the rows a full save of a fresh build would write.

    The index saves once, then after each chunk of designations, lifts, retractions and
    corrections: only the keys whose rows changed are written (their rows, current or not).
    An index reopened from the saved state saves the same way; another index saving in
    between (the rows kept are then not the ones this index saved) makes the next save
    write every row.
    """
    store = PostgresStore(URL, schema=_schema())
    opened = [
        store,
        PostgresStore(URL, schema=store.schema),
        PostgresStore(URL, schema=store.schema),
    ]
    try:
        log = Log(store)
        index = SanctionsInForce(log)
        other = SanctionsInForce(Log(opened[1]))
        name = SanctionsInForce.name()
        for month, steps in enumerate(chunks, start=1):
            _logged(log, steps, month=2 * month)
            if month == reopen:
                index = SanctionsInForce.from_snapshot(Log(opened[2]))
            if month == 3:
                other.save_snapshot()  # saved further along: index's next save writes all
                _logged(log, steps[:1], month=2 * month + 1)
            index.save_snapshot()
            assert _server_rows(store, name) == _fresh_rows(log)
            found = SanctionsInForce.answer_from(store, "2024-06-01")
            assert set(found.keys()) == {hit.key for hit in index.at("2024-06-01")}
    finally:
        for each in opened:
            each.close()


def test_a_save_after_one_more_designation_writes_one_keys_rows(monkeypatch):
    """Of fifty designations saved, one more: the next save copies that key's rows alone.

    And not the state (the log grew by less than STATE_AFTER records): the answers on the
    server move on, the state stays, and an index started from it saves the same way.
    """
    from timeline.stores._postgres import _states  # noqa: PLC0415 -- its writer, counted

    copied: list[int] = []
    original = _states._copy_rows

    def counted(cursor, name, rows):
        rows = list(rows)
        copied.append(len(rows))
        return original(cursor, name, rows)

    monkeypatch.setattr(_states, "_copy_rows", counted)
    store = PostgresStore(URL, schema=_schema())
    try:
        clock = ManualClock("2024-01-12T00:00:00Z")
        log = Log(store, clock=clock)
        for n in range(50):
            unit = Target(name=f"Unit {n}", kind=TargetKind.ENTITY)
            log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
        index = SanctionsInForce(log)
        index.save_snapshot()
        unit = Target(name="Unit 50", kind=TargetKind.ENTITY)
        log.append(Designated(target=unit, authority="United States"), valid="2024-02/..")
        index.save_snapshot()
        assert copied == [50, 1]
        assert _server_rows(store, SanctionsInForce.name()) == _fresh_rows(log)
        # The rows alone: the state stays where it was saved, the answers move on.
        assert store.load_state(SanctionsInForce.name())[0] == 50
        assert SanctionsInForce.answer_from(store, "2024-03-01").position == 51
        reopened = SanctionsInForce.from_snapshot(Log(PostgresStore(URL, schema=store.schema)))
        lift = Lifted(target="Unit 7", authority="United States", every=True)
        clock.advance(days=1)
        log.append(lift, valid="2024-05-01")
        reopened.save_snapshot()
        # Started from the state at 50, it caught up Unit 50 and the lift: their keys' rows
        # (Unit 50's, and Unit 7's closed row and its new one) bring the rows kept up to date.
        assert copied == [50, 1, 3]
        assert _server_rows(store, SanctionsInForce.name()) == _fresh_rows(log)
        reopened.log.close()
    finally:
        store.close()


def test_the_state_is_saved_again_once_the_log_has_grown_enough(monkeypatch):
    """Saves write the rows alone until STATE_AFTER records came since the state's save."""
    from timeline.facts import _tuning  # noqa: PLC0415 -- its threshold, made small

    monkeypatch.setattr(_tuning, "STATE_AFTER", 3)
    store = PostgresStore(URL, schema=_schema())
    try:
        log = Log(store)
        index = SanctionsInForce(log)
        saved_at = []
        for n in range(8):
            unit = Target(name=f"Unit {n}", kind=TargetKind.ENTITY)
            log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
            index.save_snapshot()
            saved_at.append(store.load_state(SanctionsInForce.name())[0])
            assert SanctionsInForce.answer_from(store, "2024-03-01").position == n + 1
        # A full save first (nothing saved before), then every third record.
        assert saved_at == [1, 1, 1, 4, 4, 4, 7, 7]
        assert _server_rows(store, SanctionsInForce.name()) == _fresh_rows(log)
    finally:
        store.close()


def test_upkeep_of_a_schema_that_is_not_there_makes_none(capsys):
    """`timeline migrate` (or rebuild) at a mistyped schema: an error, and no schema made."""
    from timeline._cli import main  # noqa: PLC0415 -- the command line, as a user runs it

    schema = _schema()
    separator = "&" if "?" in URL else "?"
    assert main(["--store", f"{URL}{separator}schema={schema}", "migrate"]) == 1
    assert "no timeline store there to migrate" in capsys.readouterr().err
    with psycopg.connect(URL) as db:
        found = db.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    assert found == (0,)


_PARTS = st.lists(
    st.one_of(
        st.binary(max_size=3 * (1 << 16) + 5),
        st.builds(
            lambda n, b: b * n, st.integers(0, 3 * (1 << 16)), st.sampled_from([b"\0", b"x"])
        ),
    ),
    max_size=4,
)


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(saves=st.lists(st.tuples(st.integers(0, 5), _PARTS), min_size=1, max_size=4))
def test_a_state_saved_in_chunks_reads_back_whole_and_keeps_only_its_chunks(saves):
    """States are kept as chunks by digest: each load gives the last save's parts, exactly.

    Parts of any length (empty, shorter than a chunk, many chunks, repeated chunks); a save
    from a position behind the one kept is refused and changes nothing; the chunks kept are
    those of the state as it is, none left over from earlier saves.
    """
    store = PostgresStore(URL, schema=_schema())
    try:
        kept: tuple[int, list[bytes]] | None = None
        for position, parts in saves:
            written = store.save_state("probe", position, '{"m": 1}', parts)
            assert written == (kept is None or position >= kept[0])
            if written:
                kept = (position, parts)
            found = store.load_state("probe")
            assert found is not None
            assert (found[0], list(found[2])) == (kept[0], kept[1])
            chunks = {
                bytes(row[0])
                for row in store._connection.execute(
                    "SELECT digest FROM timeline_state_chunks WHERE name = 'probe'"
                )
            }
            wanted = {
                hashlib.sha256(part[at : at + (1 << 16)]).digest()
                for part in kept[1]
                for at in range(0, len(part), 1 << 16)
            }
            assert chunks == wanted
    finally:
        store.close()


def test_a_state_saved_whole_before_schema_4_still_loads_and_a_missing_chunk_is_refused():
    """A state kept as parts (schema 3) loads as it was; a chunk gone: the index is rebuilt."""
    store = PostgresStore(URL, schema=_schema())
    try:
        log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"))
        unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
        log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
        SanctionsInForce(log).save_snapshot()
        name = SanctionsInForce.name()
        position, meta, parts = store.load_state(name)
        parts = list(parts)
        store._connection.execute(
            "UPDATE timeline_states SET parts = %b, chunks = NULL, part_chunks = NULL "
            "WHERE name = %s",
            (parts, name),
        )
        store._connection.execute("DELETE FROM timeline_state_chunks WHERE name = %s", (name,))
        found = store.load_state(name)
        assert (found[0], found[1], list(found[2])) == (position, meta, parts)
        with warnings.catch_warnings():
            warnings.simplefilter("error", SnapshotIgnoredWarning)
            assert SanctionsInForce.from_snapshot(Log(store)).position == 1
        assert verify(store).ok
        # Saved again in chunks; then one chunk lost.
        log.append(Designated(target=unit, authority="United Kingdom"), valid="2024-01-11/..")
        SanctionsInForce(log).save_snapshot()
        store._connection.execute(
            "DELETE FROM timeline_state_chunks WHERE ctid = "
            "(SELECT min(ctid) FROM timeline_state_chunks WHERE name = %s)",
            (name,),
        )
        with pytest.warns(SnapshotIgnoredWarning, match="not used"):
            rebuilt = SanctionsInForce.from_snapshot(Log(store))
        assert rebuilt.position == 0  # built from the log instead, on the next question
        assert len(rebuilt.at("2024-02-01")) == 2
        assert not verify(store).ok
    finally:
        store.close()
