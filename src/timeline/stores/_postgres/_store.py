"""The PostgreSQL store: one log shared by many processes and machines (the ``postgres`` extra)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from timeline._codec import EncodedRow
from timeline._errors import NotAStoreError, StoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord
from timeline.stores._common import check_append, check_follows

from ._schema import _CHANNEL
from ._states import _States

if TYPE_CHECKING:
    import psycopg


__all__ = ["PostgresBulk", "PostgresStore"]


class PostgresStore(_States):
    """Keeps the log in a PostgreSQL database, for many writers and readers at once.

    ``url`` is a libpq connection string or URL (``postgresql://host/db``,
    ``postgresql:///db`` over the local socket). The store's tables
    (``timeline_*``) are created on first open, in ``schema`` if given (which
    is created if missing) -- as the argument, or in the URL as
    ``postgresql://host/db?schema=NAME``, so that every timeline can be a
    schema of its own and a command line can name one -- else in the
    connection's search path; a
    database whose ``timeline_*`` tables are not a timeline store's is
    refused and left untouched.

    Every append takes a row lock on the store's head in its transaction:
    writers in any number of processes take turns, positions stay contiguous
    and known times non-decreasing, and an append that expected another
    position fails with :class:`~timeline.ConcurrencyError`, writing nothing.
    A lost connection is a :class:`~timeline.StoreError`; retrying is the
    caller's choice (an append either committed whole or not at all).

    Args:
        url: Where the database is.
        schema: The PostgreSQL schema to keep the tables in.
        read_only: Never write (and never create).

    Raises:
        StoreError: The server cannot be reached, or refuses the login; or the
            store's schema is newer than this library's, or older and
            ``read_only`` was given (opened for writing, an older schema is
            migrated, under a lock, by the first process to open it).
        StoreNotFoundError: Opened read-only where there is no store yet.
        NotAStoreError: The database holds ``timeline_*`` tables of something else.
    """

    # -- the schema -------------------------------------------------------------------------

    # -- the log ----------------------------------------------------------------------------

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """See :meth:`timeline.typing.Store.append`: one transaction, the head row locked."""
        self._check_writable()
        with self._errors("append"), self._connection.transaction():
            cursor = self._connection.cursor()
            check_append(records, expected=expected_position, actual=self._locked_head(cursor))
            if records:
                self._copy_in(
                    cursor,
                    [
                        (r.position, r.id, r.known_at, r.type, r.subject, r.body, r.hash)
                        for r in records
                    ],
                )

    def _append_rows(self, rows: Sequence[EncodedRow], *, expected_position: int) -> None:
        """Append rows the log's codec made (``Codec.encode_rows``), as :meth:`append` does.

        The log's own lane: no :class:`StoredRecord` on the way, the ids as
        the 16 bytes the codec made (checked all the same).
        """
        self._check_writable()
        with self._errors("append"), self._connection.transaction():
            cursor = self._connection.cursor()
            actual = self._locked_head(cursor)
            check_follows([row[0] for row in rows], expected=expected_position, actual=actual)
            for row in rows:
                if len(row[1]) != 16:
                    raise StoreError(f"record {row[0]}: its id is not 16 bytes")
            if rows:
                self._copy_in(cursor, [(row[0], row[1].hex(), *row[2:]) for row in rows])

    @contextlib.contextmanager
    def _bulk(self) -> Iterator[PostgresBulk]:
        """One transaction for a batch written a part at a time (a streamed load).

        Takes the head row's lock at the start, so no other writer appends
        until it ends: committed whole when the block ends, rolled back if it
        raises (a lost connection included).
        """
        self._check_writable()
        with self._errors("append"), self._connection.transaction():
            cursor = self._connection.cursor()
            row = cursor.execute(
                "SELECT position, known_at, hash FROM timeline_head FOR UPDATE"
            ).fetchone()
            if row is None:
                raise NotAStoreError(f"{self}: its timeline_head row is missing")
            head = None if row[0] < FIRST_POSITION else Head(row[0], row[1], row[2])
            yield PostgresBulk(self, cursor, head)

    def _locked_head(self, cursor: psycopg.Cursor[Any]) -> int:
        """The last position, its row locked until the transaction ends: writers take turns."""
        row = cursor.execute("SELECT position FROM timeline_head FOR UPDATE").fetchone()
        if row is None:
            raise NotAStoreError(f"{self}: its timeline_head row is missing")
        return int(row[0])

    def _copy_in(self, cursor: psycopg.Cursor[Any], rows: Sequence[tuple[Any, ...]]) -> None:
        """Write rows (position, id, known_at, type, subject, body, hash) and move the head."""
        with cursor.copy(
            "COPY timeline_records (position, id, known_at, type, subject, body, hash) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        position, _, known_at, _, _, _, digest = rows[-1]
        cursor.execute(
            "UPDATE timeline_head SET position = %s, known_at = %s, hash = %s",
            (position, known_at, digest),
        )
        # Delivered when the transaction commits, to every follower (wait_for).
        cursor.execute(
            "SELECT pg_notify(%s, current_schema() || ' ' || %s)", (_CHANNEL, str(position))
        )

    # -- snapshots and saved states ---------------------------------------------------------


class PostgresBulk:
    """A write transaction open on a :class:`PostgresStore`, taking rows a part at a time."""

    def __init__(
        self, store: PostgresStore, cursor: psycopg.Cursor[Any], head: Head | None
    ) -> None:
        self._store = store
        self._cursor = cursor
        self.head = head

    def positions_of(self, raw_ids: Collection[bytes]) -> dict[bytes, int]:
        """The positions of the records with these ids (16 bytes each) that the store holds.

        One query a part, by the ids' own index.
        """
        if not raw_ids or self.head is None:
            return {}
        with self._store._errors("read"):  # noqa: SLF001 -- the store's own helper
            rows = self._cursor.execute(
                "SELECT id, position FROM timeline_records WHERE id = ANY(%s::uuid[])",
                ([raw.hex() for raw in raw_ids],),
            ).fetchall()
        return {found.bytes: position for found, position in rows}

    def insert(self, rows: Sequence[EncodedRow]) -> None:
        """Write rows the log's codec made, following the last ones written."""
        if not rows:
            return
        last = FIRST_POSITION - 1 if self.head is None else self.head.position
        check_follows([row[0] for row in rows], expected=last, actual=last)
        for row in rows:
            if len(row[1]) != 16:
                raise StoreError(f"record {row[0]}: its id is not 16 bytes")
        with self._store._errors("append"):  # noqa: SLF001 -- the store's own helper
            copied = [(row[0], row[1].hex(), *row[2:]) for row in rows]
            self._store._copy_in(self._cursor, copied)  # noqa: SLF001 -- the store's own helper
        self.head = Head(rows[-1][0], rows[-1][2], rows[-1][6])
