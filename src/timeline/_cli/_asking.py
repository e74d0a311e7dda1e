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
from typing import Any, Final, TextIO

from timeline._codec import decode_valid, parse_known_at
from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import RecordDecodeError, TimelineError
from timeline._log import Log
from timeline._projection import record_order
from timeline._records import FIRST_POSITION, Head, Record, StoredRecord
from timeline.facts import Hit, Learned, TemporalFacts
from timeline.facts._rows import _NEVER
from timeline.sanctions import SanctionsInForce, best_match, fold_name
from timeline.stores._snapshots import load_sealed, seal
from timeline.time import FLOATING, Question

from ._index import _facts
from ._options import _known
from ._output import MEASURED, _emit, _json, _known_used, _shown, _table, _valid_json
from ._rows import HIT_LEADING, change_row, hit_row, record_row, spell_row

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
    where, rest = _where(facts, args)
    if isinstance(facts, SanctionsInForce):
        hits: Sequence[Hit] = facts.in_force(args.date, known=_known(args), tz=args.tz, **where)
    else:
        hits = facts.at(args.date, known=_known(args), tz=args.tz, where=where)
    hits = _filtered(hits, rest)
    empty = f"nothing in force on {args.date}{_asked_also(args)}"
    return _hits_out(out, args, hits, {"date": args.date}, empty, facts)


#: Where ``learned --since-last NAME`` keeps its bookmark: a snapshot of this name.
_BOOKMARK: Final = "timeline.bookmark."


