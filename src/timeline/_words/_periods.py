"""Periods: the days, weeks, months, seasons and years a phrase names, and their parts.

A :class:`Period` runs from its first day to its last and writes itself as EDTF;
the functions here build them and cut them into thirds (early, mid, late).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Final

import attrs

__all__ = [
    "DAY",
    "GROUPINGS",
    "Candidate",
    "Period",
    "Unreadable",
    "add_months",
    "approximate",
    "edge",
    "grouping_of",
    "month_of",
    "one_day",
    "span",
    "third",
    "unqualified",
    "week_of",
    "year_of",
]

DAY: Final = dt.timedelta(days=1)


class Unreadable(Exception):  # noqa: N818 -- internal: the public error is UnresolvableWordsError
    """The grammar cannot read a phrase; the message says why."""


@attrs.frozen
class Period:
    """One period named by a base phrase, from its first day to its last."""

    kind: str  # day, week, span, month, grouping, year, decade, century, oneof
    first: dt.date
    last: dt.date
    code: int | None = None  # an EDTF grouping (21-41) for kind "grouping"
    members: tuple[Period, ...] = ()  # for kind "oneof"

    @property
    def edtf(self) -> str:  # noqa: PLR0911 -- one form per kind of period
        """The period in EDTF: a date, a month, a grouping, a year, an X-masked year, a span."""
        first = self.first
        if self.kind == "day":
            return first.isoformat()
        if self.kind == "month":
            return f"{first.year:04d}-{first.month:02d}"
        if self.kind == "grouping":
            return f"{first.year:04d}-{self.code}"
        if self.kind == "year":
            return f"{first.year:04d}"
        if self.kind == "decade":
            return f"{first.year // 10:03d}X"
        if self.kind == "century":
            return f"{first.year // 100:02d}XX"
        if self.kind == "oneof":
            return "[" + ",".join(member.edtf for member in self.members) + "]"
        return f"{first.isoformat()}/{self.last.isoformat()}"

    @property
    def single(self) -> bool:
        """True when the period is one EDTF date (not a span of two)."""
        return self.kind not in {"week", "span", "oneof"}

    @property
    def start(self) -> str:
        """The period as the start of an interval: itself, or a span's first day."""
        return self.edtf if self.single else self.first.isoformat()

    @property
    def end(self) -> str:
        """The period as the end of an interval: itself, or a span's last day."""
        return self.edtf if self.single else self.last.isoformat()


@attrs.frozen
class Candidate:
    """One reading of a phrase: its name and the EDTF it gives."""

    reading: str
    edtf: str


# -- periods -------------------------------------------------------------------


def one_day(date: dt.date) -> Period:
    return Period("day", date, date)


def week_of(date: dt.date) -> Period:
    monday = date - dt.timedelta(days=date.weekday())
    return Period("week", monday, monday + 6 * DAY)


def span(first: dt.date, last: dt.date) -> Period:
    return Period("span", first, last)


def month_of(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period("month", dt.date(year, month, 1), dt.date(year, month, last))


def year_of(year: int) -> Period:
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31))


def add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + count
    return index // 12, index % 12 + 1


def grouping_of(year: int, code: int) -> Period:
    first_month, months = GROUPINGS[code]
    end_year, end_month = add_months(year, first_month, months - 1)
    return Period(
        "grouping",
        dt.date(year, first_month, 1),
        month_of(end_year, end_month).last,
        code=code,
    )


# EDTF's groupings (21-24 seasons, northern; 33-36 quarters; 40-41 semesters): first month, length.
GROUPINGS: Final = {21: (3, 3), 22: (6, 3), 23: (9, 3), 24: (12, 3)} | {
    **{33 + q: (3 * q + 1, 3) for q in range(4)},
    40: (1, 6),
    41: (7, 6),
}


def third(part: str, period: Period) -> str:
    """EDTF for the first, middle or last third of ``period`` (firm outer ends, ~ inner)."""
    first, last = period.first, period.last
    if period.kind in {"month", "span", "week"}:
        days = (last - first).days + 1
        cut1 = first + dt.timedelta(days=round(days / 3) - 1)
        cut2 = first + dt.timedelta(days=round(2 * days / 3) - 1)
        if period.kind == "month":
            cut1, cut2 = first.replace(day=10), first.replace(day=20)
        bounds = {
            "early": (first, cut1),
            "mid": (cut1 + DAY, cut2),
            "late": (cut2 + DAY, last),
        }[part]
        texts = [bounds[0].isoformat(), bounds[1].isoformat()]
    elif period.kind in {"year", "grouping"}:
        months = [add_months(first.year, first.month, i) for i in range(month_count(period))]
        size = len(months) // 3 or 1
        chosen = {
            "early": months[:size],
            "mid": months[size : len(months) - size] or months[:1],
            "late": months[-size:],
        }[part]
        texts = [
            f"{chosen[0][0]:04d}-{chosen[0][1]:02d}",
            f"{chosen[-1][0]:04d}-{chosen[-1][1]:02d}",
        ]
    elif period.kind in {"decade", "century"}:
        length = 10 if period.kind == "decade" else 100
        cuts = {10: (3, 6), 100: (33, 66)}[length]
        start = first.year
        years = {
            "early": (start, start + cuts[0]),
            "mid": (start + cuts[0] + 1, start + cuts[1]),
            "late": (start + cuts[1] + 1, start + length - 1),
        }[part]
        texts = [f"{years[0]:04d}", f"{years[1]:04d}"]
    else:
        raise Unreadable(f"{part} needs a week, month, season, year or longer, not a {period.kind}")
    if texts[0] == texts[1]:
        return approximate(texts[0])
    if part in {"mid", "late"}:
        texts[0] = approximate(texts[0])
    if part in {"early", "mid"}:
        texts[1] = approximate(texts[1])
    return "/".join(texts)


def approximate(edtf: str) -> str:
    """An EDTF date with its last component approximate (``2023-11-~21``, ``2023-~04``, ``1993~``).

    The last component alone: ``2023-11-21~`` would make the year and month
    approximate too (ISO 8601-2), widening "late November" by a year.
    """
    head, _, last = edtf.rpartition("-")
    return f"{head}-~{last}" if head else f"{edtf}~"


def month_count(period: Period) -> int:
    return (period.last.year - period.first.year) * 12 + period.last.month - period.first.month + 1


def unqualified(text: str) -> str:
    return text.replace("~", "")


def edge(edtf: str, *, last: bool) -> dt.date:
    """The first or last day an EDTF date (as these rules write them) may denote, ~ aside."""
    text = unqualified(edtf)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, code = int(text[:4]), int(text[5:])
        period = grouping_of(year, code) if code > 12 else month_of(year, code)
    else:  # a year, or a decade or century written with X
        low, high = int(text.replace("X", "0")), int(text.replace("X", "9"))
        period = Period("year", dt.date(low, 1, 1), dt.date(high, 12, 31))
    return period.last if last else period.first
