"""Moments: a point in valid time, as precise as its source."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, TypeAlias, TypeVar

import attrs
import pendulum
from pendulum.tz.timezone import FixedTimezone

from timeline._answer import Answer
from timeline._errors import InvalidValidTimeError

from . import _late
from ._bounds import DEFAULT_PADDING, Bounds, Padding, _values, across_offsets
from ._calendar import (
    CEIL,
    FLOATING,
    FLOOR,
    MAX_YEAR,
    MIN_YEAR,
    add_to_fields,
    days_in_month,
    fields_at,
    instant_of,
)
from ._instants import zone_name_of, zone_of
from ._precision import _GROUPING_CODES, Grouping, Precision, Qualifier
from ._question import Extent, Question, QuestionLike

if TYPE_CHECKING:
    from ._interval import ValidTime

__all__ = ["Moment"]

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
    if not holes:  # the common case: a plain number
        value = int(mask)
        if low <= value <= high:
            yield value
        return
    digits = "9876543210" if reverse else "0123456789"
    for fill in itertools.product(digits, repeat=holes):
        chars = iter(fill)
        value = int("".join(next(chars) if m == "X" else m for m in mask))
        if low <= value <= high:
            yield value


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
        zone_of(self.tz)
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
        return _late.parse_moment(text, tz=tz, phrase=phrase)

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
        tz = zone_name_of(instant)
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
        zone = zone_of(self.tz)
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
        zone = zone_of(self.tz)
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
        return _late.format_moment(self)

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


_Kind = TypeVar("_Kind")


def _parse_as(
    kind: type[_Kind], text: str, *, tz: str, phrase: str | None, otherwise: str
) -> _Kind:
    """Parse EDTF that must be of ``kind``."""
    value = _late.parse_edtf(text, tz=tz, phrase=phrase)
    if not isinstance(value, kind):
        raise InvalidValidTimeError(f"{text!r} {otherwise}")
    return value


def _repr_args(value: ValidTime, tz: str) -> str:
    args = [repr(_late.format_edtf(value, offset=False))]
    if tz != FLOATING:
        args.append(f"tz={tz!r}")
    if value.phrase is not None:
        args.append(f"phrase={value.phrase!r}")
    return ", ".join(args)


#: A valid time: a point, an interval, or a set of dates.
