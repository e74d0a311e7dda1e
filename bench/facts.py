"""Benchmark: temporal facts over 10k, 100k and 1M facts, saved and reopened.

Run: .venv/bin/python bench/facts.py [--sizes 10000 100000 1000000] [--queries 1000]

Each size runs in its own process (and the reopen in another), so that memory
is its own. The workload: one fact per key, starting on a random day of
1990-2030 at day (70 %), month (20 %) or year (10 %) precision, lasting 1-14
days (0.1 % are open-ended), appended to a SQLite store in batches of 1,000
with the known time moving on. Beside the build, in the same process: a plain
SQLite insert of the same facts as (key, start, end) rows, and a full read of
the log (every record decoded, nothing folded). The facts are written as
field rules; the same facts written as methods are built too (every record
read the long way). The `timeline at` column runs the command on the store
twice, in new processes, and gives the second call's wall time, start-up
included.
"""

# ruff: noqa: SLF001 -- the benchmark weighs the index's own arrays

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pendulum

from timeline import (
    Change,
    Log,
    ManualClock,
    Question,
    Record,
    TemporalFacts,
    default_registry,
    ends,
    event,
    starts,
    valid_time,
)
from timeline.stores import SQLiteStore
from timeline.time import micros

# The default registry, so that the `timeline` command (--use facts:Sanctions) reads them too.
registry = default_registry


@event("bench.designated", registry=registry)
class Designated:
    target: str
    program: str


@event("bench.lifted", registry=registry)
class Lifted:
    target: str


class Sanctions(TemporalFacts):
    """The facts, written as field rules: a catch-up reads just the fields it needs."""

    @classmethod
    def name(cls) -> str:
        # One name whether this file runs as __main__ or is imported as facts.
        return "bench.facts.Sanctions"

    designated = starts(Designated, key="target", values=["program"])
    lifted = ends(Lifted, key="target")


class MethodSanctions(TemporalFacts):
    """The same facts, written as methods: a catch-up reads every record."""

    @starts(Designated)
    def designated(self, record: Record) -> Change:
        return Change(record.event.target, {"program": record.event.program})

    @ends(Lifted)
    def lifted(self, record: Record) -> str:
        return str(record.event.target)


def _valid(rng: random.Random) -> str:
    day = pendulum.date(1990, 1, 1).add(days=rng.randrange(40 * 365))
    roll = rng.random()
    if roll < 0.1:
        return f"{day.year:04d}"
    if roll < 0.3:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _fill(log: Log, clock: ManualClock, rng: random.Random, first: int, count: int) -> None:
    for batch_start in range(first, first + count, 1000):
        clock.advance(minutes=1)
        entries = []
        for n in range(batch_start, min(batch_start + 1000, first + count)):
            start = _valid(rng)
            target = f"target-{n}"
            entries.append(
                log.entry(Designated(target=target, program="DPRK3"), valid=start, subject=target)
            )
            if rng.random() >= 0.001:
                began = valid_time(start).extent.start.latest
                stop = began.add(days=rng.randrange(1, 15)).date()
                entries.append(
                    log.entry(Lifted(target=target), valid=stop.isoformat(), subject=target)
                )
        log.extend(entries)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _resident() -> int:
    """Resident memory now, in bytes (not the peak)."""
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _index_bytes(facts: Sanctions) -> int:
    """The bytes the index itself holds: its arrays, keys and small tables (not the allocator's)."""
    arrays = [
        facts._key_slot, facts._key_row, facts._slot_position, facts._slot_previous,
        *facts._rows.columns(),
    ]  # fmt: skip
    for intervals in facts._sets.values():
        if intervals._queued:
            continue
        for level in intervals._levels:
            for columns in level.values():
                arrays.extend(columns)
    size = sum(len(a) * a.itemsize for a in arrays) + len(facts._slot_ids)
    keys = facts._keys  # their text in one blob, its ends, and the hash indexes
    size += len(keys.blob)
    arrays = (keys.ends, keys.hashes, keys.by_hash, keys.table, keys.table_hashes)
    return size + sum(len(a) * a.itemsize for a in arrays)


