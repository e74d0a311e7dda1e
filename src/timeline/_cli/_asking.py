"""The commands that ask: at, during, history, changes, keys, show, log, resolve.

Each opens the facts (or the log) read-only, asks, and writes the answer in the
format chosen; an empty answer says what was asked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from timeline import tables
from timeline._codec import decode_valid
from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import RecordDecodeError, TimelineError
from timeline._log import Log
from timeline._projection import record_order
from timeline._records import FIRST_POSITION, Record, StoredRecord
from timeline.facts import Hit, sources_of
from timeline.sanctions import SanctionsInForce, best_match
from timeline.time import FLOATING, Question

from ._index import _facts
from ._options import _known
from ._output import (
    MEASURED,
    _chronology_row,
    _emit,
    _flatten,
    _json,
    _known_used,
    _record_json,
    _spell_json,
    _table,
    _valid_json,
    _when,
)

if TYPE_CHECKING:
    from timeline.facts import Spell

_FIXES = (Retracted, Corrected)


def _resolve(args: argparse.Namespace, out: TextIO) -> int:
    import datetime as dt  # noqa: PLC0415 -- only this command reads a weekday

    from timeline._words._readings import explain  # noqa: PLC0415 -- loaded when used
    from timeline._words._rule import rule_json  # noqa: PLC0415
    from timeline.words import resolve  # noqa: PLC0415

    found = resolve(
        args.phrase, published=args.published, language=args.language, reading=args.reading
    )
    rule = found.rule
    readings = [
        {"reading": name, "edtf": edtf, "chosen": chosen, "explanation": explain(name)}
        for name, edtf, chosen in (
            (rule.reading, rule.edtf, True),
            *((other.reading, other.edtf, False) for other in rule.alternatives),
        )
    ]
    if args.format == "json":
        _json(
            out,
            {
                "valid": _valid_json(found.value),
                "rule": rule_json(rule),
                "english": found.english,
                "readings": readings,
            },
        )
    elif args.json:
        _emit(out, args, {}, "readings", readings)
    else:
        day = dt.date.fromisoformat(rule.published)
        print(found.edtf, file=out)
        print(f"  phrase     {rule.phrase} ({rule.language}; read as '{found.english}')", file=out)
        print(f"  published  {rule.published} ({day.strftime('%A')})", file=out)
        print(f"  reading    {rule.reading}: {explain(rule.reading)}", file=out)
        for other in rule.alternatives:
            print(f"  or         {other.edtf}  {other.reading}: {explain(other.reading)}", file=out)
    return 0


def _at(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    asked = Question.of(args.date, tz=args.tz)
    if isinstance(facts, SanctionsInForce):
        hits: Sequence[Hit] = facts.in_force(
            asked, known=_known(args), target=args.target, authority=args.authority
        )
    else:
        hits = _filtered(facts.at(asked, known=_known(args)), args)
    empty = f"nothing in force on {args.date}{_asked_also(args)}"
    return _hits_out(out, args, hits, {"date": args.date}, empty)


def _during(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    hits = facts.during(args.start, args.end, known=_known(args), tz=args.tz)
    empty = f"nothing in force between {args.start} and {args.end}{_asked_also(args)}"
    return _hits_out(out, args, hits, {"from": args.start, "to": args.end}, empty)


def _asked_also(args: argparse.Namespace) -> str:
    """The rest of what was asked, for an empty answer: known time, zone and filters."""
    known = _known(args)
    parts = ["as known now" if known is None else f"as known at {known.isoformat()}"]
    if getattr(args, "tz", FLOATING) != FLOATING:
        parts.append(f"in {args.tz}")
    parts.extend(
        f"{name} {value!r}"
        for name in ("target", "authority")
        if (value := getattr(args, name, None)) is not None
    )
    return f" ({', '.join(parts)})"


def _filtered(hits: Sequence[Hit], args: argparse.Namespace) -> list[Hit]:
    """Hits whose ``target`` (or an alias) and ``authority`` attributes match, if asked."""
    return [hit for hit in hits if _wanted(hit.spell.attributes, args)]


def _wanted(attributes: Mapping[str, Any], args: argparse.Namespace) -> bool:
    """Whether a spell's ``target`` (or an alias) and ``authority`` match what was asked.

    Matched as :func:`timeline.sanctions.match_name` matches names: whole words, any script.
    """
    names = {
        "target": [attributes.get("target"), *attributes.get("aliases", ())],
        "authority": [attributes.get("authority"), *attributes.get("authorities", ())],
    }
    return all(
        query is None
        or best_match(query, [str(n) for n in names[field] if n is not None]) is not None
        for field, query in (("target", args.target), ("authority", args.authority))
    )


def _hits_out(
    out: TextIO, args: argparse.Namespace, hits: Sequence[Hit], asked: dict[str, Any], empty: str
) -> int:
    """Write the hits a row at a time: each row's spell is read as it is written."""
    if args.json:
        rows = ({"answer": hit.answer.value, **_spell_json(hit.spell)} for hit in hits)
        _emit(
            out,
            args,
            {**asked, "known": _known_used(args)},
            "in_force",
            rows,
            table=lambda: tables.rows(hits),
        )
    elif hits:
        table = (
            {
                "answer": hit.answer.value,
                "key": hit.key,
                "designation": _designation(hit.spell),
                "from": _when(hit.spell.start),
                "until": _when(hit.spell.end),
                "sources": ", ".join(sources_of(hit.spell)),
            }
            for hit in hits
        )
        first = list(itertools.islice(table, MEASURED))
        columns = _with_designation(first, ["answer", "key", "from", "until", "sources"])
        _table(out, itertools.chain(first, table), columns)
    else:
        print(empty, file=out)
    return 0


