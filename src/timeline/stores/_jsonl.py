"""The JSON Lines store: one record per line, readable and diff-friendly."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import threading
import warnings
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from timeline._codec import canonical_json
from timeline._errors import (
    CorruptStoreError,
    NotAStoreError,
    ReadOnlyStoreError,
    StoreError,
    TimelineWarning,
)
from timeline._records import FIRST_POSITION, Head, StoredRecord

from ._common import (
    ErrorsOf,
    RecordList,
    check_append,
    check_location,
    creating_name,
    os_failure,
    publish,
    sweep_creations,
)

__all__ = ["Damage", "JsonLinesStore", "TornWriteWarning"]

_HEADER: Final = {"timeline": "jsonl", "version": 1}
_HEADER_LINE: Final = (canonical_json(_HEADER) + "\n").encode()
_FIELDS: Final = frozenset({"position", "id", "known_at", "type", "subject", "body", "hash"})


class TornWriteWarning(TimelineWarning):
    """A JSON Lines store ends in a half-written batch: reads leave it out; nothing was cut.

    ``timeline repair`` (:func:`timeline.stores.repair`) moves it to a side file.
    """


@attrs.frozen
class Damage:
    """An unfinished batch at the end of a JSON Lines store (a write was interrupted).

    Attributes:
        first_line: The first line that belongs to it.
        offset: The byte where it starts: everything before is committed.
        size: How many bytes it holds.
    """

    first_line: int
    offset: int
    size: int

    def __str__(self) -> str:
        return (
            f"an unfinished batch from line {self.first_line} (bytes {self.offset}-"
            f"{self.offset + self.size - 1}): a write was interrupted; reads leave it out"
        )


class JsonLinesStore:
    """A log as a JSON Lines file: a header line, then one record per line.

    Each line is canonical JSON (sorted keys), so the file diffs well and
    reads plainly; the event's fields stand under ``body.data``. After each
    batch comes a commit line, ``{"commit": <last position>}``: records after
    the last commit line belong to a batch that was never finished (a crash
    mid-write). Reading never writes: such a tail is reported (a
    :class:`TornWriteWarning` and :attr:`damage`) and left out of every read,
    and the file is left as it is. Appending after it is refused until
    :meth:`repair` moves it to a side file. Any other malformed line is a
    :class:`~timeline.CorruptStoreError` naming the line.

    A new file is written aside and linked into place whole, so a kill during
    creation leaves a store or no file, and processes creating the same store
    at once all open the one that was linked first. Writers take an exclusive
    lock on the file, readers a shared one.

    Snapshots live beside the file, in ``<name>.snapshots.json``.

    Args:
        path: The file; created if missing (unless ``read_only``).
        durability: ``"full"`` (default) fsyncs every batch before returning;
            ``"normal"`` leaves that to the operating system (survives a
            killed process, not a power cut).
        read_only: Open for reading only; nothing is ever written.

    Raises:
        StoreNotFoundError: ``read_only`` and there is no file.
        NotAStoreError: The file is not a timeline store; it is left untouched.
        CorruptStoreError: A committed line is malformed.

    >>> import tempfile, pathlib
    >>> store = JsonLinesStore(pathlib.Path(tempfile.mkdtemp()) / "log.jsonl")
    >>> store.head() is None
    True
    """

    def __init__(
        self,
        path: str | Path,
        *,
        durability: Literal["full", "normal"] = "full",
        read_only: bool = False,
    ) -> None:
        if durability not in ("full", "normal"):
            raise ValueError(f"durability must be 'full' or 'normal', not {durability!r}")
        self.path = Path(path)
        self.durability = durability
        self.read_only = read_only
        self._lock = threading.RLock()
        self._list = RecordList()
        self._size = 0
        self._lines = 0
        self._closed = False
        self._damage: Damage | None = None
        check_location(self.path, read_only=read_only)
        try:
            if not read_only:
                self._create()
            with self._file_lock(shared=True):
                self._load()
        except OSError as error:
            if isinstance(error, StoreError):
                raise
            raise os_failure(error, self.path, "open") from None

    @property
    def damage(self) -> Damage | None:
        """The unfinished batch at the end of the file, if any (reads leave it out)."""
        return self._damage

    # -- creating and reading the file ----------------------------------------------------

    def _create(self) -> None:
        """Give the path a header: a new file linked whole, or an empty file, under the lock."""
        sweep_creations(self.path)
        if not self.path.exists():
            temporary = creating_name(self.path)
            try:
                with temporary.open("xb") as handle:
                    handle.write(_HEADER_LINE)
                    handle.flush()
                    os.fsync(handle.fileno())
                publish(temporary, self.path)
            finally:
                temporary.unlink(missing_ok=True)
            return
        if self.path.stat().st_size >= len(_HEADER_LINE):
            return
        # An empty file made for us (or one whose header a killed process was
        # writing): fill it in under the lock, after looking again.
        with self._file_lock(), self.path.open("r+b") as handle:
            held = handle.read()
            if held and not _HEADER_LINE.startswith(held):
                return  # something else: reading it will say what
            if held != _HEADER_LINE:
                handle.seek(0)
                handle.truncate()
                handle.write(_HEADER_LINE)
                handle.flush()
                os.fsync(handle.fileno())

    def _file_lock(self, *, shared: bool = False) -> _FileLock:
        return _FileLock(self.path, shared=shared)

    def _load(self) -> None:  # noqa: C901 -- one pass over the lines, one branch per kind
        """Read what was committed since the last load (all of it, the first time).

        Writes nothing: an unfinished tail is noted in :attr:`damage`, not cut.
        """
        start = self._size
        with self.path.open("rb") as handle:
            handle.seek(start)
            data = handle.read()
        if start == 0:
            self._check_header(data)
        if not data:
            self._note_damage(None)
            return
        complete = data.split(b"\n")[:-1]  # the last piece has no newline: unfinished
        offset = self._size
        pending: list[StoredRecord] = []  # records since the last commit line
        malformed: str | None = None  # what is wrong with the first bad line among them
        bad = 0  # the position that line would have had
        committed_end = offset
        number = self._lines
        first_pending = number + 1
        for raw in complete:
            number += 1
            offset += len(raw) + 1
            if number == 1:
                committed_end, first_pending, self._lines = offset, number + 1, number
                continue
            item = self._parse(raw, number)
            if item is None:
                if malformed is None:
                    malformed = f"{self.path}: line {number}: malformed JSON"
                    bad = self._list.last_position + len(pending) + 1
            elif set(item) == {"commit"}:
                # Bad lines are only damage while no commit line vouches for them.
                if malformed is not None:
                    raise self._damaged(malformed, bad)
                last = pending[-1].position if pending else None
                if last is None or item["commit"] != last:
                    raise CorruptStoreError(
                        f"{self.path}: line {number}: commit {item['commit']!r} does not close "
                        f"the batch before it (last position {last})"
                    )
                self._accept(pending, number)
                pending = []
                committed_end, first_pending = offset, number + 1
                self._lines = number
            elif malformed is None:
                try:
                    pending.append(self._record(item, number))
                except CorruptStoreError as error:
                    malformed = str(error)
                    bad = self._list.last_position + len(pending) + 1
        leftover = start + len(data) - committed_end
        self._size = committed_end
        self._note_damage(Damage(first_pending, committed_end, leftover) if leftover else None)

    def _damaged(self, problem: str, position: int) -> CorruptStoreError:
        """Damage in a committed batch, at ``position``: the records before it are intact."""
        head = self._list.head()
        intact = (
            f"records 1-{head.position} before it are intact (head {head.pin})"
            if head is not None
            else "no record before it"
        )
        return CorruptStoreError(
            f"{problem} (record {position}); {intact}", position=position, head=head
        )

    def _check_header(self, data: bytes) -> None:
        first, newline, _ = data.partition(b"\n")
        if not newline or first + newline != _HEADER_LINE:
            try:
                shown = first[:60].decode()
            except UnicodeDecodeError:
                shown = repr(first[:60])
            raise NotAStoreError(
                f"{self.path} is not a timeline JSON Lines store: its first line is not the "
                f"header {_HEADER_LINE.decode().strip()} (it reads {shown!r})"
            )

    def _note_damage(self, damage: Damage | None) -> None:
        if damage is not None and damage != self._damage:
            warnings.warn(f"{self.path}: {damage}", TornWriteWarning, stacklevel=4)
        self._damage = damage

    def _parse(self, raw: bytes, number: int) -> dict[str, Any] | None:
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        if not isinstance(item, dict):
            raise CorruptStoreError(f"{self.path}: line {number}: a JSON object was expected")
        return item

    def _record(self, item: dict[str, Any], number: int) -> StoredRecord:
        if set(item) != _FIELDS:
            missing, extra = _FIELDS - set(item), set(item) - _FIELDS
            raise CorruptStoreError(
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
        except (TypeError, ValueError, RecursionError) as error:
            raise CorruptStoreError(f"{self.path}: line {number}: {error}") from None

    def _accept(self, batch: list[StoredRecord], number: int) -> None:
        try:
            last = self._list.last_position
            check_append(batch, expected=last, actual=last)
        except StoreError as error:
            raise CorruptStoreError(f"{self.path}: line {number}: {error}") from None
        self._list.extend(batch)

    # -- the store protocol --------------------------------------------------------------

    def head(self) -> Head | None:
        """See :meth:`timeline.typing.Store.head`."""
        with self._lock:
            self._check_open()
            return self._list.head()

    def append(self, records: Sequence[StoredRecord], *, expected_position: int) -> None:
        """See :meth:`timeline.typing.Store.append`: one write and one commit line per batch.

        Raises:
            CorruptStoreError: The file ends in an unfinished batch: run :meth:`repair`.
        """
        self._check_writable()
        with self._lock, self._errors("append"), self._file_lock():
            self._check_open()
            self._load()  # another process may have appended
            if self._damage is not None:
                raise CorruptStoreError(
                    f"{self.path}: will not append after {self._damage}; run "
                    "'timeline repair' (stores.repair) to move it to a side file first"
                )
            check_append(records, expected=expected_position, actual=self._list.last_position)
            if not records:
                return
            lines = [_line(record) for record in records]
            lines.append(canonical_json({"commit": records[-1].position}) + "\n")
            data = "".join(lines).encode()
            self._write(data)
            self._size += len(data)
            self._lines += len(lines)
            self._list.extend(records)

    def _write(self, data: bytes) -> None:
        """Append ``data`` after the committed end; on any failure, take back what was written.

        The caller holds the exclusive lock, so the committed end is this
        process's to restore: an interrupted write (a full disk, Ctrl-C)
        leaves the file as it was.
        """
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            view = memoryview(data)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            if self.durability == "full":
                os.fsync(descriptor)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, self._size)
                os.fsync(descriptor)
            raise
        finally:
            os.close(descriptor)

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(f"{self.path} was opened read-only")

    def _errors(self, doing: str) -> ErrorsOf:
        return ErrorsOf(self.path, doing)

    def repair(self) -> str | None:
        """Move an unfinished batch at the end of the file to a side file, then cut it off.

        The side file, ``<name>.cut-<UTC time>``, holds the bytes exactly as
        they were, and is flushed to disk before the store is cut.

        Returns:
            What was done, in words; None when there was nothing to repair.
        """
        self._check_writable()
        with self._lock, self._errors("repair"), self._file_lock():
            self._check_open()
            self._load()
            damage = self._damage
            if damage is None:
                return None
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
            side = self.path.with_name(f"{self.path.name}.cut-{stamp}")
            with self.path.open("r+b") as handle:
                handle.seek(damage.offset)
                cut = handle.read()
                with side.open("xb") as kept:
                    kept.write(cut)
                    kept.flush()
                    os.fsync(kept.fileno())
                handle.truncate(damage.offset)
                handle.flush()
                os.fsync(handle.fileno())
            self._damage = None
            return (
                f"moved the unfinished batch from line {damage.first_line} ({len(cut)} bytes) "
                f"to {side}; {self.path} now ends with its last committed batch"
            )

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

    def read_at(self, positions: Iterable[int]) -> list[StoredRecord]:
        """The records at ``positions``, in the order asked; those not held are left out."""
        with self._lock:
            self._check_open()
            return self._list.read_at(positions)

    def last_known_by(self, known: str) -> int:
        """See :meth:`timeline.typing.Store.last_known_by`."""
        with self._lock:
            self._check_open()
            return self._list.last_known_by(known)

    def find_ids(self, ids: Collection[str]) -> dict[str, int]:
        """See :meth:`timeline.typing.Store.find_ids`."""
        with self._lock:
            self._check_open()
            return self._list.find_ids(ids)

    @property
    def _snapshot_path(self) -> Path:
        return self.path.with_name(self.path.name + ".snapshots.json")

    def save_snapshot(self, name: str, position: int, state: str) -> None:
        """See :meth:`timeline.typing.Store.save_snapshot`."""
        self._check_writable()
        with self._lock, self._errors("save a snapshot"), self._file_lock():
            self._check_open()
            saved = self._snapshots()
            saved[name] = {"position": position, "state": state}
            temporary = self._snapshot_path.with_name(
                f".{self._snapshot_path.name}.{os.getpid()}.tmp"
            )
            temporary.write_text(canonical_json(saved) + "\n")
            temporary.replace(self._snapshot_path)

    def load_snapshot(self, name: str) -> tuple[int, str] | None:
        """See :meth:`timeline.typing.Store.load_snapshot`."""
        with self._lock:
            self._check_open()
            found = self._snapshots().get(name)
        if found is None:
            return None
        position, state = found.get("position"), found.get("state")
        if not (isinstance(position, int) and isinstance(state, str)):
            raise CorruptStoreError(f"{self._snapshot_path}: snapshot {name!r} is malformed")
        return position, state

    def snapshot_names(self) -> list[str]:
        """See :meth:`timeline.typing.Store.snapshot_names`."""
        with self._lock:
            self._check_open()
            return sorted(self._snapshots())

    def _snapshots(self) -> dict[str, Any]:
        try:
            text = self._snapshot_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise CorruptStoreError(f"{self._snapshot_path}: cannot read: {error}") from None
        try:
            saved = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise CorruptStoreError(f"{self._snapshot_path}: not JSON: {error}") from None
        if not isinstance(saved, dict) or not all(isinstance(v, dict) for v in saved.values()):
            raise CorruptStoreError(f"{self._snapshot_path}: not a snapshot file")
        return saved

    def check_structure(self) -> list[str]:
        """Read the file afresh and report what reads would leave out or refuse.

        Returns:
            What is wrong, one line each: an unfinished batch, a malformed line.
            Never raises for a damaged file.
        """
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TornWriteWarning)
                fresh = JsonLinesStore(self.path, read_only=True)
        except StoreError as error:
            return [str(error)]
        problems = [] if fresh.damage is None else [str(fresh.damage)]
        try:
            fresh.snapshot_names()
        except StoreError as error:
            problems.append(str(error))
        return problems

    def close(self) -> None:
        """See :meth:`timeline.typing.Store.close`."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")

    def __repr__(self) -> str:
        mode = ", read-only" if self.read_only else ""
        return f"<JsonLinesStore {str(self.path)!r}{mode}>"


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
    """An advisory lock on the file across processes: exclusive for writers, shared for readers."""

    def __init__(self, path: Path, *, shared: bool = False) -> None:
        self._path = path
        self._shared = shared
        self._descriptor = -1

    def __enter__(self) -> None:
        self._descriptor = os.open(self._path, os.O_RDONLY)
        fcntl.flock(self._descriptor, fcntl.LOCK_SH if self._shared else fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
