"""The PostgreSQL store: one log shared by many processes and machines (the ``postgres`` extra)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from timeline._codec import GENESIS_HASH, EncodedRow, PreparedRow, subject_json
from timeline._errors import KnownTimeError, NotAStoreError, StoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord
from timeline.stores._common import check_append, check_follows

from ._schema import _CHANNEL, _psycopg
from ._states import _States

#: The most rows a write sends in one round trip with its commit (pipelined, see
#: ``PostgresStore._writing``); more are copied (``COPY``), which is faster per row.
_PIPELINED: Final = 500

#: The SQLSTATE timeline_append raises for a known time earlier than the head's.
_KNOWN_TOO_EARLY: Final = "TL001"

#: The most records the server chains in one append (``_append_prepared``). Its rows are
#: written from arrays, which is slower than ``COPY`` (1.5x at 1,000 rows, 1.2x at 20,000):
#: a longer batch is mostly the writing of its rows, and is better copied.
_CHAINED: Final = 1000

_INSERT_ARRAYS: Final = (
    "INSERT INTO timeline_records (position, id, known_at, type, subject, body, hash) "
    "SELECT * FROM unnest(%b::bigint[], %b::uuid[], %b::text[], %b::text[], %b::text[], "
    "%b::text[], %b::text[])"
)

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

    Every append locks the store's head in its transaction: writers in any
    number of processes take turns, positions stay contiguous and known times
    non-decreasing, and an append that expected another position fails with
    :class:`~timeline.ConcurrencyError`, writing nothing. An append that
    expects no position (``Log.extend`` without one, stamped by the clock) is
    chained by the server itself, in one statement: the lock is held for the
    server's work alone, so many writers append more together than one.
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
        with self._writing(len(records)) as cursor:
            check_append(records, expected=expected_position, actual=self._locked_head(cursor))
            self._write(
                cursor,
                [
                    (r.position, uuid.UUID(r.id), r.known_at, r.type, r.subject, r.body, r.hash)
                    for r in records
                ],
            )

    def _append_rows(self, rows: Sequence[EncodedRow], *, expected_position: int) -> None:
        """Append rows the log's codec made (``Codec.encode_rows``), as :meth:`append` does.

        The log's own lane: no :class:`StoredRecord` on the way, the ids as
        the 16 bytes the codec made (checked all the same).
        """
        self._check_writable()
        for row in rows:
            if len(row[1]) != 16:
                raise StoreError(f"record {row[0]}: its id is not 16 bytes")
        with self._writing(len(rows)) as cursor:
            actual = self._locked_head(cursor)
            check_follows([row[0] for row in rows], expected=expected_position, actual=actual)
            self._write(cursor, [(row[0], uuid.UUID(bytes=row[1]), *row[2:]) for row in rows])

    def _append_prepared(
        self, prepared: Sequence[PreparedRow], *, now: str, exact: bool = False
    ) -> tuple[int, str, list[str]] | None:
        """Append prepared records after whatever head the store has, chained on the server.

        One statement (``timeline_append``): the head locked, the records
        given positions after it, ``now`` as their known time (or the head's,
        if later -- unless ``exact``, a known time the caller gave, which is
        then refused), hashed and written, the head moved, followers told, and
        committed -- so the lock is held for the server's work alone, and many
        writers take turns without a round trip to any of them in between.
        Returns the last position, the known time and the records' hashes; None
        where the server's text is not UTF-8, or for more than ``_CHAINED``
        records (the caller then chains them, and ``COPY`` writes them).

        Raises:
            UnicodeEncodeError: A record holds text that UTF-8 cannot hold
                (nothing was sent).
            KnownTimeError: ``exact``, and the head is known later than ``now``
                (nothing was written).
        """
        if not self._chains or len(prepared) > _CHAINED:
            return None
        self._check_writable()
        columns: tuple[list[Any], ...] = ([], [], [], [], [])
        ids, types, subjects, subject_jsons, bodies = columns
        for _, text_id, name, subject, body in prepared:
            ids.append(text_id)
            types.append(name)
            subjects.append(subject)
            subject_jsons.append(subject_json(subject))
            bodies.append(body)
        with self._errors("append"):
            try:
                row = (
                    self._connection.cursor()
                    .execute(
                        "SELECT last, known, hashes FROM "
                        "timeline_append(%b, %b, %b, %b, %b, %s, %s, %s, %s)",
                        (*columns, now, exact, GENESIS_HASH, _CHANNEL),
                    )
                    .fetchone()
                )
            except _psycopg().Error as error:
                if getattr(error, "sqlstate", None) == _KNOWN_TOO_EARLY:
                    raise KnownTimeError(error.diag.message_primary or str(error)) from None
                raise
        if row is None:  # pragma: no cover -- the function returns a row
            raise StoreError(f"{self}: timeline_append returned nothing")
        return int(row[0]), row[1], list(row[2])

    @contextlib.contextmanager
    def _bulk(self, *, rows: int | None = None) -> Iterator[PostgresBulk]:
        """One transaction for a batch written a part at a time (a streamed load).

        Takes the head row's lock at the start, so no other writer appends
        until it ends: committed whole when the block ends, rolled back if it
        raises (a lost connection included). ``rows`` is how many rows the
        block will write, where the caller knows (a small batch is then
        written in one round trip with the commit, see :meth:`_writing`).
        """
        self._check_writable()
        with self._writing(rows) as cursor:
            row = cursor.execute(
                "SELECT position, known_at, hash FROM timeline_head FOR UPDATE"
            ).fetchone()
            if row is None:
                raise NotAStoreError(f"{self}: its timeline_head row is missing")
            head = None if row[0] < FIRST_POSITION else Head(row[0], row[1], row[2])
            bulk = PostgresBulk(self, cursor, head)
            yield bulk
            bulk.finish()

    @contextlib.contextmanager
    def _writing(self, rows: int | None) -> Iterator[psycopg.Cursor[Any]]:
        """A write transaction; pipelined where it writes at most ``_PIPELINED`` rows.

        The head's lock is what writers queue on, so what happens while it
        is held is what limits many writers together. Pipelined, the rows, the
        head's move and the notification go to the server together, then the
        ``COMMIT``: three round trips under the lock instead of six (``COPY``
        cannot be pipelined: it is kept for bigger batches, where it writes
        rows faster than an ``INSERT`` of arrays).
        """
        connection = self._connection
        with self._errors("append"), connection.transaction():
            if rows is None or rows > _PIPELINED:
                yield connection.cursor()
                return
            # BEGIN on its own, before the lock is asked for. A statement the server
            # refuses aborts the pipeline, and leaving it then fails again: psycopg
            # logs that second failure as ignored if the first is still on its way
            # out, so the first is held until the pipeline is left, then raised.
            pg = _psycopg()
            refused: BaseException | None = None
            try:
                with connection.pipeline():
                    try:
                        yield connection.cursor()
                    except pg.Error as error:
                        refused = error
            except pg.errors.PipelineAborted:
                if refused is None:
                    raise
            if refused is not None:
                raise refused

    def _locked_head(self, cursor: psycopg.Cursor[Any]) -> int:
        """The last position, its row locked until the transaction ends: writers take turns."""
        row = cursor.execute("SELECT position FROM timeline_head FOR UPDATE").fetchone()
        if row is None:
            raise NotAStoreError(f"{self}: its timeline_head row is missing")
        return int(row[0])

    def _write(self, cursor: psycopg.Cursor[Any], rows: Sequence[tuple[Any, ...]]) -> None:
        """Write rows (position, id, known_at, type, subject, body, hash) and move the head."""
        if rows:
            self._insert(cursor, rows)
            self._moved(cursor, rows[-1][0], rows[-1][2], rows[-1][6])

    def _insert(self, cursor: psycopg.Cursor[Any], rows: Sequence[tuple[Any, ...]]) -> None:
        """Write rows (position, id as a UUID, known_at, type, subject, body, hash)."""
        if self._connection._pipeline is not None:  # noqa: SLF001 -- psycopg's own state, read
            # One statement of seven arrays, sent in binary: queued, not waited for.
            cursor.execute(_INSERT_ARRAYS, [list(column) for column in zip(*rows, strict=True)])
            return
        with cursor.copy(
            "COPY timeline_records (position, id, known_at, type, subject, body, hash) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)

    def _moved(
        self, cursor: psycopg.Cursor[Any], position: int, known_at: str, digest: str
    ) -> None:
        """Move the head, and tell every follower (``wait_for``) once the transaction commits."""
        cursor.execute(
            "WITH moved AS (UPDATE timeline_head SET position = %s, known_at = %s, hash = %s "
            "RETURNING position) "
            "SELECT pg_notify(%s, current_schema() || ' ' || position) FROM moved",
            (position, known_at, digest, _CHANNEL),
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
        self._wrote = False

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
            written = [(row[0], uuid.UUID(bytes=row[1]), *row[2:]) for row in rows]
            self._store._insert(self._cursor, written)  # noqa: SLF001 -- the store's own helper
        self.head = Head(rows[-1][0], rows[-1][2], rows[-1][6])
        self._wrote = True

    def finish(self) -> None:
        """Move the store's head to the last row written (once, at the end of the batch)."""
        if self._wrote and self.head is not None:
            head = self.head
            self._store._moved(self._cursor, head.position, head.known_at, head.hash)  # noqa: SLF001 -- the store's own helper
