"""Many processes at once: nobody's append is lost, nothing is added twice.

Writers without an expected position never lose a race for good, and loads of
one file add each entry exactly once, whoever goes first.
"""

from __future__ import annotations

import collections
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import timeline.events  # the writers' event type, read back here
from timeline import Log, seed_path
from timeline.stores import SQLiteStore, open_store, verify

URL = os.environ.get("TIMELINE_TEST_POSTGRES")
TIMELINE = Path(sys.executable).with_name("timeline")


@pytest.fixture(params=["sqlite", "jsonl", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a store will be: a file's path, or a PostgreSQL URL with a schema of its own."""
    if request.param != "postgres":
        yield str(tmp_path / f"log.{request.param}")
        return
    if URL is None:
        pytest.skip("no PostgreSQL server named: set TIMELINE_TEST_POSTGRES")
    psycopg = pytest.importorskip("psycopg")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(URL, autocommit=True) as db:
        db.execute(psycopg.sql.SQL("CREATE SCHEMA {}").format(psycopg.sql.Identifier(schema)))
    yield f"{URL}{'&' if '?' in URL else '?'}options=-csearch_path%3D{schema}"
    with psycopg.connect(URL, autocommit=True) as db:
        db.execute(psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(psycopg.sql.Identifier(schema)))


WRITER = """
import sys
from timeline import Log
from timeline.events import Statement
log = Log(sys.argv[1])
writer, appends, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for n in range(appends):
    log.extend([
        log.entry(Statement(speaker=f"w{writer}", text=f"{n}.{i}"), valid="2024")
        for i in range(size)
    ])
"""


@pytest.mark.parametrize("size", [1, 10])
def test_writers_without_an_expected_position_never_give_up(location, size):
    """Eight processes append at once, none naming a position: all land, once, in a whole chain."""
    open_store(location).close()  # made once, before the race
    writers, appends = 8, 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, location, str(w), str(appends), str(size)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    errors = [proc.communicate(timeout=300)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * writers, errors
    assert not any("ConcurrencyError" in error for error in errors)
    store = open_store(location)
    records = list(Log(store).read())
    assert [r.position for r in records] == list(range(1, writers * appends * size + 1))
    said = collections.Counter((r.event.speaker, r.event.text) for r in records)
    assert set(said.values()) == {1}
    assert verify(store).ok
    store.close()


def test_loads_of_one_file_at_once_add_each_entry_once(location):
    """Three `timeline load`s of the seed together: 14 records, and every loader says it is done."""
    seed = seed_path()
    procs = [
        subprocess.Popen(
            [str(TIMELINE), "--store", location, "load", str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], outcomes
    loaded = sorted(int(out.split()[1]) for out, _ in outcomes)
    assert loaded[-1] == 14
    assert sum(loaded) == 14  # the others found everything there already
    assert sum("14 already there" in out for out, _ in outcomes) == 2
    store = open_store(location)
    records = list(store.read())
    assert len(records) == len({r.id for r in records}) == 14
    assert verify(store).ok
    store.close()


def test_a_loader_that_finds_the_file_half_loaded_adds_the_rest(tmp_path):
    """A load after another wrote some of the same ids appends only what is missing, once."""
    seed = seed_path()
    lines = seed.read_text().splitlines(keepends=True)
    half = tmp_path / "half.jsonl"
    half.write_text("".join(lines[:8]))  # the defaults line and 7 entries
    location = str(tmp_path / "log.sqlite")
    subprocess.run([str(TIMELINE), "--store", location, "load", str(half)], check=True)
    result = subprocess.run(
        [str(TIMELINE), "--store", location, "load", str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert result.stdout.startswith("loaded 7 records")
    assert "(7 already there, skipped)" in result.stdout
    assert len(list(open_store(location).read())) == 14


def test_opening_while_another_writes_waits_for_the_switch_to_wal(tmp_path):
    """A store still in rollback mode opens while another connection holds the write lock.

    Turning a file to WAL reads its header and then writes it; SQLite refuses
    that write at once, without waiting, when another connection took the
    write lock in between -- what processes opening a new store together met
    (one CI run in forty: "cannot open: database is locked"). Here the lock
    is held on purpose and let go a moment later: the open waits, then works.
    """
    path = tmp_path / "log.sqlite"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:  # as a store made before WAL: rollback mode
        db.execute("PRAGMA journal_mode=DELETE")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    let_go = threading.Timer(0.3, other.execute, ("COMMIT",))
    let_go.start()
    try:
        store = SQLiteStore(path)
        Log(store).append(timeline.events.Statement(speaker="a", text="b"), valid="2024")
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert len(list(store.read())) == 1
        store.close()
    finally:
        let_go.join()
        other.close()
