"""What the log learned between two known times, beside recomputing both answers in full.

On a store loaded by ``bench/load.py``'s generator (``--store``: copied first, never
changed), appends ``--changes`` lifts of designations in force at V, at a known time after
the head, then measures, each round, on the facts index reopened from the store and caught up:

- ``learned``: ``facts.learned(T1, valid=V)`` -- only the facts the new records are about;
- ``anchor``: both full answers, ``at(V, known=T1)`` and ``at(V)``, and their difference by key
  (index columns only: no hit is made).

Medians of ``--rounds``; both give the same keys (checked).

    .venv/bin/python bench/learned.py --store /work/scratch/m1.sqlite --changes 1000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from timeline import Log, ManualClock
from timeline.sanctions import Lifted, SanctionsInForce
from timeline.stores import SQLiteStore

VALID = "2014-06-01"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "learned.sqlite"
        shutil.copy(args.store, path)
        store = SQLiteStore(path)
        head = store.head()
        if head is None:
            raise SystemExit(f"{args.store}: an empty store")
        facts = SanctionsInForce.from_snapshot(Log(store))
        facts.catch_up()
        before = facts.at(VALID)
        keys = [key for key, answer in before._answers() if answer.value == "yes"]  # noqa: SLF001
        chosen = keys[: args.changes]
        later = "2099-01-01T00:00:00Z"
        log = Log(store, clock=ManualClock(later))
        lifts = []
        for key in chosen:
            authority, program, target = (part.strip() for part in key.split(" / ", 2))
            named = None if program == "-" else program
            lift = Lifted(authority=authority, program=named, target=target, every=True)
            lifts.append(log.entry(lift, valid="2014-01-01"))
        log.extend(lifts)
        facts.catch_up()
        first = head.known_at
        learned_times, anchor_times = [], []
        for _ in range(args.rounds):
            began = time.perf_counter()
            found = facts.learned(first, valid=VALID)
            learned_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            then = dict(facts.at(VALID, known=first)._answers())  # noqa: SLF001
            now = dict(facts.at(VALID)._answers())  # noqa: SLF001
            changed = {key for key in then.keys() | now.keys() if then.get(key) != now.get(key)}
            anchor_times.append(time.perf_counter() - began)
            if {item.key for item in found} != changed:
                raise SystemExit("learned and the anchor disagree")
        count = len(facts)
        store.close()
    print("| facts | changed | learned ms | anchor (two full answers) ms | ratio |")
    print("|---|---|---|---|---|")
    learned_ms = statistics.median(learned_times) * 1000
    anchor_ms = statistics.median(anchor_times) * 1000
    print(
        f"| {count:,} | {len(found):,} | {learned_ms:.1f} | {anchor_ms:.1f} | "
        f"{anchor_ms / learned_ms:.1f}x |"
    )


if __name__ == "__main__":
    main()
