"""Valid time: precise and imprecise points, intervals, and their bounds.

A valid time keeps what the source said -- its precision, its qualifiers, its
unspecified digits, its zone and the verbatim phrase -- and reduces on demand
to :class:`Bounds`: the earliest instant it may denote and the first instant it
can no longer denote (bounds are half-open, like every interval here).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Final, TypeAlias, TypeVar

import attrs
import pendulum
from pendulum.tz.timezone import FixedTimezone

from timeline._answer import Answer
from timeline._errors import InvalidValidTimeError

from ._calendar import (
    CEIL,
    EAST,
    FLOATING,
    FLOOR,
    MAX_YEAR,
    MIN_YEAR,
    QUARTER,
    WEST,
    add_to_fields,
    days_in_month,
    fields_at,
    format_instant,
    in_datetime_range,
    instant_of,
    micros,
    parse_instant,
    utc_datetime,
)

__all__ = [
    "DEFAULT_PADDING",
    "EARLIEST",
    "FLOATING",
    "LATEST",
    "Bounds",
    "DateRange",
    "DateSet",
    "End",
    "Extent",
    "Grouping",
    "Interval",
    "Moment",
    "Padding",
    "Precision",
    "Qualifier",
    "Question",
    "QuestionLike",
    "ValidTime",
    "ValidTimeLike",
    "across_offsets",
    "before",
    "in_force",
    "overlaps",
    "read_instant",
    "to_instant",
    "until",
    "valid_time",
]


#: The earliest instant a ``datetime`` holds; what an open start reads as.
EARLIEST: Final = pendulum.datetime(1, 1, 1, tz="UTC")
#: The last instant a ``datetime`` holds; what an open end reads as.
LATEST: Final = pendulum.datetime(9999, 12, 31, 23, 59, 59, 999999, tz="UTC")
# The instants a valid time may name: beyond them lie only the open ends.
_FIRST_HELD: Final = instant_of((MIN_YEAR, 1, 1, 0, 0, 0, 0), FixedTimezone(0))
_LAST_HELD: Final = instant_of((MAX_YEAR + 1, 1, 1, 0, 0, 0, 0), FixedTimezone(0))


class Precision(enum.IntEnum):
    """How finely a :class:`Moment` was stated, coarsest first."""

    YEAR = 1
    MONTH = 2
    DAY = 3
    HOUR = 4
    MINUTE = 5
    SECOND = 6
    MICROSECOND = 7

    @property
    def unit(self) -> str:
        """The pendulum duration keyword for one unit of this precision."""
        return _UNITS[self]


_UNITS: Final = {
    Precision.YEAR: "years",
    Precision.MONTH: "months",
    Precision.DAY: "days",
    Precision.HOUR: "hours",
    Precision.MINUTE: "minutes",
    Precision.SECOND: "seconds",
    Precision.MICROSECOND: "microseconds",
}


class Grouping(enum.Enum):
    """A season or other sub-year grouping, written in a date's month place (EDTF 21-41).

    ``2001-21`` is spring 2001, ``2001-34`` its second quarter. Each grouping
    is a run of whole months: seasons are meteorological, three months each;
    a season that runs over the new year (northern winter, southern summer)
    begins in December of the year written. The seasons 21-24 do not say
    where they were observed; they are read as the northern hemisphere's
    (as the ``edtf`` package and most catalogues read them) -- write 29-32
    for the southern hemisphere's.

    >>> Moment.parse("2001-24").bounds()
    Bounds.of('2001-12-01T00:00:00', '2002-03-01T00:00:00', floating=True)
    """

    SPRING = 21
    SUMMER = 22
    AUTUMN = 23
    WINTER = 24
    SPRING_NORTH = 25
    SUMMER_NORTH = 26
    AUTUMN_NORTH = 27
    WINTER_NORTH = 28
    SPRING_SOUTH = 29
    SUMMER_SOUTH = 30
    AUTUMN_SOUTH = 31
    WINTER_SOUTH = 32
    QUARTER_1 = 33
    QUARTER_2 = 34
    QUARTER_3 = 35
    QUARTER_4 = 36
    QUADRIMESTER_1 = 37
    QUADRIMESTER_2 = 38
    QUADRIMESTER_3 = 39
    SEMESTER_1 = 40
    SEMESTER_2 = 41

    @property
    def first_month(self) -> int:
        """The month the grouping begins in (1-12), in the year written."""
        return _GROUPING_MONTHS[self][0]

    @property
    def months(self) -> int:
        """How many months the grouping lasts; a qualifier widens it by this many."""
        return _GROUPING_MONTHS[self][1]


_SEASONS: Final = {"SPRING": 3, "SUMMER": 6, "AUTUMN": 9, "WINTER": 12}
_SOUTH: Final = {"SPRING": 9, "SUMMER": 12, "AUTUMN": 3, "WINTER": 6}
_GROUPING_MONTHS: Final[dict[Grouping, tuple[int, int]]] = {
    **{g: (_SEASONS[g.name.split("_")[0]], 3) for g in Grouping if g.value <= 28},
    **{g: (_SOUTH[g.name.split("_")[0]], 3) for g in Grouping if 29 <= g.value <= 32},
    **{g: (3 * (g.value - 33) + 1, 3) for g in Grouping if 33 <= g.value <= 36},
    **{g: (4 * (g.value - 37) + 1, 4) for g in Grouping if 37 <= g.value <= 39},
    **{g: (6 * (g.value - 40) + 1, 6) for g in Grouping if g.value >= 40},
}
_GROUPING_CODES: Final = {f"{g.value}": g for g in Grouping}


class Qualifier(enum.Enum):
    """An EDTF qualifier: approximate (``~``), uncertain (``?``) or both (``%``)."""

    APPROXIMATE = "~"
    UNCERTAIN = "?"
    BOTH = "%"

    @property
    def approximate(self) -> bool:
        """True for ``~`` and ``%``."""
        return self is not Qualifier.UNCERTAIN

    @property
    def uncertain(self) -> bool:
        """True for ``?`` and ``%``."""
        return self is not Qualifier.APPROXIMATE

    def __or__(self, other: Qualifier | None) -> Qualifier:
        if other is None or other is self:
            return self
        return Qualifier.BOTH


class End(enum.Enum):
    """An interval end that is not a date: open (``..``) or unknown (empty).

    *Open* means the interval reaches without limit in that direction ("until
    further notice", "since time immemorial"). *Unknown* means it has an end
    that the source does not give.
    """

    OPEN = ".."
    UNKNOWN = ""

    def __repr__(self) -> str:
        return f"End.{self.name}"


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
    if value < _FIRST_HELD:  # where open starts lie
        return EARLIEST
    if value > _LAST_HELD:  # where open ends lie
        return LATEST
    if not in_datetime_range(value):
        raise InvalidValidTimeError(
            f"{format_instant(value)} lies outside the years 1-9999 a datetime holds: "
            "read the bounds' low and high microseconds, or their iso() strings"
        )
    return utc_instant(utc_datetime(value))


def instant_text(value: int) -> str:
    """Microseconds as ISO 8601: ``datetime.isoformat()`` where it can, else expanded years."""
    if in_datetime_range(value) or not _FIRST_HELD <= value <= _LAST_HELD:
        return _instant(value).isoformat()
    return format_instant(value)


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


# Four digits or X, or a longer year of digits only (EDTF's Y-years); a sign for BCE.
_MASK_YEAR: Final = re.compile(r"-?(?:[0-9X]{4}|[1-9][0-9]{4,})")
_MASK_2: Final = re.compile(r"[0-9X]{2}")


def _matches(mask: str, value: int) -> bool:
    text = f"{value:0{len(mask)}d}"
    return all(m in ("X", c) for m, c in zip(mask, text, strict=True))


def _candidates(mask: str, low: int, high: int, *, reverse: bool) -> Iterator[int]:
    """Yield the numbers in ``[low, high]`` that ``mask`` matches, in order.

    Fixed-width digit strings order as their numbers do, so filling the ``X``
    positions in digit order yields ascending values without a scan.
    """
    holes = mask.count("X")
    digits = "9876543210" if reverse else "0123456789"
    for fill in itertools.product(digits, repeat=holes):
        chars = iter(fill)
        value = int("".join(next(chars) if m == "X" else m for m in mask))
        if low <= value <= high:
            yield value


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


def _zone(name: str) -> pendulum.Timezone | FixedTimezone:
    if name == FLOATING:  # its wall time is kept as if it were UTC
        return _UTC
    if not isinstance(name, str):
        raise InvalidValidTimeError(f"a time zone is a name or an offset, not {name!r}")
    match = re.fullmatch(r"([+-])(\d\d):(\d\d)", name)
    if match:
        hours, minutes = int(match[2]), int(match[3])
        if hours > 23 or minutes > 59:
            raise InvalidValidTimeError(
                f"time zone offset {name!r} is out of range: hours 00-23, minutes 00-59 "
                "(real offsets run from -12:00 to +14:00)"
            )
        sign = -1 if match[1] == "-" else 1
        return FixedTimezone(sign * (hours * 3600 + minutes * 60))
    try:
        return pendulum.timezone(name)
    except Exception as error:  # pendulum raises a bare InvalidTimezone
        raise InvalidValidTimeError(f"unknown time zone {name!r}") from error


_UTC: Final = FixedTimezone(0)


def to_instant(value: dt.datetime | dt.date | str) -> pendulum.DateTime:
    """Return ``value`` as an aware UTC instant.

    A date means its first instant in UTC; a string is read as ISO 8601 and
    must carry its zone unless it is a plain date.

    Raises:
        InvalidValidTimeError: ``value`` is a naive datetime, or a string that is
            not an ISO 8601 instant.

    >>> to_instant("2024-01-15")
    DateTime(2024, 1, 15, 0, 0, 0, tzinfo=Timezone('UTC'))
    """
    if isinstance(value, str):
        value = _parse_iso(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidValidTimeError(
                f"naive datetime {value.isoformat()} has no time zone: give an aware datetime"
            )
        return utc_instant(value)
    return pendulum.datetime(value.year, value.month, value.day, tz="UTC")


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
            return _edtf_instant(value, tz)
        if not isinstance(parsed, dt.date):  # a time of day or a duration
            raise InvalidValidTimeError(f"{value!r} is not a date or an instant")
        if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:  # written without zone
            time = (parsed.hour, parsed.minute, parsed.second, parsed.microsecond)
            return _wall_instant((parsed.year, parsed.month, parsed.day, *time), tz)
        value = parsed
    if isinstance(value, dt.datetime):
        return micros(to_instant(value)), False
    return _wall_instant((value.year, value.month, value.day, 0, 0, 0, 0), tz)


def _wall_instant(fields: _Fields, tz: str) -> tuple[int, bool]:
    """Wall-time fields in zone ``tz`` as microseconds, and whether they are floating."""
    return instant_of(fields, _zone(tz)), tz == FLOATING


def _edtf_instant(text: str, tz: str) -> tuple[int, bool]:
    moment = valid_time(text, tz=tz)  # raises, naming the bad part
    if not isinstance(moment, Moment) or not moment.exact:
        raise InvalidValidTimeError(
            f"{text!r} names more than one instant: give one exact date or time"
        )
    bounds = moment.strict_bounds()
    return bounds.low, bounds.floating


def utc_instant(value: dt.datetime) -> pendulum.DateTime:
    """Return an aware datetime as a pendulum instant in UTC.

    What ``pendulum.instance(value).in_tz("UTC")`` gives, built directly: that
    takes ten times as long, and every append asks the clock for one.
    """
    if type(value) is pendulum.DateTime and value.tzinfo is pendulum.UTC:
        return value
    utc = value.astimezone(dt.UTC)
    return pendulum.DateTime(
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
        tzinfo=pendulum.UTC,
    )


def _parse_iso(text: str) -> dt.date:
    try:
        parsed: object = pendulum.parse(text, exact=True, tz="UTC")
    except Exception as error:  # pendulum raises its own ParserError
        raise InvalidValidTimeError(f"{text!r} is not an ISO 8601 date or instant") from error
    if not isinstance(parsed, dt.date):  # a time of day or a duration
        raise InvalidValidTimeError(f"{text!r} is not a date or an instant")
    return parsed


def _qualifier_validator(
    _instance: object, attribute: attrs.Attribute[Qualifier | None], value: object
) -> None:
    if value is not None and not isinstance(value, Qualifier):
        raise InvalidValidTimeError(f"{attribute.name} must be a Qualifier or None, not {value!r}")


@attrs.frozen(repr=False, cache_hash=True)
class Moment:
    """A point in valid time, as precise as its source.

    The date is kept as EDTF-style digit masks (``"2024"``, ``"01"``,
    ``"0X"``: ``X`` is an unspecified digit), time-of-day parts as numbers,
    and the zone by name (an IANA name, ``"UTC"`` or an offset such as
    ``"+09:00"``), or :data:`FLOATING` -- the default -- for a value written
    without one: local time somewhere, never silently UTC. ``qualifier``
    applies to the whole value at its precision; the per-component
    qualifiers are EDTF level 2's ``~2023-09`` (the *year* is approximate).

    Build one with :meth:`parse`, :meth:`from_date`, :meth:`from_datetime`
    or :func:`valid_time`.

    >>> september = Moment.parse("2023-09", phrase="In September")
    >>> september.precision
    <Precision.MONTH: 2>
    >>> str(september)
    '2023-09'
    """

    year: str = attrs.field()
    month: str | None = None
    day: str | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    microsecond: int | None = None
    tz: str = FLOATING
    qualifier: Qualifier | None = attrs.field(default=None, validator=_qualifier_validator)
    year_qualifier: Qualifier | None = attrs.field(default=None, validator=_qualifier_validator)
    month_qualifier: Qualifier | None = attrs.field(default=None, validator=_qualifier_validator)
    day_qualifier: Qualifier | None = attrs.field(default=None, validator=_qualifier_validator)
    significant: int | None = attrs.field(default=None, kw_only=True)
    phrase: str | None = attrs.field(default=None, eq=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        self._check()

    def _check(self) -> None:  # noqa: C901, PLR0912 -- one check per component, in order
        self._check_year()
        parts = (self.month, self.day, self.hour, self.minute, self.second, self.microsecond)
        given = [p is not None for p in parts]
        if given != sorted(given, reverse=True):
            raise InvalidValidTimeError(
                "a moment must give its components in order without gaps "
                "(year, month, day, hour, minute, second, microsecond)"
            )
        if self.month is not None:
            if not isinstance(self.month, str) or not _MASK_2.fullmatch(self.month):
                raise InvalidValidTimeError(f"month {self.month!r} must be two digits or X")
            if self.month in _GROUPING_CODES:
                if self.day is not None:
                    raise InvalidValidTimeError(
                        f"a season or grouping ({self.month}) has no day: give year and code only"
                    )
            elif next(_candidates(self.month, 1, 12, reverse=False), None) is None:
                raise InvalidValidTimeError(
                    f"month {self.month} matches no month 01-12 and no season or grouping 21-41"
                )
        if self.day is not None:
            if not isinstance(self.day, str) or not _MASK_2.fullmatch(self.day):
                raise InvalidValidTimeError(f"day {self.day!r} must be two digits or X")
            if next(_candidates(self.day, 1, 31, reverse=False), None) is None:
                raise InvalidValidTimeError(f"day {self.day} matches no day 01-31")
        if self.hour is not None and "X" in f"{self.year}{self.month}{self.day}":
            raise InvalidValidTimeError("a time of day needs a fully specified date")
        limits = (("hour", 23), ("minute", 59), ("second", 59), ("microsecond", 999_999))
        for name, high in limits:
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and 0 <= value <= high):
                raise InvalidValidTimeError(f"{name} {value!r} is out of range 0-{high}")
        if self.hour is not None and (
            self.qualifier or self.year_qualifier or self.month_qualifier or self.day_qualifier
        ):
            raise InvalidValidTimeError("qualifiers (~ ? %) apply to dates, not to times of day")
        if self.month is None and self.year_qualifier:
            raise InvalidValidTimeError(
                "at year precision qualify the whole value (2023~), not the year (~2023)"
            )
        if self.month is None and (self.month_qualifier or self.day_qualifier):
            raise InvalidValidTimeError("a qualifier names a component the moment does not have")
        if self.day is None and self.day_qualifier:
            raise InvalidValidTimeError("a qualifier names a component the moment does not have")
        _zone(self.tz)
        # Raises for impossible dates such as 2023-02-30 or 2023-02-3X.
        _ = self._core

    def _check_year(self) -> None:
        if not isinstance(self.year, str) or not _MASK_YEAR.fullmatch(self.year):
            raise InvalidValidTimeError(
                f"year {self.year!r} must be four digits or X (or more digits, no X), "
                "with '-' before years BCE"
            )
        if self.year == "-0000":
            raise InvalidValidTimeError("year -0000 is written 0000 (1 BCE)")
        if "X" not in self.year and not MIN_YEAR <= int(self.year) <= MAX_YEAR:
            raise InvalidValidTimeError(
                f"year {self.year} lies beyond the years a valid time holds "
                f"({MIN_YEAR} to {MAX_YEAR})"
            )
        if len(self.year.lstrip("-")) > 4 and self.month is not None:
            raise InvalidValidTimeError(
                f"year {self.year} has more than four digits: EDTF writes it as a year alone "
                f"(Y{self.year}), with no month or day"
            )
        if self.significant is not None:
            digits = len(self.year.lstrip("-"))
            if not isinstance(self.significant, int) or not 1 <= self.significant <= digits:
                raise InvalidValidTimeError(
                    f"significant digits {self.significant!r} must be 1 to {digits} for "
                    f"year {self.year}"
                )
            if "X" in self.year or self.month is not None:
                raise InvalidValidTimeError(
                    "significant digits (S) apply to a year alone, written without X"
                )

    # -- construction -------------------------------------------------------

    @classmethod
    def parse(cls, text: str, *, tz: str = FLOATING, phrase: str | None = None) -> Moment:
        """Read one EDTF date or date-time (not an interval).

        Args:
            text: The EDTF string, e.g. ``"2023-09"``, ``"2024-01-0X"``, ``"2023~"``.
            tz: The zone a date (or a time without offset) is in; by default
                :data:`FLOATING`, local time somewhere.
            phrase: The source's own words, kept beside the value.

        Raises:
            InvalidValidTimeError: ``text`` is not EDTF, or is an interval.
        """
        from ._edtf import parse_moment  # noqa: PLC0415 -- the parser builds Moments

        return parse_moment(text, tz=tz, phrase=phrase)

    @classmethod
    def from_date(cls, date: dt.date, *, tz: str = FLOATING, phrase: str | None = None) -> Moment:
        """Return the day ``date`` in zone ``tz`` (day precision)."""
        return cls(f"{date.year:04d}", f"{date.month:02d}", f"{date.day:02d}", tz=tz, phrase=phrase)

    @classmethod
    def from_datetime(cls, instant: dt.datetime, *, phrase: str | None = None) -> Moment:
        """Return the exact instant ``instant`` (an aware datetime).

        An aware datetime names one instant, so the moment is exact to the
        microsecond (``datetime(2024, 5, 1, tzinfo=UTC)`` is 00:00:00.000000, not
        "some time in that second"); the zone is the datetime's own (its IANA
        name when it has one).

        Raises:
            InvalidValidTimeError: ``instant`` is naive.
        """
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise InvalidValidTimeError(
                f"naive datetime {instant.isoformat()} has no time zone: give an aware datetime"
            )
        tz = _zone_name(instant)
        return cls(
            f"{instant.year:04d}",
            f"{instant.month:02d}",
            f"{instant.day:02d}",
            instant.hour,
            instant.minute,
            instant.second,
            instant.microsecond,
            tz=tz,
            phrase=phrase,
        )

    # -- what it says -------------------------------------------------------

    @functools.cached_property
    def precision(self) -> Precision:
        """The finest component given."""
        parts = (self.month, self.day, self.hour, self.minute, self.second, self.microsecond)
        return Precision(1 + sum(p is not None for p in parts))

    @property
    def grouping(self) -> Grouping | None:
        """The season or sub-year grouping in the month place (``2001-21``), if any."""
        return _GROUPING_CODES.get(self.month or "")

    @property
    def _month_span(self) -> int:
        grouping = self.grouping
        return 1 if grouping is None else grouping.months

    @property
    def unspecified(self) -> bool:
        """True when some digit is unspecified (``X``), or only some digits are significant."""
        return (
            self.significant is not None or "X" in f"{self.year}{self.month or ''}{self.day or ''}"
        )

    @property
    def _year_mask(self) -> str:
        """The year with its insignificant digits as X (``1950S2`` is ``19XX``)."""
        if self.significant is None:
            return self.year
        sign = "-" if self.year.startswith("-") else ""
        digits = self.year.lstrip("-")
        return sign + digits[: self.significant] + "X" * (len(digits) - self.significant)

    @property
    def qualified(self) -> bool:
        """True when any qualifier (``~ ? %``) applies."""
        return any(
            q is not None
            for q in (self.qualifier, self.year_qualifier, self.month_qualifier, self.day_qualifier)
        )

    @property
    def exact(self) -> bool:
        """True when the value names one period: no qualifier, no unspecified digit."""
        return not self.qualified and not self.unspecified

    # -- bounds --------------------------------------------------------------

    @functools.cached_property
    def _core(self) -> Bounds:
        zone = _zone(self.tz)
        low = instant_of(self._first_or_last(last=False), zone)
        last = self._first_or_last(last=True)
        precision = self.precision
        floating = self.tz == FLOATING
        if precision >= Precision.HOUR:  # hours and finer are elapsed time, not wall time
            high = instant_of(last, zone) + _UNIT_MICROS[precision]
            return Bounds.of(low, high, floating=floating)
        step = {
            Precision.YEAR: {"years": 1},
            Precision.MONTH: {"months": self._month_span},
            Precision.DAY: {"days": 1},
        }[precision]
        return Bounds.of(low, instant_of(add_to_fields(last, **step), zone), floating=floating)

    def _first_or_last(self, *, last: bool) -> _Fields:
        years = _year_candidates(self._year_mask, reverse=last)
        grouping = self.grouping
        for year in years:
            if self.month is None:
                return (year, 1, 1, 0, 0, 0, 0)
            if grouping is not None:  # its first month, or its last (perhaps next year's)
                return (year, grouping.first_month, 1, 0, 0, 0, 0)
            for month in _candidates(self.month, 1, 12, reverse=last):
                if self.day is None:
                    return (year, month, 1, 0, 0, 0, 0)
                days = days_in_month(year, month)
                for day in _candidates(self.day, 1, days, reverse=last):
                    hour, minute = self.hour or 0, self.minute or 0
                    return (year, month, day, hour, minute, self.second or 0, self.microsecond or 0)
        raise InvalidValidTimeError(f"{self} names no real date")

    def strict_bounds(self) -> Bounds:
        """The bounds before any padding for qualifiers."""
        return self._core

    def bounds(self, *, padding: Padding = DEFAULT_PADDING) -> Bounds:
        """The instants this value may denote, widened for its qualifiers.

        Args:
            padding: How far qualified values may stray.
        """
        if padding is DEFAULT_PADDING:
            return self._padded
        return self._pad(padding)

    @functools.cached_property
    def _padded(self) -> Bounds:
        return self._pad(DEFAULT_PADDING)

    def _pad(self, padding: Padding) -> Bounds:
        # A qualifier reaches the component it is written against and, after
        # a component, every one to its left; the whole value's qualifier
        # reaches every component (ISO 8601-2). Each component reached strays
        # by its own units: "2004-06~" -- year and month approximate -- by a
        # year and a month, as "~2004-~06" says the same.
        core = self._core
        reached = (
            (self.year_qualifier, "years", 1),
            (self.month_qualifier, "months", self._month_span),
            (self.day_qualifier, "days", 1),
        )
        widen: dict[str, int] = {}
        for index, (qualifier, unit, size) in enumerate(reached):
            if index >= self.precision:  # the moment stops before this component
                break
            combined = self.qualifier | qualifier if self.qualifier else qualifier
            if combined is not None:
                widen[unit] = widen.get(unit, 0) + size * padding.units(combined)
        if not any(widen.values()):
            return core
        zone = _zone(self.tz)
        return Bounds.of(
            _shift(core.low, zone, widen, sign=-1),
            _shift(core.high, zone, widen, sign=1),
            floating=core.floating,
        )

    @functools.cached_property
    def extent(self) -> Extent:
        """This value as a point event: it begins and ends within its bounds."""
        bounds = self.bounds()
        return Extent(bounds, bounds)

    @property
    def earliest(self) -> pendulum.DateTime:
        """The first instant this value may denote (UTC; widened for qualifiers).

        >>> Moment.parse("2023-09").earliest
        DateTime(2023, 9, 1, 0, 0, 0, tzinfo=Timezone('UTC'))
        """
        return self.bounds().earliest

    @property
    def latest(self) -> pendulum.DateTime:
        """The first instant after all this value may denote (UTC; exclusive, like every end).

        >>> Moment.parse("2023-09").latest
        DateTime(2023, 10, 1, 0, 0, 0, tzinfo=Timezone('UTC'))
        """
        return self.bounds().latest

    def contains(self, question: QuestionLike) -> Answer:
        """Answer "does the period this value names meet ``question``?".

        The question is read at its own precision (see :class:`Question`):
        ``2023-09`` contains 15 September 2023, and meets the year 2023: yes.
        A value with qualifiers or unspecified digits names one of several
        periods: maybe, within its padded bounds.
        """
        asked = Question.of(question)
        bounds = self.bounds()
        sure = self.exact and asked.exact
        if bounds.floating is asked.floating:
            return _meets(bounds, asked.low, asked.high, sure=sure)
        return across_offsets(
            [*_values(bounds), *asked.instants()],
            lambda offset: _meets(
                bounds.moved(offset),
                *asked.window_at(offset),
                sure=sure,
            ),
        )

    def __str__(self) -> str:
        from ._edtf import format_moment  # noqa: PLC0415 -- the formatter reads Moments

        return format_moment(self)

    def __repr__(self) -> str:
        return f"Moment.parse({_repr_args(self, self.tz)})"


_Fields: TypeAlias = tuple[int, int, int, int, int, int, int]


def _meets(bounds: Bounds, low: int, high: int, *, sure: bool) -> Answer:
    """A period within ``bounds`` against the instants ``[low, high)`` asked about."""
    if bounds.low >= high or bounds.high <= low:
        return Answer.NO
    return Answer.YES if sure else Answer.MAYBE


_UNIT_MICROS: Final = {
    Precision.HOUR: 3_600_000_000,
    Precision.MINUTE: 60_000_000,
    Precision.SECOND: 1_000_000,
    Precision.MICROSECOND: 1,
}


def _year_candidates(mask: str, *, reverse: bool) -> Iterator[int]:
    """The years a signed year mask matches within the range held, in order."""
    if mask.startswith("-"):
        for value in _candidates(mask[1:], 0, -MIN_YEAR, reverse=not reverse):
            yield -value
    else:
        yield from _candidates(mask, 0, MAX_YEAR, reverse=reverse)


def _shift(
    instant: int,
    zone: pendulum.Timezone | FixedTimezone,
    widen: dict[str, int],
    *,
    sign: int,
) -> int:
    """Move an instant by calendar units in its zone's wall time, within the range held."""
    fields = fields_at(instant, zone)
    moved = add_to_fields(fields, **{unit: sign * count for unit, count in widen.items()})
    if not MIN_YEAR <= moved[0] <= MAX_YEAR:  # padded beyond every year held
        return FLOOR if sign < 0 else CEIL
    return instant_of(moved, zone)


