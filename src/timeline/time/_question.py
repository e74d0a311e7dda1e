"""Questions: a valid time asked about at its own precision, and the extent it meets."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, TypeAlias

import attrs
import pendulum

from timeline._answer import Answer
from timeline._errors import InvalidValidTimeError

from . import _late
from ._bounds import Bounds, _instant, _values, across_offsets
from ._calendar import EAST, FLOATING, WEST, instant_of, micros
from ._instants import to_instant, zone_of

if TYPE_CHECKING:
    from ._calendar import Fields
    from ._interval import Interval
    from ._moment import Moment


__all__ = ["Extent", "Question", "QuestionLike", "read_instant"]


@attrs.frozen
class Extent:
    """Where something that starts and (exclusively) ends may lie in time.

    ``start`` bounds the instant it began and ``end`` the instant it stopped.
    A point event has the same bounds for both. This is the form every
    three-valued question reduces to.
    """

    start: Bounds
    end: Bounds

    def at(self, instant: dt.datetime | int) -> Answer:
        """Answer "is it in force at ``instant``?" (design.md, imprecise time).

        No if ``instant < start.earliest`` or ``instant >= end.last``; yes if
        ``instant >= start.last`` and ``instant < end.earliest``; otherwise
        maybe. (``last`` is the latest instant a bound may denote.) The instant
        is an aware datetime, or UTC microseconds as :class:`Bounds` keeps them;
        floating bounds meet it through every offset (:func:`across_offsets`).
        """
        at = instant if isinstance(instant, int) else micros(instant)
        return Question(at, at + 1).answer(self)

    def during(self, start: dt.datetime, end: dt.datetime) -> Answer:
        """Answer "is it in force at any instant of ``[start, end)``?" (aware datetimes)."""
        return Question(micros(start), micros(end)).answer(self)

    def moved(self, offset: int) -> Extent:
        """The extent with its floating bounds read at UTC ``offset`` (see :meth:`Bounds.moved`)."""
        if not offset or not (self.start.floating or self.end.floating):
            return self
        return Extent(self.start.moved(offset), self.end.moved(offset))

    def _during(self, low: int, high: int) -> Answer:
        # No instant of the window lies where it may be in force, [start.earliest, end.last).
        if max(self.start.low, low) >= min(self.end.top, high):
            return Answer.NO
        # In the least favourable world it starts as late and ends as early
        # as it may; if even then it is in force inside the window: yes.
        if max(self.start.top, low) < min(self.end.low, high):
            return Answer.YES
        return Answer.MAYBE

    @property
    def sort_key(self) -> tuple[pendulum.DateTime, ...]:
        """The total valid-time order: start earliest, start latest, end earliest, end latest.

        As instants, so only for bounds within the years 1-9999 (see
        :attr:`Bounds.earliest`); :attr:`order` is the same order for any year.
        """
        return (self.start.earliest, self.start.latest, self.end.earliest, self.end.latest)

    @functools.cached_property
    def order(self) -> tuple[int, int, int, int]:
        """The valid-time order as integers: each bound's low and high microseconds."""
        return (self.start.low, self.start.high, self.end.low, self.end.high)


def read_instant(value: dt.datetime | dt.date | str, *, tz: str = FLOATING) -> tuple[int, bool]:
    """Return an instant as microseconds (see :class:`Bounds`) and whether it is floating.

    An aware datetime is its own instant. A date is its first instant, and
    an ISO 8601 string without an offset its wall time, in ``tz`` -- by
    default floating: local time somewhere (see :data:`FLOATING`). A string
    that is no ISO 8601 but an exact EDTF date or date-time (``"-0050"``,
    ``"Y17000"``) is its first instant, read the same way.

    Raises:
        InvalidValidTimeError: ``value`` is a naive datetime or none of these;
            for a string, the error names the part EDTF could not read.

    >>> read_instant("2017-12-22T15:00:00-05:00")[1], read_instant("2017-12-22")[1]
    (False, True)
    """
    if isinstance(value, str):
        try:
            parsed: object = pendulum.parse(value, exact=True, tz=None)
        except Exception:  # noqa: BLE001 -- pendulum raises its own ParserError; try EDTF
            return _late.exact_instant(value, tz)
        if not isinstance(parsed, dt.date):  # a time of day or a duration
            raise InvalidValidTimeError(f"{value!r} is not a date or an instant")
        if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:  # written without zone
            time = (parsed.hour, parsed.minute, parsed.second, parsed.microsecond)
            return _wall_instant((parsed.year, parsed.month, parsed.day, *time), tz)
        value = parsed
    if isinstance(value, dt.datetime):
        return micros(to_instant(value)), False
    return _wall_instant((value.year, value.month, value.day, 0, 0, 0, 0), tz)


def _wall_instant(fields: Fields, tz: str) -> tuple[int, bool]:
    """Wall-time fields in zone ``tz`` as microseconds, and whether they are floating."""
    return instant_of(fields, zone_of(tz)), tz == FLOATING


#: What a question may be asked at: an instant, a day, or any valid time.
QuestionLike: TypeAlias = "dt.datetime | dt.date | str | Moment | Interval | Question"


