"""The in-memory store: for tests and quick scripts."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator, Sequence

from timeline._errors import ConcurrencyError, StoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord

__all__ = ["MemoryStore"]


class MemoryStore:
    """Keeps stored records in a list. Nothing survives the process.

    >>> from timeline import Log, ManualClock
    >>> log = Log(MemoryStore(), clock=ManualClock("2024-01-12T00:00:00Z"))
    >>> len(log)
    0
    """

    def __init__(self) -> None:
        self._records: list[StoredRecord] = []
        self._known: list[str] = []
        self._snapshots: dict[str, tuple[int, str]] = {}
        self._closed = False

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        self._check_open()
        if not self._records:
            return None
        last = self._records[-1]
        return Head(last.position, last.known_at, last.hash)

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """See :meth:`timeline.typing.Store.append`."""
        self._check_open()
        actual = len(self._records) + FIRST_POSITION - 1
        if expected_position != actual:
            raise ConcurrencyError(expected_position, actual)
        for offset, record in enumerate(records, start=1):
            if record.position != actual + offset:
                raise StoreError(
                    f"record position {record.position} does not follow {actual + offset - 1}"
                )
        self._records.extend(records)
        self._known.extend(record.known_at for record in records)

    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[StoredRecord]:
        """See :meth:`timeline.typing.Store.read`."""
        self._check_open()
        first = max(start, FIRST_POSITION) - FIRST_POSITION
        last = len(self._records) if stop is None else max(stop - FIRST_POSITION, first)
        wanted = None if types is None else frozenset(types)
        for record in self._records[first:last]:
            if wanted is not None and record.type not in wanted:
                continue
            if subject is not None and record.subject != subject:
                continue
            yield record

    def last_known_by(self, known_at: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        self._check_open()
        return bisect.bisect_right(self._known, known_at) + FIRST_POSITION - 1

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """See :meth:`timeline.typing.Store.save_snapshot`."""
        self._check_open()
        self._snapshots[name] = (position, state)

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """See :meth:`timeline.typing.Store.load_snapshot`."""
        self._check_open()
        return self._snapshots.get(name)

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def __repr__(self) -> str:
        return f"<MemoryStore with {len(self._records)} records>"
