"""Benchmark: what the pieces of one append cost on this machine, without the log.

Run: .venv/bin/python bench/floor.py [--count 100000]

The store targets (batch append >= 200k events/s) leave 5 µs per event. This
script times, each on its own, the steps every append of the design must
take -- build the attrs event, unstructure it with cattrs, write its
canonical JSON, make a random UUID, hash the record into the chain, and
insert the row into SQLite with the store's own schema and indexes (rows made
beforehand: no Python work in the timed loop beyond executemany) -- and
prints a table of µs per event (each including a Python call's overhead,
about 0.1 µs) and the rate each step alone would allow.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from timeline import Registry, event
from timeline._codec import Codec, canonical_json
from timeline.stores._sqlite import _MIGRATIONS

registry = Registry()


@event("bench.noted", registry=registry)
class Noted:
    text: str
    n: int


def _time(count: int, step: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for n in range(count):
        step(n)
    return (time.perf_counter() - started) / count * 1e6


def _sqlite(count: int, durability: str) -> float:
    """µs per row to insert ready-made rows, 1,000 per transaction."""
    body = '{"data":{"n":123,"text":"note 123"},"valid":"2024-01-11"}'
    rows = [
        (n, os.urandom(16), 63_842_572_800_000_000, 1, f"s{n % 100}", body, os.urandom(32))
        for n in range(1, count + 1)
    ]
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "floor.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={durability}")
        db.execute("PRAGMA foreign_keys=ON")
        for step in sorted(_MIGRATIONS):
            _MIGRATIONS[step](db)
        db.execute("INSERT INTO types (id, name) VALUES (1, 'bench.noted')")
        started = time.perf_counter()
        for first in range(0, count, 1000):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)", rows[first : first + 1000]
            )
            db.execute("COMMIT")
        elapsed = time.perf_counter() - started
        db.close()
    return elapsed / count * 1e6


def main() -> None:
    """Time each step and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    codec = Codec(registry)
    sample = Noted(text="note 123", n=123)
    some_id = uuid.uuid4()
    data = codec.converter.unstructure(sample)
    body = canonical_json({"data": data, "valid": "2024-01-11"})
    chained = "\n".join(["0" * 64, "123", str(uuid.uuid4()), "2024-01-12T00:00:00.000000Z",
                         "bench.noted", '"s23"', body])  # fmt: skip
    steps: list[tuple[str, float]] = [
        ("build the attrs event", _time(count, lambda n: Noted(text="note", n=n))),
        ("cattrs unstructure", _time(count, lambda _: codec.converter.unstructure(sample))),
        ("canonical JSON of the body", _time(count, lambda _: canonical_json({"data": data}))),
        ("uuid.uuid4()", _time(count, lambda _: uuid.uuid4())),
        ("the UUID's text", _time(count, lambda _: str(some_id))),
        (
            "SHA-256 of the chained fields",
            _time(count, lambda _: hashlib.sha256(chained.encode()).hexdigest()),
        ),
        ("SQLite insert, durability full", _sqlite(count, "FULL")),
        ("SQLite insert, durability normal", _sqlite(count, "NORMAL")),
    ]
    print("| step | µs / event | at most events/s |")
    print("|---|---|---|")
    for name, micros in steps:
        print(f"| {name} | {micros:.2f} | {1e6 / micros:,.0f} |")
    required = sum(micros for name, micros in steps if "normal" not in name)
    print(f"| all of the above (full) | {required:.2f} | {1e6 / required:,.0f} |")


if __name__ == "__main__":
    main()
