"""The protocols users implement: a store and a clock.

>>> from timeline.stores import MemoryStore
>>> isinstance(MemoryStore(), Store)
True
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Protocol, runtime_checkable

import pendulum

from ._records import Head, StoredRecord

__all__ = ["Clock", "StateStore", "Store"]


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the current time as an aware datetime."""

    def __call__(self) -> pendulum.DateTime:
        """Return the current instant (any zone; the log converts to UTC)."""
        ...


@runtime_checkable
class Store(Protocol):
    """Where a log keeps its records.

    A store holds :class:`~timeline.StoredRecord` values and never changes or
    removes one. The log does the encoding, hashing and checks of known time;
    a store must make :meth:`append` atomic and check the expected position
    inside the same atomic step, so two writers can never both succeed.
    """

    def head(self) -> Head | None:
        """Return the last record's position, known time and hash; None when empty."""
        ...

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """Add ``records`` atomically after ``expected_position``.

        Raises:
            ConcurrencyError: The store's last position is not
                ``expected_position``; nothing was written.
        """
        ...

    def read(
        self,
        start: int = 1,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[StoredRecord]:
        """Yield records from position ``start`` up to (not including) ``stop``.

        Optionally only those of the given type names, or filed under ``subject``.
        """
        ...

    def last_known_by(self, known: str) -> int:
        """Return the last position whose known time is at or before ``known``; 0 if none."""
        ...

    def find_ids(self, ids: Collection[str]) -> dict[str, int]:
        """Return the positions of those of ``ids`` (record ids, canonical text) that are stored.

        Loads use it to skip entries that are already in the log.
        """
        ...

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """Keep ``state`` (JSON text) as projection ``name``'s snapshot at ``position``.

        A snapshot is a cache, not part of the log: saving replaces the last one.
        """
        ...

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """Return the last snapshot saved as ``name``: its position and state; None if none."""
        ...

    def snapshot_names(self) -> list[str]:
        """Return the names of the saved snapshots, sorted."""
        ...

    def close(self) -> None:
        """Release what the store holds open. Reading after closing is an error."""
        ...


@runtime_checkable
class StateStore(Protocol):
    """A store that also keeps projections' saved states (SQLite and memory stores do).

    A state is a cache beside the log, never part of it: a small JSON
    description (``meta``) and binary ``parts``, saved at a log position.
    Temporal facts save their index this way
    (:meth:`~timeline.TemporalFacts.save_snapshot`).
    """

    def save_state(self, name: str, position: int, meta: str, parts: Sequence[bytes]) -> bool:
        """Replace the state saved as ``name`` atomically, unless one saved later is there.

        A state saved after ``position`` (further along the log) is kept, and
        nothing written.

        Returns:
            Whether it was written.
        """
        ...

    def load_state(self, name: str) -> tuple[int, str, Iterator[bytes]] | None:
        """Return the state saved as ``name`` (position, meta, parts); None if none.

        The parts may be fetched as they are iterated, but must all come from
        one save: never some from one and some from another.
        """
        ...

    def state_names(self) -> list[str]:
        """Return the names of the saved states, sorted."""
        ...
