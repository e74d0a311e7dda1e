"""Loading a seed-shaped JSON Lines file: ``timeline load`` beside plain inserts of its rows.

Generates a file of N lines shaped like the seed transcription (designations, lifts
and statements over N/4 targets, a known time for every hundred lines, provenance on
each), then, each round in new processes and interleaved:

- ``timeline load``: the command into a new SQLite store, end to end -- read, check,
  append in one transaction, and the facts index built and saved;
- ``again``: the same command on the loaded store (every line already there);
- ``sqlite anchor``: the same lines as rows ``(position, id, known_at, type, subject,
  body)`` put in a plain SQLite table by ``executemany`` in one transaction (each line
  parsed with ``json`` and its body dumped again, and nothing checked);
- ``postgres anchor``: those rows by ``COPY`` into a new PostgreSQL table, where
  ``--postgres URL`` names a server.

Each figure is the median of the rounds; CPU is the process's user + system time and
peak memory its ``ru_maxrss``.

A guard against regressions, reporting and never failing: ``--save FILE`` keeps the
medians (by size, with the version measured), ``--compare FILE`` prints each measure's
ratio to them beside the table, and ``bench/load-baseline.json`` holds the figures the
last release was measured at (CI runs the 10,000-line size against it). On a shared
machine a ratio says more than the seconds: the anchors are in every round.

    .venv/bin/python bench/load.py                         # 10k and 100k lines, 3 rounds
    .venv/bin/python bench/load.py --lines 200000 1000000 --postgres postgresql://127.0.0.1/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

URL = "https://www.aljazeera.com/news/2024/1/12/us-imposes-sanctions-over-transfer-of-north-korean-missiles-to-russia"


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Write ``lines`` seed-shaped lines to ``path``."""
    rng = random.Random(seed)
    targets = max(lines // 4, 1)
    start = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8") as out:
        for number in range(lines):
            known = (start + dt.timedelta(hours=number // 100)).strftime("%Y-%m-%dT%H:%M:%SZ")
            target = f"Target {rng.randrange(targets)}"
            day = (dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000))).isoformat()
            kind = rng.random()
            if kind < 0.6:
                line = {
                    "type": "sanctions.designated",
                    "subject": target,
                    "data": {
                        "authority": rng.choice(["United States", "European Union", "UK"]),
                        "reason": "allegedly involved in the transfer of ballistic missiles",
                        "target": {"country": "ru", "kind": "entity", "name": target},
                    },
                    "valid": {"start": day, "end": ".."},
                }
            elif kind < 0.8:
                line = {
                    "type": "sanctions.lifted",
                    "subject": target,
                    "data": {"authority": "United States", "target": target, "every": True},
                    "valid": day,
                }
            else:
                line = {
                    "type": "events.statement",
                    "subject": f"topic-{rng.randrange(50)}",
                    "data": {"about": "arms", "speaker": "White House", "text": f"said {number}"},
                    "valid": day[:7],
                }
            line["known_at"] = known
            line["provenance"] = {"quote": f"quote {number}", "source": "Generated", "url": URL}
            out.write(json.dumps(line) + "\n")


_SQLITE_ANCHOR = """
import json, sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE records (position INTEGER PRIMARY KEY, id BLOB, known_at TEXT,"
           " type TEXT, subject TEXT, body TEXT)")
def rows():
    with open(sys.argv[1], encoding="utf-8") as lines:
        for position, text in enumerate(lines, 1):
            item = json.loads(text)
            yield (position, uuid.uuid4().bytes, item["known_at"], item["type"],
                   item.get("subject"), json.dumps(item["data"], sort_keys=True))
db.execute("BEGIN")
db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", rows())
db.execute("COMMIT")
"""

_POSTGRES_ANCHOR = """
import json, sys, uuid
import psycopg
with psycopg.connect(sys.argv[2], autocommit=False) as db:
    db.execute("DROP TABLE IF EXISTS bench_load")
    db.execute("CREATE TABLE bench_load (position bigint PRIMARY KEY, id uuid, known_at text,"
               " type text, subject text, body text)")
    with db.cursor().copy("COPY bench_load FROM STDIN") as copy, open(sys.argv[1]) as lines:
        for position, text in enumerate(lines, 1):
            item = json.loads(text)
            copy.write_row((position, uuid.uuid4(), item["known_at"], item["type"],
                            item.get("subject"), json.dumps(item["data"], sort_keys=True)))
    db.execute("DROP TABLE bench_load")
"""


def _timeline() -> list[str]:
    found = shutil.which("timeline", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "timeline"]


def _measure(command: list[str]) -> dict[str, float]:
    """Run ``command``; its wall time, CPU time and peak memory."""
    began = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    error = child.stderr.read().decode() if child.stderr else ""
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed: {error}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def _round(file: Path, folder: Path, postgres: str | None) -> dict[str, dict[str, float]]:
    store = folder / "load.sqlite"
    anchor = folder / "anchor.sqlite"
    for path in (store, anchor):
        path.unlink(missing_ok=True)
    found = {
        "load": _measure([*_timeline(), "load", str(file), "--store", str(store), "--quiet"]),
        "anchor": _measure([sys.executable, "-c", _SQLITE_ANCHOR, str(file), str(anchor)]),
        "again": _measure([*_timeline(), "load", str(file), "--store", str(store), "--quiet"]),
    }
    if postgres:
        found["postgres"] = _measure([sys.executable, "-c", _POSTGRES_ANCHOR, str(file), postgres])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL for the COPY anchor")
    parser.add_argument("--save", type=Path, help="write the medians to this JSON file")
    parser.add_argument("--compare", type=Path, help="a JSON file --save wrote: ratios to it")
    args = parser.parse_args()
    baseline = json.loads(args.compare.read_text()) if args.compare else {}
    measured: dict[str, dict[str, float]] = {}
    print(
        "| lines | load CPU s | load wall s | lines/s | peak MB | again wall s "
        "| SQLite anchor wall s | lines/s | ratio | PostgreSQL COPY wall s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        folder = Path(scratch)
        for lines in args.lines:
            file = folder / f"lines-{lines}.jsonl"
            generate(file, lines)
            rounds = [_round(file, folder, args.postgres) for _ in range(args.rounds)]
            print(_row(lines, rounds), flush=True)
            measured[str(lines)] = _medians(rounds)
    if args.save:
        args.save.write_text(json.dumps({"version": _version(), "sizes": measured}, indent=1))
    if baseline:
        _compare(measured, baseline)


_GUARDED = {
    "load_cpu": "load CPU",
    "load_wall": "load wall",
    "load_peak_mb": "peak memory",
    "again_wall": "again wall",
    "per_anchor": "load wall / SQLite anchor wall",
}


def _medians(rounds: list[dict[str, dict[str, float]]]) -> dict[str, float]:
    def median(part: str, key: str) -> float:
        return statistics.median(found[part][key] for found in rounds)

    return {
        "load_cpu": median("load", "cpu"),
        "load_wall": median("load", "wall"),
        "load_peak_mb": median("load", "peak_mb"),
        "again_wall": median("again", "wall"),
        "per_anchor": statistics.median(
            found["load"]["wall"] / found["anchor"]["wall"] for found in rounds
        ),
    }


def _compare(measured: dict[str, dict[str, float]], baseline: dict[str, object]) -> None:
    """Print each measure's ratio to the baseline's (above 1: slower or bigger than then)."""
    sizes = baseline.get("sizes", {})
    assert isinstance(sizes, dict)  # noqa: S101 -- a file --save wrote
    print(f"\nagainst {baseline.get('version', 'the baseline')} (ratio now / then; > 1 is worse):")
    print("| lines | " + " | ".join(_GUARDED.values()) + " |")
    print("|---|" + "---|" * len(_GUARDED))
    for lines, now in measured.items():
        then = sizes.get(lines)
        if not then:
            print(f"| {int(lines):,} | " + " | ".join("-" for _ in _GUARDED) + " |")
            continue
        ratios = [f"{now[key] / then[key]:.2f}" if then.get(key) else "-" for key in _GUARDED]
        print(f"| {int(lines):,} | " + " | ".join(ratios) + " |")


def _version() -> str:
    from importlib.metadata import version  # noqa: PLC0415 -- only when saving

    return version("bitemporal-timeline")


def _row(lines: int, rounds: list[dict[str, dict[str, float]]]) -> str:
    """A table row: the medians of the rounds."""

    def median(part: str, key: str) -> float:
        return statistics.median(found[part][key] for found in rounds)

    load, anchor = median("load", "wall"), median("anchor", "wall")
    postgres = "- | -"
    if "postgres" in rounds[0]:
        postgres = f"{median('postgres', 'wall'):.2f} | {median('postgres', 'wall') / load:.2f}x"
    return (
        f"| {lines:,} | {median('load', 'cpu'):.1f} | {load:.1f} | {lines / load:,.0f} "
        f"| {median('load', 'peak_mb'):.0f} | {median('again', 'wall'):.1f} "
        f"| {anchor:.2f} | {lines / anchor:,.0f} | {anchor / load:.2f}x | {postgres} |"
    )


if __name__ == "__main__":
    main()