def _plain_insert(log: Log, folder: Path) -> float:
    """Seconds to insert each fact as a (key, start, end) row into SQLite: the peer."""
    rows = []
    for record in log.read(types=[Designated]):
        extent = record.valid.extent
        rows.append((record.event.target, extent.start.earliest.isoformat(), None))
    db = sqlite3.connect(folder / "plain.sqlite")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE facts (key TEXT, start TEXT, end TEXT)")
    began = time.perf_counter()
    with db:
        db.executemany("INSERT INTO facts VALUES (?, ?, ?)", rows)
    took = time.perf_counter() - began
    db.close()
    return took


def _instants(rng: random.Random, count: int) -> list[pendulum.DateTime]:
    return [
        pendulum.datetime(1990, 1, 1, tz="UTC").add(seconds=rng.randrange(40 * 365 * 86400))
        for _ in range(count)
    ]


def _questions(facts: Sanctions, log: Log, rng: random.Random, queries: int) -> dict[str, float]:
    zoned = _instants(rng, queries)
    # The facts are written without a zone (floating), as sources write them:
    # asked the same way -- local time, as `timeline at 2014-06-01` asks -- they
    # meet as written. An aware instant meets them through every offset (below).
    instants = [
        Question(micros(at), micros(at) + 1, floating=True)  # the wall time, floating
        for at in zoned
    ]
    # at() finds the hits; "in key order" also puts them in key order and
    # reads the first (the order is what costs); "every hit" makes them all.
    latencies, found, ordered, every = [], [], [], []
    for at in instants:
        began = time.perf_counter()
        hits = facts.at(at)
        latencies.append(time.perf_counter() - began)
        found.append(len(hits))
    for at in instants:
        began = time.perf_counter()
        facts.at(at)[:1]
        ordered.append(time.perf_counter() - began)
    for at in instants:
        began = time.perf_counter()
        list(facts.at(at))
        every.append(time.perf_counter() - began)
    across = []
    for at in zoned:
        began = time.perf_counter()
        facts.at(at)
        across.append(time.perf_counter() - began)
    quiet = pendulum.datetime(1970, 6, 1, tz="UTC")
    empty = []
    for _ in range(max(queries // 4, 1)):
        began = time.perf_counter()
        facts.at(quiet)
        empty.append(time.perf_counter() - began)
    first_known = log[1].known_at
    span = int((log[log.last_position].known_at - first_known).total_seconds())
    bitemporal = []
    for at in instants[: max(queries // 4, 1)]:
        known = first_known.add(seconds=rng.randrange(span + 1))
        began = time.perf_counter()
        list(facts.at(at, known=known))
        bitemporal.append(time.perf_counter() - began)
    return {
        "at_median_ms": statistics.median(latencies) * 1000,
        "at_p99_ms": _percentile(latencies, 0.99) * 1000,
        "zoned_median_ms": statistics.median(across) * 1000,
        "ordered_median_ms": statistics.median(ordered) * 1000,
        "ordered_p99_ms": _percentile(ordered, 0.99) * 1000,
        "every_median_ms": statistics.median(every) * 1000,
        "hits_median": statistics.median(found),
        "empty_us": statistics.median(empty) * 1e6,
        "vt_median_ms": statistics.median(bitemporal) * 1000,
        "vt_p99_ms": _percentile(bitemporal, 0.99) * 1000,
    }


def run(size: int, queries: int, folder: Path) -> dict[str, Any]:
    """Measure one size in this process; the reopen runs in another."""
    rng = random.Random(size)
    clock = ManualClock("2024-01-01T00:00:00Z")
    path = folder / "facts.sqlite"
    log = Log(SQLiteStore(path, durability="normal"), clock=clock, registry=registry)
    _fill(log, clock, rng, 0, size)
    plain = _plain_insert(log, folder)

    gc.collect()
    began = time.perf_counter()
    replayed = sum(1 for _ in log.read())
    replay = time.perf_counter() - began

    gc.collect()
    before = _resident()
    facts = Sanctions(log)
    began = time.perf_counter()
    facts.catch_up()
    build = time.perf_counter() - began
    gc.collect()
    memory = _resident() - before
    held = _index_bytes(facts)

    began = time.perf_counter()
    facts.save_snapshot()
    save = time.perf_counter() - began
    saved = log.store.load_state(Sanctions.name())
    state_bytes = sum(len(part) for part in saved[2]) if saved else 0
    del saved

    figures = _questions(facts, log, rng, queries)
    del facts
    gc.collect()

    # The same facts written as methods (after the memory was measured).
    methods = MethodSanctions(log)
    began = time.perf_counter()
    methods.catch_up()
    build_methods = time.perf_counter() - began
    del methods
    gc.collect()

    reopened = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--reopen", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    cli = _cli_at(path)

    # Catch-up, five times 1,000 new records (500 facts), in the reopened state.
    facts = Sanctions.from_snapshot(log)
    facts.catch_up()
    catch_ups = []
    for round_ in range(5):
        _fill(log, clock, rng, size + 1000 * round_, 500)
        began = time.perf_counter()
        facts.catch_up()
        catch_ups.append(time.perf_counter() - began)
    log.close()
    return {
        "facts": size,
        "records": replayed,
        "build_us": build / size * 1e6,
        "build_methods_us": build_methods / size * 1e6,
        "plain_us": plain / size * 1e6,
        "replay_us": replay / size * 1e6,
        "memory_b": memory / size,
        "held_b": held / size,
        "save_s": save,
        "state_b": state_bytes / size,
        **reopened,
        "cli_s": cli,
        "catch_up_1000_ms": statistics.median(catch_ups) * 1000,
        **figures,
    }


def reopen(path: Path) -> dict[str, float]:
    """In a new process: open the saved index, answer one question; time and memory."""
    gc.collect()
    before = _resident()
    began = time.perf_counter()
    log = Log(SQLiteStore(path, read_only=True), registry=registry)
    facts = Sanctions.from_snapshot(log)
    list(facts.at("2010-06-15"))
    took = time.perf_counter() - began
    gc.collect()
    count = max(len(facts), 1)
    return {
        "reopen_s": took,
        "reopened_b": (_resident() - before) / count,
        "reopened_held_b": _index_bytes(facts) / count,
    }


def _cli_at(path: Path) -> float:
    """Wall seconds of the second ``timeline at`` on the store, start-up included."""
    command = [
        sys.executable, "-m", "timeline", "--store", str(path), "--use", "facts:Sanctions",
        "--format", "csv", "at", "2010-06-15",
    ]  # fmt: skip
    paths = [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    took = 0.0
    for _ in range(2):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        took = time.perf_counter() - began
    return took


COLUMNS = [
    ("facts", "facts", "{:,}"),
    ("build_us", "build µs/fact", "{:.1f}"),
    ("build_methods_us", "build, methods µs/fact", "{:.1f}"),
    ("plain_us", "SQLite insert µs/fact", "{:.1f}"),
    ("replay_us", "read log µs/fact", "{:.1f}"),
    ("memory_b", "resident B/fact", "{:,.0f}"),
    ("held_b", "index B/fact", "{:,.0f}"),
    ("save_s", "save s", "{:.2f}"),
    ("state_b", "saved B/fact", "{:,.0f}"),
    ("reopen_s", "reopen + answer s", "{:.3f}"),
    ("reopened_b", "reopened resident B/fact", "{:,.0f}"),
    ("reopened_held_b", "reopened index B/fact", "{:,.0f}"),
    ("cli_s", "`timeline at` 2nd call s", "{:.2f}"),
    ("catch_up_1000_ms", "catch-up/1k ms", "{:.1f}"),
    ("at_median_ms", "at V med ms", "{:.3f}"),
    ("at_p99_ms", "at V p99 ms", "{:.3f}"),
    ("zoned_median_ms", "at aware V med ms", "{:.3f}"),
    ("ordered_median_ms", "in key order med ms", "{:.3f}"),
    ("ordered_p99_ms", "in key order p99 ms", "{:.3f}"),
    ("every_median_ms", "every hit made med ms", "{:.3f}"),
    ("hits_median", "hits med", "{:.0f}"),
    ("empty_us", "k=0 µs", "{:.0f}"),
    ("vt_median_ms", "(V,T) med ms", "{:.3f}"),
    ("vt_p99_ms", "(V,T) p99 ms", "{:.3f}"),
]


def main() -> None:
    """Run every size in its own process and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reopen", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reopen:
        print(json.dumps(reopen(args.reopen)))
        return
    if args.one:
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as folder:
            print(json.dumps(run(args.one, args.queries, Path(folder))))
        return
    rows = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout))
    header = " | ".join(title for _, title, _ in COLUMNS)
    print(f"| {header} |")
    print("|" + "|".join("---" for _ in COLUMNS) + "|")
    for row in rows:
        cells = " | ".join(fmt.format(row[key]) for key, _, fmt in COLUMNS)
        print(f"| {cells} |")


if __name__ == "__main__":
    main()