def _learned(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    head = log.store.head()
    if args.since_last is not None:
        found, asked = _since_bookmark(facts, args, head)
    elif args.known_from is None:
        raise TimelineError("learned: give the first known time T1, or --since-last NAME")
    else:
        found = facts.learned(args.known_from, args.known_to, valid=args.valid, tz=args.tz)
        asked = {"from": args.known_from, "to": args.known_to}
    rows = [item.to_row() for item in found]
    if args.json:
        _emit(out, args, {**asked, "at": args.valid}, "learned", rows)
    elif rows:
        columns = ("key", "before", "after", "records", "sources")
        wanted = columns if args.valid else ("key", "spells_before", "spells_after", "records")
        _people(out, iter(rows), wanted)
    else:
        print(f"nothing learned from {asked['from']} to {asked['to'] or 'now'}", file=out)
    if args.since_last is not None and head is not None:
        mark = seal(json.dumps(head.known_at), built_on=head.hash)
        log.store.save_snapshot(_BOOKMARK + args.since_last, head.position, mark)
    return 0


def _since_bookmark(
    facts: TemporalFacts, args: argparse.Namespace, head: Head | None
) -> tuple[list[Learned], dict[str, Any]]:
    """What was learned since the bookmark ``--since-last`` names.

    By position, not known time: records appended later may share the head's known time.
    """
    if args.known_from is not None or args.known_to is not None:
        raise TimelineError("learned --since-last takes no known times: it has its own")
    saved = load_sealed(facts.log.store, _BOOKMARK + args.since_last)
    if saved is not None and saved.problem is not None:
        name = args.since_last
        raise TimelineError(f"the bookmark {name!r} cannot be used: {saved.problem}")
    low = FIRST_POSITION - 1 if saved is None else saved.position
    high = FIRST_POSITION - 1 if head is None else head.position
    question = None if args.valid is None else Question.of(args.valid, tz=args.tz)
    facts.catch_up()
    found = facts._learned(low, high, (_NEVER, _NEVER), question)  # noqa: SLF001
    since = (
        "the beginning" if saved is None else parse_known_at(json.loads(saved.state)).isoformat()
    )
    until = None if head is None else parse_known_at(head.known_at).isoformat()
    return found, {"from": since, "to": until}


def _why(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    why = facts.why(args.key, args.date, known=_known(args), tz=args.tz)
    shown = why.to_json()
    if args.json:
        _emit(out, args, {}, None, [shown])
        return 0
    print(shown["text"], file=out)
    for bound in (shown["start"], shown["end"]):
        if bound is None:
            continue
        said = f" -- {bound['source']}" if bound["source"] else ""
        quote = f': "{bound["quote"]}"' if bound["quote"] else ""
        record = f", record #{bound['record']}" if bound["record"] is not None else ""
        zone = f", {bound['zone_rule']['tz']}" if bound["zone_rule"] is not None else ""
        value = bound["edtf"] or "unknown"
        print(
            f"  {bound['side']:<5}  {value} ({bound['precision']}{zone}{record}){said}{quote}",
            file=out,
        )
    for fix in shown["fixes"]:
        reason = f": {fix['reason']}" if fix["reason"] else ""
        print(f"  {fix['type']} #{fix['record']}, known {fix['known_at']}{reason}", file=out)
    for name in shown["conflicts"]:
        print(f"  sources disagree on {name}", file=out)
    return 0


def _during(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    where, rest = _where(facts, args)
    found = facts.during(args.start, args.end, known=_known(args), tz=args.tz, where=where)
    hits = _filtered(found, rest)
    empty = f"nothing in force between {args.start} and {args.end}{_asked_also(args)}"
    return _hits_out(out, args, hits, {"from": args.start, "to": args.end}, empty, facts)


def _asked_also(args: argparse.Namespace) -> str:
    """The rest of what was asked, for an empty answer: known time, zone and filters."""
    known = _known(args)
    parts = ["as known now" if known is None else f"as known at {known.isoformat()}"]
    if getattr(args, "tz", FLOATING) != FLOATING:
        parts.append(f"in {args.tz}")
    parts.extend(
        f"{name} {value!r}" for name in _FILTERS if (value := getattr(args, name, None)) is not None
    )
    return f" ({', '.join(parts)})"


#: The filters the commands offer (--target, --authority, --program).
_FILTERS: Final = ("target", "authority", "program")


def _where(facts: TemporalFacts, args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    """The filters asked for: those the facts' index answers, and the rest, read from spells.

    A vocabulary without a filter of that name is filtered here, by its
    spells' attributes (see :func:`_matches`): every hit is made.
    """
    asked = {name: value for name in _FILTERS if (value := getattr(args, name, None)) is not None}
    offered = type(facts).filters
    where = {name: value for name, value in asked.items() if name in offered}
    return where, {name: value for name, value in asked.items() if name not in offered}


def _filtered(hits: Sequence[Hit], rest: Mapping[str, str]) -> Sequence[Hit]:
    """Hits whose attributes match the filters the index does not answer, if any."""
    if not rest:
        return hits
    return [hit for hit in hits if _matches(hit.spell.attributes, rest)]


def _spell_matches(
    facts: TemporalFacts, attributes: Mapping[str, Any], asked: Mapping[str, str]
) -> bool:
    """Whether a spell's attributes match: by the facts' own filters, else by :func:`_matches`."""
    offered = type(facts).filters
    for name, query in asked.items():
        found = offered.get(name)
        if found is None:
            if not _matches(attributes, {name: query}):
                return False
        elif found.rank(query, found.values(attributes)) is None:
            return False
    return True


def _matches(attributes: Mapping[str, Any], asked: Mapping[str, str]) -> bool:
    """Whether a spell's ``target`` (or an alias), ``authority`` and ``program`` match.

    Names as :func:`timeline.sanctions.match_name` matches them: whole words,
    any script; a program equal but for case and accents.
    """
    names = {
        "target": [attributes.get("target"), *attributes.get("aliases", ())],
        "authority": [attributes.get("authority"), *attributes.get("authorities", ())],
    }
    for field, query in asked.items():
        if field == "program":  # as Filter(match="equal"): a name of no letters matches none
            wanted = fold_name(query)
            if not wanted or fold_name(str(attributes.get("program", ""))) != wanted:
                return False
        elif best_match(query, [str(n) for n in names[field] if n is not None]) is None:
            return False
    return True


#: What a table of hits, spells and changes shows of their rows (the rest is in JSON and CSV).
_HIT_COLUMNS: Final = ("answer", "key", "designation", "from", "until", "sources")
_SPELL_COLUMNS: Final = ("designation", "from", "until", "sources", "conflicts")
_CHANGE_COLUMNS: Final = ("answer", "change", "when", "key")
_RECORD_COLUMNS: Final = ("position", "known_at", "valid", "precision", "phrase", "event", "source")


def _hits_out(  # noqa: PLR0917 -- what was asked, and how to say it
    out: TextIO,
    args: argparse.Namespace,
    hits: Sequence[Hit],
    asked: dict[str, Any],
    empty: str,
    facts: TemporalFacts,
) -> int:
    """Write the hits a row at a time, each made as it is written (from the index's cells).

    CSV too: its header is every column a hit of these facts may have (the
    attributes any spell filed has had), so the first row is out before the
    last is made, and an empty answer still has its header.
    """
    explained = getattr(args, "why", False)
    rows = ({**hit_row(hit), "why": str(hit.why())} if explained else hit_row(hit) for hit in hits)
    if args.json:
        attributes = (f"attributes_{name}" for name in facts._attribute_names())  # noqa: SLF001
        columns = (*HIT_LEADING, *attributes, *(("why",) if explained else ()))
        _emit(out, args, {**asked, "known": _known_used(args)}, "in_force", rows, header=columns)
    elif hits:
        _people(out, rows, (*_HIT_COLUMNS, "why") if explained else _HIT_COLUMNS)
    else:
        print(empty, file=out)
    return 0


def _people(out: TextIO, rows: Iterator[dict[str, Any]], columns: Sequence[str]) -> None:
    """A table of ``columns`` of the rows, each value as people read it.

    A column every row leaves empty (a designation no source gives, conflicts
    none has) is left out.
    """
    first = list(itertools.islice(rows, MEASURED))
    shown = [c for c in columns if c == "key" or any(_shown(row.get(c)) for row in first)]
    cells = ({c: _shown(row.get(c)) for c in shown} for row in itertools.chain(first, rows))
    _table(out, cells, shown)


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
        **record_row(log, record),
        "status": status.state,
        "fixed_by": None if status.by is None else status.by.position,
    }
    if args.json:
        _emit(out, args, {}, None, [shown])
    else:
        width = max(len(name) for name in shown)
        for name, value in shown.items():
            print(f"{name:>{width}}: {_shown(value)}".rstrip(), file=out)
    return 0


def _history(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    spells = facts.history(args.key, known=_known(args))
    rows = (spell_row(spell) for spell in spells)
    if args.json:
        _emit(out, args, {"key": args.key, "known": _known_used(args)}, "spells", rows)
    elif spells:
        _people(out, rows, _SPELL_COLUMNS)
    else:
        print(f"no history for {args.key!r}{_asked_also(args)}", file=out)
    return 0


def _changes(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _facts(log, args)
    where, rest = _where(facts, args)
    changes = (
        change
        for change in facts._changes(  # noqa: SLF001 -- made as they are written
            args.start, args.end, known=_known(args), tz=args.tz, where=where
        )
        if _matches(change.spell.attributes, rest)
    )
    first = next(changes, None)
    found = () if first is None else itertools.chain([first], changes)
    rows = (change_row(change) for change in found)
    if args.json:
        asked = {"from": args.start, "to": args.end, "known": _known_used(args)}
        _emit(out, args, asked, "changes", rows)
    elif first is not None:
        _people(out, rows, _CHANGE_COLUMNS)
    else:
        print(f"no changes between {args.start} and {args.end}{_asked_also(args)}", file=out)
    return 0


def _log(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    known = _known(args)
    records: Iterator[Record | StoredRecord]
    if args.order == "valid":
        # The chronology: every record must be read before the first can be shown.
        records = iter(sorted(_standing(log, known), key=_record_order))
    else:
        records = _standing(log, known)
    first = next(records, None)
    if first is None:
        if args.json:
            _emit(out, args, {"known": _known_used(args)}, "records", [])
        else:
            print(f"no records known at {_known_used(args)}", file=out)
        return 0
    records = itertools.chain([first], records)
    rows = (record_row(log, record) for record in records)
    if args.json:
        _emit(out, args, {"known": _known_used(args)}, "records", rows)
    else:
        _people(out, rows, _RECORD_COLUMNS)
    return 0


def _standing(log: Log, known: dt.datetime | None) -> Iterator[Record | StoredRecord]:
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
