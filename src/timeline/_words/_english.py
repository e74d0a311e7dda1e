"""The grammar of English temporal phrases, and the readings it resolves them by.

A phrase is read in two layers. The *base* names one period: a day, a
calendar week, a month, a season, a year, a decade, a century -- absolute
("30 December 2023") or relative to the anchor ("last Thursday", "in
September"). The *operators* the date libraries leave out are built on it:
parts of a period ("late November"), open intervals ("since 2006", "until
March"), ranges ("between May and July 2023"), deadlines ("by the end of
2023") and approximation ("around 2006").

Each way of reading a phrase has a stable name (its *reading*); a phrase that
may be read in several ways resolves by the first, and lists the others as
alternatives. Weeks run Monday to Sunday (ISO 8601); seasons are the northern
hemisphere's meteorological ones, as EDTF's codes 21-24 are read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Final

import attrs

__all__ = ["READINGS", "Candidate", "Unreadable", "explain", "read"]

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


def _day(date: dt.date) -> Period:
    return Period("day", date, date)


def _week(date: dt.date) -> Period:
    monday = date - dt.timedelta(days=date.weekday())
    return Period("week", monday, monday + 6 * DAY)


def _span(first: dt.date, last: dt.date) -> Period:
    return Period("span", first, last)


def _month(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period("month", dt.date(year, month, 1), dt.date(year, month, last))


def _year(year: int) -> Period:
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31))


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + count
    return index // 12, index % 12 + 1


def _grouping(year: int, code: int) -> Period:
    first_month, months = _GROUPINGS[code]
    end_year, end_month = _add_months(year, first_month, months - 1)
    return Period(
        "grouping",
        dt.date(year, first_month, 1),
        _month(end_year, end_month).last,
        code=code,
    )


# EDTF's groupings (21-24 seasons, northern; 33-36 quarters; 40-41 semesters): first month, length.
_GROUPINGS: Final = {21: (3, 3), 22: (6, 3), 23: (9, 3), 24: (12, 3)} | {
    **{33 + q: (3 * q + 1, 3) for q in range(4)},
    40: (1, 6),
    41: (7, 6),
}

# -- vocabulary ----------------------------------------------------------------

_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS: Final = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_SEASONS: Final = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
_NUMBERS: Final = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2,
}  # fmt: skip
_ORDINALS: Final = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}

_MONTH: Final = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_WEEKDAY: Final = "(?P<weekday>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + ")"
_SEASON: Final = "(?P<season>" + "|".join(_SEASONS) + ")"
_NUMBER: Final = r"(?P<count>\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_NUMBER2: Final = _NUMBER.replace("?P<count>", "?P<count2>")
_YEAR: Final = r"(?P<year>\d{4})"
_DAYNUM: Final = r"(?P<day>\d{1,2})"
_UNITS: Final = r"(?P<unit>day|week|month|year)s?"
_PART_OF_DAY: Final = r"(?: (?:morning|afternoon|evening|night))?"

# -- readings ------------------------------------------------------------------

#: Every reading's name and what it means; the docs' table and Rule.explain read it.
READINGS: Final[dict[str, str]] = {
    "today": "the day of publication",
    "yesterday": "the day before publication",
    "day-before-yesterday": "two days before publication",
    "tomorrow": "the day after publication",
    "last-night": "the evening of the day before publication",
    "last-night-same-day": "the night of the day of publication itself, before it",
    "days-ago": "that many days before publication",
    "weeks-ago": "the calendar week (Monday to Sunday) holding the day that many weeks before "
    "publication",
    "day-weeks-ago": "the day exactly that many weeks before publication",
    "months-ago": "the calendar month that many months before the month of publication",
    "years-ago": "the calendar year that many years before the year of publication",
    "weekday-latest": "the latest such weekday not after publication (the day itself when "
    "published on it)",
    "weekday-week-before": "the such weekday a week before publication (published on that weekday)",
    "weekday-next": "the first such weekday after publication",
    "weekday-upcoming": "the first such weekday not before publication",
    "last-weekday": "the latest such weekday before the day of publication",
    "weekday-of-last-week": "that weekday in the calendar week before the week of publication",
    "this-weekday": "that weekday in the calendar week of publication",
    "next-weekday": "the first such weekday after publication",
    "weekday-of-next-week": "that weekday in the calendar week after the week of publication",
    "weekend-latest": "the latest weekend (Saturday and Sunday) begun by publication",
    "last-weekend": "the latest weekend over before publication",
    "next-weekend": "the first weekend beginning after publication",
    "last-week": "the calendar week (Monday to Sunday) before the week of publication",
    "last-week-from-sunday": "the week from Sunday to Saturday before the week of publication",
    "this-week": "the calendar week (Monday to Sunday) of publication",
    "next-week": "the calendar week (Monday to Sunday) after the week of publication",
    "last-month": "the calendar month before the month of publication",
    "this-month": "the month of publication",
    "next-month": "the calendar month after the month of publication",
    "last-year": "the calendar year before the year of publication",
    "this-year": "the year of publication",
    "next-year": "the calendar year after the year of publication",
    "earlier-this-week": "from the Monday of the week of publication to the day of publication",
    "earlier-this-month": "from the first of the month of publication to the day of publication",
    "earlier-this-year": "from 1 January of the year of publication to the day of publication",
    "later-this-week": "from the day of publication to the Sunday of its week",
    "later-this-month": "from the day of publication to the last day of its month",
    "later-this-year": "from the day of publication to 31 December of its year",
    "past-days": "the days up to publication, that many days back",
    "past-weeks": "the days up to publication, that many weeks back",
    "past-months": "the days up to publication, that many months back",
    "past-years": "the days up to publication, that many years back",
    "month-latest": "no year: the latest such month not after the month of publication",
    "month-next": "no year: the first such month after the month of publication",
    "month-year-before": "no year: that month a year before, published in that month",
    "month-upcoming": "no year, looking ahead: the first such month not before the month of "
    "publication",
    "last-month-name": "the latest such month before the month of publication",
    "this-month-name": "that month in the year of publication",
    "next-month-name": "the first such month after the month of publication",
    "date-latest": "no year: the latest such day not after publication",
    "date-next": "no year: the first such day after publication",
    "date-upcoming": "no year, looking ahead: the first such day not before publication",
    "day-of-month-latest": "only a day of the month: the latest such day not after publication",
    "date": "a date written with its year",
    "month": "a month written with its year",
    "year": "a year",
    "decade": "a decade: the ten years from the year written",
    "century-of-hundreds": "the hundred years from the year written (the 1900s as a century)",
    "decade-latest": "a decade written in two digits: the latest such decade not after publication",
    "century": "a century by its ordinal: the 20th century is the years 1900-1999, as EDTF 19XX",
    "numeric-date": "a date in figures whose day and month can only be read one way",
    "numeric-date-ambiguous": "a date in figures that may be day/month or month/day: one of both",
    "numeric-day-first": "a date in figures read day first",
    "numeric-month-first": "a date in figures read month first",
    "season-latest": "a season without a year: the latest one begun by publication",
    "season-year-before": "a season without a year, under way at publication: the one a year "
    "before",
    "season-next": "a season without a year: the first one beginning after publication",
    "last-season": "the latest such season over before publication",
    "this-season": "the such season under way at publication, else the next one",
    "next-season": "the first such season beginning after publication",
    "season": "a season with its year (EDTF 21-24; winter begins in December of the year written)",
    "season-winter-ending": "a winter named by the year it ends in (December of the year before)",
    "quarter": "a quarter of a year (EDTF 33-36)",
    "half": "a half of a year (EDTF 40-41)",
    "since": "from the start of the period on, still true at publication and after: an open end",
    "since-to-publication": "from the start of the period to the day of publication, the last "
    "day the text vouches for",
    "until": "up to the period: an open start, ending within it",
    "by-end-of": "at the latest by the period's last day: an open start",
    "between": "from the first period to the second, each end as precise as written",
    "early": "the first third of the period (a month: days 1-10; a year: January-April; a "
    "decade: years 0-3; a day: the day itself), its inner end approximate",
    "mid": "the middle third of the period (a month: days 11-20; a year: May-August; a decade: "
    "years 4-6), both ends approximate",
    "late": "the last third of the period (a month: day 21 to its end; a year: "
    "September-December; a decade: years 7-9), its inner end approximate",
    "approximately": "the period, its finest unit approximate (EDTF ~ before it: 2023-11-~21)",
}


def explain(reading: str) -> str:
    """What a reading (perhaps composed, ``since+month-latest``) means, in words."""
    parts = reading.split("+")
    unknown = [part for part in parts if part not in READINGS]
    if unknown:
        return f"unknown reading {reading!r}"
    return ", of ".join(READINGS[part] for part in parts)


# -- base periods ----------------------------------------------------------------

_Base = list[tuple[str, Period]]


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _weekdays(anchor: dt.date, weekday: int, *, ahead: bool) -> _Base:
    back = (anchor.weekday() - weekday) % 7
    latest = anchor - dt.timedelta(days=back)
    forward = (weekday - anchor.weekday()) % 7
    upcoming = anchor + dt.timedelta(days=forward)
    following = upcoming if forward else anchor + 7 * DAY
    if ahead:
        return [("weekday-upcoming", _day(upcoming)), ("weekday-latest", _day(latest))]
    found = [("weekday-latest", _day(latest))]
    if back == 0:
        found.append(("weekday-week-before", _day(anchor - 7 * DAY)))
    found.append(("weekday-next", _day(following)))
    return found


def _modified_weekday(anchor: dt.date, weekday: int, modifier: str) -> _Base:
    monday = anchor - dt.timedelta(days=anchor.weekday())
    if modifier == "last":
        back = (anchor.weekday() - weekday) % 7 or 7
        chosen = anchor - dt.timedelta(days=back)
        other = monday - 7 * DAY + dt.timedelta(days=weekday)
        found = [("last-weekday", _day(chosen))]
        if other != chosen:
            found.append(("weekday-of-last-week", _day(other)))
        return found
    if modifier == "this":
        return [("this-weekday", _day(monday + dt.timedelta(days=weekday)))]
    forward = (weekday - anchor.weekday()) % 7 or 7
    chosen = anchor + dt.timedelta(days=forward)
    other = monday + 7 * DAY + dt.timedelta(days=weekday)
    found = [("next-weekday", _day(chosen))]
    if other != chosen:
        found.append(("weekday-of-next-week", _day(other)))
    return found


def _months_named(anchor: dt.date, month: int, modifier: str | None, *, ahead: bool) -> _Base:
    year = anchor.year
    latest = year if month <= anchor.month else year - 1
    after = year if month > anchor.month else year + 1
    if modifier == "last":
        return [("last-month-name", _month(year if month < anchor.month else year - 1, month))]
    if modifier == "this":
        return [("this-month-name", _month(year, month))]
    if modifier == "next":
        return [("next-month-name", _month(after, month))]
    upcoming = year if month >= anchor.month else year + 1
    if ahead:
        return [
            ("month-upcoming", _month(upcoming, month)),
            ("month-latest", _month(latest, month)),
        ]
    found = [("month-latest", _month(latest, month))]
    if month == anchor.month:
        found.append(("month-year-before", _month(year - 1, month)))
    found.append(("month-next", _month(after, month)))
    return found


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _dates_named(anchor: dt.date, month: int, day: int, *, ahead: bool) -> _Base:
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:  # 2000: leap, so 29 February is
        raise Unreadable(f"{calendar.month_name[month]} has no day {day}")
    before = [
        d for y in range(anchor.year, anchor.year - 9, -1) if (d := _real_date(y, month, day))
    ]
    after = [d for y in range(anchor.year, anchor.year + 9) if (d := _real_date(y, month, day))]
    latest = next(d for d in before if d <= anchor)
    upcoming = next(d for d in after if d >= anchor)
    following = next(d for d in after if d > anchor)
    if ahead:
        return [("date-upcoming", _day(upcoming)), ("date-latest", _day(latest))]
    return [("date-latest", _day(latest)), ("date-next", _day(following))]


def _seasons(anchor: dt.date, code: int, modifier: str | None) -> _Base:
    instances = [_grouping(year, code) for year in range(anchor.year - 2, anchor.year + 2)]
    begun = [p for p in instances if p.first <= anchor]
    over = [p for p in begun if p.last < anchor]
    coming = [p for p in instances if p.first > anchor]
    if modifier == "last":
        found = [("last-season", over[-1])]
        if begun[-1] != over[-1]:
            found.append(("this-season", begun[-1]))
        return found
    if modifier == "next":
        return [("next-season", coming[0])]
    if modifier == "this":
        under_way = begun[-1].last >= anchor
        return [("this-season", begun[-1] if under_way else coming[0])]
    found = [("season-latest", begun[-1])]
    if begun[-1].last >= anchor:  # under way: the one a year before is over
        found.append(("season-year-before", begun[-2]))
    return [*found, ("season-next", coming[0])]


def _checked_weekday(date: dt.date, weekday: str | None) -> None:
    if weekday is not None and date.weekday() != _WEEKDAYS[weekday]:
        named = calendar.day_name[_WEEKDAYS[weekday]]
        raise Unreadable(
            f"{date.isoformat()} is a {calendar.day_name[date.weekday()]}, not a {named}"
        )


def _numeric(first: int, second: int, year: int) -> _Base:
    day_first = _real_date(year, second, first)
    month_first = _real_date(year, first, second)
    if day_first is None and month_first is None:
        raise Unreadable(f"neither {first}/{second} nor {second}/{first} is a date of {year}")
    if day_first is None or month_first is None or day_first == month_first:
        only = day_first or month_first
        assert only is not None  # noqa: S101 -- one of them is a date
        return [("numeric-date", _day(only))]
    low, high = sorted((day_first, month_first))
    both = Period("oneof", low, high, members=(_day(low), _day(high)))
    return [
        ("numeric-date-ambiguous", both),
        ("numeric-day-first", _day(day_first)),
        ("numeric-month-first", _day(month_first)),
    ]


_Rule = tuple[re.Pattern[str], Callable[..., _Base]]


def _rules() -> list[_Rule]:  # noqa: C901, PLR0915 -- the grammar: one small function per form
    rules: list[_Rule] = []

    def rule(pattern: str) -> Callable[[Callable[..., _Base]], Callable[..., _Base]]:
        def register(function: Callable[..., _Base]) -> Callable[..., _Base]:
            rules.append((re.compile(pattern), function))
            return function

        return register

    @rule(r"(?:earlier |later )?today|this (?:morning|afternoon|evening)|tonight")
    def _today(_m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        return [("today", _day(anchor))]

    @rule(r"yesterday" + _PART_OF_DAY)
    def _yesterday(_m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        return [("yesterday", _day(anchor - DAY))]

    @rule(r"last night")
    def _last_night(_m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        return [("last-night", _day(anchor - DAY)), ("last-night-same-day", _day(anchor))]

    @rule(r"(?:the )?day before yesterday")
    def _before_yesterday(_m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        return [("day-before-yesterday", _day(anchor - 2 * DAY))]

    @rule(r"tomorrow" + _PART_OF_DAY)
    def _tomorrow(_m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        return [("tomorrow", _day(anchor + DAY))]

    @rule(_NUMBER + " " + _UNITS + " ago")
    def _ago(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        count, unit = _count(m["count"]), m["unit"]
        if unit == "day":
            return [("days-ago", _day(anchor - dt.timedelta(days=count)))]
        if unit == "week":
            day = anchor - dt.timedelta(weeks=count)
            return [("weeks-ago", _week(day)), ("day-weeks-ago", _day(day))]
        if unit == "month":
            return [("months-ago", _month(*_add_months(anchor.year, anchor.month, -count)))]
        return [("years-ago", _year(anchor.year - count))]

    @rule(r"(?P<modifier>last|this|next|past|previous|the previous|the) (?P<unit>week|month|year)")
    def _unit(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        modifier, unit = m["modifier"], m["unit"]
        step = {"last": -1, "past": -1, "previous": -1, "the previous": -1, "next": 1}.get(
            modifier, 0
        )
        name = {-1: "last", 0: "this", 1: "next"}[step] + "-" + unit
        if unit == "week":
            found = [(name, _week(anchor + dt.timedelta(weeks=step)))]
            if step == -1:
                sunday = _week(anchor).first - 8 * DAY
                found.append(("last-week-from-sunday", _span(sunday, sunday + 6 * DAY)))
            return found
        if unit == "month":
            return [(name, _month(*_add_months(anchor.year, anchor.month, step)))]
        return [(name, _year(anchor.year + step))]

    @rule(r"(?:(?P<modifier>last|this|next|this past|this coming|over the|at the|the) )?weekend")
    def _weekend(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        saturday = _week(anchor).first + 5 * DAY
        modifier = {"this past": "last", "this coming": "next"}.get(m["modifier"], m["modifier"])
        if modifier == "last":
            found = [("last-weekend", saturday - 7 * DAY if saturday >= anchor - DAY else saturday)]
        elif modifier == "next":
            found = [("next-weekend", saturday if saturday > anchor else saturday + 7 * DAY)]
        else:
            found = [("weekend-latest", saturday if saturday <= anchor else saturday - 7 * DAY)]
        return [(name, _span(day, day + DAY)) for name, day in found]

    @rule(r"(?P<when>earlier|later) this (?P<unit>week|month|year)")
    def _earlier(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        unit = m["unit"]
        whole = {
            "week": _week(anchor),
            "month": _month(anchor.year, anchor.month),
            "year": _year(anchor.year),
        }[unit]
        if m["when"] == "earlier":
            return [(f"earlier-this-{unit}", _span(whole.first, anchor))]
        return [(f"later-this-{unit}", _span(anchor, whole.last))]

    @rule(
        r"(?:the |over the |in the )?(?:past (?:" + _NUMBER + " )?|last " + _NUMBER2 + " )" + _UNITS
    )
    def _past(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        count, unit = _count(m["count"] or m["count2"] or "1"), m["unit"]
        if unit in {"day", "week"}:
            days = count * (7 if unit == "week" else 1)
            start = anchor - dt.timedelta(days=days)
        else:
            months = count * (12 if unit == "year" else 1)
            year, month = _add_months(anchor.year, anchor.month, -months)
            start = dt.date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))
        return [(f"past-{unit}s", _span(start, anchor))]

    @rule(
        r"(?:(?P<modifier>last|this|next|this past|past|previous|this coming|coming) )?"
        + _WEEKDAY
        + _PART_OF_DAY
        + r"(?: (?P<after>last|next))?"
    )
    def _weekday(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
        weekday = _WEEKDAYS[m["weekday"]]
        modifier = m["modifier"] or m["after"]
        if modifier is None:
            return _weekdays(anchor, weekday, ahead=ahead)
        modifier = {
            "this past": "last",
            "past": "last",
            "previous": "last",
            "this coming": "next",
            "coming": "next",
        }.get(modifier, modifier)
        return _modified_weekday(anchor, weekday, modifier)

    @rule(r"(?:" + _WEEKDAY + " )?" + _MONTH + " " + _DAYNUM + r"(?: " + _YEAR + ")?")
    def _month_day(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
        return _date(m, anchor, ahead=ahead)

    @rule(
        r"(?:" + _WEEKDAY + " )?(?:the )?" + _DAYNUM + r" (?:of )?" + _MONTH
        + r"(?: " + _YEAR + ")?"
    )  # fmt: skip
    def _day_month(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
        return _date(m, anchor, ahead=ahead)

    @rule(r"(?:(?P<modifier>last|this|next) )?" + _MONTH + r"(?: (?:of )?" + _YEAR + ")?")
    def _month_name(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
        month = _MONTHS[m["month"]]
        if m["year"]:
            if m["modifier"]:
                raise Unreadable(f"{m['modifier']!r} and a year cannot both place the month")
            return [("month", _month(int(m["year"]), month))]
        return _months_named(anchor, month, m["modifier"], ahead=ahead)

    @rule(r"the " + _DAYNUM)
    def _day_of_month(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        day = int(m["day"])
        if not 1 <= day <= 31:
            raise Unreadable(f"no month has a day {day}")
        year, month = anchor.year, anchor.month
        while _real_date(year, month, day) is None or dt.date(year, month, day) > anchor:
            year, month = _add_months(year, month, -1)
        return [("day-of-month-latest", _day(dt.date(year, month, day)))]

    @rule(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})|(?P<y2>\d{4})/(?P<m2>\d{1,2})/(?P<d2>\d{1,2})")
    def _iso(m: re.Match[str], _anchor: dt.date, **_: bool) -> _Base:
        year, month, day = (int(m[a] or m[b]) for a, b in (("y", "y2"), ("m", "m2"), ("d", "d2")))
        date = _real_date(year, month, day)
        if date is None:
            raise Unreadable(f"{year:04d}-{month:02d}-{day:02d} is not a date")
        return [("date", _day(date))]

    @rule(r"(?P<y>\d{4})-(?P<m>\d{2})")
    def _iso_month(m: re.Match[str], _anchor: dt.date, **_: bool) -> _Base:
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise Unreadable(f"there is no month {month}")
        return [("month", _month(int(m["y"]), month))]

    @rule(r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.]" + _YEAR)
    def _figures(m: re.Match[str], _anchor: dt.date, **_: bool) -> _Base:
        return _numeric(int(m["a"]), int(m["b"]), int(m["year"]))

    @rule(r"(?:the year )?" + _YEAR)
    def _a_year(m: re.Match[str], _anchor: dt.date, **_: bool) -> _Base:
        return [("year", _year(int(m["year"])))]

    @rule(r"(?:the )?(?P<decade>\d{3}0)'?s")
    def _decade(m: re.Match[str], _anchor: dt.date, **_: bool) -> _Base:
        year = int(m["decade"])
        decade = Period("decade", dt.date(year, 1, 1), dt.date(year + 9, 12, 31))
        if year % 100:
            return [("decade", decade)]
        century = Period("century", dt.date(year, 1, 1), dt.date(year + 99, 12, 31))
        return [("decade", decade), ("century-of-hundreds", century)]

    @rule(r"(?:the )?'?(?P<decade>\d0)'?s")
    def _short_decade(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        year = anchor.year // 100 * 100 + int(m["decade"])
        if year > anchor.year:
            year -= 100
        return [("decade-latest", Period("decade", dt.date(year, 1, 1), dt.date(year + 9, 12, 31)))]

    @rule(r"(?:the )?(?P<century>\d{1,2}) century")
    def _century(m: re.Match[str], _anchor: dt.date, **_: bool) -> _Base:
        number = int(m["century"])
        if not 1 <= number <= 99:
            raise Unreadable(f"there is no {number}th century here")
        first = (number - 1) * 100
        if first == 0:
            raise Unreadable("the 1st century has no EDTF form of its own (years 1-99)")
        return [("century", Period("century", dt.date(first, 1, 1), dt.date(first + 99, 12, 31)))]

    @rule(
        r"(?:(?P<modifier>last|this|next|the|past|this past) )?" + _SEASON
        + r"(?: (?:of )?" + _YEAR + ")?"
    )  # fmt: skip
    def _season(m: re.Match[str], anchor: dt.date, **_: bool) -> _Base:
        code = _SEASONS[m["season"]]
        modifier = {"the": None, "past": "last", "this past": "last"}.get(
            m["modifier"] or "", m["modifier"]
        )
        if m["year"]:
            if modifier:
                raise Unreadable(f"{m['modifier']!r} and a year cannot both place the season")
            year = int(m["year"])
            found = [("season", _grouping(year, code))]
            if code == 24:
                found.append(("season-winter-ending", _grouping(year - 1, code)))
            return found
        return _seasons(anchor, code, modifier)

    @rule(r"(?:the )?(?P<nth>first|second|third|fourth|last) quarter (?:of )?(?P<inner>.+)")
    def _quarter(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
        return _within_year(m, anchor, ahead=ahead, code=32 + _ORDINALS[m["nth"]], name="quarter")

    @rule(r"q(?P<q>[1-4]) (?P<inner>.+)")
    def _q(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
        return _within_year(m, anchor, ahead=ahead, code=32 + int(m["q"]), name="quarter")

    @rule(r"(?:the )?(?P<nth>first|second) half (?:of )?(?P<inner>.+)")
    def _half(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
        return _within_year(m, anchor, ahead=ahead, code=39 + _ORDINALS[m["nth"]], name="half")

    return rules


def _date(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> _Base:
    weekday = m["weekday"]
    month, day = _MONTHS[m["month"]], int(m["day"])
    if m["year"]:
        date = _real_date(int(m["year"]), month, day)
        if date is None:
            raise Unreadable(f"{m['year']} has no {calendar.month_name[month]} {day}")
        _checked_weekday(date, weekday)
        return [("date", _day(date))]
    found = _dates_named(anchor, month, day, ahead=ahead)
    if weekday is not None:  # the weekday tells which year: keep the readings it allows
        found = [(name, p) for name, p in found if p.first.weekday() == _WEEKDAYS[weekday]]
        if not found:
            raise Unreadable(
                f"{calendar.month_name[month]} {day} is not a {weekday.title()} in the years "
                "next to publication"
            )
    return found


def _within_year(m: re.Match[str], anchor: dt.date, *, ahead: bool, code: int, name: str) -> _Base:
    found = []
    for reading, period in _base(m["inner"], anchor, ahead=ahead):
        if period.kind != "year":
            raise Unreadable(f"a {name} is of a year, not of {m['inner']!r}")
        found.append((f"{name}+{reading}", _grouping(period.first.year, code)))
    return found


_GRAMMAR: Final = _rules()


# Words that name no period one could check: refused as vague, not guessed at.
_VAGUE: Final = re.compile(
    r"(?:recently|lately|soon|earlier|later|previously|formerly|once|the other day|some time ago|"
    r"in the past|in the future|(?:in )?recent (?:days|weeks|months|years)|"
    r"(?:a few|several|some|many|a number of) (?:days|weeks|months|years)(?: ago| earlier)?)"
)


def _base(text: str, anchor: dt.date, *, ahead: bool = False) -> _Base:
    if _VAGUE.fullmatch(text):
        raise Unreadable(f"{text!r} is vague: it names no period a date could be checked against")
    for pattern, function in _GRAMMAR:
        match = pattern.fullmatch(text)
        if match is not None:
            try:
                return function(match, anchor, ahead=ahead)
            except (OverflowError, ValueError, StopIteration):
                # Python's dates hold the years 1-9999; a reading beyond them has no date.
                raise Unreadable(f"{text!r} reaches beyond the years 1-9999") from None
    raise Unreadable(f"{text!r} is not a phrase of time this grammar knows")


# -- operators --------------------------------------------------------------------


def _part(part: str, period: Period) -> str:
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
        months = [_add_months(first.year, first.month, i) for i in range(_month_count(period))]
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
        span = 10 if period.kind == "decade" else 100
        cuts = {10: (3, 6), 100: (33, 66)}[span]
        base = first.year
        years = {
            "early": (base, base + cuts[0]),
            "mid": (base + cuts[0] + 1, base + cuts[1]),
            "late": (base + cuts[1] + 1, base + span - 1),
        }[part]
        texts = [f"{years[0]:04d}", f"{years[1]:04d}"]
    else:
        raise Unreadable(f"{part} needs a week, month, season, year or longer, not a {period.kind}")
    if texts[0] == texts[1]:
        return _approximate(texts[0])
    if part in {"mid", "late"}:
        texts[0] = _approximate(texts[0])
    if part in {"early", "mid"}:
        texts[1] = _approximate(texts[1])
    return "/".join(texts)


def _approximate(edtf: str) -> str:
    """An EDTF date with its last component approximate (``2023-11-~21``, ``2023-~04``, ``1993~``).

    The last component alone: ``2023-11-21~`` would make the year and month
    approximate too (ISO 8601-2), widening "late November" by a year.
    """
    head, _, last = edtf.rpartition("-")
    return f"{head}-~{last}" if head else f"{edtf}~"


def _month_count(period: Period) -> int:
    return (period.last.year - period.first.year) * 12 + period.last.month - period.first.month + 1


_PARTS: Final = {
    "early": "early",
    "in early": "early",
    "the beginning of": "early",
    "the start of": "early",
    "beginning of": "early",
    "start of": "early",
    "at the beginning of": "early",
    "at the start of": "early",
    "the early": "early",
    "the mid": "mid",
    "the late": "late",
    "mid": "mid",
    "in mid": "mid",
    "the middle of": "mid",
    "middle of": "mid",
    "in the middle of": "mid",
    "late": "late",
    "in late": "late",
    "the end of": "late",
    "end of": "late",
    "at the end of": "late",
}
_PART: Final = re.compile(
    "(?P<part>"
    + "|".join(sorted(map(re.escape, _PARTS), key=len, reverse=True))
    + r")[ -](?P<rest>.+)"
)
_APPROXIMATE: Final = re.compile(r"(?:around|about|approximately|circa|c|ca|roughly) (?P<rest>.+)")
_SINCE: Final = re.compile(r"(?:ever )?since (?P<rest>.+)")
_BY_END: Final = re.compile(
    r"(?:by|before|until|till|up to|up until|through) the end of (?P<rest>.+)"
)
_UNTIL: Final = re.compile(r"(?:until|till|til|up to|up until|through|by) (?P<rest>.+)")
_BETWEEN: Final = re.compile(
    r"(?:between (?P<a>.+?) and|from (?P<b>.+?) (?:to|until|till|through)) (?P<rest>.+)"
)
_TRAILING_YEAR: Final = re.compile(r"(?P<head>.+?) (?P<year>\d{4})")
_LEADING: Final = re.compile(r"(?:on|in|at|during|over|for|of) (?P<rest>.+)")


def _parts_or_base(text: str, anchor: dt.date, *, ahead: bool = False) -> _Base | list[Candidate]:
    """A base period, or a part of one (``late November``): periods, or finished EDTF."""
    match = _PART.fullmatch(text)
    if match is None:
        return _base(text, anchor, ahead=ahead)
    part = _PARTS[match["part"]]
    found: list[Candidate] = []
    for reading, period in _base(match["rest"], anchor, ahead=ahead):
        if period.kind == "oneof":
            raise Unreadable("a date that may be read two ways has no parts")
        if period.kind == "day":  # "late Thursday": EDTF has no evening; the day holds it
            found.append(Candidate(f"{part}+{reading}", period.edtf))
            continue
        found.append(Candidate(f"{part}+{reading}", _part(part, period)))
    # "late January" in an article of 5 January: the current January's late part is still to
    # come, so the latest one begun by publication is a year before (an alternative here).
    first = found[0] if found else None
    if first is not None and first.reading.endswith("-latest") and not ahead:
        begun = [c for c in found if c.reading.endswith("-year-before")]
        if _edge(first.edtf.split("/")[0], last=False) > anchor and begun:
            found.remove(begun[0])
            found.insert(0, begun[0])
    return found


def _candidates(found: _Base | list[Candidate]) -> list[Candidate]:
    return [
        item if isinstance(item, Candidate) else Candidate(item[0], item[1].edtf) for item in found
    ]


def _interval_ends(found: _Base | list[Candidate]) -> list[tuple[str, str, str]]:
    """Each reading as (name, start, end) for use at an interval's ends."""
    ends = []
    for item in found:
        if isinstance(item, Candidate):
            start, _, end = item.edtf.partition("/")
            ends.append((item.reading, start, end or start))
        else:
            reading, period = item
            if period.kind == "oneof":
                raise Unreadable("a date that may be read two ways cannot bound an interval")
            ends.append((reading, period.start, period.end))
    return ends


