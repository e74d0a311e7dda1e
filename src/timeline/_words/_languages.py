"""Other languages, read as English: dateparser's vocabularies and a small table per language.

dateparser (the ``words`` extra) knows the month and weekday names, numerals,
"ago", "yesterday" and "last week" of some two hundred locales, and its
``translate`` turns them into English words. It does not translate what the
English grammar's operators need -- since, until, between, early/mid/late,
seasons, last/next before a weekday -- nor some inflected forms (Russian
months after a preposition). Each language here has a short ordered table of
patterns for those, whose slots are translated in turn; what is left goes to
dateparser as it is. The English that comes out is read by the English grammar,
so a reading means the same in every language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from timeline._errors import MissingExtraError

from ._english import normalise
from ._rule import UnresolvableWordsError

if TYPE_CHECKING:
    from dateparser.languages.locale import Locale

__all__ = ["to_english"]

_Table = tuple[tuple[re.Pattern[str], str], ...]


def _table(*rows: tuple[str, str]) -> _Table:
    return tuple((re.compile(pattern), template) for pattern, template in rows)


_SEASONS_FR: Final = r"(?P<s>printemps|été|ete|automne|hiver)"
_SEASONS_DE: Final = r"(?P<s>frühling|frühjahr|sommer|herbst|winter)"
_DAYS_FR: Final = r"(?P<a>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_SEASONS_ES: Final = r"(?P<s>primavera|verano|otoño|invierno)"

# Each row: a pattern over the whole (lower-case) phrase, and an English
# template whose {name} slots are the pattern's groups, each translated in turn.
_TABLES: Final[dict[str, _Table]] = {
    "fr": _table(
        (r"(?:depuis|dès) (?:le |la |l'|les )?(?P<a>.+)", "since {a}"),
        (r"(?:d'ici|avant) (?:la )?fin (?:de |du |d')?(?:l'|la )?(?P<a>.+)", "by the end of {a}"),
        (r"jusqu'(?:à |au |en )?(?:la |le |l')?(?P<a>.+)", "until {a}"),
        (r"entre (?:le |la |l')?(?P<a>.+) et (?:le |la |l')?(?P<b>.+)", "between {a} and {b}"),
        (r"(?:de|du) (?P<a>.+) (?:à|au) (?P<b>.+)", "from {a} to {b}"),
        (r"(?:au |en )?début (?:de |du |d')?(?:l'|la )?(?P<a>.+)", "early {a}"),
        (r"(?:à la |a la |en )?mi-? ?(?P<a>.+)", "mid {a}"),
        (r"(?:à la |a la |en )?fin (?:de |du |d')?(?:l'|la )?(?P<a>.+)", "late {a}"),
        (r"(?:vers|environ|aux alentours de) (?:le |la |l')?(?P<a>.+)", "around {a}"),
        (r"(?:les |dans les )?années (?P<a>\d{4}|\d0)", "the {a}s"),
        (r"(?:l'|le |la |en |au |à l'|a l')?" + _SEASONS_FR + r" derni(?:er|ère)", "last {s}"),
        (r"(?:l'|le |la |en |au |à l'|a l')?" + _SEASONS_FR + r" prochain", "next {s}"),
        (r"(?:cet |ce |cette )" + _SEASONS_FR, "this {s}"),
        (r"(?:l'|le |la |en |au |à l'|a l')?" + _SEASONS_FR + r"(?: (?P<y>\d{4}))?", "{s} {y}"),
        (r"(?:le |la |l')?" + _DAYS_FR + r" derni(?:er|ère)", "last {a}"),
        (
            r"(?:le |la |l')?" + _DAYS_FR + " prochain",
            "next {a}",
        ),
        (r"(?:ce |cette )" + _DAYS_FR, "this {a}"),
        (r"(?:le |la |l')?(?P<a>\S+) derni(?:er|ère)", "last {a}"),
        (r"(?:le |la |l')?(?P<a>\S+) prochaine?", "next {a}"),
        (r"(?:(?:le|la|les|en|au|dans|durant|pendant) |l')(?P<a>.+)", "{a}"),
    ),
    "de": _table(
        (r"seit (?:dem |der |den )?(?P<a>.+)", "since {a}"),
        (r"bis (?:zum |spätestens )?ende (?:des |der )?(?P<a>.+)", "by the end of {a}"),
        (r"zwischen (?:dem |der )?(?P<a>.+) und (?:dem |der )?(?P<b>.+)", "between {a} and {b}"),
        (r"(?:von|vom) (?P<a>.+) bis (?:zum |zur )?(?P<b>.+)", "from {a} to {b}"),
        (r"bis (?:zum |zur |in den |im )?(?P<a>.+)", "until {a}"),
        (r"(?:anfang|beginn|zu beginn) (?:des |der )?(?P<a>.+)", "early {a}"),
        (r"mitte (?:des |der )?(?P<a>.+)", "mid {a}"),
        (r"ende (?:des |der )?(?P<a>.+)", "late {a}"),
        (r"(?:um|circa|etwa|ungefähr|gegen) (?P<a>.+)", "around {a}"),
        (r"(?:die |in den )?(?P<a>\d{4}|\d0)er(?: jahre| jahren)?", "the {a}s"),
        (
            (
                r"(?:im |am |in der |in den )?(?:letzten|letzte|letztes|letzter|vergangenen"
                r"|vergangene|vergangenes|vorigen|vorige|voriges) (?P<a>.+)"
            ),
            "last {a}",
        ),
        (
            (
                r"(?:im |am |in der )?(?:nächsten|nächste|nächstes|kommenden|kommende"
                r"|kommendes) (?P<a>.+)"
            ),
            "next {a}",
        ),
        (r"(?:diesen|diese|dieses|diesem) (?P<a>.+)", "this {a}"),
        (r"(?:im )?" + _SEASONS_DE + r"(?: (?P<y>\d{4}))?", "{s} {y}"),
        (r"(?:am|im|in|den|der|die|das|dem) (?P<a>.+)", "{a}"),
    ),
    "es": _table(
        (r"desde (?:el |la |los |las )?(?P<a>.+)", "since {a}"),
        (
            r"(?:antes de|para) (?:finales|fines|el final) de (?:la |el )?(?P<a>.+)",
            "by the end of {a}",
        ),
        (r"hasta (?:el |la )?(?P<a>.+)", "until {a}"),
        (r"entre (?:el |la )?(?P<a>.+) y (?:el |la )?(?P<b>.+)", "between {a} and {b}"),
        (r"(?:del?) (?P<a>.+) (?:al?|hasta) (?P<b>.+)", "from {a} to {b}"),
        (r"(?:a )?principios de (?:la |el )?(?P<a>.+)", "early {a}"),
        (r"(?:a )?mediados de (?:la |el )?(?P<a>.+)", "mid {a}"),
        (r"(?:a )?(?:finales|fines) de (?:la |el )?(?P<a>.+)", "late {a}"),
        (r"(?:hacia|alrededor de|cerca de) (?:el |la )?(?P<a>.+)", "around {a}"),
        (r"hace (?P<a>.+)", "{a} ago"),
        (r"(?:los |en los )?años (?P<a>\d{4}|\d0)", "the {a}s"),
        (r"(?:el |la |en el |en la )?(?P<a>.+) (?:pasado|pasada|anterior)", "last {a}"),
        (r"(?:el |la )?(?P<a>.+) (?:próximo|próxima|que viene)", "next {a}"),
        (r"(?:el |la )?(?:próximo|próxima) (?P<a>.+)", "next {a}"),
        (r"(?:este|esta) (?P<a>.+)", "this {a}"),
        (r"(?:en )?(?:el |la )?" + _SEASONS_ES + r"(?: de)?(?: (?P<y>\d{4}))?", "{s} {y}"),
        (r"(?:el|la|los|las|en|durante) (?P<a>.+)", "{a}"),
    ),
    "ru": _table(
        (r"(?:к|до) концу (?P<a>.+)", "by the end of {a}"),
        (r"между (?P<a>.+) и (?P<b>.+)", "between {a} and {b}"),
        (r"с (?P<a>.+) (?:по|до) (?P<b>.+)", "from {a} to {b}"),
        (r"(?:с|со|начиная с) (?P<a>.+)", "since {a}"),
        (r"(?:до|по) (?P<a>.+)", "until {a}"),
        (r"в начале (?P<a>.+)", "early {a}"),
        (r"в середине (?P<a>.+)", "mid {a}"),
        (r"в конце (?P<a>.+)", "late {a}"),
        (r"(?:около|примерно|приблизительно) (?P<a>.+)", "around {a}"),
        (r"(?:в )?(?P<a>\d{4}|\d0)-(?:е|х)(?: годы| годах| гг)?", "the {a}s"),
        (
            (
                r"(?:в |на )?(?:прошлый|прошлую|прошлое|прошлом|прошлой|прошлым|прошедшей"
                r"|прошедший|прошедшую|минувший|минувшую|минувшей|минувшем) (?P<a>.+)"
            ),
            "last {a}",
        ),
        (
            (
                r"(?:в |на )?(?:следующий|следующую|следующее|следующем|следующей|будущей"
                r"|будущем|будущий) (?P<a>.+)"
            ),
            "next {a}",
        ),
        (r"(?:в |на )?(?:этот|эту|это|этом|этой|этим|нынешний|нынешнем) (?P<a>.+)", "this {a}"),
        (r"(?:в|во|на) (?P<a>.+)", "{a}"),
    ),
}

# Words dateparser leaves as they are: inflected forms, seasons, numerals in words.
_WORDS: Final[dict[str, tuple[tuple[re.Pattern[str], str], ...]]] = {
    "fr": _table(
        (r"\b(?:été|ete)\b", "summer"),
        (r"\bprintemps\b", "spring"),
        (r"\bautomne\b", "autumn"),
        (r"\bhiver\b", "winter"),
        (r"\bles années\b", "the"),
    ),
    "de": _table(
        (r"\b(?:frühling|frühjahr)\b", "spring"),
        (r"\bsommer\b", "summer"),
        (r"\bherbst\b", "autumn"),
        (r"\bwinter\b", "winter"),
        (r"\b(\d{1,2})\.", r"\1"),
    ),
    "es": _table(
        (r"\bprimavera\b", "spring"),
        (r"\bverano\b", "summer"),
        (r"\botoño\b", "autumn"),
        (r"\binvierno\b", "winter"),
        (r"\bun[oa]?\b", "1"),
        (r"\bdos\b", "2"),
        (r"\btres\b", "3"),
        (r"\bcuatro\b", "4"),
        (r"\bcinco\b", "5"),
        (r"\bseis\b", "6"),
        (r"\bsiete\b", "7"),
        (r"\bocho\b", "8"),
        (r"\bnueve\b", "9"),
        (r"\bdiez\b", "10"),
        (r"\bde\b", " "),
    ),
    "ru": _table(
        (r"\bвесн\w*", "spring"),
        (r"\b(?:лето|летом|лета|лете)\b", "summer"),
        (r"\bосен\w*", "autumn"),
        (r"\bзим\w*", "winter"),
        (r"\bянвар\w*", "january"),
        (r"\bфеврал\w*", "february"),
        (r"\bмарт\w*", "march"),
        (r"\bапрел\w*", "april"),
        (r"\bма(?:й|я|е|ем|ю)\b", "may"),
        (r"\bиюн\w*", "june"),
        (r"\bиюл\w*", "july"),
        (r"\bавгуст\w*", "august"),
        (r"\bсентябр\w*", "september"),
        (r"\bоктябр\w*", "october"),
        (r"\bноябр\w*", "november"),
        (r"\bдекабр\w*", "december"),
        (r"\bпонедельник\w*", "monday"),
        (r"\bвторник\w*", "tuesday"),
        (r"\bсред[аеуы]\b", "wednesday"),
        (r"\bчетверг\w*", "thursday"),
        (r"\bпятниц\w*", "friday"),
        (r"\bсуббот\w*", "saturday"),
        (r"\bвоскресень\w*", "sunday"),
        (r"\b(\d{4}) (?:года|году|год|г)\b\.?", r"\1"),
        (r"\b(?:года|году|год)\b", "year"),
        (r"\b(?:неделе|неделю|недели|неделя)\b", "week"),
        (r"\b(?:месяце|месяц|месяца)\b", "month"),
    ),
}


@functools.cache
def _locale(language: str) -> Locale:
    try:
        from dateparser.languages.loader import (  # noqa: PLC0415 -- the words extra: when used
            default_loader,
        )
    except ImportError:
        raise MissingExtraError(
            f"reading words in {language!r} needs dateparser: "
            "pip install 'bitemporal-timeline[words]'"
        ) from None
    try:
        return default_loader.get_locale(language)
    except ValueError:
        raise UnresolvableWordsError(
            "", language, f"no language {language!r}: give a code such as en, fr, de, es or ru"
        ) from None


@functools.cache
def _settings() -> Any:  # noqa: ANN401 -- dateparser's Settings, untyped
    from dateparser.conf import settings  # noqa: PLC0415 -- the words extra: when used

    return settings


def _translate(text: str, language: str) -> str:
    """Words of one slot in English: this module's words first, then dateparser's."""
    for pattern, english in _WORDS.get(language, ()):
        text = pattern.sub(english, text)
    translated = _locale(language).translate(text, keep_formatting=False, settings=_settings())
    return normalise(translated)


def _WORDS_ONLY(text: str, language: str) -> str:  # noqa: N802 -- reads as a table lookup
    for pattern, english in _WORDS.get(language, ()):
        text = pattern.sub(english, text)
    return text


def _english(text: str, language: str, translate: Callable[[str, str], str]) -> str:
    for pattern, template in _TABLES.get(language, ()):
        match = pattern.fullmatch(text)
        if match is not None:
            # Slots a and b hold phrases, read in turn; s and y (a season, a
            # year) are words the English grammar reads as they are.
            slots = {
                name: ""
                if value is None
                else _english(value, language, translate)
                if name in {"a", "b"}
                else _WORDS_ONLY(value, language)
                for name, value in match.groupdict().items()
            }
            return normalise(template.format(**slots))
    return translate(text, language)


def to_english(phrase: str, language: str) -> str:
    """``phrase`` in ``language`` as the English the grammar reads.

    Raises:
        MissingExtraError: dateparser is not installed.
        UnresolvableWordsError: dateparser knows no such language.
    """
    try:
        _locale(language)
    except UnresolvableWordsError as error:
        raise UnresolvableWordsError(phrase, language, error.reason) from None
    text = re.sub(r"\s+", " ", phrase.lower().replace("\u2019", "'")).strip().rstrip(".")
    return _english(text, language, _translate)
