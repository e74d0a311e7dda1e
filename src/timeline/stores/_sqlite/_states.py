"""What an SQLite store keeps beside the log: saved states, and its own repair.

Projections' saved states are caches in tables of their own, in parts of at most 64 MB;
check_structure and repair look at the postings and the states, never at the records' own
bytes.
"""

from __future__ import annotations

import array
import sqlite3
from collections.abc import Iterator, Sequence

from timeline._errors import CorruptStoreError

from ._reading import _Reading
from ._schema import _STATE_TABLES, _fill_postings, _offsets, _subject_key, _type_key


class _States(_Reading):
    """What an SQLite store keeps beside the log: saved states, and its own repair."""

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