def _zone_name(instant: dt.datetime) -> str:
    tzinfo = instant.tzinfo
    key = getattr(tzinfo, "key", None) or getattr(tzinfo, "name", None)
    if isinstance(key, str) and key not in {"", "+00:00"}:
        try:
            _zone(key)
        except InvalidValidTimeError:
            pass
        else:
            return key
    offset = instant.utcoffset() or dt.timedelta(0)
    if not offset:
        return "UTC"
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _member_validator(
    _instance: object, _attribute: attrs.Attribute[Moment | None], value: object
) -> None:
    if value is not None and not isinstance(value, Moment):
        raise InvalidValidTimeError(f"a range's ends are Moments or None, not {value!r}")


@attrs.frozen(repr=False)
class DateRange:
    """A run of dates in a set, both ends included: ``1670..1672``, ``..1760-12-03``, ``1760-12..``.

    ``None`` leaves that side open ("on or before", "on or after"). In a
    one-of set the value is one date within the range; in an all-of set it
    is every instant between its ends.
    """

    first: Moment | None = attrs.field(validator=_member_validator)
    last: Moment | None = attrs.field(validator=_member_validator)

    def __attrs_post_init__(self) -> None:
        if self.first is None and self.last is None:
            raise InvalidValidTimeError("a range in a set needs at least one end")
        first, last = self.first, self.last
        if first is not None and last is not None and first.bounds().low >= last.bounds().high:
            raise InvalidValidTimeError(f"range {self} ends before it starts")

    @property
    def zones(self) -> frozenset[str]:
        """The zones of its ends."""
        return frozenset(end.tz for end in (self.first, self.last) if end is not None)

    @property
    def exact(self) -> bool:
        """True when each end it has is exact."""
        return all(end.exact for end in (self.first, self.last) if end is not None)

    def bounds(self, *, padding: Padding = DEFAULT_PADDING) -> Bounds:
        """From the first end's earliest instant to the last end's latest (or the open ends)."""
        ends = [end.bounds(padding=padding) for end in (self.first, self.last) if end is not None]
        return _hull(
            ends,
            low=FLOOR if self.first is None else None,
            high=CEIL if self.last is None else None,
        )

    def __str__(self) -> str:
        first = "" if self.first is None else str(self.first)
        last = "" if self.last is None else str(self.last)
        return f"{first}..{last}"

    def __repr__(self) -> str:
        return f"DateRange({self.first!r}, {self.last!r})"


