"""Benchmark: SQLite store throughput, beside eventsourcing and the floor, in one run.

Run with the benchmark environment, which adds the ``eventsourcing`` package
for comparison (it is not a project dependency)::

    make bench-stores            # or: .venv-bench/bin/python bench/stores.py

Options: ``--events 100000 --rounds 3 --where disk tmpfs``. Every round runs,
for each place and batch size, three appenders one after the other, in an
order that rotates from round to round: the log (``Log.extend`` on a
``SQLiteStore``), eventsourcing's SQLite application recorder, and the floor
-- SQLite inserting rows and postings made beforehand into the store's own
schema, with no Python work beyond ``executemany``. All three write with ``synchronous=FULL``
in WAL mode. Then each reads everything back decoded (the floor: the rows
only). The tables show medians over the rounds.

Batches of one are durable commits, timed on at most 2,000 events. The
second table times the log's selective reads (by subject, by type, by known
time, one record by position) on the store appended in batches of 1,000.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from timeline import Log, Registry, event
from timeline.stores import SQLiteStore
from timeline.stores._sqlite import SCHEMA_VERSION, _postings_of

registry = Registry()
SINGLE_LIMIT = 2_000
START = dt.datetime(2024, 1, 12, tzinfo=dt.UTC)


@event("bench.noted", registry=registry)
class Noted:
    """The benchmark's small event."""

    text: str
    n: int


@event("bench.flagged", registry=registry)
class Flagged:
    """A rare event (one in 1,000), for reads by type."""

    n: int


def _places(names: list[str]) -> dict[str, str]:
    places = {"disk": tempfile.gettempdir(), "tmpfs": "/dev/shm"}  # noqa: S108 -- a tmpfs on purpose
    return {name: places[name] for name in names if Path(places[name]).is_dir()}


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir())


def _entries(log: Log, first: int, stop: int) -> Iterator[Any]:
    for n in range(first, stop):
        if n % 1000 == 999:
            yield log.entry(Flagged(n=n), valid="2024-01-11", subject=f"s{n % 100}")
        else:
            yield log.entry(Noted(text=f"note {n}", n=n), valid="2024-01-11", subject=f"s{n % 100}")


def ours(folder: Path, count: int, batch: int) -> dict[str, float]:
    """Append ``count`` events in batches through the log, then read them back decoded."""
    path = folder / "log.sqlite"
    log = Log(SQLiteStore(path), registry=registry)
    started = time.perf_counter()
    for first in range(0, count, batch):
        known = START + dt.timedelta(seconds=first)
        log.extend(_entries(log, first, min(first + batch, count)), known=known)
    append = time.perf_counter() - started
    log.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    disk = _size(folder)
    reader = Log(SQLiteStore(path, read_only=True), registry=registry)
    started = time.perf_counter()
    read = sum(1 for _ in reader.read())
    reading = time.perf_counter() - started
    reader.close()
    return _rates(count, read, append, reading, disk)


def floor(folder: Path, count: int, batch: int) -> dict[str, float]:
    """Insert ready-made rows (and postings) into the store's own schema; select them back."""
    store = SQLiteStore(folder / "floor.sqlite")  # the schema, made as the store makes it
    store.close()
    body = '{"data":{"n":123,"text":"note 123"},"valid":"2024-01-11"}'
    known = 63_842_572_800_000_000
    rows = [
        (n, os.urandom(16), known + n, 1, f"s{n % 100}", body, os.urandom(32))
        for n in range(1, count + 1)
    ]
    postings = [
        _postings_of((row[0], row[3], row[4]) for row in rows[first : first + batch])
        for first in range(0, count, batch)
    ]
    db = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    db.execute("PRAGMA synchronous=FULL")
    db.execute("INSERT INTO types (id, name) VALUES (1, 'bench.noted')")
    columns = len(rows[0])
    insert = f"INSERT INTO records VALUES ({', '.join('?' * columns)})"  # noqa: S608 -- fixed
    started = time.perf_counter()
    for number, first in enumerate(range(0, count, batch)):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(insert, rows[first : first + batch])
        db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", postings[number])
        db.execute("COMMIT")
    append = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    disk = _size(folder)
    started = time.perf_counter()
    read = sum(1 for _ in db.execute("SELECT * FROM records ORDER BY position"))
    reading = time.perf_counter() - started
    db.close()
    return _rates(count, read, append, reading, disk)


