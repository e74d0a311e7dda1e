"""The server's layout: the tables in a schema of their own, each version's migration.

The saved facts' rows are a table the server answers from (see fact_answers):
bounds and known times in microseconds, and each row's reach.
"""

from __future__ import annotations

import re
from typing import Any, Final

from timeline._errors import StoreError

#: The schema version this code writes.
SCHEMA_VERSION: Final = 4


# Held (per transaction) while the schema is checked and created, so that many
# processes opening a new database at once create it once.
_SCHEMA_LOCK: Final = 0x74696D656C696E65  # "timeline"


# Rows fetched per query when reading: a read never holds a transaction open.
_PAGE: Final = 2000


_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")


# A row's known_to while it is current (the facts index's "never").
_CURRENT: Final = 1 << 62


_TABLES: Final = ("timeline_meta", "timeline_head", "timeline_records", "timeline_snapshots")


# The saved rows have no key of their own (a key's versions share one), and saving deletes
# a class's rows: a table without a replica identity refuses deletes wherever they are
# published (logical replication; Citus moving shards). Every other table has a primary key.
_REPLICA_IDENTITY: Final = "ALTER TABLE timeline_fact_rows REPLICA IDENTITY FULL"


# A saved state's parts are kept as they are, not compressed: they are packed arrays that
# pglz barely shrinks, and compressing them made a save of 44 MB take 1.4 s instead of 0.3.
_STATES_STORAGE: Final = "ALTER TABLE timeline_states ALTER COLUMN parts SET STORAGE EXTERNAL"


# Since schema 4 a state is saved as chunks of its parts, each kept once by its SHA-256
# and shared by the state's saves (see _states._replace_state): a save after a short
# catch-up writes the few chunks that changed. A state saved before keeps its parts.
_STATE_CHUNKS: Final = (
    """CREATE TABLE IF NOT EXISTS timeline_state_chunks (
        name text NOT NULL, digest bytea NOT NULL, data bytea NOT NULL,
        PRIMARY KEY (name, digest)
    )""",
    "ALTER TABLE timeline_state_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
    (
        "ALTER TABLE timeline_states ADD COLUMN IF NOT EXISTS chunks bytea[], "
        "ADD COLUMN IF NOT EXISTS part_chunks integer[], ALTER COLUMN parts DROP NOT NULL"
    ),
)


# An append without an expected position, whole on the server (see PostgresStore._append_prepared):
# the head locked, the records chained to it (positions, the known time -- the clock's, or
# the head's if later; or the caller's own, refused if earlier than the head's -- hashes as
# timeline._codec._chain hashes them: sha256 of the seven fields joined by newlines, UTF-8),
# written, the head moved and followers told, in one statement. The lock is then held for
# the server's work alone, never for a round trip to the client.
_APPEND_FUNCTION: Final = """CREATE OR REPLACE FUNCTION timeline_append(
        ids text[], types text[], subjects text[], subject_jsons text[], bodies text[],
        now text, exact boolean, genesis text, channel text
    ) RETURNS TABLE (last bigint, known text, hashes text[])
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE
        at bigint;
        stamp text;
        prior text;
        made text[] := '{}';
    BEGIN
        -- A table lock, not the head row's: waiters queue for it in turn and the
        -- next is woken alone (measured: 8 writers append ~1.2x one, against ~1.0x
        -- on the row lock); it conflicts with the row lock that other appends take
        -- (SELECT ... FOR UPDATE), so every writer still takes turns.
        LOCK TABLE timeline_head IN EXCLUSIVE MODE;
        SELECT head.position, head.known_at, head.hash INTO at, stamp, prior
            FROM timeline_head AS head;
        IF at < 1 THEN
            stamp := now;
            prior := genesis;
        ELSIF stamp COLLATE "C" < now COLLATE "C" THEN
            stamp := now;
        ELSIF stamp COLLATE "C" > now COLLATE "C" AND exact THEN
            -- A known time the caller gave, earlier than the head's: refused (TL001).
            RAISE EXCEPTION USING ERRCODE = 'TL001', MESSAGE = format(
                'known time %s is earlier than the last record''s (%s at position %s): '
                'known times never go backwards', now, stamp, at);
        END IF;  -- the clock's time, earlier than the head's: the head's (never backwards)
        FOR i IN 1 .. coalesce(cardinality(ids), 0) LOOP
            prior := encode(sha256(convert_to(concat_ws(E'\\n', prior, (at + i)::text, ids[i],
                stamp, types[i], subject_jsons[i], bodies[i]), 'UTF8')), 'hex');
            made := made || prior;
        END LOOP;
        INSERT INTO timeline_records (position, id, known_at, type, subject, body, hash)
            SELECT at + row.n, row.id::uuid, stamp, row.type, row.subject, row.body, row.hash
            FROM unnest(ids, types, subjects, bodies, made)
                WITH ORDINALITY AS row (id, type, subject, body, hash, n);
        at := at + coalesce(cardinality(ids), 0);
        UPDATE timeline_head SET position = at, known_at = stamp, hash = prior;
        PERFORM pg_notify(channel, current_schema() || ' ' || at);
        RETURN QUERY SELECT at, stamp, made;
    END
    $$"""


# A key's saved rows, found to replace them when only some keys changed (an
# incremental save, see save_state_and_rows).
_ROWS_BY_KEY: Final = (
    "CREATE INDEX IF NOT EXISTS timeline_fact_rows_by_key ON timeline_fact_rows (name, key)"
)