def _unqualified(text: str) -> str:
    return text.replace("~", "")


def _between(first: str, second: str, anchor: dt.date) -> list[Candidate]:
    if _TRAILING_YEAR.fullmatch(second) and not re.search(r"\d{4}", first):
        year = _TRAILING_YEAR.fullmatch(second)["year"]  # type: ignore[index]
        shared = f"{first} {year}"
        if re.fullmatch(r"\d{1,2}", first):  # "between 5 and 7 May 2023": the month too
            head = _TRAILING_YEAR.fullmatch(second)["head"]  # type: ignore[index]
            shared = f"{first} {head.split(' ', 1)[-1]} {year}"
        first = shared
    found = []
    for name_b, _start_b, end_b in _interval_ends(_parts_or_base(second, anchor)):
        last_day = _edge(end_b, last=True)
        for name_a, start_a, _end_a in _interval_ends(_parts_or_base(first, last_day)):
            reading = name_a if name_a == name_b else f"{name_a}&{name_b}"
            found.append(Candidate(f"between+{reading}", f"{start_a}/{end_b}"))
    return found


def _edge(edtf: str, *, last: bool) -> dt.date:
    """The first or last day an EDTF date (as these rules write them) may denote, ~ aside."""
    text = _unqualified(edtf)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, code = int(text[:4]), int(text[5:])
        period = _grouping(year, code) if code > 12 else _month(year, code)
    else:  # a year, or a decade or century written with X
        low, high = int(text.replace("X", "0")), int(text.replace("X", "9"))
        period = Period("year", dt.date(low, 1, 1), dt.date(high, 12, 31))
    return period.last if last else period.first


