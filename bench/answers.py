"""Benchmark: filtered and full answers on sanctions-shaped stores, beside plain SQL anchors.

Run: make bench-answers, or .venv/bin/python bench/answers.py [--sizes 50000 1000000] [--rounds 3]

A generator writes designations as an OpenSanctions export gives them -- "Target N" (a
third with an alias), one of four authorities, one of six programs, 70 % still in force
(open-ended), the rest lifted by a later record -- a thousand to a known time, into a SQLite
store, and saves the facts index (``timeline load`` does the same). Then, round by round,
interleaved with the anchors:

- ``timeline at V --target X``, the second call (the index saved), wall time beyond a bare
  ``python -c "import timeline._cli"``;
- ``timeline at V --format csv`` (every row in force printed), the same way: its first row
  and its last, and the command's peak memory;
- ``in_force(V, target=X)`` in the API, median and p99 over random targets;
- a question at (V, T) with every hit made (``list(at(V, known=T))``), median and p99;
- the anchors, on the same rows ``(key, target, start, end, known_from, known_to)``: a
  plain SQLite table with its best indexes (the target question; every row in force,
  fetched), and DuckDB (in the benchmarks' environment, ``make bench-answers``; skipped where it
  is not installed).

Medians over the rounds; each round asks every engine in turn, which goes first rotating.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from timeline import Log, ManualClock
from timeline.sanctions import Designated, Lifted, SanctionsInForce, Target, TargetKind
from timeline.stores import SQLiteStore

AUTHORITIES = ["US Treasury", "EU", "UN Security Council", "United Kingdom"]
PROGRAMS = ["RUSSIA-EO14024", "DPRK3", "IRAN", "SDGT", "UKRAINE-EO13662", "BELARUS"]
ASKED = "2014-06-01"
NEVER = 1 << 62


def _generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """The designations: target, authority, program, start, end (None: still in force)."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        start = pendulum.date(1995, 1, 1).add(days=rng.randrange(25 * 365))
        end = None
        if rng.random() >= 0.7:
            end = start.add(days=rng.randrange(30, 6 * 365))
        made.append(
            {
                "target": f"Target {number}",
                "aliases": (f"Alias {number} Holdings",) if number % 3 == 0 else (),
                "authority": rng.choice(AUTHORITIES),
                "program": rng.choice(PROGRAMS),
                "start": start,
                "end": end,
            }
        )
    return made


def _build(path: Path, made: list[dict[str, Any]]) -> float:
    """The store at ``path``, a thousand records to a known time, its index saved; seconds."""
    clock = ManualClock("2025-01-01T00:00:00Z")
    log = Log(SQLiteStore(path), clock=clock)
    for first in range(0, len(made), 1000):
        clock.advance(minutes=1)
        entries = []
        for item in made[first : first + 1000]:
            target = Target(name=item["target"], kind=TargetKind.ENTITY, aliases=item["aliases"])
            event = Designated(target=target, authority=item["authority"], program=item["program"])
            entries.append(log.entry(event, valid=f"{item['start'].isoformat()}/.."))
            if item["end"] is not None:
                lift = Lifted(
                    target=item["target"],
                    authority=item["authority"],
                    program=item["program"],
                    every=True,
                )
                entries.append(log.entry(lift, valid=item["end"].isoformat()))
        log.extend(entries)
    began = time.perf_counter()
    SanctionsInForce(log).save_snapshot()
    took = time.perf_counter() - began
    log.close()
    return took


def _anchor_rows(made: list[dict[str, Any]]) -> list[tuple[str, str, int, int, int, int]]:
    """The rows an anchor holds: (key, target, start, end, known_from, known_to) in days."""
    rows = []
    for item in made:
        key = f"{item['authority']} / {item['program']} / {item['target']}"
        start = item["start"].toordinal()
        end = NEVER if item["end"] is None else item["end"].toordinal()
        rows.append((key, item["target"].casefold(), start, end, 0, NEVER))
    return rows


def _sqlite_anchor(rows: list[tuple[str, str, int, int, int, int]]) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE facts (key TEXT, target TEXT, start INTEGER, stop INTEGER, "
        "known_from INTEGER, known_to INTEGER)"
    )
    connection.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?)", rows)
    connection.execute("CREATE INDEX by_target ON facts (target)")
    connection.execute("CREATE INDEX by_start ON facts (start, stop)")
    connection.execute("ANALYZE")
    return connection


def _duckdb_anchor(rows: list[tuple[str, str, int, int, int, int]]) -> Any:  # noqa: ANN401
    try:
        import duckdb  # noqa: PLC0415 -- an anchor, where it is installed
    except ImportError:
        return None
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE facts (key TEXT, target TEXT, start BIGINT, stop BIGINT, "
        "known_from BIGINT, known_to BIGINT)"
    )
    connection.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?)", rows)
    return connection


_TARGET_SQL = (
    "SELECT key FROM facts WHERE target = ? AND start <= ? AND stop > ? "
    "AND known_from <= ? AND known_to > ?"
)
_ALL_SQL = "SELECT key, start, stop FROM facts WHERE start <= ? AND stop > ? AND known_to > ?"


def _timed(function: Any, *args: Any) -> float:  # noqa: ANN401
    began = time.perf_counter()
    function(*args)
    return time.perf_counter() - began


def _cli(path: Path, *arguments: str) -> float:
    """Wall seconds of a command on the store, its output read whole."""
    command = [sys.executable, "-m", "timeline", "--store", str(path), *arguments]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - began


