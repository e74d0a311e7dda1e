"""Benchmark: what folding costs beyond reading, for project() and View.

Run: .venv/bin/python bench/folds.py [--events 50000] [--rounds 5]
     .venv/bin/python bench/folds.py --instructions   (needs valgrind)

A count-per-subject fold over small events with imprecise valid times, three
ways in each round, interleaved: a plain loop over ``log.read()`` (the
floor: reading and decoding alone), ``project()`` and a new ``View`` caught
up once. Prints the median of the rounds, in µs per event, and the overhead
over the plain loop (issue #11's target: at most 20 %).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from timeline import LATEST, Log, ManualClock, Projection, Record, Registry, View, event, on
from timeline import project as fold

registry = Registry()


@event("bench.folds.noted", registry=registry)
class Noted:
    subject: str


class Count(Projection[dict[str, int]]):
    def initial(self) -> dict[str, int]:
        return {}

    @on(Noted)
    def noted(self, state: dict[str, int], record: Record) -> dict[str, int]:
        state[record.event.subject] = state.get(record.event.subject, 0) + 1
        return state


def build(count: int) -> Log:
    log = Log(clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    for first in range(0, count, 1000):
        log.extend(
            [
                log.entry(
                    Noted(subject=f"s{n % 50}"),
                    valid=f"{2010 + n % 14}-0{1 + n % 9}",
                    subject=f"s{n % 50}",
                )
                for n in range(first, min(first + 1000, count))
            ]
        )
    return log


def ways(log: Log) -> dict[str, Callable[[], object]]:
    """The folds compared, each over the whole of ``log``."""

    def plain() -> object:
        counts: dict[str, int] = {}
        for record in log.read():
            counts[record.event.subject] = counts.get(record.event.subject, 0) + 1
        return counts

    def held() -> object:
        # The least any fold in valid-time order must do: keep every record, then apply.
        counts: dict[str, int] = {}
        for record in list(log.read()):
            counts[record.event.subject] = counts.get(record.event.subject, 0) + 1
        return counts

    return {
        "plain loop over log.read()": plain,
        "keep every record, then loop": held,
        "project()": lambda: fold(Count(), log, valid=LATEST),
        "View(...).catch_up()": lambda: View(Count(), log).catch_up(),
    }


def instructions(sizes: tuple[int, int] = (2_000, 5_000)) -> None:
    """Count CPU instructions per event under callgrind: exact where wall time is noisy.

    Each way runs in its own interpreter over a log of each size; so does
    building the log alone. What a way costs per event is the difference of
    its counts over the two sizes, less the building's, over the sizes'
    difference: start-up, imports and the build are taken out.
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind")
    names = ["build only", *ways(build(1))]
    counts: dict[str, list[int]] = {name: [] for name in names}
    for size in sizes:
        for index, name in enumerate(names):
            with tempfile.TemporaryDirectory() as scratch:
                out = Path(scratch) / "callgrind.out"
                subprocess.run(
                    [
                        valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
                        sys.executable, __file__, "--one", str(index), "--events", str(size),
                    ],
                    check=True,
                    capture_output=True,
                )  # fmt: skip
                found = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
                assert found is not None  # noqa: S101 -- callgrind always writes one
                counts[name].append(int(found[1]))
    span = sizes[1] - sizes[0]
    build_cost = (counts["build only"][1] - counts["build only"][0]) / span
    per_event = {
        name: (counts[name][1] - counts[name][0]) / span - build_cost for name in names[1:]
    }
    floor = per_event["plain loop over log.read()"]
    print(f"CPU instructions per event under callgrind ({sizes[0]:,} and {sizes[1]:,} events)\n")
    print("| way | instructions per event | over the plain loop |")
    print("|---|---|---|")
    for name, cost in per_event.items():
        print(f"| {name} | {cost:,.0f} | {cost / floor - 1:+.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under valgrind instead"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.instructions:
        instructions()
        return
    if options.one is not None:  # a child of --instructions: build, then one way (0: none)
        log = build(options.events)
        if options.one:
            list(ways(log).values())[options.one - 1]()
        return
    log = build(options.events)
    compared = ways(log)
    plain = compared["plain loop over log.read()"]
    assert compared["project()"]() == plain() == compared["View(...).catch_up()"]()  # noqa: S101
    times: dict[str, list[float]] = {name: [] for name in compared}
    for _ in range(options.rounds):
        for name, way in compared.items():  # interleaved: a noisy moment hits every way
            started = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - started)
    floor = statistics.median(times["plain loop over log.read()"])
    print(f"{options.events:,} events, median of {options.rounds} rounds\n")
    print("| way | µs per event | over the plain loop |")
    print("|---|---|---|")
    for name, taken in times.items():
        median = statistics.median(taken)
        print(f"| {name} | {median / options.events * 1e6:.2f} | {median / floor - 1:+.0%} |")


if __name__ == "__main__":
    main()
