"""The command line's grammar: every command, its options and its help.

The global options are shared by every command; each command group adds its
own. Nothing here opens a store or reads a file.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Final, NoReturn

from timeline import __version__
from timeline._terminal import printable as _printable
from timeline.time import FLOATING

from ._options import _ZONE_HELP, DEFAULT_STORE, FORMATS, _tz_option


class _Parser(argparse.ArgumentParser):
    """argparse, with a user's control characters escaped in its error line."""

    def error(self, message: str) -> NoReturn:
        super().error(_printable(message))


def _common(*, documented: bool = True) -> _Parser:
    """The options every command takes, before or after its name.

    Documented once, in ``timeline --help``: each command takes them too, but
    its own help names them in one line (``documented=False``).
    """
    common = _Parser(add_help=False)

    def helped(text: str) -> str:
        return text if documented else argparse.SUPPRESS

    common.add_argument(
        "--store",
        default=argparse.SUPPRESS,
        help=helped(
            "the store: a .sqlite or .jsonl file, or a URL such as sqlite:///path/log.sqlite "
            f"(default: $TIMELINE_STORE, else {DEFAULT_STORE})"
        ),
    )
    common.add_argument(
        "--use",
        action="append",
        default=argparse.SUPPRESS,
        metavar="MODULE[:CLASS]",
        help=helped(
            "import your own event types (MODULE: a module, found in the current folder "
            "first, or a file, officers.py), and ask your own temporal-facts projection "
            "(MODULE:CLASS) instead of sanctions; or the name of a timeline.vocabularies entry "
            "point"
        ),
    )
    common.add_argument(
        "--format",
        choices=FORMATS,
        default=argparse.SUPPRESS,
        help=helped("table (for people, the default), json, jsonl (a row a line) or csv"),
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help=helped("the same as --format json"),
    )
    common.add_argument(
        "--progress",
        action="store_true",
        default=argparse.SUPPRESS,
        help=helped(
            "draw progress (a line per phase: count, rate, time left) even when standard "
            "error is not a terminal; it is drawn on a terminal by default, for work past a "
            "second"
        ),
    )
    common.add_argument(
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help=helped("no progress and no notes on standard error (rebuild: no report on success)"),
    )
    return common


#: Under each command's help: the global options it takes too, documented once.
_GLOBAL: Final = (
    "global options (before or after the command; see timeline --help): --store STORE, "
    "--use MODULE[:CLASS], --format table|json|jsonl|csv, --json, --progress, --quiet"
)


