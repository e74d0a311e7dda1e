"""How the command writes what it found: a table, JSON, JSON lines or CSV.

The JSON forms of valid times, records and spells are those of
docs/reference/cli-json.md; a table keeps to what a terminal shows.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import attrs
import pendulum

from timeline._log import Log
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


def _record_json(log: Log, record: Record) -> dict[str, Any]:
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


def _chronology_row(record: Record) -> dict[str, Any]:
    valid = record.valid
    if isinstance(valid, Moment | DateSet):
        precision = _precision(valid)
    else:
        precision = f"{_precision(valid.start)} to {_precision(valid.end)}"
    who = record.provenance.speaker or record.provenance.source or ""
    return {
        "position": record.position,
        "valid": str(valid),
        "precision": precision,
        "phrase": valid.phrase or "",
        "event": _summary(record.event),
        "source": who,
    }


def _summary(event: object) -> str:
    text = repr(event)
    return text if len(text) <= 70 else text[:69] + "…"


def _json(out: TextIO, value: object) -> None:
    json.dump(value, out, indent=2, ensure_ascii=False, default=str)
    out.write("\n")


def _emit(
    out: TextIO,
    args: argparse.Namespace,
    meta: dict[str, Any],
    key: str | None,
    rows: list[dict[str, Any]],
    *,
    table: Callable[[], list[dict[str, Any]]] | None = None,
) -> None:
    """Write an answer for machines: one JSON document, JSON lines (a row each), or CSV.

    ``key`` names the rows in the JSON document (None: the answer is one row).
    ``table`` makes the rows of :mod:`timeline.tables` (of hits, changes,
    spells or records) for CSV; without it, CSV flattens ``rows``.
    """
    if args.format == "json":
        _json(out, {**meta, key: rows} if key is not None else rows[0])
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


def _table(out: TextIO, rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {
        column: max([len(column), *(len(str(row[column])) for row in rows)]) for column in columns
    }
    print("  ".join(column.upper().ljust(widths[column]) for column in columns).rstrip(), file=out)
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip(), file=out)
