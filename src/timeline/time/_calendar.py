"""Instants as integers: the proleptic Gregorian calendar beyond ``datetime``'s years.

Bounds are kept as microseconds on Python's ordinal scale (day 1 is
0001-01-01, so 0001-01-01T00:00 UTC is one day's microseconds; earlier
instants are smaller, then negative), so a valid time can lie in any year from :data:`MIN_YEAR` to
:data:`MAX_YEAR`, where ``datetime`` stops at 1 and 9999. Years are
astronomical, as ISO 8601 numbers them: year 0 is 1 BCE, year -1 is 2 BCE.

Within years 1-9999 zones are resolved by pendulum, as everywhere else in
the library; outside them a zone keeps the offset it has at the nearest
year ``datetime`` holds (for an IANA zone far in the past, its local mean
time), since no rule exists there to say otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, TypeAlias

import pendulum
from pendulum.tz.timezone import FixedTimezone

__all__ = [
    "CEIL",
    "EAST",
    "FLOATING",
    "FLOOR",
    "MAX_YEAR",
    "MIN_YEAR",
    "QUARTER",
    "WEST",
    "Fields",
    "add_to_fields",
    "days_in_month",
    "fields_at",
    "format_instant",
    "in_datetime_range",
    "instant_of",
    "micros",
    "offset_of",
    "parse_instant",
    "utc_datetime",
]

#: The earliest and latest years a valid time may name.
MIN_YEAR: Final = -99_999
MAX_YEAR: Final = 99_999

_DAY: Final = 86_400_000_000
# Days from 0000-03-01 to 0000-12-31, ordinal 0 on Python's scale.
_EPOCH_SHIFT: Final = 305

# (year, month, day, hour, minute, second, microsecond), local wall time.
Fields: TypeAlias = tuple[int, int, int, int, int, int, int]

Zone: TypeAlias = pendulum.Timezone | FixedTimezone


def _days(year: int, month: int, day: int) -> int:
    """The date's ordinal, as ``date.toordinal()`` gives it (proleptic Gregorian, any year)."""
    # Count from 1 March of year 0, so the leap day ends each counted year.
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    of_era_days = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return era * 146_097 + of_era_days - _EPOCH_SHIFT


