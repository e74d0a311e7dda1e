"""PostgreSQL's errors as the library's, naming the server without its password."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Final

from timeline._errors import StoreError

from ._schema import _psycopg

if TYPE_CHECKING:
    from ._server import _Server


def _shown(url: str) -> str:
    """The URL without a password."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class _Errors(contextlib.AbstractContextManager[None]):
    """Turn psycopg's errors into the library's, naming the store and what was being done."""

    def __init__(self, store: _Server, doing: str) -> None:
        self.store, self.doing = store, doing

    def __exit__(self, kind: object, error: BaseException | None, _trace: object) -> None:
        if error is None or isinstance(error, StoreError):
            return
        pg = _psycopg()
        if isinstance(error, pg.OperationalError) and _lost(error):
            raise StoreError(
                f"{self.store}: lost the connection during {self.doing}: {_first_line(error)} "
                "(what was not committed was not written; retry if you wish)"
            ) from error
        if isinstance(error, pg.errors.UniqueViolation):
            raise StoreError(
                f"{self.store}: {self.doing} refused: a position or id is already stored "
                f"({_first_line(error)})"
            ) from error
        if isinstance(error, pg.Error):
            raise StoreError(
                f"{self.store}: {self.doing} failed: {_first_line(error)}{_kind(error)}"
            ) from error


#: SQLSTATEs of a connection that is gone, besides class 08: the server shut down or not
#: yet accepting connections (class 57P).
_GONE: Final = frozenset({"57P01", "57P02", "57P03"})


def _lost(error: BaseException) -> bool:
    """Whether ``error`` means the connection was lost (not a refusal the server explained).

    libpq's own failures (a dropped socket) carry no SQLSTATE; the server's
    connection exceptions are class 08. A lock timeout, a cancelled statement or
    a table that cannot publish its deletes is an operational error too, and
    is named as what it is.
    """
    state = getattr(error, "sqlstate", None)
    return state is None or state.startswith("08") or state in _GONE


def _kind(error: BaseException) -> str:
    """`` (LockNotAvailable, SQLSTATE 55P03)``: what the server said the error is."""
    state = getattr(error, "sqlstate", None)
    return "" if state is None else f" ({type(error).__name__}, SQLSTATE {state})"
