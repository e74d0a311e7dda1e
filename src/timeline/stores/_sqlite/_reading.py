"""Reading an SQLite store: pages of records, by key or known time, checked as read.

Records are read in pages, by position, by subject or type through the postings, or up to a
known time by bisection; every row is checked as it is read, so a damaged file is reported with
the position, never misread.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence

from timeline._codec import known_at_from_micros, known_at_micros
from timeline._errors import CorruptStoreError
from timeline._records import FIRST_POSITION, Head, StoredRecord
from timeline.stores._common import is_canonical

from ._file import _File
from ._schema import (
    _CHUNK,
    _COLUMNS,
    _KNOWN_RANGE,
    RawRecord,
    _as_stored,
    _chunks,
    _marks,
    _offsets,
    _subject_key,
    _type_key,
)


class _Reading(_File):
    """Reading an SQLite store: pages of records, by key or known time, checked as read."""

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        with self._lock, self._errors("read"):
            row = self._query(
                "SELECT position, known_at, hash FROM records ORDER BY position DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return Head(row[0], known_at_from_micros(row[1]), row[2].hex())

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

    def last_known_by(self, known: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`.

        Known times never go backwards along the log, so this bisects the
        positions: about twenty lookups by position for a million records.
        """
        wanted = known_at_micros(known)
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