def _members_validator(
    _instance: object, _attribute: attrs.Attribute[tuple[Moment | DateRange, ...]], value: object
) -> None:
    if not isinstance(value, tuple) or not value:
        raise InvalidValidTimeError("a set needs at least one member, given as a tuple")
    for member in value:
        if not isinstance(member, Moment | DateRange):
            raise InvalidValidTimeError(
                f"a set's members are Moments or DateRanges, not {member!r}"
            )


@attrs.frozen(repr=False, cache_hash=True)
class DateSet:
    """An EDTF set: one of its members (``[1667,1668,1670..1672]``) or all of them (``{..}``).

    *One of* (``every=False``) says the thing happened on one of the dates,
    not which: a question is *yes* only if every member says yes, *no* only
    if every member says no. *All of* (``every=True``) says it happened on
    each: *yes* if some member says yes, *no* only if all say no. Where an
    order or a single span is needed (sorting, the facts index, an interval
    end) a set stands for its hull, from its earliest member's earliest
    instant to its latest member's latest -- exact for a one-of set as a
    start or an end: "began in 1858 or 1860" has begun surely only once
    1860 has.

    >>> either = DateSet.parse("[1858,1860]", phrase="1858/1860")
    >>> either.contains("1859")
    <Answer.NO: 'no'>
    >>> valid_time("[1858,1860]/..").contains("1859")  # began in one of them
    <Answer.MAYBE: 'maybe'>
    """

    members: tuple[Moment | DateRange, ...] = attrs.field(validator=_members_validator)
    every: bool = False
    phrase: str | None = attrs.field(default=None, eq=False, kw_only=True)

    @classmethod
    def parse(cls, text: str, *, tz: str = FLOATING, phrase: str | None = None) -> DateSet:
        """Read an EDTF set such as ``"[1667,1668,1670..1672]"`` or ``"{1960,1961-12}"``.

        Raises:
            InvalidValidTimeError: ``text`` is not an EDTF set.
        """
        return _parse_as(DateSet, text, tz=tz, phrase=phrase, otherwise="is not a set")

    @property
    def zones(self) -> frozenset[str]:
        """The zones of its members (one, unless written with different offsets)."""
        return frozenset().union(
            *(
                {member.tz} if isinstance(member, Moment) else member.zones
                for member in self.members
            )
        )

    @property
    def exact(self) -> bool:
        """True for a set of one exact date (it then names one period)."""
        return (
            len(self.members) == 1 and isinstance(self.members[0], Moment) and self.members[0].exact
        )

    def strict_bounds(self) -> Bounds:
        """The hull of the members' strict bounds."""
        return self.bounds(padding=Padding(approximate=0, uncertain=0))

    def bounds(self, *, padding: Padding = DEFAULT_PADDING) -> Bounds:
        """The hull: the first instant any member may denote to the last (exclusive)."""
        if padding is DEFAULT_PADDING:
            return self._hull
        return self._hull_of(padding)

    @functools.cached_property
    def _hull(self) -> Bounds:
        return self._hull_of(DEFAULT_PADDING)

    def _hull_of(self, padding: Padding) -> Bounds:
        return _hull([member.bounds(padding=padding) for member in self.members])

    @functools.cached_property
    def extent(self) -> Extent:
        """The hull as a point event (see the class notes)."""
        return Extent(self._hull, self._hull)

    @property
    def earliest(self) -> pendulum.DateTime:
        """The first instant a member may denote (UTC)."""
        return self._hull.earliest

    @property
    def latest(self) -> pendulum.DateTime:
        """The first instant after every member (UTC, exclusive)."""
        return self._hull.latest

    def contains(self, question: QuestionLike) -> Answer:
        """Answer over the members: for one of, yes only if all say yes; for all of, if any does."""
        asked = Question.of(question)
        answers = {_member_answer(member, asked, every=self.every) for member in self.members}
        if answers == {Answer.NO}:
            return Answer.NO
        if (Answer.YES in answers) if self.every else (answers == {Answer.YES}):
            return Answer.YES
        return Answer.MAYBE

    def __str__(self) -> str:
        from ._edtf import format_edtf  # noqa: PLC0415 -- the formatter reads sets

        return format_edtf(self)

    def __repr__(self) -> str:
        if len(self.zones) == 1:
            return f"DateSet.parse({_repr_args(self, next(iter(self.zones)))})"
        return f"DateSet({self.members!r}, every={self.every!r}, phrase={self.phrase!r})"


