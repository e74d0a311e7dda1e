"""The base of an English phrase: the one period it names, and every reading of it.

Absolute ("30 December 2023", "the 1990s") or relative to the anchor ("last
Thursday", "in September", "two weeks ago"); a phrase that may be read in
several ways gives each reading, the default first. Weeks run Monday to Sunday
(ISO 8601); seasons are the northern hemisphere's meteorological ones, as
EDTF's codes 21-24 are read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from typing import Final

from ._periods import (
    DAY,
    Period,
    Unreadable,
    add_months,
    grouping_of,
    month_of,
    one_day,
    span,
    week_of,
    year_of,
)

__all__ = ["Base", "base"]

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

# -- base periods ----------------------------------------------------------------

Base = list[tuple[str, Period]]


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _weekdays(anchor: dt.date, weekday: int, *, ahead: bool) -> Base:
    back = (anchor.weekday() - weekday) % 7
    latest = anchor - dt.timedelta(days=back)
    forward = (weekday - anchor.weekday()) % 7
    upcoming = anchor + dt.timedelta(days=forward)
    following = upcoming if forward else anchor + 7 * DAY
    if ahead:
        return [("weekday-upcoming", one_day(upcoming)), ("weekday-latest", one_day(latest))]
    found = [("weekday-latest", one_day(latest))]
    if back == 0:
        found.append(("weekday-week-before", one_day(anchor - 7 * DAY)))
    found.append(("weekday-next", one_day(following)))
    return found


def _modified_weekday(anchor: dt.date, weekday: int, modifier: str) -> Base:
    monday = anchor - dt.timedelta(days=anchor.weekday())
    if modifier == "last":
        back = (anchor.weekday() - weekday) % 7 or 7
        chosen = anchor - dt.timedelta(days=back)
        other = monday - 7 * DAY + dt.timedelta(days=weekday)
        found = [("last-weekday", one_day(chosen))]
        if other != chosen:
            found.append(("weekday-of-last-week", one_day(other)))
        return found
    if modifier == "this":
        return [("this-weekday", one_day(monday + dt.timedelta(days=weekday)))]
    forward = (weekday - anchor.weekday()) % 7 or 7
    chosen = anchor + dt.timedelta(days=forward)
    other = monday + 7 * DAY + dt.timedelta(days=weekday)
    found = [("next-weekday", one_day(chosen))]
    if other != chosen:
        found.append(("weekday-of-next-week", one_day(other)))
    return found


def _months_named(anchor: dt.date, month: int, modifier: str | None, *, ahead: bool) -> Base:
    year = anchor.year
    latest = year if month <= anchor.month else year - 1
    after = year if month > anchor.month else year + 1
    if modifier == "last":
        return [("last-month-name", month_of(year if month < anchor.month else year - 1, month))]
    if modifier == "this":
        return [("this-month-name", month_of(year, month))]
    if modifier == "next":
        return [("next-month-name", month_of(after, month))]
    upcoming = year if month >= anchor.month else year + 1
    if ahead:
        return [
            ("month-upcoming", month_of(upcoming, month)),
            ("month-latest", month_of(latest, month)),
        ]
    found = [("month-latest", month_of(latest, month))]
    if month == anchor.month:
        found.append(("month-year-before", month_of(year - 1, month)))
    found.append(("month-next", month_of(after, month)))
    return found


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _dates_named(anchor: dt.date, month: int, day: int, *, ahead: bool) -> Base:
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
        return [("date-upcoming", one_day(upcoming)), ("date-latest", one_day(latest))]
    return [("date-latest", one_day(latest)), ("date-next", one_day(following))]


def _seasons(anchor: dt.date, code: int, modifier: str | None) -> Base:
    instances = [grouping_of(year, code) for year in range(anchor.year - 2, anchor.year + 2)]
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


def _numeric(first: int, second: int, year: int) -> Base:
    day_first = _real_date(year, second, first)
    month_first = _real_date(year, first, second)
    if day_first is None and month_first is None:
        raise Unreadable(f"neither {first}/{second} nor {second}/{first} is a date of {year}")
    if day_first is None or month_first is None or day_first == month_first:
        only = day_first or month_first
        assert only is not None  # noqa: S101 -- one of them is a date
        return [("numeric-date", one_day(only))]
    low, high = sorted((day_first, month_first))
    both = Period("oneof", low, high, members=(one_day(low), one_day(high)))
    return [
        ("numeric-date-ambiguous", both),
        ("numeric-day-first", one_day(day_first)),
        ("numeric-month-first", one_day(month_first)),
    ]


_Rule = tuple[re.Pattern[str], Callable[..., Base]]


def _rules() -> list[_Rule]:  # noqa: C901, PLR0915 -- the grammar: one small function per form
    rules: list[_Rule] = []

    def rule(pattern: str) -> Callable[[Callable[..., Base]], Callable[..., Base]]:
        def register(function: Callable[..., Base]) -> Callable[..., Base]:
            rules.append((re.compile(pattern), function))
            return function

        return register

    @rule(r"(?:earlier |later )?today|this (?:morning|afternoon|evening)|tonight")
    def _today(_m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        return [("today", one_day(anchor))]

    @rule(r"yesterday" + _PART_OF_DAY)
    def _yesterday(_m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        return [("yesterday", one_day(anchor - DAY))]

    @rule(r"last night")
    def _last_night(_m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        return [("last-night", one_day(anchor - DAY)), ("last-night-same-day", one_day(anchor))]

    @rule(r"(?:the )?day before yesterday")
    def _before_yesterday(_m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        return [("day-before-yesterday", one_day(anchor - 2 * DAY))]

    @rule(r"tomorrow" + _PART_OF_DAY)
    def _tomorrow(_m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        return [("tomorrow", one_day(anchor + DAY))]

    @rule(_NUMBER + " " + _UNITS + " ago")
    def _ago(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        count, unit = _count(m["count"]), m["unit"]
        if unit == "day":
            return [("days-ago", one_day(anchor - dt.timedelta(days=count)))]
        if unit == "week":
            day = anchor - dt.timedelta(weeks=count)
            return [("weeks-ago", week_of(day)), ("day-weeks-ago", one_day(day))]
        if unit == "month":
            return [("months-ago", month_of(*add_months(anchor.year, anchor.month, -count)))]
        return [("years-ago", year_of(anchor.year - count))]

    @rule(r"(?P<modifier>last|this|next|past|previous|the previous|the) (?P<unit>week|month|year)")
    def _unit(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        modifier, unit = m["modifier"], m["unit"]
        step = {"last": -1, "past": -1, "previous": -1, "the previous": -1, "next": 1}.get(
            modifier, 0
        )
        name = {-1: "last", 0: "this", 1: "next"}[step] + "-" + unit
        if unit == "week":
            found = [(name, week_of(anchor + dt.timedelta(weeks=step)))]
            if step == -1:
                sunday = week_of(anchor).first - 8 * DAY
                found.append(("last-week-from-sunday", span(sunday, sunday + 6 * DAY)))
            return found
        if unit == "month":
            return [(name, month_of(*add_months(anchor.year, anchor.month, step)))]
        return [(name, year_of(anchor.year + step))]

    @rule(r"(?:(?P<modifier>last|this|next|this past|this coming|over the|at the|the) )?weekend")
    def _weekend(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        saturday = week_of(anchor).first + 5 * DAY
        modifier = {"this past": "last", "this coming": "next"}.get(m["modifier"], m["modifier"])
        if modifier == "last":
            found = [("last-weekend", saturday - 7 * DAY if saturday >= anchor - DAY else saturday)]
        elif modifier == "next":
            found = [("next-weekend", saturday if saturday > anchor else saturday + 7 * DAY)]
        else:
            found = [("weekend-latest", saturday if saturday <= anchor else saturday - 7 * DAY)]
        return [(name, span(day, day + DAY)) for name, day in found]

    @rule(r"(?P<when>earlier|later) this (?P<unit>week|month|year)")
    def _earlier(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        unit = m["unit"]
        whole = {
            "week": week_of(anchor),
            "month": month_of(anchor.year, anchor.month),
            "year": year_of(anchor.year),
        }[unit]
        if m["when"] == "earlier":
            return [(f"earlier-this-{unit}", span(whole.first, anchor))]
        return [(f"later-this-{unit}", span(anchor, whole.last))]

    @rule(
        r"(?:the |over the |in the )?(?:past (?:" + _NUMBER + " )?|last " + _NUMBER2 + " )" + _UNITS
    )
    def _past(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        count, unit = _count(m["count"] or m["count2"] or "1"), m["unit"]
        if unit in {"day", "week"}:
            days = count * (7 if unit == "week" else 1)
            start = anchor - dt.timedelta(days=days)
        else:
            months = count * (12 if unit == "year" else 1)
            year, month = add_months(anchor.year, anchor.month, -months)
            start = dt.date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))
        return [(f"past-{unit}s", span(start, anchor))]

    @rule(
        r"(?:(?P<modifier>last|this|next|this past|past|previous|this coming|coming) )?"
        + _WEEKDAY
        + _PART_OF_DAY
        + r"(?: (?P<after>last|next))?"
    )
    def _weekday(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
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
    def _month_day(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
        return _date(m, anchor, ahead=ahead)

    @rule(
        r"(?:" + _WEEKDAY + " )?(?:the )?" + _DAYNUM + r" (?:of )?" + _MONTH
        + r"(?: " + _YEAR + ")?"
    )  # fmt: skip
    def _day_month(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
        return _date(m, anchor, ahead=ahead)

    @rule(r"(?:(?P<modifier>last|this|next) )?" + _MONTH + r"(?: (?:of )?" + _YEAR + ")?")
    def _month_name(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
        month = _MONTHS[m["month"]]
        if m["year"]:
            if m["modifier"]:
                raise Unreadable(f"{m['modifier']!r} and a year cannot both place the month")
            return [("month", month_of(int(m["year"]), month))]
        return _months_named(anchor, month, m["modifier"], ahead=ahead)

    @rule(r"the " + _DAYNUM)
    def _day_of_month(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        day = int(m["day"])
        if not 1 <= day <= 31:
            raise Unreadable(f"no month has a day {day}")
        year, month = anchor.year, anchor.month
        while _real_date(year, month, day) is None or dt.date(year, month, day) > anchor:
            year, month = add_months(year, month, -1)
        return [("day-of-month-latest", one_day(dt.date(year, month, day)))]

    @rule(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})|(?P<y2>\d{4})/(?P<m2>\d{1,2})/(?P<d2>\d{1,2})")
    def _iso(m: re.Match[str], _anchor: dt.date, **_: bool) -> Base:
        year, month, day = (int(m[a] or m[b]) for a, b in (("y", "y2"), ("m", "m2"), ("d", "d2")))
        date = _real_date(year, month, day)
        if date is None:
            raise Unreadable(f"{year:04d}-{month:02d}-{day:02d} is not a date")
        return [("date", one_day(date))]

    @rule(r"(?P<y>\d{4})-(?P<m>\d{2})")
    def _iso_month(m: re.Match[str], _anchor: dt.date, **_: bool) -> Base:
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise Unreadable(f"there is no month {month}")
        return [("month", month_of(int(m["y"]), month))]

    @rule(r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.]" + _YEAR)
    def _figures(m: re.Match[str], _anchor: dt.date, **_: bool) -> Base:
        return _numeric(int(m["a"]), int(m["b"]), int(m["year"]))

    @rule(r"(?:the year )?" + _YEAR)
    def _a_year(m: re.Match[str], _anchor: dt.date, **_: bool) -> Base:
        return [("year", year_of(int(m["year"])))]

    @rule(r"(?:the )?(?P<decade>\d{3}0)'?s")
    def _decade(m: re.Match[str], _anchor: dt.date, **_: bool) -> Base:
        year = int(m["decade"])
        decade = Period("decade", dt.date(year, 1, 1), dt.date(year + 9, 12, 31))
        if year % 100:
            return [("decade", decade)]
        century = Period("century", dt.date(year, 1, 1), dt.date(year + 99, 12, 31))
        return [("decade", decade), ("century-of-hundreds", century)]

    @rule(r"(?:the )?'?(?P<decade>\d0)'?s")
    def _short_decade(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        year = anchor.year // 100 * 100 + int(m["decade"])
        if year > anchor.year:
            year -= 100
        return [("decade-latest", Period("decade", dt.date(year, 1, 1), dt.date(year + 9, 12, 31)))]

    @rule(r"(?:the )?(?P<century>\d{1,2}) century")
    def _century(m: re.Match[str], _anchor: dt.date, **_: bool) -> Base:
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
    def _season(m: re.Match[str], anchor: dt.date, **_: bool) -> Base:
        code = _SEASONS[m["season"]]
        modifier = {"the": None, "past": "last", "this past": "last"}.get(
            m["modifier"] or "", m["modifier"]
        )
        if m["year"]:
            if modifier:
                raise Unreadable(f"{m['modifier']!r} and a year cannot both place the season")
            year = int(m["year"])
            found = [("season", grouping_of(year, code))]
            if code == 24:
                found.append(("season-winter-ending", grouping_of(year - 1, code)))
            return found
        return _seasons(anchor, code, modifier)

    @rule(r"(?:the )?(?P<nth>first|second|third|fourth|last) quarter (?:of )?(?P<inner>.+)")
    def _quarter(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
        return _within_year(m, anchor, ahead=ahead, code=32 + _ORDINALS[m["nth"]], name="quarter")

    @rule(r"q(?P<q>[1-4]) (?P<inner>.+)")
    def _q(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
        return _within_year(m, anchor, ahead=ahead, code=32 + int(m["q"]), name="quarter")

    @rule(r"(?:the )?(?P<nth>first|second) half (?:of )?(?P<inner>.+)")
    def _half(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
        return _within_year(m, anchor, ahead=ahead, code=39 + _ORDINALS[m["nth"]], name="half")

    return rules


def _date(m: re.Match[str], anchor: dt.date, *, ahead: bool) -> Base:
    weekday = m["weekday"]
    month, day = _MONTHS[m["month"]], int(m["day"])
    if m["year"]:
        date = _real_date(int(m["year"]), month, day)
        if date is None:
            raise Unreadable(f"{m['year']} has no {calendar.month_name[month]} {day}")
        _checked_weekday(date, weekday)
        return [("date", one_day(date))]
    found = _dates_named(anchor, month, day, ahead=ahead)
    if weekday is not None:  # the weekday tells which year: keep the readings it allows
        found = [(name, p) for name, p in found if p.first.weekday() == _WEEKDAYS[weekday]]
        if not found:
            raise Unreadable(
                f"{calendar.month_name[month]} {day} is not a {weekday.title()} in the years "
                "next to publication"
            )
    return found


def _within_year(m: re.Match[str], anchor: dt.date, *, ahead: bool, code: int, name: str) -> Base:
    found = []
    for reading, period in base(m["inner"], anchor, ahead=ahead):
        if period.kind != "year":
            raise Unreadable(f"a {name} is of a year, not of {m['inner']!r}")
        found.append((f"{name}+{reading}", grouping_of(period.first.year, code)))
    return found


_GRAMMAR: Final = _rules()


# Words that name no period one could check: refused as vague, not guessed at.
_VAGUE: Final = re.compile(
    r"(?:recently|lately|soon|earlier|later|previously|formerly|once|the other day|some time ago|"
    r"in the past|in the future|(?:in )?recent (?:days|weeks|months|years)|"
    r"(?:a few|several|some|many|a number of) (?:days|weeks|months|years)(?: ago| earlier)?)"
)


def base(text: str, anchor: dt.date, *, ahead: bool = False) -> Base:
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
