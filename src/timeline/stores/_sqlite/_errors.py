"""SQLite's errors as the library's, and the one transaction an append is.

A locked file, a full disk, a read-only folder or a damaged file each become
the typed error a caller can act on, naming the file and what was being done.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Final

from timeline._errors import (
    CorruptStoreError,
    NotAStoreError,
    ReadOnlyStoreError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreNotFoundError,
)
from timeline.stores._common import ErrorsOf, out_of_room


def _text(value: object) -> object:
    """A text column read as bytes, as text again (None and other types as they are)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


# What SQLite says, and the error it means (the first whose words appear wins).
_MEANINGS: Final[tuple[tuple[tuple[str, ...], type[StoreError]], ...]] = (
    (("full",), StoreFullError),
    (("readonly", "read-only"), ReadOnlyStoreError),
    (("locked", "busy"), StoreLockedError),
    (("not a database",), NotAStoreError),
    (("malformed", "corrupt"), CorruptStoreError),
    (("unable to open",), StoreNotFoundError),
)


def _failure(error: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """The library's error for what SQLite said, naming the file and what was being done."""
    text = str(error)
    lowered = text.lower()
    if "disk i/o error" in lowered and out_of_room(path):
        # SQLite says "full" only for ENOSPC; a write past the file-size limit
        # (EFBIG) or into a full quota comes out as a plain I/O error.
        return StoreFullError(f"{path}: cannot {doing}: no room to write ({text})")
    for words, kind in _MEANINGS:
        if any(word in lowered for word in words):
            if kind is NotAStoreError:
                return kind(f"{path} is not a timeline store: {text}")
            return kind(f"{path}: cannot {doing}: {text}")
    return StoreError(f"{path}: cannot {doing}: {text}")


class _Errors(ErrorsOf):
    """Turn SQLite's and the system's errors into the library's, naming the file."""

    def translate(self, error: BaseException) -> StoreError | None:
        """See :meth:`ErrorsOf.translate`: SQLite's errors, and damaged text, too."""
        if isinstance(error, sqlite3.ProgrammingError):
            return StoreError(f"{self.path}: {error}")
        if isinstance(error, sqlite3.Error):
            return _failure(error, self.path, self.doing)
        if isinstance(error, UnicodeDecodeError):
            # Text SQLite hands back that is not UTF-8: a damaged page, not data.
            return CorruptStoreError(
                f"{self.path}: cannot {self.doing}: stored text is not UTF-8 ({error.reason})"
            )
        return super().translate(error)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error.

    A failed statement may have ended the transaction already (SQLite rolls
    back by itself on a full disk): the rollback is then skipped, so the
    error that caused it is the one raised.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.ProgrammingError as error:
            raise StoreError(str(error)) from None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            try:
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        else:
            self._rollback()

    def _rollback(self) -> None:
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