# The position each name's rows were saved at, where it is not its state's: a save of
# the rows alone (save_rows) moves it on.
_FACT_SAVED: Final = """CREATE TABLE IF NOT EXISTS timeline_fact_saved (
        name text PRIMARY KEY, position bigint NOT NULL
    )"""


_FACT_ROWS: Final = (
    # Saved temporal facts as rows the server can answer from (see fact_answers):
    # bounds in microseconds, known times [known_from, known_to) likewise. A
    # row's reach is the bit length of its span, end_last - start_earliest.
    """CREATE TABLE timeline_fact_rows (
        name text NOT NULL,
        key text NOT NULL,
        first bigint NOT NULL,
        start_earliest bigint NOT NULL,
        start_last bigint NOT NULL,
        end_earliest bigint NOT NULL,
        end_last bigint NOT NULL,
        floating smallint NOT NULL,
        known_from bigint NOT NULL,
        known_to bigint NOT NULL,
        reach smallint NOT NULL
    )""",
    # The longest span of each reach (and floating flags) saved: a row of that
    # reach that meets [low, high) starts after low - longest, so each reach is
    # one range of an index sorted by start (the in-memory index's length
    # classes, on the server).
    """CREATE TABLE timeline_fact_reach (
        name text NOT NULL, floating smallint NOT NULL, reach smallint NOT NULL,
        longest bigint NOT NULL,
        PRIMARY KEY (name, floating, reach)
    )""",
    # Covering indexes, read without the table once a vacuum has marked its pages
    # all-visible: the current rows (most questions are about what is known now),
    # and the rows that were current once.
    f"""CREATE INDEX timeline_fact_rows_now ON timeline_fact_rows
        (name, floating, reach, start_earliest)
        INCLUDE (end_last, start_last, end_earliest, key, first)
        WHERE known_to = {_CURRENT}""",
    _ROWS_BY_KEY,
    _FACT_SAVED,
    f"""CREATE INDEX timeline_fact_rows_before ON timeline_fact_rows
        (name, floating, reach, start_earliest)
        INCLUDE (end_last, start_last, end_earliest, known_from, known_to, key, first)
        WHERE known_to <> {_CURRENT}""",
    _REPLICA_IDENTITY,
)


_SCHEMA: Final = (
    "CREATE TABLE timeline_meta (key text PRIMARY KEY, value text NOT NULL)",
    # One row, locked by every append: writers take turns, so positions stay
    # contiguous and known times never go backwards (see the docs' "PostgreSQL").
    """CREATE TABLE timeline_head (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        position bigint NOT NULL,
        known_at text NOT NULL,
        hash text NOT NULL
    )""",
    """CREATE TABLE timeline_records (
        position bigint PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        known_at text NOT NULL,
        type text NOT NULL,
        subject text,
        body text NOT NULL,
        hash text NOT NULL
    )""",
    "CREATE INDEX timeline_records_by_type ON timeline_records (type, position)",
    """CREATE INDEX timeline_records_by_subject ON timeline_records (subject, position)
        WHERE subject IS NOT NULL""",
    "CREATE INDEX timeline_records_by_known ON timeline_records (known_at, position)",
    """CREATE TABLE timeline_snapshots (
        name text PRIMARY KEY, position bigint NOT NULL, state text NOT NULL
    )""",
    """CREATE TABLE timeline_states (
        name text PRIMARY KEY, position bigint NOT NULL, meta text NOT NULL, parts bytea[] NOT NULL
    )""",
    _STATES_STORAGE,
    *_STATE_CHUNKS,
    *_STATE_CHUNKS,
    *_FACT_ROWS,
    _APPEND_FUNCTION,
)


# Each older version's way to this one. Schema 1 kept the rows with range columns under
# GiST and SP-GiST indexes; its saved rows (and the states they belong to) are dropped, to
# be saved again. Schema 2's saved rows had no replica identity. Schema 3 had no
# timeline_append, compressed the saved states and kept them whole (their parts stay
# readable), had no index of the rows by key, and saved the rows only with their state.
_MIGRATIONS: Final = {
    1: (
        "DELETE FROM timeline_states WHERE name IN (SELECT name FROM timeline_fact_rows)",
        "DROP TABLE timeline_fact_rows",
        *_FACT_ROWS,
        _APPEND_FUNCTION,
        _STATES_STORAGE,
        *_STATE_CHUNKS,
    ),
    2: (
        _REPLICA_IDENTITY,
        _APPEND_FUNCTION,
        _STATES_STORAGE,
        *_STATE_CHUNKS,
        _ROWS_BY_KEY,
        _FACT_SAVED,
    ),
    3: (_APPEND_FUNCTION, _STATES_STORAGE, *_STATE_CHUNKS, _ROWS_BY_KEY, _FACT_SAVED),
}


_ROW_COLUMNS: Final = (
    "key",
    "first",
    "start_earliest",
    "start_last",
    "end_earliest",
    "end_last",
    "floating",
    "known_from",
    "known_to",
)


_COLUMNS: Final = "position, id::text, known_at, type, subject, body, hash"


# The same for the log's own lane: the id's 16 bytes and the hash's 32.
_RAW_COLUMNS: Final = "position, uuid_send(id), known_at, type, subject, body, decode(hash, 'hex')"


# The channel appends notify on: "<schema> <last position>".
_CHANNEL: Final = "timeline_appended"


def _psycopg() -> Any:  # noqa: ANN401 -- the module, imported on first use
    try:
        import psycopg  # noqa: PLC0415 -- an optional extra, imported when a store is opened
    except ImportError:
        raise StoreError(
            "PostgreSQL stores need psycopg: pip install 'bitemporal-timeline[postgres]'"
        ) from None
    return psycopg
