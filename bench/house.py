"""Benchmark: the same measurements of two source trees, interleaved -- before and after a move.

Run: .venv/bin/python bench/house.py BEFORE AFTER [--facts 100000] [--events 50000] [--rounds 3]

BEFORE and AFTER are checkouts of the project (``git worktree add /tmp/before <commit>``).
Every measurement runs in a new process with that tree's ``src`` first on the path, the two
trees alternating within each round (which goes first rotates), and the table gives medians
over the rounds. Measured: the facts benchmark at one size (each tree's own
``bench/facts.py --one``: build, reopen, questions at V and at (V, T)), and the SQLite store
through the public API only (``Log.extend`` in batches of 1,000, then every record read back).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

STORE = r"""
import json, sys, tempfile, time
from pathlib import Path
from timeline import Entry, Log, ManualClock, default_registry, event
from timeline.stores import SQLiteStore

@event("house.noted", registry=default_registry)
class Noted:
    key: str
    value: int

count = int(sys.argv[1])
with tempfile.TemporaryDirectory() as folder:
    store = SQLiteStore(Path(folder) / "log.sqlite")
    log = Log(store=store, clock=ManualClock("2024-01-01T00:00:00Z"))
    entries = [Entry(Noted(key=f"k{n % 997}", value=n), valid="2024-01-01") for n in range(count)]
    began = time.perf_counter()
    for start in range(0, count, 1000):
        log.extend(entries[start : start + 1000])
    append = count / (time.perf_counter() - began)
    began = time.perf_counter()
    read = sum(1 for _ in log.read())
    assert read == count
    print(json.dumps({"append_ev_s": append, "read_ev_s": count / (time.perf_counter() - began)}))
"""

FACTS = [
    ("build_us", "build µs/fact", "{:.1f}"),
    ("reopen_s", "reopen + answer s", "{:.3f}"),
    ("catch_up_1000_ms", "catch-up/1k ms", "{:.1f}"),
    ("at_median_ms", "at V med ms", "{:.3f}"),
    ("at_p99_ms", "at V p99 ms", "{:.3f}"),
    ("vt_median_ms", "(V,T) med ms", "{:.3f}"),
    ("every_median_ms", "every hit made med ms", "{:.3f}"),
    ("memory_b", "resident B/fact", "{:,.0f}"),
]
STORES = [("append_ev_s", "SQLite append ev/s", "{:,.0f}"), ("read_ev_s", "read ev/s", "{:,.0f}")]


def _run(tree: Path, command: list[str]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run both trees, interleaved, and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for number in range(args.rounds):
        order = list(trees) if number % 2 == 0 else list(reversed(trees))
        for name in order:
            tree = trees[name]
            facts = _run(
                tree,
                [sys.executable, str(tree / "bench" / "facts.py"), "--one", str(args.facts),
                 "--queries", str(args.queries)],
            )  # fmt: skip
            stores = _run(tree, [sys.executable, "-c", STORE, str(args.events)])
            results[name].append({**facts, **stores})
            print(f"round {number + 1}, {name}: done", file=sys.stderr)
    columns = FACTS + STORES
    print(f"{args.facts:,} facts, {args.events:,} events; medians of {args.rounds} rounds\n")
    print("| tree | " + " | ".join(title for _, title, _ in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, rounds in results.items():
        cells = [fmt.format(statistics.median(r[key] for r in rounds)) for key, _, fmt in columns]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
