"""Hypothesis strategies for the library's values."""

from __future__ import annotations

import datetime as dt

import pendulum
from hypothesis import strategies as st

from timeline import End, Interval, Moment, Qualifier

ZONES = ("UTC", "America/New_York", "Asia/Pyongyang", "Europe/Kyiv", "+09:00", "-03:30")

qualifiers = st.none() | st.sampled_from(Qualifier)


def _mask(draw: st.DrawFn, text: str) -> str:
    return "".join(c if not draw(st.booleans()) or draw(st.booleans()) else "X" for c in text)


@st.composite
def moments(draw: st.DrawFn, *, masks: bool = True, zones: tuple[str, ...] = ZONES) -> Moment:
    """Any Moment: every precision, qualifiers, X digits and zones."""
    day = draw(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(2999, 12, 31)))
    precision = draw(st.integers(1, 7))
    tz = draw(st.sampled_from(zones))
    year, month, date = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    if precision >= 4:
        hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        second, micro = draw(st.integers(0, 59)), draw(st.integers(1, 999_999))
        times = (hour, minute, second, micro)[: precision - 3]
        return Moment(year, month, date, *times, tz=tz)
    parts = [year, month, date][:precision]
    if masks and draw(st.booleans()):
        parts = [_mask(draw, part) for part in parts]
        if parts[0] == "0000":
            parts[0] = year
    component = [draw(qualifiers) if draw(st.booleans()) else None for _ in parts]
    if len(parts) == 1:
        component = [None]  # at year precision only the whole value is qualified
    component += [None] * (3 - len(component))
    parts += [None] * (3 - len(parts))
    return Moment(
        parts[0],
        parts[1],
        parts[2],
        tz=tz,
        qualifier=draw(qualifiers),
        year_qualifier=component[0],
        month_qualifier=component[1],
        day_qualifier=component[2],
    )


@st.composite
def refinements(draw: st.DrawFn, moment: Moment) -> Moment:
    """A value that says more than ``moment``: bounds inside its bounds."""
    if moment.hour is not None:
        return moment
    qualifier = moment.qualifier if draw(st.booleans()) else None
    yq = moment.year_qualifier if draw(st.booleans()) else None
    mq = moment.month_qualifier if draw(st.booleans()) else None
    dq = moment.day_qualifier if draw(st.booleans()) else None
    parts = [moment.year, moment.month, moment.day]
    core = moment.strict_bounds()
    # Pick a real day inside the strict bounds and fill X digits from it.
    span = (core.latest - core.earliest).in_days()
    offset = draw(st.integers(0, max(span - 1, 0)))
    local = core.earliest.in_tz(pendulum.timezone("UTC")).add(days=offset)
    local = local.in_tz(_zone(moment.tz))
    real = [f"{local.year:04d}", f"{local.month:02d}", f"{local.day:02d}"]
    filled = []
    for part, concrete in zip(parts, real, strict=True):
        if part is None:
            filled.append(None)
            continue
        ok = all(m in ("X", c) for m, c in zip(part, concrete, strict=True))
        if not ok:
            return moment.__class__(
                moment.year, moment.month, moment.day, tz=moment.tz,
                qualifier=qualifier, year_qualifier=yq, month_qualifier=mq, day_qualifier=dq,
            )  # fmt: skip
        filled.append(
            "".join(c if draw(st.booleans()) else m for m, c in zip(part, concrete, strict=True))
        )
    deeper = draw(st.integers(0, 3 - sum(p is not None for p in parts)))
    for index in range(3):
        if filled[index] is None and deeper > 0:
            filled[index] = real[index]
            deeper -= 1
    if filled[1] is None:
        mq = None
    if filled[2] is None:
        dq = None
    return Moment(
        filled[0], filled[1], filled[2], tz=moment.tz,
        qualifier=qualifier, year_qualifier=yq, month_qualifier=mq, day_qualifier=dq,
    )  # fmt: skip


def _zone(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    if name[:1] in {"+", "-"}:
        sign = -1 if name[0] == "-" else 1
        return pendulum.fixed_timezone(sign * (int(name[1:3]) * 3600 + int(name[4:6]) * 60))
    return pendulum.timezone(name)


ends = st.sampled_from([End.OPEN, End.UNKNOWN])


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    """An interval with imprecise, open or unknown ends, never empty."""
    start = draw(moments() | ends)
    end = draw(moments() | ends)
    if isinstance(start, End) and isinstance(end, End):
        end = draw(moments())
    if isinstance(start, Moment) and isinstance(end, Moment):
        if start.bounds().earliest >= end.bounds().latest:
            start, end = end, start
        if start.bounds().earliest >= end.bounds().latest:
            end = End.OPEN
    return Interval(start, end)


instants = st.datetimes(
    min_value=dt.datetime(999, 1, 1),
    max_value=dt.datetime(3001, 1, 1),
    timezones=st.just(dt.UTC),
).map(pendulum.instance)
