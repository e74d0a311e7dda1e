"""PostgreSQL's errors as the library's, naming the server without its password."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

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
        if isinstance(error, pg.OperationalError):
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
            raise StoreError(f"{self.store}: {self.doing} failed: {_first_line(error)}") from error
