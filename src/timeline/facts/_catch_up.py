"""Catching up: reading what the log appended since, by record or by stored row.

A long catch-up (a first build) files rows in the columns only and makes the
interval sets once at the end; records come in batches of one known time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from timeline._codec import parse_known_at
from timeline._collector import paused_collector
from timeline._corrections import Corrected, Retracted, hidden_ids
from timeline._errors import UnknownEventTypeError
from timeline._log import own_store
from timeline._logger import logger
from timeline._records import Record, StoredRecord
from timeline.stores._sqlite import RawRecord
from timeline.time import micros as _micros

from . import _tuning
from ._cells import plain_cells
from ._filing import _Filing
from ._lanes import _DECODE, _SKIP, _Batch, _FieldLane, _Read, _simple, _Valid, _valid_parts
from ._rows import _NEVER, _digest
from ._rules import Change, _Role

_logger = logger

_FIX_TYPES = (Retracted, Corrected)

#: A row as :meth:`_Filing._file` takes it, but for its key and known time: first position,
#: bounds, has an end, floating flags, digest, cells.
_Filed = tuple[int, tuple[int, int, int, int], bool, int, int, bytes]


class _CatchUp(_Filing):
    """Reading the log from the last position read: records, or rows for field rules."""

    def catch_up(self, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Read the records appended since the last call; return how many were read.

        Args:
            progress: Called as ``progress(read, coming)`` as records are read:
                how many so far, of how many there were to read.
        """
        read = 0
        self._progress = progress
        # A long catch-up (a first build) files its rows in the columns only,
        # and makes the interval sets from them once at the end: filing each
        # row in them on the way costs several times as much.
        self._from = self._position
        coming = self._coming = self.log.last_position - self._position
        self._filing = coming <= max(_tuning.COMPACT, len(self._rows.key) // 4)
        if not self._filing:
            self._keys.start_pending()
            self._unsaved = None  # most rows change: the next save writes them all
        with paused_collector():  # the index makes no reference cycles
            try:
                pages = self._row_pages()
                read = self._read_records() if pages is None else self._read_rows(pages)
            finally:
                self._names.flush()
                self._progress = None
                self._forget(-1, -1)
                if self._filing:
                    for intervals in self._sets.values():
                        intervals.flush()
                else:
                    self._filing = True
                    self._compact()  # which makes the sets from the rows
        if self._tail_is_long():
            self._compact()
        if progress is not None:
            progress(read, coming)
        if read >= _tuning.RELEASE_AFTER:
            _tuning.release_memory()
        if read:
            _logger.debug(
                "%s caught up: %d records, to position %d",
                type(self).__name__,
                read,
                self._position,
            )
        return read

    def _tail_is_long(self) -> bool:
        """Whether the rows (or keys) filed since the last compaction are worth compacting."""
        rows, keys = len(self._rows.key), len(self._keys)
        return rows - self._sorted_rows > max(
            _tuning.COMPACT, self._sorted_rows // 4
        ) or keys - self._sorted_keys > max(_tuning.COMPACT, self._sorted_keys // 4)

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
        valids: dict[tuple[str, str], _Valid] = {}
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
                if self._names.filters:  # a start here gives no filtered value (see _lane)
                    self._names.take(number, lane.role, Change(key))  # type: ignore[union-attr]
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
        if set(rule.values) & {name for found in self._names.filters for name in found.attributes}:
            return _DECODE  # its values are filtered: the long way notes them
        reader = self.log.codec.fields_reader(name)
        return _DECODE if reader is None else _FieldLane(rule, reader, self._zoning)

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

    def _absorb(self, batch: _Batch, known_at: dt.datetime, position: int, head: str) -> None:
        """File what a batch of records sharing one known time says; the last is at ``position``."""
        if self._progress is not None:
            # Filing it and (for a long catch-up) the compaction are still to come.
            self._progress(min(position - self._from, self._coming) - 1, self._coming)
        touched, fixes = batch.touched, batch.fixes
        known = _micros(known_at)
        if fixes:
            self._fixes.extend((fix.position, known, fix.id, fix.event.record) for fix in fixes)
            hidden = hidden_ids((fix_id, target) for _, _, fix_id, target in self._fixes)
            touched.update(self._keys_of(hidden ^ self._hidden))
            self._hidden = hidden
        self._latest = known
        self._position = position
        self._head = head
        unsaved = self._unsaved
        if unsaved is not None:
            keys = self._keys
            unsaved.update(keys[number] for number in touched)
            if len(unsaved) > max(_tuning.COMPACT, len(keys) // 4):
                self._unsaved = None  # writing them all is as quick
        simple = (
            self._simple_rows(batch) if _tuning.SIMPLE and not fixes and not self._hidden else {}
        )
        found_spells = self._spells(
            [n for n in touched if n not in simple],
            known=_NEVER,
            position=self._position,
            made=self._made,
        )
        for number in sorted(touched):
            if number not in simple:
                self._refile(number, found_spells[number], known)
                continue
            self._file(number, *simple[number], known)
        self._forget(_tuning.RECENT, _tuning.MADE)

    def _simple_rows(self, batch: _Batch) -> dict[int, _Filed]:
        """The rows of the batch's new keys whose spells :func:`_simple` files unbuilt, by key.

        Each as :meth:`_file` takes it: first position, bounds, has an end,
        floating flags, digest and cells (none for a field rule's rows: its
        lane reads no attributes).
        """
        kept: list[tuple[int, str | None, list[_Read], list[tuple[_Role, Change, Record]]]]
        kept = [(number, None, items, []) for number, items in batch.read.items()]
        valid_of = self._zoning.valid
        for number, records in batch.fresh.items():
            change = records[0][1]
            if len(records) <= 2 and all(
                not other.every and other.fact == change.fact for _, other, _ in records
            ):
                items = [(role, r.position, _valid_parts(valid_of(r))) for role, _, r in records]
                kept.append((number, change.fact, items, records))
        simple: dict[int, _Filed] = {}
        for number, fact, items, records in kept:
            if (row := _simple(items)) is None:
                continue
            positions = [item[1] for item in items]
            cells = b""
            if records:
                attributes = records[0][1].attributes
                self._cells.note(attributes)
                cells = plain_cells(
                    fact,
                    attributes,
                    items[0][2][0],
                    items[1][2][0] if len(items) > 1 else None,
                    [record for _, _, record in records],
                )
            simple[number] = (*row, _digest(fact, row[1], row[2], positions), cells)
        return simple

    def _forget(self, records: int, spells: int) -> None:
        """Drop the records and spells kept for this catch-up, once there are more than these."""
        if len(self._recent) > records:
            self._recent = {}
        if len(self._made) > spells:
            self._made, self._signed = {}, {}

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
        if self._names.filters:
            self._names.take(number, role, change)
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
