"""Benchmark: append and read throughput, and bytes on disk, for each store.

Run with the benchmark environment, which adds the ``eventsourcing`` package
for comparison (it is not a project dependency)::

    make bench-stores            # or: .venv-bench/bin/python bench/stores.py

Options: ``--sizes 10000 100000 1000000``. For every size and store it
appends the same small events in batches of 1, 100 and 1,000, reads them all
back decoded, and measures the file; then does the same with eventsourcing's
recorders (POPO for memory, SQLite for SQLite) and prints the ratios.
Batches of one are timed on at most 10,000 events (each is a durable commit).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from timeline import Log, ManualClock, Registry, event
from timeline.stores import JsonLinesStore, MemoryStore, SQLiteStore
from timeline.typing import Store

registry = Registry()
SINGLE_LIMIT = 10_000


@event("bench.noted", registry=registry)
class Noted:
    text: str
    n: int


def _ours(kind: str, folder: Path) -> Store:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(folder / "log.sqlite")
    return JsonLinesStore(folder / "log.jsonl")


def _size_on_disk(kind: str, folder: Path) -> int | None:
    if kind == "memory":
        return None
    return sum(path.stat().st_size for path in folder.iterdir())


def bench_ours(kind: str, size: int, batch: int) -> dict[str, Any]:
    """Append ``size`` events in batches of ``batch``, then read them back."""
    count = min(size, SINGLE_LIMIT) if batch == 1 else size
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        store = _ours(kind, folder)
        log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
        started = time.perf_counter()
        for first in range(0, count, batch):
            log.extend(
                log.entry(Noted(text=f"note {n}", n=n), valid="2024-01-11", subject=f"s{n % 100}")
                for n in range(first, min(first + batch, count))
            )
        append = time.perf_counter() - started
        if kind == "sqlite":
            assert isinstance(store, SQLiteStore)  # noqa: S101 -- kind says so
            store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # noqa: SLF001 -- fold the WAL in
        disk = _size_on_disk(kind, folder)
        reader = Log(_ours(kind, folder) if kind != "memory" else store, registry=registry)
        started = time.perf_counter()
        read = sum(1 for _ in reader.read())
        reading = time.perf_counter() - started
    return _rates(count, read, append, reading, disk)


def _rates(
    count: int, read: int, append: float, reading: float, disk: int | None
) -> dict[str, Any]:
    """Events per second each way, and bytes per event; stop if records were lost."""
    if read != count:
        raise SystemExit(f"wrote {count} events but read back {read}")
    return {
        "append": count / append,
        "read": count / reading,
        "bytes": None if disk is None else disk / count,
        "count": count,
    }


@functools.cache
def _eventsourcing() -> dict[str, Any] | None:
    """Eventsourcing's classes, and our event as its domain event; None if not installed."""
    try:
        from eventsourcing.domain import DomainEvent  # noqa: PLC0415
        from eventsourcing.persistence import (  # noqa: PLC0415
            DatetimeAsISO,
            JSONTranscoder,
            Mapper,
            UUIDAsHex,
        )
        from eventsourcing.popo import POPOApplicationRecorder  # noqa: PLC0415
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
    return {
        "event": EsNoted,
        "mapper": Mapper(transcoder=transcoder),
        "popo": POPOApplicationRecorder,
        "recorder": SQLiteApplicationRecorder,
        "datastore": SQLiteDatastore,
    }


def bench_eventsourcing(kind: str, size: int, batch: int) -> dict[str, Any] | None:
    """The same workload on eventsourcing's recorders; None if it is not installed."""
    es = _eventsourcing()
    if es is None:
        return None
    EsNoted, mapper = es["event"], es["mapper"]  # noqa: N806 -- a class
    POPOApplicationRecorder = es["popo"]  # noqa: N806 -- a class
    SQLiteApplicationRecorder, SQLiteDatastore = es["recorder"], es["datastore"]  # noqa: N806
    if kind == "jsonl":
        return None
    count = min(size, SINGLE_LIMIT) if batch == 1 else size
    aggregates = [uuid.uuid4() for _ in range(100)]
    versions = [0] * 100
    now = dt.datetime(2024, 1, 12, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as name:
        if kind == "memory":
            recorder: Any = POPOApplicationRecorder()
        else:
            datastore = SQLiteDatastore(os.path.join(name, "es.sqlite"))  # noqa: PTH118
            recorder = SQLiteApplicationRecorder(datastore)
            recorder.create_table()
        started = time.perf_counter()
        for first in range(0, count, batch):
            stored = []
            for n in range(first, min(first + batch, count)):
                which = n % 100
                versions[which] += 1
                domain = EsNoted(
                    originator_id=aggregates[which],
                    originator_version=versions[which],
                    timestamp=now,
                    text=f"note {n}",
                    n=n,
                )
                stored.append(mapper.to_stored_event(domain))
            recorder.insert_events(stored)
        append = time.perf_counter() - started
        disk = None
        if kind == "sqlite":
            datastore.close()
            disk = sum(p.stat().st_size for p in Path(name).iterdir())
            recorder = SQLiteApplicationRecorder(SQLiteDatastore(os.path.join(name, "es.sqlite")))  # noqa: PTH118
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
        reading = time.perf_counter() - started
    return _rates(count, read, append, reading, disk)


def _fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.0f}{unit}"


def main() -> None:
    """Run every combination and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", default=["memory", "sqlite", "jsonl"])
    args = parser.parse_args()
    print(
        "| events | store | batch | append ev/s | eventsourcing ev/s | ratio "
        "| read+decode ev/s | eventsourcing ev/s | ratio | bytes/event | eventsourcing |"
    )
    print("|" + "---|" * 11)
    for size in args.sizes:
        for kind in args.stores:
            for batch in (1, 100, 1000):
                ours = bench_ours(kind, size, batch)
                theirs = bench_eventsourcing(kind, size, batch)

                def ratio(
                    key: str,
                    ours: dict[str, Any] = ours,
                    theirs: dict[str, Any] | None = theirs,
                ) -> str:
                    return "-" if theirs is None else f"{ours[key] / theirs[key]:.2f}x"

                print(
                    f"| {ours['count']:,} | {kind} | {batch} | {_fmt(ours['append'])} "
                    f"| {_fmt(theirs and theirs['append'])} | {ratio('append')} "
                    f"| {_fmt(ours['read'])} | {_fmt(theirs and theirs['read'])} | {ratio('read')} "
                    f"| {_fmt(ours['bytes'])} | {_fmt(theirs and theirs['bytes'])} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
