"""Filters: the attributes a vocabulary lets questions filter on, and the index of their values.

A :class:`Filter` names attributes of a fact (``target`` and ``aliases``)
and how a question's text meets them: as people search names (``"words"``,
see :func:`~timeline.match_name`) or folded whole values (``"equal"``).

:class:`_Names` keeps, per key, the values its facts give those attributes
and postings from each word (or folded value) to the keys that hold it, in
flat arrays like the rest of the index. A filtered question finds its
candidate keys in the postings, checks each against its values and then
reads only those keys' rows: it touches what it returns, not every hit.
A key whose facts do not all give the same values (two starts that
disagree, an amendment of a filtered attribute) is *varied*: its postings
hold every value it was ever given, and its rows are checked against their
spells, read from the log.
"""

from __future__ import annotations

import bisect
import functools
import json
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from timeline._names import fold_name, match_name, name_tokens

from ._rules import Change, _Role

__all__ = ["Filter"]

_Match = Literal["words", "equal"]


def _attribute_names(value: object) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, Iterable) or not all(isinstance(name, str) for name in names):
        raise TypeError(f"a filter reads attributes named by text, not {value!r}")
    found = tuple(names)
    if not found:
        raise TypeError("a filter reads one attribute or more: Filter(('target', 'aliases'))")
    return found


def _match_kind(_: object, __: attrs.Attribute[str], value: object) -> None:
    if value not in ("words", "equal"):
        raise ValueError(f"a filter's match is 'words' or 'equal', not {value!r}")


@attrs.frozen
class Filter:
    """An attribute filter a vocabulary offers its questions: ``where={"target": "Zakharov"}``.

    Assigned in :attr:`TemporalFacts.filters <timeline.TemporalFacts.filters>`
    under the name questions use. The index keeps the values each key's
    facts give these attributes, so a filtered question reads only the
    rows of the keys that match.

    Attributes:
        attributes: The attributes whose values are searched: text, or
            tuples of text (aliases); an attribute a fact lacks gives none.
        match: ``"words"``: a value matches when the question's words are
            among its words, in any script or case (:func:`~timeline.match_name`),
            and answers are ranked by how well (exactly, in order, in
            another order); ``"equal"``: when the two are the same text but
            for case, accents and spaces (:func:`~timeline.fold_name`).
    """

    attributes: tuple[str, ...] = attrs.field(converter=_attribute_names)
    match: _Match = attrs.field(default="words", validator=_match_kind)

    def described(self) -> str:
        """The filter in a few words, as saved with an index.

        >>> Filter(("target", "aliases")).described()
        'words("target", "aliases")'
        """
        return f"{self.match}({json.dumps(list(self.attributes), ensure_ascii=False)[1:-1]})"

    def values(self, attributes: Mapping[str, Any]) -> tuple[str, ...]:
        """The values a fact's ``attributes`` give this filter, as text, in order."""
        found: list[str] = []
        for name in self.attributes:
            value = attributes.get(name)
            if value is None:
                continue
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, Iterable):
                found.extend(str(item) for item in value if item is not None)
            else:
                found.append(str(value))
        return tuple(found)

    def rank(self, query: str, values: Sequence[str]) -> int | None:
        """How well ``query`` matches the best of ``values`` (0 is best); None: not at all.

        A query with no words (or, for ``"equal"``, nothing but spaces) matches nothing.

        >>> Filter(("target", "aliases")).rank("Zakharov", ["Aleksandr Zakharov"])
        1
        >>> Filter("program", match="equal").rank("dprk ", ["DPRK"])
        0
        """
        return self._ranker(query)(self._folded(values))

    def _folded(self, values: Iterable[str]) -> tuple[str, ...]:
        r"""``values`` as compared: their words joined by a space, or folded whole.

        Neither holds a separator the index writes between values (``\x1e``,
        ``\x1f``: :func:`fold_name` and :func:`name_tokens` drop them as spaces).
        """
        if self.match == "equal":
            folded = (fold_name(value) for value in values)
        else:
            folded = (" ".join(name_tokens(value)) for value in values)
        return tuple(value for value in folded if value)  # one with no words matches nothing

    def _ranker(self, query: str) -> Callable[[Sequence[str]], int | None]:
        """:meth:`rank` of ``query`` against values already :meth:`_folded`, the query read once."""
        if self.match == "equal":
            wanted = fold_name(query)
            return lambda folded: 0 if wanted and wanted in folded else None
        words = name_tokens(query)

        def ranked(folded: Sequence[str]) -> int | None:
            best: int | None = None
            for value in folded:
                found = match_name(words, tuple(value.split()))
                if found is not None and (best is None or found < best):
                    best = int(found)
            return best

        return ranked

    def _wanted(self, query: str) -> set[str]:
        """The terms a key must hold to match ``query`` (none: it matches nothing)."""
        if self.match == "equal":
            return {fold_name(query)} - {""}
        return set(name_tokens(query))