def _hull(each: list[Bounds], *, low: int | None = None, high: int | None = None) -> Bounds:
    """The bounds from the first of ``each`` to the last, or to the open ``low`` / ``high``.

    Floating and zoned bounds together make a zoned hull over every instant
    the floating ones may denote in any zone (:meth:`Bounds.reach`).
    """
    floating = {bounds.floating for bounds in each}
    if len(floating) > 1:
        each = [bounds.reach() for bounds in each]
    return Bounds.of(
        min(b.low for b in each) if low is None else low,
        max(b.high for b in each) if high is None else high,
        floating=each[0].floating,
    )


def _member_answer(member: Moment | DateRange, asked: Question, *, every: bool) -> Answer:
    if isinstance(member, Moment):
        return member.contains(asked)
    bounds = member.bounds()
    sure = member.exact and asked.exact
    if bounds.floating is asked.floating:
        return _range_answer(bounds, asked.low, asked.high, every=every, sure=sure)
    return across_offsets(
        [*_values(bounds), *asked.instants()],
        lambda offset: _range_answer(
            bounds.moved(offset),
            *asked.window_at(offset),
            every=every,
            sure=sure,
        ),
    )


def _range_answer(bounds: Bounds, low: int, high: int, *, every: bool, sure: bool) -> Answer:
    if bounds.low >= high or bounds.high <= low:
        return Answer.NO
    if every:  # every instant of the range: any instant asked about inside it
        return Answer.YES if sure else Answer.MAYBE
    # One date of the range: surely inside only if the whole range is.
    inside = low <= bounds.low and bounds.high <= high
    return Answer.YES if inside and sure else Answer.MAYBE


