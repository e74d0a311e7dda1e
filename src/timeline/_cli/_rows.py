"""The command's rows: one shape per kind -- hit, spell, change, record, problem.

A row is a flat ``dict`` of JSON values, the same in every format: JSON and JSON
lines write it as it is, CSV as cells, a table shows some of its columns. Hits,
spells and changes are the rows of :mod:`timeline.tables` with the designation
beside the key; records are the tables' record rows with the date's precision
and a one-line summary of the event beside its fields. Their JSON Schemas ship
in ``timeline/schemas`` (docs/reference/cli-json.md).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from timeline import tables
from timeline._codec import decode_valid
from timeline._records import Record, StoredRecord
from timeline.facts._tables import hit_cells_row, stored_row
from timeline.time import DateSet, Moment, zone_of

if TYPE_CHECKING:
    from timeline._log import Log
    from timeline.facts import Hit, Spell, Transition
    from timeline.time import End, ValidTime

#: The zone rows give instants in, as :func:`timeline.tables.rows` gives them by default.
UTC: Final = zone_of("UTC")

#: The columns every hit's row starts with: the tables', the designation after the key.
HIT_LEADING: Final = ("answer", "key", "designation", *tables.SPELL_COLUMNS[1:])

#: The columns a problem row of ``verify`` has, also when there is none.
PROBLEM_COLUMNS: Final = ("kind", "position", "message")


def hit_row(hit: Hit) -> dict[str, Any]:
    """A hit's row: the tables' (answer, then the spell's), the designation after the key.

    Made from the cells the index keeps for the hit's row where it keeps them:
    its spell's records are not read.
    """
    cells = hit._cells()  # noqa: SLF001 -- as the tables read them
    if cells is None:
        return _designated(tables.rows([hit])[0], designation(hit.spell))
    program_id = cells.attributes.get("program_id")
    shown = designation_of(program_id, cells.fact, cells.named)
    return _designated(hit_cells_row(hit, cells, UTC), shown)


def spell_row(spell: Spell) -> dict[str, Any]:
    """A spell's row: the tables', the designation after the key."""
    return _designated(tables.rows([spell])[0], designation(spell))


def change_row(change: Transition) -> dict[str, Any]:
    """A change's row: the tables' (change, answer, when, the spell's), the designation."""
    return _designated(tables.rows([change])[0], designation(change.spell))


def _designated(row: dict[str, Any], shown: str) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for name, value in row.items():
        made[name] = value
        if name == "key":
            made["designation"] = shown
    return made


def designation(spell: Spell) -> str:
    """Which designation a spell is, for people: its program id, and the designation's id."""
    made = next((r for r in spell.records if str(r.id) == spell.fact), None)
    named = None if made is None else made.position
    return designation_of(spell.attributes.get("program_id"), spell.fact, named)


def designation_of(program_id: object, fact: str | None, named: int | None) -> str:
    """A designation from its program id, its fact, and the position of the record it is."""
    # A designation named by no one is its record's id: its position says as much, shorter.
    shown = f"#{named}" if named is not None else fact
    return " / ".join(str(part) for part in (program_id, shown) if part is not None)


def record_row(log: Log, record: Record | StoredRecord) -> dict[str, Any]:
    """A record's row: the tables', with ``precision`` and ``event`` (a one-line summary).

    A record of a type this process has not imported (see ``timeline log``)
    has the same columns, its fields as stored.
    """
    if isinstance(record, StoredRecord):
        return _stored_row(log, record)
    row = tables.rows([record], registry=log.codec.registry)[0]
    return _with_summary(row, record.valid, _cut(repr(record.event)))


def _stored_row(log: Log, stored: StoredRecord) -> dict[str, Any]:
    body = json.loads(stored.body)
    data = body.get("data") or {}
    provenance = log.codec._provenance(body.get("provenance") or {})  # noqa: SLF001
    valid = decode_valid(body["valid"])
    row = stored_row(stored, valid, provenance, data, body.get("version", 1))
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return _with_summary(row, valid, _cut(f"{stored.type} {text}"))


def _with_summary(row: dict[str, Any], valid: ValidTime, summary: str) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for name, value in row.items():
        if name.startswith("event_") and "event" not in made:
            made["event"] = summary
        made[name] = value
        if name == "phrase":
            made["precision"] = precision_of(valid)
    made.setdefault("event", summary)
    return made


def precision_of(valid: ValidTime) -> str:
    """How precisely a valid time is known: ``day``, ``month to open``, ``one of a set``."""
    if isinstance(valid, Moment | DateSet):
        return _precision(valid)
    return f"{_precision(valid.start)} to {_precision(valid.end)}"


def _precision(end: Moment | DateSet | End) -> str:
    if isinstance(end, DateSet):
        return "all of a set" if end.every else "one of a set"
    if isinstance(end, Moment):
        if end.grouping is not None:
            return end.grouping.name.lower().replace("_", " ")  # "spring", "quarter 2"
        return end.precision.name.lower()
    return "open" if end.value == ".." else "unknown"


def _cut(text: str) -> str:
    return text if len(text) <= 70 else text[:69] + "…"
