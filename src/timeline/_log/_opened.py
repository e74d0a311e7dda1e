"""A log over its store: the store, the codec and registry, and closing.

A log is opened over a store (or a path or URL that names one) with a clock and a registry; it
holds no records itself, only the head it last wrote.
"""

from __future__ import annotations

import os
from typing import Literal, Self

from timeline._clock import SystemClock
from timeline._codec import Codec
from timeline._events import Registry, default_registry
from timeline._records import Head
from timeline.stores import MemoryStore, PostgresStore, SQLiteStore, open_store
from timeline.typing import Clock, Store

#: What a reader does with a record it cannot decode (see :class:`Log`).
OnUndecodable = Literal["raise", "skip"]


#: A row as the library's SQL stores hand it over (see :meth:`Codec.decode_raw`).
RawRow = tuple[int, bytes, str, str, str | None, str, bytes]


def _policy(value: object) -> OnUndecodable:
    if value not in ("raise", "skip"):
        raise ValueError(f"on_undecodable must be 'raise' or 'skip', not {value!r}")
    return value


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


class _Opened:
    """A log over its store: the store, the codec and registry, and closing."""

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

    def close(self) -> None:
        """Close the store."""
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
