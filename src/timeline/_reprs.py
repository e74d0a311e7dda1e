"""Short reprs and notebook tables: how result types show themselves.

Every public result type's ``repr()`` fits in :data:`LIMIT` characters (a notebook
cell, a debugger's line, a log message), and its ``_repr_html_`` is a small table
made by :func:`html_table` or :func:`html_rows`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Final

__all__ = ["LIMIT", "fitted", "html_rows", "html_table", "plural"]

#: The longest ``repr()`` of a result type, in characters.
LIMIT: Final = 120


def fitted(text: str, limit: int = LIMIT) -> str:
    """``text`` cut to ``limit`` characters, with "…" before a closing ``>`` kept.

    >>> fitted("<Thing " + "x" * 200 + ">", 20)
    '<Thing xxxxxxxxxxx…>'
    """
    if len(text) <= limit:
        return text
    closing = ">" if text.endswith(">") else ""
    return text[: limit - 1 - len(closing)] + "…" + closing


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, in the plural unless one: ``1 hit``, ``2 hits``, ``0 hits``."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def html_table(parts: Iterable[tuple[str, object]]) -> str:
    """A two-column table of names and values, each escaped: one thing's parts."""
    body = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in parts
    )
    return f"<table><tbody>{body}</tbody></table>"


def html_rows(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A table with a header of ``columns`` and a row per item, each cell escaped."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
