"""Benchmark: the PostgreSQL store beside eventsourcing's PostgreSQL recorder, in one run.

Run with the benchmark environment (``make bench-postgres``), which adds the
``eventsourcing`` package. The server is ``TIMELINE_BENCH_POSTGRES`` (a libpq
URL of a database this may use; default ``postgresql://postgres@127.0.0.1/postgres``):
a fresh database of the run's own (``timeline_bench_<pid>_<random>``) is made on it, and
dropped at the end.

The workload is bench/stores.py's: small events, a day for valid time, one of
100 subjects. Appended in batches of 1,000 (and 100), then read back decoded,
by ``PostgresStore`` through the log and by eventsourcing's
``PostgresApplicationRecorder`` (its mapper for events); in an order that
rotates from round to round; medians. Then eight writer processes append at
once through the log, retrying on ``ConcurrencyError``: events per second in
total, and whether the positions came out contiguous.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import statistics
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
import facts
import stores

from timeline import ConcurrencyError, Log, ManualClock
from timeline.stores import PostgresStore

# A database of this run's own: another run's (or anyone's) is never dropped.
# Named once, in the environment, so that the writer processes (spawned) find the same one.
_DATABASE = os.environ.setdefault(
    "TIMELINE_BENCH_DATABASE", f"timeline_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
)


def _admin_url() -> str:
    return os.environ.get("TIMELINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1/postgres")


def _bench_url() -> str:
    parts = urllib.parse.urlsplit(_admin_url())
    return urllib.parse.urlunsplit(parts._replace(path=f"/{_DATABASE}"))


def ours(count: int, batch: int) -> dict[str, float]:
    """Append ``count`` events in batches through the log, then read them back decoded."""
    schema = f"ours_{uuid.uuid4().hex[:8]}"
    log = Log(PostgresStore(_bench_url(), schema=schema), registry=stores.registry)
    started = time.perf_counter()
    for first in range(0, count, batch):
        known = stores.START + dt.timedelta(seconds=first)
        log.extend(stores._entries(log, first, min(first + batch, count)), known=known)  # noqa: SLF001
    append = time.perf_counter() - started
    started = time.perf_counter()
    read = sum(1 for _ in log.read())
    reading = time.perf_counter() - started
    log.close()
    assert read == count  # noqa: S101 -- a benchmark that lost events measured nothing
    return {"append": count / append, "read": read / reading}


def theirs(count: int, batch: int) -> dict[str, float] | None:
    """The same on eventsourcing's PostgreSQL application recorder; None if not installed."""
    try:
        from eventsourcing.postgres import (  # noqa: PLC0415
            PostgresApplicationRecorder,
            PostgresDatastore,
        )
    except ImportError:
        return None
    found = stores._eventsourcing()  # noqa: SLF001 -- the same event and mapper
    if found is None:
        return None
    es_noted, mapper = found[0], found[1]
    parts = urllib.parse.urlsplit(_bench_url())
    schema = f"theirs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_bench_url(), autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    datastore = PostgresDatastore(
        _DATABASE,
        parts.hostname or "127.0.0.1",
        parts.port or 5432,
        parts.username or "postgres",
        parts.password or "",
        schema=schema,
    )
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    append = stores.es_append(recorder, mapper, es_noted, count, batch)
    read, reading = stores.es_read(recorder, mapper)
    datastore.close()
    return {"append": count / append, "read": read / reading}


def _writer(url: str, schema: str, batches: int, size: int, results: Any) -> None:  # noqa: ANN401
    log = Log(PostgresStore(url, schema=schema), registry=stores.registry)
    conflicts = 0
    for batch in range(batches):
        entries = list(stores._entries(log, batch * size, (batch + 1) * size))  # noqa: SLF001
        while True:
            try:
                log.extend(entries, expected_position=log.last_position)
                break
            except ConcurrencyError:
                conflicts += 1
    log.close()
    results.put(conflicts)