def _end_validator(
    _instance: object, attribute: attrs.Attribute[Moment | DateSet | End], value: object
) -> None:
    if isinstance(value, DateSet) and value.every:
        raise InvalidValidTimeError(
            f"interval {attribute.name} is an all-of set {{..}}: "
            "an end is one date, or one of a set"
        )
    if not isinstance(value, Moment | DateSet | End):
        raise InvalidValidTimeError(
            f"interval {attribute.name} must be a Moment, a one-of DateSet, End.OPEN or "
            f"End.UNKNOWN, not {value!r}"
        )


@attrs.frozen(repr=False, cache_hash=True)
class Interval:
    """A span of valid time from ``start`` to the exclusive ``end``.

    Each end is a :class:`Moment` (possibly imprecise: the span begins, or
    stops, at some instant within it), :attr:`End.OPEN` (no limit) or
    :attr:`End.UNKNOWN` (an end the source does not give). An end stated in a
    source as "until 30 April" is *inclusive*; store it as the exclusive end
    1 May with :func:`until`.

    >>> embargo = Interval.parse("2006/..")
    >>> embargo.contains("2024-01-15")
    <Answer.YES: 'yes'>
    >>> embargo.contains("2006-07-01")
    <Answer.MAYBE: 'maybe'>
    """

    start: Moment | DateSet | End = attrs.field(validator=_end_validator)
    end: Moment | DateSet | End = attrs.field(validator=_end_validator)
    phrase: str | None = attrs.field(default=None, eq=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.start, End) and isinstance(self.end, End):
            raise InvalidValidTimeError("an interval needs at least one dated end")
        extent = self.extent
        if extent.start.low >= extent.end.high:
            raise InvalidValidTimeError(f"interval {self} ends before it starts")

    @classmethod
    def parse(cls, text: str, *, tz: str = FLOATING, phrase: str | None = None) -> Interval:
        """Read an EDTF interval such as ``"2023-12-30/2024-01-02"`` or ``"2006/.."``.

        Raises:
            InvalidValidTimeError: ``text`` is not an EDTF interval.
        """
        return _parse_as(Interval, text, tz=tz, phrase=phrase, otherwise="is not an interval")

    @functools.cached_property
    def extent(self) -> Extent:
        """Where the span's start and end may lie."""
        return self.bounded()

    def bounded(self, *, padding: Padding = DEFAULT_PADDING) -> Extent:
        """Return the extent with qualified ends widened by ``padding``."""
        start = None if isinstance(self.start, End) else self.start.bounds(padding=padding)
        end = None if isinstance(self.end, End) else self.end.bounds(padding=padding)
        # An open or unknown end is as floating as the dated one (it has no zone of its own).
        if start is None:
            assert end is not None  # noqa: S101 -- checked on construction
            high = FLOOR if self.start is End.OPEN else end.high
            start = Bounds.of(FLOOR, high, floating=end.floating)
        if end is None:
            low = CEIL if self.end is End.OPEN else start.low
            end = Bounds.of(low, CEIL, floating=start.floating)
        return Extent(start, end)

    @property
    def earliest(self) -> pendulum.DateTime:
        """The first instant the span may begin (UTC); :data:`EARLIEST` for an open start."""
        return self.extent.start.earliest

    @property
    def latest(self) -> pendulum.DateTime:
        """The first instant after all the span may last (UTC, exclusive); :data:`LATEST` if open.

        An end is exclusive and may itself be imprecise: the span lasts, at the
        most, until the last instant its end may denote.

        >>> Interval.parse("2024-01-11/2024-05-01T00:00:00.000000Z").latest
        DateTime(2024, 5, 1, 0, 0, 0, tzinfo=Timezone('UTC'))
        """
        return self.extent.end.last

    def contains(self, question: QuestionLike) -> Answer:
        """Answer "is this span in force at ``question``?" (yes / maybe / no).

        The question is read at its own precision (see :class:`Question`).
        """
        return Question.of(question).answer(self.extent)

    def __str__(self) -> str:
        from ._edtf import format_edtf  # noqa: PLC0415 -- the formatter reads Intervals

        return format_edtf(self)

    @property
    def zones(self) -> frozenset[str]:
        """The zones of its dated ends (one, unless they were given in different zones)."""
        each = (
            end.zones if isinstance(end, DateSet) else {end.tz}
            for end in (self.start, self.end)
            if not isinstance(end, End)
        )
        return frozenset().union(*each)

    def __repr__(self) -> str:
        if len(self.zones) == 1:
            return f"Interval.parse({_repr_args(self, next(iter(self.zones)))})"
        return f"Interval({self.start!r}, {self.end!r}, phrase={self.phrase!r})"


