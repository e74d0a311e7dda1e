"""Benchmark: temporal facts over 10k, 100k and 1M facts, beside a full replay.

Run: .venv/bin/python bench/facts.py [--sizes 10000 100000 1000000] [--queries 1000]

Each size runs in its own process so that peak memory (max RSS) is its own.
The workload: one fact per key, starting on a random day of 1990-2030 at day
(70 %), month (20 %) or year (10 %) precision, lasting 1-14 days (0.1 % are
open-ended), appended in batches of 1,000 with the known time moving on.
The records are written to a memory store in their stored form first; the
timed build decodes them, as reading any store does.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import pendulum

from timeline import (
    Change,
    Log,
    ManualClock,
    Record,
    Registry,
    TemporalFacts,
    ends,
    event,
    starts,
    valid_time,
)

registry = Registry()


@event("bench.designated", registry=registry)
class Designated:
    target: str
    program: str


@event("bench.lifted", registry=registry)
class Lifted:
    target: str


class Sanctions(TemporalFacts):
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


def run(size: int, queries: int) -> dict[str, Any]:
    """Measure one size; return the figures."""
    rng = random.Random(size)
    clock = ManualClock("2024-01-01T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    started = time.perf_counter()
    _fill(log, clock, rng, 0, size)
    write = time.perf_counter() - started

    facts = Sanctions(log)
    started = time.perf_counter()
    facts.catch_up()
    build = time.perf_counter() - started

    # Catch-up is timed five times, 1,000 new records each: one sample may
    # meet a full garbage collection over every object the build made.
    catch_ups = []
    for round_ in range(5):
        _fill(log, clock, rng, size + 1000 * round_, 500)  # 500 facts: about 1,000 records
        started = time.perf_counter()
        facts.catch_up()
        catch_ups.append(time.perf_counter() - started)
    catch_up = statistics.median(catch_ups)

    instants = [
        pendulum.datetime(1990, 1, 1, tz="UTC").add(seconds=rng.randrange(40 * 365 * 86400))
        for _ in range(queries)
    ]
    # at() finds the hits, timed on its own, question after question; then
    # again with the hits put in key order (paid when first iterated), the
    # cost of reading the whole answer in order.
    latencies, found = [], []
    for at in instants:
        began = time.perf_counter()
        hits = facts.at(at)
        latencies.append(time.perf_counter() - began)
        found.append(len(hits))
    ordered = []
    for at in instants:
        began = time.perf_counter()
        facts.at(at)[:1]  # the first access sorts
        ordered.append(time.perf_counter() - began)

    # With nothing in force (before any fact), the cost is the index walk alone.
    empty = []
    quiet = pendulum.datetime(1970, 6, 1, tz="UTC")
    for _ in range(max(queries // 4, 1)):
        began = time.perf_counter()
        facts.at(quiet)
        empty.append(time.perf_counter() - began)

    first_known = log[1].known_at
    last_known = log[log.last_position].known_at
    span = int((last_known - first_known).total_seconds())
    bitemporal = []
    for at in instants[: max(queries // 4, 1)]:
        known = first_known.add(seconds=rng.randrange(span + 1))
        began = time.perf_counter()
        facts.at(at, known=known)
        bitemporal.append(time.perf_counter() - began)

    # Without the index, each question means reading and folding the log anew.
    replays = []
    for at in instants[: 3 if size <= 100_000 else 1]:
        began = time.perf_counter()
        fresh = Sanctions(log)
        fresh.catch_up()
        fresh.at(at)
        replays.append(time.perf_counter() - began)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "facts": size,
        "records": log.last_position,
        "write_s": write,
        "build_s": build,
        "catch_up_1000_ms": catch_up * 1000,
        "at_median_ms": statistics.median(latencies) * 1000,
        "at_p99_ms": _percentile(latencies, 0.99) * 1000,
        "ordered_median_ms": statistics.median(ordered) * 1000,
        "hits_median": statistics.median(found),
        "per_hit_us": statistics.median(latencies) * 1e6 / max(statistics.median(found), 1),
        "empty_us": statistics.median(empty) * 1e6,
        "vt_median_ms": statistics.median(bitemporal) * 1000,
        "vt_p99_ms": _percentile(bitemporal, 0.99) * 1000,
        "replay_median_ms": statistics.median(replays) * 1000,
        "peak_mib": peak,
    }


COLUMNS = [
    ("facts", "facts", "{:,}"),
    ("records", "records", "{:,}"),
    ("build_s", "build s", "{:.1f}"),
    ("catch_up_1000_ms", "catch-up/1k ms", "{:.1f}"),
    ("at_median_ms", "at V med ms", "{:.3f}"),
    ("at_p99_ms", "at V p99 ms", "{:.3f}"),
    ("ordered_median_ms", "at V in key order med ms", "{:.3f}"),
    ("hits_median", "hits med", "{:.0f}"),
    ("per_hit_us", "µs/hit", "{:.1f}"),
    ("empty_us", "at V, k=0 µs", "{:.0f}"),
    ("vt_median_ms", "(V,T) med ms", "{:.3f}"),
    ("vt_p99_ms", "(V,T) p99 ms", "{:.3f}"),
    ("replay_median_ms", "full replay ms", "{:,.0f}"),
    ("peak_mib", "peak MiB", "{:,.0f}"),
]


def main() -> None:
    """Run every size in its own process and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one, args.queries)))
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
