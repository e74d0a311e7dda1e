"""Instants and zones: an instant from a datetime or a string, a zone from its name."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import pendulum
from pendulum.tz.timezone import FixedTimezone

from timeline._errors import InvalidValidTimeError

from ._calendar import FLOATING

__all__ = ["to_instant", "utc_instant", "zone_name_of", "zone_of"]


def zone_of(name: str) -> pendulum.Timezone | FixedTimezone:
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


def zone_name_of(instant: dt.datetime) -> str:
    tzinfo = instant.tzinfo
    key = getattr(tzinfo, "key", None) or getattr(tzinfo, "name", None)
    if isinstance(key, str) and key not in {"", "+00:00"}:
        try:
            zone_of(key)
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
