"""How the command writes what it found: a table, JSON, JSON lines or CSV.

The JSON forms of valid times, records and spells are those of
docs/reference/cli-json.md; a table keeps to what a terminal shows.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, Final, TextIO

import pendulum

from timeline._errors import TimelineError
from timeline.time import DateSet, End, Interval, Moment

from ._options import _known


def _valid_json(valid: Moment | Interval | DateSet) -> dict[str, Any]:
    """A valid time for machines: its EDTF and the instants it may mean.

    The first instant and the first after it (exclusive) -- wall times where it
    is floating -- and null at an open or unknown end.
    """
    if isinstance(valid, Moment | DateSet):
        start = end = valid.bounds()
        dated = (True, True)
    else:
        start, end = valid.extent.start, valid.extent.end
        dated = (not isinstance(valid.start, End), not isinstance(valid.end, End))
    return {
        "edtf": str(valid),
        "earliest": start.iso()[0] if dated[0] else None,
        "latest": end.iso()[1] if dated[1] else None,
        "phrase": valid.phrase,
    }


def _known_used(args: argparse.Namespace) -> str:
    """The known time a question was asked at: the one given, else now."""
    known = _known(args)
    return (pendulum.now("UTC") if known is None else known).isoformat()


def _json(out: TextIO, value: object) -> None:
    json.dump(value, out, indent=2, ensure_ascii=False, default=str)
    out.write("\n")


def _emit(
    out: TextIO,
    args: argparse.Namespace,
    meta: dict[str, Any],
    key: str | None,
    rows: Iterable[dict[str, Any]],
    *,
    columns: Sequence[str] = (),
    header: Sequence[str] | None = None,
) -> None:
    """Write an answer for machines: one JSON document, JSON lines (a row each), or CSV.

    ``key`` names the rows in the JSON document (None: the answer is one row).
    The rows are those of the answer's kind (docs/reference/cli-json.md), the
    same in every format: CSV writes each row's values as cells (lists joined
    with "; ", objects as JSON, null empty) under the union of the rows'
    columns, ``columns`` first (so an answer with no rows still has its header).

    JSON and JSON lines are written a row at a time, as ``rows`` makes them:
    the first row is out before the last is made. So is CSV where ``header``
    gives every column a row may have (a row with another is an error, not
    a column lost); else its columns are the union of its rows' fields, and
    it is written once every row is made.
    """
    if args.format == "json":
        if key is None:
            _json(out, next(iter(rows)))
        else:
            _json_rows(out, meta, key, rows)
    elif args.format == "jsonl":
        out.writelines(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)
    elif header is not None:
        write = csv.writer(out, lineterminator="\n").writerow
        write(header)
        known = set(header)
        for row in rows:
            if not row.keys() <= known:
                extra = sorted(row.keys() - known)
                raise TimelineError(f"a row has columns the header lacks: {extra}")
            get = row.get
            write([v if type(v := get(name)) is str else _cell(v) for name in header])
    else:
        cells = [{name: _cell(value) for name, value in row.items()} for row in rows]
        header = list(dict.fromkeys([*columns, *(name for row in cells for name in row)]))
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(cells)


def _json_rows(out: TextIO, meta: dict[str, Any], key: str, rows: Iterable[dict[str, Any]]) -> None:
    """``{**meta, key: rows}`` as :func:`_json` writes it, a row at a time."""
    # The document with no rows, cut where its rows go: json.dump's own layout.
    text = json.dumps({**meta, key: []}, indent=2, ensure_ascii=False, default=str)
    head, tail = text[: text.rindex("[]") + 1], text[text.rindex("[]") + 1 :]
    out.write(head)
    separator = "\n"
    for row in rows:
        body = json.dumps(row, indent=2, ensure_ascii=False, default=str)
        out.write(separator + textwrap.indent(body, "    "))
        separator = ",\n"
    out.write(tail if separator == "\n" else "\n  " + tail)
    out.write("\n")


def _shown(value: object) -> str:
    """A row's value in a table for people: lists joined with ", ", null empty."""
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    return _cell(value)


def _cell(value: object) -> str:
    """A table cell as CSV text: lists joined with "; ", dicts as JSON, null as empty."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


#: How many rows a table's column widths are measured on before its first line is
#: written: later rows keep those widths (a longer cell pushes its line wider).
MEASURED: Final = 200


def _table(out: TextIO, rows: Iterable[dict[str, Any]], columns: list[str]) -> None:
    """Rows as aligned columns, written as they come (widths from the first rows).

    On a terminal the table fits its width: the widest columns are narrowed
    and their longer cells cut with "…". On a pipe every cell is whole.
    """
    rows = iter(rows)
    first = list(itertools.islice(rows, MEASURED))
    widths = {
        column: max([len(column), *(len(str(row[column])) for row in first)]) for column in columns
    }
    if out.isatty():
        widths = _fitted(widths, shutil.get_terminal_size().columns)
    print(
        "  ".join(_cell_text(column.upper(), widths[column]) for column in columns).rstrip(),
        file=out,
    )
    cut = out.isatty()
    for row in itertools.chain(first, rows):
        cells = (
            _cell_text(str(row[c]), widths[c]) if cut else str(row[c]).ljust(widths[c])
            for c in columns
        )
        print("  ".join(cells).rstrip(), file=out)


#: No column is narrowed below this many characters to fit a terminal.
NARROWEST: Final = 8


def _fitted(widths: dict[str, int], limit: int) -> dict[str, int]:
    """Column widths narrowed, widest first, until a line fits in ``limit`` characters."""
    fitted = dict(widths)
    while (excess := sum(fitted.values()) + 2 * (len(fitted) - 1) - limit) > 0:
        widest = max(fitted, key=lambda column: fitted[column])
        others = max((w for c, w in fitted.items() if c != widest), default=NARROWEST)
        narrower = max(fitted[widest] - excess, others, NARROWEST)
        if narrower >= fitted[widest]:
            if fitted[widest] <= NARROWEST:
                break  # as narrow as columns go: the line wraps
            narrower = fitted[widest] - 1
        fitted[widest] = narrower
    return fitted


def _cell_text(text: str, width: int) -> str:
    """``text`` in ``width`` characters: padded, or cut with "…"."""
    if len(text) > width:
        return text[: width - 1] + "…"
    return text.ljust(width)
