"""The SQLite store: the embedded default, one file."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Final, Literal

from timeline._codec import known_at_from_micros, known_at_micros
from timeline._errors import StoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord

from ._common import check_append

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

#: How hard a commit tries to survive a crash (SQLite's ``synchronous``):
#: "full" survives power loss; "normal" survives a killed process but may
#: lose the last commits on power loss (faster).
Durability = Literal["full", "normal"]


class SQLiteStore:
    """A log in one SQLite file: created on first use, WAL, a versioned schema.

    A batch append is one transaction that first checks the expected
    position, so several processes can append to one file: they queue on
    SQLite's write lock and one that lost the race gets
    :class:`~timeline.ConcurrencyError`, with nothing written.

    Args:
        path: The file; created, with its schema, if it does not exist.
        durability: ``"full"`` (default) or ``"normal"``; see :data:`Durability`.
        timeout: Seconds a writer waits for another's lock before failing.

    Raises:
        StoreError: The file is not a timeline store, or has a newer schema.
            The file is left as it was.

    >>> import tempfile, pathlib
    >>> folder = tempfile.mkdtemp()
    >>> store = SQLiteStore(pathlib.Path(folder) / "timeline.sqlite")
    >>> store.head() is None
    True
    >>> store.close()
    """

    def __init__(
        self, path: str | Path, *, durability: Durability = "full", timeout: float = 30.0
    ) -> None:
        if durability not in ("full", "normal"):
            raise ValueError(f"durability must be 'full' or 'normal', not {durability!r}")
        self.path = Path(path)
        self.durability = durability
        existed = self.path.exists() and self.path.stat().st_size > 0
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot open: {error}") from None
        self._lock = threading.RLock()
        self._types: dict[str, int] = {}
        self._names: dict[int, str] = {}
        try:
            self._open(existed=existed)
        except BaseException:
            self._db.close()
            raise

    # -- opening and migrating ------------------------------------------------------

    def _open(self, *, existed: bool) -> None:
        try:
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a timeline store: {error}") from None
        version = 0
        if tables:
            if "timeline_meta" not in tables:
                raise StoreError(
                    f"{self.path} is a SQLite file but not a timeline store "
                    f"(it has tables {sorted(tables)[:5]})"
                )
            meta = dict(self._db.execute("SELECT key, value FROM timeline_meta"))
            if meta.get("format") != _FORMAT:
                raise StoreError(f"{self.path} is not a timeline store (format {meta!r})")
            version = int(meta.get("schema", "0"))
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this library's "
                    f"{SCHEMA_VERSION}: upgrade timeline to open it"
                )
        elif existed:
            raise StoreError(f"{self.path} is not a timeline store: it holds no tables")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={self.durability.upper()}")
        self._db.execute("PRAGMA foreign_keys=ON")
        if version < SCHEMA_VERSION:
            self._migrate(version)
        self._names = dict(self._db.execute("SELECT id, name FROM types"))
        self._types = {name: number for number, name in self._names.items()}

    def _migrate(self, version: int) -> None:
        with self._transaction():
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    self._db.execute(statement)
            self._db.executemany(
                "INSERT OR REPLACE INTO timeline_meta (key, value) VALUES (?, ?)",
                [("format", _FORMAT), ("schema", str(SCHEMA_VERSION))],
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        row = self._db.execute("SELECT value FROM timeline_meta WHERE key = 'schema'").fetchone()
        return int(row[0])

    # -- the store protocol -----------------------------------------------------------

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        with self._lock:
            row = self._query(
                "SELECT position, known_at, hash FROM records ORDER BY position DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return Head(row[0], known_at_from_micros(row[1]), row[2].hex())

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """See :meth:`timeline.typing.Store.append`: one transaction per batch."""
        with self._lock, self._transaction():
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
            with self._lock:
                self._names = dict(self._db.execute("SELECT id, name FROM types"))
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
            with self._lock:
                rows = self._query(f"{sql} LIMIT 2048", page_params).fetchall()
            for row in rows:
                yield self._stored(row)
            if len(rows) < 2048:
                return
            last = rows[-1][0]

    def _stored(self, row: tuple[int, bytes, int, int, str | None, str, bytes]) -> StoredRecord:
        position, raw_id, known, type_number, subject, body, digest = row
        name = self._names.get(type_number)
        if name is None:
            found = self._db.execute("SELECT name FROM types WHERE id = ?", (type_number,))
            name = str(found.fetchone()[0])
        return StoredRecord(
            position=position,
            id=_id_text(raw_id),
            known_at=known_at_from_micros(known),
            type=name,
            subject=subject,
            body=body,
            hash=digest.hex(),
        )

    def last_known_by(self, known_at: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        with self._lock:
            row = self._query(
                "SELECT max(position) FROM records WHERE known_at <= ?",
                (known_at_micros(known_at),),
            ).fetchone()
        return row[0] if row[0] is not None else FIRST_POSITION - 1

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """See :meth:`timeline.typing.Store.save_snapshot`."""
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO snapshots (name, position, state) VALUES (?, ?, ?)",
                (name, position, state),
            )

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """See :meth:`timeline.typing.Store.load_snapshot`."""
        with self._lock:
            row = self._query(
                "SELECT position, state FROM snapshots WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else (row[0], row[1])

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
        return f"<SQLiteStore {str(self.path)!r}>"


def _id_text(raw: bytes) -> str:
    """The canonical text of a UUID's 16 bytes (as str(uuid.UUID(bytes=raw)), faster)."""
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.ProgrammingError as error:
            raise StoreError(str(error)) from None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._db.execute("ROLLBACK" if kind is not None else "COMMIT")
