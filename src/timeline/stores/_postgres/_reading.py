"""Reading a PostgreSQL store: pages of records, and waiting for new ones.

A read never holds a transaction open: records come in pages of their own queries; a follower
waits on LISTEN/NOTIFY for a position, not by polling.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from timeline._records import FIRST_POSITION, Head, StoredRecord
from timeline.stores._common import is_canonical

from ._schema import _CHANNEL, _COLUMNS, _PAGE, _RAW_COLUMNS, _psycopg
from ._server import _Server

if TYPE_CHECKING:
    import psycopg


class _Reading(_Server):
    """Reading a PostgreSQL store: pages of records, and waiting for new ones."""

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

    def last_known_by(self, known: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        # Known times never go backwards along the log, so the last record known by then
        # is the last in (known_at, position) order: one seek down the index on both, where
        # max(position) over every record known by then read them all (90 ms at 1M records).
        with self._errors("read"):
            row = (
                self._connection.cursor()
                .execute(
                    "SELECT position FROM timeline_records WHERE known_at <= %s "
                    "ORDER BY known_at DESC, position DESC LIMIT 1",
                    (known,),
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
        any machine -- commits an append: no polling. On a replica, which
        cannot listen (notifications are not replicated), the head is asked
        again every 20 ms at first, then less often, up to half a second.
        Returns at once if such a record is already there, and after
        ``timeout`` seconds (None: never) with the last position as it is,
        perhaps ``position`` still.
        """
        if self.replica:
            return self._poll_for(position, timeout)
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

    def _poll_for(self, position: int, timeout: float | None) -> int:
        """:meth:`wait_for` on a replica: the head asked again until it moves or time is up."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.02
        while True:
            head = self.head()
            last = FIRST_POSITION - 1 if head is None else head.position
            if last > position:
                return last
            if deadline is not None and time.monotonic() >= deadline:
                return last
            rest = pause if deadline is None else min(pause, deadline - time.monotonic())
            time.sleep(max(rest, 0.0))
            pause = min(pause * 1.5, 0.5)

    def _listening(self) -> psycopg.Connection[Any]:
        """A second connection, listening for appends (made on the first wait)."""
        listener = self._listener
        if listener is None or listener.closed:
            with self._errors("listen for appends"):
                listener = _psycopg().connect(self.url, autocommit=True)
                listener.execute(f"LISTEN {_CHANNEL}")
            self._listener = listener
        return listener
