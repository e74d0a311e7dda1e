"""The index's state: what a :class:`TemporalFacts` holds, in flat arrays.

Every array is flat and holds integers, so the index costs bytes per fact, not
objects.
"""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from timeline._codec import GENESIS_HASH
from timeline._records import FIRST_POSITION, Record
from timeline._reprs import fitted, html_table

from ._cells import _Cells
from ._filters import Filter, _Names
from ._intervals import IntervalSet
from ._keys import _SETS, _Keys
from ._rows import _Rows
from ._rules import Change, FieldRule, _Role
from ._spells import Made, Signed
from ._zones import NO_ZONES, _Zoning

if TYPE_CHECKING:
    from timeline._log import Log


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _State:
    """The state of a facts index: the key table, slots, rows, sets and fixes."""

    version: ClassVar[int]
    _rules: ClassVar[dict[type[Any], tuple[_Role, str]]] = {}
    _fields: ClassVar[dict[type[Any], FieldRule]] = {}
    _zoning: ClassVar[_Zoning] = NO_ZONES
    # The vocabulary's filters, by name, in the order their values are kept.
    _filter_items: ClassVar[tuple[tuple[str, Filter], ...]] = ()

    def __init__(self, log: Log) -> None:
        self.log = log
        self._position = FIRST_POSITION - 1
        # A catch-up under way: where it began, how many records it had to read, and
        # whom to tell as it goes.
        self._from = self._position
        self._coming = 0
        self._progress: Callable[[int, int], None] | None = None
        self._latest = 0  # the last known time read, in microseconds
        self._flags = 0  # bit 1 << f set once a row with floating flags f was filed
        self._keys = _Keys()
        # Keys below _sorted_keys are in sorted order (see _compact); those
        # numbered since are in the order they came.
        self._sorted_keys = 0
        self._key_slot = array("q")  # per key: its last slot, -1 for none
        self._key_row = array("i")  # per key: its last row, -1 for none
        self._slot_position = array("q")  # per slot (a record a handler kept): its position
        self._slot_previous = array("q")  # per slot: the key's slot before it
        self._slot_ids = bytearray()  # per slot: the first 8 bytes of the record's id
        self._rows = _Rows()
        self._cells = _Cells()  # per row: what its table row shows (see _cells)
        self._current = 0  # rows current now
        # Rows below this number are numbered in key order (see _compact): the
        # order of an answer is then the order of its row numbers.
        self._sorted_rows = 0
        # Retractions and corrections: (position, known time, fix id, target id).
        self._fixes: list[tuple[int, int, uuid.UUID, uuid.UUID]] = []
        self._hidden: set[uuid.UUID] = set()
        self._sets = {name: IntervalSet() for name in _SETS}
        self._filing = True  # rows are filed in the sets as they come (see catch_up)
        # Keys whose rows changed since the rows a server keeps were saved (see
        # save_snapshot): a save then writes only theirs. None while those rows are
        # unknown (a fresh build, a long catch-up): a save writes them all.
        self._unsaved: set[str] | None = None
        self._rows_saved_at = FIRST_POSITION - 1  # the position they were last known to match
        self._state_saved_at = FIRST_POSITION - 1  # where the state was saved or loaded
        # Records read in this catch-up, by position, with what the handler made of them.
        self._recent: dict[int, tuple[_Role, Change, Record]] = {}
        # Spells made in this catch-up, and their bounds and digests, by fact and records.
        self._made: Made = {}
        self._signed: Signed = {}
        self._head = GENESIS_HASH  # the hash of the record at _position
        # Per key, the values its facts give the filters, and postings to find keys by them.
        self._names = _Names([found for _, found in self._filter_items])

    def __repr__(self) -> str:
        return fitted(f"<{type(self).__name__} read to position {self._position} of {self.log!r}>")

    def _repr_html_(self) -> str:
        """A small table for notebooks: what it is, how far it has read, what it holds."""
        return html_table(
            [
                ("facts", self.name()),
                ("read to position", f"{self._position:,} of {self.log.last_position:,}"),
                ("keys", f"{len(self._keys):,}"),
                ("spell versions filed", f"{len(self._rows.key):,}"),
            ]
        )

    @classmethod
    def name(cls) -> str:
        """The name its state is saved under: the class's module and qualname."""
        return f"{cls.__module__}.{cls.__qualname__}"

    @property
    def position(self) -> int:
        """The last log position read."""
        return self._position
