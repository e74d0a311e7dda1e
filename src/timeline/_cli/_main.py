"""The ``timeline`` command: load a file into a store and ask it questions."""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.metadata
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, Self, TextIO

import attrs
import pendulum
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from timeline import __version__, tables
from timeline._errors import (
    CorruptStoreError,
    InvalidValidTimeError,
    NotAStoreError,
    StoreNotFoundError,
    TimelineError,
    TimelineWarning,
)
from timeline._events import default_registry
from timeline._importer import _vocabularies, read_lines, write_lines
from timeline._log import Log
from timeline._projection import record_order, visible
from timeline._records import Pin
from timeline._terminal import printable as _printable
from timeline._terminal import say as _say
from timeline._terminal import silence_stdout as _silence_stdout
from timeline.facts import Hit, TemporalFacts, sources_of
from timeline.sanctions import SanctionsInForce, best_match
from timeline.stores import (
    Problem,
    TornWriteWarning,
    Verification,
    copy,
    open_store,
    repair,
    verify,
)
from timeline.time import (
    FLOATING,
    DateSet,
    End,
    Interval,
    Moment,
    Question,
    instant_text,
    to_instant,
    zone_of,
)
from timeline.typing import StateStore

if TYPE_CHECKING:
    from timeline._records import Record
    from timeline.facts import Hit, Spell
    from timeline.typing import Store

__all__ = ["main"]

