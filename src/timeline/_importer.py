"""Loading entries from JSON Lines files: the hand-written transcriptions in seeds/.

One entry per line::

    {"type": "events.meeting", "data": {...}, "valid": "2023-09",
     "subject": "dprk-russia", "provenance": {"source": "Al Jazeera", ...},
     "known_at": "2024-01-12T00:00:00Z"}

``type``, ``data`` and ``valid`` are required; ``version`` (the schema version
the data is written in, by default the current one), ``subject``,
``provenance`` and ``known_at`` are optional. ``valid`` is an EDTF string or
``{"edtf": ..., "tz": ..., "phrase": ...}``. Blank lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import cattrs

from ._codec import decode_valid
from ._errors import (
    InvalidValidTimeError,
    KnownTimeError,
    RecordDecodeError,
    TimelineError,
)
from ._records import Entry, Provenance, Record

if TYPE_CHECKING:
    from ._log import Log

__all__ = ["SourceFileError", "load_jsonl", "read_jsonl"]

_KEYS: Final = frozenset({"type", "version", "data", "valid", "subject", "provenance", "known_at"})
_CHUNK: Final = 10_000

#: Called as ``progress(done, total)`` while entries are appended.
Progress = Callable[[int, int], None]


class SourceFileError(TimelineError, ValueError):
    """A line of a source file cannot be loaded. Nothing from the file was written.

    Attributes:
        path: The file.
        line: The line number (from 1).
        problem: What is wrong.
    """

    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        super().__init__(f"{path}:{line}: {problem}")


def _vocabularies() -> None:
    # The library's own vocabularies register their types on import; a file
    # may use them without the caller importing them first.
    from . import events, sanctions  # noqa: F401, PLC0415


def read_jsonl(path: str | Path, log: Log) -> list[Entry]:
    """Read and check every entry of ``path`` for ``log``; write nothing.

    Raises:
        SourceFileError: A line is malformed JSON, names an unknown type, has
            a missing or wrong field, an impossible date, or a known time
            earlier than the line (or the log's last record) before it.
    """
    _vocabularies()
    source = Path(path)
    head = log.store.head()
    last_known = head.known_at if head is not None else ""
    entries: list[Entry] = []
    with source.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            entry = _entry(source, number, text, log)
            if entry.known_at is not None:
                from ._codec import format_known_at  # noqa: PLC0415 -- avoids a cycle

                stamp = format_known_at(entry.known_at)
                if stamp < last_known:
                    raise SourceFileError(
                        source,
                        number,
                        f"known time {stamp} is earlier than the one before it ({last_known})",
                    )
                last_known = stamp
            entries.append(entry)
    return entries


def _entry(source: Path, number: int, text: str, log: Log) -> Entry:  # noqa: C901 -- one check per key
    def fail(problem: str) -> SourceFileError:
        return SourceFileError(source, number, problem)

    try:
        item: Any = json.loads(text)
    except ValueError as error:
        raise fail(f"malformed JSON: {error}") from None
    if not isinstance(item, dict):
        raise fail("each line must be a JSON object")
    unknown = set(item) - _KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    missing = {"type", "data", "valid"} - set(item)
    if missing:
        raise fail(f"missing {sorted(missing)}")
    name = item["type"]
    if not isinstance(name, str) or name not in log.registry:
        raise fail(f"unknown event type {name!r}")
    version = item.get("version", log.registry.lookup(name).version)
    try:
        event = log.codec.decode_event(name, version, item["data"])
    except RecordDecodeError as error:
        raise fail(error.problem) from None
    try:
        valid = decode_valid(item["valid"])
    except InvalidValidTimeError as error:
        raise fail(f"valid time: {error}") from None
    subject = item.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise fail(f"subject must be a string, not {subject!r}")
    try:
        provenance = log.codec.converter.structure(item.get("provenance", {}), Provenance)
    except cattrs.BaseValidationError as error:
        raise fail("; ".join(cattrs.transform_error(error, path="provenance"))) from None
    try:
        return Entry(
            event=event,
            valid=valid,
            subject=subject,
            provenance=provenance,
            known_at=item.get("known_at"),
        )
    except KnownTimeError as error:
        raise fail(str(error)) from None


def load_jsonl(path: str | Path, log: Log, *, progress: Progress | None = None) -> list[Record]:
    """Append every entry of ``path`` to ``log``, after checking them all.

    Every line is read and checked before anything is written, so a bad
    file leaves the log exactly as it was. Entries without a ``known_at``
    get the log clock's time.

    Args:
        path: The JSON Lines file.
        log: Where to append.
        progress: Called as ``progress(done, total)`` after each chunk.

    Returns:
        The new records.

    Raises:
        SourceFileError: A line cannot be loaded; the message names it.
    """
    entries = read_jsonl(path, log)
    records: list[Record] = []
    for first in range(0, len(entries), _CHUNK):
        records.extend(log.extend(entries[first : first + _CHUNK]))
        if progress is not None:
            progress(len(records), len(entries))
    return records
