"""Integrity: verifying a store's hash chain, and copying logs between stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from timeline._codec import GENESIS_HASH, chain_hash
from timeline._errors import StoreError
from timeline._records import FIRST_POSITION, StoredRecord

if TYPE_CHECKING:
    from collections.abc import Iterable

    from timeline.typing import Store

__all__ = ["Verification", "copy", "verify"]


@attrs.frozen
class Verification:
    """What :func:`verify` found.

    Attributes:
        records: How many records were checked before stopping.
        first_bad: The position of the first bad record; None if all are good.
        problem: What is wrong with it, in words.
    """

    records: int
    first_bad: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every record checked out."""
        return self.first_bad is None

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.records} records, hash chain intact"
        return f"bad record at position {self.first_bad}: {self.problem}"


def _check(records: Iterable[StoredRecord]) -> Iterable[tuple[StoredRecord, str | None]]:
    previous_hash, expected, previous_known = GENESIS_HASH, FIRST_POSITION, ""
    for record in records:
        problem = None
        if record.position != expected:
            problem = f"position {record.position} where {expected} was expected"
        elif record.known_at < previous_known:
            problem = f"known time {record.known_at} is earlier than the previous record's"
        elif chain_hash(previous_hash, record) != record.hash:
            problem = "hash does not match its contents and the record before: altered or corrupt"
        yield record, problem
        previous_hash, expected, previous_known = record.hash, expected + 1, record.known_at


def verify(store: Store) -> Verification:
    """Check every record of ``store``: contiguous positions, ordered known times, hash chain.

    Any change to a stored record's bytes -- its event, valid time,
    provenance, known time, subject, type or id -- breaks its hash, or the
    chain at the next record, and is reported at the first bad position.

    >>> from timeline.stores import MemoryStore
    >>> str(verify(MemoryStore()))
    'ok: 0 records, hash chain intact'
    """
    count = 0
    try:
        for record, problem in _check(store.read()):
            if problem is not None:
                return Verification(count, record.position, problem)
            count += 1
    except StoreError as error:
        return Verification(count, count + FIRST_POSITION, str(error))
    return Verification(count)


def copy(source: Store, target: Store, *, batch: int = 1000) -> int:
    """Copy every record of ``source`` into the empty ``target``, unchanged.

    Positions, ids, known times and hashes are kept, so the copy verifies
    exactly as the original. The chain is checked on the way.

    Returns:
        How many records were copied.

    Raises:
        StoreError: ``target`` is not empty, or ``source`` fails verification
            (nothing past the bad record is copied).
    """
    if target.head() is not None:
        raise StoreError("copy() needs an empty target store")
    pending: list[StoredRecord] = []
    copied = 0
    for record, problem in _check(source.read()):
        if problem is not None:
            raise StoreError(f"source record at position {record.position}: {problem}")
        pending.append(record)
        if len(pending) >= batch:
            target.append(pending, expected_position=copied)
            copied += len(pending)
            pending = []
    if pending:
        target.append(pending, expected_position=copied)
        copied += len(pending)
    return copied
