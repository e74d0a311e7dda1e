"""EDTF (ISO 8601-2) in and out: the interchange syntax for valid times.

Supported: level 0 and level 1 (dates, date-times, intervals with open
``..`` and unknown empty ends, ``~ ? %`` on the whole value, ``X`` digits,
seasons, years BCE such as ``-0064`` and ``Y``-years such as ``Y17000``
or ``Y17E3``) and these forms of level 2: ``X`` in any date digit such as
``2024-01-0X``; a qualifier before one component such as ``~2023-09``, or
after an inner component, which reaches it and all to its left; sub-year
groupings (``2001-33``, a quarter); significant digits (``1950S2``). Times
may stop at the hour or minute, and carry microseconds -- ISO 8601 reduced
and extended precision beyond EDTF's own level 0. Years run from -99999 to
99999 (see ``_calendar``); beyond them, and for sets (``[..]``, ``{..}``), a
clear error.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from timeline._errors import InvalidValidTimeError

from . import _late
from ._calendar import FLOATING, offset_of
from ._instants import zone_of
from ._interval import Interval, ValidTime
from ._moment import Moment
from ._precision import End, Qualifier
from ._sets import DateRange, DateSet

__all__ = ["format_edtf", "format_moment", "parse_edtf", "parse_moment"]

_QUALIFIERS: Final = {q.value: q for q in Qualifier}
_DIGITS: Final = frozenset("0123456789X")


class _Scanner:
    """Reads one EDTF date from left to right, naming what is wrong where."""

    def __init__(self, text: str, whole: str) -> None:
        self.text = text
        self.whole = whole
        self.at = 0

    def fail(self, problem: str) -> InvalidValidTimeError:
        return InvalidValidTimeError(f"invalid EDTF {self.whole!r}: {problem}")

    def peek(self) -> str:
        return self.text[self.at : self.at + 1]

    def qualifier(self) -> Qualifier | None:
        char = self.peek()
        if char in _QUALIFIERS:
            self.at += 1
            return _QUALIFIERS[char]
        return None

    def digits(self, count: int, name: str, *, masks: bool) -> str:
        chunk = self.text[self.at : self.at + count]
        allowed = _DIGITS if masks else _DIGITS - {"X"}
        if len(chunk) < count or not set(chunk) <= allowed:
            found = self.text[self.at :] or "nothing"
            kind = "digits or X" if masks else "digits"
            raise self.fail(f"the {name} must be {count} {kind}, found {found!r}")
        self.at += count
        return chunk

    def literal(self, char: str) -> bool:
        if self.peek() == char:
            self.at += 1
            return True
        return False


def parse_moment(text: str, *, tz: str = FLOATING, phrase: str | None = None) -> Moment:  # noqa: C901, PLR0912, PLR0915 -- a scanner, one branch per EDTF component
    """Read one EDTF date or date-time. See :meth:`Moment.parse`."""
    if not isinstance(text, str):
        raise InvalidValidTimeError(f"EDTF must be a string, not {text!r}")
    if "/" in text:
        raise InvalidValidTimeError(f"invalid EDTF {text!r}: an interval, not a single date")
    scan = _Scanner(text.strip(), text)
    if not scan.text:
        raise scan.fail("it is empty")
    if scan.text[:1] in {"[", "{"}:
        raise scan.fail("a set, not a single date")
    components: list[str] = []
    before: list[Qualifier | None] = []
    after: list[Qualifier | None] = []
    significant = None
    names = ("year", "month", "day")
    for index, name in enumerate(names):
        if index and not scan.literal("-"):
            break
        before.append(scan.qualifier())
        if index == 0:
            year, significant = _year(scan)
            components.append(year)
        else:
            components.append(scan.digits(2, name, masks=True))
        after.append(scan.qualifier())
    hour = minute = second = micro = None
    zone = tz
    if scan.literal("T"):
        if len(components) < 3:
            raise scan.fail("a time of day needs a full date before 'T'")
        hour = int(scan.digits(2, "hour", masks=False))
        if scan.literal(":"):
            minute = int(scan.digits(2, "minute", masks=False))
            if scan.literal(":"):
                second = int(scan.digits(2, "second", masks=False))
                if scan.literal("."):
                    start = scan.at
                    while scan.peek().isdigit():
                        scan.at += 1
                    fraction = scan.text[start : scan.at]
                    if not 1 <= len(fraction) <= 6:
                        raise scan.fail("fractions of a second take 1 to 6 digits")
                    micro = int(fraction.ljust(6, "0"))
        if scan.literal("Z"):
            zone = "UTC"
        elif scan.peek() in {"+", "-"}:
            zone = _zone_offset(scan)
    if scan.at != len(scan.text):
        raise scan.fail(f"unexpected {scan.text[scan.at :]!r} after {scan.text[: scan.at]!r}")
    # A qualifier after the last component qualifies the whole value; after an
    # inner component it qualifies that component and all to its left.
    whole = after[-1]
    per = list(before)
    for index, qualifier in enumerate(after[:-1]):
        if qualifier is not None:
            for left in range(index + 1):
                per[left] = qualifier | per[left]
    if len(components) == 1 and per[0] is not None and whole is None:
        whole, per[0] = per[0], None  # "~2023" says the same as "2023~"
    per += [None] * (3 - len(per))
    components += [None] * (3 - len(components))  # type: ignore[list-item]
    try:
        return Moment(
            components[0],
            components[1],
            components[2],
            hour,
            minute,
            second,
            micro,
            tz=zone,
            qualifier=whole,
            year_qualifier=per[0],
            month_qualifier=per[1],
            day_qualifier=per[2],
            significant=significant,
            phrase=phrase,
        )
    except InvalidValidTimeError as error:
        raise scan.fail(str(error)) from None


# A Y-year: digits, perhaps an exponent (E) -- EDTF level 1 and 2.
_LONG_YEAR: Final = re.compile(r"(-?)([0-9]+)(?:E([0-9]+))?")
_SIGNIFICANT: Final = re.compile(r"S([0-9]+)")


def _year(scan: _Scanner) -> tuple[str, int | None]:
    """Read a year: ``2004``, ``-0064``, ``Y170002``, ``Y-17E3``, each perhaps with ``S2``."""
    if scan.literal("Y"):
        found = _LONG_YEAR.match(scan.text, scan.at)
        if found is None:
            raise scan.fail(f"a Y-year needs digits after 'Y', found {scan.text[scan.at :]!r}")
        sign, digits, exponent = found.groups()
        value = int(digits) * 10 ** int(exponent or 0)
        if exponent is None and (len(digits) <= 4 or digits.startswith("0")):
            raise scan.fail(f"a Y-year has more than four digits, no leading zero: {digits!r}")
        scan.at = found.end()
        year = f"{sign}{value:04d}"
    else:
        sign = "-" if scan.literal("-") else ""
        year = sign + scan.digits(4, "year", masks=True)
        if scan.peek().isdigit():
            digits = re.match(r"\d*", scan.text[scan.at :])
            longer = year + (digits[0] if digits else "")
            raise scan.fail(f"a year of more than four digits is written with a Y: Y{longer}")
        if year == "-0000":
            raise scan.fail("year -0000 is written 0000 (1 BCE)")
    significant = _SIGNIFICANT.match(scan.text, scan.at)
    if significant is None:
        return year, None
    scan.at = significant.end()
    return year, int(significant[1])


# ISO 8601's zone offsets, as EDTF level 0 takes them: +hh, +hhmm or +hh:mm (or -).
_OFFSET: Final = re.compile(r"[+-](\d\d)(?::?(\d\d))?")


def _zone_offset(scan: _Scanner) -> str:
    """Read a zone offset at the scanner, written back as +hh:mm ("UTC" for a zero offset)."""
    found = _OFFSET.match(scan.text, scan.at)
    after = scan.text[found.end() : found.end() + 1] if found is not None else ""
    if found is None or (after.isdigit() or after == ":"):
        written = scan.text[scan.at :]
        raise scan.fail(f"the zone offset must look like +09:00, +0900 or +09, found {written!r}")
    hours, minutes = int(found[1]), int(found[2] or 0)
    if hours > 23 or minutes > 59:
        raise scan.fail(f"the zone offset {found[0]!r} is out of range")
    scan.at = found.end()
    offset = f"{found[0][0]}{hours:02d}:{minutes:02d}"
    return "UTC" if offset in {"+00:00", "-00:00"} else offset


def parse_edtf(text: str, *, tz: str = FLOATING, phrase: str | None = None) -> ValidTime:
    """Read an EDTF date, date-time or interval.

    Args:
        text: EDTF such as ``"2023-09"``, ``"2024-01-0X"``, ``"2006/.."``.
        tz: The zone for dates and for times without an offset; by default
            :data:`~timeline.FLOATING`, local time somewhere.
        phrase: The source's own words, kept beside the value.

    Raises:
        InvalidValidTimeError: ``text`` is not EDTF this library reads; the
            message names the part that is wrong.

    >>> parse_edtf("2023-12-30/2024-01-02")
    Interval.parse('2023-12-30/2024-01-02')
    """
    if not isinstance(text, str):
        raise InvalidValidTimeError(f"EDTF must be a string, not {text!r}")
    return read_edtf(text, tz, phrase)


# Valid times are immutable, and sources (and stores) repeat the same dates
# over and over: reading each distinct one once makes decoding cheap.
@functools.lru_cache(maxsize=1 << 16)
def read_edtf(text: str, tz: str, phrase: str | None) -> ValidTime:
    if text.count("/") > 1:
        raise InvalidValidTimeError(f"invalid EDTF {text!r}: more than one '/'")
    if text.strip()[:1] in {"[", "{"} and "/" not in text:
        return _parse_set(text, text, tz=tz, phrase=phrase)
    if "/" not in text:
        return parse_moment(text, tz=tz, phrase=phrase)
    left, right = text.split("/")
    ends = [_interval_end(part, text, tz=tz) for part in (left, right)]
    return Interval(ends[0], ends[1], phrase=phrase)


def _interval_end(part: str, whole: str, *, tz: str) -> Moment | DateSet | End:
    if part == "..":
        return End.OPEN
    if not part:
        return End.UNKNOWN
    try:
        if part.startswith("["):  # an extension: an end that is one of a set
            return _parse_set(part, part, tz=tz, phrase=None)
        return parse_moment(part, tz=tz)
    except InvalidValidTimeError as error:
        raise InvalidValidTimeError(f"invalid EDTF interval {whole!r}: {error}") from None


def _parse_set(text: str, whole: str, *, tz: str, phrase: str | None) -> DateSet:
    """Read ``[a,b,c..d]`` (one of) or ``{a,b}`` (all of); ``..x`` first or ``x..`` last."""
    text = text.strip()
    closing = "]" if text[0] == "[" else "}"
    if not text.endswith(closing):
        raise InvalidValidTimeError(f"invalid EDTF set {whole!r}: it must end with {closing!r}")
    items = [item.strip() for item in text[1:-1].split(",")]
    if items == [""]:
        raise InvalidValidTimeError(f"invalid EDTF set {whole!r}: it is empty")
    members: list[Moment | DateRange] = []
    for index, item in enumerate(items):
        try:
            members.append(_set_member(item, tz, first=index == 0, last=index == len(items) - 1))
        except InvalidValidTimeError as error:
            raise InvalidValidTimeError(
                f"invalid EDTF set {whole!r}, member {item!r}: {error}"
            ) from None
    return DateSet(tuple(members), every=closing == "}", phrase=phrase)


def _set_member(item: str, tz: str, *, first: bool, last: bool) -> Moment | DateRange:
    if ".." not in item:
        return parse_moment(item, tz=tz)
    start, _, end = item.partition("..")
    if not start and not first:
        raise InvalidValidTimeError("only the first member may be open before ('..x')")
    if not end and not last:
        raise InvalidValidTimeError("only the last member may be open after ('x..')")
    return DateRange(
        parse_moment(start, tz=tz) if start else None,
        parse_moment(end, tz=tz) if end else None,
    )


def _format_set(value: DateSet, *, offset: bool) -> str:
    def member(part: Moment | DateRange) -> str:
        if isinstance(part, Moment):
            return format_moment(part, offset=offset)
        first = "" if part.first is None else format_moment(part.first, offset=offset)
        last = "" if part.last is None else format_moment(part.last, offset=offset)
        return f"{first}..{last}"

    text = ",".join(member(part) for part in value.members)
    return f"{{{text}}}" if value.every else f"[{text}]"


def format_moment(moment: Moment, *, offset: bool = True) -> str:
    """Write a :class:`Moment` as EDTF.

    A date does not carry its zone (EDTF has no place for it); keep
    :attr:`Moment.tz` beside the string, as the library's codec does. With
    ``offset=False`` a time of day is written without its zone too.
    """

    def part(value: str, qualifier: Qualifier | None) -> str:
        return f"{qualifier.value if qualifier else ''}{value}"

    text = part(_year_text(moment), moment.year_qualifier)
    if moment.month is not None:
        text += "-" + part(moment.month, moment.month_qualifier)
    if moment.day is not None:
        text += "-" + part(moment.day, moment.day_qualifier)
    if moment.hour is not None:
        text += f"T{moment.hour:02d}"
        if moment.minute is not None:
            text += f":{moment.minute:02d}"
        if moment.second is not None:
            text += f":{moment.second:02d}"
        if moment.microsecond is not None:
            text += f".{moment.microsecond:06d}"
        if offset:
            text += _offset(moment)
    if moment.qualifier is not None:
        text += moment.qualifier.value
    return text


def _year_text(moment: Moment) -> str:
    """The year as EDTF writes it: ``Y`` before more than four digits, ``S`` after."""
    year = moment.year
    if len(year.lstrip("-")) > 4:
        year = f"Y{year}"
    if moment.significant is not None:
        year += f"S{moment.significant}"
    return year


def _offset(moment: Moment) -> str:
    if moment.tz == FLOATING:  # local time somewhere: written as it was, without a zone
        return ""
    if moment.tz == "UTC":
        return "Z"
    if moment.tz[:1] in {"+", "-"}:
        return moment.tz
    fields = (
        int(moment.year),
        int(moment.month or 1),
        int(moment.day or 1),
        moment.hour or 0,
        moment.minute or 0,
        moment.second or 0,
        0,
    )
    minutes = offset_of(fields, zone_of(moment.tz)) // 60_000_000
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_edtf(value: ValidTime, *, offset: bool = True) -> str:
    """Write a valid time as EDTF; ``format_edtf(parse_edtf(s)) == s`` for canonical ``s``.

    >>> format_edtf(parse_edtf("2024-01-11/.."))
    '2024-01-11/..'
    """
    if isinstance(value, Moment):
        return format_moment(value, offset=offset)
    if isinstance(value, DateSet):
        return _format_set(value, offset=offset)
    ends = (
        end.value
        if isinstance(end, End)
        else _format_set(end, offset=offset)
        if isinstance(end, DateSet)
        else format_moment(end, offset=offset)
        for end in (value.start, value.end)
    )
    return "/".join(ends)


# The values below this module read and write their text through these (see _late).
_late.parse_edtf = parse_edtf
_late.parse_moment = parse_moment
_late.format_edtf = format_edtf
_late.format_moment = format_moment
