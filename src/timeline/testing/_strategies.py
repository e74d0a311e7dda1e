"""Hypothesis strategies for valid times and events."""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any, Final

import attrs
import pendulum
from hypothesis import strategies as st

from timeline._errors import InvalidValidTimeError
from timeline.time import (
    FLOATING,
    DateRange,
    DateSet,
    End,
    Grouping,
    Interval,
    Moment,
    Qualifier,
    days_in_month,
    format_edtf,
    parse_edtf,
)

__all__ = [
    "date_sets",
    "edtf_strings",
    "events",
    "instants",
    "intervals",
    "moments",
    "valid_times",
]

#: Zones the strategies draw from: none (floating), UTC, named zones on both sides, offsets.
ZONES = (FLOATING, "UTC", "America/New_York", "Asia/Pyongyang", "Europe/Kyiv", "+09:00", "-03:30")

_qualifiers = st.none() | st.sampled_from(Qualifier)


def _mask(draw: st.DrawFn, text: str) -> str:
    return "".join("X" if draw(st.integers(0, 3)) == 0 else c for c in text)


@st.composite
def moments(  # noqa: D417 -- keyword-only options; draw is hypothesis's
    draw: st.DrawFn,
    /,
    *,
    min_year: int = 1000,
    max_year: int = 2999,
    masks: bool = True,
    qualifiers: bool = True,
    times: bool = True,
    zones: tuple[str, ...] = ZONES,
    deep_years: bool = True,
) -> Moment:
    """Moments at every precision, with qualifiers, ``X`` digits, seasons and zones.

    Args:
        min_year: The earliest year drawn.
        max_year: The latest year drawn.
        masks: Whether some digits may be unspecified (``X``).
        qualifiers: Whether ``~ ? %`` may apply.
        times: Whether hour to microsecond precision may be drawn.
        zones: The zones to draw from.
        deep_years: Whether a year before 1 (BCE) or after 9999 may be drawn,
            now and then, beyond ``min_year`` and ``max_year``.
    """
    day = draw(st.dates(min_value=dt.date(min_year, 1, 1), max_value=dt.date(max_year, 12, 31)))
    precision = draw(st.integers(1, 7 if times else 3))
    tz = draw(st.sampled_from(zones))
    year, month, date = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    deep = deep_years and draw(st.integers(0, 7)) == 0
    if deep:  # a year before 1 or after 9999: BCE, or EDTF's Y-years (a year alone)
        number = draw(st.integers(-9999, 0) | st.integers(10_000, 99_999))
        year = f"-{-number:04d}" if number < 0 else f"{number:04d}"
        date = f"{min(day.day, days_in_month(number, day.month)):02d}"
        if len(year) > 4 + (number < 0):
            precision = 1
    if precision >= 4:
        hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        second, micro = draw(st.integers(0, 59)), draw(st.integers(1, 999_999))
        given = [hour, minute, second, micro][: precision - 3]
        clock: list[int | None] = [*given, *([None] * (7 - precision))]
        return Moment(year, month, date, clock[0], clock[1], clock[2], clock[3], tz=tz)
    parts: list[str | None] = [year, month, date]
    del parts[precision:]
    if masks and not deep and draw(st.booleans()):
        parts = [_mask(draw, part) if part is not None else None for part in parts]
        if parts[0] == "0000":
            parts[0] = year
    elif precision == 2 and draw(st.integers(0, 3)) == 0:  # a season or other grouping
        parts[1] = f"{draw(st.sampled_from(Grouping)).value}"
    per: list[Qualifier | None] = [None, None, None]
    whole = None
    if qualifiers:
        whole = draw(_qualifiers)
        if precision > 1:
            per = [draw(_qualifiers) if draw(st.booleans()) else None for _ in range(precision)]
            per += [None] * (3 - len(per))
    significant = None
    if precision == 1 and masks and "X" not in parts[0] and draw(st.integers(0, 7)) == 0:  # type: ignore[operator]
        significant = draw(st.integers(1, len(year.lstrip("-"))))  # 1950S2: 1900-1999
    parts += [None] * (3 - len(parts))
    return Moment(
        parts[0],  # type: ignore[arg-type]
        parts[1],
        parts[2],
        tz=tz,
        qualifier=whole,
        year_qualifier=per[0],
        month_qualifier=per[1],
        day_qualifier=per[2],
        significant=significant,
    )


