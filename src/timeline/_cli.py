"""The ``timeline`` command: load a file into a store and ask it questions."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import pendulum

from . import __version__
from ._errors import (
    CorruptStoreError,
    NotAStoreError,
    StoreNotFoundError,
    TimelineError,
    TimelineWarning,
)
from ._importer import _vocabularies, load_jsonl
from ._log import Log
from ._projection import record_order, visible
from ._records import Pin
from ._time import End, Moment, to_instant
from .sanctions import SanctionsInForce
from .stores import Problem, TornWriteWarning, Verification, open_store, repair, verify

if TYPE_CHECKING:
    from ._facts import Spell
    from ._records import Record
    from .typing import Store

__all__ = ["main"]

DEFAULT_STORE = "timeline.sqlite"


def _printable(text: str) -> str:
    """``text`` on one line: control characters (and lone surrogates) written as escapes."""
    return "".join(
        char if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF else repr(char)[1:-1]
        for char in text
    )


class _Parser(argparse.ArgumentParser):
    """argparse, with a user's control characters escaped in its error line."""

    def error(self, message: str) -> NoReturn:
        super().error(_printable(message))


def _common() -> _Parser:
    """The options every command takes, before or after its name."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--store",
        default=argparse.SUPPRESS,
        help="the store: a .sqlite or .jsonl file, or a URL such as sqlite:///path/log.sqlite "
        f"(default: $TIMELINE_STORE, else {DEFAULT_STORE})",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON, not a table"
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(
        prog="timeline",
        description="Load sources into a bitemporal timeline and ask what was in force when.",
        parents=[common],
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (bitemporal-timeline)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=summary, parents=[common])

    load = command(
        "load",
        "append the entries of a JSON Lines file, all or nothing; entries already in the "
        "store are skipped, so a load can be run again",
    )
    load.add_argument("file", type=Path)
    load.add_argument(
        "--progress", action="store_true", help="draw a progress bar (default: on a terminal)"
    )

    at = command(
        "at",
        "the sanctions in force on a date (yes / maybe), asked at its own precision: "
        "a day, a month (2024-01) or a year (2024) asks about all of it, an instant "
        "(2024-01-11T12:00:00Z) about that instant",
    )
    at.add_argument("date", help="an EDTF / ISO 8601 date, month, year or instant")
    at.add_argument("--known", help="as known at this date or instant (default: now)")
    at.add_argument(
        "--target", help="only sanctions on this target: its name or an alias, any case or accents"
    )
    at.add_argument("--authority", help="only sanctions of this authority")

    history = command("history", "the spells of one sanction key")
    history.add_argument("key", help='e.g. "UN Security Council / arms embargo / North Korea"')
    history.add_argument("--known", help="as known at this date or instant")

    changes = command("changes", "sanctions that started or ended in [FROM, TO)")
    changes.add_argument("start", metavar="FROM")
    changes.add_argument("end", metavar="TO")
    changes.add_argument("--known", help="as known at this date or instant")

    check = command(
        "verify",
        "check everything that can give an answer: the hash chain, the file's own structures, "
        "snapshots; with --pin, that the log still holds a head saved earlier",
    )
    check.add_argument("--pin", help="a head printed earlier by 'timeline head'")
    check.add_argument(
        "--allow-appended",
        action="store_true",
        help="records after the pinned head are expected (the log has grown since)",
    )

    command("head", "print the head as a pin token, to save or publish and check later")
    command(
        "repair",
        "move an unfinished batch at the end of a JSON Lines store to a side file, or rebuild "
        "a SQLite store's damaged indexes; never touches a committed record",
    )

    chronology = command("log", "the chronology, in valid-time order")
    chronology.add_argument("--known", help="as known at this date or instant")
    return parser


#: The commands that write; every other command opens its store read-only.
_WRITERS = frozenset({"load", "repair"})


def _open(location: str, *, write: bool) -> Store:
    try:
        return open_store(location, read_only=not write)
    except StoreNotFoundError as error:
        raise StoreNotFoundError(f"{error}; load a file into it first") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Every failure is one line on standard error and a non-zero status, never a
    traceback: 1 for an error, 130 for Ctrl-C, 141 when the reader of the
    output went away (``| head``). Set ``TIMELINE_DEBUG=1`` to see tracebacks.
    """
    debug = bool(os.environ.get("TIMELINE_DEBUG"))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TimelineWarning)
            try:
                return _main(argv)
            finally:
                for warning in caught:
                    _say(f"warning: {warning.message}")
    except KeyboardInterrupt:
        _say("interrupted: every batch is all or nothing, so the store is as it was before "
             "the batch that was being written")  # fmt: skip
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except TimelineError as error:
        if debug:
            raise
        _say(f"error: {error}")
        return 1
    except OSError as error:
        if debug:
            raise
        where = f"{error.filename}: " if error.filename else ""
        _say(f"error: {where}{error.strerror or error}")
        return 1
    except Exception as error:
        if debug:
            raise
        _say(
            f"internal error: {type(error).__name__}: {error} (please report it; "
            "TIMELINE_DEBUG=1 shows the traceback)"
        )
        return 1


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    args.store = getattr(args, "store", os.environ.get("TIMELINE_STORE", DEFAULT_STORE))
    args.json = getattr(args, "json", False)
    _vocabularies()
    if args.command == "verify":
        return _verify_location(args, sys.stdout)
    store = _open(args.store, write=args.command in _WRITERS)
    try:
        log = Log(store)
        return _COMMANDS[args.command](log, args, sys.stdout)
    finally:
        store.close()


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"timeline: {_printable(text)}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the exit's flush does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# -- commands -----------------------------------------------------------------------------


