"""Opening a store by path or URL: the suffix or the scheme says which kind."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from timeline._errors import NotAStoreError
from timeline._logger import logger

from ._jsonl import JsonLinesStore
from ._memory import MemoryStore
from ._postgres import PostgresStore
from ._sqlite import SQLiteStore

if TYPE_CHECKING:
    from timeline.typing import Store

__all__ = ["open_store"]

_logger = logger

#: The suffixes of a path that name a SQLite store.
SQLITE_SUFFIXES: Final = frozenset({".sqlite", ".sqlite3", ".db"})
_JSONL_SUFFIXES: Final = frozenset({".jsonl"})
_SCHEMES: Final = frozenset({"sqlite", "jsonl", "memory", "postgresql", "postgres"})


def open_store(
    location: str | Path,
    *,
    read_only: bool = False,
    durability: Literal["full", "normal"] = "full",
) -> Store:
    """Open the store at ``location``: a path, or a URL naming its kind.

    ``sqlite:///path/to/log.sqlite`` and ``jsonl:///path/to/log.jsonl`` (three
    slashes, then an absolute path; ``sqlite:relative.sqlite`` for a relative
    one), ``memory:`` for a new in-memory store, ``postgresql://host/db`` for
    a :class:`PostgresStore` (the ``postgres`` extra); or a path whose suffix says
    the kind: ``.sqlite``, ``.sqlite3`` or ``.db`` for SQLite, ``.jsonl`` for
    JSON Lines. Anything else is refused here, before a file is touched.

    Args:
        location: Where the store is.
        read_only: Never write (and never create).
        durability: As for :class:`SQLiteStore` and :class:`JsonLinesStore`.

    Raises:
        NotAStoreError: The location names no kind of store this library knows.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> open_store(folder / "log.jsonl")  # doctest: +ELLIPSIS
    <JsonLinesStore '.../log.jsonl'>
    >>> open_store(f"sqlite://{folder}/log.sqlite").close()
    """
    text = str(location)
    if not text.strip():
        raise NotAStoreError(
            "no store named (an empty name): name a .sqlite or .jsonl file, or a URL such as "
            "sqlite:///path/log.sqlite"
        )
    scheme, rest = _split(text)
    if scheme is None:
        path = Path(text)
        suffix = path.suffix.lower()
        if suffix in SQLITE_SUFFIXES:
            scheme = "sqlite"
        elif suffix in _JSONL_SUFFIXES:
            scheme = "jsonl"
        else:
            raise NotAStoreError(
                f"{text}: no store kind has the suffix {suffix or '(none)'!r}: name a .sqlite "
                "(or .sqlite3, .db) or .jsonl file, or a URL such as sqlite:///path/log.sqlite"
            )
    else:
        path = Path(rest)
    _logger.info("opening %s store %s%s", scheme, path, " read-only" if read_only else "")
    if scheme == "sqlite":
        return SQLiteStore(path, read_only=read_only, durability=durability)
    if scheme == "jsonl":
        return JsonLinesStore(path, read_only=read_only, durability=durability)
    if scheme == "memory":
        return MemoryStore()
    if scheme in {"postgresql", "postgres"}:
        return PostgresStore(text, read_only=read_only)
    raise AssertionError(scheme)  # pragma: no cover -- _split admits only _SCHEMES


def local_path(location: str) -> Path | None:
    """The file a store location names: a plain path, or a ``sqlite:``/``jsonl:`` URL's; else None.

    Raises:
        NotAStoreError: ``location`` has a scheme no store has.
    """
    scheme, rest = _split(location)
    if scheme is None:
        return Path(location)
    return Path(rest) if scheme in {"sqlite", "jsonl"} else None


def _split(text: str) -> tuple[str | None, str]:
    """The URL scheme and the path after it; no scheme for a plain path."""
    scheme, colon, rest = text.partition(":")
    # A one-letter "scheme" is a Windows drive, and a path may hold a colon later on.
    if not colon or len(scheme) < 2 or not scheme.isalpha() or "/" in scheme:
        return None, text
    if scheme.lower() not in _SCHEMES:
        raise NotAStoreError(
            f"{text}: unknown store scheme {scheme!r}: use sqlite:, jsonl:, memory: or postgresql:"
        )
    if scheme.lower() in {"postgresql", "postgres"}:  # a server: the URL is libpq's
        return scheme.lower(), text
    parsed = urllib.parse.urlsplit(text)
    if parsed.netloc not in {"", "localhost"}:
        raise NotAStoreError(f"{text}: a {scheme} store is a local file: write {scheme}:///path")
    return scheme.lower(), urllib.parse.unquote(parsed.path or rest)
