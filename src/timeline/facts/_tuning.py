"""The index's thresholds, read at each use.

Tests lower them to reach paths that real data reaches only at scale, and
reach them through :mod:`timeline.facts` alone (``timeline.facts._tuning``).
"""

from __future__ import annotations

from timeline._collector import release_freed_memory

#: The largest part a saved state is cut in, in bytes.
PART = 64 << 20
#: File new keys' simple spells without building them (False: always the general way).
SIMPLE = True
#: Compact once this many rows (or a quarter more than were compacted) are out of order.
COMPACT = 10_000
#: A catch-up that read this many records gives the memory it freed back to the
#: system: a first build, not a follower's step.
RELEASE_AFTER = 1 << 16
#: Records read in one catch-up are kept for refiling until there are this many.
RECENT = 10_000
#: A key with this many records has its spells kept, to be found again, in a catch-up.
MEMO_FROM = 8
#: Spells made in one catch-up are kept, to be found again, until there are this many.
MADE = 100_000
#: An answer's spells are read this many hits at a time, in key order, when first
#: asked for: a first row does not wait for the last, nor memory hold them all.
SPELLS_AT_ONCE = 1_000
#: A filter that finds more keys than this meets them in the question's own rows (from the
#: interval sets), not by walking each key's rows.
FILTER_WALK = 2_048
#: Bytes of saved cells worth reading one spell's records: an answer from a reopened index
#: reads every saved cell (``facts._cells``) only if it has at least one row per this many
#: bytes of them; a smaller one reads its few spells' records (about 130 µs a row, against
#: about 2 ns a byte of cells).
CELL_BYTES_A_ROW = 1 << 16
#: On a store that answers from saved rows (PostgreSQL), a save writes the state too only
#: once the log has grown by this many records, or a twentieth, since the state was saved;
#: before, it writes the changed rows alone (the state is a cache: a process started from
#: it reads the records since).
STATE_AFTER = 10_000
#: How freed memory is given back to the system after a long catch-up.
release_memory = release_freed_memory
