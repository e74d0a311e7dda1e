"""Benchmark: CPU instructions per record, appending and reading, beside eventsourcing.

Run with the benchmark environment (it adds ``eventsourcing``) on a machine with
valgrind::

    .venv-bench/bin/python bench/instructions.py

Wall-clock rates on a shared machine move by half from one run to the next;
instruction counts do not. Each workload runs under ``valgrind --tool=callgrind``
twice, over 2,000 and 5,000 records, and the difference divided by 3,000 is the
cost of one record with start-up, imports and set-up taken out: a batch append
of 1,000 small events to SQLite (on /dev/shm, so that no disk wait is counted
-- the counts are CPU work only), and a read that decodes them. The
eventsourcing side does the same with its SQLite application recorder. The
ratio is eventsourcing's count over ours: above 1, ours does less work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

SMALL, LARGE = 2_000, 5_000
START = dt.datetime(2024, 1, 12, tzinfo=dt.UTC)
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 -- a tmpfs on purpose


def ours(what: str, count: int) -> None:
    """Append ``count`` events in batches of 1,000; or append 6,000 and read ``count``."""
    from timeline import Log, Registry, event  # noqa: PLC0415
    from timeline.stores import SQLiteStore  # noqa: PLC0415

    registry = Registry()

    @event("bench.noted", registry=registry)
    class Noted:
        text: str
        n: int

    log = Log(SQLiteStore(Path(tempfile.mkdtemp(dir=SCRATCH)) / "log.sqlite"), registry=registry)

    def append(total: int) -> None:
        for first in range(0, total, 1000):
            log.extend(
                [
                    log.entry(
                        Noted(text=f"note {n}", n=n), valid="2024-01-11", subject=f"s{n % 100}"
                    )
                    for n in range(first, first + 1000)
                ],
                known=START + dt.timedelta(seconds=first),
            )

    if what == "append":
        append(count)
        return
    append(6000)
    for _ in range(count // 1000):
        for _record in log.read(stop=1001):
            pass


def theirs(what: str, count: int) -> None:
    """The same with eventsourcing's SQLite application recorder."""
    from stores import _eventsourcing  # noqa: PLC0415 -- bench/stores.py, beside this script

    found = _eventsourcing()
    if found is None:
        raise SystemExit("this benchmark needs eventsourcing: run it with .venv-bench/bin/python")
    EsNoted, mapper, SQLiteApplicationRecorder, SQLiteDatastore = found  # noqa: N806 -- classes
    datastore = SQLiteDatastore(str(Path(tempfile.mkdtemp(dir=SCRATCH)) / "es.sqlite"))
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    aggregates = [uuid.uuid4() for _ in range(100)]
    versions = [0] * 100

    def append(total: int) -> None:
        for first in range(0, total, 1000):
            stored = []
            for n in range(first, first + 1000):
                which = n % 100
                versions[which] += 1
                domain = EsNoted(
                    originator_id=aggregates[which],
                    originator_version=versions[which],
                    timestamp=START,
                    text=f"note {n}",
                    n=n,
                )
                stored.append(mapper.to_stored_event(domain))
            recorder.insert_events(stored)

    if what == "append":
        append(count)
        return
    append(6000)
    for _ in range(count // 1000):
        for notification in recorder.select_notifications(1, 1000):
            mapper.to_domain_event(notification)


def _instructions(side: str, what: str, count: int) -> int:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("this benchmark needs valgrind")
    done = subprocess.run(
        [
            valgrind,
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--run",
            side,
            what,
            str(count),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no count from callgrind:\n{done.stderr[-2000:]}")
    return int(found[1])


def per_record(side: str, what: str) -> float:
    """Instructions per record: the difference of a large and a small run."""
    small, large = _instructions(side, what, SMALL), _instructions(side, what, LARGE)
    return (large - small) / (LARGE - SMALL)


def main() -> None:
    """Count each workload on each side and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        side, what, count = args.run
        (ours if side == "ours" else theirs)(what, int(count))
        return
    print("| per record (SQLite, batch 1,000) | timeline | eventsourcing | ratio |")
    print("|---|---|---|---|")
    for what in ("append", "read"):
        mine, peer = per_record("ours", what), per_record("theirs", what)
        label = "append" if what == "append" else "read + decode"
        print(f"| {label} | {mine:,.0f} | {peer:,.0f} | {peer / mine:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