#: A key's state: no values yet, one set of values for all its facts, or varied.
_NONE: Final = 0
_SET: Final = 1
_VARIED: Final = 2

_LOW: Final = (1 << 32) - 1

#: How names are kept: raise when the hashing or the values' layout changes. With the
#: transliteration's version, it is saved with an index, and an index of another is rebuilt:
#: postings made another way would miss words silently.
NAMES_FORMAT: Final = 2


@functools.cache
def names_format() -> str:
    """The format names are kept in, and the versions of the tables that folded them.

    The transliteration's (anyascii) and Unicode's (NFKC, NFKD and case folding).
    """
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 -- once a save

    try:
        table = version("anyascii")
    except PackageNotFoundError:  # pragma: no cover -- a dependency, always installed
        table = "unknown"
    return f"names {NAMES_FORMAT}, anyascii {table}, unicode {unicodedata.unidata_version}"


def _encode(values: Sequence[Sequence[str]]) -> bytes:
    r"""A key's folded values: filters apart by ``\x1e``, values by ``\x1f`` (see ``_folded``)."""
    return "\x1e".join("\x1f".join(folded) for folded in values).encode("utf-8", "surrogatepass")


def _decode(data: bytes | bytearray, count: int) -> list[tuple[str, ...]]:
    """What :func:`_encode` wrote, for ``count`` filters."""
    parts = data.decode("utf-8", "surrogatepass").split("\x1e")
    if len(parts) != count:
        raise ValueError(f"a key's names hold {len(parts)} filters' values, not {count}")
    return [tuple(part.split("\x1f")) if part else () for part in parts]


def _term_hash(kind: int, term: str) -> int:
    """A 31-bit hash of a filter's term: the high half of a posting."""
    return zlib.crc32(term.encode("utf-8", "surrogatepass"), _seed(kind)) & 0x7FFFFFFF


@functools.cache
def _seed(kind: int) -> int:
    """Where filter ``kind``'s hashes start: one word in two filters hashes apart."""
    return zlib.crc32(f"filter {kind}".encode())


def _hashes(kind: int, match: _Match, folded: str) -> list[int]:
    """The hashes of the terms one folded value gives filter ``kind``."""
    if match == "equal":
        return [_term_hash(kind, folded)]
    return [_term_hash(kind, word) for word in folded.split()]


