"""Reading a log: records by position, type, subject or known time, decoded as read.

Every reader goes through one policy for a record it cannot decode (raise, naming the way out,
or skip with a warning), and skips records a retraction or correction fixed.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, overload

from timeline._codec import GENESIS_HASH, format_known_at
from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import RecordDecodeError, UndecodableRecordWarning
from timeline._records import (
    FIRST_POSITION,
    Head,
    Pin,
    Record,
    Records,
    StoredRecord,
    known_instant,
)
from timeline._renamed import renamed
from timeline._reprs import fitted, html_table, plural

from ._opened import OnUndecodable, RawRow, _Opened, _policy, own_store

_E = TypeVar("_E")


class _Reading(_Opened):
    """Reading a log: records by position, type, subject or known time, decoded as read."""

    @overload
    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Iterable[type[_E]],
        subject: str | None = None,
        known: dt.datetime | dt.date | str | None = None,
        on_undecodable: OnUndecodable | None = None,
    ) -> Reading[_E]: ...

    @overload
    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Iterable[type[Any] | str] | None = None,
        subject: str | None = None,
        known: dt.datetime | dt.date | str | None = None,
        on_undecodable: OnUndecodable | None = None,
    ) -> Reading[Any]: ...

    @renamed(known_at="known")
    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Iterable[type[Any] | str] | None = None,
        subject: str | None = None,
        known: dt.datetime | dt.date | str | None = None,
        on_undecodable: OnUndecodable | None = None,
    ) -> Reading[Any]:
        """Return the records in position order, read as they are iterated (a :class:`Reading`).

        A record that cannot be decoded (written by hand, by another program,
        or with a type this process reads differently) stops the read with
        :class:`~timeline.RecordDecodeError`, whose message names the way
        out; records a retraction or correction has fixed are skipped.

        Args:
            start: The first position to read.
            stop: Stop before this position.
            types: Only events of these classes (or type names).
            subject: Only records filed under this subject.
            known: Only what the log knew at this time: a prefix of the log (a
                known time as :func:`~timeline.known_instant` reads it).
            on_undecodable: ``"raise"`` or ``"skip"`` (with an
                :class:`~timeline.UndecodableRecordWarning` per record) for
                records that cannot be decoded; by default the log's own
                setting.

        Raises:
            RecordDecodeError: A stored record cannot be decoded.
        """
        policy = self._on_undecodable if on_undecodable is None else _policy(on_undecodable)
        names = None if types is None else {self._type_name(kind) for kind in types}
        if known is not None:
            cut = self.last_position_known_by(known) + 1
            stop = cut if stop is None else min(stop, cut)
        records = self._records(start, stop, names, subject, policy)
        return Reading(records, (self, start, stop, names, subject, known))

    def _records(
        self,
        start: int,
        stop: int | None,
        names: set[str] | None,
        subject: str | None,
        policy: OnUndecodable,
    ) -> Iterator[Record]:
        """The records :meth:`read` returns, decoded as they are reached."""
        # The library's own SQL stores hand over their rows as read, which the
        # codec decodes directly: the StoredRecord between them would cost a
        # third of a read.
        if own_store(self._store, "read"):
            decode = self._codec.decode_rows
            pages = self._store._read_pages  # type: ignore[attr-defined]  # noqa: SLF001
            for page in pages(start, stop=stop, types=names, subject=subject):
                try:
                    records = decode(page)
                except RecordDecodeError:
                    records = self._decode_each(page, policy)
                yield from records
            return
        for stored in self._store.read(start, stop=stop, types=names, subject=subject):
            try:
                yield self._codec.decode(stored)
            except RecordDecodeError as error:
                self._undecodable(error, uuid.UUID(stored.id), stored.type, policy)

    def _decode_each(self, page: Sequence[RawRow], policy: OnUndecodable) -> list[Record]:
        """A page of rows decoded one by one: those that cannot be, skipped or raised."""
        decoded = []
        for row in page:
            try:
                decoded.append(self._codec.decode_raw(row))
            except RecordDecodeError as error:
                self._undecodable(error, uuid.UUID(bytes=bytes(row[1])), row[3], policy)
        return decoded

    def _decode_row(self, row: RawRow) -> Record | None:
        """A row of the library's SQL stores decoded, as :meth:`read` decodes it; None: skipped."""
        try:
            return self._codec.decode_raw(row)
        except RecordDecodeError as error:
            record_id = uuid.UUID(bytes=bytes(row[1]))
            self._undecodable(error, record_id, row[3], self._on_undecodable)
            return None

    def _decode_stored(self, stored: StoredRecord) -> Record | None:
        """A stored record decoded, as :meth:`read` decodes it; None where it is skipped."""
        try:
            return self._codec.decode(stored)
        except RecordDecodeError as error:
            self._undecodable(error, uuid.UUID(stored.id), stored.type, self._on_undecodable)
            return None

    def _undecodable(
        self, error: RecordDecodeError, record_id: uuid.UUID, name: str, policy: OnUndecodable
    ) -> None:
        """Deal with a record that cannot be decoded: return to skip it, else raise.

        A record that a retraction or correction in the log has fixed is
        skipped by every reader: the fix is the way out of a record no reader
        can use. Any other is raised, or skipped with a warning when asked.
        """
        if record_id in self._fixed_ids():
            return
        position = error.position
        if policy == "skip":
            warnings.warn(
                UndecodableRecordWarning(f"skipped {error} ({name})", position=position),
                stacklevel=4,
            )
            return
        if name not in self.registry:
            way_out = (
                "import the module that declares it (the command line: --use MODULE), read "
                "only the types you need (types=...), or read with on_undecodable='skip'"
            )
        else:
            way_out = (
                f"retract it (log.retract({position}), which needs no decoding) or read with "
                "on_undecodable='skip'"
            )
        raise RecordDecodeError(position, f"{error.problem} ({name}); {way_out}") from None

    def _fixed_ids(self) -> set[uuid.UUID]:
        """The ids the log's retractions and corrections hide now (read only when needed)."""
        fixes: Iterator[Record] = self.read(types=[Retracted, Corrected], on_undecodable="raise")
        return hidden_ids(fixes_of(fixes))

    def _at(self, positions: Sequence[int]) -> list[Record]:
        """The records at ``positions`` (which must exist), in the order asked."""
        reader = getattr(self._store, "read_at", None)
        if reader is not None:
            stored = reader(positions)
        else:
            stored = [
                found
                for position in positions
                for found in self._store.read(position, stop=position + 1)
            ]
        return [self._codec.decode(record) for record in stored]

    def _type_name(self, kind: type[Any] | str) -> str:
        return kind if isinstance(kind, str) else self.registry.type_of(kind).name

    @renamed(known_at="known")
    def last_position_known_by(self, known: dt.datetime | dt.date | str) -> int:
        """Return the last position the log knew at ``known`` (0 if none)."""
        return self._store.last_known_by(format_known_at(known_instant(known)))

    def pin(self) -> Pin:
        """Return the current head as a :class:`~timeline.Pin`, to check the log against later.

        An empty log's pin is position 0 and the genesis hash.
        """
        head = self._store.head()
        if head is None:
            return Head(FIRST_POSITION - 1, "", GENESIS_HASH).pin
        return head.pin

    def wait(self, after: int, *, timeout: float | None = None, poll: float = 0.25) -> int:
        """Block until the log holds a record after position ``after``; return the last position.

        A store that can be woken (PostgreSQL: ``LISTEN``/``NOTIFY``) is waited
        on without polling; any other is polled every ``poll`` seconds. Returns
        at once if such a record is there already, and after ``timeout``
        seconds (None: never) with the last position as it is then.
        """
        waiter = getattr(self._store, "wait_for", None)
        if waiter is not None:
            return int(waiter(after, timeout=timeout))
        deadline = None if timeout is None else time.monotonic() + timeout
        while (last := self.last_position) <= after:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            time.sleep(poll if left is None else min(poll, left))
        return last

    def follow(self, after: int | None = None, *, idle: float | None = None) -> Iterator[Record]:
        """Yield the records appended after position ``after`` (default: the head now), as made.

        Other processes' appends are seen as they commit (see :meth:`wait`).
        The iterator ends once ``idle`` seconds pass with nothing new (None:
        it follows until the caller stops).

        >>> from timeline import Log, ManualClock
        >>> from timeline.events import Statement
        >>> log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
        >>> _ = log.append(Statement(speaker="a", text="one"), valid="2024")
        >>> [record.position for record in log.follow(0, idle=0)]
        [1]
        """
        position = self.last_position if after is None else after
        while True:
            new = None
            for new in self.read(position + 1):
                yield new
            if new is not None:
                position = new.position
                continue
            if self.wait(position, timeout=idle) <= position:
                return

    @property
    def last_position(self) -> int:
        """The position of the last record; 0 for an empty log."""
        head = self._store.head()
        return FIRST_POSITION - 1 if head is None else head.position

    def __len__(self) -> int:
        return self.last_position - FIRST_POSITION + 1

    def __iter__(self) -> Iterator[Record]:
        return self.read()

    @overload
    def __getitem__(self, position: int) -> Record: ...

    @overload
    def __getitem__(self, position: slice) -> list[Record]: ...

    def __getitem__(self, position: int | slice) -> Record | list[Record]:
        """Return the record at ``position`` (from 1; ``-1`` is the last), or a slice of them.

        ``log[3:6]`` holds the records at positions 3, 4 and 5; ``log[-2:]``
        the last two.

        Raises:
            IndexError: There is no record at ``position`` (0 is never one).
        """
        last = self.last_position
        if isinstance(position, slice):
            start, stop, step = position.start, position.stop, position.step
            first = FIRST_POSITION if start is None else start + last + 1 if start < 0 else start
            end = last + 1 if stop is None else stop + last + 1 if stop < 0 else stop
            chosen = list(self.read(max(first, FIRST_POSITION), stop=max(end, FIRST_POSITION)))
            return Records(chosen[:: step or 1])
        wanted = position + last + 1 if position < 0 else position
        if wanted >= FIRST_POSITION:
            for record in self.read(wanted, stop=wanted + 1):
                return record
        raise IndexError(f"no record at position {position} (the log has {len(self)})")

    def __repr__(self) -> str:
        return fitted(f"<Log of {plural(len(self), 'record')} in {self._store!r}>")

    def _repr_html_(self) -> str:
        """A small table for notebooks: the store, its records and head, the event types."""
        head = self._store.head()
        return html_table(
            [
                ("store", repr(self._store)),
                ("records", len(self)),
                ("last known at", "" if head is None else head.known_at),
                ("event types", len(self.registry)),
            ]
        )


