"""The SQLite store: the embedded default, one file."""

from __future__ import annotations

import array
import contextlib
import datetime as dt
import heapq
import itertools
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal

from timeline._codec import EncodedRow, known_at_from_micros, known_at_micros, stored_record
from timeline._errors import (
    CorruptStoreError,
    NotAStoreError,
    ReadOnlyStoreError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreNotFoundError,
)
from timeline._records import FIRST_POSITION, Head, StoredRecord
from timeline.stores._common import (
    ErrorsOf,
    check_append,
    check_follows,
    check_location,
    creating_name,
    fsync_path,
    is_canonical,
    os_failure,
    out_of_room,
    publish,
    sweep_creations,
)

__all__ = ["SQLiteStore"]

#: The schema version this code writes. Older files are migrated on open.
SCHEMA_VERSION: Final = 2
_FORMAT: Final = "timeline"

# Schema 1, as the first version of the library wrote it.
_SCHEMA_1: Final = (
    "CREATE TABLE timeline_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT",
    "CREATE TABLE types (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT",
    # Compact columns keep small events small: ids and hashes as bytes,
    # known times as microseconds since 0001-01-01, type names by number.
    # Ids are random UUIDs that nothing looks up: no index, which would
    # cost a quarter of a small record's bytes.
    """CREATE TABLE records (
        position INTEGER PRIMARY KEY,
        id BLOB NOT NULL,
        known_at INTEGER NOT NULL,
        type INTEGER NOT NULL REFERENCES types(id),
        subject TEXT,
        body TEXT NOT NULL,
        hash BLOB NOT NULL
    ) STRICT""",
    "CREATE INDEX records_by_type ON records (type, position)",
    "CREATE INDEX records_by_subject ON records (subject, position) WHERE subject IS NOT NULL",
    "CREATE INDEX records_by_known ON records (known_at, position)",
    """CREATE TABLE snapshots (
        name TEXT PRIMARY KEY, position INTEGER NOT NULL, state TEXT NOT NULL
    ) STRICT""",
)

# Schema 2 files each record under its subject and type in postings -- one row
# per key and appended batch, holding the batch's positions of that key --
# instead of an index entry per record: a batch of 1,000 records over 100
# subjects writes about 100 rows rather than 2,000 index entries, which made
# the indexes the larger half of an append. Known times never go backwards,
# so reads by known time bisect the positions and need no index at all.
_SCHEMA_2: Final = (
    "DROP INDEX records_by_type",
    "DROP INDEX records_by_subject",
    "DROP INDEX records_by_known",
    """CREATE TABLE postings (
        key TEXT NOT NULL,
        first INTEGER NOT NULL,
        last INTEGER NOT NULL,
        offsets BLOB NOT NULL,
        PRIMARY KEY (key, first)
    ) STRICT, WITHOUT ROWID""",
)