_Kind = TypeVar("_Kind", Interval, DateSet)


def _parse_as(
    kind: type[_Kind], text: str, *, tz: str, phrase: str | None, otherwise: str
) -> _Kind:
    """Parse EDTF that must be of ``kind``."""
    value = _parse_edtf(text, tz=tz, phrase=phrase)
    if not isinstance(value, kind):
        raise InvalidValidTimeError(f"{text!r} {otherwise}")
    return value


def _repr_args(value: ValidTime, tz: str) -> str:
    from ._edtf import format_edtf  # noqa: PLC0415 -- the formatter reads valid times

    args = [repr(format_edtf(value, offset=False))]
    if tz != FLOATING:
        args.append(f"tz={tz!r}")
    if value.phrase is not None:
        args.append(f"phrase={value.phrase!r}")
    return ", ".join(args)


#: A valid time: a point, an interval, or a set of dates.
ValidTime: TypeAlias = Moment | Interval | DateSet

#: What the library accepts wherever it takes a valid time.
ValidTimeLike: TypeAlias = (
    Moment
    | Interval
    | DateSet
    | str
    | dt.date
    | dt.datetime
    | tuple[
        "Moment | str | dt.date | dt.datetime | End | None",
        "Moment | str | dt.date | dt.datetime | End | None",
    ]
)


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
        _zone(tz)  # a bad zone is named as such, not as a bad date
    if isinstance(value, str):
        return _parse_edtf(value, tz=tz, phrase=phrase)
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
        moment.strict_bounds().high, _zone(moment.tz)
    )
    return Moment(
        _year_text(year), f"{month:02d}", f"{day:02d}", hour, minute, second, micro, tz=moment.tz
    )


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
        if isinstance(value, str) and _TIME_OF_DAY.search(value) and "/" not in value:
            at, floating = read_instant(value, tz=tz)  # ISO 8601 as pendulum reads it, or EDTF
            return cls(at, at + 1, floating=floating)
        asked = valid_time(value, tz=tz)
        if isinstance(asked, Moment | DateSet):
            bounds = asked.bounds()
            return cls(bounds.low, bounds.high, exact=asked.exact, floating=bounds.floating)
        ends = [end for end in (asked.start, asked.end) if not isinstance(end, End)]
        return cls.window(
            asked.extent.start, asked.extent.end, exact=all(end.exact for end in ends)
        )

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


_TIME_OF_DAY: Final = re.compile(r"\d[Tt ]\d\d")


def _parse_edtf(text: str, *, tz: str = FLOATING, phrase: str | None = None) -> ValidTime:
    """Read EDTF: the parser in :mod:`timeline._edtf`, bound here at its first use.

    The parser builds this module's classes, so it imports this module; binding
    it at first use (not at import) keeps the two from importing each other,
    and costs nothing on the calls after.
    """
    from ._edtf import parse_edtf  # noqa: PLC0415 -- see above

    globals()["_parse_edtf"] = parse_edtf
    return parse_edtf(text, tz=tz, phrase=phrase)
