"""What the stores share: the append checks, and an in-memory list of records."""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator, Sequence

from timeline._errors import ConcurrencyError, StoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord

__all__ = ["RecordList", "check_append"]

# Record ids are stored as the codec writes them: lowercase, hyphenated. Any
# other spelling would not read back as written from a store that keeps the
# id's bytes, and the record's hash covers the text.
_CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_append(records: Sequence[StoredRecord], *, expected: int, actual: int) -> None:
    """Refuse a batch that does not follow ``actual`` or was not meant to.

    Raises:
        ConcurrencyError: ``expected`` is not ``actual`` (another writer was first).
        StoreError: The batch's positions do not follow on, or a record's id
            is not a UUID in canonical text.
    """
    if expected != actual:
        raise ConcurrencyError(expected, actual)
    for offset, record in enumerate(records, start=1):
        if record.position != actual + offset:
            raise StoreError(
                f"record position {record.position} does not follow {actual + offset - 1}"
            )
        if not _CANONICAL_ID.fullmatch(record.id):
            raise StoreError(
                f"record {record.position}: id {record.id!r} is not a UUID in canonical text"
            )


class RecordList:
    """Stored records in position order, held in memory, with their known times."""

    def __init__(self) -> None:
        self.records: list[StoredRecord] = []
        self._known: list[str] = []

    @property
    def last_position(self) -> int:
        """The last position held; 0 when empty."""
        return len(self.records) + FIRST_POSITION - 1

    def head(self) -> Head | None:
        """The last record's position, known time and hash."""
        if not self.records:
            return None
        last = self.records[-1]
        return Head(last.position, last.known_at, last.hash)

    def extend(self, records: Sequence[StoredRecord]) -> None:
        """Add records already checked with :func:`check_append`."""
        self.records.extend(records)
        self._known.extend(record.known_at for record in records)

    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[StoredRecord]:
        """Yield the records from ``start`` to ``stop``, filtered as the store protocol says."""
        first = max(start, FIRST_POSITION) - FIRST_POSITION
        last = len(self.records) if stop is None else max(stop - FIRST_POSITION, first)
        # A slice: later appends do not disturb a read in progress.
        chosen = self.records[first:last]
        wanted = None if types is None else frozenset(types)
        for record in chosen:
            if wanted is not None and record.type not in wanted:
                continue
            if subject is not None and record.subject != subject:
                continue
            yield record

    def last_known_by(self, known_at: str) -> int:
        """The last position whose known time is at or before ``known_at``; 0 if none."""
        return bisect.bisect_right(self._known, known_at) + FIRST_POSITION - 1
