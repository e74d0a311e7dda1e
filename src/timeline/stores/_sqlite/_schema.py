"""The file's layout: its tables, how each schema version is reached, and the postings.

Schema 2 files each record under its subject and its type in postings (one row
per key and appended batch) instead of an index entry per record; reads by
known time bisect positions, since known times never go backwards.
"""

from __future__ import annotations

import array
import datetime as dt
import itertools
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final, Literal

from timeline._codec import stored_record
from timeline._records import StoredRecord
from timeline.stores._sql import RECORD_COLUMNS

#: The schema version this code writes. Older files are migrated on open.
SCHEMA_VERSION: Final = 2


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


_COLUMNS: Final = ", ".join(RECORD_COLUMNS)


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