def read(text: str, anchor: dt.date) -> list[Candidate]:  # noqa: C901, PLR0911 -- one branch per operator
    """Every reading of the normalised English ``text`` at ``anchor``, the default first.

    Raises:
        Unreadable: The grammar cannot read it.
    """
    if match := _APPROXIMATE.fullmatch(text):
        found = []
        for item in _parts_or_base(match["rest"], anchor):
            if isinstance(item, Candidate) or not item[1].single:
                raise Unreadable("only a single date can be approximate (not a span or a part)")
            found.append(Candidate(f"approximately+{item[0]}", _approximate(item[1].edtf)))
        return found
    if match := _SINCE.fullmatch(text):
        ends = _interval_ends(_parts_or_base(match["rest"], anchor))
        found = [Candidate(f"since+{name}", f"{start}/..") for name, start, _ in ends]
        found += [
            Candidate(f"since-to-publication+{name}", f"{start}/{anchor.isoformat()}")
            for name, start, _ in ends
        ]
        return found
    if match := _BY_END.fullmatch(text):
        found = []
        for item in _parts_or_base(match["rest"], anchor, ahead=True):
            if isinstance(item, Candidate):
                raise Unreadable("'by the end of' takes a period, not a part of one")
            found.append(Candidate(f"by-end-of+{item[0]}", f"../{item[1].last.isoformat()}"))
        return found
    if match := _BETWEEN.fullmatch(text):
        return _between(match["a"] or match["b"], match["rest"], anchor)
    if match := _UNTIL.fullmatch(text):
        ends = _interval_ends(_parts_or_base(match["rest"], anchor, ahead=True))
        return [Candidate(f"until+{name}", f"../{end}") for name, _, end in ends]
    if match := _LEADING.fullmatch(text):
        try:
            return read(match["rest"], anchor)
        except Unreadable:
            pass  # "in 2006" reads as "2006"; "on the 5th" as "the 5th"; else as written
    return _candidates(_parts_or_base(text, anchor))


def normalise(text: str) -> str:
    """Lower case, plain quotes, no ordinal suffixes or abbreviation dots, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    text = re.sub(r"[,;:!?\"\u201c\u201d()]", " ", text)
    text = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"\b(\d{1,2})\.(?=\s|$)", r"\1", text)  # German "30. Dezember"
    text = re.sub(r"\b([a-z]{1,5})\.(?=\s|$)", r"\1", text)  # "Dec. 30", "Sept."
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    return re.sub(r"^the (\d{1,2}) century$", r"\1 century", text)


def each_reading(found: list[Candidate]) -> Iterator[Candidate]:
    """The readings without repeats of the same name (the first of each kept)."""
    seen: set[str] = set()
    for candidate in found:
        if candidate.reading not in seen:
            seen.add(candidate.reading)
            yield candidate