def _designation(spell: Spell) -> str:
    """Which designation a spell is, for people: its program id, and the designation's id."""
    program_id = spell.attributes.get("program_id")
    fact = spell.fact
    # A designation named by no one is its record's id: its position says as much, shorter.
    made = next((r for r in spell.records if str(r.id) == fact), None)
    shown = f"#{made.position}" if made is not None else fact
    return " / ".join(str(part) for part in (program_id, shown) if part is not None)


def _with_designation(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    """``columns``, with the designation's after the key (or first) where any row has one."""
    if not any(row["designation"] for row in rows):
        return columns
    at = columns.index("key") + 1 if "key" in columns else 0
    return [*columns[:at], "designation", *columns[at:]]


def _keys(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    keys = _facts(log, args).keys()
    if args.json:
        _emit(out, args, {}, "keys", [{"key": key} for key in keys])
    else:
        for key in keys:
            print(key, file=out)
    return 0


def _show(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    last = log.last_position
    if not (1 <= args.position <= last or -last <= args.position <= -1):
        where = (
            "positions start at 1; -1 is the last"
            if args.position == 0
            else f"no record at position {args.position}"
        )
        raise TimelineError(
            f"show {args.position}: {where} (the log has {last} records: 1 to {last}, or -1 "
            f"to -{last})"
            if last
            else f"show {args.position}: the log is empty"
        )
    record = log[args.position]
    status = log.status(record)
    shown = {
        **_record_json(log, record),
        "status": status.state,
        "fixed_by": None if status.by is None else status.by.position,
    }
    if args.json:
        _emit(out, args, {}, None, [shown])
    else:
        for name, value in shown.items():
            text = (
                json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
            )
            print(f"{name:>10}: {text}", file=out)
    return 0


def _history(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    spells = facts.history(args.key, known=_known(args))
    if args.json:
        _emit(
            out,
            args,
            {"key": args.key, "known": _known_used(args)},
            "spells",
            [_spell_json(s) for s in spells],
            table=lambda: tables.rows(spells),
        )
    elif spells:
        rows = [
            {
                "designation": _designation(spell),
                "from": _when(spell.start),
                "until": _when(spell.end),
                "sources": ", ".join(sources_of(spell)),
                "conflicts": ", ".join(conflict.attribute for conflict in spell.conflicts),
            }
            for spell in spells
        ]
        columns = _with_designation(rows, ["from", "until", "sources"])
        _table(out, rows, [*columns, "conflicts"] if any(r["conflicts"] for r in rows) else columns)
    else:
        print(f"no history for {args.key!r}{_asked_also(args)}", file=out)
    return 0


def _changes(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    changes = facts._changes(args.start, args.end, known=_known(args), tz=args.tz)  # noqa: SLF001
    first = next(changes, None)
    found = [] if first is None else itertools.chain([first], changes)
    rows = (
        {
            "answer": change.answer.value,
            "change": change.kind,
            "key": change.key,
            "when": _when(change.spell.start if change.kind == "started" else change.spell.end),
        }
        for change in found
    )
    if args.json:
        asked = {"from": args.start, "to": args.end, "known": _known_used(args)}
        _emit(out, args, asked, "changes", rows, table=lambda: tables.rows(found))
    elif first is not None:
        _table(out, rows, ["answer", "change", "when", "key"])
    else:
        print(f"no changes between {args.start} and {args.end}{_asked_also(args)}", file=out)
    return 0


def _log(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    known = _known(args)
    records: Iterator[Record | StoredRecord]
    if args.order == "valid":
        # The chronology: every record must be read before the first can be shown.
        records = iter(sorted(_shown(log, known), key=_record_order))
    else:
        records = _shown(log, known)
    first = next(records, None)
    if first is None:
        if args.json:
            _emit(out, args, {"known": _known_used(args)}, "records", [])
        else:
            print(f"no records known at {_known_used(args)}", file=out)
        return 0
    records = itertools.chain([first], records)
    if args.json:
        rows = (_record_json(log, record) for record in records)
        _emit(
            out,
            args,
            {"known": _known_used(args)},
            "records",
            rows,
            table=lambda: _record_table(log, list(records)),
        )
    else:
        _table(
            out,
            (_chronology_row(log, record) for record in records),
            ["position", "known", "valid", "precision", "phrase", "event", "source"],
        )
    return 0


def _shown(log: Log, known: dt.datetime | None) -> Iterator[Record | StoredRecord]:
    """The records not retracted or corrected, as the log holds them: in position order.

    Only the fixes are read first (the stores file records by type); the rest
    are read and written out as they come. A record of a type this process
    has not imported comes as stored (its type and data as written), not as
    an error: ``log`` shows what is there, with or without your code.
    """
    hidden = hidden_ids(fixes_of(log.read(types=_FIXES, known=known)))
    for record in _records_or_stored(log, known):
        if isinstance(record, StoredRecord):
            if uuid.UUID(record.id) not in hidden:
                yield record
        elif record.id not in hidden and not isinstance(record.event, _FIXES):
            yield record


def _records_or_stored(log: Log, known: dt.datetime | None) -> Iterator[Record | StoredRecord]:
    """Every record up to ``known``, decoded; as stored where its type is not registered."""
    stop = None if known is None else log.last_position_known_by(known) + 1
    position = FIRST_POSITION
    while True:
        try:
            for record in log.read(position, stop=stop, on_undecodable="raise"):
                position = record.position + 1
                yield record
        except RecordDecodeError as error:
            failed = error.position
            if failed is None:
                raise
            stored = next(iter(log.store.read(failed, stop=failed + 1)))
            if stored.type in log.registry:
                raise  # a record of a type we know that does not read: damage, said as such
            yield from log.read(position, stop=failed)  # those of its page before it
            yield stored
            position = failed + 1
        else:
            return


def _record_order(record: Record | StoredRecord) -> tuple[Any, ...]:
    """Valid time, then position, for records and records as stored alike."""
    if isinstance(record, StoredRecord):
        valid = decode_valid(json.loads(record.body)["valid"])
        return (*valid.extent.order, record.position)
    return record_order(record)


def _record_table(log: Log, records: list[Record | StoredRecord]) -> list[dict[str, Any]]:
    """The records as :mod:`timeline.tables` rows; with some as stored, their JSON flattened."""
    if all(isinstance(record, Record) for record in records):
        return tables.rows(records, registry=log.codec.registry)  # type: ignore[arg-type]
    return [_flatten(_record_json(log, record)) for record in records]
