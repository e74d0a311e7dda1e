"""Known times and datetimes as text: written in UTC to the microsecond, read strictly.

A known time is stored as ``2024-01-12T00:00:00.000000+00:00`` text, so it
sorts as it compares; datetime fields of events keep their zone by name.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Final

import pendulum

from timeline._errors import InvalidEventError
from timeline.time import micros, zone_name_of

_NO_OFFSET: Final = dt.timedelta(0)


_ZONED: Final = re.compile(r"(?P<iso>[^\[]+)(?:\[(?P<zone>[^\]]+)\])?")


def format_known_at(instant: dt.datetime) -> str:
    """Write a known time as fixed-width UTC ISO 8601, which sorts as it orders.

    >>> format_known_at(pendulum.datetime(2024, 1, 12, tz="UTC"))
    '2024-01-12T00:00:00.000000Z'
    """
    utc = instant if instant.utcoffset() == _NO_OFFSET else instant.astimezone(dt.UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


@functools.lru_cache(maxsize=1024)  # a batch's records share one known time
def known_at_micros(text: str) -> int:
    """Return a known time written by :func:`format_known_at` as microseconds (see ``micros``)."""
    return micros(parse_known_at(text))


@functools.lru_cache(maxsize=1024)  # a batch's records share one known time
def known_at_from_micros(value: int) -> str:
    """Write microseconds since 0001-01-01 UTC as :func:`format_known_at` does."""
    seconds, micro = divmod(value, 1_000_000)
    days, rest = divmod(seconds, 86_400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    day = dt.date.fromordinal(days).isoformat()
    return f"{day}T{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}Z"


@functools.lru_cache(maxsize=1024)  # a batch's records share one known time
def parse_known_at(text: str) -> pendulum.DateTime:
    """Read a known time written by :func:`format_known_at`."""
    if len(text) != 27 or text[-1] != "Z":
        raise ValueError(f"known time {text!r} is not of the form 2024-01-12T00:00:00.000000Z")
    parsed = dt.datetime.fromisoformat(text)
    # Built directly: pendulum.instance(...).in_tz("UTC") takes ten times as long.
    return pendulum.DateTime(
        parsed.year,
        parsed.month,
        parsed.day,
        parsed.hour,
        parsed.minute,
        parsed.second,
        parsed.microsecond,
        tzinfo=pendulum.UTC,
    )


def _unstructure_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEventError(
            f"naive datetime {value.isoformat()} in an event: give it a time zone"
        )
    zone = zone_name_of(value)
    iso = value.isoformat()
    return iso if zone[:1] in {"+", "-"} or zone == "UTC" else f"{iso}[{zone}]"


def _parse_zoned(text: object) -> tuple[dt.datetime, str | None]:
    if not isinstance(text, str):
        raise TypeError(f"expected an ISO 8601 datetime string, got {text!r}")
    match = _ZONED.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 datetime")
    value = dt.datetime.fromisoformat(match["iso"])
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return value, match["zone"]


def _structure_datetime(text: object, _: type) -> dt.datetime:
    value, zone = _parse_zoned(text)
    if not zone:
        return value
    tz = zoneinfo.ZoneInfo(zone)
    # Keep the wall-clock reading (and fold) that was written, which the
    # offset pins down; astimezone() would normalise times in a DST gap.
    for fold in (0, 1):
        local = value.replace(tzinfo=tz, fold=fold)
        if local.utcoffset() == value.utcoffset():
            return local
    return value.astimezone(tz)


def _structure_pendulum(text: object, kind: type) -> pendulum.DateTime:
    value = _structure_datetime(text, kind)
    if isinstance(value.tzinfo, zoneinfo.ZoneInfo):
        return pendulum.instance(value).in_tz(value.tzinfo.key)
    return pendulum.instance(value)