class _Names:
    """Per key, the values its facts give the filters; postings from terms to keys.

    The postings are ``hash << 32 | key`` in two runs, each in order of its
    hash (the key numbers within one hash in any order): ``main`` and a
    small ``recent`` one that a catch-up's new postings are merged into,
    and that is merged into ``main`` once it grows past a quarter of it.
    """

    __slots__ = ("blob", "ends", "filters", "main", "pending", "recent", "starts", "state")

    def __init__(self, filters: Sequence[Filter]) -> None:
        self.filters = tuple(filters)
        self.starts = array("q")  # per key: where its values begin in blob
        self.ends = array("q")  # per key: where they end
        self.state = bytearray()  # per key: _NONE, _SET or _VARIED
        self.blob = bytearray()  # values, folded (see _encode)
        self.main = array("q")
        self.recent = array("q")
        self.pending: list[int] = []

    def __bool__(self) -> bool:
        return bool(self.filters)

    def take(self, number: int, role: _Role, change: Change) -> None:
        """Note what a change of key ``number`` gives the filtered attributes."""
        while len(self.state) <= number:
            self.starts.append(0)
            self.ends.append(0)
            self.state.append(_NONE)
        attributes = change.attributes
        if role == "end" or (
            role == "amend"
            and not any(name in attributes for f in self.filters for name in f.attributes)
        ):
            return
        values = [f._folded(f.values(attributes)) for f in self.filters]  # noqa: SLF001
        state = self.state[number]
        if state == _SET and role == "start" and values == self.values_of(number):
            return  # the same values again: nothing new to post
        if state == _NONE and role == "start":
            self.starts[number] = len(self.blob)
            self.blob += _encode(values)
            self.ends[number] = len(self.blob)
            self.state[number] = _SET
        else:  # other values, or an amendment of them: its rows are checked against spells
            self.state[number] = _VARIED
        hashes = set[int]()
        for kind, (found, folded) in enumerate(zip(self.filters, values, strict=True)):
            for value in folded:
                hashes.update(_hashes(kind, found.match, value))
        self.pending.extend(hashed << 32 | number for hashed in hashes)

    def values_of(self, number: int) -> list[tuple[str, ...]]:
        """Key ``number``'s values, folded, a tuple per filter (empty where it has none)."""
        if number >= len(self.state) or self.state[number] == _NONE:
            return [() for _ in self.filters]
        return _decode(self.blob[self.starts[number] : self.ends[number]], len(self.filters))

    def rankers(
        self, wanted: Sequence[tuple[int, str]]
    ) -> list[tuple[int, Callable[[Sequence[str]], int | None]]]:
        """Each ``(filter number, text)`` of ``wanted`` with its ranker, the text read once."""
        return [(kind, self.filters[kind]._ranker(text)) for kind, text in wanted]  # noqa: SLF001

    def ranks(
        self, number: int, rankers: Sequence[tuple[int, Callable[[Sequence[str]], int | None]]]
    ) -> tuple[int | None, ...] | None:
        """How key ``number``'s values meet each of ``rankers``; None: varied, check its spells."""
        if self.varied(number):
            return None
        values = self.values_of(number)
        return tuple(rank(values[kind]) for kind, rank in rankers)

    def varied(self, number: int) -> bool:
        """Whether key ``number``'s facts give the filters other values: check its spells."""
        return number < len(self.state) and self.state[number] == _VARIED

    def flush(self) -> None:
        """Merge the postings taken since the last flush into the runs."""
        if not self.pending:
            return
        self.recent = array("q", sorted([*self.recent, *self.pending]))
        self.pending = []
        if len(self.recent) > max(4096, len(self.main) // 4):
            self.main = array("q", sorted([*self.main, *self.recent]))
            self.recent = array("q")

    def find_all(self, wanted: Sequence[tuple[int, str]]) -> set[int]:
        """The keys that may match every ``(filter number, text)`` of ``wanted`` (a superset).

        Each text's terms are looked up in the postings, the rarest first;
        a term many times commoner than the keys found so far is not read
        (the keys are checked against their values afterwards anyway).
        """
        self.flush()
        spans: list[tuple[int, int, int, array[int]]] = []
        for kind, text in wanted:
            terms = self.filters[kind]._wanted(text)  # noqa: SLF001 -- this module's
            if not terms:
                return set()  # a text with no words matches nothing
            for term in terms:
                hashed = _term_hash(kind, term)
                for run in (self.main, self.recent):
                    low = bisect.bisect_left(run, hashed << 32)
                    high = bisect.bisect_left(run, (hashed + 1) << 32, low)
                    spans.append((hashed, low, high, run))
        by_term: dict[int, list[tuple[int, int, array[int]]]] = {}
        for hashed, low, high, run in spans:
            by_term.setdefault(hashed, []).append((low, high, run))
        sizes = sorted(
            (sum(high - low for low, high, _ in parts), hashed) for hashed, parts in by_term.items()
        )
        found: set[int] | None = None
        for size, hashed in sizes:
            if found is not None and size > 8 * len(found):
                break
            keys = {entry & _LOW for low, high, run in by_term[hashed] for entry in run[low:high]}
            found = keys if found is None else found & keys
            if not found:
                return set()
        return found or set()

    def reordered(self, order: Sequence[int], new_key: Sequence[int]) -> _Names:
        """The same names with keys renumbered: key ``order[n]`` is now ``n``."""
        self.flush()
        made = _Names(self.filters)
        count = len(self.state)
        made.starts = array("q", (self.starts[old] if old < count else 0 for old in order))
        made.ends = array("q", (self.ends[old] if old < count else 0 for old in order))
        made.state = bytearray(self.state[old] if old < count else _NONE for old in order)
        made.blob = self.blob
        high = ~_LOW
        made.main = array(
            "q",
            sorted(
                (entry & high) | new_key[entry & _LOW]
                for run in (self.main, self.recent)
                for entry in run
            ),
        )
        return made

    def arrays(self) -> list[tuple[str, array[int]]]:
        """The columns to save, by name (after a flush: nothing pending)."""
        self.flush()
        return [
            ("name starts", self.starts),
            ("name ends", self.ends),
            ("name postings", array("q", sorted([*self.main, *self.recent]))),
        ]

    @classmethod
    def load(
        cls, filters: Sequence[Filter], columns: Mapping[str, array[int]], blobs: Sequence[bytes]
    ) -> _Names:
        """The names saved as :meth:`arrays` and ``blobs`` (values, states) gave them."""
        made = cls(filters)
        if not made.filters:
            return made
        made.starts = columns["name starts"]
        made.ends = columns["name ends"]
        made.main = columns["name postings"]
        made.blob = bytearray(blobs[0])
        made.state = bytearray(blobs[1])
        if not len(made.starts) == len(made.ends) == len(made.state):
            raise ValueError("its name columns differ in length")
        return made
