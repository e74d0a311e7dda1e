"""Bounds: the earliest and latest instants a value may denote, widened by padding."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Final

import attrs
import pendulum
from pendulum.tz.timezone import FixedTimezone

from timeline._answer import Answer
from timeline._errors import InvalidValidTimeError

from ._calendar import (
    EAST,
    MAX_YEAR,
    MIN_YEAR,
    QUARTER,
    WEST,
    format_instant,
    in_datetime_range,
    instant_of,
    micros,
    parse_instant,
    utc_datetime,
)
from ._instants import utc_instant
from ._precision import Qualifier

__all__ = [
    "DEFAULT_PADDING",
    "EARLIEST",
    "FIRST_HELD",
    "LAST_HELD",
    "LATEST",
    "Bounds",
    "Padding",
    "across_offsets",
    "instant_text",
]

#: The earliest instant a ``datetime`` holds; what an open start reads as.
EARLIEST: Final = pendulum.datetime(1, 1, 1, tz="UTC")
#: The last instant a ``datetime`` holds; what an open end reads as.
LATEST: Final = pendulum.datetime(9999, 12, 31, 23, 59, 59, 999999, tz="UTC")
# The instants a valid time may name: beyond them lie only the open ends.
FIRST_HELD: Final = instant_of((MIN_YEAR, 1, 1, 0, 0, 0, 0), FixedTimezone(0))
LAST_HELD: Final = instant_of((MAX_YEAR + 1, 1, 1, 0, 0, 0, 0), FixedTimezone(0))


@attrs.frozen
class Padding:
    """How far approximate and uncertain values may stray, in units.

    Every component a qualifier reaches is widened on both sides by
    ``approximate`` of its units for ``~``, ``uncertain`` for ``?`` and the
    sum of both for ``%``. A qualifier before a component reaches it alone;
    after one, it reaches it and every component to its left; at the end,
    the whole date (ISO 8601-2). So ``2023-~09`` (the month approximate) is
    widened by a month each side, ``~2023-09`` (the year) by a year, and
    ``2023-09~`` (year and month) by a year and a month, as the ``edtf``
    package pads it. A season or other grouping is widened by its length.

    >>> from timeline import Moment
    >>> Moment.parse("2023~").bounds(padding=Padding(approximate=2))
    Bounds.of('2021-01-01T00:00:00', '2026-01-01T00:00:00', floating=True)
    """

    approximate: int = attrs.field(default=1, validator=attrs.validators.ge(0))
    uncertain: int = attrs.field(default=1, validator=attrs.validators.ge(0))

    def units(self, qualifier: Qualifier) -> int:
        """Return how many units a value with ``qualifier`` is widened by."""
        return (self.approximate if qualifier.approximate else 0) + (
            self.uncertain if qualifier.uncertain else 0
        )


#: The padding used unless another is given: one unit each way.
DEFAULT_PADDING: Final = Padding()


@attrs.frozen(init=False, repr=False)
class Bounds:
    """The instants a value may denote: ``earliest <= t < latest``, in UTC.

    Kept as integers, :attr:`low` and :attr:`high`: UTC microseconds on
    Python's ordinal scale (``date.toordinal()`` days), so a bound may lie in
    any year from -99999 to 99999, where a ``datetime`` holds only 1-9999.
    :attr:`earliest`, :attr:`latest` and :attr:`last` give them as pendulum
    instants; an open end reads as :data:`EARLIEST` or :data:`LATEST`.

    Bounds of a value written without a zone are :attr:`floating`: their wall
    time is kept as if it were UTC, and the instant it denotes may lie
    anywhere from 14 hours before that (UTC+14:00) to 12 hours after
    (UTC-12:00). Floating bounds compare with each other as written (one
    shared zone) and with others through every offset (:func:`across_offsets`).

    >>> from timeline import Moment
    >>> Moment.parse("2023-09", tz="UTC").bounds()
    Bounds(earliest=DateTime(2023, 9, 1, 0, 0, 0, tzinfo=Timezone('UTC')), \
latest=DateTime(2023, 10, 1, 0, 0, 0, tzinfo=Timezone('UTC')))
    >>> Moment.parse("-0063", tz="UTC").bounds()
    Bounds.of('-0063-01-01T00:00:00+00:00', '-0062-01-01T00:00:00+00:00')
    >>> Moment.parse("2023-09").bounds()  # no zone written: local time somewhere
    Bounds.of('2023-09-01T00:00:00', '2023-10-01T00:00:00', floating=True)
    """

    #: The first microsecond inside.
    low: int
    #: The first microsecond after (exclusive).
    high: int
    #: True for local time somewhere: a value written without a zone.
    floating: bool

    def __init__(
        self, earliest: dt.datetime, latest: dt.datetime, *, floating: bool = False
    ) -> None:
        self.__attrs_init__(micros(earliest), micros(latest), floating)

    @classmethod
    def of(cls, low: int | str, high: int | str, *, floating: bool = False) -> Bounds:
        """Build bounds from microseconds (or the ISO 8601 strings :meth:`iso` writes).

        >>> Bounds.of("2023-09-01T00:00:00", "2023-10-01T00:00:00", floating=True)
        Bounds.of('2023-09-01T00:00:00', '2023-10-01T00:00:00', floating=True)
        """
        bounds = object.__new__(cls)
        bounds.__attrs_init__(_micros_of(low), _micros_of(high), floating)
        return bounds

    def moved(self, offset: int) -> Bounds:
        """These bounds read at UTC ``offset`` (microseconds) if floating; else themselves."""
        if not self.floating or not offset:
            return self
        return Bounds.of(self.low - offset, self.high - offset)

    def reach(self) -> Bounds:
        """Every instant these bounds may denote in any zone: floating ones widened, as UTC."""
        if not self.floating:
            return self
        return Bounds.of(self.low - EAST, self.high - WEST)

    @property
    def top(self) -> int:
        """The last microsecond inside (:attr:`high` less one, unless empty)."""
        return self.high - 1 if self.high > self.low else self.high

    @property
    def earliest(self) -> pendulum.DateTime:
        """The first instant inside; for :attr:`floating` bounds, the wall time as if in UTC.

        Raises:
            InvalidValidTimeError: it lies outside the years 1-9999 a datetime
                holds; read :attr:`low` or :meth:`iso` instead.
        """
        return _instant(self.low)

    @property
    def latest(self) -> pendulum.DateTime:
        """The first instant after (exclusive); raises as :attr:`earliest` does."""
        return _instant(self.high)

    @property
    def last(self) -> pendulum.DateTime:
        """The last instant inside, ``latest`` less one microsecond (the resolution)."""
        return _instant(self.top)

    def iso(self) -> tuple[str, str]:
        """``(earliest, latest)`` as ISO 8601 in UTC, years beyond 0-9999 expanded.

        Floating bounds are wall time, written without an offset.
        """
        low, high = format_instant(self.low), format_instant(self.high)
        if self.floating:
            return low.removesuffix("+00:00"), high.removesuffix("+00:00")
        return low, high

    def contains(self, instant: dt.datetime) -> bool:
        """Return whether ``instant`` lies in ``[earliest, latest)``."""
        return self.low <= micros(instant) < self.high

    def __repr__(self) -> str:
        if self.floating:  # wall time: shown without a zone
            low, high = self.iso()
            return f"Bounds.of({low!r}, {high!r}, floating=True)"
        if in_datetime_range(self.low) and in_datetime_range(self.high):
            return f"Bounds(earliest={self.earliest!r}, latest={self.latest!r})"
        low, high = self.iso()
        return f"Bounds.of({low!r}, {high!r})"


def _micros_of(value: int | str) -> int:
    if isinstance(value, int):
        return value
    if _OFFSET.search(value) is None:  # wall time, as floating bounds write it
        value += "+00:00"
    return parse_instant(value)


_OFFSET: Final = re.compile(r"(?:Z|[+-]\d\d:\d\d)\Z")


def _instant(value: int) -> pendulum.DateTime:
    if value < FIRST_HELD:  # where open starts lie
        return EARLIEST
    if value > LAST_HELD:  # where open ends lie
        return LATEST
    if not in_datetime_range(value):
        raise InvalidValidTimeError(
            f"{format_instant(value)} lies outside the years 1-9999 a datetime holds: "
            "read the bounds' low and high microseconds, or their iso() strings"
        )
    return utc_instant(utc_datetime(value))


def instant_text(value: int) -> str:
    """Microseconds as ISO 8601: ``datetime.isoformat()`` where it can, else expanded years."""
    if in_datetime_range(value) or not FIRST_HELD <= value <= LAST_HELD:
        return _instant(value).isoformat()
    return format_instant(value)


def across_offsets(values: Iterable[tuple[int, bool]], rule: Callable[[int], Answer]) -> Answer:
    """Answer a question that compares floating times with zoned ones, through every offset.

    A floating time is local time in a zone nobody named: at UTC offset ``o``
    its wall time ``w`` is the instant ``w - o``, for any ``o`` from
    UTC-12:00 to UTC+14:00 in quarter hours (:data:`WEST` .. :data:`EAST`),
    one offset shared by every floating time of the question. ``rule(o)``
    answers with the floating values read at ``o``; the answer is *yes* if
    it is yes at every offset, *no* if no at every one, otherwise *maybe*.

    ``values`` are the instants the rule compares, each with whether it is
    floating. A comparison between a floating ``f`` and a zoned ``z`` turns
    only where ``f - o`` passes ``z``, at ``o = f - z``; so the rule is asked
    at the offsets next to each such turn and at both extremes, not at all
    105. With no floating value, or no zoned one, it is asked once.

    >>> from timeline import Moment
    >>> def began_by(offset: int) -> Answer:
    ...     return Answer.YES if day.low - offset <= noon else Answer.NO
    >>> day = Moment.parse("2017-12-23").bounds()  # floating: no zone written
    >>> noon = micros(dt.datetime(2017, 12, 22, 12, tzinfo=dt.UTC))
    >>> across_offsets([(day.low, True), (noon, False)], began_by)
    <Answer.MAYBE: 'maybe'>
    """
    floating: set[int] = set()
    zoned: set[int] = set()
    for value, is_floating in values:
        (floating if is_floating else zoned).add(value)
    if not floating or not zoned:
        return rule(0)
    # The two extremes first: where they differ (often, near a turn) that is all.
    found = rule(WEST)
    if rule(EAST) is not found:
        return Answer.MAYBE
    offsets: set[int] = set()
    low, high = WEST - 2 * QUARTER, EAST + QUARTER
    for wall in floating:
        for instant in zoned:
            turn = wall - instant
            if low <= turn <= high:  # the quarter hours before, at and after the turn
                below = (turn - 1) // QUARTER * QUARTER
                offsets.update((below, below + QUARTER, below + 2 * QUARTER))
    for offset in offsets:
        if WEST < offset < EAST and rule(offset) is not found:
            return Answer.MAYBE
    return found


def _values(*bounds: Bounds) -> Iterator[tuple[int, bool]]:
    """The instants bounds are compared by, each with whether it is floating."""
    for each in bounds:
        yield each.low, each.floating
        yield each.top, each.floating
        yield each.high, each.floating
