"""The commands that write: load, import-ftm, export-ftm, plot.

A file is read and checked whole before a store is made for it (see _PREPARE in
_main), so a bad file creates nothing; long work shows a progress bar.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from timeline._errors import StoreError, TimelineError
from timeline._importer import check_lines, iter_lines
from timeline._loading import Loaded, stream_lines
from timeline._log import Log
from timeline._projection import visible
from timeline._terminal import say as _say
from timeline.facts import TemporalFacts
from timeline.stores import SQLiteStore
from timeline.stores._common import creating_name, publish
from timeline.stores._open import SQLITE_SUFFIXES, local_path

from ._asking import _FILTERS, _spell_matches
from ._index import _save_facts
from ._options import _known
from ._output import _emit
from ._progress import _Bar, shown

if TYPE_CHECKING:
    from timeline._records import Record


def _read_load(args: argparse.Namespace) -> None:
    """Check the file to load before a store is made for it: a bad file makes no store.

    A store file that is there already needs no such pass: the load reads,
    checks and writes in one transaction, and a bad line rolls it back.
    """
    args.lines_in_file = _count_lines(args.file)
    args.loaded = None
    if _is_file(args.store):
        return
    target = local_path(args.store)
    writable = target is not None and os.access(target.parent, os.W_OK | os.X_OK)
    if writable and target is not None and target.suffix.lower() in SQLITE_SUFFIXES:
        args.loaded = _load_aside(args, target)
        return
    show = shown(args)
    with _Bar(f"checking {args.file.name}", enabled=show) as bar:
        check_lines(args.file, Log(), progress=_counting(bar, args.lines_in_file), tz=args.tz)


def _load_aside(args: argparse.Namespace, target: Path) -> Loaded | None:
    """Load into a new SQLite store built aside and linked into place whole when loaded.

    One pass over the file, and a bad line (or an interrupt) leaves no store.
    None if another process made the store meanwhile: the load then goes into theirs.
    """
    temporary = creating_name(target)
    try:
        store = SQLiteStore(temporary)
        try:
            loaded = _stream(Log(store), args)
        finally:
            store.close()
        if Path(f"{temporary}-wal").exists() and Path(f"{temporary}-wal").stat().st_size:
            raise StoreError(f"{target}: the new store was not settled; nothing was made")
        return loaded if publish(temporary, target) else None
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)


def _is_file(location: str) -> bool:
    """Whether ``location`` names a store file that is there."""
    path = local_path(location)
    return path is not None and path.is_file()


def _count_lines(path: Path) -> int | None:
    """How many lines ``path`` has, counted as bytes (fast); None if it cannot be read so."""
    try:
        if not path.is_file():
            return None
        count, last = 0, b"\n"
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                count, last = count + block.count(b"\n"), block[-1:]
        return count + (last != b"\n")  # a last line without its newline counts too
    except OSError:
        return None  # the load says what is wrong, with the file and line


def _counting(bar: _Bar, total: int | None) -> Callable[[int, int], None]:
    """``bar.update`` with the file's line count as the total, once it is known."""
    return lambda done, _: bar.update(done, total)


def _stream(log: Log, args: argparse.Namespace) -> Loaded:
    show = shown(args)
    with _Bar(f"loading {args.file.name}", enabled=show) as bar:
        progress = _counting(bar, args.lines_in_file)
        lines = iter_lines(args.file, log, progress, tz=args.tz)
        return stream_lines(args.file, lines, log, keep_records=False)


def _load(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    loaded = args.loaded if args.loaded is not None else _stream(log, args)
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
    asked = {name: value for name in _FILTERS if (value := getattr(args, name, None)) is not None}
    # The keys the facts' filters find (all of them where it has none asked for), then checked.
    candidates = facts._keys_where(asked)  # noqa: SLF001 -- the index's own postings
    for key in facts.keys() if candidates is None else candidates:
        spells = facts.history(key, known=args.known)
        if any(_spell_matches(facts, spell.attributes, asked) for spell in spells):
            keys.append(key)
            for spell in spells:
                drawn.update(record.position for record in spell.records)
                subjects.update(r.subject for r in spell.records if r.subject is not None)
    seen = facts.log.read() if args.known is None else facts.log.read(known=args.known)
    events = [
        record
        for record in visible(seen)
        if record.position not in drawn and record.subject in subjects
    ]
    return keys, events


def _read_export(args: argparse.Namespace) -> None:
    """Read and check the export before the store is opened: a bad export makes no store."""
    from timeline.ftm import read_export  # noqa: PLC0415 -- only this command needs it

    show = shown(args)
    name = "standard input" if args.file == "-" else Path(args.file).name
    with _Bar(f"reading {name}", enabled=show) as bar:
        args.export = read_export(args.file, progress=lambda done: bar.update(done, 0))


def _import_ftm(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    from timeline.ftm import import_read  # noqa: PLC0415 -- only this command needs it

    imported = import_read(args.export, args.file, log, known=args.known)
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
