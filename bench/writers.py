"""Benchmark: eight writers at once against one, on PostgreSQL and SQLite, for two source trees.

Run: .venv/bin/python bench/writers.py BEFORE AFTER [--events 4000] [--rounds 3] [--writers 8]

BEFORE and AFTER are checkouts of the project (``git worktree add /tmp/before <commit>``).
Each measurement is a set of new processes with that tree's ``src`` first on the path: one
writer appending ``--events`` statements, or ``--writers`` writers appending a share each, all
at once, without an expected position (``Log.extend``), in batches of 1, 100 and 1,000. The
trees alternate within each round (which goes first rotates); the table gives medians of the
events per second in total, and what the writers counted: errors (a ``ConcurrencyError`` or any
other) and whether the positions came out contiguous with the chain intact. Time runs from
the first writer's first append to the last writer's last (start-up and exit are not timed).

Where the ``eventsourcing`` package is installed (``make bench-writers`` runs it in the
benchmark environment), its PostgreSQL application recorder is measured too, beside ours, on
PostgreSQL: each of its writers inserts its own aggregate's events in the same batches.

PostgreSQL is ``TIMELINE_BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1/postgres``):
a database of the run's own is made there and dropped at the end, and each measurement has a
schema of its own. SQLite is a file in a temporary folder, ``durability="full"``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import uuid
from pathlib import Path
from typing import IO

WRITER = r"""
import json, sys, time
from timeline import Log, TimelineError
from timeline.events import Statement
from timeline.stores import PostgresStore, SQLiteStore

kind, where, schema, events, batch, name = sys.argv[1:7]
events, batch = int(events), int(batch)
store = PostgresStore(where, schema=schema) if kind == "postgres" else SQLiteStore(where)
log = Log(store)
# Warm up off the clock, with one record each (not counted): the codec's fast paths and the
# connection's first statements are made on first use, and eight processes doing that at once
# on two cores would time their start-up, not their appends.
log.append(Statement(speaker=name, text="warm"), valid="2024")
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.readline()
errors = 0
began = time.time()
for start in range(0, events, batch):
    entries = [log.entry(Statement(speaker=name, text=str(n)), valid="2024")
               for n in range(start, min(start + batch, events))]
    try:
        log.extend(entries)
    except TimelineError as error:
        errors += 1
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
print(json.dumps({"began": began, "ended": time.time(), "errors": errors}))
store.close()
"""

# eventsourcing's PostgreSQL application recorder under the same writers: each writer its own
# aggregate (no version conflicts), the same events as its domain events, the same batches.
ES_WRITER = r"""
import dataclasses, datetime as dt, json, sys, time, urllib.parse, uuid
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

kind, where, schema, events, batch, name = sys.argv[1:7]
events, batch = int(events), int(batch)

@dataclasses.dataclass(frozen=True)
class Statement(DomainEvent):
    speaker: str
    text: str

transcoder = JSONTranscoder()
transcoder.register(DatetimeAsISO())
transcoder.register(UUIDAsHex())
mapper = Mapper(transcoder=transcoder)
parts = urllib.parse.urlsplit(where)
datastore = PostgresDatastore(parts.path.lstrip("/"), parts.hostname or "127.0.0.1",
                              parts.port or 5432, parts.username or "postgres",
                              parts.password or "", schema=schema)
recorder = PostgresApplicationRecorder(datastore)
aggregate, version = uuid.uuid4(), 0
when = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)

def made(n):
    global version
    version += 1
    return mapper.to_stored_event(Statement(originator_id=aggregate, originator_version=version,
                                            timestamp=when, speaker=name, text=str(n)))

recorder.insert_events([made(-1)])  # warm up, as ours do (not counted)
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.readline()
errors = 0
began = time.time()
for start in range(0, events, batch):
    try:
        recorder.insert_events([made(n) for n in range(start, min(start + batch, events))])
    except Exception as error:
        errors += 1
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
print(json.dumps({"began": began, "ended": time.time(), "errors": errors}))
datastore.close()
"""

ES_SETUP = r"""
import sys, urllib.parse
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
where, schema, check = sys.argv[1:4]
parts = urllib.parse.urlsplit(where)
import psycopg
with psycopg.connect(where, autocommit=True) as db:
    db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
datastore = PostgresDatastore(parts.path.lstrip("/"), parts.hostname or "127.0.0.1",
                              parts.port or 5432, parts.username or "postgres",
                              parts.password or "", schema=schema)
recorder = PostgresApplicationRecorder(datastore)
if check == "create":
    recorder.create_table()
else:
    ids = [n.id for n in recorder.select_notifications(1, 10**9)]
    print(len(ids), int(ids == list(range(1, len(ids) + 1))))
datastore.close()
"""

CHECK = r"""
import json, sys
from timeline.stores import PostgresStore, SQLiteStore, verify
kind, where, schema = sys.argv[1:4]
if kind == "postgres":
    store = PostgresStore(where, schema=schema, read_only=True)
else:
    store = SQLiteStore(where, read_only=True)
