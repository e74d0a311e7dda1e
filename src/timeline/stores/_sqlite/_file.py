"""The SQLite file itself: created aside and linked whole, opened, migrated, connected.

A new file is built under a temporary name and linked into place, so a kill during creation
leaves a store that opens or no file; an older schema is migrated on open (not when read-only);
every query goes through one connection and one error translation.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from timeline._errors import CorruptStoreError, NotAStoreError, ReadOnlyStoreError, StoreError
from timeline.stores._common import (
    check_location,
    creating_name,
    fsync_path,
    os_failure,
    publish,
    sweep_creations,
)
from timeline.stores._sql import FORMAT, is_timeline

from ._errors import _Errors, _failure, _text, _Transaction
from ._schema import _MIGRATIONS, SCHEMA_VERSION, Durability


class _File:
    """The SQLite file itself: created aside and linked whole, opened, migrated, connected."""

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
            self._use_wal()
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

    def _use_wal(self) -> None:
        """Turn the file to WAL mode (it stays so), waiting for others as any write does.

        The switch reads the file's header, then writes it. SQLite answers
        "database is locked" at once, without waiting, when another connection
        took the write lock between the two (it cannot wait while holding its
        read), so processes opening a new store together would fail; the
        switch is tried again, up to the store's timeout, until one has made it.
        """
        deadline = time.monotonic() + self._timeout
        pause = 0.001
        if self._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL").fetchone()
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
            else:
                return

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
        if not is_timeline(meta):
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
                [("format", FORMAT), ("schema", str(SCHEMA_VERSION))],
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
