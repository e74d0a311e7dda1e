"""The PostgreSQL store: one log shared by many processes and machines (the ``postgres`` extra).

Its rooms:

- ``_store``: :class:`PostgresStore`.
"""

from __future__ import annotations

from ._store import PostgresStore

__all__ = ["PostgresStore"]
