"""The log: an append-only sequence of records over a store."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Self, TypeVar, overload

import attrs
import pendulum

from timeline._clock import SystemClock
from timeline._codec import (
    GENESIS_HASH,
    Codec,
    EncodedRow,
    format_known_at,
    parse_known_at,
    stored_record,
)
from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import (
    ConcurrencyError,
    KnownTimeError,
    RecordDecodeError,
    UndecodableRecordWarning,
)
from timeline._events import Registry, default_registry
from timeline._ids import random_ids
from timeline._records import (
    FIRST_POSITION,
    Entry,
    Head,
    Pin,
    Provenance,
    Record,
    Records,
    RecordStatus,
    StoredRecord,
    known_instant,
)
from timeline._retry import RETRY_FOR, backoff
from timeline.stores import MemoryStore, PostgresStore, SQLiteStore, open_store
from timeline.time import ValidTimeLike, to_instant
from timeline.typing import Clock, Store

__all__ = ["Log"]

_E = TypeVar("_E")


#: What a reader does with a record it cannot decode (see :class:`Log`).
OnUndecodable = Literal["raise", "skip"]

#: A row as the library's SQL stores hand it over (see :meth:`Codec.decode_raw`).
RawRow = tuple[int, bytes, str, str, str | None, str, bytes]


def _policy(value: object) -> OnUndecodable:
    if value not in ("raise", "skip"):
        raise ValueError(f"on_undecodable must be 'raise' or 'skip', not {value!r}")
    return value


class Log:
    """An append-only log of events, each with its valid time and provenance.

    Records are never changed or removed: mistakes are fixed by appending.
    Positions are contiguous from :data:`~timeline.FIRST_POSITION` (1); an
    empty log's last position is 0. Known times come from ``clock`` and never
    go backwards.

    Args:
        store: Where records live: a store, or a path or URL that
            :func:`~timeline.stores.open_store` opens (``"log.sqlite"``,
            ``"sqlite:///abs/log.sqlite"``); a new
            :class:`~timeline.stores.MemoryStore` by default.
        clock: Gives known times; the system clock by default.
        registry: The event types this log reads and writes.
        on_undecodable: What every reader of this log (:meth:`read`,
            projections, temporal facts) does with a record it cannot
            decode: ``"raise"`` (the default) a
            :class:`~timeline.RecordDecodeError` that names the way out, or
            ``"skip"`` it with an :class:`~timeline.UndecodableRecordWarning`.
            Either way, records that a retraction or correction fixed are
            skipped: :meth:`retract` is the way out of a bad record.

    >>> from timeline import ManualClock, Registry, event
    >>> registry = Registry()
    >>> @event("example.statement", registry=registry)
    ... class Statement:
    ...     text: str
    >>> log = Log(clock=ManualClock("2024-01-12T08:00:00Z"), registry=registry)
    >>> record = log.append(Statement(text="We will not hesitate"), valid="2024-01-11")
    >>> record.position, str(record.valid), record.known_at.isoformat()
    (1, '2024-01-11', '2024-01-12T08:00:00+00:00')
    """

    def __init__(
        self,
        store: Store | str | os.PathLike[str] | None = None,
        *,
        clock: Clock | None = None,
        registry: Registry | None = None,
        on_undecodable: OnUndecodable = "raise",
    ) -> None:
        self._on_undecodable = _policy(on_undecodable)
        if isinstance(store, str | os.PathLike):
            store = open_store(os.fspath(store))
        elif store is not None and not isinstance(store, Store):
            raise TypeError(
                f"Log() takes a store, a path or a URL (log.sqlite, sqlite:///..., log.jsonl), "
                f"not {type(store).__name__}"
            )
        self._store: Store = MemoryStore() if store is None else store
        self._clock: Clock = SystemClock() if clock is None else clock
        self._codec = Codec(default_registry if registry is None else registry)
        # The head this log last wrote, where the store's own append checks the
        # position inside its transaction: the next append starts from it
        # without asking, and one that finds another writer went first is
        # refused and asks again. None: ask the store.
        self._written: Head | None = None

    @property
    def store(self) -> Store:
        """The store this log writes to."""
        return self._store

    @property
    def codec(self) -> Codec:
        """The codec that encodes and decodes this log's records."""
        return self._codec

    @property
    def registry(self) -> Registry:
        """The event types this log reads and writes."""
        return self._codec.registry

    # -- writing --------------------------------------------------------------

    def append(
        self,
        event: _E,
        *,
        valid: ValidTimeLike,
        subject: str | None = None,
        provenance: Provenance | None = None,
        known_at: dt.datetime | str | None = None,
        expected_position: int | None = None,
    ) -> Record[_E]:
        """Append one event and return its record.

        Args:
            event: A registered event instance.
            valid: When it was true in the world (see :func:`~timeline.valid_time`).
            subject: A key to file it under.
            provenance: Where it came from.
            known_at: Backfill: the known time to record instead of the clock's.
            expected_position: The position this record must follow; if another
                writer appended first, :class:`~timeline.ConcurrencyError`.
                Without one, an append that finds another writer went first
                follows it: it tries again on the new head, pausing a little
                longer each time, for up to a minute.

        Raises:
            ConcurrencyError: ``expected_position`` is stale (or, without one,
                other writers kept the log busy for a minute); nothing was written.
            KnownTimeError: ``known_at`` is naive or earlier than the last record's.
            InvalidEventError: The event is not registered or cannot be stored.
            InvalidValidTimeError: ``valid`` cannot be read.
        """
        entry = self.entry(event, valid=valid, subject=subject, provenance=provenance)
        (record,) = self.extend([entry], known_at=known_at, expected_position=expected_position)
        return record

    @staticmethod
    def entry(
        event: object,
        *,
        valid: ValidTimeLike,
        subject: str | None = None,
        provenance: Provenance | None = None,
    ) -> Entry:
        """Build an :class:`~timeline.Entry` for :meth:`extend`, reading ``valid``."""
        return Entry(event=event, valid=valid, subject=subject, provenance=provenance)

    def extend(
        self,
        entries: Iterable[Entry],
        *,
        known_at: dt.datetime | str | None = None,
        expected_position: int | None = None,
    ) -> tuple[Record, ...]:
        """Append a batch atomically: all of it, or (on any error) none of it.

        The whole batch shares one known time. Arguments and errors are those
        of :meth:`append`.
        """
        batch = list(entries)
        if not batch:
            if expected_position is not None and expected_position != self.last_position:
                raise ConcurrencyError(expected_position, self.last_position)
            return ()
        explicit = None if known_at is None else known_instant(known_at)
        ids = _new_ids(batch)
        deadline = time.monotonic() + RETRY_FOR
        for pause in backoff():
            head = self._head_to_follow(expected_position)
            last = FIRST_POSITION - 1 if head is None else head.position
            if expected_position is not None and expected_position != last:
                raise ConcurrencyError(expected_position, last)
            stamps = self._stamps(batch, explicit, head)
            rows = self._codec.encode_rows(batch, known_ats=stamps, previous=head, record_ids=ids)
            try:
                self._write(rows, last)
            except ConcurrencyError:
                # Without an expected position, another writer's append is no
                # conflict: follow it, pausing a little more each time so that
                # writers that lost to the same winner do not meet again at once.
                if expected_position is not None or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                continue
            # The entries are immutable values: the records are built from them
            # rather than decoded again from what was just encoded.
            records = []
            knowns: dict[str, pendulum.DateTime] = {}  # a batch mostly shares one
            for entry, row, record_id in zip(batch, rows, ids, strict=True):
                known = knowns.get(row[2])
                if known is None:
                    known = knowns[row[2]] = parse_known_at(row[2])
                records.append(  # positional: a third cheaper than by keyword
                    Record(
                        row[0],
                        record_id,
                        known,
                        entry.event,
                        entry.valid,
                        entry.subject,
                        entry.provenance,
                        row[6],
                    )
                )
            return tuple(records)
        raise AssertionError("unreachable")  # pragma: no cover

    def _head_to_follow(self, expected_position: int | None) -> Head | None:
        """The head the next batch follows: the one this log wrote last, else the store's."""
        head = self._written
        if head is None or expected_position not in (None, head.position):
            head = self._store.head()
        return head

    def _write(self, rows: list[EncodedRow], last: int) -> None:
        """Append encoded rows to the store: as rows where it takes them, else as StoredRecords."""
        self._written = None
        if own_store(self._store, "append"):
            self._store._append_rows(rows, expected_position=last)  # type: ignore[attr-defined]  # noqa: SLF001 -- the library's own store
            # Its transaction checked the position: the next batch may follow these rows.
            self._written = Head(rows[-1][0], rows[-1][2], rows[-1][6])
            return
        stored = [stored_record(row) for row in rows]
        self._store.append(stored, expected_position=last)

    def _stamp(self, explicit: pendulum.DateTime | None, head: Head | None) -> str:
        if explicit is not None:
            stamp = format_known_at(explicit)
            if head is not None and stamp < head.known_at:
                raise KnownTimeError(
                    f"known time {stamp} is earlier than the last record's ({head.known_at} at "
                    f"position {head.position}): known times never go backwards"
                )
            return stamp
        # A clock that steps back (NTP, a test clock) must not break the
        # ordering: what the log learns now is known no earlier than the last.
        now = format_known_at(_known_instant(self._clock()))
        return now if head is None or now >= head.known_at else head.known_at

    def _stamps(
        self, batch: Sequence[Entry], explicit: pendulum.DateTime | None, head: Head | None
    ) -> list[str]:
        """Known times for each entry: its own, else the batch's; never going backwards."""
        if all(entry.known_at is None for entry in batch):
            return [self._stamp(explicit, head)] * len(batch)
        stamps: list[str] = []
        last = head
        default = None
        for entry in batch:
            if entry.known_at is None:
                default = default or self._stamp(explicit, head)
                stamp = default
            else:
                stamp = self._stamp(entry.known_at, last)
            if last is not None and stamp < last.known_at:
                raise KnownTimeError(
                    f"known time {stamp} is earlier than the entry before it ({last.known_at})"
                )
            stamps.append(stamp)
            last = Head(last.position + 1 if last else FIRST_POSITION, stamp, "")
        return stamps

    def retract(
        self,
        record: Record | int,
        *,
        reason: str | None = None,
        provenance: Provenance | None = None,
        known_at: dt.datetime | str | None = None,
        expected_position: int | None = None,
    ) -> Record:
        """Append a retraction: ``record`` was wrong.

        Queries at a known time before the retraction still see the record;
        queries at or after it do not. Nothing is deleted.

        Args:
            record: The record (or its position) to retract.
            reason: Why, in words.
            provenance: Who says it was wrong.
            known_at: Backfill, as for :meth:`append`.
            expected_position: Optimistic concurrency, as for :meth:`append`.

        Raises:
            IndexError: No such record is in this log.
        """
        target, subject = self._target(record)
        when = self._fix_time(known_at)
        return self.append(
            Retracted(record=target, reason=reason),
            valid=when,
            subject=subject,
            provenance=provenance,
            known_at=when,
            expected_position=expected_position,
        )

    def _fix_time(self, known_at: dt.datetime | str | None) -> pendulum.DateTime:
        """When a retraction or correction happens: its known time, to the microsecond.

        It is also the fix's valid time: a fix is news about the log, made when
        it is recorded, so a chronology shows it then -- never at the date of
        the record it fixes.
        """
        if known_at is not None:
            return known_instant(known_at)
        head = self._store.head()
        now = _known_instant(self._clock())
        if head is not None and format_known_at(now) < head.known_at:
            return parse_known_at(head.known_at)  # a clock that stepped back is held
        return now

    def correct(
        self,
        record: Record | int,
        event: object,
        *,
        valid: ValidTimeLike,
        subject: str | None = None,
        provenance: Provenance | None = None,
        reason: str | None = None,
        known_at: dt.datetime | str | None = None,
        expected_position: int | None = None,
    ) -> Record:
        """Append a correction: ``record`` is replaced by ``event`` from now on.

        The replacement and the :class:`~timeline.Corrected` marker are one
        atomic batch; queries before its known time see the original.

        Returns:
            The replacement's record.

        Raises:
            IndexError: No such record is in this log.
        """
        target, target_subject = self._target(record)
        replacement = self.entry(event, valid=valid, subject=subject, provenance=provenance)
        replacement = attrs.evolve(replacement, id=uuid.uuid4())
        assert replacement.id is not None  # noqa: S101 -- just set
        when = self._fix_time(known_at)
        marker = self.entry(
            Corrected(record=target, replacement=replacement.id, reason=reason),
            valid=when,
            subject=target_subject,
            provenance=provenance,
        )
        new, _ = self.extend(
            [replacement, marker], known_at=when, expected_position=expected_position
        )
        return new

    def status(
        self, record: Record | int | uuid.UUID, *, known: dt.datetime | str | None = None
    ) -> RecordStatus:
        """Say whether ``record`` stands, as known at ``known`` (by default, now).

        A record stands (``"active"``) until a retraction or correction hides
        it; a fix can itself be retracted, which restores what it hid. Fixes
        recorded after ``known`` do not count.

        Args:
            record: The record, its position or its id.
            known: The known time T.

        Raises:
            IndexError: No such record is in this log (or it was not known yet at T).

        >>> from timeline import ManualClock, Registry, event
        >>> registry = Registry()
        >>> @event("example.claim", registry=registry)
        ... class Claim:
        ...     text: str
        >>> log = Log(clock=ManualClock("2024-01-12T08:00:00Z"), registry=registry)
        >>> claim = log.append(Claim(text="48 signatories"), valid="2024-01-11")
        >>> fix = log.retract(claim, reason="it was 47")
        >>> log.status(claim).state, log.status(claim).by == fix
        ('retracted', True)
        >>> log.status(claim, known="2024-01-12T07:00:00Z").state
        Traceback (most recent call last):
        ...
        IndexError: record 1 was not known yet at 2024-01-12T07:00:00.000000Z
        """
        target = self._find(record)
        stamp = None if known is None else format_known_at(_known_instant(known))
        if stamp is not None and format_known_at(target.known_at) > stamp:
            raise IndexError(f"record {target.position} was not known yet at {stamp}")
        fixes: list[Record[Retracted | Corrected]] = list(
            self.read(types=[Retracted, Corrected], known_at=known)
        )
        hidden = hidden_ids(fixes_of(fixes))
        if target.id not in hidden:
            return RecordStatus(target, "active")
        by = next(f for f in reversed(fixes) if f.event.record == target.id and f.id not in hidden)
        if isinstance(by.event, Corrected):
            return RecordStatus(target, "corrected", by, self._find(by.event.replacement))
        return RecordStatus(target, "retracted", by)

    def _find(self, record: Record | int | uuid.UUID) -> Record:
        if isinstance(record, uuid.UUID):
            found = self._store.find_ids([str(record)])
            if not found:
                raise IndexError(f"no record with id {record} in this log")
            return self[found[str(record)]]
        return self._own(record)

    def _target(self, record: Record | int) -> tuple[uuid.UUID, str | None]:
        """The id and subject of the record to fix, read as stored: it need not decode."""
        position = record if isinstance(record, int) else record.position
        wanted = position + self.last_position + 1 if position < 0 else position
        found = None
        if wanted >= FIRST_POSITION:
            found = next(iter(self._store.read(wanted, stop=wanted + 1)), None)
        if found is None:
            raise IndexError(f"no record at position {position} (the log has {len(self)})")
        if not isinstance(record, int) and found.id != str(record.id):
            raise IndexError(f"record {record.id} is not at position {position} of this log")
        return uuid.UUID(found.id), found.subject

    def _own(self, record: Record | int) -> Record:
        position = record if isinstance(record, int) else record.position
        found = self[position]
        if not isinstance(record, int) and found.id != record.id:
            raise IndexError(f"record {record.id} is not at position {position} of this log")
        return found

    # -- reading ---------------------------------------------------------------

    @overload
    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Iterable[type[_E]],
        subject: str | None = None,
        known_at: dt.datetime | str | None = None,
        on_undecodable: OnUndecodable | None = None,
    ) -> Iterator[Record[_E]]: ...
    @overload
    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Iterable[type[Any] | str] | None = None,
        subject: str | None = None,
        known_at: dt.datetime | str | None = None,
        on_undecodable: OnUndecodable | None = None,
    ) -> Iterator[Record]: ...
    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Iterable[type[Any] | str] | None = None,
        subject: str | None = None,
        known_at: dt.datetime | str | None = None,
        on_undecodable: OnUndecodable | None = None,
    ) -> Iterator[Record]:
        """Yield records in position order.

        A record that cannot be decoded (written by hand, by another program,
        or with a type this process reads differently) stops the read with
        :class:`~timeline.RecordDecodeError`, whose message names the way
        out; records a retraction or correction has fixed are skipped.

        Args:
            start: The first position to read.
            stop: Stop before this position.
            types: Only events of these classes (or type names).
            subject: Only records filed under this subject.
            known_at: Only what the log knew at this time: a prefix of the log.
            on_undecodable: ``"raise"`` or ``"skip"`` (with an
                :class:`~timeline.UndecodableRecordWarning` per record) for
                records that cannot be decoded; by default the log's own
                setting.

        Raises:
            RecordDecodeError: A stored record cannot be decoded.
        """
        policy = self._on_undecodable if on_undecodable is None else _policy(on_undecodable)
        names = None if types is None else {self._type_name(kind) for kind in types}
        if known_at is not None:
            cut = self.last_position_known_by(known_at) + 1
            stop = cut if stop is None else min(stop, cut)
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

    def last_position_known_by(self, known_at: dt.datetime | str) -> int:
        """Return the last position the log knew at ``known_at`` (0 if none)."""
        return self._store.last_known_by(format_known_at(_known_instant(known_at)))

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

        >>> from timeline import ManualClock
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

    def close(self) -> None:
        """Close the store."""
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Log of {len(self)} records in {self._store!r}>"


def own_store(store: Store, method: str) -> bool:
    """Whether ``store`` is one of the library's SQL stores whose ``method`` is its own.

    Only then may the log take the store's fast lane for it (rows as the
    codec makes and reads them): a subclass that changes how records are
    read or written is always asked through the protocol.
    """
    for kind in (SQLiteStore, PostgresStore):
        if isinstance(store, kind):
            return getattr(type(store), method) is getattr(kind, method)
    return False


def _new_ids(batch: Sequence[Entry]) -> list[uuid.UUID]:
    """The entries' own ids, else new random (version 4) UUIDs."""
    made = random_ids(len(batch))
    return [entry.id or new for entry, new in zip(batch, made, strict=True)]


def _known_instant(value: dt.datetime | str) -> pendulum.DateTime:
    if isinstance(value, dt.datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise KnownTimeError(
            f"naive known time {value.isoformat()}: known times must be aware (UTC preferred)"
        )
    try:
        return to_instant(value)
    except ValueError as error:
        raise KnownTimeError(str(error)) from None