def many_writers(processes: int, batches: int, size: int) -> dict[str, float]:
    """``processes`` writers at once: events/s in total, conflicts, contiguous positions."""
    schema = f"many_{uuid.uuid4().hex[:8]}"
    PostgresStore(_bench_url(), schema=schema).close()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    writers = [
        context.Process(target=_writer, args=(_bench_url(), schema, batches, size, results))
        for _ in range(processes)
    ]
    started = time.perf_counter()
    for writer in writers:
        writer.start()
    conflicts = sum(results.get(timeout=600) for _ in writers)
    took = time.perf_counter() - started
    for writer in writers:
        writer.join()
    store = PostgresStore(_bench_url(), schema=schema)
    positions = [record.position for record in store.read()]
    store.close()
    contiguous = positions == list(range(1, len(positions) + 1))
    return {
        "events": len(positions),
        "rate": len(positions) / took,
        "conflicts": conflicts,
        "contiguous": float(contiguous),
    }


def _ticker(url: str, schema: str, samples: int) -> None:
    """Append one statement every 20 ms, each carrying the wall time just before its append."""
    from timeline.events import Statement  # noqa: PLC0415 -- in the child

    log = Log(PostgresStore(url, schema=schema))
    for _ in range(samples):
        time.sleep(0.02)
        log.append(Statement(speaker="ticker", text=repr(time.time())), valid="2024")
    log.close()


def follower_latency(samples: int) -> dict[str, float]:
    """From an append's call in one process to Log.follow yielding it in another."""
    import timeline.events  # noqa: F401, PLC0415 -- the ticker's event type

    schema = f"follow_{uuid.uuid4().hex[:8]}"
    store = PostgresStore(_bench_url(), schema=schema)
    ticker = multiprocessing.get_context("spawn").Process(
        target=_ticker, args=(_bench_url(), schema, samples)
    )
    ticker.start()
    latencies = []
    for record in Log(store).follow(0, idle=30):
        latencies.append(time.time() - float(record.event.text))
        if len(latencies) == samples:
            break
    ticker.join()
    store.close()
    latencies.sort()
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
    }


def _ask_on_the_server(url: str, schema: str, questions: list[str], results: Any) -> None:  # noqa: ANN401
    """In a process of its own, as a reader elsewhere would: no log, no index in memory."""
    store = PostgresStore(url, schema=schema, read_only=True)
    latencies, hits = [], []
    for asked in questions:
        began = time.perf_counter()
        found = facts.Sanctions.answer_from(store, asked)
        latencies.append(time.perf_counter() - began)
        hits.append(len(found.found))
    store.close()
    results.put((latencies, hits))


def server_answers(count: int, queries: int) -> dict[str, float]:
    """bench/facts.py's workload on PostgreSQL: save the facts, then answer on the server."""
    import random  # noqa: PLC0415 -- only here

    rng = random.Random(11)
    clock = ManualClock("2024-01-01T00:00:00Z")
    log = Log(PostgresStore(_bench_url(), schema=f"facts_{uuid.uuid4().hex[:8]}"), clock=clock)
    facts._fill(log, clock, rng, 0, count)  # noqa: SLF001 -- the same workload
    index = facts.Sanctions(log)
    index.catch_up()
    started = time.perf_counter()
    index.save_snapshot()
    saved = time.perf_counter() - started
    # Floating, as the command asks.
    questions = [at.naive().isoformat() for at in facts._instants(rng, queries)]  # noqa: SLF001
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    schema = log.store.schema  # type: ignore[attr-defined]
    reader = spawn.Process(
        target=_ask_on_the_server, args=(_bench_url(), schema, questions, results)
    )
    reader.start()
    latencies, hits = results.get()
    reader.join()
    memory = []
    for asked in questions:
        began = time.perf_counter()
        index.at(asked)
        memory.append(time.perf_counter() - began)
    # A follower's save: 1,000 more records, caught up, saved (only their keys' rows).
    facts._fill(log, clock, rng, count, 1000)  # noqa: SLF001 -- the same workload
    index.catch_up()
    started = time.perf_counter()
    index.save_snapshot()
    saved_again = time.perf_counter() - started
    log.close()
    return {
        "rows": len(index._rows),  # noqa: SLF001 -- the rows saved
        "save_s": saved,
        "save_again_s": saved_again,
        "first_ms": latencies[0] * 1000,
        "server_ms": statistics.median(latencies) * 1000,
        "server_p99_ms": sorted(latencies)[int(0.99 * (len(latencies) - 1))] * 1000,
        "memory_ms": statistics.median(memory) * 1000,
        "hits": statistics.median(hits),
    }


