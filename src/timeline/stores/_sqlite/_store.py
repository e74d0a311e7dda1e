"""The SQLite store: the embedded default, one file."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Sequence

from timeline._codec import EncodedRow, known_at_micros
from timeline._errors import StoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord
from timeline.stores._common import check_append, check_follows

from ._schema import _postings_of
from ._states import _States

__all__ = ["SQLiteStore"]


class SQLiteStore(_States):
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

    # -- creating, opening and migrating -----------------------------------------------

    # -- the store protocol -----------------------------------------------------------

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
            self._insert_rows(rows, expected=expected_position, actual=self._last_position())

    def _insert_rows(self, rows: Sequence[EncodedRow], *, expected: int, actual: int) -> None:
        """Check that codec rows follow ``actual`` as the writer ``expected``; write them."""
        check_follows([row[0] for row in rows], expected=expected, actual=actual)
        for row in rows:
            if len(row[1]) != 16:
                raise StoreError(f"record {row[0]}: its id is not 16 bytes")
        self._insert(rows)

    @contextlib.contextmanager
    def _bulk(self, *, rows: int | None = None) -> Iterator[Bulk]:  # noqa: ARG002 -- one size fits SQLite
        """One write transaction for a batch written a part at a time (a streamed load).

        Holds SQLite's write lock from the start, so nothing else appends until it
        ends: committed whole when the block ends, rolled back if it raises.
        ``rows`` (how many the block will write, where known) changes nothing here.
        """
        self._check_writable()
        with self._lock:
            with self._errors("append"):
                transaction = self._transaction()
                transaction.__enter__()
            try:
                yield Bulk(self)
            except BaseException as error:
                with self._errors("append"):
                    transaction.__exit__(type(error), error, None)
                raise
            with self._errors("append"):
                transaction.__exit__(None, None, None)

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


class Bulk:
    """A write transaction open on a :class:`SQLiteStore`, taking rows a part at a time."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        with store._errors("append"):  # noqa: SLF001 -- the store's own helper
            self.head: Head | None = store.head()
        self._last = FIRST_POSITION - 1 if self.head is None else self.head.position
        self._ids: dict[bytes, int] | None = None

    def position_of(self, raw_id: bytes) -> int | None:
        """The position of the record with id ``raw_id`` (16 bytes) written before this began.

        The ids are read once, at the first question, in one pass (ids have no index).
        """
        if self._ids is None:
            self._ids = {}
            if self._last >= FIRST_POSITION:
                with self._store._errors("read"):  # noqa: SLF001 -- the store's own helper
                    query = self._store._query("SELECT id, position FROM records")  # noqa: SLF001
                    self._ids = dict(query)
        return self._ids.get(raw_id)

    def positions_of(self, raw_ids: Collection[bytes]) -> dict[bytes, int]:
        """:meth:`position_of` for several ids: those the store held, with their positions."""
        found = {}
        for raw in raw_ids:
            position = self.position_of(raw)
            if position is not None:
                found[raw] = position
        return found

    def insert(self, rows: Sequence[EncodedRow]) -> None:
        """Write rows the log's codec made, following the last ones written."""
        if not rows:
            return
        with self._store._errors("append"):  # noqa: SLF001 -- the store's own helper
            self._store._insert_rows(rows, expected=self._last, actual=self._last)  # noqa: SLF001
        self._last = rows[-1][0]
        self.head = Head(rows[-1][0], rows[-1][2], rows[-1][6])
