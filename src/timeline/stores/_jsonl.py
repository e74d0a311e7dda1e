"""The JSON Lines store: one record per line, readable and diff-friendly."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import warnings
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal

from timeline._codec import canonical_json
from timeline._errors import StoreError, TimelineWarning
from timeline._records import FIRST_POSITION, Head, StoredRecord

from ._common import RecordList, check_append

__all__ = ["JsonLinesStore", "TornWriteWarning"]

_HEADER: Final = {"timeline": "jsonl", "version": 1}
_FIELDS: Final = frozenset({"position", "id", "known_at", "type", "subject", "body", "hash"})


class TornWriteWarning(TimelineWarning):
    """A JSON Lines store ended in a half-written batch, which was cut off on open."""


class JsonLinesStore:
    """A log as a JSON Lines file: a header line, then one record per line.

    Each line is canonical JSON (sorted keys), so the file diffs well and
    reads plainly; the event's fields stand under ``body.data``. After each
    batch comes a commit line, ``{"commit": <last position>}``: records after
    the last commit line belong to a batch that was never finished (a crash
    mid-write). Opening such a file cuts that tail off with a
    :class:`TornWriteWarning` naming what was dropped; no committed record is
    ever touched. Any other malformed line is a :class:`~timeline.StoreError`
    naming the line.

    Snapshots live beside the file, in ``<name>.snapshots.json``.

    Args:
        path: The file; created if missing.
        durability: ``"full"`` (default) fsyncs every batch before returning;
            ``"normal"`` leaves that to the operating system (survives a
            killed process, not a power cut).

    >>> import tempfile, pathlib
    >>> store = JsonLinesStore(pathlib.Path(tempfile.mkdtemp()) / "log.jsonl")
    >>> store.head() is None
    True
    """

    def __init__(self, path: str | Path, *, durability: Literal["full", "normal"] = "full") -> None:
        if durability not in ("full", "normal"):
            raise ValueError(f"durability must be 'full' or 'normal', not {durability!r}")
        self.path = Path(path)
        self.durability = durability
        self._lock = threading.RLock()
        self._list = RecordList()
        self._size = 0
        self._lines = 0
        self._closed = False
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._write(canonical_json(_HEADER) + "\n")
        with self._file_lock():
            self._load()

    # -- reading the file ---------------------------------------------------------------

    def _file_lock(self) -> _FileLock:
        return _FileLock(self.path)

    def _load(self) -> None:  # noqa: C901 -- one pass over the lines, one branch per kind
        """Read what was appended since the last load (all of it, the first time)."""
        with self.path.open("rb") as handle:
            handle.seek(self._size)
            data = handle.read()
        if not data:
            return
        lines = data.split(b"\n")
        complete, tail = lines[:-1], lines[-1]
        offset = self._size
        pending: list[StoredRecord] = []  # records since the last commit line
        malformed: int | None = None  # the first unreadable line among them
        pending_start = committed_end = offset
        since_commit = 0  # complete lines after the last commit line
        for raw in complete:
            self._lines += 1
            since_commit += 1
            number = self._lines
            item = self._parse(raw, number)
            offset += len(raw) + 1
            if number == 1:
                since_commit = 0
                if item != _HEADER:
                    raise StoreError(f"{self.path}: line 1 is not a timeline JSON Lines header")
                pending_start = committed_end = offset
            elif item is None:
                malformed = number if malformed is None else malformed
            elif set(item) == {"commit"}:
                if malformed is not None:
                    raise StoreError(f"{self.path}: line {malformed}: malformed JSON")
                last = pending[-1].position if pending else None
                if last is None or item["commit"] != last:
                    raise StoreError(
                        f"{self.path}: line {number}: commit {item['commit']!r} does not close "
                        f"the batch before it (last position {last})"
                    )
                self._accept(pending, number)
                pending = []
                since_commit = 0
                pending_start = committed_end = offset
            elif malformed is None:
                pending.append(self._record(item, number))
        unfinished = since_commit + (1 if tail else 0)
        if unfinished:
            self._cut(pending_start, first=self._lines - since_commit + 1)
            self._lines -= since_commit
        self._size = committed_end

    def _parse(self, raw: bytes, number: int) -> dict[str, Any] | None:
        try:
            item = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(item, dict):
            raise StoreError(f"{self.path}: line {number}: a JSON object was expected")
        return item

    def _record(self, item: dict[str, Any], number: int) -> StoredRecord:
        if set(item) != _FIELDS:
            missing, extra = _FIELDS - set(item), set(item) - _FIELDS
            raise StoreError(
                f"{self.path}: line {number}: not a record "
                f"(missing {sorted(missing)}, unexpected {sorted(extra)})"
            )
        try:
            return StoredRecord(
                position=_int(item["position"]),
                id=_str(item["id"]),
                known_at=_str(item["known_at"]),
                type=_str(item["type"]),
                subject=None if item["subject"] is None else _str(item["subject"]),
                body=canonical_json(item["body"]),
                hash=_str(item["hash"]),
            )
        except (TypeError, ValueError) as error:
            raise StoreError(f"{self.path}: line {number}: {error}") from None

    def _accept(self, batch: list[StoredRecord], number: int) -> None:
        try:
            last = self._list.last_position
            check_append(batch, expected=last, actual=last)
        except StoreError as error:
            raise StoreError(f"{self.path}: line {number}: {error}") from None
        self._list.extend(batch)

    def _cut(self, offset: int, *, first: int) -> None:
        """Drop an unfinished batch, from line ``first`` (at byte ``offset``) to the end."""
        warnings.warn(
            f"{self.path}: lines {first}- hold an unfinished batch (a write was interrupted); "
            f"cut off at byte {offset}, every committed record kept",
            TornWriteWarning,
            stacklevel=4,
        )
        with self.path.open("r+b") as handle:
            handle.truncate(offset)
            handle.flush()
            os.fsync(handle.fileno())

    # -- the store protocol --------------------------------------------------------------

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        with self._lock:
            self._check_open()
            return self._list.head()

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """See :meth:`timeline.typing.Store.append`: one write and one commit line per batch."""
        with self._lock, self._file_lock():
            self._check_open()
            self._load()  # another process may have appended
            check_append(records, expected=expected_position, actual=self._list.last_position)
            if not records:
                return
            lines = [_line(record) for record in records]
            lines.append(canonical_json({"commit": records[-1].position}) + "\n")
            text = "".join(lines)
            self._write(text)
            self._size += len(text.encode())
            self._lines += len(lines)
            self._list.extend(records)

    def _write(self, text: str) -> None:
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            data = text.encode()
            while data:
                written = os.write(descriptor, data)
                data = data[written:]
            if self.durability == "full":
                os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[StoredRecord]:
        """See :meth:`timeline.typing.Store.read`."""
        with self._lock:
            self._check_open()
            return self._list.read(start, stop=stop, types=types, subject=subject)

    def last_known_by(self, known_at: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        with self._lock:
            self._check_open()
            return self._list.last_known_by(known_at)

    @property
    def _snapshot_path(self) -> Path:
        return self.path.with_name(self.path.name + ".snapshots.json")

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """See :meth:`timeline.typing.Store.save_snapshot`."""
        with self._lock, self._file_lock():
            self._check_open()
            saved = self._snapshots()
            saved[name] = {"position": position, "state": state}
            temporary = self._snapshot_path.with_suffix(".tmp")
            temporary.write_text(canonical_json(saved) + "\n")
            temporary.replace(self._snapshot_path)

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """See :meth:`timeline.typing.Store.load_snapshot`."""
        with self._lock:
            self._check_open()
            found = self._snapshots().get(name)
        return None if found is None else (found["position"], found["state"])

    def _snapshots(self) -> dict[str, Any]:
        if not self._snapshot_path.exists():
            return {}
        saved: dict[str, Any] = json.loads(self._snapshot_path.read_text())
        return saved

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")

    def __repr__(self) -> str:
        return f"<JsonLinesStore {str(self.path)!r}>"


def _line(record: StoredRecord) -> str:
    return (
        canonical_json(
            {
                "body": json.loads(record.body),
                "hash": record.hash,
                "id": record.id,
                "known_at": record.known_at,
                "position": record.position,
                "subject": record.subject,
                "type": record.type,
            }
        )
        + "\n"
    )


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"position must be an integer, not {value!r}")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {value!r}")
    return value


class _FileLock:
    """An exclusive advisory lock on the file, across processes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._descriptor = -1

    def __enter__(self) -> None:
        self._descriptor = os.open(self._path, os.O_RDONLY)
        fcntl.flock(self._descriptor, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
