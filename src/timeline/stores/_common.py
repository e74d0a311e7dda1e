"""What the stores share: the append checks, files made whole, the errors of the system."""

from __future__ import annotations

import bisect
import contextlib
import errno
import glob
import os
import re
import resource
import secrets
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final

from timeline._errors import (
    ConcurrencyError,
    NotAStoreError,
    ReadOnlyStoreError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreNotFoundError,
)
from timeline._records import FIRST_POSITION, Head, StoredRecord

__all__ = [
    "ErrorsOf",
    "RecordList",
    "check_append",
    "check_location",
    "fsync_path",
    "is_canonical",
    "os_failure",
    "out_of_room",
    "publish",
]

# Record ids are stored as the codec writes them: lowercase, hyphenated. Any
# other spelling would not read back as written from a store that keeps the
# id's bytes, and the record's hash covers the text.
_CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_canonical(record_id: str) -> bool:
    """Whether ``record_id`` is a UUID in the canonical text the codec writes."""
    return _CANONICAL_ID.fullmatch(record_id) is not None


def check_append(records: Sequence[StoredRecord], *, expected: int, actual: int) -> None:
    """Refuse a batch that does not follow ``actual`` or was not meant to.

    Raises:
        ConcurrencyError: ``expected`` is not ``actual`` (another writer was first).
        StoreError: The batch's positions do not follow on, or a record's id
            is not a UUID in canonical text.
    """
    check_follows([record.position for record in records], expected=expected, actual=actual)
    for record in records:
        if not is_canonical(record.id):
            raise StoreError(
                f"record {record.position}: id {record.id!r} is not a UUID in canonical text"
            )


def check_follows(positions: Sequence[int], *, expected: int, actual: int) -> None:
    """Refuse positions that do not follow ``actual`` one by one, or a stale ``expected``.

    Raises:
        ConcurrencyError: ``expected`` is not ``actual`` (another writer was first).
        StoreError: The positions do not follow on.
    """
    if expected != actual:
        raise ConcurrencyError(expected, actual)
    for offset, position in enumerate(positions, start=actual + 1):
        if position != offset:
            raise StoreError(f"record position {position} does not follow {offset - 1}")


def check_location(path: Path, *, read_only: bool) -> None:
    """Refuse, before touching anything, a path that cannot be the store asked for.

    Raises:
        NotAStoreError: ``path`` is a folder, or (read-only) an empty file.
        StoreNotFoundError: Read-only and there is no file; or the folder is missing.
        ReadOnlyStoreError: For writing, but the file or its folder cannot be written.
    """
    if path.is_dir():
        raise NotAStoreError(f"{path} is a folder, not a store")
    if read_only:
        if not path.exists():
            raise StoreNotFoundError(f"{path}: no store here")
        if path.stat().st_size == 0:
            raise NotAStoreError(f"{path} is an empty file, not a timeline store")
        return
    folder = path.parent
    if not folder.is_dir():
        raise StoreNotFoundError(f"{path}: the folder {folder} does not exist")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ReadOnlyStoreError(f"{path} cannot be written: open it read-only to read it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReadOnlyStoreError(
            f"{path}: its folder cannot be written (a store writes beside its file): "
            "open it read-only to read it"
        )


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries) to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


#: How old a killed creation's file must be before another process removes it, in seconds.
_STALE_AFTER: Final = 10.0


def creating_name(path: Path) -> Path:
    """Where a new store for ``path`` is built before it is linked into place.

    ``.NAME.PID.RANDOM.creating`` beside it: hidden, named by the process
    building it, so that one left by a killed process can be told apart.
    """
    return path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.creating"


def sweep_creations(path: Path) -> list[Path]:
    """Remove what killed creations of the store at ``path`` left beside it; return those.

    A leftover is a :func:`creating_name` file whose process is no longer
    running here and that has not changed for a while; anything else (a
    creation under way, a file of another name) is left alone.
    """
    removed: list[Path] = []
    prefix = f".{path.name}."
    try:
        found = list(path.parent.glob(f"{glob.escape(prefix)}*.creating*"))
    except OSError:
        return removed
    for leftover in found:
        pid = leftover.name[len(prefix) :].split(".", 1)[0]
        try:
            age = time.time() - leftover.stat().st_mtime
        except OSError:
            continue
        if not pid.isdigit() or _running(int(pid)) or age < _STALE_AFTER:
            continue
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def publish(temporary: Path, path: Path) -> bool:
    """Put a finished file at ``path`` in one step, unless a file is there already.

    A hard link either makes ``path`` the whole new file or fails because
    another process was first; either way nothing half-made is ever at
    ``path``. The caller removes ``temporary``. Returns whether ``path`` is
    now this file (False: another process's was there first).
    """
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False  # another process created it first: theirs is the store
    except OSError as error:
        if error.errno not in {errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}:
            raise
        # No hard links on this file system: a rename is as atomic, but not exclusive.
        if path.exists():
            return False
        temporary.replace(path)
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder
        fsync_path(path.parent)
    return True


