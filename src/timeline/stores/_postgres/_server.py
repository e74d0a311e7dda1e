"""The server: a store's schema found or made, migrated, and one connection to it.

Many processes opening a new database at once create its tables once (under an advisory lock);
an older schema is migrated; a read-only store never writes.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from typing import TYPE_CHECKING, Any

from timeline._errors import NotAStoreError, ReadOnlyStoreError, StoreError, StoreNotFoundError
from timeline._records import FIRST_POSITION
from timeline.stores._sql import FORMAT, is_timeline

from ._errors import _Errors, _first_line, _shown
from ._schema import (
    _MIGRATIONS,
    _NAME,
    _SCHEMA,
    _SCHEMA_LOCK,
    _TABLES,
    SCHEMA_VERSION,
    _psycopg,
)

if TYPE_CHECKING:
    import psycopg


def _schema_in(url: str) -> tuple[str, str | None]:
    """The URL without its ``schema=`` parameter (libpq has none), and that parameter.

    The other parameters are passed on as written, not decoded and encoded again.
    """
    if not url.startswith(("postgresql://", "postgres://")):
        return url, None
    parts = urllib.parse.urlsplit(url)
    items = parts.query.split("&") if parts.query else []
    named = [item for item in items if item.partition("=")[0] == "schema"]
    if not named:
        return url, None
    if len(named) > 1:
        raise StoreError(f"{_shown(url)}: schema= given {len(named)} times")
    rest = "&".join(item for item in items if item not in named)
    schema = urllib.parse.unquote(named[0].partition("=")[2])
    return urllib.parse.urlunsplit(parts._replace(query=rest)), schema


class _Server:
    """The server: a store's schema found or made, migrated, and one connection to it."""

    def __init__(self, url: str, *, schema: str | None = None, read_only: bool = False) -> None:
        url, named = _schema_in(url)
        if named is not None:
            if schema is not None and schema != named:
                raise StoreError(
                    f"{_shown(url)}: two schemas named, {named!r} in the URL and {schema!r}"
                )
            schema = named
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
        self.replica = False
        self._chains = False
        self._schema_cache: str | None = None
        #: The schema version the database had before this store migrated it on
        #: open; None when it needed no migration.
        self.migrated_from: int | None = None
        try:
            self._prepare()
        except BaseException:
            db.close()
            raise

    def _prepare(self) -> None:
        with self._errors("open"), self._connection.transaction():
            cursor = self._connection.cursor()
            replica, encoding = cursor.execute(
                "SELECT pg_is_in_recovery(), current_setting('server_encoding')"
            ).fetchone() or (False, "")
            #: Whether the server is a standby (in recovery): read-only, and no LISTEN there.
            self.replica = bool(replica)
            # The server chains appends (timeline_append) only where its text is UTF-8,
            # as the hashes are.
            self._chains = encoding == "UTF8"
            if self.replica and not self.read_only:
                raise ReadOnlyStoreError(
                    f"{self}: the server is a read-only replica (a standby in recovery): open "
                    "it read-only (read_only=True) to read, and write to the primary"
                )
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
                    [("format", FORMAT), ("schema_version", str(SCHEMA_VERSION))],
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
            if not is_timeline(meta):
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

    def _schema_name(self) -> str:
        if self._schema_cache is None:
            with self._errors("read"):
                row = self._connection.execute("SELECT current_schema()").fetchone()
            self._schema_cache = "" if row is None else str(row[0])
        return self._schema_cache

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        for db in (self._db, self._listener):
            if db is not None:
                db.close()
        self._db = self._listener = None

    def __repr__(self) -> str:
        where = _shown(self.url) + (f" schema {self.schema}" if self.schema else "")
        return f"<PostgresStore {where}>"
