"""What the two SQL stores share: the marks of a timeline store and a record's columns.

SQLite and PostgreSQL each keep a ``timeline_meta`` table whose ``format``
says the tables are a timeline store's; both store a record as the same seven
columns, in the order the hash chain covers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: The value of ``format`` in a store's ``timeline_meta`` table.
FORMAT: Final = "timeline"
#: A record's columns, in the order the hash chain takes them.
RECORD_COLUMNS: Final = ("position", "id", "known_at", "type", "subject", "body", "hash")


def is_timeline(meta: Mapping[str, str]) -> bool:
    """Whether a ``timeline_meta`` table's rows mark a timeline store."""
    return meta.get("format") == FORMAT
