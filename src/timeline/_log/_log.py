"""The log: an append-only sequence of records over a store."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Protocol

import attrs
import pendulum

from timeline._codec import (
    EncodedRow,
    PreparedRow,
    format_known_at,
    parse_known_at,
    stored_record,
)
from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import ConcurrencyError, KnownTimeError
from timeline._ids import random_ids
from timeline._records import (
    FIRST_POSITION,
    Entry,
    Head,
    Provenance,
    Record,
    RecordStatus,
    known_instant,
)
from timeline._renamed import renamed
from timeline._retry import RETRY_FOR, backoff
from timeline.time import ValidTimeLike

from ._opened import own_store
from ._reading import _E, _Reading

__all__ = ["Log"]


class Log(_Reading):
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

    # -- writing --------------------------------------------------------------

    @renamed(known_at="known")
    def append(
        self,
        event: _E,
        *,
        valid: ValidTimeLike,
        subject: str | None = None,
        provenance: Provenance | None = None,
        known: dt.datetime | dt.date | str | None = None,
        expected_position: int | None = None,
    ) -> Record[_E]:
        """Append one event and return its record.

        Args:
            event: A registered event instance.
            valid: When it was true in the world (see :func:`~timeline.valid_time`).
            subject: A key to file it under.
            provenance: Where it came from.
            known: Backfill: the known time to record instead of the clock's (read as
                :func:`~timeline.known_instant` reads every known time).
            expected_position: The position this record must follow; if another
                writer appended first, :class:`~timeline.ConcurrencyError`.
                Without one, an append that finds another writer went first
                follows it: it tries again on the new head, pausing a little
                longer each time, for up to a minute.

        Raises:
            ConcurrencyError: ``expected_position`` is stale (or, without one,
                other writers kept the log busy for a minute); nothing was written.
            KnownTimeError: ``known`` is naive or earlier than the last record's.
            InvalidEventError: The event is not registered or cannot be stored.
            InvalidValidTimeError: ``valid`` cannot be read.
        """
        entry = self.entry(event, valid=valid, subject=subject, provenance=provenance)
        (record,) = self.extend([entry], known=known, expected_position=expected_position)
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

    @renamed(known_at="known")
    def extend(
        self,
        entries: Iterable[Entry],
        *,
        known: dt.datetime | dt.date | str | None = None,
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
        explicit = None if known is None else known_instant(known)
        ids = _new_ids(batch)
        if expected_position is None and self._locks_first():
            # No position expected: take the store's write lock, then follow whatever
            # head it finds. Writers queue on the lock instead of racing, encoding
            # against a head that moved, and trying again (see _locks_first).
            # The bodies are made before the lock is taken, the chain under it.
            prepared = self._codec.prepare_rows(batch, ids)
            if all(entry.known_at is None for entry in batch):
                chained = self._chained_by_store(batch, ids, prepared, explicit)
                if chained is not None:
                    return chained
            with self._bulk(rows=len(batch)) as bulk:
                assert bulk is not None  # noqa: S101 -- _locks_first said the store has one
                return bulk.extend(batch, known=explicit, ids=ids, prepared=prepared)
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
            return records_of(batch, rows, ids)
        raise AssertionError("unreachable")  # pragma: no cover

    def _chained_by_store(
        self,
        batch: Sequence[Entry],
        ids: Sequence[uuid.UUID],
        prepared: Sequence[PreparedRow],
        explicit: pendulum.DateTime | None,
    ) -> tuple[Record, ...] | None:
        """Append prepared records sharing one known time, where the store chains them itself.

        The known time is ``explicit`` (refused if earlier than the last
        record's, as :meth:`_stamp` refuses it), else the clock's.

        PostgreSQL's store locks its head, chains and writes the records in
        one statement on the server (``_append_prepared``): no round trip to
        this process while the lock is held. None where the store cannot (the
        caller then chains them under the store's lock).
        """
        store = self._store
        if not (hasattr(store, "_append_prepared") and own_store(store, "_append_prepared")):
            return None
        instant = explicit if explicit is not None else known_instant(self._clock())
        try:
            done = store._append_prepared(  # noqa: SLF001 -- the library's own
                prepared, now=format_known_at(instant), exact=explicit is not None
            )
        except UnicodeEncodeError:
            self._codec.check_text(prepared)  # names the text as the log's own chain does
            raise
        if done is None:
            return None
        last, known, hashes = done
        first = last - len(prepared) + 1
        rows = [
            (first + offset, raw_id, known, name, subject, body, digest)
            for offset, ((raw_id, _, name, subject, body), digest) in enumerate(
                zip(prepared, hashes, strict=True)
            )
        ]
        self._written = Head(last, known, hashes[-1])
        return records_of(batch, rows, ids)

    @contextlib.contextmanager
    def _bulk(self, *, rows: int | None = None) -> Iterator[Bulk | None]:
        """One transaction for a long batch appended a part at a time, where the store has it.

        Yields None for a store without one (the caller then appends its batch
        whole, with :meth:`extend`). Everything the block appended is
        committed when it ends, and nothing if it raises. ``rows`` is how many
        rows the block will write, where the caller knows: a store may write a
        small batch otherwise than a long one.
        """
        store = self._store
        if not (own_store(store, "_append_rows") and own_store(store, "_bulk")):
            yield None
            return
        self._written = None
        with store._bulk(rows=rows) as stored:  # type: ignore[attr-defined]  # noqa: SLF001 -- the library's own
            bulk = Bulk(self, stored)
            yield bulk
        self._written = stored.head

    def _locks_first(self) -> bool:
        """Whether appends without an expected position lock the store, then encode.

        The library's SQLite and PostgreSQL stores hold a write transaction
        with the head read inside it (``_bulk``): a batch encoded there follows
        the head for certain, so eight writers never lose a race to each other
        (they took turns on the head and retried, up to RETRY_FOR, when they
        lost; on PostgreSQL they appended less together than one alone).
        """
        store = self._store
        return all(own_store(store, name) for name in ("append", "_append_rows", "_bulk"))

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
        now = format_known_at(known_instant(self._clock()))
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

    @renamed(known_at="known")
    def retract(
        self,
        record: Record | int,
        *,
        reason: str | None = None,
        provenance: Provenance | None = None,
        known: dt.datetime | dt.date | str | None = None,
        expected_position: int | None = None,
    ) -> Record:
        """Append a retraction: ``record`` was wrong.

        Queries at a known time before the retraction still see the record;
        queries at or after it do not. Nothing is deleted.

        Args:
            record: The record (or its position) to retract.
            reason: Why, in words.
            provenance: Who says it was wrong.
            known: Backfill, as for :meth:`append`.
            expected_position: Optimistic concurrency, as for :meth:`append`.

        Raises:
            IndexError: No such record is in this log.
        """
        target, subject = self._target(record)
        when = self._fix_time(known)
        return self.append(
            Retracted(record=target, reason=reason),
            valid=when,
            subject=subject,
            provenance=provenance,
            known=when,
            expected_position=expected_position,
        )

    def _fix_time(self, known: dt.datetime | dt.date | str | None) -> pendulum.DateTime:
        """When a retraction or correction happens: its known time, to the microsecond.

        It is also the fix's valid time: a fix is news about the log, made when
        it is recorded, so a chronology shows it then -- never at the date of
        the record it fixes.
        """
        if known is not None:
            return known_instant(known)
        head = self._store.head()
        now = known_instant(self._clock())
        if head is not None and format_known_at(now) < head.known_at:
            return parse_known_at(head.known_at)  # a clock that stepped back is held
        return now

    @renamed(known_at="known")
    def correct(
        self,
        record: Record | int,
        event: object,
        *,
        valid: ValidTimeLike,
        subject: str | None = None,
        provenance: Provenance | None = None,
        reason: str | None = None,
        known: dt.datetime | dt.date | str | None = None,
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
        when = self._fix_time(known)
        marker = self.entry(
            Corrected(record=target, replacement=replacement.id, reason=reason),
            valid=when,
            subject=target_subject,
            provenance=provenance,
        )
        new, _ = self.extend([replacement, marker], known=when, expected_position=expected_position)
        return new

    def status(
        self, record: Record | int | uuid.UUID, *, known: dt.datetime | dt.date | str | None = None
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
        stamp = None if known is None else format_known_at(known_instant(known))
        if stamp is not None and format_known_at(target.known_at) > stamp:
            raise IndexError(f"record {target.position} was not known yet at {stamp}")
        fixes: list[Record[Retracted | Corrected]] = list(
            self.read(types=[Retracted, Corrected], known=known)
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


def records_of(
    batch: Sequence[Entry], rows: Sequence[EncodedRow], ids: Sequence[uuid.UUID]
) -> tuple[Record, ...]:
    """The records a batch became, built from its entries and rows.

    The entries are immutable values: the records are made from them rather
    than decoded again from what was just encoded.
    """
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


class _StoreBulk(Protocol):
    """What a store's streamed batch offers (SQLite's and PostgreSQL's ``_bulk()``)."""

    head: Head | None

    def positions_of(self, raw_ids: Collection[bytes]) -> dict[bytes, int]: ...

    def insert(self, rows: Sequence[EncodedRow]) -> None: ...


class Bulk:
    """A long batch being appended a part at a time in one transaction (see ``Log._bulk``).

    Attributes:
        head: The last record written, before the batch or in it.
    """

    def __init__(self, log: Log, stored: _StoreBulk) -> None:
        self._log = log
        self._stored = stored

    @property
    def head(self) -> Head | None:
        """The last record in the store, this batch's parts included."""
        return self._stored.head

    def held(self, record_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The positions of those of ``record_ids`` the log held before this batch."""
        wanted = {record_id.bytes: record_id for record_id in record_ids}
        return {wanted[raw]: at for raw, at in self._stored.positions_of(list(wanted)).items()}

    def extend(
        self,
        entries: Sequence[Entry],
        *,
        keep: bool = True,
        known: pendulum.DateTime | None = None,
        ids: list[uuid.UUID] | None = None,
        prepared: list[PreparedRow] | None = None,
    ) -> tuple[Record, ...]:
        """Append ``entries`` after what the batch wrote so far; the records if ``keep``.

        ``known`` is the batch's known time (the clock's by default), ``ids`` its
        records' ids (the entries' own, else new), ``prepared`` their bodies if
        made already (``Codec.prepare_rows`` of the entries and ``ids``).
        """
        if not entries:
            return ()
        head = self._stored.head
        ids = _new_ids(entries) if ids is None else ids
        stamps = self._log._stamps(entries, known, head)  # noqa: SLF001 -- the log's own
        codec = self._log._codec  # noqa: SLF001 -- the log's own
        if prepared is None:
            prepared = codec.prepare_rows(entries, ids)
        rows = codec.chain_rows(prepared, known_ats=stamps, previous=head)
        self._stored.insert(rows)
        return records_of(entries, rows, ids) if keep else ()


def _new_ids(batch: Sequence[Entry]) -> list[uuid.UUID]:
    """The entries' own ids, else new random (version 4) UUIDs."""
    made = random_ids(len(batch))
    return [entry.id or new for entry, new in zip(batch, made, strict=True)]