_FULL: frozenset[int] = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_DENIED: frozenset[int] = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def os_failure(error: OSError, path: Path, doing: str) -> StoreError:
    """The library's error for an error of the system, naming the file and the task."""
    reason = error.strerror or str(error)
    message = f"{path}: cannot {doing}: {reason}"
    if error.errno in _FULL:
        return StoreFullError(message)
    if error.errno in _DENIED:
        return ReadOnlyStoreError(message)
    if error.errno == errno.ENOENT:
        return StoreNotFoundError(message)
    if error.errno in {errno.EAGAIN, errno.EWOULDBLOCK}:
        return StoreLockedError(message)
    return StoreError(message)


# Less free room than this on the file system counts as full: a write was refused.
_NEARLY_FULL = 1 << 20


def out_of_room(path: Path) -> bool:
    """Whether a write beside ``path`` can have failed for want of room.

    True when the file system has (almost) no free space left, or when a file
    of the store (itself, its ``-wal`` or ``-journal``) has reached the
    process's file-size limit (``RLIMIT_FSIZE``).
    """
    with contextlib.suppress(OSError):
        stats = os.statvfs(path.parent)
        if stats.f_bavail * stats.f_frsize < _NEARLY_FULL:
            return True
    limit, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if limit == resource.RLIM_INFINITY:
        return False
    for suffix in ("", "-wal", "-journal"):
        with contextlib.suppress(OSError):
            if (path.parent / (path.name + suffix)).stat().st_size + _NEARLY_FULL > limit:
                return True
    return False


class ErrorsOf:
    """A context that turns the errors a store meets into the library's, naming the file.

    The system's errors become the :class:`~timeline.StoreError` that fits
    (:func:`os_failure`); a store with errors of its own (SQLite's) extends
    :meth:`translate`.
    """

    def __init__(self, path: Path, doing: str) -> None:
        self.path = path
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        translated = None if error is None else self.translate(error)
        if translated is not None:
            raise translated from None

    def translate(self, error: BaseException) -> StoreError | None:
        """The library's error for ``error``; None to let it through as it is."""
        if isinstance(error, OSError) and not isinstance(error, StoreError):
            return os_failure(error, self.path, self.doing)
        return None


class RecordList:
    """Stored records in position order, held in memory, with their known times."""

    def __init__(self) -> None:
        self.records: list[StoredRecord] = []
        self._known: list[str] = []

    @property
    def last_position(self) -> int:
        """The last position held; 0 when empty."""
        return len(self.records) + FIRST_POSITION - 1

    def head(self) -> Head | None:
        """The last record's position, known time and hash."""
        if not self.records:
            return None
        last = self.records[-1]
        return Head(last.position, last.known_at, last.hash)

    def extend(self, records: Sequence[StoredRecord]) -> None:
        """Add records already checked with :func:`check_append`."""
        self.records.extend(records)
        self._known.extend(record.known_at for record in records)

    def read(
        self,
        start: int = FIRST_POSITION,
        *,
        stop: int | None = None,
        types: Collection[str] | None = None,
        subject: str | None = None,
    ) -> Iterator[StoredRecord]:
        """Yield the records from ``start`` to ``stop``, filtered as the store protocol says."""
        first = max(start, FIRST_POSITION) - FIRST_POSITION
        last = len(self.records) if stop is None else max(stop - FIRST_POSITION, first)
        # A slice: later appends do not disturb a read in progress.
        chosen = self.records[first:last]
        wanted = None if types is None else frozenset(types)
        for record in chosen:
            if wanted is not None and record.type not in wanted:
                continue
            if subject is not None and record.subject != subject:
                continue
            yield record

    def read_at(self, positions: Iterable[int]) -> list[StoredRecord]:
        """The records at ``positions``, in the order asked; positions not held are left out."""
        records, first = self.records, FIRST_POSITION
        return [records[p - first] for p in positions if first <= p < len(records) + first]

    def last_known_by(self, known: str) -> int:
        """The last position whose known time is at or before ``known``; 0 if none."""
        return bisect.bisect_right(self._known, known) + FIRST_POSITION - 1

    def find_ids(self, ids: Collection[str]) -> dict[str, int]:
        """The positions of those of ``ids`` that are held."""
        wanted = set(ids)
        return {record.id: record.position for record in self.records if record.id in wanted}
