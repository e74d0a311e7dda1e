"""The rule a resolved phrase keeps: the words, the anchor, the reading chosen, the others.

A record whose valid time was derived from words keeps its :class:`Rule` in its
provenance, so the date says how it was derived and can be derived again. The
rule is stored (and hashed) as the plain JSON :func:`rule_json` writes; its
fields and their names are fixed for good.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

import attrs

from timeline._errors import TimelineError
from timeline._extras import feature

if TYPE_CHECKING:
    from collections.abc import Callable

    from timeline.words import Resolution

__all__ = ["Alternative", "Rule", "UnresolvableWordsError", "rule_from_json", "rule_json"]

_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class UnresolvableWordsError(TimelineError, ValueError):
    """A phrase cannot be resolved to a valid time: it is vague, unknown or contradicts itself.

    Nothing is guessed: the message names the phrase and says why.

    Attributes:
        phrase: The words as given.
        language: Their language.
        reason: Why they cannot be resolved.
    """

    def __init__(self, phrase: str, language: str, reason: str) -> None:
        self.phrase = phrase
        self.language = language
        self.reason = reason
        super().__init__(f"cannot resolve {phrase!r} ({language}): {reason}")


def _is_date(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError(f"{attribute.name} must be a date written YYYY-MM-DD, not {value!r}")


@attrs.frozen
class Alternative:
    """Another reading of an ambiguous phrase, and the valid time it would give.

    >>> Alternative(reading="weekday-next", edtf="2024-01-18")
    Alternative(reading='weekday-next', edtf='2024-01-18')
    """

    reading: str
    edtf: str


@attrs.frozen(kw_only=True)
class Rule:
    """How a phrase was resolved: the words, the anchor, the reading chosen and the others.

    Attributes:
        phrase: The words resolved, as given.
        published: The anchor: the source's publication date (``YYYY-MM-DD``).
        language: The words' language (``"en"``, ``"fr"``, ...).
        reading: The name of the reading chosen (see the table in the docs,
            or :meth:`explain`).
        edtf: The valid time it gave, in EDTF.
        alternatives: The other readings of an ambiguous phrase, each with
            the valid time it would give; empty when the phrase has one.

    >>> from timeline.words import resolve
    >>> rule = resolve("on Thursday", published="2024-01-12").rule
    >>> rule.reading, rule.edtf
    ('weekday-latest', '2024-01-11')
    >>> rule.alternatives
    (Alternative(reading='weekday-next', edtf='2024-01-18'),)
    """

    phrase: str
    published: str = attrs.field(validator=_is_date)
    language: str = "en"
    reading: str
    edtf: str
    alternatives: tuple[Alternative, ...] = ()

    def derive(self) -> Resolution:
        """Resolve the phrase again, with the same anchor, language and reading.

        Returns:
            The resolution, whose rule equals this one while the grammar reads
            the phrase as it did.
        """
        resolve: Callable[..., Resolution] = feature("words").resolve  # above the records
        return resolve(
            self.phrase, published=self.published, language=self.language, reading=self.reading
        )

    def explain(self) -> str:
        """Say in words what the reading chosen means.

        >>> from timeline.words import resolve
        >>> resolve("last week", published="2024-01-12").rule.explain()
        'the calendar week (Monday to Sunday) before the week of publication'
        """
        from ._readings import explain  # noqa: PLC0415 -- loaded when used

        return explain(self.reading)


def rule_json(rule: Rule) -> dict[str, Any]:
    """The rule as the plain JSON a record's provenance stores (every key, always)."""
    return {
        "alternatives": [{"edtf": a.edtf, "reading": a.reading} for a in rule.alternatives],
        "edtf": rule.edtf,
        "language": rule.language,
        "phrase": rule.phrase,
        "published": rule.published,
        "reading": rule.reading,
    }


def rule_from_json(raw: object) -> Rule:
    """Read what :func:`rule_json` wrote.

    Raises:
        TypeError: ``raw`` is not an object of strings as :func:`rule_json` writes.
        ValueError: A value is malformed (a publication date that is not one).
    """
    keys = {"alternatives", "edtf", "language", "phrase", "published", "reading"}
    if type(raw) is not dict or set(raw) != keys:
        raise TypeError(f"a rule must be an object with the keys {sorted(keys)}, not {raw!r}")
    alternatives = raw["alternatives"]
    if type(alternatives) is not list or not all(
        type(a) is dict
        and set(a) == {"edtf", "reading"}
        and all(type(v) is str for v in a.values())
        for a in alternatives
    ):
        raise TypeError(
            f"a rule's alternatives must be objects of edtf and reading: {alternatives!r}"
        )
    fields = {key: raw[key] for key in keys - {"alternatives"}}
    for name, value in fields.items():
        if type(value) is not str:
            raise TypeError(f"a rule's {name} must be a string, not {value!r}")
    return Rule(
        alternatives=tuple(Alternative(reading=a["reading"], edtf=a["edtf"]) for a in alternatives),
        **fields,
    )
