"""What a PostgreSQL store keeps beside the log: saved states, and facts the server answers.

A saved facts index may also be saved as rows of timeline_fact_rows, so the server answers in
force at a valid time without the index in memory (fact_answers).
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from ._reading import _Reading
from ._schema import _CURRENT, _ROW_COLUMNS

if TYPE_CHECKING:
    import psycopg


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


#: The size of the chunks a saved state is kept in (see _replace_state).
_CHUNK: Final = 1 << 16

#: The first half of the advisory lock a save of a state takes (the second: its name's).
_STATE_LOCK: Final = 0x7374617465  # "state"


def _lock_state(cursor: psycopg.Cursor[Any], name: str) -> None:
    """Take turns with other saves of the state ``name`` (this transaction's lock)."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema() || ' ' || %s))",
        (_STATE_LOCK & 0x7FFFFFFF, name),
    )


def _replace_state(
    cursor: psycopg.Cursor[Any], name: str, position: int, meta: str, parts: Sequence[bytes]
) -> bool:
    """Replace the state saved as ``name`` unless one saved further along is there.

    In a transaction. The parts are kept as chunks of 64 KiB by their SHA-256, shared
    by the state's saves: only the chunks the state did not have are written (after a
    short catch-up most of an index's columns are as they were, or grew at their end),
    and the chunks no longer used are dropped.
    """
    _lock_state(cursor, name)
    found = cursor.execute(
        "SELECT position FROM timeline_states WHERE name = %s", (name,)
    ).fetchone()
    if found is not None and found[0] > position:
        return False
    digests: list[bytes] = []
    counts: list[int] = []
    chunks: dict[bytes, memoryview] = {}
    for part in parts:
        view = memoryview(part)
        before = len(digests)
        for at in range(0, len(view), _CHUNK):
            chunk = view[at : at + _CHUNK]
            digest = hashlib.sha256(chunk).digest()
            digests.append(digest)
            chunks.setdefault(digest, chunk)
        counts.append(len(digests) - before)
    wanted = list(chunks)
    kept = {
        bytes(row[0])
        for row in cursor.execute(
            "SELECT digest FROM timeline_state_chunks WHERE name = %s AND digest = ANY(%b)",
            (name, wanted),
        )
    }
    with cursor.copy(
        "COPY timeline_state_chunks (name, digest, data) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["text", "bytea", "bytea"])
        for digest, chunk in chunks.items():
            if digest not in kept:
                copy.write_row((name, digest, chunk))
    cursor.execute(
        "INSERT INTO timeline_states AS saved (name, position, meta, parts, chunks, part_chunks) "
        "VALUES (%s, %s, %s, NULL, %b, %b) ON CONFLICT (name) DO UPDATE SET "
        "position = excluded.position, meta = excluded.meta, parts = NULL, "
        "chunks = excluded.chunks, part_chunks = excluded.part_chunks",
        (name, position, meta, digests, counts),
    )
    cursor.execute(
        "DELETE FROM timeline_state_chunks WHERE name = %s AND NOT (digest = ANY(%b))",
        (name, wanted),
    )
    return True


def _copy_rows(
    cursor: psycopg.Cursor[Any], name: str, rows: Iterable[tuple[Any, ...]]
) -> dict[tuple[int, int], int]:
    """Write saved rows of ``name`` with their reach; the longest span of each group."""
    longest: dict[tuple[int, int], int] = {}
    columns = ", ".join(("name", *_ROW_COLUMNS, "reach"))
    with cursor.copy(f"COPY timeline_fact_rows ({columns}) FROM STDIN") as copy:
        # In the order of their starts: a question's rows then share pages.
        for row in sorted(rows, key=operator.itemgetter(2)):
            span = row[5] - row[2]
            if span <= 0 or row[8] <= row[7]:
                # In force nowhere, not even maybe; or known at no time (filed and replaced
                # at one known time, by a later batch of it): never an answer.
                continue
            reach = span.bit_length()
            group = (row[6], reach)  # floating flags, reach
            longest[group] = max(longest.get(group, 0), span)
            copy.write_row((name, *row, reach))
    return longest


def _rows_position(cursor: psycopg.Cursor[Any], name: str) -> int | None:
    """The position the rows of ``name`` were saved at; None if no state is saved.

    Takes the state's row lock, so that saves of one name take turns.
    """
    _lock_state(cursor, name)
    found = cursor.execute(
        "SELECT coalesce(kept.position, saved.position) FROM timeline_states AS saved "
        "LEFT JOIN timeline_fact_saved AS kept ON kept.name = saved.name "
        "WHERE saved.name = %s FOR UPDATE OF saved",
        (name,),
    ).fetchone()
    return None if found is None else int(found[0])


def _rows_saved(cursor: psycopg.Cursor[Any], name: str, position: int) -> None:
    cursor.execute(
        "INSERT INTO timeline_fact_saved VALUES (%s, %s) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (name, position),
    )


def _replace_rows(
    cursor: psycopg.Cursor[Any],
    name: str,
    position: int,
    keys: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """Replace the rows of ``keys`` with ``rows`` (all of theirs), as of ``position``."""
    cursor.execute(
        "DELETE FROM timeline_fact_rows WHERE name = %s AND key = ANY(%s)", (name, list(keys))
    )
    longest = _copy_rows(cursor, name, rows)
    cursor.executemany(
        "INSERT INTO timeline_fact_reach AS kept VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (name, floating, reach) "
        "DO UPDATE SET longest = greatest(kept.longest, excluded.longest)",
        [(name, *group, span) for group, span in longest.items()],
    )
    _rows_saved(cursor, name, position)


class _States(_Reading):
    """What a PostgreSQL store keeps beside the log: saved states, and facts the server answers."""

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
        with self._errors("save a state"), self._connection.transaction():
            return _replace_state(self._connection.cursor(), name, position, meta, parts)

    def save_state_and_rows(
        self,
        name: str,
        position: int,
        meta: str,
        parts: Sequence[bytes],
        rows: Iterable[tuple[Any, ...]],
        *,
        changed: tuple[int, Sequence[str], Iterable[tuple[Any, ...]]] | None = None,
    ) -> bool:
        """Save a temporal-facts state and its rows for :meth:`fact_answers`, in one transaction.

        ``rows`` are (key, first, start earliest, start last, end earliest,
        end last, floating flags, known from, known to). ``changed`` is, where
        the caller knows it, the position its rows were last known to match
        the server's (``since``), the keys whose rows changed since, and all
        of those keys' rows: if the rows kept were saved between ``since``
        and ``position``, only those keys' rows are replaced (``rows`` is not
        read); otherwise every row is. Rows kept from further along than
        ``position`` are left as they are. As :meth:`save_state`, a state
        saved further along is kept, and nothing written.
        """
        self._check_writable()
        with self._errors("save a state"), self._connection.transaction():
            cursor = self._connection.cursor()
            kept = _rows_position(cursor, name)
            if not _replace_state(cursor, name, position, meta, parts):
                return False
            if kept is not None and kept > position:
                return True  # the rows another process saved further along stay
            if changed is not None and kept is not None and changed[0] <= kept:
                _replace_rows(cursor, name, position, changed[1], changed[2])
                return True  # no VACUUM: a few rows changed; autovacuum marks their pages
            cursor.execute("DELETE FROM timeline_fact_rows WHERE name = %s", (name,))
            cursor.execute("DELETE FROM timeline_fact_reach WHERE name = %s", (name,))
            longest = _copy_rows(cursor, name, rows)
            cursor.executemany(
                "INSERT INTO timeline_fact_reach VALUES (%s, %s, %s, %s)",
                [(name, *group, span) for group, span in longest.items()],
            )
            _rows_saved(cursor, name, position)
        with self._errors("save a state"):
            # Statistics for the planner now, rather than when autovacuum gets to it
            # (perhaps in the middle of the questions that follow); and the pages
            # marked all-visible, so that questions read the indexes alone.
            self._connection.execute("VACUUM (ANALYZE) timeline_fact_rows")
        return True

    def save_rows(
        self,
        name: str,
        position: int,
        changed: tuple[int, Sequence[str], Iterable[tuple[Any, ...]]],
    ) -> bool:
        """Bring the rows kept for :meth:`fact_answers` to ``position``, leaving the state.

        ``changed`` is as :meth:`save_state_and_rows` takes it. Only the
        changed keys' rows are written, and only if the rows kept were saved
        between ``since`` and ``position`` (and a state is saved): returns
        whether they were (False: nothing written; save the state and rows).
        """
        self._check_writable()
        since, keys, written = changed
        with self._errors("save the rows"), self._connection.transaction():
            cursor = self._connection.cursor()
            kept = _rows_position(cursor, name)
            if kept is None or not since <= kept <= position:
                return False
            if kept < position:
                _replace_rows(cursor, name, position, keys, written)
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
        that snapshot: the rows' position, which a rows-only save
        (:meth:`save_rows`) moves on past the state's); None if none were saved.
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
                "SELECT coalesce(kept.position, saved.position), head.position, meta "
                "FROM timeline_states AS saved "
                "LEFT JOIN timeline_fact_saved AS kept ON kept.name = saved.name "
                "CROSS JOIN timeline_head AS head WHERE saved.name = %s",
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
        """See :meth:`timeline.typing.StateStore.load_state`: every part from one save.

        The state's row and its chunks are read in one snapshot. A chunk that is
        missing leaves its part short, which the state's checksum then refuses.
        """
        with self._errors("read"), self._connection.transaction():
            cursor = self._connection.cursor(binary=True)  # bytes as they are, not hex
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = cursor.execute(
                "SELECT position, meta, parts, chunks, part_chunks FROM timeline_states "
                "WHERE name = %s",
                (name,),
            ).fetchone()
            if row is None:
                return None
            position, meta, parts, digests, counts = row
            if parts is not None:  # saved whole, before schema 4
                return int(position), meta, iter([bytes(part) for part in parts])
            data = {
                bytes(digest): chunk
                for digest, chunk in cursor.execute(
                    "SELECT digest, data FROM timeline_state_chunks "
                    "WHERE name = %s AND digest = ANY(%b)",
                    (name, list({bytes(digest) for digest in digests})),
                )
            }
        joined = []
        at = 0
        for count in counts:
            joined.append(b"".join(data.get(bytes(d), b"") for d in digests[at : at + count]))
            at += count
        return int(position), meta, iter(joined)

    def state_names(self) -> list[str]:
        """See :meth:`timeline.typing.StateStore.state_names`."""
        with self._errors("read"):
            rows = self._connection.cursor().execute("SELECT name FROM timeline_states")
            return sorted(row[0] for row in rows)