#: The command, run so that it says its own peak memory on exit: the high-water mark of its
#: own memory (VmHWM: made anew by exec), not the spawning process's size, which a fork's
#: ru_maxrss would count.
_PEAK = (
    "import atexit, runpy, sys\n"
    "def said():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('peak ' + line.split()[1] + '\\n')\n"
    "atexit.register(said)\n"
    "sys.argv[0] = 'timeline'\n"
    "runpy.run_module('timeline', run_name='__main__')\n"
)


def _first_row(path: Path, *arguments: str) -> tuple[float, float, int]:
    """Wall seconds until a command's first row (its second line) arrives, and to its end.

    With the command's own peak resident memory, in MB (Linux; 0 elsewhere).
    """
    command = [sys.executable, "-c", _PEAK, "--store", str(path), *arguments]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    began = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as running:
        out = running.stdout
        if out is None or running.stderr is None:
            raise RuntimeError("no output to read")
        out.readline()  # the header
        out.readline()
        first = time.perf_counter() - began
        for _ in out:
            pass
        said = running.stderr.read().decode()
    if running.returncode:
        raise RuntimeError(f"{command} failed: {said}")
    peaks = [int(line.split()[1]) for line in said.splitlines() if line.startswith("peak ")]
    return first, time.perf_counter() - began, (peaks[-1] // 1024 if peaks else 0)


def _bare() -> float:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import timeline._cli"], check=True, env=env)
    return time.perf_counter() - began


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _ours(facts: SanctionsInForce, targets: list[str], known: list[str]) -> dict[str, float]:
    filtered = [_timed(lambda t: list(facts.in_force(ASKED, target=t)), t) for t in targets]
    past = [_timed(lambda k: list(facts.at(ASKED, known=k)), k) for k in known]
    return {
        "filtered_median_ms": 1000 * statistics.median(filtered),
        "filtered_p99_ms": 1000 * _percentile(filtered, 0.99),
        "vt_median_ms": 1000 * statistics.median(past),
        "vt_p99_ms": 1000 * _percentile(past, 0.99),
    }


def _anchor(connection: Any, targets: list[str]) -> dict[str, float]:  # noqa: ANN401
    day = dt.date.fromisoformat(ASKED).toordinal()
    filtered = [
        _timed(
            lambda t: connection.execute(_TARGET_SQL, (t.casefold(), day, day, 0, 0)).fetchall(),
            t,
        )
        for t in targets
    ]
    began = time.perf_counter()
    rows = connection.execute(_ALL_SQL, (day, day, 0)).fetchall()
    every = time.perf_counter() - began
    return {
        "filtered_median_ms": 1000 * statistics.median(filtered),
        "filtered_p99_ms": 1000 * _percentile(filtered, 0.99),
        "all_s": every,
        "rows_per_s": len(rows) / every,
    }


def run(size: int, rounds: int, queries: int, folder: Path) -> None:
    made = _generate(size)
    path = folder / f"answers-{size}.sqlite"
    began = time.perf_counter()
    save = _build(path, made)
    print(
        f"\n{size:,} designations: built in {time.perf_counter() - began:.0f} s (save {save:.1f} s)"
    )
    rows = _anchor_rows(made)
    in_force = sum(1 for row in rows if row[2] <= dt.date.fromisoformat(ASKED).toordinal() < row[3])
    engines: dict[str, Any] = {"sqlite table": _sqlite_anchor(rows), "duckdb": _duckdb_anchor(rows)}
    rng = random.Random(11)
    targets = [f"Target {rng.randrange(size)}" for _ in range(queries)]
    log = Log(SQLiteStore(path, read_only=True))
    facts = SanctionsInForce.from_snapshot(log)
    facts.catch_up()
    known = [
        f"2025-01-01T{rng.randrange(size // 1000 // 60 + 1):02d}:{rng.randrange(60):02d}:30Z"
        for _ in range(queries // 4)
    ]
    _cli(path, "at", ASKED, "--target", targets[0])  # the first call: the index read once
    results: dict[str, list[dict[str, float]]] = {}
    for round_number in range(rounds):
        order = ["timeline", *(name for name, engine in engines.items() if engine is not None)]
        order = order[round_number % len(order) :] + order[: round_number % len(order)]
        for name in order:
            if name == "timeline":
                bare = _bare()
                measured = _ours(facts, targets, known)
                measured["cli_target_s"] = (
                    _cli(path, "at", ASKED, "--target", targets[round_number]) - bare
                )
                first, every, peak = _first_row(path, "--format", "csv", "at", ASKED)
                measured["first_s"] = first - bare
                measured["all_s"] = every - bare
                measured["rows_per_s"] = in_force / (every - bare)
                measured["peak_mb"] = peak
            else:
                measured = _anchor(engines[name], targets)
            results.setdefault(name, []).append(measured)
    log.close()
    print(f"in force at {ASKED}: {in_force:,} rows; medians of {rounds} rounds")
    columns = [
        ("cli_target_s", "`at --target` s"),
        ("filtered_median_ms", "target med ms"),
        ("filtered_p99_ms", "target p99 ms"),
        ("first_s", "first row s"),
        ("all_s", "all rows s"),
        ("peak_mb", "peak MB"),
        ("rows_per_s", "rows/s"),
        ("vt_median_ms", "(V,T) med ms"),
        ("vt_p99_ms", "(V,T) p99 ms"),
    ]
    print("| engine | " + " | ".join(title for _, title in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, measured in results.items():
        cells = []
        for column, _ in columns:
            values = [item[column] for item in measured if column in item]
            cells.append(_shown(statistics.median(values)) if values else "-")
        print(f"| {name} | " + " | ".join(cells) + " |")
    if engines["duckdb"] is None:
        print("(DuckDB is not installed: pip install duckdb to add it)")


def _shown(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="timeline-answers-") as folder:
        for size in args.sizes:
            run(size, args.rounds, args.queries, Path(folder))


if __name__ == "__main__":
    main()
