"""A source's words to valid time: "last Thursday", "in September", "since 2006".

:func:`resolve` reads a temporal phrase against the source's publication date
(the *anchor*) and returns the valid time it denotes -- a day, a month, a
season, an interval, an approximate date, in EDTF -- with the :class:`Rule`
that produced it: the phrase, the anchor, the reading chosen, and the other
readings of an ambiguous phrase. The loader (:func:`timeline.load_jsonl`)
resolves ``"valid": {"words": ..., "published": ...}`` the same way and keeps
the rule in the record's provenance.

English is read by the library's own grammar and needs nothing more. Other
languages (French, German, Spanish, Russian and the others dateparser knows)
are read through dateparser's vocabularies -- month and weekday names, "ago",
"yesterday", numerals -- and a small table per language for what it does not
translate (since, until, between, early/mid/late, seasons, last/next); they
need the ``words`` extra: ``pip install 'bitemporal-timeline[words]'``.

Nothing is guessed: a phrase the grammar cannot read, or that contradicts
itself, raises :class:`UnresolvableWordsError` naming it.

>>> resolve("late November 2023", published="2024-01-12").edtf
'2023-11-~21/2023-11-30'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Final

import attrs

from ._errors import InvalidValidTimeError
from ._words._english import Candidate, Unreadable, each_reading, normalise, read
from ._words._readings import READINGS as _READINGS
from ._words._rule import Alternative, Rule, UnresolvableWordsError
from .time import FLOATING, ValidTime, format_edtf, parse_edtf

__all__ = [
    "READINGS",
    "Alternative",
    "Resolution",
    "Rule",
    "UnresolvableWordsError",
    "resolve",
]

#: Every reading's name and what it means: the parts a :attr:`Rule.reading` is made of
#: (``late+month-latest`` is ``late`` of ``month-latest``).
READINGS: Final[Mapping[str, str]] = _READINGS

_ISO_DAY: Final = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*)?")


@attrs.frozen
class Resolution:
    """A phrase resolved: the valid time it denotes and the rule that says how.

    Attributes:
        value: The valid time, its ``phrase`` the words resolved.
        rule: How it was derived; :meth:`Rule.derive` derives it again.
        english: The phrase as the English grammar read it (a translation for
            other languages, normalised English for English).

    >>> found = resolve("In September", published="2024-01-12")
    >>> found.edtf, found.value.phrase, found.rule.reading
    ('2023-09', 'In September', 'month-latest')
    """

    value: ValidTime
    rule: Rule
    english: str = attrs.field(eq=False, default="")

    @property
    def edtf(self) -> str:
        """The valid time in EDTF."""
        return format_edtf(self.value, offset=False)


def anchor_date(published: object) -> dt.date:
    """The publication date as a day: a date, or text starting ``YYYY-MM-DD``.

    A date-time's written date is taken as it is (the day the source dated it).

    Raises:
        InvalidValidTimeError: ``published`` is not a date.
    """
    if isinstance(published, dt.datetime):
        return published.date()
    if isinstance(published, dt.date):
        return published
    if isinstance(published, str) and (found := _ISO_DAY.fullmatch(published.strip())):
        try:
            return dt.date.fromisoformat(found[1])
        except ValueError:
            pass
    raise InvalidValidTimeError(
        f"the publication date must be a date such as 2024-01-12, not {published!r}"
    )


def resolve(
    phrase: str,
    *,
    published: str | dt.date,
    language: str = "en",
    reading: str | None = None,
    tz: str = FLOATING,
) -> Resolution:
    """Resolve a source's temporal phrase against its publication date.

    Args:
        phrase: The source's words: "on Thursday", "late November 2023",
            "since 2006", "between May and July 2023", "la semaine dernière".
        published: The publication date, the anchor of relative phrases (a
            date, or ISO 8601 text; a date-time's written day is used).
        language: The phrase's language, as a code ("en", "fr", "de", "es",
            "ru", ...). Languages other than English need the ``words`` extra.
        reading: The name of the reading to use, when the default one is not
            what the text means (one of the rule's alternatives, e.g.
            ``"since-to-publication+month"``).
        tz: The zone of the dates it gives; by default none (floating).

    Returns:
        The valid time and its rule.

    Raises:
        UnresolvableWordsError: The phrase is empty, vague ("recently"),
            unknown to the grammar, contradicts itself (a weekday that is not
            the date's), or has no reading named ``reading``.
        InvalidValidTimeError: ``published`` is not a date, or ``tz`` not a zone.
        MissingExtraError: ``language`` is not English and dateparser (the
            ``words`` extra) is not installed.

    >>> found = resolve("on Thursday", published="2024-01-12")
    >>> found.edtf, found.rule.reading
    ('2024-01-11', 'weekday-latest')
    >>> found.rule.explain()
    'the latest such weekday not after publication (the day itself when published on it)'
    >>> resolve("since February 2022", published="2024-01-12",
    ...         reading="since-to-publication+month").edtf
    '2022-02/2024-01-12'
    """
    anchor = anchor_date(published)
    if not isinstance(phrase, str) or not phrase.strip():
        raise UnresolvableWordsError(str(phrase), language, "there are no words to resolve")
    code = language.strip().lower().replace("_", "-") if isinstance(language, str) else ""
    if code == "en" or code.startswith("en-"):  # en-GB, en-US: the same grammar
        english = normalise(phrase)
    else:
        from ._words._languages import to_english  # noqa: PLC0415 -- dateparser: when used

        english = to_english(phrase, code)
    try:
        found = list(each_reading(read(english, anchor)))
    except Unreadable as error:
        said = "" if english == normalise(phrase) else f" (read as {english!r})"
        raise UnresolvableWordsError(phrase, code, f"{error}{said}") from None
    values = _values(found, phrase, code, tz)
    if not values:
        raise UnresolvableWordsError(phrase, code, "no reading of it gives a valid time")
    names = [candidate.reading for candidate, _ in values]
    chosen = 0 if reading is None else _index(names, reading, phrase, code)
    candidate, value = values[chosen]
    rule = Rule(
        phrase=phrase,
        published=anchor.isoformat(),
        language=code,
        reading=candidate.reading,
        edtf=candidate.edtf,
        alternatives=tuple(
            Alternative(reading=other.reading, edtf=other.edtf)
            for index, (other, _) in enumerate(values)
            if index != chosen and other.edtf != candidate.edtf
        ),
    )
    return Resolution(value, rule, english)


def _values(
    found: list[Candidate], phrase: str, language: str, tz: str
) -> list[tuple[Candidate, ValidTime]]:
    """Each reading with its valid time; readings whose EDTF is no valid time are dropped."""
    values = []
    for candidate in found:
        try:
            values.append((candidate, parse_edtf(candidate.edtf, tz=tz, phrase=phrase)))
        except InvalidValidTimeError as error:
            if "zone" in str(error):
                raise
            if not values and candidate is found[-1]:
                raise UnresolvableWordsError(phrase, language, str(error)) from None
    return values


def _index(names: list[str], reading: str, phrase: str, language: str) -> int:
    if reading in names:
        return names.index(reading)
    raise UnresolvableWordsError(
        phrase, language, f"it has no reading {reading!r}; its readings are {names}"
    )
