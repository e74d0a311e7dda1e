"""The readings: every way the grammar reads a phrase, by name, and what each means."""

from __future__ import annotations

from typing import Final

__all__ = ["READINGS", "explain"]

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
