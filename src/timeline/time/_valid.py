"""Valid time from any form, and how two valid times relate: in force, before, overlapping."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Final

import attrs

from timeline._answer import Answer
from timeline._errors import InvalidValidTimeError

from . import _late
from ._bounds import Bounds, _values, across_offsets
from ._calendar import FLOATING, fields_at
from ._instants import zone_of
from ._interval import Interval, ValidTime, ValidTimeLike
from ._moment import Moment
from ._precision import End
from ._question import Extent, Question, QuestionLike, read_instant
from ._sets import DateRange, DateSet

__all__ = ["before", "in_force", "overlaps", "read_in", "until", "valid_time", "zones_of"]


def valid_time(value: ValidTimeLike, *, tz: str = FLOATING, phrase: str | None = None) -> ValidTime:
    """Return ``value`` as a :data:`ValidTime`.

    Accepts a :class:`Moment` or :class:`Interval` (returned as is), an EDTF
    string, a date (a day in zone ``tz``), an aware datetime (pendulum's
    included; an exact instant), or a ``(start, end)`` pair of any of these,
    where ``None`` is an open end.

    Args:
        value: The valid time in any accepted form.
        tz: The zone for dates and zone-less strings; by default
            :data:`FLOATING` (local time somewhere).
        phrase: The source's own words, kept beside the value.

    Raises:
        InvalidValidTimeError: ``value`` is a naive datetime, a malformed
            string, or of a type the library does not take.

    >>> valid_time("2024-01-11/..")
    Interval.parse('2024-01-11/..')
    """
    if tz != FLOATING:
        zone_of(tz)  # a bad zone is named as such, not as a bad date
    if isinstance(value, str):
        return _late.parse_edtf(value, tz=tz, phrase=phrase)
    if isinstance(value, Moment | Interval | DateSet):
        return value
    if isinstance(value, dt.datetime):
        return Moment.from_datetime(value, phrase=phrase)
    if isinstance(value, dt.date):
        return Moment.from_date(value, tz=tz, phrase=phrase)
    if isinstance(value, tuple) and len(value) == 2:
        start, end = (_end(v, tz=tz) for v in value)
        return Interval(start, end, phrase=phrase)
    raise InvalidValidTimeError(
        f"cannot read {value!r} as a valid time: give an EDTF string, a date, an aware "
        "datetime, a Moment, an Interval or a (start, end) pair"
    )


def _end(value: object, *, tz: str) -> Moment | DateSet | End:
    if value is None:
        return End.OPEN
    if isinstance(value, End | Moment | DateSet):
        return value
    if isinstance(value, str | dt.date):
        moment = valid_time(value, tz=tz)
        if isinstance(moment, Moment | DateSet):
            return moment
    raise InvalidValidTimeError(f"an interval end must be a single date or None, not {value!r}")


def until(last: Moment | str | dt.date, *, tz: str = FLOATING) -> Moment:
    """Return the exclusive end for a source's inclusive "until ``last``".

    "Until 30 April 2024" means in force through the whole of that day, so the
    exclusive end is the first instant of 1 May 2024, exactly.

    >>> str(until("2024-04-30"))
    '2024-05-01T00:00:00.000000'
    >>> str(until("2024-04-30", tz="UTC"))
    '2024-05-01T00:00:00.000000Z'
    """
    moment = valid_time(last, tz=tz)
    if not isinstance(moment, Moment) or not moment.exact:
        raise InvalidValidTimeError(f"until() needs one exact date, not {last!r}")
    year, month, day, hour, minute, second, micro = fields_at(
        moment.strict_bounds().high, zone_of(moment.tz)
    )
    return Moment(
        _year_text(year), f"{month:02d}", f"{day:02d}", hour, minute, second, micro, tz=moment.tz
    )


def zones_of(value: ValidTime) -> frozenset[str]:
    """The zones of the dates in a valid time (:data:`FLOATING` for those written without one)."""
    return frozenset((value.tz,)) if isinstance(value, Moment) else value.zones


def read_in(value: ValidTime, tz: str) -> ValidTime:
    """The same valid time with its floating dates read in zone ``tz``.

    A date written without a zone is local time somewhere; once it is known
    whose calendar it is on (the UN Security Council's dates are New York
    dates), it is that zone's time, and compares with instants exactly.
    Dates that carry a zone keep it; ``tz`` of :data:`FLOATING` changes
    nothing. The words a date was read from are kept.

    >>> mandate = valid_time("2023-05-01/2024-05-01")  # until 30 April, as the resolution says
    >>> mandate.contains("2024-04-30T23:59:59Z").value
    'maybe'
    >>> read_in(mandate, "America/New_York").contains("2024-04-30T23:59:59Z").value
    'yes'

    Raises:
        InvalidValidTimeError: ``tz`` is not a zone.
    """
    if tz == FLOATING:
        return value
    zone_of(tz)  # a bad zone is named as such
    return _read_in(value, tz)


def _read_in(value: ValidTime, tz: str) -> ValidTime:
    if isinstance(value, Moment):
        return _moment_in(value, tz)
    if isinstance(value, Interval):
        start, end = (
            end if isinstance(end, End) else _read_in(end, tz) for end in (value.start, value.end)
        )
        return attrs.evolve(value, start=start, end=end)  # type: ignore[arg-type]  # ends of the same kinds
    members = tuple(
        _moment_in(member, tz)
        if isinstance(member, Moment)
        else DateRange(
            *(None if end is None else _moment_in(end, tz) for end in (member.first, member.last))
        )
        for member in value.members
    )
    return attrs.evolve(value, members=members)


def _moment_in(moment: Moment, tz: str) -> Moment:
    return attrs.evolve(moment, tz=tz) if moment.tz == FLOATING else moment


def _year_text(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def _extent(value: ValidTime) -> Extent:
    return value.extent


def in_force(
    start: Moment | End | ValidTimeLike,
    end: Moment | End | ValidTimeLike,
    at: QuestionLike,
) -> Answer:
    """Answer "is a fact from ``start`` to the exclusive ``end`` in force at ``at``?".

    ``at`` is read at its own precision (see :class:`Question`).

    >>> in_force("2006", End.OPEN, "2024-01-15")
    <Answer.YES: 'yes'>
    """
    interval = valid_time((start, end))  # type: ignore[arg-type]
    assert isinstance(interval, Interval)  # noqa: S101 -- a pair always makes one
    return interval.contains(at)


def before(a: ValidTimeLike, b: ValidTimeLike) -> Answer:
    """Answer "did ``a`` end before ``b`` began?" (definitely / possibly).

    >>> before("2023-09", "2023-12-30")
    <Answer.YES: 'yes'>
    >>> before("2023", "2023-12-30")
    <Answer.MAYBE: 'maybe'>
    """
    first, second = _extent(valid_time(a)), _extent(valid_time(b))
    return _across(_before, first.end, second.start)


def _before(end: Bounds, start: Bounds) -> Answer:
    if end.top <= start.low:
        return Answer.YES
    if end.low > start.top:
        return Answer.NO
    return Answer.MAYBE


def _across(rule: Callable[[Bounds, Bounds], Answer], one: Bounds, other: Bounds) -> Answer:
    """``rule`` over two bounds, through every offset if one is floating and the other not."""
    if one.floating is other.floating:
        return rule(one, other)
    return across_offsets(
        _values(one, other), lambda offset: rule(one.moved(offset), other.moved(offset))
    )


def overlaps(a: ValidTimeLike, b: ValidTimeLike) -> Answer:
    """Answer "do ``a`` and ``b`` share some instant?".

    A :class:`Moment` is a point event here: it overlaps a span when the span
    is in force at its instant; two imprecise points may coincide (maybe) but
    are never known to. A :class:`DateSet` is read by its hull.

    >>> overlaps("2023-12-30/2024-01-02", "2024-01-01")
    <Answer.YES: 'yes'>
    """
    first, second = valid_time(a), valid_time(b)
    if isinstance(first, Moment | DateSet) and isinstance(second, Moment | DateSet):
        return _across(_coincide, first.bounds(), second.bounds())
    if isinstance(first, Moment | DateSet):
        first, second = second, first
    if isinstance(second, Moment | DateSet):
        span, point = first.extent, second.bounds()
        rule: Callable[[int], Answer] = lambda offset: _covers(  # noqa: E731 -- one use
            span.moved(offset), point.moved(offset)
        )
        values = _values(span.start, span.end, point)
    else:
        x, y = first.extent, second.extent
        rule = lambda offset: _share(x.moved(offset), y.moved(offset))  # noqa: E731 -- as above
        values = _values(x.start, x.end, y.start, y.end)
    return across_offsets(values, rule)


def _coincide(p: Bounds, q: Bounds) -> Answer:
    return Answer.MAYBE if p.low < q.high and q.low < p.high else Answer.NO


def _share(x: Extent, y: Extent) -> Answer:
    if x.start.low >= y.end.top or y.start.low >= x.end.top:
        return Answer.NO
    if max(x.start.top, y.start.top) < min(x.end.low, y.end.low):
        return Answer.YES
    return Answer.MAYBE


def _covers(span: Extent, point: Bounds) -> Answer:
    if span.start.top <= point.low and point.top < span.end.low:
        return Answer.YES
    if span.end.top <= point.low or span.start.low > point.top:
        return Answer.NO
    return Answer.MAYBE


# -- reading questions and instants, for the rooms below (see timeline.time._late) ---------

_TIME_OF_DAY: Final = re.compile(r"\d[Tt ]\d\d")


def _ask(value: QuestionLike, tz: str) -> Question:
    """What :meth:`Question.of` makes of text and valid times (see its notes)."""
    if isinstance(value, str) and _TIME_OF_DAY.search(value) and "/" not in value:
        at, floating = read_instant(value, tz=tz)  # ISO 8601 as pendulum reads it, or EDTF
        return Question(at, at + 1, floating=floating)
    asked = valid_time(value, tz=tz)  # type: ignore[arg-type]  # a Question was answered above
    if isinstance(asked, Moment | DateSet):
        bounds = asked.bounds()
        return Question(bounds.low, bounds.high, exact=asked.exact, floating=bounds.floating)
    ends = [end for end in (asked.start, asked.end) if not isinstance(end, End)]
    return Question.window(
        asked.extent.start, asked.extent.end, exact=all(end.exact for end in ends)
    )


def _edtf_instant(text: str, tz: str) -> tuple[int, bool]:
    moment = valid_time(text, tz=tz)  # raises, naming the bad part
    if not isinstance(moment, Moment) or not moment.exact:
        raise InvalidValidTimeError(
            f"{text!r} names more than one instant: give one exact date or time"
        )
    bounds = moment.strict_bounds()
    return bounds.low, bounds.floating


_late.ask = _ask
_late.exact_instant = _edtf_instant
