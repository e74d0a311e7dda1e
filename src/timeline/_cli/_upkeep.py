"""The commands that look after a store: rebuild, verify, head, copy, migrate, repair."""

from __future__ import annotations

import argparse
import time
import warnings
from typing import TextIO

from timeline._codec import parse_known_at
from timeline._errors import CorruptStoreError, NotAStoreError, TimelineError
from timeline._events import default_registry
from timeline._log import Log
from timeline._records import Pin
from timeline.facts import TemporalFacts
from timeline.stores import (
    Problem,
    TornWriteWarning,
    Verification,
    copy,
    open_store,
    repair,
    verify,
)
from timeline.typing import StateStore

from ._options import _open
from ._output import _emit
from ._progress import _Bar, _Display, shown
from ._rows import PROBLEM_COLUMNS


def _rebuild(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    if not isinstance(log.store, StateStore):
        raise TimelineError(
            f"{args.store}: this kind of store keeps no saved index (JSON Lines): every "
            "question builds it from the log; copy it to SQLite to keep one"
        )
    began = time.perf_counter()
    facts: TemporalFacts = args.facts(log)  # from nothing: the saved state is not read
    with _Display(enabled=shown(args)) as display:
        coming = log.last_position
        facts.catch_up(progress=display.phase(f"indexing {coming:,} records", coming))
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
            with _Display(enabled=shown(args)) as display:
                result = verify(
                    store,
                    pin=pin,
                    allow_appended=args.allow_appended,
                    registry=default_registry,
                    progress=display.phase("verifying records"),
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
            columns=PROBLEM_COLUMNS,
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
            "known_at": None if head is None else parse_known_at(head.known_at).isoformat(),
            "hash": None if head is None else head.hash,
        }
        _emit(out, args, {}, None, [shown])
    else:
        print(str(pin), file=out)
    return 0


def _copy(log: Log, args: argparse.Namespace, out: TextIO) -> int:
    target = open_store(args.target)
    try:
        with _Bar(f"copying to {args.target}", enabled=shown(args)) as bar:
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