@st.composite
def intervals(  # noqa: D417 -- draw is hypothesis's
    draw: st.DrawFn, /, points: st.SearchStrategy[Moment] | None = None
) -> Interval:
    """Intervals whose ends are moments, open or unknown.

    Args:
        points: The moments ends are drawn from; :func:`moments` by default.
    """
    point = moments() if points is None else points
    ends = st.sampled_from([End.OPEN, End.UNKNOWN])
    start = draw(point | ends)
    end = draw(point | ends)
    if isinstance(start, End) and isinstance(end, End):
        end = draw(point)
    if isinstance(start, Moment) and isinstance(end, Moment):
        if start.bounds().low >= end.bounds().high:
            start, end = end, start
        if start.bounds().low >= end.bounds().high:
            end = End.OPEN
    return Interval(start, end)


@st.composite
def date_sets(  # noqa: D417 -- draw is hypothesis's
    draw: st.DrawFn, /, points: st.SearchStrategy[Moment] | None = None
) -> DateSet:
    """EDTF sets, one of (``[..]``) or all of (``{..}``): dates and ranges in one zone.

    Args:
        points: The moments members are drawn from; :func:`moments` by default.
    """
    point = moments() if points is None else points
    drawn = draw(st.lists(point, min_size=1, max_size=4))
    zone = drawn[0].tz
    members: list[Moment | DateRange] = [m for m in drawn if m.tz == zone]
    if len(drawn) >= 2 and drawn[1].tz == zone and draw(st.booleans()):  # a range of two
        first, last = sorted(drawn[:2], key=lambda m: (m.bounds().low, m.bounds().high))
        if first.bounds().low < last.bounds().high:
            members[:2] = [DateRange(first, last)]
    if draw(st.integers(0, 5)) == 0 and isinstance(members[0], Moment):
        members[0] = DateRange(None, members[0])  # on or before
    if draw(st.integers(0, 5)) == 0 and isinstance(members[-1], Moment):
        members[-1] = DateRange(members[-1], None)  # on or after
    return DateSet(tuple(members), every=draw(st.booleans()))


def valid_times(
    points: st.SearchStrategy[Moment] | None = None,
) -> st.SearchStrategy[Moment | Interval | DateSet]:
    """Any valid time: a moment, an interval, or a set (one of, or all of).

    Args:
        points: The moments drawn, alone, as interval ends or as set members;
            :func:`moments` by default.
    """
    point = moments() if points is None else points
    return point | intervals(point) | date_sets(point)


def edtf_strings(points: st.SearchStrategy[Moment] | None = None) -> st.SearchStrategy[str]:
    """EDTF strings of the forms the library reads, in canonical form.

    Args:
        points: As for :func:`valid_times`.
    """
    return valid_times(points).map(format_edtf).filter(_reads_back)


def _reads_back(text: str) -> bool:
    """Whether ``text`` parses.

    A date written without its zone is read back as floating, so a value
    drawn in a zone may not (an interval could end before it starts).
    """
    try:
        parse_edtf(text)
    except InvalidValidTimeError:
        return False
    return True


def instants(min_year: int = 999, max_year: int = 3001) -> st.SearchStrategy[pendulum.DateTime]:
    """Aware UTC instants as pendulum values."""
    return st.datetimes(
        min_value=dt.datetime(min_year, 1, 1),  # noqa: DTZ001 -- hypothesis bounds are naive
        max_value=dt.datetime(max_year, 1, 1),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ).map(pendulum.instance)


_AWARE = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001 -- hypothesis bounds are naive
    max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=9))]),
)


# The values that break folds, drawn half the time: zero (a division by an earlier
# amount), one value shared by many events (equal amounts, ties between keys, one subject
# again and again), the empty string, and the same instant twice.
_SHARED_INTS: Final = (0, 1, -1)
_SHARED_FLOATS: Final = (0.0, 1.0, -1.0)
_SHARED_TEXTS: Final = ("", "a", "b")
_SHARED_INSTANTS: Final = (
    dt.datetime(2024, 1, 11, tzinfo=dt.UTC),
    dt.datetime(2024, 1, 11, 12, tzinfo=dt.UTC),
)