class Reading(Iterator["Record[_E]"]):
    """Records being read from a log, as :meth:`Log.read` returns them: read as iterated.

    An iterator (once through, as a generator is) whose ``repr()`` says what
    was asked -- which log, from and before which position, which types,
    subject and known time -- instead of ``<generator object ...>``. Nothing
    is read until it is iterated; :meth:`close` lets go of the store's cursor
    when stopping early.
    """

    __slots__ = ("_asked", "_records")

    def __init__(self, records: Iterator[Record[_E]], asked: tuple[Any, ...]) -> None:
        self._records = records
        self._asked = asked  # said only when shown: a read is too common to spend on words

    def __iter__(self) -> Iterator[Record[_E]]:  # noqa: PYI034 -- the records' own iterator
        # A loop takes the records with no step of this class between them.
        return self._records

    def __next__(self) -> Record[_E]:
        return next(self._records)

    def close(self) -> None:
        """Stop reading: what is left is not read (as a generator's ``close()``)."""
        close = getattr(self._records, "close", None)
        if close is not None:
            close()

    def __repr__(self) -> str:
        log, start, stop, names, subject, known = self._asked
        asked = [f"from position {start}"]
        if stop is not None:
            asked.append(f"before {stop}")
        if names is not None:
            asked.append(f"of {', '.join(sorted(names))}")
        if subject is not None:
            asked.append(f"about {subject!r}")
        if known is not None:
            asked.append(f"as known at {known}")
        return fitted(f"<Reading {log!r}, {' '.join(asked)}>")
