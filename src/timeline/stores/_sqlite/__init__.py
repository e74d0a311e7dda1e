"""The SQLite store: the embedded default, one file.

Its rooms:

- ``_schema``: the file's tables, each schema version's migration, the postings;
- ``_errors``: SQLite's errors as the library's, and an append's transaction;
- ``_file`` <- ``_reading`` <- ``_states`` <- ``_store``: :class:`SQLiteStore` one
  concern per base class -- the file created, opened and migrated; records read and
  checked; saved states and repair -- and the class itself, which appends.

The rest of the library, and the tests, import it from here alone.
"""

from __future__ import annotations

from ._schema import _MIGRATIONS as _MIGRATIONS
from ._schema import SCHEMA_VERSION, RawRecord
from ._schema import _fill_postings as _fill_postings
from ._schema import _postings_of as _postings_of
from ._store import Bulk as Bulk
from ._store import SQLiteStore

__all__ = ["SCHEMA_VERSION", "RawRecord", "SQLiteStore"]
