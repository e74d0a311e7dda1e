"""The PostgreSQL store: one log shared by many processes and machines (the ``postgres`` extra)."""

from __future__ import annotations

import contextlib
import operator
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from timeline._codec import EncodedRow
from timeline._errors import NotAStoreError, ReadOnlyStoreError, StoreError, StoreNotFoundError
from timeline._records import FIRST_POSITION, Head, StoredRecord
from timeline.stores._common import check_append, check_follows, is_canonical

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

#: The schema version this code writes.
SCHEMA_VERSION: Final = 2
_FORMAT: Final = "timeline"
# Held (per transaction) while the schema is checked and created, so that many
# processes opening a new database at once create it once.
_SCHEMA_LOCK: Final = 0x74696D656C696E65  # "timeline"
# Rows fetched per query when reading: a read never holds a transaction open.
_PAGE: Final = 2000
_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# A row's known_to while it is current (the facts index's "never").
_CURRENT: Final = 1 << 62
_TABLES: Final = ("timeline_meta", "timeline_head", "timeline_records", "timeline_snapshots")
_FACT_ROWS: Final = (
    # Saved temporal facts as rows the server can answer from (see fact_answers):
    # bounds in microseconds, known times [known_from, known_to) likewise. A
    # row's reach is the bit length of its span, end_last - start_earliest.
    """CREATE TABLE timeline_fact_rows (
        name text NOT NULL,
        key text NOT NULL,
        first bigint NOT NULL,
        start_earliest bigint NOT NULL,
        start_last bigint NOT NULL,
        end_earliest bigint NOT NULL,
        end_last bigint NOT NULL,
        floating smallint NOT NULL,
        known_from bigint NOT NULL,
        known_to bigint NOT NULL,
        reach smallint NOT NULL
    )""",
    # The longest span of each reach (and floating flags) saved: a row of that
    # reach that meets [low, high) starts after low - longest, so each reach is
    # one range of an index sorted by start (the in-memory index's length
    # classes, on the server).
    """CREATE TABLE timeline_fact_reach (
        name text NOT NULL, floating smallint NOT NULL, reach smallint NOT NULL,
        longest bigint NOT NULL,
        PRIMARY KEY (name, floating, reach)
    )""",
    # Covering indexes, read without the table once a vacuum has marked its pages
    # all-visible: the current rows (most questions are about what is known now),
    # and the rows that were current once.
    f"""CREATE INDEX timeline_fact_rows_now ON timeline_fact_rows
        (name, floating, reach, start_earliest)
        INCLUDE (end_last, start_last, end_earliest, key, first)
        WHERE known_to = {_CURRENT}""",
    f"""CREATE INDEX timeline_fact_rows_before ON timeline_fact_rows
        (name, floating, reach, start_earliest)
        INCLUDE (end_last, start_last, end_earliest, known_from, known_to, key, first)
        WHERE known_to <> {_CURRENT}""",
)
_SCHEMA: Final = (
    "CREATE TABLE timeline_meta (key text PRIMARY KEY, value text NOT NULL)",
    # One row, locked by every append: writers take turns, so positions stay
    # contiguous and known times never go backwards (see the docs' "PostgreSQL").
    """CREATE TABLE timeline_head (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        position bigint NOT NULL,
        known_at text NOT NULL,
        hash text NOT NULL
    )""",
    """CREATE TABLE timeline_records (
        position bigint PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        known_at text NOT NULL,
        type text NOT NULL,
        subject text,
        body text NOT NULL,
        hash text NOT NULL
    )""",
    "CREATE INDEX timeline_records_by_type ON timeline_records (type, position)",
    """CREATE INDEX timeline_records_by_subject ON timeline_records (subject, position)
        WHERE subject IS NOT NULL""",
    "CREATE INDEX timeline_records_by_known ON timeline_records (known_at, position)",
    """CREATE TABLE timeline_snapshots (
        name text PRIMARY KEY, position bigint NOT NULL, state text NOT NULL
    )""",
    """CREATE TABLE timeline_states (
        name text PRIMARY KEY, position bigint NOT NULL, meta text NOT NULL, parts bytea[] NOT NULL
    )""",
    *_FACT_ROWS,
)
# Schema 1 kept the rows with range columns under GiST and SP-GiST indexes; its
# saved rows (and the states they belong to) are dropped, to be saved again.
_MIGRATIONS: Final = {
    1: (
        "DELETE FROM timeline_states WHERE name IN (SELECT name FROM timeline_fact_rows)",
        "DROP TABLE timeline_fact_rows",
        *_FACT_ROWS,
    ),
}
_ROW_COLUMNS: Final = (
    "key",
    "first",
    "start_earliest",
    "start_last",
    "end_earliest",
    "end_last",
    "floating",
    "known_from",
    "known_to",
)
_COLUMNS: Final = "position, id::text, known_at, type, subject, body, hash"
# The same for the log's own lane: the id's 16 bytes and the hash's 32.
_RAW_COLUMNS: Final = "position, uuid_send(id), known_at, type, subject, body, decode(hash, 'hex')"
# The channel appends notify on: "<schema> <last position>".
_CHANNEL: Final = "timeline_appended"


