"""The SQLite store: the embedded default, one file.

Its rooms:

- ``_store``: :class:`SQLiteStore`.

The rest of the library, and the tests, import it from here alone.
"""

from __future__ import annotations

from ._store import _MIGRATIONS as _MIGRATIONS
from ._store import SCHEMA_VERSION, RawRecord, SQLiteStore
from ._store import _fill_postings as _fill_postings
from ._store import _postings_of as _postings_of

__all__ = ["SCHEMA_VERSION", "RawRecord", "SQLiteStore"]