DEFAULT_STORE = "timeline.sqlite"
#: The output formats: a table for people, JSON, JSON lines and CSV for machines.
FORMATS = ("table", "json", "jsonl", "csv")


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
        "--use",
        action="append",
        default=argparse.SUPPRESS,
        metavar="MODULE[:CLASS]",
        help="import your own event types (MODULE), and ask your own temporal-facts projection "
        "(MODULE:CLASS) instead of sanctions; or the name of a timeline.vocabularies entry point",
    )
    common.add_argument(
        "--format",
        choices=FORMATS,
        default=argparse.SUPPRESS,
        help="table (for people, the default), json, jsonl (a row a line) or csv",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="the same as --format json"
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
        examples = "\n".join(f"  timeline {line}" for line in _EXAMPLES.get(name, ()))
        return commands.add_parser(
            name,
            help=summary,
            description=summary,
            parents=[common],
            epilog=f"examples:\n{examples}" if examples else None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    load = command(
        "load",
        "append the entries of a JSON Lines file, all or nothing; entries already in the "
        "store are skipped, so a load can be run again",
    )
    load.add_argument("file", type=Path)
    load.add_argument(
        "--progress",
        action="store_true",
        help="draw a progress bar with count, rate and time left even when standard error is "
        "not a terminal (it is drawn on a terminal by default)",
    )
    load.add_argument("--quiet", action="store_true", help="no progress bar")
    load.add_argument(
        "--tz",
        type=_tz_option,
        default=FLOATING,
        help="the source's zone, for valid times a line gives without one (default: none -- "
        "local time somewhere)",
    )

    _exchange_commands(command)
    _words_command(command)

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
    at.add_argument("--tz", type=_tz_option, default=FLOATING, help=_ZONE_HELP)

    during = command("during", "the sanctions in force at any time in [FROM, TO) (yes / maybe)")
    during.add_argument("start", metavar="FROM", help="an ISO 8601 date or instant")
    during.add_argument("end", metavar="TO", help="an ISO 8601 date or instant (exclusive)")
    during.add_argument("--known", help="as known at this date or instant (default: now)")
    during.add_argument("--tz", type=_tz_option, default=FLOATING, help=_ZONE_HELP)

    command("keys", "every sanction key, one a line")

    show = command("show", "one record in full: event, valid time, provenance, status")
    show.add_argument("position", type=int, help="its position (1 is the first; -1 the last)")

    history = command("history", "the spells of one sanction key")
    history.add_argument("key", help='e.g. "UN Security Council / arms embargo / North Korea"')
    history.add_argument("--known", help="as known at this date or instant")

    changes = command("changes", "sanctions that started or ended in [FROM, TO)")
    changes.add_argument("start", metavar="FROM")
    changes.add_argument("end", metavar="TO")
    changes.add_argument("--known", help="as known at this date or instant")
    changes.add_argument("--tz", type=_tz_option, default=FLOATING, help=_ZONE_HELP)

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
    duplicate = command(
        "copy",
        "copy every record of the store into a new, empty store (by path or URL), keeping "
        "positions, ids, known times and hashes; the chain is checked on the way",
    )
    duplicate.add_argument("target", help="the new store: a path or URL")
    duplicate.add_argument("--progress", action="store_true", help="draw a progress bar")
    duplicate.add_argument("--quiet", action="store_true", help="no progress bar")
    rebuild = command(
        "rebuild",
        "build the facts index from the whole log and save it in the store (SQLite or "
        "PostgreSQL), so questions start from it; load saves it too",
    )
    rebuild.add_argument("--quiet", action="store_true", help="say nothing on success")
    command(
        "migrate",
        "bring a SQLite store written by an older version of the library to this one's "
        "schema, in one transaction; every record and hash stays as it was",
    )
    command(
        "repair",
        "move an unfinished batch at the end of a JSON Lines store to a side file, or rebuild "
        "a SQLite store's damaged indexes; never touches a committed record",
    )

    chronology = command("log", "the chronology, in valid-time order")
    chronology.add_argument("--known", help="as known at this date or instant")
    return parser


def _exchange_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """The commands that bring data in from elsewhere, or out as pictures."""
    import_ftm = command(
        "import-ftm",
        "import the sanctions among FollowTheMoney entities (JSON lines, as OpenSanctions "
        "exports them) as designations, all or nothing; an export imported again adds "
        "nothing, a newer one only what changed",
    )
    import_ftm.add_argument(
        "file",
        help="the export: JSON lines (flat or nested, as targets.nested.json) or a JSON array, "
        "gzipped or not; - reads standard input",
    )
    import_ftm.add_argument(
        "--known-at",
        help="when the export was made, for entities that do not say when OpenSanctions last "
        "saw them (default: now)",
    )
    import_ftm.add_argument("--progress", action="store_true", help="draw a progress bar")
    import_ftm.add_argument("--quiet", action="store_true", help="no progress bar")
    _export_ftm_command(command)

    plot = command(
        "plot",
        "draw the timeline: a row per sanction (or key), solid where it surely held, hatched "
        "where it may have, the other events as markers; PNG, SVG or one HTML file that "
        "works offline (hover for records and quotes). Needs the plot extra",
    )
    plot.add_argument("out", type=Path, help="the picture: .png, .svg, .pdf or .html")
    plot.add_argument("--at", dest="valid", help="draw a line at this date (a valid time)")
    plot.add_argument("--known", help="as known at this date or instant (default: now)")
    plot.add_argument("--target", help="only sanctions on this target (name or alias)")
    plot.add_argument("--authority", help="only sanctions of this authority")
    plot.add_argument("--page", type=int, default=1, help="which page of keys (default: 1)")
    plot.add_argument("--per-page", type=int, default=40, help="keys a page (default: 40)")
    plot.add_argument("--title", help="the picture's title")


def _words_command(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """``resolve``: a source's words to a valid time, with the rule (timeline.words)."""
    words = command(
        "resolve",
        "resolve a source's temporal phrase against its publication date: print the valid "
        "time (EDTF) and the rule -- the reading chosen and the others of an ambiguous "
        "phrase. Needs no store; languages other than English need the words extra",
    )
    words.add_argument("phrase", help='the words, e.g. "late November" or "la semaine dernière"')
    words.add_argument(
        "--published", required=True, help="the source's publication date, e.g. 2024-01-12"
    )
    words.add_argument("--language", default="en", help="the words' language (default: en)")
    words.add_argument("--reading", help="use this reading instead of the first (see the list)")


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


# Shown under each command's --help.
_EXAMPLES: dict[str, tuple[str, ...]] = {
    "resolve": (
        'resolve "on Thursday" --published 2024-01-12',
        'resolve "late November" --published 2024-01-12 --json',
        'resolve "since February 2022" --published 2024-01-12 --reading since-to-publication+month',
        'resolve "fin novembre 2023" --published 2024-01-12 --language fr',
    ),
    "load": (
        "--store seed.sqlite load seeds/000_b4b480d03dd4a743.jsonl",
        "load my.jsonl --use mine",
    ),
    "plot": (
        "plot timeline.png --at 2024-02-01",
        "plot timeline.html --known 2024-01-12 --authority 'United States'",
        "plot page2.svg --page 2 --per-page 30",
    ),
    "import-ftm": (
        "import-ftm targets.nested.json",
        "import-ftm entities.ftm.json.gz",
        "import-ftm sanctions.json --known-at 2024-06-01T00:00:00Z",
        "import-ftm - < entities.ftm.json",
    ),
    "export-ftm": ("export-ftm sanctions.ftm.json", "export-ftm --known 2024-01-01 - | head"),
    "at": ("at 2024-01-15", "at 2024-01 --known 2024-01-10", "at 2024 --target Mikheichik --json"),
    "during": ("during 2024-01-01 2024-02-01",),
    "keys": ("keys --format csv",),
    "show": ("show 3", "show -1 --json"),
    "history": ('history "UN Security Council / arms embargo / North Korea"',),
    "changes": ("changes 2024-01-01 2024-02-01 --known 2024-01-12T00:00:00Z",),
    "verify": ("verify", "verify --pin 14:dc262312518a82a43b26a7e4c1b2cc74"),
    "head": ("head > pinned.txt",),
    "copy": ("--store log.jsonl copy log.sqlite", "copy sqlite:///srv/shared/log.sqlite"),
    "repair": ("--store log.jsonl repair",),
    "migrate": ("--store old.sqlite migrate",),
    "rebuild": ("rebuild", "rebuild --use mymodule:Mandates"),
    "log": ("log --known 2024-01-12", "log --format jsonl | head"),
}

#: The commands that write; every other command opens its store read-only.
_WRITERS = frozenset({"load", "import-ftm", "repair", "rebuild", "migrate"})

#: A question that had to read this many records past the saved index suggests a rebuild.
_SLOW_CATCH_UP = 10_000


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
        _say(
            "interrupted: every batch is all or nothing, so the store is as it was before "
            "the batch that was being written"
        )
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
    args.format = getattr(args, "format", "json" if getattr(args, "json", False) else "table")
    args.json = args.format != "table"  # any format for machines
    if args.command == "resolve":  # words to a valid time: no store, no vocabularies
        return _resolve(args, sys.stdout)
    _vocabularies()
    args.facts = _projection(getattr(args, "use", []))
    if args.command == "verify":
        return _verify_location(args, sys.stdout)
    prepare = _PREPARE.get(args.command)
    if prepare is not None:  # the input is read and checked before a store is opened, or made
        prepare(args)
    store = _open(args.store, write=args.command in _WRITERS)
    try:
        log = Log(store)
        return _COMMANDS[args.command](log, args, sys.stdout)
    finally:
        store.close()


#: The entry-point group where other packages name their vocabularies (a module that
#: declares event types) or temporal-facts projections, for ``--use``.
ENTRY_POINTS = "timeline.vocabularies"


def _projection(uses: Sequence[str]) -> type[TemporalFacts]:
    """Import what ``--use`` names; return the temporal-facts class to ask (default: sanctions)."""
    plugins = {entry.name: entry for entry in importlib.metadata.entry_points(group=ENTRY_POINTS)}
    chosen: type[TemporalFacts] = SanctionsInForce
    for use in uses:
        found = _use(use, plugins)
        if isinstance(found, type) and issubclass(found, TemporalFacts):
            chosen = found
        elif ":" in use:
            raise TimelineError(f"--use {use}: {found!r} is not a TemporalFacts projection")
    return chosen


def _use(use: str, plugins: dict[str, importlib.metadata.EntryPoint]) -> object:
    if use in plugins:
        try:
            return plugins[use].load()
        except Exception as error:  # noqa: BLE001 -- a plug-in may fail any way: one line
            raise TimelineError(f"--use {use}: the entry point failed to load: {error}") from None
    module_name, _, attribute = use.partition(":")
    try:
        found: object = importlib.import_module(module_name)
    except Exception as error:  # noqa: BLE001 -- a user's module may fail any way: one line
        raise TimelineError(f"--use {use}: cannot import {module_name!r}: {error}") from None
    for part in filter(None, attribute.split(".")):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise TimelineError(f"--use {use}: {module_name} has no {attribute!r}") from None
    return found


# -- commands -----------------------------------------------------------------------------


def _read_load(args: argparse.Namespace) -> None:
    """Read and check the file to load, before the store is opened: a bad file makes no store."""
    show = not args.quiet and (args.progress or sys.stderr.isatty())
    with _Bar(f"loading {args.file.name}", enabled=show) as bar:
        args.lines = read_lines(args.file, Log(), progress=bar.update, tz=args.tz)


def _load(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    loaded = write_lines(args.file, args.lines, log)
    try:
        _save_facts(log, args)
    except Exception as error:  # noqa: BLE001 -- the records are in: say so, whatever failed
        _say(
            f"warning: loaded, but the facts index was not saved ({error}); questions will "
            "build it from the log, and 'timeline rebuild' saves it"
        )
    if args.json:
        loaded_row = {
            "loaded": len(loaded),
            "skipped": loaded.skipped,
            "last_position": log.last_position,
        }
        _emit(out, args, {}, None, [loaded_row])
    else:
        skipped = f" ({loaded.skipped} already there, skipped)" if loaded.skipped else ""
        print(f"loaded {len(loaded)} records from {args.file} into {args.store}{skipped}", file=out)
    return 0


#: What ``timeline plot`` writes, by the output's suffix.
_PICTURES = frozenset({".png", ".svg", ".pdf", ".html", ".htm"})


def _plot(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    if args.out.suffix.lower() not in _PICTURES:
        raise TimelineError(
            f"{args.out}: write a picture as .png, .svg, .pdf or .html, not "
            f"{args.out.suffix or 'a file without a suffix'}"
        )
    facts = args.facts(log)
    keys, events = None, None
    if args.target is not None or args.authority is not None:
        keys, events = _plotted(facts, args)
    from timeline.plot import draw  # noqa: PLC0415 -- only this command draws

    picture = draw(
        facts,
        valid=args.valid,
        known=args.known,
        keys=keys,
        events=events,
        page=args.page,
        per_page=args.per_page,
        title=args.title or "timeline",
    )
    picture.save(args.out)
    if args.json:
        drawn = {"out": str(args.out), "page": picture.page, "pages": picture.pages}
        _emit(out, args, {}, None, [{**drawn, "keys": picture.keys}])
    else:
        print(
            f"drew {picture.keys} keys (page {picture.page} of {picture.pages}) to {args.out}",
            file=out,
        )
    return 0


def _plotted(facts: TemporalFacts, args: argparse.Namespace) -> tuple[list[str], list[Record]]:
    """The keys whose spells match ``--target`` / ``--authority``, and only their own records.

    The markers are the records of the same subjects (their targets' ids) that are in no
    spell drawn: another target's records are not this one's.
    """
    keys: list[str] = []
    drawn: set[int] = set()
    subjects: set[str] = set()
    for key in facts.keys():  # noqa: SIM118 -- the facts' keys: no dict
        spells = facts.history(key, known=args.known)
        if any(_wanted(spell.attributes, args) for spell in spells):
            keys.append(key)
            for spell in spells:
                drawn.update(record.position for record in spell.records)
                subjects.update(r.subject for r in spell.records if r.subject is not None)
    seen = facts.log.read() if args.known is None else facts.log.read(known_at=args.known)
    events = [
        record
        for record in visible(seen)
        if record.position not in drawn and record.subject in subjects
    ]
    return keys, events


def _read_export(args: argparse.Namespace) -> None:
    """Read and check the export before the store is opened: a bad export makes no store."""
    from timeline.ftm import read_export  # noqa: PLC0415 -- only this command needs it

    show = not args.quiet and (args.progress or sys.stderr.isatty())
    name = "standard input" if args.file == "-" else Path(args.file).name
    with _Bar(f"reading {name}", enabled=show) as bar:
        args.export = read_export(args.file, progress=lambda done: bar.update(done, 0))


def _import_ftm(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    from timeline.ftm import import_read  # noqa: PLC0415 -- only this command needs it

    imported = import_read(args.export, args.file, log, known_at=args.known_at)
    try:
        _save_facts(log, args)
    except Exception as error:  # noqa: BLE001 -- the records are in: say so, whatever failed
        _say(f"warning: imported, but the facts index was not saved ({error})")
    counts = {
        "new": imported.new,
        "corrected": imported.corrected,
        "unchanged": imported.unchanged,
        "ended": imported.ended,
        "restored": imported.restored,
        "ignored": imported.ignored,
        "records": len(imported.records),
        "backfilled": imported.backfilled,
        "fallback": imported.fallback,
        "sources": {source: when.isoformat() for source, when in imported.sources},
        "conflicts": [
            {"designation": designation, "bound": bound, "dates": list(dates)}
            for designation, bound, dates in imported.conflicts
        ],
    }
    if args.json:
        _emit(out, args, {}, None, [{**counts, "last_position": log.last_position}])
        return 0
    print(
        f"imported {args.file} into {args.store}: {imported.new} new designations, "
        f"{imported.corrected} corrected, {imported.unchanged} unchanged, {imported.ended} "
        f"ended, {imported.restored} listed again, {imported.ignored} other entities ignored",
        file=out,
    )
    for source, when in imported.sources:
        print(f"  source {source or '(no dataset)'}: export of {when.isoformat()}", file=out)
    if imported.backfilled or imported.fallback:
        print(
            f"  known times: {imported.backfilled} records from OpenSanctions' first_seen / "
            f"last_change, {imported.fallback} from the export's date (the log knew later "
            "things)",
            file=out,
        )
    for designation, bound, dates in imported.conflicts:
        print(
            f"  conflict: {designation} has {len(dates)} {bound} dates: {', '.join(dates)}",
            file=out,
        )
    return 0


def _export_ftm_command(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    export_ftm = command(
        "export-ftm",
        "write the designations as FollowTheMoney entities, JSON lines: what an import kept "
        "comes back as it came, with what the log learned since. Needs the ftm extra",
    )
    export_ftm.add_argument(
        "out", nargs="?", default="-", help="the file to write (default: - , standard output)"
    )
    export_ftm.add_argument("--known", help="as known at this date or instant (default: now)")


def _export_ftm(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    from timeline.ftm import iter_ftm  # noqa: PLC0415 -- only this command needs it

    entities = iter_ftm(log, known=_known(args))
    if args.out == "-":
        written = sum(1 for entity in entities if out.write(_ftm_line(entity)))
    else:
        # Written beside the file, then moved over it: a failed export leaves no half file.
        target = Path(args.out)
        if not target.name or target.is_dir():
            raise TimelineError(f"export-ftm {args.out!r}: name a file to write, or - for output")
        partial = target.with_name(f".{target.name}.partial")
        try:
            with partial.open("w", encoding="utf-8") as file:
                written = sum(1 for entity in entities if file.write(_ftm_line(entity)))
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        _say(f"wrote {written} entities to {target}")
    return 0


def _ftm_line(entity: Mapping[str, Any]) -> str:
    return json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n"


class _Bar:
    """A progress bar on standard error: count, rate and time left, from the first second."""

    def __init__(self, what: str, *, enabled: bool) -> None:
        self._what = what
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=False,
            )

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task(self._what, total=None, rate="")
        return self

    def update(self, done: int, total: int | None) -> None:
        if self._progress is None or self._task is None:
            return
        elapsed = self._progress.tasks[0].elapsed or 0.0
        rate = f"{done / elapsed:,.0f}/s" if elapsed > 0 else ""
        # A total of 0 is not known yet: the bar shows the count and rate only.
        self._progress.update(self._task, completed=done, total=total or None, rate=rate)

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _facts(log: Log, args: argparse.Namespace) -> TemporalFacts:
    """The facts index: the one saved in the store, caught up; else built from the log."""
    facts: TemporalFacts = args.facts.from_snapshot(log)
    saved = facts.position
    began = time.perf_counter()
    read = facts.catch_up()
    if read >= _SLOW_CATCH_UP and isinstance(log.store, StateStore):
        how = "built from" if saved == 0 else f"caught up from position {saved} over"
        _say(
            f"note: the facts index was {how} {read:,} records "
            f"({time.perf_counter() - began:.1f} s); 'timeline rebuild' saves it for next time"
        )
    return facts


def _save_facts(log: Log, args: argparse.Namespace) -> TemporalFacts | None:
    """Build (or catch up) the facts index and save it; None if the store keeps none."""
    if not isinstance(log.store, StateStore):
        return None
    facts: TemporalFacts = args.facts.from_snapshot(log)
    facts.save_snapshot()
    return facts


def _rebuild(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    if not isinstance(log.store, StateStore):
        raise TimelineError(
            f"{args.store}: this kind of store keeps no saved index (JSON Lines): every "
            "question builds it from the log; copy it to SQLite to keep one"
        )
    began = time.perf_counter()
    facts: TemporalFacts = args.facts(log)  # from nothing: the saved state is not read
    if not facts.save_snapshot():
        raise TimelineError(
            f"{args.store}: not saved: another process saved the index further along the log "
            "meanwhile (it is kept)"
        )
    row = {
        "projection": facts.name(),
        "version": facts.version,
        "position": facts.position,
        "spells": len(facts),
        "seconds": round(time.perf_counter() - began, 3),
    }
    if args.json:
        _emit(out, args, {}, None, [row])
    elif not args.quiet:
        print(
            f"rebuilt {row['projection']} (version {row['version']}): {row['spells']:,} spells "
            f"to position {row['position']}, saved in {args.store} ({row['seconds']} s)",
            file=out,
        )
    return 0


_ZONE_HELP: Final = (
    "the zone of dates and times written without one (an IANA name, UTC, +09:00); by default "
    "none: local time somewhere, met with zoned times through every offset"
)


def _tz_option(text: str) -> str:
    """A ``--tz`` value, checked: a zone pendulum knows, or an offset."""
    try:
        zone_of(text)
    except InvalidValidTimeError as error:
        raise argparse.ArgumentTypeError(f"{error} (give an IANA name, UTC or +09:00)") from None
    return text


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
    if args.json:
        rows = [{"answer": hit.answer.value, **_spell_json(hit.spell)} for hit in hits]
        _emit(
            out,
            args,
            {**asked, "known": _known_used(args)},
            "in_force",
            rows,
            table=lambda: tables.rows(hits),
        )
    elif hits:
        rows = [
            {
                "answer": hit.answer.value,
                "key": hit.key,
                "designation": _designation(hit.spell),
                "from": _when(hit.spell.start),
                "until": _when(hit.spell.end),
                "sources": ", ".join(sources_of(hit.spell)),
            }
            for hit in hits
        ]
        _table(out, rows, _with_designation(rows, ["answer", "key", "from", "until", "sources"]))
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
    found = facts.changes(args.start, args.end, known=_known(args), tz=args.tz)
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
        asked = {"from": args.start, "to": args.end, "known": _known_used(args)}
        _emit(out, args, asked, "changes", rows, table=lambda: tables.rows(found))
    elif rows:
        _table(out, rows, ["answer", "change", "when", "key"])
    else:
        print(f"no changes between {args.start} and {args.end}{_asked_also(args)}", file=out)
    return 0


def _verify_location(args: argparse.Namespace, out: TextIO) -> int:
    """Verify, reporting a store that cannot even be opened instead of failing on it."""
    pin = None if args.pin is None else Pin.parse(args.pin)
    # A damaged tail is one of the problems verify reports: no warning besides.
    warnings.filterwarnings("ignore", category=TornWriteWarning)
    try:
        store = _open(args.store, write=False)
    except CorruptStoreError as error:
        # Damage inside a file that cannot be opened past it: the intact records before it.
        kept = 0 if error.head is None else error.head.position
        result = Verification(kept, (Problem("structure", str(error), error.position),), error.head)
    except NotAStoreError as error:
        result = Verification(0, (Problem("structure", str(error)),))
    else:
        try:
            result = verify(
                store, pin=pin, allow_appended=args.allow_appended, registry=default_registry
            )
        finally:
            store.close()
    if args.json:
        _emit(
            out,
            args,
            {
                "ok": result.ok,
                "records": result.records,
                "head": None if result.head is None else str(result.head.pin),
            },
            "problems",
            [
                {"kind": p.kind, "position": p.position, "message": p.message}
                for p in result.problems
            ],
        )
    else:
        print(str(result), file=out)
    return 0 if result.ok else 1


def _head(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    head = log.store.head()
    pin = log.pin()
    if args.json:
        shown = {
            "pin": str(pin),
            "position": pin.position,
            "known_at": None if head is None else head.known_at,
            "hash": None if head is None else head.hash,
        }
        _emit(out, args, {}, None, [shown])
    else:
        print(str(pin), file=out)
    return 0


def _copy(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    target = open_store(args.target)
    try:
        show = not args.quiet and (args.progress or sys.stderr.isatty())
        with _Bar(f"copying to {args.target}", enabled=show) as bar:
            copied = copy(log.store, target, progress=bar.update)
        head = target.head()
        pin = "(empty)" if head is None else str(head.pin)
    finally:
        target.close()
    if args.json:
        _emit(out, args, {}, None, [{"copied": copied, "target": args.target, "head": pin}])
    else:
        print(f"copied {copied} records to {args.target} (head {pin})", file=out)
    return 0


def _migrate(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    store = log.store
    before = getattr(store, "migrated_from", None)
    now = getattr(store, "schema_version", None)
    if args.json:
        _emit(out, args, {}, None, [{"migrated": before is not None, "from": before, "to": now}])
    elif before is not None:
        print(f"migrated {args.store} from schema {before} to {now}", file=out)
    elif now is not None:
        print(f"{args.store} is at schema {now} already: nothing to migrate", file=out)
    else:
        print(f"{args.store} has no schema to migrate", file=out)
    return 0


def _repair(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    said = repair(log.store)
    if args.json:
        _emit(out, args, {}, None, [{"repaired": said is not None, "what": said}])
    else:
        print(said or f"nothing to repair in {args.store}", file=out)
    return 0


def _log(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    records = sorted(visible(log.read(known_at=_known(args))), key=record_order)
    if args.json:
        rows = [_record_json(log, record) for record in records]
        table = lambda: tables.rows(records, registry=log.codec.registry)  # noqa: E731
        _emit(out, args, {"known": _known_used(args)}, "records", rows, table=table)
    else:
        rows = [_chronology_row(record) for record in records]
        if rows:
            _table(out, rows, ["valid", "precision", "phrase", "event", "source"])
        else:
            print(f"no records known at {_known_used(args)}", file=out)
    return 0


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


def _known(args: argparse.Namespace) -> pendulum.DateTime | None:
    return None if args.known is None else to_instant(args.known)


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


_COMMANDS = {
    "load": _load,
    "plot": _plot,
    "import-ftm": _import_ftm,
    "export-ftm": _export_ftm,
    "at": _at,
    "history": _history,
    "rebuild": _rebuild,
    "changes": _changes,
    "during": _during,
    "keys": _keys,
    "show": _show,
    "head": _head,
    "copy": _copy,
    "repair": _repair,
    "migrate": _migrate,
    "log": _log,
}

#: What a command reads and checks before its store is opened (or created).
_PREPARE: Final[dict[str, Callable[[argparse.Namespace], None]]] = {
    "load": _read_load,
    "import-ftm": _read_export,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
