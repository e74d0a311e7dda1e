"""The PostgreSQL store: one log shared by many processes and machines (the ``postgres`` extra).

Its rooms:

- ``_schema``: the tables, each schema version's migration, the saved facts' rows;
- ``_errors``: psycopg's errors as the library's;
- ``_server`` <- ``_reading`` <- ``_states`` <- ``_store``: :class:`PostgresStore` one
  concern per base class -- the schema found or made and the connection; records read
  and waited for; saved states and the facts the server answers -- and the class
  itself, which appends (COPY under the head row's lock).

What it shares with the SQLite store is in :mod:`timeline.stores._sql`.
"""

from __future__ import annotations

from ._store import PostgresStore

__all__ = ["PostgresStore"]