def _load(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    show = args.progress or sys.stderr.isatty()
    loaded = load_jsonl(args.file, log, progress=_bar if show else None)
    if show:
        print(file=sys.stderr)
    if args.json:
        _json(
            out,
            {"loaded": len(loaded), "skipped": loaded.skipped, "last_position": log.last_position},
        )
    else:
        skipped = f" ({loaded.skipped} already there, skipped)" if loaded.skipped else ""
        print(f"loaded {len(loaded)} records from {args.file} into {args.store}{skipped}", file=out)
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
        args.date, known=_known(args), target=args.target, authority=args.authority
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


def _verify_location(args: argparse.Namespace, out: TextIO) -> int:
    """Verify, reporting a store that cannot even be opened instead of failing on it."""
    pin = None if args.pin is None else Pin.parse(args.pin)
    # A damaged tail is one of the problems verify reports: no warning besides.
    warnings.filterwarnings("ignore", category=TornWriteWarning)
    try:
        store = _open(args.store, write=False)
    except (CorruptStoreError, NotAStoreError) as error:
        result = Verification(0, (Problem("structure", str(error)),))
    else:
        try:
            result = verify(store, pin=pin, allow_appended=args.allow_appended)
        finally:
            store.close()
    if args.json:
        _json(
            out,
            {
                "ok": result.ok,
                "records": result.records,
                "head": None if result.head is None else str(result.head.pin),
                "problems": [
                    {"kind": p.kind, "position": p.position, "message": p.message}
                    for p in result.problems
                ],
            },
        )
    else:
        print(str(result), file=out)
    return 0 if result.ok else 1


def _head(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    head = log.store.head()
    pin = log.pin()
    if args.json:
        _json(
            out,
            {
                "pin": str(pin),
                "position": pin.position,
                "known_at": None if head is None else head.known_at,
                "hash": None if head is None else head.hash,
            },
        )
    else:
        print(str(pin), file=out)
    return 0


def _repair(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    said = repair(log.store)
    if args.json:
        _json(out, {"repaired": said is not None, "what": said})
    else:
        print(said or f"nothing to repair in {args.store}", file=out)
    return 0


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
    "head": _head,
    "repair": _repair,
    "log": _log,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