positions = [record.position for record in store.read()]
ok = positions == list(range(1, len(positions) + 1)) and verify(store).ok
print(json.dumps({"count": len(positions), "ok": ok}))
store.close()
"""


def _python(tree: Path | None) -> dict[str, str]:
    return dict(os.environ) if tree is None else {**os.environ, "PYTHONPATH": str(tree / "src")}


def run(  # noqa: PLR0917 -- one measurement's settings
    tree: Path | None, kind: str, where: str, writers: int, events: int, batch: int
) -> dict[str, float]:
    """``writers`` processes append ``events`` in total, all at once; their rate and errors."""
    schema = f"w_{uuid.uuid4().hex[:12]}"
    share = events // writers
    theirs = tree is None
    if theirs:
        subprocess.run([sys.executable, "-c", ES_SETUP, where, schema, "create"], check=True)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                ES_WRITER if theirs else WRITER,
                kind,
                where,
                schema,
                str(share),
                str(batch),
                f"w{n}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_python(tree),
        )
        for n in range(writers)
    ]
    for proc in procs:  # every interpreter up and its store open before any appends
        _pipe(proc.stdout).readline()
    for proc in procs:
        _pipe(proc.stdin).write("go\n")
        _pipe(proc.stdin).flush()
    outs = [proc.communicate(timeout=1200) for proc in procs]
    reports = []
    for proc, (out, err) in zip(procs, outs, strict=True):
        if proc.returncode != 0:
            raise SystemExit(f"a writer failed: {err.strip().splitlines()[-1:]}")
        reports.append(json.loads(out))
    # From the first writer's first append to the last one's last: not start-up, not exit.
    took = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    errors = sum(r["errors"] for r in reports)
    if theirs:
        count, ok = subprocess.run(
            [sys.executable, "-c", ES_SETUP, where, schema, "check"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        checked = {"count": int(count), "ok": bool(int(ok))}
    else:
        checked = json.loads(
            subprocess.run(
                [sys.executable, "-c", CHECK, kind, where, schema],
                capture_output=True,
                text=True,
                check=True,
                env=_python(tree),
            ).stdout
        )
    appended = checked["count"] - writers  # less each writer's warm-up record
    return {"rate": appended / took, "errors": errors, "ok": float(checked["ok"])}


def _pipe(pipe: IO[str] | None) -> IO[str]:
    if pipe is None:
        raise SystemExit("a writer has no pipe")
    return pipe


def main() -> None:  # noqa: C901, PLR0912 -- rounds, stores, batches, writers, trees: a loop each
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2, type=Path)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--kinds", nargs="+", default=["postgres", "sqlite"])
    args = parser.parse_args()
    server = os.environ.get("TIMELINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1/postgres")
    database = f"timeline_writers_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    parts = urllib.parse.urlsplit(server)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))
    import psycopg  # noqa: PLC0415 -- only for the database of this run

    if "postgres" in args.kinds:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {database}")
    names = ("before", "after")
    peer = importlib.util.find_spec("eventsourcing") is not None
    results: dict[tuple[str, str, int, int], list[dict[str, float]]] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for round_ in range(args.rounds):
                for kind in args.kinds:
                    for batch in (1, 100, 1000):
                        events = args.events if batch > 1 else args.events // 10
                        for writers in (1, args.writers):
                            order: list[tuple[str, Path | None]]
                            order = list(zip(names, args.trees, strict=True))
                            if kind == "postgres" and peer:
                                order.append(("eventsourcing", None))
                            order = order[round_ % len(order) :] + order[: round_ % len(order)]
                            for name, tree in order:
                                where = (
                                    url if kind == "postgres"
                                    else str(Path(folder) / f"{uuid.uuid4().hex}.sqlite")
                                )  # fmt: skip
                                found = run(tree, kind, where, writers, events, batch)
                                results.setdefault((name, kind, batch, writers), []).append(found)
                print(f"round {round_ + 1} done", file=sys.stderr)
    finally:
        if "postgres" in args.kinds:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    print(f"\n{args.writers} writers against one, without an expected position; "
          f"medians of {args.rounds} rounds (events/s in total)\n")  # fmt: skip
    print(f"| store | batch | tree | 1 writer | {args.writers} writers | ratio | errors | intact |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in args.kinds:
        for batch in (1, 100, 1000):
            for name in (*names, "eventsourcing"):
                if (name, kind, batch, 1) not in results:
                    continue
                one = results[name, kind, batch, 1]
                many = results[name, kind, batch, args.writers]
                alone = statistics.median(r["rate"] for r in one)
                crowd = statistics.median(r["rate"] for r in many)
                errors = sum(r["errors"] for r in many)
                intact = all(r["ok"] for r in one + many)
                print(
                    f"| {kind} | {batch} | {name} | {alone:,.0f} | {crowd:,.0f} | "
                    f"{crowd / alone:.2f}x | {errors} | {'yes' if intact else 'NO'} |"
                )


if __name__ == "__main__":
    main()
