"""The in-memory store: for tests and quick scripts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence

from timeline._errors import StoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord

from ._common import RecordList, check_append

__all__ = ["MemoryStore"]


class MemoryStore:
    """Keeps stored records in a list. Nothing survives the process.

    >>> from timeline import Log, ManualClock
    >>> log = Log(MemoryStore(), clock=ManualClock("2024-01-12T00:00:00Z"))
    >>> len(log)
    0
    """

    def __init__(self) -> None:
        self._list = RecordList()
        self._snapshots: dict[str, tuple[int, str]] = {}
        self._states: dict[str, tuple[int, str, list[bytes]]] = {}
        self._closed = False

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        self._check_open()
        return self._list.head()

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """See :meth:`timeline.typing.Store.append`."""
        self._check_open()
        check_append(records, expected=expected_position, actual=self._list.last_position)
        self._list.extend(records)

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
        return self._list.read(start, stop=stop, types=types, subject=subject)

    def read_at(self, positions: Iterable[int]) -> list[StoredRecord]:
        """The records at ``positions``, in the order asked; those not held are left out."""
        self._check_open()
        return self._list.read_at(positions)

    def last_known_by(self, known: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        self._check_open()
        return self._list.last_known_by(known)

    def find_ids(self, ids: Collection[str]) -> dict[str, int]:
        """See :meth:`timeline.typing.Store.find_ids`."""
        self._check_open()
        return self._list.find_ids(ids)

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """See :meth:`timeline.typing.Store.save_snapshot`."""
        self._check_open()
        self._snapshots[name] = (position, state)

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """See :meth:`timeline.typing.Store.load_snapshot`."""
        self._check_open()
        return self._snapshots.get(name)

    def snapshot_names(self) -> list[str]:
        """See :meth:`timeline.typing.Store.snapshot_names`."""
        self._check_open()
        return sorted(self._snapshots)

    def save_state(self, name: str, position: int, meta: str, parts: Sequence[bytes]) -> bool:
        """See :meth:`timeline.stores.SQLiteStore.save_state` (kept in memory, for this process)."""
        self._check_open()
        saved = self._states.get(name)
        if saved is not None and saved[0] > position:
            return False
        self._states[name] = (position, meta, [bytes(part) for part in parts])
        return True

    def load_state(self, name: str) -> tuple[int, str, Iterator[bytes]] | None:
        """See :meth:`timeline.stores.SQLiteStore.load_state`."""
        self._check_open()
        saved = self._states.get(name)
        return None if saved is None else (saved[0], saved[1], iter(saved[2]))

    def state_names(self) -> list[str]:
        """See :meth:`timeline.stores.SQLiteStore.state_names`."""
        self._check_open()
        return sorted(self._states)

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def __repr__(self) -> str:
        return f"<MemoryStore with {self._list.last_position} records>"
