"""Writing a source file's entries to a log: all or nothing, a part at a time.

:func:`load_jsonl` reads a file with :mod:`timeline._importer` and appends what
the log does not hold yet as one batch -- on SQLite and PostgreSQL streamed in
parts inside one transaction (``Log._bulk``), elsewhere whole.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, overload

import attrs

from ._codec import format_known_at
from ._errors import ConcurrencyError
from ._importer import Progress, SourceFileError, _checked_zone, _Line, iter_lines
from ._records import FIRST_POSITION, Head, Record
from ._retry import RETRY_FOR, backoff
from .time import FLOATING

if TYPE_CHECKING:
    from ._log import Log

__all__ = ["PART", "Loaded", "load_jsonl", "stream_lines", "write_lines"]


@attrs.frozen
class Loaded(Sequence[Record]):
    """What :func:`load_jsonl` appended: the new records, and how many entries it skipped.

    A sequence of the new records, so ``len(loaded)`` is how many were added.

    Attributes:
        records: The records appended, in order; none kept when the load was
            told not to (``keep_records=False``, for files too large to hold).
        skipped: Entries already in the log (by id), not appended again.
        added: How many records were appended (``len(records)`` when kept).
    """

    records: tuple[Record, ...]
    skipped: int = 0
    added: int = attrs.field(
        kw_only=True,
        default=attrs.Factory(lambda self: len(self.records), takes_self=True),
    )

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | Sequence[Record]:
        return self.records[index]

    def __len__(self) -> int:
        return self.added

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)


def load_jsonl(
    path: str | Path,
    log: Log,
    *,
    progress: Progress | None = None,
    tz: str = FLOATING,
    keep_records: bool = True,
) -> Loaded:
    """Append the entries of ``path`` that ``log`` does not hold yet, all in one batch.

    The new entries are appended as one atomic batch: a bad line, a full
    disk or an interrupt leaves the log exactly as it was. On SQLite and
    PostgreSQL the file is read, checked and written a part at a time inside
    one transaction, so memory does not grow with the file (with
    ``keep_records=False``); other stores take the batch whole. Entries whose
    record id the log already holds are skipped, so a load can be run again (after a
    failure, or on a file that has grown) and adds only what is new. Entries
    without a ``known_at`` get the log clock's time.

    Args:
        path: The JSON Lines file.
        log: Where to append.
        progress: Called as ``progress(done, total)`` every thousand lines
            checked (counting lines of the file), and once more when the new
            entries are written (counting entries).
        tz: The source's zone, for valid times whose line gives none; by
            default none (floating: local time somewhere). A line's record
            id does not depend on it: loading the same file again in another
            zone skips what is already there.
        keep_records: Return the new records; False for a file too large
            to hold them all (``len()`` of the result still counts them).

    Returns:
        The new records, and how many entries were skipped.

    Raises:
        SourceFileError: A line cannot be loaded, or an entry's id is in the
            log with other content; the message names the line.
    """
    source = Path(path)
    lines = iter_lines(source, log, progress, tz=_checked_zone(tz))
    return stream_lines(source, lines, log, progress, keep_records=keep_records)


#: How many lines a streamed load checks against the log and writes at a time.
PART: Final = 5_000


def stream_lines(
    source: Path,
    lines: Iterable[_Line],
    log: Log,
    progress: Progress | None = None,
    *,
    keep_records: bool = True,
) -> Loaded:
    """Append the lines of ``source`` that ``log`` lacks, as one batch written in parts.

    On a store that takes a batch in parts (SQLite, PostgreSQL) the lines are
    read, looked up and written :data:`PART` at a time inside one transaction
    that holds the store's write lock: nothing else appends meanwhile, so which
    ids the log holds is decided once, and any error rolls the whole batch
    back. Other stores (JSON Lines, the memory store, a store of your own) get
    the batch whole (:func:`write_lines`).
    """
    with log._bulk() as bulk:  # noqa: SLF001 -- the library's own log
        if bulk is None:
            return write_lines(source, list(lines), log, progress)
        records: list[Record] = []
        added = skipped = 0
        start = bulk.head
        for part in _parts(lines):
            new = []
            held = bulk.held(line.entry.id for line in part if line.entry.id is not None)
            for line in part:
                assert line.entry.id is not None  # noqa: S101 -- every line has one
                position = held.get(line.entry.id)
                if position is None:
                    new.append(line)
                    continue
                skipped += 1
                if line.explicit_id:
                    _check_same(source, line, log[position])
            if start is not None:
                _check_known_times(source, new, start)
            records.extend(bulk.extend([line.entry for line in new], keep=keep_records))
            added += len(new)
    if progress is not None:
        progress(added + skipped, added + skipped)
    return Loaded(tuple(records), skipped=skipped, added=added)


def _parts(lines: Iterable[_Line]) -> Iterator[list[_Line]]:
    part: list[_Line] = []
    for line in lines:
        part.append(line)
        if len(part) == PART:
            yield part
            part = []
    if part:
        yield part


def write_lines(
    source: Path, lines: Sequence[_Line], log: Log, progress: Progress | None = None
) -> Loaded:
    """Append the lines of ``source`` that ``log`` does not hold yet, as one batch.

    Which ids the log holds is decided at a head, and the batch is appended
    only after that head: should another writer (another load of the same
    file, say) append first, the ids are looked up again and the batch made
    again, until it lands or there is nothing left to add. So any number of
    loads at once add each entry exactly once.
    """
    total = len(lines)
    deadline = time.monotonic() + RETRY_FOR
    for pause in backoff():
        head = log.store.head()
        last = FIRST_POSITION - 1 if head is None else head.position
        found = log.store.find_ids([str(line.entry.id) for line in lines])
        for line in lines:
            position = found.get(str(line.entry.id))
            if position is not None and line.explicit_id:
                _check_same(source, line, log[position])
        new = [line for line in lines if str(line.entry.id) not in found]
        if head is not None:
            _check_known_times(source, new, head)
        try:
            records = log.extend([line.entry for line in new], expected_position=last)
        except ConcurrencyError:
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            continue
        if progress is not None:
            progress(total, total)
        return Loaded(records, skipped=total - len(new))
    raise AssertionError("unreachable")  # pragma: no cover -- backoff() never ends


def _check_known_times(source: Path, lines: Sequence[_Line], head: Head) -> None:
    for line in lines:
        known = line.entry.known_at
        if known is not None and format_known_at(known) < head.known_at:
            raise SourceFileError(
                source,
                line.number,
                f"known time {format_known_at(known)} is earlier than the log's last record "
                f"({head.known_at}, position {head.position}): known times never go backwards",
            )


def _check_same(source: Path, line: _Line, held: Record) -> None:
    entry = line.entry
    if (entry.event, entry.valid, entry.subject, entry.provenance) != (
        held.event,
        held.valid,
        held.subject,
        held.provenance,
    ):
        raise SourceFileError(
            source,
            line.number,
            f"id {entry.id} is already in the log (position {held.position}) with other "
            "content: append a correction instead of changing a loaded line",
        )
