"""Rows without records: what a table row shows of each index row's spell, kept beside it.

A row of an answer's table (:func:`timeline.tables.rows`, the command's CSV and
JSON) is its spell's fact, from and until, sources, records, conflicts and
attributes. Reading those back means reading and decoding the spell's
records; so each index row keeps them, made when the row is filed (from the
spell, or -- for a new key's plain spell, filed without building one -- from
its records), as one msgpack item in a flat blob. An answer's rows are then
made from the index alone, and records are read only when asked for
(``hit.spell``, ``hit.spell.records``, ``hit.why()``).

A row whose spell cannot be kept so -- filed by a field rule's lane (which
reads no attributes), or holding a value msgpack does not hold (a lone
surrogate, a number beyond 64 bits) -- keeps none, and its table row is made
from its spell, the long way: the same row either way.
"""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import msgspec

from timeline.time import DateSet, End, Moment, ValidTime

from ._spells import Spell, sources_of
from ._tables import _json_safe

if TYPE_CHECKING:
    from timeline._records import Record

#: How the cells are kept, saved with an index: an index keeping them otherwise is rebuilt.
CELLS_FORMAT: Final = 1

#: An end of a spell: ``[text]`` where it is open or unknown (``..`` or empty), else
#: ``[EDTF, earliest, first after, floating]`` (microseconds, as :class:`Bounds` has them).
_End = list[Any]


class Cells(NamedTuple):
    """An index row's spell as its table row shows it (see :func:`timeline.tables.rows`)."""

    fact: str | None
    #: The position of the record whose id is the fact (a designation named by no one), or None.
    named: int | None
    start: _End
    end: _End
    sources: list[str]
    records: list[int]
    conflicts: list[str]
    attributes: dict[str, Any]


_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder(Cells).decode


#: The ends made lately, by end: answers' spells share their dates (a day of 25 years is one
#: of 9,000), and writing one as EDTF and finding its bounds costs more than a look-up.
_ENDS: dict[Moment | DateSet | End, _End] = {}
_ENDS_KEPT: Final = 1 << 14


def _end(end: Moment | DateSet | End) -> _End:
    made = _ENDS.get(end)
    if made is not None:
        return made
    if isinstance(end, End):
        made = [end.value]
    else:
        bounds = end.bounds()
        made = [str(end), bounds.low, bounds.high, bounds.floating]
    if len(_ENDS) >= _ENDS_KEPT:
        _ENDS.clear()
    _ENDS[end] = made
    return made


def _named(fact: str | None, records: Iterable[Record]) -> int | None:
    if fact is None or len(fact) != 36:  # no record's id
        return None
    try:
        named = uuid.UUID(fact)
    except ValueError:
        return None
    found = next((r for r in records if r.id == named), None)
    # The id as the record's own text: a fact "A0..." upper-cased names no record.
    return None if found is None or str(found.id) != fact else found.position


_PLAIN: Final = frozenset({str, int, bool, float, type(None)})


