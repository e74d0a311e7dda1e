"""Benchmark: what folding costs beyond reading, for project() and View.

Run: .venv/bin/python bench/folds.py [--events 50000] [--rounds 5]

A count-per-subject fold over small events with imprecise valid times, three
ways in each round, interleaved: a plain loop over ``log.read()`` (the
floor: reading and decoding alone), ``project()`` and a new ``View`` caught
up once. Prints the median of the rounds, in µs per event, and the overhead
over the plain loop (issue #11's target: at most 20 %).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    log = build(options.events)

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

    ways: dict[str, Callable[[], object]] = {
        "plain loop over log.read()": plain,
        "keep every record, then loop": held,
        "project()": lambda: fold(Count(), log, valid=LATEST),
        "View(...).catch_up()": lambda: View(Count(), log).catch_up(),
    }
    assert ways["project()"]() == plain() == ways["View(...).catch_up()"]()  # noqa: S101
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(options.rounds):
        for name, way in ways.items():  # interleaved: a noisy moment hits every way
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