def _or_shared(values: tuple[Any, ...], anything: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``anything``, or one of ``values``, or one of a few values drawn once per example.

    The few (two, often among ``values``) are shared by every field of
    the kind in one example (a history), so its events often hold equal
    amounts, the same names, the same instants.
    """
    kind = type(values[0]).__name__
    pool = st.shared(
        st.lists(st.sampled_from(values) | anything, min_size=2, max_size=2, unique=True),
        key=f"timeline.testing.{kind}",
    )
    few = _one_of(pool)
    # In half the examples every such field takes one of its few values: ties everywhere.
    return _tight_or(few, st.one_of(st.sampled_from(values), few, anything))


_TIGHT: Final = st.shared(st.booleans(), key="timeline.testing.tight")


@st.composite
def _one_of(draw: st.DrawFn, pool: st.SearchStrategy[list[Any]]) -> Any:  # noqa: ANN401 -- any
    values = draw(pool)
    return values[draw(st.integers(0, len(values) - 1))]


@st.composite
def _tight_or(draw: st.DrawFn, few: st.SearchStrategy[Any], loose: st.SearchStrategy[Any]) -> Any:  # noqa: ANN401
    return draw(few) if draw(_TIGHT) else draw(loose)


def _field_strategy(kind: object) -> st.SearchStrategy[Any]:  # noqa: C901, PLR0911, PLR0912 -- one per kind
    # Only what the log accepts: no NaN or infinity (JSON has none), no naive
    # datetimes, and the same inside containers and optional fields.
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is bool:
        return st.booleans()
    if kind is int:
        return _or_shared(_SHARED_INTS, st.integers())
    if kind is float:
        return _or_shared(_SHARED_FLOATS, st.floats(allow_nan=False, allow_infinity=False))
    if kind is str:
        return _or_shared(_SHARED_TEXTS, st.text())
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_field_strategy(arg) for arg in args))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(_field_strategy(args[0]), max_size=4).map(tuple)
    if origin is tuple and args:
        return st.tuples(*(_field_strategy(arg) for arg in args))
    if origin in (list, frozenset, set) and args:
        items = st.lists(_field_strategy(args[0]), max_size=4)
        return items if origin is list else items.map(origin)
    if origin is dict and len(args) == 2:
        return st.dictionaries(_field_strategy(args[0]), _field_strategy(args[1]), max_size=4)
    if kind is type(None):
        return st.none()
    if kind is pendulum.DateTime:
        return _or_shared(_SHARED_INSTANTS, _AWARE).map(pendulum.instance)
    if kind is dt.datetime:
        return _or_shared(_SHARED_INSTANTS, _AWARE)
    if kind is pendulum.Date:
        return st.dates().map(lambda d: pendulum.date(d.year, d.month, d.day))
    if kind is Moment:
        return moments()
    if kind is Interval:
        return intervals()
    if kind is DateSet:
        return date_sets()
    if isinstance(kind, type) and attrs.has(kind):  # a value inside the event: the same rules
        return events(kind)
    return st.from_type(kind)  # type: ignore[arg-type]


def events(cls: type[Any], **overrides: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Instances of the event class ``cls``, each field drawn from its annotation.

    Only values the log accepts are drawn: aware datetimes for datetime
    fields (the codec rejects naive ones), finite floats (JSON has no NaN
    or infinity), and the same inside tuples, lists, sets, dicts and
    optional fields. Give a strategy per field name to override.

    The values that break folds come on purpose, about half the time:
    numbers are often 0, 1 or -1 (a division by an earlier zero, equal
    amounts), text often ``""``, ``"a"`` or ``"b"`` (ties between keys, one
    name again and again), datetimes often one of two fixed instants. So a
    fold that divides by an earlier amount or breaks ties at random meets
    its case in every run, not once in a while.

    Args:
        cls: A registered (attrs) event class.
        overrides: Strategies for particular fields.
    """
    fields = attrs.fields_dict(attrs.resolve_types(cls))
    strategies = {
        name: overrides[name] if name in overrides else _field_strategy(field.type)
        for name, field in fields.items()
    }
    return st.builds(cls, **strategies)
