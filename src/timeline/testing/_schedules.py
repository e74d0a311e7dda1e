"""Append schedules: generated histories of a log, replayable step by step."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from hypothesis import strategies as st

from timeline._clock import ManualClock
from timeline._corrections import Corrected, Retracted
from timeline._log import Log
from timeline.time import ValidTime, valid_time

if TYPE_CHECKING:
    from timeline._events import Registry
    from timeline._records import Record
    from timeline.typing import Store

__all__ = ["Append", "Correct", "Retract", "Schedule", "Step", "play", "schedules"]

#: Where a played schedule's clock starts.
START = "2024-01-01T00:00:00Z"


@attrs.frozen
class Append:
    """Append ``event`` with ``valid`` time, ``minutes`` after the previous step."""

    event: Any
    valid: ValidTime
    subject: str | None = None
    minutes: int = 1

    def __str__(self) -> str:
        about = f" about {self.subject!r}" if self.subject else ""
        return f"append {self.event!r} valid {self.valid}{about}"


@attrs.frozen
class Retract:
    """Retract the ``target``-th event record appended so far (from 0, modulo their number).

    In a :class:`Schedule`'s words the record is named by its position in the log (from 1).
    """

    target: int
    minutes: int = 1

    def __str__(self) -> str:
        return f"retract event record #{self.target + 1} appended so far (counting round)"


@attrs.frozen
class Correct:
    """Replace the ``target``-th event record by ``event`` with ``valid`` time.

    In a :class:`Schedule`'s words the record is named by its position in the log (from 1).
    """

    target: int
    event: Any
    valid: ValidTime
    minutes: int = 1

    def __str__(self) -> str:
        return (
            f"correct event record #{self.target + 1} appended so far (counting round) to "
            f"{self.event!r} valid {self.valid}"
        )


Step = Append | Retract | Correct


@attrs.frozen
class Schedule:
    """A history of appends, retractions and corrections, with the time between them.

    ``str()`` gives it in plain words, one numbered step a line, which is
    what a failing law check shows.
    """

    steps: tuple[Step, ...]

    def __str__(self) -> str:
        if not self.steps:
            return "(no steps)"
        lines = []
        position = 0
        events: list[int] = []  # the positions of event records, as play() picks targets
        for number, step in enumerate(self.steps, start=1):
            later = "at the same known time" if step.minutes == 0 else f"{step.minutes} min later"
            if isinstance(step, Append):
                position += 1
                events.append(position)
                said = f"{step} -> position {position}"
            elif not events:
                said = f"{type(step).__name__.lower()}: nothing appended yet, so nothing happens"
            elif isinstance(step, Retract):
                target = events[step.target % len(events)]
                position += 1
                said = f"retract the record at position {target} -> position {position}"
            else:
                target = events[step.target % len(events)]
                events.append(position + 1)
                position += 2
                said = (
                    f"correct the record at position {target} to {step.event!r} valid "
                    f"{step.valid} -> positions {position - 1} (replacement), {position}"
                )
            lines.append(f"  {number}. {said} ({later})")
        return "\n".join(lines)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def appends(self) -> tuple[Append, ...]:
        """The append steps alone."""
        return tuple(step for step in self.steps if isinstance(step, Append))


def schedules(
    events: st.SearchStrategy[Any],
    *,
    valid: st.SearchStrategy[Any] | None = None,
    subjects: st.SearchStrategy[str | None] | None = None,
    min_steps: int = 0,
    max_steps: int = 12,
    retractions: bool = True,
    corrections: bool = True,
) -> st.SearchStrategy[Schedule]:
    """Histories of a log built from the user's events.

    Valid times are drawn independently of the order of appends, so old
    events arrive late; steps may share a known time (``minutes=0``). Each
    history draws from a small pool of valid times of its own (events tied
    on valid time), and half of them repeat a few of their events and
    subjects: the ties, duplicates and repeated subjects where fold bugs hide.

    Args:
        events: The user's events (see :func:`events`).
        valid: Valid times (EDTF strings, moments, intervals); a small pool of
            overlapping, imprecise dates by default, so ties and maybes occur.
        subjects: Subjects to file records under; none by default.
        min_steps: The fewest steps.
        max_steps: The most steps.
        retractions: Whether retractions are drawn.
        corrections: Whether corrections are drawn.
    """
    when = (valid if valid is not None else _POOL).map(valid_time)
    about = subjects if subjects is not None else st.none()
    # Each history draws its valid times from a small pool of its own (three in four
    # draws), and half hold a burst of events at one valid time: ties are where order
    # bugs hide (hash order, float sums, tie-breaking), so they must be common. Half
    # the histories also repeat a few events and subjects of their own: equal events,
    # one subject again and again. The pools are drawn once per history (st.shared,
    # under keys of this call's own), and every strategy is built once, here.
    key = f"timeline.testing.schedules.{next(_CALLS)}"
    dates = st.shared(st.lists(when, min_size=1, max_size=4), key=f"{key}.dates")
    pooled = st.shared(st.integers(0, 3), key=f"{key}.pooled")
    when = _either(pooled, _one_of(dates), when)
    repeats = st.shared(st.booleans(), key=f"{key}.repeats")
    own_events = st.shared(st.lists(events, min_size=1, max_size=3), key=f"{key}.events")
    events = _either(repeats, _one_of(own_events) | events, events)
    own_subjects = st.shared(st.lists(about, min_size=1, max_size=2), key=f"{key}.subjects")
    about = _either(repeats, _one_of(own_subjects) | about, about)
    minutes = st.integers(0, 3)
    appends = st.builds(Append, event=events, valid=when, subject=about, minutes=minutes)
    # Appends three times as often as each kind of fix: histories hold more events.
    kinds: list[st.SearchStrategy[Step]] = [appends, appends, appends]
    if retractions:
        kinds.append(st.builds(Retract, target=st.integers(0, 50), minutes=minutes))
    if corrections:
        kinds.append(
            st.builds(Correct, target=st.integers(0, 50), event=events, valid=when, minutes=minutes)
        )
    tied = st.builds(
        Append, event=events, valid=_one_of(dates, first=True), subject=about, minutes=minutes
    )
    return _histories(
        st.lists(st.one_of(*kinds), min_size=min_steps, max_size=max_steps),
        tied,
        max_steps=max_steps,
    )


_CALLS = itertools.count()


@st.composite
def _one_of(draw: st.DrawFn, pool: st.SearchStrategy[list[Any]], *, first: bool = False) -> Any:  # noqa: ANN401 -- any value
    values = draw(pool)
    return values[0 if first else draw(st.integers(0, len(values) - 1))]


@st.composite
def _either(
    draw: st.DrawFn,
    which: st.SearchStrategy[int],
    some: st.SearchStrategy[Any],
    others: st.SearchStrategy[Any],
) -> Any:  # noqa: ANN401 -- any value
    return draw(some) if draw(which) else draw(others)


@st.composite
def _histories(
    draw: st.DrawFn,
    steps: st.SearchStrategy[list[Step]],
    tied: st.SearchStrategy[Append],
    *,
    max_steps: int,
) -> Schedule:
    drawn = draw(steps)
    if max_steps - len(drawn) >= 3 and draw(st.booleans()):  # shrinks to no burst
        # A burst: three or more events tied on one valid time, somewhere in the history.
        burst = draw(st.lists(tied, min_size=3, max_size=min(5, max_steps - len(drawn))))
        at = draw(st.integers(0, len(drawn)))
        drawn[at:at] = burst
    return Schedule(tuple(drawn))


_POOL = st.sampled_from(
    [
        "2006",
        "2022-02",
        "2022-02-24",
        "2023-09",
        "2023-09-13",
        "2023-12-30",
        "2024-01-02",
        "2024-01-0X",
        "2024-01-11",
        "2023~",
        "2023-12-30/2024-01-02",
        "2006/..",
        "2024-01-11/..",
        "../2006",
        "2023-21",
        "[2023-09,2023-12-30]",
        "{2022-02,2024-01-11}",
        "[2023-09,2023-12-30]/..",
        "-0064/..",
    ]
)


def play(
    schedule: Schedule | Sequence[Step],
    *,
    registry: Registry | None = None,
    store: Store | None = None,
    log: Log | None = None,
    start: str = START,
) -> Log:
    """Carry out ``schedule`` on a log and return it.

    Args:
        schedule: The steps.
        registry: The user's event types (the default registry if None).
        store: Where to write; a new memory store if None.
        log: An existing log to continue (its clock must be a ManualClock);
            ``registry``, ``store`` and ``start`` are then ignored.
        start: The known time of the first step.
    """
    if log is None:
        log = Log(store, clock=ManualClock(start), registry=registry)
    clock = log._clock  # noqa: SLF001 -- the schedule drives the log's own clock
    if not isinstance(clock, ManualClock):
        raise TypeError("play() needs a log with a ManualClock")
    events = [r for r in log if not _is_fix(r)]
    for step in schedule:
        clock.advance(minutes=step.minutes)
        if isinstance(step, Append):
            events.append(log.append(step.event, valid=step.valid, subject=step.subject))
        elif events and isinstance(step, Retract):
            log.retract(events[step.target % len(events)], reason="schedule")
        elif events and isinstance(step, Correct):
            target = events[step.target % len(events)]
            events.append(log.correct(target, step.event, valid=step.valid, reason="schedule"))
    return log


def _is_fix(record: Record) -> bool:
    return isinstance(record.event, Retracted | Corrected)
