"""Pytest fixtures: a fresh store of each kind.

Enable in a project's ``conftest.py``::

    pytest_plugins = ["timeline.testing.pytest_plugin"]

Then a test that takes ``timeline_store`` runs once per kind of store
(memory, SQLite, JSON Lines), each new and empty, in a temporary folder.

``timeline_store`` is one store per test: with hypothesis's ``@given`` (many
examples in one test) or :func:`timeline.testing.check_laws`, take
``timeline_store_factory`` instead -- a function that makes a new, empty
store of the test's kind each time it is called, so no example sees
another's records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from timeline.stores import JsonLinesStore, MemoryStore, SQLiteStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from timeline.typing import Store

__all__ = ["STORE_KINDS", "make_store", "timeline_store", "timeline_store_factory"]

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


@pytest.fixture(scope="session", params=STORE_KINDS)
def timeline_store_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], Store]:
    """Makes a new, empty store each call: once for each kind in :data:`STORE_KINDS`.

    Session-scoped, so hypothesis's ``@given`` accepts it; each call makes a
    store in a folder of its own.
    """
    kind = request.param

    def make() -> Store:
        return make_store(kind, tmp_path_factory.mktemp(f"timeline-{kind}"))

    return make