def _parser() -> argparse.ArgumentParser:
    common = _common()
    taken = _common(documented=False)
    parser = _Parser(
        prog="timeline",
        description="Load sources into a bitemporal timeline and ask what was in force when.",
        parents=[common],
        epilog=_SEED,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (bitemporal-timeline)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        examples = "\n".join(f"  timeline {line}" for line in _EXAMPLES.get(name, ()))
        epilog = f"examples (on the seed: see timeline --help):\n{examples}\n\n" if examples else ""
        return commands.add_parser(
            name,
            help=summary,
            description=summary,
            parents=[taken],
            epilog=epilog + "\n".join(textwrap.wrap(_GLOBAL, 78)),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    load = command(
        "load",
        "append the entries of a JSON Lines file, all or nothing; entries already in the "
        "store are skipped, so a load can be run again",
    )
    load.add_argument(
        "file", type=Path, help="the JSON Lines file: a line per entry (the seeds/ format)"
    )
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
    _filter_options(at)
    at.add_argument("--tz", type=_tz_option, default=FLOATING, help=_ZONE_HELP)
    at.add_argument(
        "--why",
        action="store_true",
        help="add a why column: each answer said in a sentence -- the bound that makes it "
        "maybe, the records and sources behind it (see timeline why)",
    )

    _why_command(command)
    _learned_command(command)

    command("keys", "every sanction key, one a line")

    show = command("show", "one record in full: event, valid time, provenance, status")
    show.add_argument("position", type=int, help="its position (1 is the first; -1 the last)")

    history = command("history", "the spells of one sanction key")
    history.add_argument("key", help='e.g. "UN Security Council / arms embargo / North Korea"')
    history.add_argument("--known", help="as known at this date or instant (default: now)")

    _span_commands(command)

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
    command(
        "rebuild",
        "build the facts index from the whole log and save it in the store (SQLite or "
        "PostgreSQL), so questions start from it; load saves it too",
    )
    command(
        "migrate",
        "bring a SQLite or PostgreSQL store written by an older version of the library to "
        "this one's schema, in one transaction; every record and hash stays as it was",
    )
    command(
        "repair",
        "move an unfinished batch at the end of a JSON Lines store to a side file, or rebuild "
        "a SQLite store's damaged indexes; never touches a committed record",
    )

    chronology = command(
        "log",
        "the records, as the log holds them (position order, written as read); --order valid: "
        "the chronology, in valid-time order (which reads every record first)",
    )
    chronology.add_argument("--known", help="as known at this date or instant (default: now)")
    chronology.add_argument(
        "--order",
        choices=["position", "valid"],
        default="position",
        help="position: as appended (the default); valid: by valid time, then position",
    )
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
        "--known",
        help="when the export was made, for entities that do not say when OpenSanctions last "
        "saw them (default: now)",
    )
    # The old spelling, for one release: the same option, said to be renamed when used.
    import_ftm.add_argument(
        "--known-at", dest="known_at_renamed", default=None, help=argparse.SUPPRESS
    )
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


def _why_command(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """``why``: one answer explained (timeline.facts' Why)."""
    why = command(
        "why",
        "why a sanction is (or may be, or is not) in force on a date: the spell, each bound "
        "with its precision and the record and source that set it, which bound makes it "
        "maybe, corrections and retractions known by then",
    )
    why.add_argument(
        "key", help='the sanction key, e.g. "UN Security Council / arms embargo / North Korea"'
    )
    why.add_argument("date", help="an EDTF / ISO 8601 date, month, year or instant, as for at")
    why.add_argument("--known", help="as known at this date or instant (default: now)")
    why.add_argument("--tz", type=_tz_option, default=FLOATING, help=_ZONE_HELP)


def _learned_command(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """``learned``: what changed between two known times (timeline.facts' learned)."""
    learned = command(
        "learned",
        "what the log learned between two known times: each sanction whose answer on a date "
        "(--at) or whose spells changed, before and after, with the records that changed it; "
        "--since-last NAME: since the last time under that name, which it then moves on",
    )
    learned.add_argument(
        "known_from", nargs="?", metavar="T1", help="the first known time (omit with --since-last)"
    )
    learned.add_argument("known_to", nargs="?", metavar="T2", help="the second (default: now)")
    learned.add_argument("--at", dest="valid", help="the date to compare answers on")
    learned.add_argument("--tz", type=_tz_option, default=FLOATING, help=_ZONE_HELP)
    learned.add_argument(
        "--since-last",
        metavar="NAME",
        help="from the known time a bookmark of this name keeps (the beginning, the first "
        "time), to the log's head; then move the bookmark there (writes the store)",
    )


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


#: Under ``timeline --help``: the seed, which every command's examples are run on.
_SEED: Final = """\
the seed (a news article's timeline, shipped with the package), loaded into timeline.sqlite here:
  cp "$(python3 -c 'import timeline; print(timeline.seed_path())')" seed.jsonl
  timeline load seed.jsonl
  timeline at 2024-01-15
every command's examples (timeline COMMAND --help) run on it."""

# Shown under each command's --help; each runs on the seed, in this order (a test runs them).
_EXAMPLES: dict[str, tuple[str, ...]] = {
    "load": (
        "load seed.jsonl",
        "--store seed.sqlite load seed.jsonl --tz America/New_York",
    ),
    "at": (
        "at 2024-01-15",
        "at 2024-01 --known 2024-01-10",
        "at 2024 --target russian --json",
        "at 2006-06-01 --why",
    ),
    "learned": (
        "learned 2024-01-10 2024-01-20 --at 2024-01-15",
        "learned 2024-01-10 --json",
        "learned --since-last screening --at 2024-01-15",
    ),
    "why": (
        'why "UN Security Council / arms embargo / North Korea" 2006-06-01',
        'why "United States / - / unnamed Russian individual" 2024-01-15 --known 2024-01-10',
        'why "UN Security Council / arms embargo / North Korea" 2007 --json',
    ),
    "during": ("during 2024-01-01 2024-02-01",),
    "keys": ("keys --format csv",),
    "show": ("show 3", "show -1 --json"),
    "history": ('history "UN Security Council / arms embargo / North Korea"',),
    "changes": ("changes 2024-01-01 2024-02-01 --known 2024-01-12T00:00:00Z",),
    "log": ("log --known 2024-01-12", "log --order valid", "log --format jsonl | head -3"),
    "head": ("head > pinned.txt",),
    "verify": ("verify", 'verify --pin "$(cat pinned.txt)"'),
    "copy": ("copy copied.jsonl", "--store copied.jsonl copy copied.sqlite"),
    "repair": ("--store copied.jsonl repair",),
    "migrate": ("migrate",),
    "rebuild": ("rebuild", "rebuild --use timeline.sanctions:SanctionsInForce"),
    "resolve": (
        'resolve "on Thursday" --published 2024-01-12',
        'resolve "late November" --published 2024-01-12 --json',
        'resolve "since February 2022" --published 2024-01-12 --reading since-to-publication+month',
    ),
    "plot": (
        "plot timeline.png --at 2024-02-01",
        "plot timeline.html --known 2024-01-12 --authority 'United States'",
        "plot page2.svg --page 2 --per-page 3",
    ),
    "export-ftm": ("export-ftm seed.ftm.json", "export-ftm --known 2024-01-13 - | head -1"),
    "import-ftm": (
        "--store ftm.sqlite import-ftm seed.ftm.json",
        "--store ftm.sqlite import-ftm - < seed.ftm.json",
        "--store other.sqlite import-ftm seed.ftm.json --known 2024-06-01",
    ),
}


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


def _filter_options(parser: argparse.ArgumentParser) -> None:
    """--target, --authority and --program: answered from the saved index's filters."""
    parser.add_argument(
        "--target",
        help="only sanctions on this target: words of its name or an alias, any case, accents "
        "or script",
    )
    parser.add_argument(
        "--authority", help="only sanctions of this authority (words of its name, as --target)"
    )
    parser.add_argument(
        "--program", help="only sanctions under this program (its name, any case or accents)"
    )


def _span_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """The commands during and changes: questions about a window of valid time [FROM, TO)."""
    for name, summary in (
        ("during", "the sanctions in force at any time in [FROM, TO) (yes / maybe)"),
        ("changes", "sanctions that started or ended in [FROM, TO)"),
    ):
        span = command(name, summary)
        span.add_argument("start", metavar="FROM", help="an ISO 8601 date or instant")
        span.add_argument("end", metavar="TO", help="an ISO 8601 date or instant (exclusive)")
        span.add_argument("--known", help="as known at this date or instant (default: now)")
        _filter_options(span)
        span.add_argument("--tz", type=_tz_option, default=FLOATING, help=_ZONE_HELP)