@attrs.frozen
class Question:
    """A valid time asked about, at its own precision: the instants ``[start, end)`` it covers.

    "In force on 2006-10-14" asks about that day: *yes* if the fact surely
    holds at some instant of it, *no* if it surely holds at none, otherwise
    *maybe* -- the best answer over the day's instants. So a question is
    answered at its precision:

    - an aware ``datetime``, or a string with a time of day
      (``"2024-01-11T12:00:00Z"``), asks about that one instant;
    - a date, or a date written without a time (``"2024-01-15"``,
      ``"2024-01"``, ``"2024"``), asks about the whole day, month or year,
      in ``tz`` -- by default floating, local time somewhere (see
      :data:`FLOATING`): it meets floating valid times as written and zoned
      ones through every offset (:func:`across_offsets`);
    - an interval asks about every instant it may cover.

    A question with qualifiers or unspecified digits (``"2023~"``,
    ``"2024-01-0X"``) may mean several periods: it is *no* when no reading
    can meet the fact, *yes* only when the fact surely holds across all of
    them, and *maybe* otherwise.

    Attributes:
        low: The first instant asked about, in microseconds (see :class:`Bounds`).
        high: The first instant after it (exclusive), in microseconds.
        exact: False when the question itself may mean several periods.
        floating: True when asked without a zone: ``low`` and ``high`` are
            wall time, kept as if it were UTC.

    >>> january = Question.of("2024-01")
    >>> january.start.isoformat(), january.end.isoformat()
    ('2024-01-01T00:00:00+00:00', '2024-02-01T00:00:00+00:00')
    >>> Question.of("2024-01-11T12:00:00Z").instant
    True
    """

    low: int
    high: int
    exact: bool = True
    floating: bool = False

    @classmethod
    def of(cls, value: QuestionLike, *, tz: str = FLOATING) -> Question:
        """Read ``value`` as a question (see the class notes for what each form asks).

        An interval with one end floating and the other zoned asks about
        every instant it may cover in any zone: a wider window, and so not
        exact.

        Raises:
            InvalidValidTimeError: ``value`` is a naive datetime or cannot be read.
        """
        if isinstance(value, Question):
            return value
        if isinstance(value, dt.datetime):
            at = micros(to_instant(value))
            return cls(at, at + 1)
        return _late.ask(value, tz)

    @classmethod
    def window(cls, start: Bounds, end: Bounds, *, exact: bool = True) -> Question:
        """Ask about every instant from ``start`` to ``end`` may cover (see :meth:`of`)."""
        if start.floating is not end.floating:
            start, end, exact = start.reach(), end.reach(), False
        return cls(start.low, max(end.top, start.high), exact=exact, floating=start.floating)

    @classmethod
    def between(
        cls,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        tz: str = FLOATING,
    ) -> Question:
        """Ask about the instants ``[start, end)``, each read by :func:`read_instant`.

        A window whose end is its start holds no instant; one whose end is
        surely before its start is a mistake, and refused.

        Raises:
            InvalidValidTimeError: ``end`` is surely before ``start``.
        """
        low, floating = read_instant(start, tz=tz)
        high, high_floating = read_instant(end, tz=tz)
        # Floating and zoned ends meet through every offset: reversed only beyond them all.
        slack = 0 if floating is high_floating else EAST - WEST
        if high + slack < low:
            raise InvalidValidTimeError(
                f"the window from {start} to {end} ends before it starts: FROM must not be after TO"
            )
        if floating is high_floating:  # an empty window (end not after start) stays empty
            return cls(low, high, floating=floating)
        return cls.window(
            Bounds.of(low, low + 1, floating=floating),
            Bounds.of(high, high + 1, floating=high_floating),
        )

    @property
    def start(self) -> pendulum.DateTime:
        """The first instant asked about (UTC); see :attr:`Bounds.earliest` for its range."""
        return _instant(self.low)

    @property
    def end(self) -> pendulum.DateTime:
        """The first instant after it (UTC, exclusive)."""
        return _instant(self.high)

    @property
    def instant(self) -> bool:
        """True when the question is about one instant."""
        return self.high - self.low == 1

    def answer(self, extent: Extent) -> Answer:
        """Answer "is something of ``extent`` in force at this question?" (yes / maybe / no).

        Floating and zoned times meet through every offset (:func:`across_offsets`).
        """
        floating = self.floating
        if extent.start.floating is floating and extent.end.floating is floating:
            return self._plain(extent, self.low, self.high)
        return across_offsets(
            [*self.instants(), *_values(extent.start, extent.end)],
            lambda offset: self._plain(extent.moved(offset), *self.window_at(offset)),
        )

    def _plain(self, extent: Extent, low: int, high: int) -> Answer:
        found = extent._during(low, high)  # noqa: SLF001 -- the same module's
        if self.exact or found is Answer.NO:
            return found
        if extent.start.top <= low and high <= extent.end.low:
            return Answer.YES
        return Answer.MAYBE

    def window_at(self, offset: int) -> tuple[int, int]:
        """``(low, high)`` read at UTC ``offset`` (microseconds) if floating; else as they are."""
        if self.floating:
            return self.low - offset, self.high - offset
        return self.low, self.high

    def instants(self) -> tuple[tuple[int, bool], ...]:
        """``low`` and ``high``, each with whether it is floating (for :func:`across_offsets`)."""
        return ((self.low, self.floating), (self.high, self.floating))