def _to_schema_1(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA_1:
        db.execute(statement)


def _to_schema_2(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA_2:
        db.execute(statement)
    _fill_postings(db)


# Each entry brings a file from the version before it to its own version.
_MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {
    1: _to_schema_1,
    2: _to_schema_2,
}

# A posting's positions: unsigned 32-bit offsets from its first, little-endian.
_OFFSETS: Final = "I"
# How many records' postings a rebuild (or a migration) writes as one group.
_GROUP: Final = 4096
# Placeholders in one "position IN (...)" query.
_CHUNK: Final = 500


def _subject_key(subject: str) -> str:
    return "s:" + subject


def _type_key(number: int) -> str:
    return f"t:{number}"


def _postings_of(rows: Iterable[tuple[int, int, str | None]]) -> list[tuple[str, int, int, bytes]]:
    """Postings rows (key, first, last, offsets) for records given as (position, type, subject)."""
    # Grouped by the raw type number and subject first: a key's text is made
    # once per group rather than once per record.
    types: dict[int, list[int]] = {}
    subjects: dict[str, list[int]] = {}
    for position, type_number, subject in rows:
        found = types.get(type_number)
        if found is None:
            types[type_number] = [position]
        else:
            found.append(position)
        if subject is not None:
            found = subjects.get(subject)
            if found is None:
                subjects[subject] = [position]
            else:
                found.append(position)
    keyed = [(_type_key(number), positions) for number, positions in types.items()]
    keyed += [(_subject_key(subject), positions) for subject, positions in subjects.items()]
    postings = []
    for key, positions in keyed:
        first = positions[0]
        offsets = array.array(_OFFSETS, [position - first for position in positions])
        if sys.byteorder == "big":  # pragma: no cover -- the file is little-endian everywhere
            offsets.byteswap()
        postings.append((key, first, positions[-1], offsets.tobytes()))
    return postings


def _offsets(first: int, raw: bytes) -> list[int]:
    """The positions a posting holds.

    Raises:
        ValueError: ``raw`` is not a whole number of offsets.
    """
    offsets = array.array(_OFFSETS)
    offsets.frombytes(raw)
    if sys.byteorder == "big":  # pragma: no cover
        offsets.byteswap()
    return [first + offset for offset in offsets]


_COLUMNS: Final = "position, id, known_at, type, subject, body, hash"

# The known times a record can hold, in microseconds (see known_at_micros):
# from 0001-01-01 to the end of 9999-12-31.
_KNOWN_RANGE: Final = (86_400_000_000, (dt.date.max.toordinal() + 1) * 86_400_000_000)

#: A record as read from the file and checked: position, id (16 bytes), known
#: time (text), type name, subject, body and hash (32 bytes).
RawRecord = tuple[int, bytes, str, str, str | None, str, bytes]


def _as_stored(row: RawRecord) -> StoredRecord:
    """The StoredRecord of a checked row: its id and hash written as text."""
    position, raw_id, known_at, name, subject, body, digest = row
    return stored_record((position, raw_id, known_at, name, subject, body, digest.hex()))


def _marks(values: Sequence[object]) -> str:
    """As many placeholders as ``values``, comma-separated."""
    return ", ".join("?" * len(values))


def _chunks(values: Iterator[int], size: int) -> Iterator[list[int]]:
    while chunk := list(itertools.islice(values, size)):
        yield chunk


def _fill_postings(db: sqlite3.Connection) -> None:
    """Write the postings of every record, in groups of consecutive positions."""
    cursor = db.execute("SELECT position, type, subject FROM records ORDER BY position")
    while rows := cursor.fetchmany(_GROUP):
        db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", _postings_of(rows))


# Projections' saved states: caches beside the log, made when first saved. A
# state is a small JSON description and its bytes, in parts of at most 64 MB.
_STATE_TABLES: Final = (
    """CREATE TABLE IF NOT EXISTS timeline_states (
        name TEXT PRIMARY KEY, position INTEGER NOT NULL, meta TEXT NOT NULL
    ) STRICT""",
    """CREATE TABLE IF NOT EXISTS timeline_state_parts (
        name TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (name, part)
    ) STRICT""",
)

#: How hard a commit tries to survive a crash (SQLite's ``synchronous``):
#: "full" survives power loss; "normal" survives a killed process but may
#: lose the last commits on power loss (faster).
Durability = Literal["full", "normal"]


class SQLiteStore:
    """A log in one SQLite file: created atomically on first use, WAL, a versioned schema.

    A batch append is one transaction that first checks the expected
    position, so several processes can append to one file: they queue on
    SQLite's write lock and one that lost the race gets
    :class:`~timeline.ConcurrencyError`, with nothing written.

    A new file is built aside under a temporary name and linked into place
    whole, so a kill during creation leaves a store that opens or no file,
    and processes creating the same store at once all end up with the one
    that was linked first.

    Opened with ``read_only=True`` the store never writes: not the file, not
    a migration, not a checkpoint. Queries, :func:`~timeline.stores.verify`
    and copies from it leave its bytes as they were.

    Args:
        path: The file; created, with its schema, if it does not exist
            (unless ``read_only``).
        durability: ``"full"`` (default) or ``"normal"``; see :data:`Durability`.
        timeout: Seconds a writer waits for another's lock before
            :class:`~timeline.StoreLockedError`.
        read_only: Open for reading only.

    Raises:
        StoreNotFoundError: ``read_only`` and there is no file.
        NotAStoreError: The file is not a timeline store; it is left as it was.
        StoreError: The file has a newer schema (or, read-only, an older one).
        ReadOnlyStoreError: The file or its folder cannot be written, and
            ``read_only`` was not given.

    >>> import tempfile, pathlib
    >>> folder = tempfile.mkdtemp()
    >>> store = SQLiteStore(pathlib.Path(folder) / "timeline.sqlite")
    >>> store.head() is None
    True
    >>> store.close()
    """

    def __init__(
        self,
        path: str | Path,
        *,
        durability: Durability = "full",
        timeout: float = 30.0,
        read_only: bool = False,
    ) -> None:
        if durability not in ("full", "normal"):
            raise ValueError(f"durability must be 'full' or 'normal', not {durability!r}")
        self.path = Path(path)
        self.durability = durability
        self.read_only = read_only
        self._timeout = timeout
        self._lock = threading.RLock()
        self._types: dict[str, int] = {}
        self._names: dict[int, str] = {}
        #: The schema version the file had before this store migrated it on
        #: open; None when it needed no migration.
        self.migrated_from: int | None = None
        check_location(self.path, read_only=read_only)
        if not read_only:
            sweep_creations(self.path)
            if not self.path.exists():
                self._create()
        self._db = self._connect()
        try:
            with self._errors("open"):
                self._open()
        except BaseException:
            self._db.close()
            raise

    # -- creating, opening and migrating -----------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # mode=ro never writes (no checkpoint on close); mode=rw never creates.
        uri = f"{self.path.resolve().as_uri()}?mode={'ro' if self.read_only else 'rw'}"
        if self.read_only and self._on_read_only_media():
            uri += "&immutable=1"
        try:
            return sqlite3.connect(
                uri,
                uri=True,
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise _failure(error, self.path, "open") from None

    def _on_read_only_media(self) -> bool:
        """Whether the file must be read as immutable: its folder cannot be written.

        A WAL file needs its shared-memory index (``-shm``) beside it, which a
        reader cannot create in a read-only folder. With no pending WAL the
        file alone holds every committed record, so it is read as immutable.

        Raises:
            ReadOnlyStoreError: Committed records wait in a WAL that cannot be read here.
        """
        folder = self.path.parent
        if os.access(folder, os.W_OK) or self._beside("-shm").exists():
            return False
        wal = self._beside("-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise ReadOnlyStoreError(
                f"{self.path}: its latest records are still in {wal.name}, which cannot be read "
                "in a read-only folder: open it once where it can be written, or copy the folder"
            )
        return True

    def _beside(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def _create(self) -> None:
        """Build a new store aside, then link it into place if nothing is there yet."""
        temporary = creating_name(self.path)
        try:
            db = sqlite3.connect(temporary, isolation_level=None)
            try:
                # No journal while it is built: a killed creation leaves one file,
                # never published. The first writer to open the store turns on WAL.
                db.execute("PRAGMA journal_mode=OFF")
                db.execute("PRAGMA synchronous=FULL")
                self._migrate_on(db, 0)
            finally:
                db.close()
            fsync_path(temporary)
            publish(temporary, self.path)
        except sqlite3.Error as error:
            raise _failure(error, self.path, "create") from None
        except OSError as error:
            raise os_failure(error, self.path, "create") from None
        finally:
            temporary.unlink(missing_ok=True)

    def _open(self) -> None:
        version = self._version()
        if version == 0:
            if self.read_only:
                raise NotAStoreError(f"{self.path} is not a timeline store: it holds no tables")
            version = self._initialize()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this library's "
                f"{SCHEMA_VERSION}: upgrade timeline to open it"
            )
        if not self.read_only:
            if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={self.durability.upper()}")
            self._db.execute("PRAGMA foreign_keys=ON")
            if version < SCHEMA_VERSION:
                with self._transaction():
                    before = self._version()  # again, inside the lock: another may have done it
                    if before < SCHEMA_VERSION:
                        self._migrate_on(self._db, before)
                        self.migrated_from = before
        elif version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, older than this library's "
                f"{SCHEMA_VERSION}: open it once for writing to migrate it ('timeline migrate')"
            )
        self._names = dict(self._db.execute("SELECT id, name FROM types"))
        self._types = {name: number for number, name in self._names.items()}

    def _version(self) -> int:
        """The file's schema version; 0 for a database with no tables at all."""
        try:
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as error:
            if "not a database" in str(error):
                raise NotAStoreError(f"{self.path} is not a timeline store: {error}") from None
            raise
        if not tables:
            return 0
        if "timeline_meta" not in tables:
            raise NotAStoreError(
                f"{self.path} is a SQLite file but not a timeline store "
                f"(it has tables {sorted(tables)[:5]})"
            )
        meta = dict(self._db.execute("SELECT key, value FROM timeline_meta"))
        if meta.get("format") != _FORMAT:
            raise NotAStoreError(f"{self.path} is not a timeline store (format {meta!r})")
        schema = str(meta.get("schema", ""))
        if not schema.isdigit():
            raise CorruptStoreError(f"{self.path}: its schema version {schema!r} is unreadable")
        return int(schema)

    def _initialize(self) -> int:
        """Give an empty database (an empty file the caller made) the schema, in place.

        One exclusive transaction that looks again inside it: of processes
        doing this at once, one creates the schema and the others find it.
        """
        with self._transaction():
            version = self._version()
            if version == 0:
                self._migrate_on(self._db, 0)
        return self._version()

    @staticmethod
    def _migrate_on(db: sqlite3.Connection, version: int) -> None:
        """Bring ``db`` from ``version`` to :data:`SCHEMA_VERSION` (in the caller's transaction)."""
        own = not db.in_transaction
        if own:
            db.execute("BEGIN IMMEDIATE")
        try:
            for step in range(version + 1, SCHEMA_VERSION + 1):
                _MIGRATIONS[step](db)
            db.executemany(
                "INSERT OR REPLACE INTO timeline_meta (key, value) VALUES (?, ?)",
                [("format", _FORMAT), ("schema", str(SCHEMA_VERSION))],
            )
        except BaseException:
            if own and db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if own:
            db.execute("COMMIT")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _errors(self, doing: str) -> _Errors:
        return _Errors(self.path, doing)

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        with self._lock, self._errors("read"):
            row = self._db.execute(
                "SELECT value FROM timeline_meta WHERE key = 'schema'"
            ).fetchone()
        return int(row[0])

    # -- the store protocol -----------------------------------------------------------

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        with self._lock, self._errors("read"):
            row = self._query(
                "SELECT position, known_at, hash FROM records ORDER BY position DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return Head(row[0], known_at_from_micros(row[1]), row[2].hex())

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """See :meth:`timeline.typing.Store.append`: one transaction per batch."""
        self._check_writable()
        with self._lock, self._errors("append"), self._transaction():
            actual = self._last_position()
            check_append(records, expected=expected_position, actual=actual)
            self._insert(
                [
                    (
                        record.position,
                        bytes.fromhex(record.id.replace("-", "")),  # canonical: check_append
                        record.known_at,
                        record.type,
                        record.subject,
                        record.body,
                        record.hash,
                    )
                    for record in records
                ]
            )

    def _append_rows(
        self,
        rows: Sequence[EncodedRow],
        *,
        expected_position: int,
    ) -> None:
        """Append rows the log's codec made (see ``Codec.encode_rows``), as :meth:`append` does.

        The ids are bytes already, and the positions follow on by construction;
        both are checked all the same, as cheaply as they can be.

        Raises:
            ConcurrencyError: ``expected_position`` is not the last position.
            StoreError: The rows do not follow on, or an id is not 16 bytes.
        """
        self._check_writable()
        with self._lock, self._errors("append"), self._transaction():
            actual = self._last_position()
            check_follows([row[0] for row in rows], expected=expected_position, actual=actual)
            for row in rows:
                if len(row[1]) != 16:
                    raise StoreError(f"record {row[0]}: its id is not 16 bytes")
            self._insert(rows)

    def _last_position(self) -> int:
        row = self._query("SELECT max(position) FROM records").fetchone()
        return row[0] if row[0] is not None else FIRST_POSITION - 1

    def _insert(self, rows: Sequence[EncodedRow]) -> None:
        """Write records and their postings, in the caller's transaction."""
        last_known, micros = "", 0  # a batch's records share their known time
        written = []
        for position, raw_id, known_at, name, subject, body, digest in rows:
            if known_at != last_known:
                micros, last_known = known_at_micros(known_at), known_at
            number = self._types.get(name)
            if number is None:
                number = self._type_number(name)
            written.append((position, raw_id, micros, number, subject, body, bytes.fromhex(digest)))
        self._db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)", written)
        self._db.executemany(
            "INSERT INTO postings VALUES (?, ?, ?, ?)",
            _postings_of([(row[0], row[3], row[4]) for row in written]),
        )

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(f"{self.path} was opened read-only")

    def _type_number(self, name: str) -> int:
        number = self._types.get(name)
        if number is None:
            found = self._db.execute("SELECT id FROM types WHERE name = ?", (name,)).fetchone()
            if found is None:
                found = self._db.execute(
                    "INSERT INTO types (name) VALUES (?) RETURNING id", (name,)
                ).fetchone()
            number = found[0]
            self._types[name] = number
            self._names[number] = name
        return number

    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[StoredRecord]:
        """See :meth:`timeline.typing.Store.read`."""
        for page in self._read_pages(start, stop=stop, types=types, subject=subject):
            yield from map(_as_stored, page)

    def _read_pages(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[list[RawRecord]]:
        """What :meth:`read` yields, a page at a time, as checked rows: the log decodes these.

        A record's id and hash stay bytes here; :class:`StoredRecord` writes
        them as text, which the log would only read back again.
        """
        numbers: list[int] = []
        if types is not None:
            with self._lock, self._errors("read"):
                self._names = dict(self._query("SELECT id, name FROM types"))
                self._types = {name: number for number, name in self._names.items()}
            numbers = sorted(self._types[name] for name in types if name in self._types)
            if not numbers:
                return
        if subject is not None:
            keys = [_subject_key(subject)]
        elif types is not None:
            keys = [_type_key(number) for number in numbers]
        else:
            yield from self._read_all(start, stop)
            return
        # Only the records filed under the keys are fetched, by position; a read by
        # subject and types takes the subject's positions and filters by type.
        kinds = "" if subject is None or types is None else f" AND type IN ({_marks(numbers)})"
        for chunk in _chunks(self._positions(keys, start, stop), _CHUNK):
            sql = (
                f"SELECT {_COLUMNS} FROM records WHERE position IN ({_marks(chunk)}){kinds} "  # noqa: S608 -- placeholders only
                "ORDER BY position"
            )
            params = [*chunk, *numbers] if kinds else chunk
            with self._lock, self._errors("read"):
                rows, damage = self._fetch(sql, params)
                checked = self._checked_page(rows)
            yield checked
            if damage is not None:
                raise damage

    def _read_all(self, start: int, stop: int | None) -> Iterator[list[RawRecord]]:
        """Every record from ``start`` (before ``stop``), fetched a page at a time.

        Pages keep a long read from holding the lock, or all rows, at once.
        """
        bound = "" if stop is None else " AND position < ?"
        where = f"position >= ?{bound} ORDER BY position LIMIT 2048"
        sql = f"SELECT {_COLUMNS} FROM records WHERE {where}"  # noqa: S608 -- fixed fragments
        last = start - 1
        while True:
            params = [last + 1] if stop is None else [last + 1, stop]
            with self._lock, self._errors("read"):
                rows, damage = self._fetch(sql, params)
                checked = self._checked_page(rows)
            yield checked
            if damage is not None:
                raise damage
            if len(rows) < 2048:
                return
            last = rows[-1][0]

    def _positions(self, keys: Sequence[str], start: int, stop: int | None) -> Iterator[int]:
        """The positions filed under any of ``keys``, from ``start`` (before ``stop``), in order."""
        streams = [self._key_positions(key, start, stop) for key in keys]
        return streams[0] if len(streams) == 1 else heapq.merge(*streams)

    def _key_positions(self, key: str, start: int, stop: int | None) -> Iterator[int]:
        # A key's postings never overlap (each holds positions of one batch), so
        # only the last that begins at or before ``start`` can reach past it.
        with self._lock, self._errors("read"):
            row = self._query(
                "SELECT max(first) FROM postings WHERE key = ? AND first <= ?", (key, start)
            ).fetchone()
        low = start if row[0] is None else row[0]
        high = sys.maxsize if stop is None else stop
        while True:
            with self._lock, self._errors("read"):
                page = self._query(
                    "SELECT first, offsets FROM postings WHERE key = ? AND first >= ? "
                    "AND first < ? ORDER BY first LIMIT 256",
                    (key, low, high),
                ).fetchall()
                try:
                    groups = [_offsets(first, raw) for first, raw in page]
                except (TypeError, ValueError):
                    raise CorruptStoreError(
                        f"{self.path}: the postings of {key!r} are malformed (a damaged "
                        "page): run 'timeline verify'"
                    ) from None
            for positions in groups:
                for position in positions:
                    if position >= high:
                        return
                    if position >= start:
                        yield position
            if len(page) < 256:
                return
            low = page[-1][0] + 1

    def _stored(self, row: tuple[int, bytes, int, int, str | None, str, bytes]) -> StoredRecord:
        return _as_stored(self._checked(row))

    def _checked_page(
        self, rows: list[tuple[int, bytes, int, int, str | None, str, bytes]]
    ) -> list[RawRecord]:
        """Rows as read, checked (as :meth:`_checked` checks each), in one loop."""
        names = self._names
        checked: list[RawRecord] = []
        append = checked.append
        last_known, known_text = -1, ""  # records of a batch share their known time
        for row in rows:
            position, raw_id, known, type_number, subject, body, digest = row
            name = names.get(type_number)
            if (
                name is not None
                and type(raw_id) is bytes
                and len(raw_id) == 16
                and type(digest) is bytes
                and len(digest) == 32
                and type(body) is str
                and (subject is None or type(subject) is str)
                and type(known) is int
                and _KNOWN_RANGE[0] <= known < _KNOWN_RANGE[1]
            ):
                if known != last_known:
                    known_text, last_known = known_at_from_micros(known), known
                append((position, raw_id, known_text, name, subject, body, digest))
            else:
                append(self._checked(row))  # reads the type's name, or says what is wrong
        return checked

    def _checked(self, row: tuple[int, bytes, int, int, str | None, str, bytes]) -> RawRecord:
        """A row as read, checked: its type by name, its known time as text.

        Raises:
            CorruptStoreError: A column holds what no record can (a damaged page).
        """
        position, raw_id, known, type_number, subject, body, digest = row
        name = self._names.get(type_number)
        if name is None:
            found = self._db.execute("SELECT name FROM types WHERE id = ?", (type_number,))
            named = found.fetchone()
            if named is None:
                raise CorruptStoreError(
                    f"{self.path}: record {position} names type number {type_number}, "
                    "which the types table does not hold"
                )
            name = str(named[0])
        malformed = not (
            type(raw_id) is bytes
            and len(raw_id) == 16
            and type(digest) is bytes
            and len(digest) == 32
            and type(body) is str
            and (subject is None or type(subject) is str)
        )
        try:
            known_at = known_at_from_micros(known)
        except (TypeError, ValueError, OverflowError):
            malformed = True
        if malformed:
            raise CorruptStoreError(
                f"{self.path}: record {position} is malformed (a damaged page): run "
                "'timeline verify'"
            )
        return position, raw_id, known_at, name, subject, body, digest

    def read_at(self, positions: Iterable[int]) -> list[StoredRecord]:
        """The records at ``positions``, in the order asked; those not held are left out."""
        wanted = list(positions)
        found: dict[int, StoredRecord] = {}
        for chunk in _chunks(iter(wanted), _CHUNK):
            sql = f"SELECT {_COLUMNS} FROM records WHERE position IN ({_marks(chunk)})"  # noqa: S608
            with self._lock, self._errors("read"):
                rows, damage = self._fetch(sql, chunk)
                if damage is not None:
                    raise damage
                for row in rows:
                    found[row[0]] = self._stored(row)
        return [found[p] for p in wanted if p in found]

    def last_known_by(self, known_at: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`.

        Known times never go backwards along the log, so this bisects the
        positions: about twenty lookups by position for a million records.
        """
        wanted = known_at_micros(known_at)
        with self._lock, self._errors("read"):
            head = self._query(
                "SELECT position, known_at FROM records ORDER BY position DESC LIMIT 1"
            ).fetchone()
            if head is None or head[1] <= wanted:
                return FIRST_POSITION - 1 if head is None else int(head[0])
            # known(low) <= wanted < known(high); position 0 stands for "before the log".
            low, high = FIRST_POSITION - 1, int(head[0])
            while high - low > 1:
                middle = (low + high) // 2
                row = self._query(
                    "SELECT known_at FROM records WHERE position = ?", (middle,)
                ).fetchone()
                if row is None:  # a gap: only a damaged file has one; search it all
                    return self._last_known_by_scan(wanted)
                if row[0] <= wanted:
                    low = middle
                else:
                    high = middle
        return low

    def _last_known_by_scan(self, wanted: int) -> int:
        row = self._query(
            "SELECT max(position) FROM records WHERE known_at <= ?", (wanted,)
        ).fetchone()
        return row[0] if row[0] is not None else FIRST_POSITION - 1

    def find_ids(self, ids: Collection[str]) -> dict[str, int]:
        """See :meth:`timeline.typing.Store.find_ids`: one pass over the ids, no index kept."""
        wanted = {bytes.fromhex(text.replace("-", "")): text for text in ids if is_canonical(text)}
        found: dict[str, int] = {}
        if not wanted:
            return found
        with self._lock, self._errors("read"):
            for position, raw in self._query("SELECT position, id FROM records"):
                text = wanted.get(raw)
                if text is not None:
                    found[text] = position
        return found

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """See :meth:`timeline.typing.Store.save_snapshot`."""
        self._check_writable()
        with self._lock, self._errors("save a snapshot"), self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO snapshots (name, position, state) VALUES (?, ?, ?)",
                (name, position, state),
            )

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """See :meth:`timeline.typing.Store.load_snapshot`."""
        with self._lock, self._errors("read"):
            row = self._query(
                "SELECT position, state FROM snapshots WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def snapshot_names(self) -> list[str]:
        """See :meth:`timeline.typing.Store.snapshot_names`."""
        with self._lock, self._errors("read"):
            return [row[0] for row in self._query("SELECT name FROM snapshots ORDER BY name")]

    def save_state(self, name: str, position: int, meta: str, parts: Sequence[bytes]) -> bool:
        """Keep a projection's state (``meta`` and binary ``parts``) as ``name``.

        One transaction replaces the last state saved as ``name``, unless that
        one was saved further along the log (after ``position``): then nothing
        is written and False is returned (another process got there first). The tables are
        made on first use: a file that never saved a state has none.
        """
        self._check_writable()
        with self._lock, self._errors("save a projection's state"), self._transaction():
            for statement in _STATE_TABLES:
                self._db.execute(statement)
            row = self._db.execute(
                "SELECT position FROM timeline_states WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] > position:
                return False
            self._db.execute("DELETE FROM timeline_state_parts WHERE name = ?", (name,))
            self._db.execute(
                "INSERT OR REPLACE INTO timeline_states (name, position, meta) VALUES (?, ?, ?)",
                (name, position, meta),
            )
            self._db.executemany(
                "INSERT INTO timeline_state_parts (name, part, data) VALUES (?, ?, ?)",
                [(name, number, part) for number, part in enumerate(parts)],
            )
        return True

    def load_state(self, name: str) -> tuple[int, str, Iterator[bytes]] | None:
        """Return the state saved as ``name``: position, meta and its parts; None if none.

        One statement reads it all, so a save by another process is seen
        whole or not at all. The parts are fetched one at a time as they are
        iterated, so that a large state is never held twice in memory.
        """
        with self._lock, self._errors("read a projection's state"):
            if not self._has_states():
                return None
            cursor = self._query(
                "SELECT s.position, s.meta, p.data FROM timeline_states AS s "
                "LEFT JOIN timeline_state_parts AS p ON p.name = s.name "
                "WHERE s.name = ? ORDER BY p.part",
                (name,),
            )
            first = cursor.fetchone()
        if first is None:
            return None
        return first[0], first[1], self._parts(cursor, first[2])

    def _parts(self, cursor: sqlite3.Cursor, first: bytes | None) -> Iterator[bytes]:
        try:
            if first is None:  # a state with no parts at all
                return
            yield bytes(first)
            while True:
                with self._lock, self._errors("read a projection's state"):
                    row = cursor.fetchone()
                if row is None:
                    return
                yield bytes(row[2])
        finally:
            cursor.close()

    def state_names(self) -> list[str]:
        """Return the names of the saved projection states, sorted."""
        with self._lock, self._errors("read"):
            if not self._has_states():
                return []
            return [row[0] for row in self._query("SELECT name FROM timeline_states ORDER BY name")]

    def _has_states(self) -> bool:
        found = self._query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'timeline_states'"
        ).fetchone()
        return found is not None

    def check_structure(self) -> list[str]:
        """SQLite's own integrity check, and the postings against the records they file.

        SQLite checks pages, free lists and every index against its table;
        the postings (the records' positions by subject and by type) are
        checked here against the records themselves.

        Returns:
            What is wrong, one line each; empty when the file is sound. Never raises
            for a damaged file: an unreadable one is reported.
        """
        try:
            with self._lock:
                rows = self._db.execute("PRAGMA integrity_check").fetchall()
                problems = [str(row[0]) for row in rows]
                if problems == ["ok"]:
                    problems = self._postings_problems()
        except (sqlite3.Error, ValueError) as error:
            return [f"the file cannot be checked: {error}"]
        return problems

    def _postings_problems(self) -> list[str]:
        """Where the postings differ from what the records say they must hold."""
        if self._version() < 2:  # read-only and not migrated: no postings yet
            return []
        expected: dict[str, array.array[int]] = {}
        for position, type_number, subject in self._db.execute(
            "SELECT position, type, subject FROM records ORDER BY position"
        ):
            expected.setdefault(_type_key(type_number), array.array("q")).append(position)
            if subject is not None:
                expected.setdefault(_subject_key(subject), array.array("q")).append(position)
        held: dict[str, array.array[int]] = {}
        problems: list[str] = []
        for key, first, last, raw in self._db.execute(
            "SELECT key, first, last, offsets FROM postings ORDER BY key, first"
        ):
            try:
                positions = _offsets(first, raw)
            except (TypeError, ValueError):
                problems.append(f"postings: the positions of {key!r} from {first} are unreadable")
                continue
            if not positions or positions[0] != first or positions[-1] != last:
                problems.append(f"postings: the group of {key!r} from {first} is inconsistent")
            held.setdefault(key, array.array("q")).extend(positions)
        problems.extend(
            f"postings: the positions filed under {key!r} do not match the records "
            "(reads by subject or type would be wrong): run 'timeline repair'"
            for key in sorted(expected.keys() | held.keys())
            if expected.get(key) != held.get(key)
        )
        return problems

    def repair(self) -> str | None:
        """Rebuild damaged indexes and postings from the records, then check again.

        Returns:
            What was done; None when the integrity check found nothing.

        Raises:
            CorruptStoreError: The damage is in the tables themselves: restore a copy.
        """
        self._check_writable()
        problems = self.check_structure()
        if not problems:
            return None
        with self._lock, self._errors("repair"):
            self._db.execute("REINDEX")
            if self._postings_problems():
                with self._transaction():
                    self._db.execute("DELETE FROM postings")
                    _fill_postings(self._db)
        left = self.check_structure()
        if left:
            raise CorruptStoreError(
                f"{self.path}: damage beyond its indexes, not repairable in place: {left[0]}"
            )
        return (
            f"rebuilt the indexes and postings of {self.path} ({len(problems)} problems found "
            "before)"
        )

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        with self._lock:
            self._db.close()

    def _fetch(
        self, sql: str, params: Sequence[object]
    ) -> tuple[list[Any], CorruptStoreError | None]:
        """The rows of a query of records in position order, and the damage that ended them.

        A record whose text is not UTF-8 (a damaged page) fails the whole
        fetch in SQLite's module; the rows are then read again as bytes, so
        the records before it are kept and the damage is named where it is.
        """
        try:
            return self._query(sql, params).fetchall(), None
        except sqlite3.OperationalError as error:
            if "decode to UTF-8" not in str(error):
                raise
        self._db.text_factory = bytes
        try:
            raw = self._query(sql, params).fetchall()
        finally:
            self._db.text_factory = str
        rows: list[Any] = []
        for row in raw:
            try:
                rows.append((*row[:4], *(_text(value) for value in row[4:6]), row[6]))
            except UnicodeDecodeError as error:
                return rows, CorruptStoreError(
                    f"{self.path}: record {row[0]} is damaged: its stored text is not UTF-8 "
                    f"({error.reason} at byte {error.start}); the records before it are intact",
                    position=row[0],
                )
        return rows, None

    def _query(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.ProgrammingError as error:
            raise StoreError(f"{self.path}: {error}") from None

    def __repr__(self) -> str:
        mode = ", read-only" if self.read_only else ""
        return f"<SQLiteStore {str(self.path)!r}{mode}>"


def _text(value: object) -> object:
    """A text column read as bytes, as text again (None and other types as they are)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


# What SQLite says, and the error it means (the first whose words appear wins).
_MEANINGS: Final[tuple[tuple[tuple[str, ...], type[StoreError]], ...]] = (
    (("full",), StoreFullError),
    (("readonly", "read-only"), ReadOnlyStoreError),
    (("locked", "busy"), StoreLockedError),
    (("not a database",), NotAStoreError),
    (("malformed", "corrupt"), CorruptStoreError),
    (("unable to open",), StoreNotFoundError),
)


def _failure(error: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """The library's error for what SQLite said, naming the file and what was being done."""
    text = str(error)
    lowered = text.lower()
    if "disk i/o error" in lowered and out_of_room(path):
        # SQLite says "full" only for ENOSPC; a write past the file-size limit
        # (EFBIG) or into a full quota comes out as a plain I/O error.
        return StoreFullError(f"{path}: cannot {doing}: no room to write ({text})")
    for words, kind in _MEANINGS:
        if any(word in lowered for word in words):
            if kind is NotAStoreError:
                return kind(f"{path} is not a timeline store: {text}")
            return kind(f"{path}: cannot {doing}: {text}")
    return StoreError(f"{path}: cannot {doing}: {text}")


class _Errors(ErrorsOf):
    """Turn SQLite's and the system's errors into the library's, naming the file."""

    def translate(self, error: BaseException) -> StoreError | None:
        """See :meth:`ErrorsOf.translate`: SQLite's errors, and damaged text, too."""
        if isinstance(error, sqlite3.ProgrammingError):
            return StoreError(f"{self.path}: {error}")
        if isinstance(error, sqlite3.Error):
            return _failure(error, self.path, self.doing)
        if isinstance(error, UnicodeDecodeError):
            # Text SQLite hands back that is not UTF-8: a damaged page, not data.
            return CorruptStoreError(
                f"{self.path}: cannot {self.doing}: stored text is not UTF-8 ({error.reason})"
            )
        return super().translate(error)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error.

    A failed statement may have ended the transaction already (SQLite rolls
    back by itself on a full disk): the rollback is then skipped, so the
    error that caused it is the one raised.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.ProgrammingError as error:
            raise StoreError(str(error)) from None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            try:
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        else:
            self._rollback()

    def _rollback(self) -> None:
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
