"""Temporal facts: keyed facts that hold over intervals, answered from an index.

A fact (a sanction on a target, an embargo, a mandate) starts, may be
amended, and ends. Its *spells* -- the periods it holds -- are rebuilt per key
whenever a record about that key arrives or is retracted, and filed in
interval indexes by valid time. Because the log is append-only and known
times never go backwards, a key's earlier versions never change: each
catch-up only closes the key's current version and files the new one, so
questions at any known time are answered from the indexes, not by replaying.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import operator
import sys
import uuid
import warnings
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

import pendulum

from timeline._answer import Answer
from timeline._codec import (
    GENESIS_HASH,
    canonical_json,
    parse_known_at,
)
from timeline._collector import paused_collector, release_freed_memory
from timeline._corrections import Corrected, Retracted, hidden_ids
from timeline._errors import StoreError, UnknownEventTypeError
from timeline._extras import feature
from timeline._log import own_store
from timeline._logger import logger
from timeline._projection import SnapshotIgnoredWarning, marked_methods
from timeline._records import FIRST_POSITION, Record, StoredRecord
from timeline.stores._snapshots import STATE_FORMAT, seal_problem
from timeline.stores._sqlite import RawRecord
from timeline.time import (
    EAST,
    FLOATING,
    DateSet,
    End,
    Moment,
    Question,
    QuestionLike,
    to_instant,
)
from timeline.time import micros as _micros
from timeline.typing import StateStore

from ._answers import (
    History,
    Hit,
    InForce,
    SavedAnswer,
    Transition,
)
from ._intervals import IntervalSet, taker
from ._keys import _SETS, _inverse, _Keys, _sets_of
from ._lanes import (
    _DECODE,
    _SKIP,
    _Batch,
    _FieldLane,
    _Read,
    _simple,
    _Valid,
    _valid_parts,
)
from ._rows import (
    _ALL_FLOATING,
    _ALL_ZONED,
    _FAR,
    _FLOATING_END,
    _FLOATING_START,
    _NEVER,
    _answer_row,
    _Asked,
    _bound_meets,
    _bounds,
    _digest,
    _ends_of_row,
    _falls,
    _floating,
    _known_time,
    _row_answer,
    _Rows,
    _spell_at,
    _turning,
)
from ._rules import (
    Change,
    FieldRule,
    _Role,
    amends,
    ends,
    starts,
)
from ._spells import (
    Conflict,
    Spell,
    _build_spells,
)

if TYPE_CHECKING:
    from timeline._log import Log
    from timeline.plot import TimelinePicture

__all__ = [
    "Change",
    "Conflict",
    "FieldRule",
    "History",
    "Hit",
    "InForce",
    "SavedAnswer",
    "Spell",
    "TemporalFacts",
    "Transition",
    "amends",
    "ends",
    "starts",
]

_logger = logger
#: The array types a saved state may hold, and the largest part it is cut in.
_TYPECODES = frozenset("bilq")
_PART = 64 << 20
#: File new keys' simple spells without building them (False: always the general way).
_SIMPLE = True
_FIX_TYPES = (Retracted, Corrected)


#: Compact once this many rows (or a quarter more than were compacted) are out of order.
_COMPACT = 10_000
# A catch-up that read this many records gives the memory it freed back to the
# system (see release_freed_memory): a first build, not a follower's step.
_RELEASE_AFTER = 1 << 16
#: Records read in one catch-up are kept for refiling until there are this many.
_RECENT = 10_000


class TemporalFacts:
    """Keyed facts that hold over intervals, kept up to date with a log.

    Subclass it and mark methods with :func:`starts`, :func:`amends` and
    :func:`ends`; each takes a record and returns a :class:`Change` (or just
    a key). Where the key and attributes are event fields, assign a
    :class:`FieldRule` instead (``lifted = ends(Lifted, key="target")``):
    on SQL stores a catch-up then reads only those fields. Then
    :meth:`catch_up` and ask.

    Reconciliation rule, when sources disagree about one key: every record is
    kept. A start while the fact is already in force is a further source for
    the same spell; where it gives an attribute another value, the value of
    the earliest record (valid-time order, then position) is used and the
    others are listed in :attr:`Spell.conflicts`. Where the sources give the
    spell different starts (or ends), those are listed there too, and the
    spell's start (end) is one of them, not known which -- a one-of
    :class:`~timeline.DateSet` -- so it is surely in force only from the
    latest start and until the earliest end, and maybe from the earliest
    start and until the latest end. An amendment replaces
    values from its valid time on. An end closes the spell in force; a later
    end of a closed spell is kept among its records. An amendment or end with
    nothing in force is listed in :meth:`unmatched`.

    The index holds integers in flat arrays, not objects: per spell its
    bounds and known times, per record its position. Records, spells and
    hits are read back from the log when a caller looks at them. Handlers
    must be pure functions of the record: they run again when a record is
    read back.

    The index can be saved in the log's store (:meth:`save_snapshot`) and
    a later process can start from it (:meth:`from_snapshot`), reading only
    the records appended since.

    Args:
        log: The log to follow.
    """

    #: Raise when handlers change meaning: a saved state of another version is not used.
    version: ClassVar[int] = 1
    _rules: ClassVar[dict[type[Any], tuple[_Role, str]]] = {}
    _fields: ClassVar[dict[type[Any], FieldRule]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._rules = {
            event_type: (role, name)
            for name, (role, event_types) in marked_methods(cls, "__timeline_fact__")
            for event_type in event_types
        }
        rules = {event_type: getattr(cls, name) for event_type, (_, name) in cls._rules.items()}
        cls._fields = {kind: rule for kind, rule in rules.items() if isinstance(rule, FieldRule)}

    def __init__(self, log: Log) -> None:
        self.log = log
        self._position = FIRST_POSITION - 1
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
        self._current = 0  # rows current now
        # Rows below this number are numbered in key order (see _compact): the
        # order of an answer is then the order of its row numbers.
        self._sorted_rows = 0
        # Retractions and corrections: (position, known time, fix id, target id).
        self._fixes: list[tuple[int, int, uuid.UUID, uuid.UUID]] = []
        self._hidden: set[uuid.UUID] = set()
        self._sets = {name: IntervalSet() for name in _SETS}
        self._filing = True  # rows are filed in the sets as they come (see catch_up)
        # Records read in this catch-up, by position, with what the handler made of them.
        self._recent: dict[int, tuple[_Role, Change, Record]] = {}
        self._head = GENESIS_HASH  # the hash of the record at _position

    def __repr__(self) -> str:
        return f"<{type(self).__name__} read to position {self._position} of {self.log!r}>"

    @classmethod
    def name(cls) -> str:
        """The name its state is saved under: the class's module and qualname."""
        return f"{cls.__module__}.{cls.__qualname__}"

    # -- reading the log ---------------------------------------------------------

    @property
    def position(self) -> int:
        """The last log position read."""
        return self._position

    def catch_up(self) -> int:
        """Read the records appended since the last call; return how many were read."""
        read = 0
        # A long catch-up (a first build) files its rows in the columns only,
        # and makes the interval sets from them once at the end: filing each
        # row in them on the way costs several times as much.
        coming = self.log.last_position - self._position
        self._filing = coming <= max(_COMPACT, len(self._rows.key) // 4)
        if not self._filing:
            self._keys.start_pending()
        with paused_collector():  # the index makes no reference cycles
            try:
                pages = self._row_pages()
                read = self._read_records() if pages is None else self._read_rows(pages)
            finally:
                self._recent = {}
                if self._filing:
                    for intervals in self._sets.values():
                        intervals.flush()
                else:
                    self._filing = True
                    self._compact()  # which makes the sets from the rows
        if len(self._rows.key) - self._sorted_rows > max(_COMPACT, self._sorted_rows // 4):
            self._compact()
        if read >= _RELEASE_AFTER:
            release_freed_memory()
        if read:
            _logger.debug(
                "%s caught up: %d records, to position %d",
                type(self).__name__,
                read,
                self._position,
            )
        return read

    def _read_records(self) -> int:
        """Catch up through the store's records, batch by batch (a batch: one known time).

        Only records of the types a rule takes, and fixes, are decoded: a
        record of any other type (or of a type this process never imported)
        is passed over as stored.
        """
        read = 0
        batch = _Batch()
        last: StoredRecord | None = None
        wanted = self._wanted_types()
        decode = self.log._decode_stored  # noqa: SLF001 -- the log's reader, record by record
        for stored in self.log.store.read(self._position + 1):
            if last is not None and stored.known_at != last.known_at:
                self._absorb(batch, parse_known_at(last.known_at), last.position, last.hash)
                batch = _Batch()
            last = stored
            read += 1
            if stored.type in wanted and (record := decode(stored)) is not None:
                self._take_record(record, batch)
        if last is not None:
            self._absorb(batch, parse_known_at(last.known_at), last.position, last.hash)
        return read

    def _wanted_types(self) -> frozenset[str]:
        """The names of the types this index reads: those its rules take, and the fixes."""
        registry = self.log.registry
        return frozenset(
            entry.name for entry in registry if entry.cls in self._rules or entry.cls in _FIX_TYPES
        )

    def _row_pages(self) -> Iterator[list[RawRecord]] | None:
        """The stored rows from the next position, where the store hands them over as read.

        Only the library's own SQL stores do: None otherwise. Rows of types
        no rule takes are passed over there without being decoded.
        """
        if not own_store(self.log.store, "read"):
            return None
        pages: Callable[[int], Iterator[list[RawRecord]]]
        pages = self.log.store._read_pages  # type: ignore[attr-defined]  # noqa: SLF001 -- as the log reads them
        return pages(self._position + 1)

    def _read_rows(self, pages: Iterator[list[RawRecord]]) -> int:  # noqa: C901 -- a first build's hot loop, in one frame
        """Catch up from stored rows: field rules read their rows' fields, others go the long way.

        A row of a type no rule takes is skipped undecoded. A field rule's
        row is read by its :class:`_FieldLane`, without a Record. Any row
        that lane does not take, and every row of another rule or a fix, is
        decoded to a Record and taken as :meth:`_read_records` takes it.
        """
        codec = self.log.codec
        decode = self.log._decode_row  # noqa: SLF001 -- the log's reader, row by row
        lanes: dict[str, _FieldLane | str] = {}
        valids: dict[str, _Valid] = {}
        read = 0
        batch = _Batch()
        # Keys already numbered: all of them while a long catch-up keeps them in
        # a dict, else those of this batch.
        numbers = self._keys.pending if self._keys.pending is not None else batch.numbers
        last: RawRecord | None = None
        for page in pages:
            for row in page:
                if last is not None and row[2] != last[2]:
                    self._absorb(batch, parse_known_at(last[2]), last[0], last[6].hex())
                    batch = _Batch()
                    if self._keys.pending is None:
                        numbers = batch.numbers
                last = row
                read += 1
                lane = lanes.get(row[3])
                if lane is None:
                    lane = lanes[row[3]] = self._lane(row[3])
                if lane is _SKIP:
                    continue
                found = None if lane is _DECODE else lane.read(codec, row[5], valids)  # type: ignore[union-attr]
                if found is None:
                    if (record := decode(row)) is not None:
                        self._take_record(record, batch)
                    continue
                key, valid = found
                if key is None:
                    continue
                number = numbers.get(key)
                if number is None:
                    number = numbers[key] = self._key_number(key)
                before = self._slot(number, row[0], row[1][:8])
                item = (lane.role, row[0], valid)  # type: ignore[union-attr]
                batch.keep(number, before, item, batch.read, batch.fresh)
        if last is not None:
            self._absorb(batch, parse_known_at(last[2]), last[0], last[6].hex())
        return read

    def _lane(self, name: str) -> _FieldLane | str:
        """How rows of type ``name`` are read: skipped, decoded, or by a field rule's lane."""
        try:
            event_type = self.log.registry.lookup(name).cls
        except UnknownEventTypeError:
            return _SKIP  # no rule can take a type this process does not know
        if event_type in _FIX_TYPES:
            return _DECODE
        rule = self._fields.get(event_type)
        if rule is None:
            return _SKIP if event_type not in self._rules else _DECODE
        reader = self.log.codec.fields_reader(name)
        return _DECODE if reader is None else _FieldLane(rule, reader)

    def follow(self, *, idle: float | None = None) -> Iterator[int]:
        """Catch up now, then each time other appends arrive; yield the position reached.

        Ask your questions between steps: each answer is then current. Waits
        for the log without polling where its store can be woken (PostgreSQL;
        see :meth:`~timeline.Log.wait`). Ends once ``idle`` seconds pass with
        nothing new (None: follows until the caller stops).
        """
        self.catch_up()
        yield self._position
        while self.log.wait(self._position, timeout=idle) > self._position:
            self.catch_up()
            yield self._position

    def _change(self, record: Record) -> tuple[_Role, Change] | None:
        rule = self._rules.get(type(record.event))
        if rule is None:
            return None
        role, name = rule
        change = getattr(self, name)(record)
        if change is None:
            return None
        return role, change if isinstance(change, Change) else Change(str(change))

    def _find_key(self, key: str) -> int | None:
        """The number of ``key``; None if no record was about it."""
        return self._keys.find(key)

    def _key_number(self, key: str) -> int:
        """The number of ``key``, numbering it if it is new."""
        count = len(self._keys)
        number = self._keys.number(key)
        if number == count:  # a new key
            self._key_slot.append(-1)
            self._key_row.append(-1)
        return number

    def _absorb(self, batch: _Batch, known_at: dt.datetime, position: int, head: str) -> None:
        """File what a batch of records sharing one known time says; the last is at ``position``."""
        touched, fresh, fixes = batch.touched, batch.fresh, batch.fixes
        known = _micros(known_at)
        if fixes:
            self._fixes.extend((fix.position, known, fix.id, fix.event.record) for fix in fixes)
            hidden = hidden_ids((fix_id, target) for _, _, fix_id, target in self._fixes)
            touched.update(self._keys_of(hidden ^ self._hidden))
            self._hidden = hidden
        self._latest = known
        self._position = position
        self._head = head
        simple = {}
        if _SIMPLE and not fixes and not self._hidden:
            kept: list[tuple[int, str | None, list[_Read]]]
            kept = [(number, None, items) for number, items in batch.read.items()]
            for number, records in fresh.items():
                change = records[0][1]
                if len(records) <= 2 and all(
                    not other.every and other.fact == change.fact for _, other, _ in records
                ):
                    items = [(role, r.position, _valid_parts(r.valid)) for role, _, r in records]
                    kept.append((number, change.fact, items))
            for number, fact, items in kept:
                if (row := _simple(items)) is not None:
                    positions = [item[1] for item in items]
                    simple[number] = (*row, _digest(fact, row[1], row[2], positions))
        found_spells = self._spells(
            [n for n in touched if n not in simple], known=_NEVER, position=self._position
        )
        for number in sorted(touched):
            if number not in simple:
                self._refile(number, found_spells[number], known)
                continue
            self._file(number, *simple[number], known)
        if len(self._recent) > _RECENT:
            self._recent = {}

    def _take_record(self, record: Record, batch: _Batch) -> None:
        """Slot a record in its batch: a fix, or what a handler makes of it."""
        if type(record.event) in _FIX_TYPES:
            batch.fixes.append(record)
            return
        found = self._change(record)
        if found is None:
            return
        item = self._take_change(*found, record, record.id.bytes[:8], batch)
        self._recent[record.position] = item

    def _take_change(
        self, role: _Role, change: Change, record: Record, prefix: bytes, batch: _Batch
    ) -> tuple[_Role, Change, Any]:
        """Slot what a record says of a fact: its key is touched; a new key's records are kept."""
        number = self._key_number(change.key)
        previous = self._slot(number, record.position, prefix)
        item = (role, change, record)
        batch.keep(number, previous, item, batch.fresh, batch.read)
        return item

    def _slot(self, number: int, position: int, prefix: bytes) -> int:
        """Slot key ``number``'s record at ``position`` (id begins ``prefix``); the slot before."""
        previous = self._key_slot[number]
        self._slot_position.append(position)
        self._slot_previous.append(previous)
        self._slot_ids += prefix
        self._key_slot[number] = len(self._slot_position) - 1
        return previous

    def _keys_of(self, ids: Iterable[uuid.UUID]) -> set[int]:
        """The keys of the records with these ids, among those a handler kept."""
        positions = []
        for record_id in ids:
            prefix = record_id.bytes[:8]
            at = self._slot_ids.find(prefix)
            while at != -1:
                if at % 8 == 0:
                    positions.append(self._slot_position[at // 8])
                at = self._slot_ids.find(prefix, at + 1)
        wanted = set(ids)
        return {
            self._key_number(found[1].key)
            for found, record in self._read(positions)
            if found is not None and record.id in wanted
        }

    def _read(self, positions: Iterable[int]) -> list[tuple[tuple[_Role, Change] | None, Record]]:
        """The records at ``positions`` with what the handlers make of them."""
        out: list[tuple[tuple[_Role, Change] | None, Record]] = []
        missing = []
        for position in positions:
            found = self._recent.get(position)
            if found is None:
                missing.append(position)
            else:
                out.append(((found[0], found[1]), found[2]))
        if missing:
            out.extend((self._change(record), record) for record in self.log._at(missing))  # noqa: SLF001 -- the log's reader by position
        return out

    def _spells_of_keys(
        self, keys: Iterable[str], *, known: int, position: int
    ) -> dict[str, tuple[Spell, ...]]:
        """:meth:`_spells` by key; a key no record was about has none."""
        numbers = {key: self._find_key(key) for key in keys}
        found = self._spells(
            [n for n in numbers.values() if n is not None], known=known, position=position
        )
        return {key: () if n is None else found[n] for key, n in numbers.items()}

    def _spells(
        self, numbers: Iterable[int], *, known: int, position: int
    ) -> dict[int, tuple[Spell, ...]]:
        """Build the spells of keys ``numbers`` from their records, as known at ``known``.

        Only records up to ``position`` count, and retractions and
        corrections up to it and known by ``known``.
        """
        numbers = list(numbers)
        owner = {
            at: number for number in numbers for at in self._positions_of(number) if at <= position
        }
        if known >= self._latest and position >= self._position:
            hidden = self._hidden
        else:
            hidden = hidden_ids(
                (fix, target)
                for at, fix_known, fix, target in self._fixes
                if at <= position and fix_known <= known
            )
        items: dict[int, list[tuple[_Role, Change, Record]]] = {n: [] for n in numbers}
        for found, record in self._read(owner):
            if found is None or record.id in hidden:
                continue
            if known < self._latest and _micros(record.known_at) > known:
                continue
            items[owner[record.position]].append((*found, record))
        return {n: _build_spells(self._keys[n], items[n]) for n in numbers}

    def _positions_of(self, number: int) -> Iterator[int]:
        """The positions of key ``number``'s records, newest first."""
        slot = self._key_slot[number]
        while slot >= 0:
            yield self._slot_position[slot]
            slot = self._slot_previous[slot]

    def _rows_of(self, number: int) -> Iterator[int]:
        row = self._key_row[number]
        while row >= 0:
            yield row
            row = self._rows.previous[row]

    def _refile(self, number: int, spells: tuple[Spell, ...], now: int) -> None:
        """Close the key's rows whose spell changed and file the new spells, from ``now``."""
        rows = self._rows
        bounds = [_bounds(spell) for spell in spells]
        signatures = [
            _digest(
                spell.fact,
                bound,
                not isinstance(spell.end, End),
                [record.position for record in spell.records],
            )
            for spell, bound in zip(spells, bounds, strict=True)
        ]
        current = {
            rows.signature[row]: row
            for row in self._rows_of(number)
            if rows.known_to[row] == _NEVER
        }
        for signature, row in current.items():
            if signature not in signatures:
                self._close(row, now)
        for spell, bound, signature in zip(spells, bounds, signatures, strict=True):
            if signature not in current:
                first = spell.records[0].position
                has_end = not isinstance(spell.end, End)
                floating = _floating(spell.extent)
                self._file(number, first, bound, has_end, floating, signature, now)

    def _file(  # noqa: PLR0917 -- a row's columns, in order (called per new spell)
        self,
        number: int,
        first: int,
        bounds: tuple[int, int, int, int],
        has_end: bool,  # noqa: FBT001
        floating: int,
        signature: int,
        now: int,
        /,
    ) -> None:
        rows = self._rows
        row = len(rows.key)
        start_earliest, start_last, end_earliest, end_last = bounds
        rows.key.append(number)
        rows.first.append(first)
        rows.start_earliest.append(start_earliest)
        rows.start_last.append(start_last)
        rows.end_earliest.append(end_earliest)
        rows.end_last.append(end_last)
        rows.has_end.append(has_end)
        rows.floating.append(floating)
        self._flags |= 1 << floating
        rows.known_from.append(now)
        rows.known_to.append(_NEVER)
        rows.signature.append(signature)
        rows.previous.append(self._key_row[number])
        self._key_row[number] = row
        self._current += 1
        if not self._filing:
            return
        sets = self._sets
        sets["spans"].add(start_earliest, end_last, row)
        sets["starts"].add(start_earliest, start_last + 1, row)
        if has_end:
            sets["ends"].add(end_earliest, end_last + 1, row)

    def _intervals(self, row: int) -> list[tuple[str, int, int]]:
        """Where a row is filed: spans, starts and (if it has an end) ends."""
        rows = self._rows
        start, end = rows.start_earliest[row], rows.end_last[row]
        found = [
            ("spans", start, end),
            ("starts", start, rows.start_last[row] + 1),
        ]
        if rows.has_end[row]:
            found.append(("ends", rows.end_earliest[row], end + 1))
        return [(name, low, high) for name, low, high in found if low < high]

    def _close(self, row: int, now: int) -> None:
        self._rows.known_to[row] = now
        self._current -= 1
        if not self._filing:
            return
        for name, low, high in self._intervals(row):
            self._sets[name].remove(row)
            if self._rows.known_from[row] < now:
                self._sets[f"past {name}"].add(low, high, row)

    def _compact(self) -> None:
        """Number keys in key order and rows in (key, first record) order.

        Questions then put an answer in key order by sorting row numbers.
        New arrays replace the old, which answers already given keep.
        """
        keys = self._keys
        # The keys below _sorted_keys are in order already, and the others are
        # sorted, then merged with them. By their UTF-8 (lone surrogates too):
        # its bytes sort as the code points they write.
        # The sort finds the sorted run of the first and merges the others in.
        texts = keys.texts(range(len(keys)))
        key_order = array("i", sorted(range(len(keys)), key=texts.__getitem__))
        del texts
        new_key = _inverse(key_order)
        old_rows = self._rows
        count = len(old_rows.key)
        shifted = map(
            operator.lshift, map(new_key.__getitem__, old_rows.key), itertools.repeat(64, count)
        )
        packed = list(map(operator.or_, shifted, old_rows.first))  # (key, first record)
        row_order = sorted(range(count), key=packed.__getitem__)
        del packed
        # A row's new number; -1 (the last, added) stays -1: "none".
        new_row = _inverse(row_order) + array("i", [-1])
        take = taker(row_order)
        rows = _Rows()
        for name in _Rows.NAMES:
            column = getattr(old_rows, name)
            setattr(rows, name, array(column.typecode, take(column)))
        rows.key = array("i", map(new_key.__getitem__, rows.key))
        rows.previous = array("i", map(new_row.__getitem__, rows.previous))
        self._rows = rows
        self._keys = keys.reordered(key_order)
        self._sorted_keys = len(keys)
        take = taker(key_order)
        self._key_slot = array("q", take(self._key_slot))
        self._key_row = array("i", map(new_row.__getitem__, take(self._key_row)))
        self._sets = _sets_of(rows)
        self._sorted_rows = count

    # -- saving ------------------------------------------------------------------

    def save_snapshot(self) -> bool:
        """Catch up, then save the index in the log's store, beside the log.

        It is saved under :meth:`name` with :attr:`version`, the position and
        head hash it was built at, and a SHA-256 of its bytes; it replaces the
        state saved before, in one transaction. Should another process have
        saved a state as far along or further, that one is kept.

        Returns:
            Whether it was written (False also when the store keeps no
            states: a JSON Lines store does not).
        """
        self.catch_up()
        store = self.log.store
        if not isinstance(store, StateStore):
            return False
        if self._sorted_rows < len(self._rows.key) or self._sorted_keys < len(self._keys):
            self._compact()
        meta, parts = self._dump()
        with_rows = getattr(store, "save_state_and_rows", None)
        if with_rows is not None:  # a server that answers from the rows too (PostgreSQL)
            return bool(with_rows(self.name(), self._position, meta, parts, self._row_tuples()))
        return store.save_state(self.name(), self._position, meta, parts)

    def _row_tuples(self) -> Iterator[tuple[Any, ...]]:
        """Every row filed, as a server keeps it (see :meth:`answer_from`)."""
        rows, keys = self._rows, self._keys
        return zip(
            map(keys.__getitem__, rows.key),
            rows.first,
            rows.start_earliest,
            rows.start_last,
            rows.end_earliest,
            rows.end_last,
            rows.floating,
            rows.known_from,
            rows.known_to,
            strict=True,
        )

    @classmethod
    def answer_from(
        cls, store: object, valid: QuestionLike, *, known: dt.datetime | str | None = None
    ) -> SavedAnswer:
        """Answer "in force at ``valid`` as known at ``known``" from the rows saved in ``store``.

        For a store that answers on the server (:class:`~timeline.stores.PostgresStore`):
        the rows the last :meth:`save_snapshot` wrote are searched there, so
        neither the log nor the index is read into memory. The answer is as
        of the position they were saved at -- :attr:`SavedAnswer.behind`
        says how many records the log has gained since; a follower that
        saves after catching up (:meth:`follow`) keeps it current.

        Raises:
            StoreError: ``store`` keeps no such rows, none were saved for this
                class, or they were saved by another version of it.
        """
        query = getattr(store, "fact_answers", None)
        if query is None:
            raise StoreError(f"{store!r} does not answer from saved rows: use TemporalFacts.at")
        asked = Question.of(valid)
        limit = _NEVER - 1 if known is None else _micros(to_instant(known))
        flags = _ALL_FLOATING if asked.floating else _ALL_ZONED
        question = (asked.low, max(asked.high, asked.low), asked.exact, flags)
        # Rows floating where the question is not may meet it within 14 hours either way.
        found = query(cls.name(), question, limit, EAST)
        if found is None:
            raise StoreError(f"{store!r} holds no saved {cls.name()}: save_snapshot() first")
        position, head, text, plain, others = found
        meta = json.loads(text)
        if meta.get("format") != STATE_FORMAT or meta.get("version") != cls.version:
            raise StoreError(
                f"{store!r}: the saved {cls.name()} is of another version: rebuild it "
                "(save_snapshot() after a fresh build, or `timeline rebuild`)"
            )
        answered = (Answer.MAYBE, Answer.YES)  # by whether the server found it sure
        answers: list[tuple[str, int, Answer]] = [
            (key, first, answered[surely]) for key, first, surely in plain
        ]
        for key, first, start_low, start_top, end_low, end_top, row_flags, _, _ in others:
            answer = _answer_row((start_low, start_top, end_low, end_top), row_flags, asked)
            if answer is not Answer.NO:
                answers.append((key, first, answer))
        answers.sort()
        return SavedAnswer(position, head - position, answers)

    def _dump(self) -> tuple[str, list[bytes]]:
        keys = self._keys.packed()
        arrays: list[tuple[str, array[int]]] = [
            ("key ends", keys.ends),
            ("key hashes", keys.hashes),
            ("key by hash", keys.by_hash),
            ("key slot", self._key_slot),
            ("key row", self._key_row),
            ("slot position", self._slot_position),
            ("slot previous", self._slot_previous),
            *(
                (f"row {name}", column)
                for name, column in zip(_Rows.NAMES, self._rows.columns(), strict=True)
            ),
        ]
        layouts = {}
        for name, intervals in self._sets.items():
            layout, columns = intervals.dump()
            layouts[name] = layout
            arrays.extend((f"{name} {n}", column) for n, column in enumerate(columns))
        blobs = [
            bytes(self._slot_ids),
            bytes(keys.blob),
            json.dumps(
                [[at, known, fix.hex, target.hex] for at, known, fix, target in self._fixes]
            ).encode(),
        ]
        # Each array and blob in parts of its own (cut where items end), so that
        # loading copies each part once, straight into its array.
        parts: list[bytes] = []
        digest = hashlib.sha256()

        def cut(data: bytes, item: int) -> int:
            step = _PART - _PART % item
            pieces = [data[at : at + step] for at in range(0, len(data), step)] or [b""]
            for piece in pieces:
                digest.update(piece)
            parts.extend(pieces)
            return len(pieces)

        described = [
            [name, column.typecode, len(column), cut(column.tobytes(), column.itemsize)]
            for name, column in arrays
        ]
        blob_parts = [[len(blob), cut(blob, 1)] for blob in blobs]
        meta = {
            "format": STATE_FORMAT,
            "name": self.name(),
            "version": self.version,
            "position": self._position,
            "head": self._head,
            "latest": self._latest,
            "current": self._current,
            "sorted_rows": self._sorted_rows,
            "sorted_keys": self._sorted_keys,
            "byteorder": sys.byteorder,
            "arrays": described,
            "blobs": blob_parts,
            "sets": layouts,
        }
        # The checksum covers the description too: a changed count or time there
        # would change answers as surely as a changed byte in the arrays.
        digest.update(canonical_json(meta).encode())
        meta["sha256"] = digest.hexdigest()
        return json.dumps(meta), parts

    @classmethod
    def from_snapshot(cls, log: Log) -> Self:
        """Start from the index saved in the log's store, if it can be trusted.

        The saved state is used only if its checksum matches its bytes, it
        was saved by this :attr:`version` of the class, and the log still
        holds, at its position, the record it was built on. Otherwise --
        with the reason logged to the ``timeline`` logger and given as a
        :class:`~timeline.SnapshotIgnoredWarning` -- it starts empty and
        builds from the log. Either way the next question catches up first,
        reading only what was appended since.
        """
        facts = cls(log)
        store = log.store
        found = store.load_state(cls.name()) if isinstance(store, StateStore) else None
        if found is None:
            return facts
        problem = facts._restore(*found)
        if problem is not None:
            facts = cls(log)
            message = f"saved state of {cls.name()} not used: {problem}; building from the log"
            _logger.warning(message)
            warnings.warn(message, SnapshotIgnoredWarning, stacklevel=2)
        return facts

    def _restore(self, position: int, text: str, parts: Iterable[bytes]) -> str | None:
        """Take a saved state; return why it cannot be used, or None once it is.

        The parts are hashed as they are loaded into arrays, one at a time;
        the arrays are used only once the whole state's checksum is right.
        """
        try:
            meta = json.loads(text)
            if not isinstance(meta, dict) or meta.get("format") != STATE_FORMAT:
                return "it was written by another version of the library"
            if meta["version"] != self.version:
                return f"it is of version {meta['version']}, not {self.version}"
            hashed = _Hashed(parts)
            columns, blobs = _unpack(meta, hashed)
            problem = seal_problem(self.log.store, position, meta, hashed.digest)
            if problem is not None:
                return problem
            self._load(meta, columns, blobs)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            return f"it cannot be read ({type(error).__name__}: {error})"
        return None

    def _load(
        self, meta: dict[str, Any], columns: dict[str, array[int]], blobs: list[bytes]
    ) -> None:
        self._key_slot = columns["key slot"]
        self._key_row = columns["key row"]
        self._slot_position = columns["slot position"]
        self._slot_previous = columns["slot previous"]
        for name in _Rows.NAMES:
            setattr(self._rows, name, columns[f"row {name}"])
        for name in _SETS:
            layout = meta["sets"][name]
            count = 3 * sum(len(classes) for classes in layout)
            self._sets[name] = IntervalSet.load(
                layout, [columns[f"{name} {n}"] for n in range(count)]
            )
        self._slot_ids = bytearray(blobs[0])
        self._keys = _Keys.of(
            blobs[1], columns["key ends"], columns["key hashes"], columns["key by hash"]
        )
        self._fixes = [
            (at, known, uuid.UUID(fix), uuid.UUID(target))
            for at, known, fix, target in json.loads(blobs[2])
        ]
        self._hidden = hidden_ids((fix, target) for _, _, fix, target in self._fixes)
        self._position = meta["position"]
        self._head = meta["head"]
        self._latest = meta["latest"]
        self._flags = sum(1 << flags for flags in set(self._rows.floating))
        self._current = meta["current"]
        self._sorted_rows = meta["sorted_rows"]
        self._sorted_keys = meta["sorted_keys"]
        if not (
            len(self._keys) == len(self._key_slot) == len(self._key_row)
            and len(self._slot_ids) == 8 * len(self._slot_position)
        ):
            raise ValueError("its columns differ in length")

    # -- questions -----------------------------------------------------------------

    def _known(self, known: dt.datetime | str | None) -> int:
        return _NEVER if known is None else _micros(to_instant(known))

    def _found(self, name: str, low: int, high: int, known: int) -> list[int]:
        """The rows of set ``name`` meeting ``[low, high)`` as known at ``known``."""
        found = self._sets[name].overlapping(low, high)
        if known >= self._latest:
            return found
        rows = self._rows
        known_from, known_to = rows.known_from, rows.known_to
        found = [row for row in found if known_from[row] <= known]
        found.extend(
            row
            for row in self._sets[f"past {name}"].overlapping(low, high)
            if known_from[row] <= known < known_to[row]
        )
        return found

    def _meeting(self, name: str, asked: Question, known: int) -> tuple[list[int], set[int]]:
        """The rows of set ``name`` that may meet ``asked`` (not *no*), as known at ``known``.

        Also the rows among them an offset may turn: floating where the
        question is not (or the other way round), with a bound within 14
        hours of the question's ends -- found by their starts and ends -- or
        floating at one end only. The others meet the question as written.
        """
        low, high = asked.low, asked.high
        if low >= high:
            return [], set()
        found = self._found(name, low, high, known)
        same = _ALL_FLOATING if asked.floating else _ALL_ZONED
        if not self._flags & ~(1 << same):  # every row meets it as written
            return found, set()
        rows = self._rows
        flags = rows.floating
        near: set[int] = set()
        bands = (
            [(low - _FAR, low + _FAR), (high - _FAR, high + _FAR)]
            if high - low > 2 * _FAR
            else [(low - _FAR, high + _FAR)]
        )
        for band_low, band_high in bands:
            for by in ("starts", "ends"):
                near.update(self._found(by, band_low, band_high, known))
        near = _turning(rows, near, same, low, high, ends=name == "ends")
        if self._flags & (1 << _FLOATING_START | 1 << _FLOATING_END):  # floating at one end
            near.update(row for row in found if flags[row] not in (_ALL_FLOATING, _ALL_ZONED))
        if not near:
            return found, near
        kept = [row for row in found if row not in near]
        if name == "spans":
            kept.extend(row for row in near if _row_answer(rows, row, asked) is not Answer.NO)
        else:
            kept.extend(
                row
                for row in near
                if _bound_meets(_ends_of_row(rows, row, name), asked) is not Answer.NO
            )
        return kept, near

    def at(self, valid: QuestionLike, *, known: dt.datetime | str | None = None) -> InForce:
        """Return the spells in force (yes or maybe) at ``valid``, as known at ``known``.

        Catches up with the log first. ``valid`` is read at its own precision
        (see :class:`~timeline.Question`): ``"2024-01"`` asks about the whole
        month -- yes for a spell surely in force at some instant of it -- and
        an aware datetime about one instant.

        Args:
            valid: The valid time V.
            known: The known time T; by default all that has been read.

        Returns:
            One :class:`Hit` per spell that is or may be in force, in key order.
        """
        self.catch_up()
        asked = Question.of(valid)
        limit = self._known(known)
        found = self._meeting("spans", asked, limit)
        return InForce._of_rows(_Asked(self, found, asked, limit))  # noqa: SLF001 -- this module's

    def during(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
        tz: str = FLOATING,
    ) -> InForce:
        """Return the spells in force (yes or maybe) at any time in ``[start, end)``.

        Catches up with the log first. ``start`` and ``end`` are instants (a
        date is its first instant; an exact EDTF date such as ``"-0050"`` too),
        in ``tz`` unless they carry a zone -- by default floating, local time
        somewhere (see :meth:`~timeline.Question.between`).
        """
        self.catch_up()
        asked = Question.between(start, end, tz=tz)
        limit = self._known(known)
        found = self._meeting("spans", asked, limit)
        return InForce._of_rows(_Asked(self, found, asked, limit))  # noqa: SLF001 -- this module's

    def changes(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
        tz: str = FLOATING,
    ) -> list[Transition]:
        """Return the spells that start or end (surely or maybe) within ``[start, end)``.

        A start the sources do not date (not known, or ``XXXX``: some year) is
        no change within a window: it may lie in any, and said nothing of this
        one. Catches up with the log first. ``start`` and ``end`` are read as
        :meth:`during` reads them, in ``tz``. An empty window (``end`` not
        after ``start``) holds no instant: nothing starts or ends in it.
        """
        self.catch_up()
        asked = Question.between(start, end, tz=tz)
        limit = self._known(known)
        rows = self._rows
        found: list[tuple[int, Literal["started", "ended"], Answer]] = []
        for name, kind in (("starts", "started"), ("ends", "ended")):
            meeting, near = self._meeting(name, asked, limit)
            for row in meeting:
                bounds = _ends_of_row(rows, row, name)
                # Through every offset where one may turn its answer, else as written.
                answer = _bound_meets(bounds, asked) if row in near else _falls(bounds, asked, 0)
                found.append((row, kind, answer))  # type: ignore[arg-type]
        spells = self._spells(
            {rows.key[row] for row, _, _ in found}, known=limit, position=self._position
        )
        transitions = [
            Transition(_spell_at(spells[rows.key[row]], rows.first[row]), kind, answer)
            for row, kind, answer in found
        ]
        # A start the sources do not date may lie in any window: not news of this one.
        transitions = [t for t in transitions if t.kind == "ended" or not _undated(t.spell.start)]
        return sorted(transitions, key=lambda t: (t.key, t.kind, t.spell.records[0].position))

    def history(self, key: str, *, known: dt.datetime | str | None = None) -> History:
        """Return the spells of ``key`` as known at ``known`` (by default, now).

        Catches up with the log first.
        """
        self.catch_up()
        return self._history(key, self._known(known))

    def _history(self, key: str, known: int) -> History:
        """The spells of ``key`` as known at ``known``, without catching up."""
        return History(self._spells_of_keys([key], known=known, position=self._position)[key])

    def versions(self, key: str) -> list[tuple[pendulum.DateTime, tuple[Spell, ...]]]:
        """Return how the history of ``key`` looked from each known time on (after catching up)."""
        self.catch_up()
        number = self._find_key(key)
        if number is None:
            return []
        positions = sorted(self._positions_of(number))
        known_times = {_micros(record.known_at) for _, record in self._read(positions)}
        first = min(known_times)
        known_times.update(fix_known for _, fix_known, _, _ in self._fixes if fix_known > first)
        found: list[tuple[pendulum.DateTime, tuple[Spell, ...]]] = []
        for known in sorted(known_times):
            spells = self._spells([number], known=known, position=self._position)[number]
            if not found or found[-1][1] != spells:
                found.append((_known_time(known), spells))
        return found

    def keys(self) -> list[str]:
        """Return every key seen, sorted (after catching up)."""
        self.catch_up()
        return sorted(self._keys)

    def plot(
        self,
        valid: QuestionLike | None = None,
        *,
        known: dt.datetime | str | None = None,
        keys: Sequence[str] | None = None,
        group_by: str | None = "authority",
        label_by: str | None = "target",
        page: int = 1,
        per_page: int = 40,  # timeline.plot.PER_PAGE
        title: str | None = None,
    ) -> TimelinePicture:
        """Draw the facts as known at ``known``, with a line at ``valid`` (the ``plot`` extra).

        A row per key, a bar per spell -- solid where it surely held, hatched
        where it may have -- and the log's other records as markers: see
        :func:`timeline.plot.draw`, which takes the same arguments.
        """
        draw: Callable[..., TimelinePicture] = feature("plot").draw
        return draw(
            self,
            valid=valid,
            known=known,
            keys=keys,
            group_by=group_by,
            label_by=label_by,
            page=page,
            per_page=per_page,
            title=title,
        )

    def unmatched(self, *, known: dt.datetime | str | None = None) -> list[Record]:
        """Return amendments and ends that found nothing in force, as known at ``known``.

        Catches up with the log first. It reads every record a handler kept:
        its cost grows with the log.
        """
        self.catch_up()
        limit = self._known(known)
        found = []
        numbers = list(range(len(self._keys)))
        for chunk in _chunks(numbers, 1024):
            spells = self._spells(chunk, known=limit, position=self._position)
            used = {r.id for number in chunk for spell in spells[number] for r in spell.records}
            positions = [at for number in chunk for at in self._positions_of(number)]
            for _, record in self._read(positions):
                if record.id in used or record.id in self._hidden:
                    continue
                if _micros(record.known_at) > limit:
                    continue
                found.append(record)
        return sorted(found, key=lambda record: record.position)

    def __len__(self) -> int:
        """How many spells there are, every key's, as known now (after catching up)."""
        self.catch_up()
        return self._current


def _undated(bound: Moment | DateSet | End) -> bool:
    """Whether a bound has no date at all: not known, or in a year none of whose digits is given."""
    if isinstance(bound, End):
        return bound is End.UNKNOWN
    return isinstance(bound, Moment) and bound.month is None and set(bound.year) == {"X"}


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Hashed:
    """The parts of a saved state, hashed (SHA-256) as they are read."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self.digest = hashlib.sha256()
        self._parts = iter(parts)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        part = next(self._parts)
        self.digest.update(part)
        return part


def _unpack(
    meta: dict[str, Any], parts: Iterator[bytes]
) -> tuple[dict[str, array[int]], list[bytes]]:
    """The arrays (by name) and blobs a saved state's parts hold, as its description says."""
    pieces = parts
    columns: dict[str, array[int]] = {}
    swap = meta["byteorder"] != sys.byteorder
    for name, typecode, length, count in meta["arrays"]:
        if typecode not in _TYPECODES:
            raise ValueError(f"an array of unknown type {typecode!r}")
        column = array(typecode)
        for _ in range(count):
            column.frombytes(_take(pieces))
        if len(column) != length:
            raise ValueError(f"its array {name!r} is not as long as its description says")
        if swap:
            column.byteswap()
        columns[name] = column
    blobs = []
    for size, count in meta["blobs"]:
        blobs.append(b"".join([_take(pieces) for _ in range(count)]))
        if len(blobs[-1]) != size:
            raise ValueError("a part is not as long as its description says")
    if next(pieces, None) is not None:
        raise ValueError("it has more parts than its description says")
    return columns, blobs


def _take(pieces: Iterator[bytes]) -> bytes:
    part = next(pieces, None)
    if part is None:
        raise ValueError("it has fewer parts than its description says")
    return part
