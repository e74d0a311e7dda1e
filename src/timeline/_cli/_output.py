"""How the command writes what it found: a table, JSON, JSON lines or CSV.

The JSON forms of valid times, records and spells are those of
docs/reference/cli-json.md; a table keeps to what a terminal shows.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import shutil
import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, TextIO

import attrs
import pendulum

from timeline._codec import decode_valid, format_known_at, parse_known_at
from timeline._log import Log
from timeline._records import StoredRecord
from timeline.facts import sources_of
from timeline.time import DateSet, End, Interval, Moment, instant_text

from ._options import _known

if TYPE_CHECKING:
    from timeline._records import Record
    from timeline.facts import Spell


def _end_json(end: Moment | DateSet | End) -> dict[str, Any] | None:
    """An interval end for machines: its EDTF and the instants it may be; null if open."""
    if end is End.OPEN:
        return None
    if end is End.UNKNOWN:
        return {"edtf": None, "earliest": None, "latest": None, "unknown": True}
    bounds = end.bounds()
    return {
        "edtf": str(end),
        "earliest": _wall_or_instant(bounds.low, floating=bounds.floating),
        "latest": _wall_or_instant(bounds.high, floating=bounds.floating),
    }


def _wall_or_instant(value: int, *, floating: bool) -> str:
    """An instant as ISO 8601; a floating one as wall time, without an offset."""
    text = instant_text(value)
    return text.removesuffix("+00:00") if floating else text


def _valid_json(valid: Moment | Interval | DateSet) -> dict[str, Any]:
    if isinstance(valid, Moment | DateSet):
        start = end = valid.bounds()
        low, high = start.low, end.high
    else:
        start, end = valid.extent.start, valid.extent.end
        low, high = start.low, end.top
    return {
        "edtf": str(valid),
        "earliest": _wall_or_instant(low, floating=start.floating),
        "latest": _wall_or_instant(high, floating=end.floating),
        "phrase": valid.phrase,
    }


def _record_json(log: Log, record: Record | StoredRecord) -> dict[str, Any]:
    if isinstance(record, StoredRecord):
        return _stored_json(log, record)
    name, version, data = log.codec.encode_event(record.event)
    return {
        "position": record.position,
        "id": str(record.id),
        "known_at": record.known_at.isoformat(),
        "type": name,
        "version": version,
        "event": data,
        "valid": _valid_json(record.valid),
        "subject": record.subject,
        "provenance": attrs.asdict(record.provenance),
        "hash": record.hash,
    }


def _stored_json(log: Log, stored: StoredRecord) -> dict[str, Any]:
    """A record of a type this process has not imported, as stored: the same fields."""
    body = json.loads(stored.body)
    provenance = log.codec._provenance(body.get("provenance") or {})  # noqa: SLF001
    return {
        "position": stored.position,
        "id": stored.id,
        "known_at": parse_known_at(stored.known_at).isoformat(),
        "type": stored.type,
        "version": body.get("version", 1),
        "event": body.get("data"),
        "valid": _valid_json(decode_valid(body["valid"])),
        "subject": stored.subject,
        "provenance": attrs.asdict(provenance),
        "hash": stored.hash,
    }


def _spell_json(spell: Spell) -> dict[str, Any]:
    return {
        "key": spell.key,
        "fact": spell.fact,
        "from": _end_json(spell.start),
        "until": _end_json(spell.end),
        "sources": sources_of(spell),
        "records": [record.position for record in spell.records],
        "attributes": {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in spell.attributes.items()
        },
        "conflicts": [conflict.attribute for conflict in spell.conflicts],
    }


def _known_used(args: argparse.Namespace) -> str:
    """The known time a question was asked at: the one given, else now."""
    known = _known(args)
    return (pendulum.now("UTC") if known is None else known).isoformat()


def _when(end: Moment | DateSet | End) -> str:
    """An interval end for people: the EDTF, or "open" / "unknown"."""
    if not isinstance(end, End):
        return str(end)
    return "open" if end is End.OPEN else "unknown"


def _precision(end: Moment | DateSet | End) -> str:
    if isinstance(end, DateSet):
        return "all of a set" if end.every else "one of a set"
    if isinstance(end, Moment) and end.grouping is not None:
        return end.grouping.name.lower().replace("_", " ")  # "spring", "quarter 2"
    return end.precision.name.lower() if isinstance(end, Moment) else _when(end)


def _chronology_row(log: Log, record: Record | StoredRecord) -> dict[str, Any]:
    if isinstance(record, StoredRecord):
        return _stored_row(log, record)
    valid = record.valid
    if isinstance(valid, Moment | DateSet):
        precision = _precision(valid)
    else:
        precision = f"{_precision(valid.start)} to {_precision(valid.end)}"
    who = record.provenance.speaker or record.provenance.source or ""
    return {
        "position": record.position,
        "known": _known_short(record.known_at),
        "valid": str(valid),
        "precision": precision,
        "phrase": valid.phrase or "",
        "event": _summary(record.event),
        "source": who,
    }


def _stored_row(log: Log, stored: StoredRecord) -> dict[str, Any]:
    """A table row of a record whose type is not imported: its type and data as stored."""
    shown = _stored_json(log, stored)
    valid = decode_valid(json.loads(stored.body)["valid"])
    if isinstance(valid, Moment | DateSet):
        precision = _precision(valid)
    else:
        precision = f"{_precision(valid.start)} to {_precision(valid.end)}"
    provenance = shown["provenance"]
    data = json.dumps(shown["event"], ensure_ascii=False, sort_keys=True)
    return {
        "position": stored.position,
        "known": _known_short(parse_known_at(stored.known_at)),
        "valid": str(valid),
        "precision": precision,
        "phrase": valid.phrase or "",
        "event": _cut(f"{stored.type} {data}"),
        "source": provenance.get("speaker") or provenance.get("source") or "",
    }


def _known_short(instant: dt.datetime) -> str:
    """A known time for people: UTC, to the second unless it has a fraction."""
    text = format_known_at(instant)
    return text.replace(".000000Z", "Z")


def _summary(event: object) -> str:
    return _cut(repr(event))


def _cut(text: str) -> str:
    return text if len(text) <= 70 else text[:69] + "…"


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
    table: Callable[[], list[dict[str, Any]]] | None = None,
) -> None:
    """Write an answer for machines: one JSON document, JSON lines (a row each), or CSV.

    ``key`` names the rows in the JSON document (None: the answer is one row).
    ``table`` makes the rows of :mod:`timeline.tables` (of hits, changes,
    spells or records) for CSV; without it, CSV flattens ``rows``.

    JSON and JSON lines are written a row at a time, as ``rows`` makes them:
    the first row is out before the last is made. CSV's columns are the
    union of its rows' fields, so it is written once every row is made.
    """
    if args.format == "json":
        if key is None:
            _json(out, next(iter(rows)))
        else:
            _json_rows(out, meta, key, rows)
    elif args.format == "jsonl":
        out.writelines(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)
    else:
        flat = (
            [_flatten(row) for row in rows]
            if table is None
            else [{name: _cell(value) for name, value in row.items()} for row in table()]
        )
        columns = list(dict.fromkeys(column for row in flat for column in row))
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)


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


def _cell(value: object) -> str:
    """A table cell as CSV text: lists joined with "; ", dicts as JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """One CSV row: nested fields as ``outer_inner`` columns, lists joined with "; "."""
    flat: dict[str, str] = {}
    for name, value in row.items():
        column = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{column}_"))
        elif isinstance(value, list):
            flat[column] = "; ".join(
                json.dumps(item, ensure_ascii=False) if isinstance(item, dict | list) else str(item)
                for item in value
            )
        else:
            flat[column] = "" if value is None else str(value)
    return flat


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