def _rates(count: int, read: int, append: float, reading: float, disk: int) -> dict[str, float]:
    """Events per second each way, and bytes per event; stop if records were lost."""
    if read != count:
        raise SystemExit(f"wrote {count} events but read back {read}")
    return {"append": count / append, "read": count / reading, "bytes": disk / count}


@functools.cache
def _eventsourcing() -> tuple[Any, ...] | None:
    """Eventsourcing's recorder and mapper, and our event as its domain event."""
    try:
        from eventsourcing.domain import DomainEvent  # noqa: PLC0415
        from eventsourcing.persistence import (  # noqa: PLC0415
            DatetimeAsISO,
            JSONTranscoder,
            Mapper,
            UUIDAsHex,
        )
        from eventsourcing.sqlite import (  # noqa: PLC0415
            SQLiteApplicationRecorder,
            SQLiteDatastore,
        )
    except ImportError:
        return None

    @dataclasses.dataclass(frozen=True)
    class EsNoted(DomainEvent):
        text: str
        n: int

    transcoder = JSONTranscoder()
    transcoder.register(DatetimeAsISO())
    transcoder.register(UUIDAsHex())
    return EsNoted, Mapper(transcoder=transcoder), SQLiteApplicationRecorder, SQLiteDatastore


def theirs(folder: Path, count: int, batch: int) -> dict[str, float] | None:
    """The same workload on eventsourcing's SQLite recorder; None if it is not installed."""
    found = _eventsourcing()
    if found is None:
        return None
    EsNoted, mapper, SQLiteApplicationRecorder, SQLiteDatastore = found  # noqa: N806 -- classes
    path = str(folder / "es.sqlite")
    datastore = SQLiteDatastore(path)
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    append = es_append(recorder, mapper, EsNoted, count, batch)
    datastore.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    disk = _size(folder)
    datastore = SQLiteDatastore(path)
    recorder = SQLiteApplicationRecorder(datastore)
    read, reading = es_read(recorder, mapper)
    datastore.close()
    return _rates(count, read, append, reading, disk)


def es_append(recorder: Any, mapper: Any, es_noted: Any, count: int, batch: int) -> float:  # noqa: ANN401
    """Insert the workload's events through an eventsourcing recorder; the seconds it took."""
    aggregates = [uuid.uuid4() for _ in range(100)]
    versions = [0] * 100
    started = time.perf_counter()
    for first in range(0, count, batch):
        stored = []
        for n in range(first, min(first + batch, count)):
            which = n % 100
            versions[which] += 1
            domain = es_noted(
                originator_id=aggregates[which],
                originator_version=versions[which],
                timestamp=START + dt.timedelta(seconds=first),
                text=f"note {n}",
                n=n,
            )
            stored.append(mapper.to_stored_event(domain))
        recorder.insert_events(stored)
    return time.perf_counter() - started


def es_read(recorder: Any, mapper: Any) -> tuple[int, float]:  # noqa: ANN401
    """Read every notification back through the mapper: how many, and the seconds it took."""
    started = time.perf_counter()
    read, start = 0, 1
    while True:
        page = recorder.select_notifications(start, 1000)
        if not page:
            break
        for notification in page:
            mapper.to_domain_event(notification)
        read += len(page)
        start = page[-1].id + 1
    return read, time.perf_counter() - started


