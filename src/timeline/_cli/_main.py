"""The command run: its input read and checked first, its store opened, every error one line."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Final

from timeline._errors import TimelineError, TimelineWarning
from timeline._importer import _vocabularies
from timeline._log import Log
from timeline._records import known_instant
from timeline._terminal import say as _say
from timeline._terminal import silence_stdout as _silence_stdout

from ._arguments import _parser
from ._asking import (
    _at,
    _changes,
    _during,
    _history,
    _keys,
    _learned,
    _log,
    _resolve,
    _show,
    _why,
)
from ._index import _projection
from ._options import DEFAULT_STORE, _open, _there
from ._upkeep import _copy, _head, _migrate, _rebuild, _repair, _verify_location
from ._writing import _export_ftm, _import_ftm, _load, _plot, _read_export, _read_load

__all__ = ["main"]


#: The commands that write; every other command opens its store read-only.
_WRITERS = frozenset({"load", "import-ftm", "repair", "rebuild", "migrate"})
#: The writers that look after a store that is there: they make none.
_KEEPERS = frozenset({"repair", "rebuild", "migrate"})


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
    args.progress = getattr(args, "progress", False)
    args.quiet = getattr(args, "quiet", False)
    renamed = _renamed_options(args)
    if getattr(args, "known", None) is not None:
        known_instant(args.known)  # one rule for every --known, checked before a store opens
    if args.command == "resolve":  # words to a valid time: no store, no vocabularies
        return _resolve(args, sys.stdout)
    _vocabularies()
    args.facts = _projection(getattr(args, "use", []))
    if args.command == "verify":
        return _verify_location(args, sys.stdout)
    prepare = _PREPARE.get(args.command)
    if prepare is not None:  # the input is read and checked before a store is opened, or made
        prepare(args)
    bookmark = getattr(args, "since_last", None) is not None  # learned moves its bookmark
    if args.command in _KEEPERS:
        _there(args.store, args.command)
    store = _open(args.store, write=args.command in _WRITERS or bookmark)
    try:
        log = Log(store)
        status = _COMMANDS[args.command](log, args, sys.stdout)
    finally:
        store.close()
    if renamed and status == 0 and not args.quiet:  # said once it worked: a failure is one line
        _say("note: --known-at is now --known; --known-at goes in the next release")
    return status


def _renamed_options(args: argparse.Namespace) -> bool:
    """Options spelled as they were before a rename, taken as the new; whether any was."""
    old = getattr(args, "known_at_renamed", None)
    if old is None:
        return False
    if args.known is not None:
        raise TimelineError("--known-at is --known: give one of them")
    args.known = old
    return True


# -- commands -----------------------------------------------------------------------------


_COMMANDS = {
    "load": _load,
    "plot": _plot,
    "import-ftm": _import_ftm,
    "export-ftm": _export_ftm,
    "at": _at,
    "why": _why,
    "learned": _learned,
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
