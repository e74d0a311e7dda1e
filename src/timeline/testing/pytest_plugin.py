"""Pytest fixtures: a fresh store of each kind.

Enable in a project's ``conftest.py``::

    pytest_plugins = ["timeline.testing.pytest_plugin"]

Then a test that takes ``timeline_store`` runs once per kind of store
(memory, SQLite, JSON Lines), each new and empty, in a temporary folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from timeline.stores import JsonLinesStore, MemoryStore, SQLiteStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from timeline.typing import Store

__all__ = ["STORE_KINDS", "make_store", "timeline_store"]

#: The kinds of store the fixture is parametrized over.
STORE_KINDS = ("memory", "sqlite", "jsonl")


def make_store(kind: str, folder: Path) -> Store:
    """Return a new store of ``kind`` ("memory", "sqlite" or "jsonl") with files in ``folder``."""
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(folder / "timeline.sqlite")
    if kind == "jsonl":
        return JsonLinesStore(folder / "timeline.jsonl")
    raise ValueError(f"unknown store kind {kind!r}; known: {STORE_KINDS}")


@pytest.fixture(params=STORE_KINDS)
def timeline_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A new, empty store: once for each kind in :data:`STORE_KINDS`."""
    store = make_store(request.param, tmp_path)
    yield store
    store.close()