def selective(folder: Path, count: int) -> dict[str, float]:
    """Milliseconds for the log's indexed reads, each the median of 20 tries."""
    path = folder / "log.sqlite"
    log = Log(SQLiteStore(path, read_only=True), registry=registry)
    middle = START + dt.timedelta(seconds=count // 2, milliseconds=500)

    def timed(call: Callable[[int], object]) -> float:
        times = []
        for n in range(20):
            started = time.perf_counter()
            call(n)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1e3

    figures = {
        "subject (1 in 100)": timed(lambda n: sum(1 for _ in log.read(subject=f"s{n}"))),
        "type (1 in 1,000)": timed(lambda _: sum(1 for _ in log.read(types=[Flagged]))),
        "last position known by T": timed(lambda _: log.last_position_known_by(middle)),
        "one record by position": timed(lambda n: log[1 + n * (count // 20)]),
    }
    log.close()
    return figures


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:  # noqa: C901 -- one loop over rounds, places and batches
    """Run every combination, interleaved, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--where", nargs="+", default=["disk", "tmpfs"])
    parser.add_argument("--batches", type=int, nargs="+", default=[1000, 100, 1])
    args = parser.parse_args()
    places = _places(args.where)
    runs: dict[str, Callable[[Path, int, int], dict[str, float] | None]] = {
        "ours": ours,
        "eventsourcing": theirs,
        "floor": floor,
    }
    results: dict[tuple[str, int, str], list[dict[str, float]]] = {}
    reads: dict[str, list[dict[str, float]]] = {}
    for round_number in range(args.rounds):
        names = list(runs)
        names = names[round_number % 3 :] + names[: round_number % 3]
        for where, base in places.items():
            for batch in args.batches:
                count = min(args.events, SINGLE_LIMIT) if batch == 1 else args.events
                for name in names:
                    with tempfile.TemporaryDirectory(dir=base) as folder:
                        figures = runs[name](Path(folder), count, batch)
                        if figures is not None:
                            results.setdefault((where, batch, name), []).append(figures)
                        if name == "ours" and batch == max(args.batches):
                            reads.setdefault(where, []).append(selective(Path(folder), count))
    print(f"SQLite, {args.events:,} small events, schema {SCHEMA_VERSION}, medians of "
          f"{args.rounds} rounds\n")  # fmt: skip
    print(
        "| where | batch | append ev/s | eventsourcing | ratio | floor | of floor "
        "| read+decode ev/s | eventsourcing | ratio | floor (rows only) "
        "| bytes/event | eventsourcing |"
    )
    print("|" + "---|" * 13)
    for where in places:
        for batch in args.batches:
            medians = {
                name: {key: _median([r[key] for r in rows]) for key in rows[0]}
                for (w, b, name), rows in results.items()
                if w == where and b == batch
            }
            mine, peer, bare = medians["ours"], medians.get("eventsourcing"), medians["floor"]

            def ratio(key: str, mine: dict[str, float] = mine, peer: Any = peer) -> str:  # noqa: ANN401
                return "-" if peer is None else f"{mine[key] / peer[key]:.2f}x"

            def rate(figures: Any, key: str) -> str:  # noqa: ANN401
                return "-" if figures is None else f"{figures[key]:,.0f}"

            print(
                f"| {where} | {batch} | {rate(mine, 'append')} | {rate(peer, 'append')} "
                f"| {ratio('append')} | {rate(bare, 'append')} "
                f"| {mine['append'] / bare['append']:.0%} | {rate(mine, 'read')} "
                f"| {rate(peer, 'read')} | {ratio('read')} | {rate(bare, 'read')} "
                f"| {mine['bytes']:.0f} | {rate(peer, 'bytes')} |"
            )
    print("\n| where | read | ms (median) |")
    print("|---|---|---|")
    for where, rounds in reads.items():
        for key in rounds[0]:
            print(f"| {where} | {key} | {_median([r[key] for r in rounds]):.2f} |")


if __name__ == "__main__":
    main()
