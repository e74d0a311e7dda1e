"""The ``timeline`` command: load a file into a store and ask it questions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pendulum

from ._errors import TimelineError
from ._importer import _vocabularies, load_jsonl
from ._log import Log
from ._projection import record_order, visible
from ._time import End, Moment, to_instant
from .sanctions import SanctionsInForce
from .stores import JsonLinesStore, SQLiteStore, verify

if TYPE_CHECKING:
    from ._facts import Spell
    from ._records import Record
    from .typing import Store

__all__ = ["main"]

DEFAULT_STORE = "timeline.sqlite"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timeline",
        description="Load sources into a bitemporal timeline and ask what was in force when.",
    )
    parser.add_argument(
        "--store",
        default=os.environ.get("TIMELINE_STORE", DEFAULT_STORE),
        help="the store: a .sqlite file (default: %(default)s, or $TIMELINE_STORE) "
        "or a .jsonl file",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    load = commands.add_parser("load", help="append the entries of a JSON Lines file")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--progress", action="store_true", help="draw a progress bar (default: on a terminal)"
    )

    at = commands.add_parser("at", help="the sanctions in force on a date (yes / maybe)")
    at.add_argument("date", help="an ISO 8601 date or instant")
    at.add_argument("--known", help="as known at this date or instant (default: now)")
    at.add_argument("--target", help="only sanctions on this target")
    at.add_argument("--authority", help="only sanctions of this authority")

    history = commands.add_parser("history", help="the spells of one sanction key")
    history.add_argument("key", help='e.g. "UN Security Council / arms embargo / North Korea"')
    history.add_argument("--known", help="as known at this date or instant")

    changes = commands.add_parser("changes", help="sanctions that started or ended in [FROM, TO)")
    changes.add_argument("start", metavar="FROM")
    changes.add_argument("end", metavar="TO")
    changes.add_argument("--known", help="as known at this date or instant")

    commands.add_parser("verify", help="check the store's hash chain")

    chronology = commands.add_parser("log", help="the chronology, in valid-time order")
    chronology.add_argument("--known", help="as known at this date or instant")
    return parser


def _open(path: str, *, create: bool) -> Store:
    location = Path(path)
    if not create and not location.exists():
        raise TimelineError(f"{location}: no store here; load a file into it first")
    if location.suffix == ".jsonl":
        return JsonLinesStore(location)
    return SQLiteStore(location)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    out = sys.stdout
    _vocabularies()
    try:
        store = _open(args.store, create=args.command == "load")
    except TimelineError as error:
        print(f"timeline: error: {error}", file=sys.stderr)
        return 1
    try:
        log = Log(store)
        return _COMMANDS[args.command](log, args, out)
    except TimelineError as error:
        print(f"timeline: error: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()


# -- commands -----------------------------------------------------------------------------


def _load(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    show = args.progress or sys.stderr.isatty()
    records = load_jsonl(args.file, log, progress=_bar if show else None)
    if show:
        print(file=sys.stderr)
    if args.json:
        _json(out, {"loaded": len(records), "last_position": log.last_position})
    else:
        print(f"loaded {len(records)} records from {args.file} into {args.store}", file=out)
    return 0


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rloading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stderr.flush()


def _sanctions(log: Log) -> SanctionsInForce:

    facts = SanctionsInForce(log)
    facts.catch_up()
    return facts


def _at(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _sanctions(log)
    hits = facts.in_force(
        to_instant(args.date), known=_known(args), target=args.target, authority=args.authority
    )
    rows = [
        {
            "answer": hit.answer.value,
            "key": hit.key,
            "from": _when(hit.spell.start),
            "until": _when(hit.spell.end),
            "sources": _sources(hit.spell),
        }
        for hit in hits
    ]
    if args.json:
        _json(out, {"date": args.date, "known": args.known, "in_force": rows})
    elif rows:
        _table(out, rows, ["answer", "key", "from", "until", "sources"])
    else:
        print(f"nothing in force on {args.date}", file=out)
    return 0


def _history(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _sanctions(log)
    spells = facts.history(args.key, known=_known(args))
    rows = [
        {"from": _when(spell.start), "until": _when(spell.end), "sources": _sources(spell)}
        for spell in spells
    ]
    if args.json:
        _json(out, {"key": args.key, "spells": rows})
    elif rows:
        _table(out, rows, ["from", "until", "sources"])
    else:
        print(f"no history for {args.key!r}", file=out)
    return 0


def _changes(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    facts = _sanctions(log)
    found = facts.changes(to_instant(args.start), to_instant(args.end), known=_known(args))
    rows = [
        {
            "answer": change.answer.value,
            "change": change.kind,
            "key": change.key,
            "when": _when(change.spell.start if change.kind == "started" else change.spell.end),
        }
        for change in found
    ]
    if args.json:
        _json(out, {"from": args.start, "to": args.end, "changes": rows})
    elif rows:
        _table(out, rows, ["answer", "change", "when", "key"])
    else:
        print(f"no changes between {args.start} and {args.end}", file=out)
    return 0


def _verify(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    result = verify(log.store)
    if args.json:
        _json(
            out,
            {"ok": result.ok, "records": result.records, "first_bad": result.first_bad,
             "problem": result.problem},
        )  # fmt: skip
    else:
        print(str(result), file=out)
    return 0 if result.ok else 1


def _log(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    records = sorted(visible(log.read(known_at=_known(args))), key=record_order)
    rows = [_chronology_row(record) for record in records]
    if args.json:
        _json(out, {"records": rows})
    else:
        _table(out, rows, ["valid", "precision", "phrase", "event", "source"])
    return 0


def _when(end: Moment | End) -> str:
    """An interval end for people: the EDTF, or "open" / "unknown"."""
    if isinstance(end, Moment):
        return str(end)
    return "open" if end is End.OPEN else "unknown"


def _precision(end: Moment | End) -> str:
    return end.precision.name.lower() if isinstance(end, Moment) else _when(end)


def _chronology_row(record: Record) -> dict[str, Any]:
    valid = record.valid
    if isinstance(valid, Moment):
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


def _sources(spell: Spell) -> str:
    names = []
    for record in spell.records:
        name = record.provenance.speaker or record.provenance.source or f"#{record.position}"
        if name not in names:
            names.append(name)
    return ", ".join(names)


def _known(args: argparse.Namespace) -> pendulum.DateTime | None:
    return None if args.known is None else to_instant(args.known)


def _json(out: TextIO, value: object) -> None:
    json.dump(value, out, indent=2, ensure_ascii=False, default=str)
    out.write("\n")


def _table(out: TextIO, rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {
        column: max(len(column), *(len(str(row[column])) for row in rows)) for column in columns
    }
    print("  ".join(column.upper().ljust(widths[column]) for column in columns).rstrip(), file=out)
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip(), file=out)


_COMMANDS = {
    "load": _load,
    "at": _at,
    "history": _history,
    "changes": _changes,
    "verify": _verify,
    "log": _log,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