def _psycopg() -> Any:  # noqa: ANN401 -- the module, imported on first use
    try:
        import psycopg  # noqa: PLC0415 -- an optional extra, imported when a store is opened
    except ImportError:
        raise StoreError(
            "PostgreSQL stores need psycopg: pip install 'bitemporal-timeline[postgres]'"
        ) from None
    return psycopg


class PostgresStore:
    """Keeps the log in a PostgreSQL database, for many writers and readers at once.

    ``url`` is a libpq connection string or URL (``postgresql://host/db``,
    ``postgresql:///db`` over the local socket). The store's tables
    (``timeline_*``) are created on first open, in ``schema`` if given (which
    is created if missing), else in the connection's search path; a
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

    def __init__(self, url: str, *, schema: str | None = None, read_only: bool = False) -> None:
        if schema is not None and not _NAME.fullmatch(schema):
            raise StoreError(f"schema {schema!r}: use lowercase letters, digits and _")
        self.url, self.schema, self.read_only = url, schema, read_only
        pg = _psycopg()
        try:
            db: psycopg.Connection[Any] = pg.connect(url, autocommit=True)
        except pg.Error as error:
            problem = _first_line(error)
            raise StoreError(f"{_shown(url)}: cannot connect: {problem}") from None
        self._db: psycopg.Connection[Any] | None = db
        self._listener: psycopg.Connection[Any] | None = None
        self._schema_cache: str | None = None
        #: The schema version the database had before this store migrated it on
        #: open; None when it needed no migration.
        self.migrated_from: int | None = None
        try:
            self._prepare()
        except BaseException:
            db.close()
            raise

    # -- the schema -------------------------------------------------------------------------

    def _prepare(self) -> None:
        with self._errors("open"), self._connection.transaction():
            cursor = self._connection.cursor()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            if self.schema is not None:
                if not self.read_only:
                    cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                cursor.execute(f'SET search_path TO "{self.schema}"')
            found = {
                row[0]
                for row in cursor.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_name LIKE 'timeline%%'"
                )
            }
            if not found:
                if self.read_only:
                    raise StoreNotFoundError(f"{self}: no timeline store here (opened read-only)")
                for statement in _SCHEMA:
                    cursor.execute(statement)
                cursor.executemany(
                    "INSERT INTO timeline_meta VALUES (%s, %s)",
                    [("format", _FORMAT), ("schema_version", str(SCHEMA_VERSION))],
                )
                # The head row is there from the start, so the first append locks it too.
                cursor.execute(
                    "INSERT INTO timeline_head (position, known_at, hash) VALUES (%s, '', '')",
                    (FIRST_POSITION - 1,),
                )
                return
            if not set(_TABLES) <= found:
                raise NotAStoreError(f"{self}: its timeline tables are not a timeline store's")
            meta = dict(cursor.execute("SELECT key, value FROM timeline_meta").fetchall())
            if meta.get("format") != _FORMAT:
                raise NotAStoreError(f"{self}: its timeline_meta is not a timeline store's")
            self._migrate(cursor, meta.get("schema_version", ""))

    def _migrate(self, cursor: psycopg.Cursor[Any], version: str) -> None:
        """Check an existing store's schema version; migrate an older one."""
        if version == str(SCHEMA_VERSION):
            return
        older = version.isdigit() and int(version) < SCHEMA_VERSION
        if not version.isdigit() or (older and int(version) not in _MIGRATIONS):
            raise NotAStoreError(f"{self}: schema version {version!r} is not a timeline's")
        if not older:
            raise StoreError(
                f"{self} has schema version {version}, newer than this library's "
                f"{SCHEMA_VERSION}: upgrade timeline to open it"
            )
        if self.read_only:
            raise StoreError(
                f"{self} has schema version {version}, older than this library's "
                f"{SCHEMA_VERSION}: open it once for writing to migrate it ('timeline migrate')"
            )
        # Under the schema lock, in this transaction: one process migrates, and
        # the others wait and find it done.
        for statement in _MIGRATIONS[int(version)]:
            cursor.execute(statement)
        cursor.execute(
            "UPDATE timeline_meta SET value = %s WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION),),
        )
        self.migrated_from = int(version)

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""
        with self._errors("read"):
            row = self._connection.execute(
                "SELECT value FROM timeline_meta WHERE key = 'schema_version'"
            ).fetchone()
        return int(row[0]) if row is not None else SCHEMA_VERSION

    @property
    def _connection(self) -> psycopg.Connection[Any]:
        db = self._db
        if db is None or db.closed:
            raise StoreError(f"{self}: the store is closed")
        return db

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(f"{self} was opened read-only")

    def _errors(self, doing: str) -> contextlib.AbstractContextManager[None]:
        return _Errors(self, doing)

    # -- the log ----------------------------------------------------------------------------

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        with self._errors("read"):
            row = (
                self._connection.cursor()
                .execute("SELECT position, known_at, hash FROM timeline_head")
                .fetchone()
            )
        if row is None or row[0] < FIRST_POSITION:
            return None
        return Head(row[0], row[1], row[2])

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

    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[StoredRecord]:
        """See :meth:`timeline.typing.Store.read`: fetched a page at a time."""
        self._connection  # noqa: B018 -- refuse at once when closed, not on the first next()
        sql, params = self._select(_COLUMNS, stop, types, subject)
        return self._pages(sql, start, params)

    @staticmethod
    def _select(
        columns: str, stop: int | None, types: Collection[str] | None, subject: str | None
    ) -> tuple[str, list[Any]]:
        """A page's query from a start position (its first parameter), and its other parameters."""
        where: list[str] = ["position >= %s"]
        params: list[Any] = []
        if stop is not None:
            where.append("position < %s")
            params.append(stop)
        if types is not None:
            where.append("type = ANY(%s)")
            params.append(list(types))
        if subject is not None:
            where.append("subject = %s")
            params.append(subject)
        sql = (
            f"SELECT {columns} FROM timeline_records WHERE {' AND '.join(where)} "  # noqa: S608 -- fixed text
            f"ORDER BY position LIMIT {_PAGE}"
        )
        return sql, params

    def _pages(self, sql: str, start: int, params: list[Any]) -> Iterator[StoredRecord]:
        for page in self._fetch_pages(sql, start, params):
            for row in page:
                yield StoredRecord(*row)

    def _fetch_pages(self, sql: str, start: int, params: list[Any]) -> Iterator[list[Any]]:
        while True:
            with self._errors("read"):
                # Binary results: the ids' and hashes' bytes as they are, not hex to decode.
                cursor = self._connection.cursor(binary=True)
                rows = cursor.execute(sql, [start, *params]).fetchall()
            if rows:
                yield rows
            if len(rows) < _PAGE:
                return
            start = rows[-1][0] + 1

    def _read_pages(
        self,
        start: int,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[list[tuple[int, bytes, str, str, str | None, str, bytes]]]:
        """Pages of rows as the log's codec decodes them (``Codec.decode_rows``), as read() does.

        The log's own lane: ids and hashes as bytes, no :class:`StoredRecord`.
        """
        sql, params = self._select(_RAW_COLUMNS, stop, types, subject)
        return self._fetch_pages(sql, start, params)

    def read_at(self, positions: Iterable[int]) -> list[StoredRecord]:
        """The records at ``positions``, in the order asked; those not held are left out."""
        wanted = list(positions)
        with self._errors("read"):
            rows = (
                self._connection.cursor()
                .execute(
                    f"SELECT {_COLUMNS} FROM timeline_records WHERE position = ANY(%s)",  # noqa: S608 -- fixed text
                    (wanted,),
                )
                .fetchall()
            )
        found = {row[0]: StoredRecord(*row) for row in rows}
        return [found[position] for position in wanted if position in found]

    def last_known_by(self, known_at: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        with self._errors("read"):
            row = (
                self._connection.cursor()
                .execute(
                    "SELECT coalesce(max(position), 0) FROM timeline_records WHERE known_at <= %s",
                    (known_at,),
                )
                .fetchone()
            )
        return int(row[0]) if row is not None else 0

    def find_ids(self, ids: Collection[str]) -> dict[str, int]:
        """See :meth:`timeline.typing.Store.find_ids`."""
        wanted = [text for text in ids if is_canonical(text)]
        if not wanted:
            return {}
        with self._errors("read"):
            rows = (
                self._connection.cursor()
                .execute(
                    "SELECT id::text, position FROM timeline_records WHERE id = ANY(%s::uuid[])",
                    (wanted,),
                )
                .fetchall()
            )
        return {found: position for found, position in rows if found in ids}

    def wait_for(self, position: int, *, timeout: float | None = None) -> int:
        """Block until the log holds a record after ``position``; return the last position.

        Woken by the server (``LISTEN``/``NOTIFY``) when another process -- on
        any machine -- commits an append: no polling. Returns at once if such
        a record is already there, and after ``timeout`` seconds (None:
        never) with the last position as it is, perhaps ``position`` still.
        """
        listener = self._listening()
        head = self.head()
        last = FIRST_POSITION - 1 if head is None else head.position
        if last > position:
            return last
        schema = self._schema_name()
        with self._errors("wait for appends"):
            for note in listener.notifies(timeout=timeout):
                where, _, told = note.payload.partition(" ")
                if where == schema and int(told) > position:
                    return int(told)
        head = self.head()  # timed out: as it is now
        return FIRST_POSITION - 1 if head is None else head.position

    def _listening(self) -> psycopg.Connection[Any]:
        """A second connection, listening for appends (made on the first wait)."""
        listener = self._listener
        if listener is None or listener.closed:
            with self._errors("listen for appends"):
                listener = _psycopg().connect(self.url, autocommit=True)
                listener.execute(f"LISTEN {_CHANNEL}")
            self._listener = listener
        return listener

    def _schema_name(self) -> str:
        if self._schema_cache is None:
            with self._errors("read"):
                row = self._connection.execute("SELECT current_schema()").fetchone()
            self._schema_cache = "" if row is None else str(row[0])
        return self._schema_cache

    # -- snapshots and saved states ---------------------------------------------------------

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """See :meth:`timeline.typing.Store.save_snapshot`."""
        self._check_writable()
        with self._errors("save a snapshot"):
            self._connection.cursor().execute(
                "INSERT INTO timeline_snapshots VALUES (%s, %s, %s) ON CONFLICT (name) "
                "DO UPDATE SET position = excluded.position, state = excluded.state",
                (name, position, state),
            )

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """See :meth:`timeline.typing.Store.load_snapshot`."""
        with self._errors("read"):
            row = (
                self._connection.cursor()
                .execute("SELECT position, state FROM timeline_snapshots WHERE name = %s", (name,))
                .fetchone()
            )
        return None if row is None else (int(row[0]), row[1])

    def snapshot_names(self) -> list[str]:
        """See :meth:`timeline.typing.Store.snapshot_names`."""
        with self._errors("read"):
            rows = self._connection.cursor().execute("SELECT name FROM timeline_snapshots")
            return sorted(row[0] for row in rows)

    def save_state(self, name: str, position: int, meta: str, parts: Sequence[bytes]) -> bool:
        """See :meth:`timeline.typing.StateStore.save_state`: one row, replaced atomically."""
        self._check_writable()
        with self._errors("save a state"):
            return _replace_state(self._connection.cursor(), name, position, meta, parts)

    def save_state_and_rows(
        self,
        name: str,
        position: int,
        meta: str,
        parts: Sequence[bytes],
        rows: Iterable[tuple[Any, ...]],
    ) -> bool:
        """Save a temporal-facts state and its rows for :meth:`fact_answers`, in one transaction.

        ``rows`` are (key, first, start earliest, start last, end earliest,
        end last, floating flags, known from, known to). As :meth:`save_state`,
        a state saved further along is kept, and nothing written.
        """
        self._check_writable()
        with self._errors("save a state"), self._connection.transaction():
            cursor = self._connection.cursor()
            if not _replace_state(cursor, name, position, meta, parts):
                return False
            cursor.execute("DELETE FROM timeline_fact_rows WHERE name = %s", (name,))
            cursor.execute("DELETE FROM timeline_fact_reach WHERE name = %s", (name,))
            longest: dict[tuple[int, int], int] = {}
            columns = ", ".join(("name", *_ROW_COLUMNS, "reach"))
            with cursor.copy(f"COPY timeline_fact_rows ({columns}) FROM STDIN") as copy:
                # In the order of their starts: a question's rows then share pages.
                for row in sorted(rows, key=operator.itemgetter(2)):
                    span = row[5] - row[2]
                    if span <= 0:
                        continue  # in force nowhere, not even maybe: never an answer
                    reach = span.bit_length()
                    group = (row[6], reach)  # floating flags, reach
                    longest[group] = max(longest.get(group, 0), span)
                    copy.write_row((name, *row, reach))
            cursor.executemany(
                "INSERT INTO timeline_fact_reach VALUES (%s, %s, %s, %s)",
                [(name, *group, span) for group, span in longest.items()],
            )
        with self._errors("save a state"):
            # Statistics for the planner now, rather than when autovacuum gets to it
            # (perhaps in the middle of the questions that follow); and the pages
            # marked all-visible, so that questions read the indexes alone.
            self._connection.execute("VACUUM (ANALYZE) timeline_fact_rows")
        return True

    def fact_answers(
        self,
        name: str,
        asked: tuple[int, int, bool, int],
        known: int,
        reach: int,
    ) -> tuple[int, int, str, list[tuple[str, int, bool]], list[tuple[Any, ...]]] | None:
        """Search the saved rows of temporal facts ``name`` for a question, on the server.

        ``asked`` is the question's ``(low, high, exact, flags)``: rows with
        those floating flags meet it as written, and the server answers them
        (``(key, first, yes)``; rows it would answer *no* are not returned).
        The other rows -- floating where the question is not -- are returned
        whole, within ``reach`` microseconds either way, for the caller to
        answer through every offset. Each search reads one range of a covering
        index per length of span (see ``timeline_fact_reach``); the state and
        its rows are read in one snapshot. Returns the position the rows were
        saved at, the log's last position and the state's meta too (as of
        that snapshot); None if none were saved.
        """
        low, high, exact, flags = asked
        surely = (
            "greatest(start_last, %(low)s) < least(end_earliest, %(high)s)"
            if exact
            else "start_last <= %(low)s AND %(high)s <= end_earliest"
        )
        values = {"name": name, "low": low, "high": high, "known": known}
        # What is known now is the current rows; known at an earlier time, the rows
        # current then, of either index.
        now = known >= _CURRENT - 1
        with self._errors("read"), self._connection.transaction():
            cursor = self._connection.cursor(binary=True)  # numbers and booleans as they are
            # One snapshot for the state and its rows: a save in between would pair
            # one save's meta with another's rows.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            saved = cursor.execute(
                "SELECT saved.position, head.position, meta "
                "FROM timeline_states AS saved, timeline_head AS head WHERE name = %s",
                (name,),
            ).fetchone()
            if saved is None:
                return None
            groups = cursor.execute(
                "SELECT floating, reach, longest FROM timeline_fact_reach WHERE name = %s", (name,)
            ).fetchall()
            same = [group for group in groups if group[0] == flags]
            plain = (
                cursor.execute(_search("key, first, " + surely, same, now=now), values).fetchall()
                if same and low < high  # an empty question meets nothing as written
                else []
            )
            other = [group for group in groups if group[0] != flags]
            wide = {**values, "low": low - reach, "high": high + reach}
            others = (
                cursor.execute(_search(", ".join(_ROW_COLUMNS), other, now=now), wide).fetchall()
                if other
                else []
            )
        return int(saved[0]), int(saved[1]), saved[2], plain, others

    def load_state(self, name: str) -> tuple[int, str, Iterator[bytes]] | None:
        """See :meth:`timeline.typing.StateStore.load_state`: every part from one save."""
        with self._errors("read"):
            row = (
                self._connection.cursor()
                .execute(
                    "SELECT position, meta, parts FROM timeline_states WHERE name = %s", (name,)
                )
                .fetchone()
            )
        if row is None:
            return None
        return int(row[0]), row[1], iter([bytes(part) for part in row[2]])

    def state_names(self) -> list[str]:
        """See :meth:`timeline.typing.StateStore.state_names`."""
        with self._errors("read"):
            rows = self._connection.cursor().execute("SELECT name FROM timeline_states")
            return sorted(row[0] for row in rows)

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        for db in (self._db, self._listener):
            if db is not None:
                db.close()
        self._db = self._listener = None

    def __repr__(self) -> str:
        where = _shown(self.url) + (f" schema {self.schema}" if self.schema else "")
        return f"<PostgresStore {where}>"


def _search(columns: str, groups: Sequence[tuple[int, int, int]], *, now: bool) -> str:
    """A query for the saved rows that meet [%(low)s, %(high)s) (see fact_answers).

    One range of a covering index per group of rows (floating flags, reach,
    longest span) and index: a row of that group meets the question only if it
    starts after low - longest. The groups are written into the text, as
    ranges the planner can only read from the index.
    """
    which = [(f"known_to = {_CURRENT}", "")]
    if not now:
        known = " AND known_from <= %(known)s AND %(known)s < known_to"
        which = [(f"known_to = {_CURRENT}", known), (f"known_to <> {_CURRENT}", known)]
    return " UNION ALL ".join(
        f"SELECT {columns} FROM timeline_fact_rows WHERE name = %(name)s "  # noqa: S608 -- numbers
        f"AND {predicate} AND floating = {int(floating)} AND reach = {int(reach)} "
        f"AND start_earliest > %(low)s - {int(longest)} AND start_earliest < %(high)s "
        f"AND end_last > %(low)s{known}"
        for floating, reach, longest in groups
        for predicate, known in which
    )


def _replace_state(
    cursor: psycopg.Cursor[Any], name: str, position: int, meta: str, parts: Sequence[bytes]
) -> bool:
    """Replace the state saved as ``name`` unless one saved further along is there."""
    written = cursor.execute(
        "INSERT INTO timeline_states AS saved VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
        "meta = excluded.meta, parts = excluded.parts "
        "WHERE saved.position <= excluded.position RETURNING 1",
        (name, position, meta, [bytes(part) for part in parts]),
    ).fetchone()
    return written is not None


def _shown(url: str) -> str:
    """The URL without a password."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class _Errors(contextlib.AbstractContextManager[None]):
    """Turn psycopg's errors into the library's, naming the store and what was being done."""

    def __init__(self, store: PostgresStore, doing: str) -> None:
        self.store, self.doing = store, doing

    def __exit__(self, kind: object, error: BaseException | None, _trace: object) -> None:
        if error is None or isinstance(error, StoreError):
            return
        pg = _psycopg()
        if isinstance(error, pg.OperationalError):
            raise StoreError(
                f"{self.store}: lost the connection during {self.doing}: {_first_line(error)} "
                "(what was not committed was not written; retry if you wish)"
            ) from error
        if isinstance(error, pg.errors.UniqueViolation):
            raise StoreError(
                f"{self.store}: {self.doing} refused: a position or id is already stored "
                f"({_first_line(error)})"
            ) from error
        if isinstance(error, pg.Error):
            raise StoreError(f"{self.store}: {self.doing} failed: {_first_line(error)}") from error
