"""Law checks: what every projection must obey, checked on the user's own projection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline._events import Registry
from timeline._log import Log
from timeline._projection import Projection, View, project
from timeline._time import LATEST
from timeline.stores import MemoryStore

from ._schedules import Append, Correct, Retract, Schedule, play, schedules

__all__ = [
    "LAWS",
    "BrokenLawError",
    "check_append_order",
    "check_determinism",
    "check_incremental",
    "check_known_time_prefix",
    "check_laws",
    "check_retraction",
    "check_snapshot",
]

S = TypeVar("S")
Factory = Callable[[], Projection[Any]]
Law = Literal["determinism", "incremental", "snapshot", "prefix", "order", "retraction"]
#: Every law :func:`check_laws` knows, by name.
LAWS: tuple[Law, ...] = ("determinism", "incremental", "snapshot", "prefix", "order", "retraction")


class BrokenLawError(AssertionError):
    """A projection broke a law. The message says which, on what history, and how."""

    def __init__(self, law: str, schedule: Schedule, expected: object, got: object) -> None:
        self.law = law
        self.schedule = schedule
        super().__init__(
            f"{law}\nhistory:\n{schedule}\nexpected state: {expected!r}\nbut got:        {got!r}"
        )


def _everything(factory: Factory, log: Log, known: dt.datetime | None = None) -> object:
    return project(factory(), log, valid=LATEST, known=known)


def check_determinism(
    factory: Factory, schedule: Schedule, *, registry: Registry | None = None
) -> None:
    """The same history gives the same state, however often and from whichever copy."""
    first = _everything(factory, play(schedule, registry=registry))
    second = _everything(factory, play(schedule, registry=registry))
    if first != second:
        raise BrokenLawError("the same history gave two different states", schedule, first, second)


def check_incremental(
    factory: Factory, schedule: Schedule, *, registry: Registry | None = None
) -> None:
    """A view that catches up after every step ends where a full replay does."""
    log = play(Schedule(()), registry=registry)
    view = View(factory(), log, checkpoint_every=2)
    for step in schedule:
        play(Schedule((step,)), log=log)
        view.catch_up()
    full = _everything(factory, log)
    if view.state != full:
        raise BrokenLawError(
            "catching up step by step disagrees with a full replay", schedule, full, view.state
        )


def check_snapshot(
    factory: Factory,
    schedule: Schedule,
    split: int | None = None,
    *,
    registry: Registry | None = None,
) -> None:
    """A snapshot taken part-way, restored, and caught up equals a full replay.

    Args:
        factory: Makes the projection; it must set ``state_type``.
        schedule: The history.
        split: How many steps come before the snapshot (half by default).
        registry: The registry of the user's event types (the default one if None).
    """
    split = len(schedule.steps) // 2 if split is None else split
    log = play(Schedule(schedule.steps[:split]), registry=registry)
    before = View(factory(), log)
    before.catch_up()
    before.save_snapshot()
    play(Schedule(schedule.steps[split:]), log=log)
    restored = View.from_snapshot(factory(), log)
    restored.catch_up()
    full = _everything(factory, log)
    if restored.state != full:
        raise BrokenLawError(
            f"a snapshot after step {split} plus the rest disagrees with a full replay",
            schedule,
            full,
            restored.state,
        )


def check_known_time_prefix(
    factory: Factory, schedule: Schedule, *, registry: Registry | None = None
) -> None:
    """The state as known at T equals the state of a log cut at T."""
    log = play(schedule, registry=registry)
    for known in sorted({record.known_at for record in log}):
        cut = Log(MemoryStore(), registry=log.registry)
        cut.store.append(
            list(log.store.read(stop=log.last_position_known_by(known) + 1)), expected_position=0
        )
        as_known = _everything(factory, log, known)
        truncated = _everything(factory, cut)
        if as_known != truncated:
            raise BrokenLawError(
                f"the state as known at {known} differs from the log cut there",
                schedule,
                truncated,
                as_known,
            )


def check_append_order(
    factory: Factory,
    schedule: Schedule,
    order: Sequence[int],
    *,
    registry: Registry | None = None,
) -> None:
    """Appending the same events in another order gives the same state at (V=any, T=now).

    Holds only where events have distinct valid-time order keys or the
    handlers of tied events commute; call it where your projection claims it.

    Args:
        factory: Makes the projection.
        schedule: The history; only its appends are used.
        order: A permutation of the appends' indexes.
        registry: The registry of the user's event types (the default one if None).
    """
    appends = schedule.appends
    shuffled = Schedule(tuple(appends[i] for i in order))
    original = _everything(factory, play(Schedule(appends), registry=registry))
    other = _everything(factory, play(shuffled, registry=registry))
    if original != other:
        raise BrokenLawError(
            f"appending in the order {list(order)} changed the state", shuffled, original, other
        )


def check_retraction(
    factory: Factory, schedule: Schedule, *, registry: Registry | None = None
) -> None:
    """A retracted event counts until the retraction is known, and never after.

    After the history, the state must equal that of the history in which the
    retracted events were never appended (and corrected ones were appended as
    corrected); as known just before each fix, that of the history up to it.
    """
    # The state without the fixed events comes first, before anything has
    # seen them: a projection that keeps what it saw outside its state is
    # then caught by the final comparison.
    expected = _everything(factory, play(_without_fixes(schedule), registry=registry))
    log = play(schedule, registry=registry)
    for index, step in enumerate(schedule.steps):
        if not isinstance(step, Retract | Correct) or step.minutes == 0:
            continue  # a fix at the same known time as the step before is never "before"
        before = play(Schedule(schedule.steps[:index]), registry=registry)
        if not len(before):
            continue
        known = before[before.last_position].known_at
        seen, wanted = _everything(factory, log, known), _everything(factory, before)
        if seen != wanted:
            raise BrokenLawError(
                f"as known before the fix at step {index + 1}, the state is not the one before it",
                schedule,
                wanted,
                seen,
            )
    got = _everything(factory, log)
    if expected != got:
        raise BrokenLawError(
            "retracted or corrected events still count, or others were lost",
            schedule,
            expected,
            got,
        )


def _without_fixes(schedule: Schedule) -> Schedule:
    """The history with each retracted event left out and each corrected one replaced.

    Fixes pick their target as :func:`play` does: by index among the event
    records appended so far, retracted ones included.
    """
    records: list[Append | None] = []
    for step in schedule:
        if isinstance(step, Append):
            records.append(step)
        elif records:
            records[step.target % len(records)] = None
            if isinstance(step, Correct):
                records.append(Append(step.event, step.valid, None, step.minutes))
    return Schedule(tuple(step for step in records if step is not None))


def check_laws(
    factory: Factory,
    events: st.SearchStrategy[Any],
    *,
    laws: Sequence[Law] = ("determinism", "incremental", "snapshot", "prefix", "retraction"),
    valid: st.SearchStrategy[Any] | None = None,
    max_examples: int | None = None,
    registry: Registry | None = None,
) -> None:
    """Check ``laws`` on histories built from ``events``, with hypothesis.

    A failure raises :class:`BrokenLawError` for the smallest history hypothesis
    finds, in plain words. Add ``"order"`` to ``laws`` where the projection
    should not depend on the order of appends.

    Args:
        factory: Makes a fresh projection (the class itself will do).
        events: The user's events.
        laws: Which laws to check; see :data:`LAWS`.
        valid: Valid times for the events (a pool of imprecise dates by default).
        max_examples: Histories to try; the active hypothesis profile's by default.
        registry: The registry of the user's event types (the default one if None).
    """
    unknown = set(laws) - set(LAWS)
    if unknown:
        raise ValueError(f"unknown laws {sorted(unknown)}; known: {LAWS}")
    history = schedules(events, valid=valid)

    @given(history, st.data())
    def run(schedule: Schedule, data: st.DataObject) -> None:
        if "determinism" in laws:
            check_determinism(factory, schedule, registry=registry)
        if "incremental" in laws:
            check_incremental(factory, schedule, registry=registry)
        if "snapshot" in laws:
            split = data.draw(st.integers(0, len(schedule.steps)), label="split")
            check_snapshot(factory, schedule, split, registry=registry)
        if "prefix" in laws:
            check_known_time_prefix(factory, schedule, registry=registry)
        if "order" in laws:
            count = len(schedule.appends)
            order = data.draw(st.permutations(range(count)), label="order")
            check_append_order(factory, schedule, order, registry=registry)
        if "retraction" in laws:
            check_retraction(factory, schedule, registry=registry)

    # Every call checks another projection through this one inner function:
    # hypothesis's example database, keyed by function, must not mix them.
    overrides: dict[str, Any] = {"database": None}
    if max_examples is not None:
        overrides["max_examples"] = max_examples
    settings(settings.default, **overrides)(run)()
