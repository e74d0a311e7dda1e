"""The grammar of English temporal phrases: the operators, built on a base period.

A phrase is read in two layers. The *base* (:mod:`._base`) names one period: a
day, a calendar week, a month, a season, a year, a decade, a century --
absolute ("30 December 2023") or relative to the anchor ("last Thursday", "in
September"). The *operators* the date libraries leave out are built on it:
parts of a period ("late November"), open intervals ("since 2006", "until
March"), ranges ("between May and July 2023"), deadlines ("by the end of
2023") and approximation ("around 2006").

Each way of reading a phrase has a stable name (its *reading*); a phrase that
may be read in several ways resolves by the first, and lists the others as
alternatives (:mod:`._readings` says what each name means).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Final

from ._base import Base, base
from ._periods import Candidate, Unreadable, approximate, edge, third

__all__ = ["Candidate", "Unreadable", "each_reading", "normalise", "read"]

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


def _parts_or_base(text: str, anchor: dt.date, *, ahead: bool = False) -> Base | list[Candidate]:
    """A base period, or a part of one (``late November``): periods, or finished EDTF."""
    match = _PART.fullmatch(text)
    if match is None:
        return base(text, anchor, ahead=ahead)
    part = _PARTS[match["part"]]
    found: list[Candidate] = []
    for reading, period in base(match["rest"], anchor, ahead=ahead):
        if period.kind == "oneof":
            raise Unreadable("a date that may be read two ways has no parts")
        if period.kind == "day":  # "late Thursday": EDTF has no evening; the day holds it
            found.append(Candidate(f"{part}+{reading}", period.edtf))
            continue
        found.append(Candidate(f"{part}+{reading}", third(part, period)))
    # "late January" in an article of 5 January: the current January's late part is still to
    # come, so the latest one begun by publication is a year before (an alternative here).
    first = found[0] if found else None
    if first is not None and first.reading.endswith("-latest") and not ahead:
        begun = [c for c in found if c.reading.endswith("-year-before")]
        if edge(first.edtf.split("/")[0], last=False) > anchor and begun:
            found.remove(begun[0])
            found.insert(0, begun[0])
    return found


def _candidates(found: Base | list[Candidate]) -> list[Candidate]:
    return [
        item if isinstance(item, Candidate) else Candidate(item[0], item[1].edtf) for item in found
    ]


def _interval_ends(found: Base | list[Candidate]) -> list[tuple[str, str, str]]:
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
        last_day = edge(end_b, last=True)
        for name_a, start_a, _end_a in _interval_ends(_parts_or_base(first, last_day)):
            reading = name_a if name_a == name_b else f"{name_a}&{name_b}"
            found.append(Candidate(f"between+{reading}", f"{start_a}/{end_b}"))
    return found


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
            found.append(Candidate(f"approximately+{item[0]}", approximate(item[1].edtf)))
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
