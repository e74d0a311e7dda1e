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
from collections.abc import Iterator
from typing import Final, TypeAlias, TypeVar

import attrs
import pendulum
from pendulum.tz.timezone import FixedTimezone

from ._answer import Answer
from ._calendar import (
    CEIL,
    FLOOR,
    MAX_YEAR,
    MIN_YEAR,
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
from ._errors import InvalidValidTimeError

__all__ = [
    "DEFAULT_PADDING",
    "EARLIEST",
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
    "before",
    "in_force",
    "overlaps",
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
    Bounds(earliest=DateTime(2001, 12, 1, 0, 0, 0, tzinfo=Timezone('UTC')), \
latest=DateTime(2002, 3, 1, 0, 0, 0, tzinfo=Timezone('UTC')))
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
    Bounds(earliest=DateTime(2021, 1, 1, 0, 0, 0, tzinfo=Timezone('UTC')), \
latest=DateTime(2026, 1, 1, 0, 0, 0, tzinfo=Timezone('UTC')))
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

    >>> Moment.parse("2023-09").bounds()
    Bounds(earliest=DateTime(2023, 9, 1, 0, 0, 0, tzinfo=Timezone('UTC')), \
latest=DateTime(2023, 10, 1, 0, 0, 0, tzinfo=Timezone('UTC')))
    >>> Moment.parse("-0063").bounds()
    Bounds.of('-0063-01-01T00:00:00+00:00', '-0062-01-01T00:00:00+00:00')
    """

    #: The first microsecond inside.
    low: int
    #: The first microsecond after (exclusive).
    high: int

    def __init__(self, earliest: dt.datetime, latest: dt.datetime) -> None:
        self.__attrs_init__(micros(earliest), micros(latest))

    @classmethod
    def of(cls, low: int | str, high: int | str) -> Bounds:
        """Build bounds from microseconds (or the ISO 8601 strings :meth:`iso` writes)."""
        bounds = object.__new__(cls)
        bounds.__attrs_init__(_micros_of(low), _micros_of(high))
        return bounds

    @property
    def top(self) -> int:
        """The last microsecond inside (:attr:`high` less one, unless empty)."""
        return self.high - 1 if self.high > self.low else self.high

    @property
    def earliest(self) -> pendulum.DateTime:
        """The first instant inside.

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
        """``(earliest, latest)`` as ISO 8601 in UTC, years beyond 0-9999 expanded."""
        return format_instant(self.low), format_instant(self.high)

    def contains(self, instant: dt.datetime) -> bool:
        """Return whether ``instant`` lies in ``[earliest, latest)``."""
        return self.low <= micros(instant) < self.high

    def __repr__(self) -> str:
        if in_datetime_range(self.low) and in_datetime_range(self.high):
            return f"Bounds(earliest={self.earliest!r}, latest={self.latest!r})"
        low, high = self.iso()
        return f"Bounds.of({low!r}, {high!r})"


def _micros_of(value: int | str) -> int:
    if isinstance(value, int):
        return value
    return parse_instant(value)


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
        is an aware datetime, or microseconds as :class:`Bounds` keeps them.
        """
        at = instant if isinstance(instant, int) else micros(instant)
        if at < self.start.low or at >= self.end.top:
            return Answer.NO
        if at >= self.start.top and at < self.end.low:
            return Answer.YES
        return Answer.MAYBE

    def during(self, start: dt.datetime, end: dt.datetime) -> Answer:
        """Answer "is it in force at any instant of ``[start, end)``?"."""
        return self._during(micros(start), micros(end))

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
_MASK_YEAR: Final = re.compile(r"^-?(?:[0-9X]{4}|[1-9][0-9]{4,})$")
_MASK_2: Final = re.compile(r"^[0-9X]{2}$")


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


def _zone(name: str) -> pendulum.Timezone | FixedTimezone:
    match = re.fullmatch(r"([+-])(\d\d):(\d\d)", name)
    if match:
        sign = -1 if match[1] == "-" else 1
        return FixedTimezone(sign * (int(match[2]) * 3600 + int(match[3]) * 60))
    try:
        return pendulum.timezone(name)
    except Exception as error:  # pendulum raises a bare InvalidTimezone
        raise InvalidValidTimeError(f"unknown time zone {name!r}") from error


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


def instant_micros(value: dt.datetime | dt.date | str, *, tz: str = "UTC") -> int:
    """Return what :func:`to_instant` reads, as microseconds (see :class:`Bounds`), in any year.

    A string that is no ISO 8601 instant but an exact EDTF date or date-time
    (``"-0050"``, ``"Y17000"``) is its first instant, read in ``tz``.

    Raises:
        InvalidValidTimeError: ``value`` is neither; for a string, the error
            names the part EDTF could not read.
    """
    try:
        return micros(to_instant(value))
    except InvalidValidTimeError:
        if not isinstance(value, str):
            raise
        moment = valid_time(value, tz=tz)  # raises, naming the bad part
        if not isinstance(moment, Moment) or not moment.exact:
            raise InvalidValidTimeError(
                f"{value!r} names more than one instant: give one exact date or time"
            ) from None
        return moment.strict_bounds().low


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
    ``"+09:00"``). ``qualifier`` applies to the whole value at its precision;
    the per-component qualifiers are EDTF level 2's ``~2023-09`` (the *year*
    is approximate).

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
    tz: str = "UTC"
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
            if not isinstance(self.month, str) or not _MASK_2.match(self.month):
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
            if not isinstance(self.day, str) or not _MASK_2.match(self.day):
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
        if not isinstance(self.year, str) or not _MASK_YEAR.match(self.year):
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
    def parse(cls, text: str, *, tz: str = "UTC", phrase: str | None = None) -> Moment:
        """Read one EDTF date or date-time (not an interval).

        Args:
            text: The EDTF string, e.g. ``"2023-09"``, ``"2024-01-0X"``, ``"2023~"``.
            tz: The zone a date (or a time without offset) is in.
            phrase: The source's own words, kept beside the value.

        Raises:
            InvalidValidTimeError: ``text`` is not EDTF, or is an interval.
        """
        from ._edtf import parse_moment  # noqa: PLC0415 -- the parser builds Moments

        return parse_moment(text, tz=tz, phrase=phrase)

    @classmethod
    def from_date(cls, date: dt.date, *, tz: str = "UTC", phrase: str | None = None) -> Moment:
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
        if precision >= Precision.HOUR:  # hours and finer are elapsed time, not wall time
            return Bounds.of(low, instant_of(last, zone) + _UNIT_MICROS[precision])
        step = {
            Precision.YEAR: {"years": 1},
            Precision.MONTH: {"months": self._month_span},
            Precision.DAY: {"days": 1},
        }[precision]
        return Bounds.of(low, instant_of(add_to_fields(last, **step), zone))

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
        if bounds.low >= asked.high or bounds.high <= asked.low:
            return Answer.NO
        if self.exact and asked.exact:
            return Answer.YES
        return Answer.MAYBE

    def __str__(self) -> str:
        from ._edtf import format_moment  # noqa: PLC0415 -- the formatter reads Moments

        return format_moment(self)

    def __repr__(self) -> str:
        return f"Moment.parse({_repr_args(self, self.tz)})"


_Fields: TypeAlias = tuple[int, int, int, int, int, int, int]


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
        low = FLOOR if self.first is None else self.first.bounds(padding=padding).low
        high = CEIL if self.last is None else self.last.bounds(padding=padding).high
        return Bounds.of(low, high)

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
    def parse(cls, text: str, *, tz: str = "UTC", phrase: str | None = None) -> DateSet:
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
        each = [member.bounds(padding=padding) for member in self.members]
        return Bounds.of(min(b.low for b in each), max(b.high for b in each))

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


def _member_answer(member: Moment | DateRange, asked: Question, *, every: bool) -> Answer:
    if isinstance(member, Moment):
        return member.contains(asked)
    bounds = member.bounds()
    if bounds.low >= asked.high or bounds.high <= asked.low:
        return Answer.NO
    if every:  # every instant of the range: any instant asked about inside it
        return Answer.YES if member.exact and asked.exact else Answer.MAYBE
    # One date of the range: surely inside only if the whole range is.
    inside = asked.low <= bounds.low and bounds.high <= asked.high
    return Answer.YES if inside and member.exact and asked.exact else Answer.MAYBE


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
    def parse(cls, text: str, *, tz: str = "UTC", phrase: str | None = None) -> Interval:
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
        if start is None:
            assert end is not None  # noqa: S101 -- checked on construction
            start = Bounds.of(FLOOR, FLOOR if self.start is End.OPEN else end.high)
        if end is None:
            end = Bounds.of(CEIL if self.end is End.OPEN else start.low, CEIL)
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
    if tz != "UTC":
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


def valid_time(value: ValidTimeLike, *, tz: str = "UTC", phrase: str | None = None) -> ValidTime:
    """Return ``value`` as a :data:`ValidTime`.

    Accepts a :class:`Moment` or :class:`Interval` (returned as is), an EDTF
    string, a date (a day in zone ``tz``), an aware datetime (pendulum's
    included; an exact instant), or a ``(start, end)`` pair of any of these,
    where ``None`` is an open end.

    Args:
        value: The valid time in any accepted form.
        tz: The zone for dates and zone-less strings. Default: UTC.
        phrase: The source's own words, kept beside the value.

    Raises:
        InvalidValidTimeError: ``value`` is a naive datetime, a malformed
            string, or of a type the library does not take.

    >>> valid_time("2024-01-11/..")
    Interval.parse('2024-01-11/..')
    """
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


def until(last: Moment | str | dt.date, *, tz: str = "UTC") -> Moment:
    """Return the exclusive end for a source's inclusive "until ``last``".

    "Until 30 April 2024" means in force through the whole of that day, so the
    exclusive end is the first instant of 1 May 2024, exactly.

    >>> str(until("2024-04-30"))
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
    if first.end.top <= second.start.low:
        return Answer.YES
    if first.end.low > second.start.top:
        return Answer.NO
    return Answer.MAYBE


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
        p, q = first.bounds(), second.bounds()
        return Answer.MAYBE if p.low < q.high and q.low < p.high else Answer.NO
    if isinstance(first, Moment | DateSet):
        return _covers(second.extent, first.bounds())
    if isinstance(second, Moment | DateSet):
        return _covers(first.extent, second.bounds())
    x, y = first.extent, second.extent
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
      in ``tz`` (UTC by default);
    - an interval asks about every instant it may cover.

    A question with qualifiers or unspecified digits (``"2023~"``,
    ``"2024-01-0X"``) may mean several periods: it is *no* when no reading
    can meet the fact, *yes* only when the fact surely holds across all of
    them, and *maybe* otherwise.

    Attributes:
        low: The first instant asked about, in microseconds (see :class:`Bounds`).
        high: The first instant after it (exclusive), in microseconds.
        exact: False when the question itself may mean several periods.

    >>> january = Question.of("2024-01")
    >>> january.start.isoformat(), january.end.isoformat()
    ('2024-01-01T00:00:00+00:00', '2024-02-01T00:00:00+00:00')
    >>> Question.of("2024-01-11T12:00:00Z").instant
    True
    """

    low: int
    high: int
    exact: bool = True

    @classmethod
    def of(cls, value: QuestionLike, *, tz: str = "UTC") -> Question:
        """Read ``value`` as a question (see the class notes for what each form asks).

        Raises:
            InvalidValidTimeError: ``value`` is a naive datetime or cannot be read.
        """
        if isinstance(value, Question):
            return value
        if isinstance(value, dt.datetime):
            at = micros(to_instant(value))
            return cls(at, at + 1)
        if isinstance(value, str) and _TIME_OF_DAY.search(value) and "/" not in value:
            at = instant_micros(value, tz=tz)  # ISO 8601 as pendulum reads it, or else EDTF
            return cls(at, at + 1)
        asked = valid_time(value, tz=tz)
        if isinstance(asked, Moment):
            bounds = asked.bounds()
            return cls(bounds.low, bounds.high, exact=asked.exact)
        extent = asked.extent
        if isinstance(asked, DateSet):
            hull = asked.bounds()
            return cls(hull.low, hull.high, exact=asked.exact)
        ends = [end for end in (asked.start, asked.end) if not isinstance(end, End)]
        exact = all(end.exact for end in ends)
        return cls(extent.start.low, max(extent.end.top, extent.start.high), exact=exact)

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
        """Answer "is something of ``extent`` in force at this question?" (yes / maybe / no)."""
        found = extent._during(self.low, self.high)  # noqa: SLF001 -- the same module's
        if self.exact or found is Answer.NO:
            return found
        if extent.start.top <= self.low and self.high <= extent.end.low:
            return Answer.YES
        return Answer.MAYBE


_TIME_OF_DAY: Final = re.compile(r"\d[Tt ]\d\d")


# The EDTF parser builds the classes above, so it is imported once they exist
# (a function-level import would cost a lookup on every call).
from ._edtf import parse_edtf as _parse_edtf  # noqa: E402