def _print_served(served: dict[str, float], count: int) -> None:
    print(
        f"\nTemporal facts on the server ({count:,} facts, {served['rows']:,.0f} rows): "
        f"save_snapshot {served['save_s']:.2f} s, after 1,000 more records "
        f"{served['save_again_s']:.2f} s; in a new reader process, the first "
        f"answer_from {served['first_ms']:.2f} ms, then median "
        f"{served['server_ms']:.2f} ms, p99 {served['server_p99_ms']:.2f} ms "
        f"({served['hits']:.0f} hits) against {served['memory_ms']:.2f} ms from the index "
        "in memory"
    )


def main() -> None:
    """Run the rounds and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--only-facts", action="store_true", help="only the answers on the server")
    args = parser.parse_args()
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {_DATABASE}")
    try:
        if args.only_facts:
            _print_served(server_answers(args.facts, 500), args.facts)
            return
        rows = []
        for batch in (1000, 100):
            runs: dict[str, list[dict[str, float]]] = {"ours": [], "theirs": []}
            for round_ in range(args.rounds):
                order = ["ours", "theirs"] if round_ % 2 == 0 else ["theirs", "ours"]
                for name in order:
                    figures = (
                        ours(args.count, batch) if name == "ours" else theirs(args.count, batch)
                    )
                    if figures is not None:
                        runs[name].append(figures)
            rows.append((batch, runs))
        print(
            f"PostgreSQL, {args.count:,} events, medians of {args.rounds} rounds\n\n"
            "| batch | append ev/s | eventsourcing | ratio | read+decode ev/s | eventsourcing "
            "| ratio |\n|---|---|---|---|---|---|---|"
        )
        for batch, runs in rows:
            mine = {k: statistics.median(r[k] for r in runs["ours"]) for k in ("append", "read")}
            if runs["theirs"]:
                peer = {
                    k: statistics.median(r[k] for r in runs["theirs"]) for k in ("append", "read")
                }
                cells = [
                    f"{mine['append']:,.0f}",
                    f"{peer['append']:,.0f}",
                    f"{mine['append'] / peer['append']:.2f}x",
                    f"{mine['read']:,.0f}",
                    f"{peer['read']:,.0f}",
                    f"{mine['read'] / peer['read']:.2f}x",
                ]
            else:
                cells = [f"{mine['append']:,.0f}", "-", "-", f"{mine['read']:,.0f}", "-", "-"]
            print(f"| {batch} | " + " | ".join(cells) + " |")
        many = many_writers(args.writers, 20, 100)
        print(
            f"\n{args.writers} writer processes, 20 batches of 100 each: "
            f"{many['events']:,.0f} events, {many['rate']:,.0f} events/s in total, "
            f"{many['conflicts']:,.0f} ConcurrencyErrors retried, positions "
            f"{'contiguous' if many['contiguous'] else 'NOT contiguous'}"
        )
        follow = follower_latency(200)
        print(
            f"\nFollower latency, append called -> Log.follow yields it in another process "
            f"(200 appends): median {follow['median_ms']:.1f} ms, p99 {follow['p99_ms']:.1f} ms"
        )
        _print_served(server_answers(args.facts, 500), args.facts)
    finally:
        with psycopg.connect(_admin_url(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {_DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
