"""The SQLite store: the embedded default, one file."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final, Literal

from timeline._codec import known_at_from_micros, known_at_micros
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

from ._common import (
    ErrorsOf,
    check_append,
    check_location,
    fsync_path,
    is_canonical,
    os_failure,
    out_of_room,
    publish,
)

__all__ = ["SQLiteStore"]

#: The schema version this code writes. Older files are migrated on open.
SCHEMA_VERSION: Final = 1
_FORMAT: Final = "timeline"

# Each entry brings a file from the version before it to its own version.
_MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
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
    ),
}

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
        check_location(self.path, read_only=read_only)
        if not read_only and not self.path.exists():
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
        folder = self.path.parent
        temporary = folder / f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.creating"
        try:
            db = sqlite3.connect(temporary, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                self._migrate_on(db, 0)
            finally:
                db.close()  # the last connection checkpoints and removes the WAL
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
                    self._migrate_on(self._db, self._version())
        elif version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, older than this library's "
                f"{SCHEMA_VERSION}: open it once for writing to migrate it"
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
                for statement in _MIGRATIONS[step]:
                    db.execute(statement)
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
            row = self._query("SELECT max(position) FROM records").fetchone()
            actual = row[0] if row[0] is not None else FIRST_POSITION - 1
            check_append(records, expected=expected_position, actual=actual)
            rows = [
                (
                    record.position,
                    bytes.fromhex(record.id.replace("-", "")),  # canonical: check_append
                    known_at_micros(record.known_at),
                    self._type_number(record.type),
                    record.subject,
                    record.body,
                    bytes.fromhex(record.hash),
                )
                for record in records
            ]
            self._db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

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
        where = ["position >= ?"]
        params: list[object] = [start]
        if stop is not None:
            where.append("position < ?")
            params.append(stop)
        if types is not None:
            with self._lock, self._errors("read"):
                self._names = dict(self._query("SELECT id, name FROM types"))
                self._types = {name: number for number, name in self._names.items()}
            numbers = [self._types[name] for name in types if name in self._types]
            if not numbers:
                return
            where.append(f"type IN ({', '.join('?' for _ in numbers)})")
            params.extend(numbers)
        if subject is not None:
            where.append("subject = ?")
            params.append(subject)
        columns = "position, id, known_at, type, subject, body, hash"
        conditions = " AND ".join(where)  # fixed fragments; every value is a placeholder
        sql = f"SELECT {columns} FROM records WHERE {conditions} ORDER BY position"  # noqa: S608
        # Fetch in pages so a long read neither holds the lock nor all rows at once.
        last = start - 1
        while True:
            page_params = [last + 1, *params[1:]]
            with self._lock, self._errors("read"):
                rows = self._query(f"{sql} LIMIT 2048", page_params).fetchall()
                stored = [self._stored(row) for row in rows]
            yield from stored
            if len(rows) < 2048:
                return
            last = rows[-1][0]

    def _stored(self, row: tuple[int, bytes, int, int, str | None, str, bytes]) -> StoredRecord:
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
            isinstance(raw_id, bytes)
            and len(raw_id) == 16
            and isinstance(digest, bytes)
            and len(digest) == 32
            and isinstance(body, str)
            and (subject is None or isinstance(subject, str))
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
        return StoredRecord(
            position=position,
            id=_id_text(raw_id),
            known_at=known_at,
            type=name,
            subject=subject,
            body=body,
            hash=digest.hex(),
        )

    def read_at(self, positions: Iterable[int]) -> list[StoredRecord]:
        """The records at ``positions``, in the order asked; those not held are left out."""
        wanted = list(positions)
        found: dict[int, StoredRecord] = {}
        columns = "position, id, known_at, type, subject, body, hash"
        for start in range(0, len(wanted), 512):
            chunk = wanted[start : start + 512]
            marks = ", ".join("?" for _ in chunk)
            sql = f"SELECT {columns} FROM records WHERE position IN ({marks})"  # noqa: S608
            with self._lock, self._errors("read"):
                for row in self._query(sql, chunk).fetchall():
                    found[row[0]] = self._stored(row)
        return [found[p] for p in wanted if p in found]

    def last_known_by(self, known_at: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        with self._lock, self._errors("read"):
            row = self._query(
                "SELECT max(position) FROM records WHERE known_at <= ?",
                (known_at_micros(known_at),),
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
        """SQLite's own integrity check: pages, free lists, and every index against its table.

        Returns:
            What is wrong, one line each; empty when the file is sound. Never raises
            for a damaged file: an unreadable one is reported.
        """
        try:
            with self._lock:
                rows = self._db.execute("PRAGMA integrity_check").fetchall()
        except (sqlite3.Error, ValueError) as error:
            return [f"the file cannot be checked: {error}"]
        problems = [str(row[0]) for row in rows]
        return [] if problems == ["ok"] else problems

    def repair(self) -> str | None:
        """Rebuild damaged indexes from their tables (``REINDEX``), then check again.

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
        left = self.check_structure()
        if left:
            raise CorruptStoreError(
                f"{self.path}: damage beyond its indexes, not repairable in place: {left[0]}"
            )
        return f"rebuilt the indexes of {self.path} ({len(problems)} problems found before)"

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        with self._lock:
            self._db.close()

    def _query(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.ProgrammingError as error:
            raise StoreError(f"{self.path}: {error}") from None

    def __repr__(self) -> str:
        mode = ", read-only" if self.read_only else ""
        return f"<SQLiteStore {str(self.path)!r}{mode}>"


def _id_text(raw: bytes) -> str:
    """The canonical text of a UUID's 16 bytes (as str(uuid.UUID(bytes=raw)), faster)."""
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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