def _attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes as JSON values (as :func:`~timeline.tables.rows` gives them)."""
    plain = _PLAIN
    return {
        name: value if type(value) in plain else _json_safe(value)
        for name, value in attributes.items()
    }


def _encoded(cells: tuple[Any, ...]) -> bytes:
    try:
        return _ENCODE(cells)
    except Exception:  # noqa: BLE001 -- a value msgpack does not hold: the row keeps none
        return b""


def spell_cells(spell: Spell) -> bytes:
    """The cells of ``spell``, encoded; empty where a value cannot be kept."""
    return _encoded(
        (
            spell.fact,
            _named(spell.fact, spell.records),
            _end(spell.start),
            _end(spell.end),
            sources_of(spell),
            [record.position for record in spell.records],
            [conflict.attribute for conflict in spell.conflicts],
            _attributes(spell.attributes),
        )
    )


def plain_cells(
    fact: str | None,
    attributes: Mapping[str, Any],
    start: ValidTime,
    end: ValidTime | None,
    records: Sequence[Record],
) -> bytes:
    """The cells of a new key's plain spell, from its records: what :func:`spell_cells` gives.

    One start at the date ``start`` giving ``attributes``, perhaps ended at
    the date ``end`` (the spell :func:`~timeline.facts._lanes._simple` files
    without building it): no conflicts; its records in that order. Empty
    (none kept) for anything else.
    """
    if type(start) is not Moment or not (end is None or type(end) is Moment):
        return b""
    sources: list[str] = []
    for record in records:
        name = record.provenance.speaker or record.provenance.source or f"#{record.position}"
        if name not in sources:
            sources.append(name)
    return _encoded(
        (
            fact,
            _named(fact, records),
            _end(start),
            _end(End.OPEN if end is None else end),
            sources,
            [record.position for record in records],
            [],
            _attributes(attributes),
        )
    )


def decoded(data: bytes) -> Cells | None:
    """The cells encoded as ``data``; None for a row that keeps none."""
    return _DECODE(data) if data else None


class _Cells:
    """Every row's cells, encoded, in one blob: row ``n``'s end at ``ends[n]``.

    And the names of the attributes any row filed has had, in the order they
    came (those of rows that keep no cells too): the columns a table of any
    answer may need, known before its first row.

    Started from a saved index, the cells of its rows (the first ``base``)
    are read from the store when one is first needed (``loader``), not with
    the index: a question that makes no table row never reads them. Rows
    filed since are kept here meanwhile, numbered from ``base``. Should the
    saved cells not be usable, the saved rows keep none (their table rows
    are made from their spells).
    """

    __slots__ = ("base", "blob", "ends", "loader", "names", "size")

    def __init__(self) -> None:
        self.blob = bytearray()
        self.ends = array("q")
        self.names: dict[str, None] = {}
        self.base = 0
        self.size = 0  # the bytes of the saved rows' cells, not read yet
        self.loader: Callable[[], _Cells | None] | None = None

    @classmethod
    def later(
        cls, base: int, size: int, names: Iterable[str], loader: Callable[[], _Cells | None]
    ) -> _Cells:
        """The cells of ``base`` saved rows (``size`` bytes), read by ``loader`` when needed."""
        made = cls()
        made.base, made.size, made.loader = base, size, loader
        made.names = dict.fromkeys(names)
        return made

    def _ensure(self) -> None:
        """Read the saved rows' cells, and put those filed since after them."""
        loader, self.loader = self.loader, None
        assert loader is not None  # noqa: S101 -- called only while one is set
        saved = loader()
        if saved is None:  # unusable: the saved rows keep none
            saved = _Cells()
            saved.ends = array("q", bytes(8 * self.base))
        shift = len(saved.blob)
        saved.blob += self.blob
        saved.ends.extend(end + shift for end in self.ends)
        self.blob, self.ends, self.base, self.size = saved.blob, saved.ends, 0, 0

    def saved(self) -> _Cells:
        """These cells, every one read (to be saved)."""
        if self.loader is not None:
            self._ensure()
        return self

    def __len__(self) -> int:
        return self.base + len(self.ends)

    def note(self, attributes: Mapping[str, Any]) -> None:
        """Note the names of a filed spell's attributes."""
        names = self.names
        if not names.keys() >= attributes.keys():
            names.update(dict.fromkeys(attributes))

    def add(self, data: bytes) -> None:
        self.blob += data
        self.ends.append(len(self.blob))

    def get(self, row: int) -> bytes:
        if self.loader is not None:
            if row < self.base:
                self._ensure()
            else:
                row -= self.base
        ends = self.ends
        return bytes(self.blob[ends[row - 1] if row else 0 : ends[row]])

    def reordered(self, order: Sequence[int]) -> _Cells:
        """The same cells, row ``order[n]`` now row ``n``."""
        self.saved()
        made = _Cells()
        made.names = self.names
        blob, ends = self.blob, self.ends
        pieces = []
        total = 0
        new_ends = made.ends
        for old in order:
            start, stop = ends[old - 1] if old else 0, ends[old]
            pieces.append(blob[start:stop])
            total += stop - start
            new_ends.append(total)
        made.blob = bytearray().join(pieces)
        return made

    @classmethod
    def load(cls, columns: Mapping[str, array[int]], blob: bytes, names: list[str]) -> _Cells:
        """The cells saved as their ends (``columns["cell ends"]``), blob and attributes' names."""
        made = cls()
        made.ends = columns["cell ends"]
        made.blob = bytearray(blob)
        made.names = dict.fromkeys(names)
        if made.ends and made.ends[-1] != len(made.blob):
            raise ValueError("its cells and their ends disagree")
        return made