def _date(days: int) -> tuple[int, int, int]:
    """The date of ordinal ``days`` (the inverse of :func:`_days`)."""
    days += _EPOCH_SHIFT
    era = days // 146_097
    of_era = days - era * 146_097
    of_era_year = (of_era - of_era // 1460 + of_era // 36_524 - of_era // 146_096) // 365
    of_year = of_era - (365 * of_era_year + of_era_year // 4 - of_era_year // 100)
    month_index = (5 * of_year + 2) // 153
    day = of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + (3 if month_index < 10 else -9)
    return of_era_year + era * 400 + (month <= 2), month, day


def days_in_month(year: int, month: int) -> int:
    """How many days ``month`` of ``year`` has (any year)."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in {4, 6, 9, 11} else 31


def _wall(fields: Fields) -> int:
    year, month, day, hour, minute, second, micro = fields
    seconds = hour * 3600 + minute * 60 + second
    return _days(year, month, day) * _DAY + seconds * 1_000_000 + micro


def _edge_offset(zone: Zone, year: int) -> int:
    edge = pendulum.datetime(*((1, 1, 2) if year < 1 else (9999, 12, 30)), tz=zone)
    offset = edge.utcoffset() or dt.timedelta(0)
    return (offset.days * 86_400 + offset.seconds) * 1_000_000


#: The zone of a date or time written without one: local time somewhere
#: (iCalendar's "floating" time). Its wall time is kept on this module's
#: scale as if it were UTC; :data:`WEST` and :data:`EAST` say how far it may lie from that.
FLOATING: Final = "floating"
#: Offsets are multiples of a quarter hour (every zone in use today keeps to them).
QUARTER: Final = 15 * 60 * 1_000_000
#: The westernmost offset in use, UTC-12:00, in microseconds.
WEST: Final = -12 * 4 * QUARTER
#: The easternmost offset in use, UTC+14:00, in microseconds.
EAST: Final = 14 * 4 * QUARTER

#: Beyond every instant a valid time may name: where open ends lie.
FLOOR: Final = _wall((MIN_YEAR - 1, 1, 1, 0, 0, 0, 0))
CEIL: Final = _wall((MAX_YEAR + 1, 12, 31, 23, 59, 59, 999_999))


def micros(instant: dt.datetime) -> int:
    """Return an aware instant as UTC microseconds on Python's ordinal scale.

    Day 1 is 0001-01-01, so that day's midnight (UTC) is 86,400,000,000; the
    scale valid-time bounds keep. Integers compare and index faster than
    datetimes; this is exact.
    """
    offset = instant.utcoffset() or dt.timedelta(0)
    seconds = (
        instant.toordinal() * 86_400 + instant.hour * 3600 + instant.minute * 60 + instant.second
    )
    return (seconds - offset.days * 86_400 - offset.seconds) * 1_000_000 + instant.microsecond


def instant_of(fields: Fields, zone: Zone) -> int:
    """The UTC microseconds of a local wall time in ``zone`` (any year)."""
    year = fields[0]
    if 1 <= year <= 9999:
        try:
            return micros(pendulum.datetime(*fields, tz=zone))
        except (OverflowError, ValueError):  # the first or last hours datetime holds
            pass
    return _wall(fields) - _edge_offset(zone, year)


def offset_of(fields: Fields, zone: Zone) -> int:
    """The zone's UTC offset at a local wall time, in microseconds."""
    return _wall(fields) - instant_of(fields, zone)


def fields_at(instant: int, zone: Zone) -> Fields:
    """The local wall time in ``zone`` at the instant (UTC microseconds, any year)."""
    if in_datetime_range(instant):
        try:
            local = utc_datetime(instant).astimezone(zone)
        except (OverflowError, ValueError):  # the local time lies in year 0 or 10000
            pass
        else:
            return (
                local.year, local.month, local.day,
                local.hour, local.minute, local.second, local.microsecond,
            )  # fmt: skip
    year = _date(instant // _DAY)[0]
    wall = instant + _edge_offset(zone, year)
    days, rest = divmod(wall, _DAY)
    seconds, micro = divmod(rest, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return (*_date(days), hour, minute, second, micro)


def add_to_fields(fields: Fields, *, years: int = 0, months: int = 0, days: int = 0) -> Fields:
    """Move a wall time by calendar units, a day past a month's end clamped to it."""
    year, month, day, *clock = fields
    index = year * 12 + month - 1 + years * 12 + months
    year, month = divmod(index, 12)
    month += 1
    day = min(day, days_in_month(year, month))
    if days:
        year, month, day = _date(_days(year, month, day) + days)
    return (year, month, day, *clock)  # type: ignore[return-value]


_ORIGIN: Final = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
# The instants a datetime holds: 0001-01-01T00:00 to 9999-12-31T23:59:59.999999 UTC.
_FIRST_DATETIME: Final = _DAY
_LAST_DATETIME: Final = _wall((9999, 12, 31, 23, 59, 59, 999_999))


def in_datetime_range(instant: int) -> bool:
    """Whether a ``datetime`` can hold the instant (years 1-9999, in UTC)."""
    return _FIRST_DATETIME <= instant <= _LAST_DATETIME


def utc_datetime(instant: int) -> dt.datetime:
    """The instant as an aware UTC ``datetime`` (see :func:`in_datetime_range`)."""
    return _ORIGIN + dt.timedelta(microseconds=instant - _FIRST_DATETIME)


def format_instant(instant: int) -> str:
    """UTC microseconds as ISO 8601, years beyond 0-9999 expanded (``-0063-03-01T00:00:00+00:00``).

    The shape ``datetime.isoformat()`` gives in UTC, for any year.
    """
    days, rest = divmod(instant, _DAY)
    seconds, micro = divmod(rest, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    year, month, day = _date(days)
    sign = "-" if year < 0 else ("+" if year > 9999 else "")
    text = f"{sign}{abs(year):04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{micro:06d}+00:00" if micro else f"{text}+00:00"


_ISO: Final = re.compile(
    r"([+-]?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{6}))?(?:Z|\+00:00)"
)


def parse_instant(text: str) -> int:
    """UTC microseconds from what :func:`format_instant` writes (or ``datetime.isoformat`` in UTC).

    Raises:
        ValueError: ``text`` is not such a string.
    """
    found = _ISO.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not an ISO 8601 instant in UTC")
    year, month, day, hour, minute, second = (int(part) for part in found.groups()[:6])
    fields = (year, month, day, hour, minute, second, int(found[7] or 0))
    if not (1 <= month <= 12 and 1 <= day <= days_in_month(year, month)):
        raise ValueError(f"{text!r} names no real date")
    return _wall(fields)
