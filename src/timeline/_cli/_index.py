"""The facts a question is asked of: the vocabulary chosen, its saved index caught up.

`--use` names a module, a file or an installed vocabulary (entry points in
the group `timeline.vocabularies`); the index saved in the store is caught up,
and a long catch-up says so, once, on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from timeline._errors import TimelineError
from timeline._log import Log
from timeline._terminal import say as _say
from timeline.facts import TemporalFacts
from timeline.sanctions import SanctionsInForce
from timeline.typing import StateStore

from ._progress import _Display, shown

#: A question that had to read this many records past the saved index suggests a rebuild.
_SLOW_CATCH_UP = 10_000


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
        found: object = _import(module_name)
    except TimelineError:
        raise
    except Exception as error:  # noqa: BLE001 -- a user's module may fail any way: one line
        raise TimelineError(f"--use {use}: cannot import {module_name!r}: {error}") from None
    for part in filter(None, attribute.split(".")):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise TimelineError(f"--use {use}: {module_name} has no {attribute!r}") from None
    return found


def _import(name: str) -> ModuleType:
    """A module by name, found in the current folder first; or a Python file by its path.

    The folder is looked in as ``python -m`` looks in it; a file
    (``officers.py``, ``lib/officers.py``) is imported as its stem.
    """
    if name.endswith(".py"):
        path = Path(name)
        if not path.is_file():
            raise TimelineError(f"--use {name}: no such file")
        module = sys.modules.get(path.stem)
        if module is not None and Path(getattr(module, "__file__", "") or "").resolve() == (
            path.resolve()
        ):
            return module  # imported already (twice would declare its event types twice)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:  # pragma: no cover -- a .py file always has one
            raise TimelineError(f"--use {name}: cannot be imported as a module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[path.stem]
            raise
        return module
    here = str(Path.cwd())
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module(name)


def _facts(log: Log, args: argparse.Namespace) -> TemporalFacts:
    """The facts index: the one saved in the store, caught up; else built from the log.

    A long catch-up shows its progress; on a store that keeps no index (JSON
    Lines) a long build says once why it is needed at every question.
    """
    facts: TemporalFacts = args.facts.from_snapshot(log)
    saved = facts.position
    coming = log.last_position - saved
    keeps = isinstance(log.store, StateStore)
    if coming >= _SLOW_CATCH_UP and not keeps and not args.quiet:
        _say(
            f"note: rebuilding the facts from {coming:,} records: JSON Lines keeps no index; "
            "use SQLite for repeated questions ('timeline copy STORE.sqlite')"
        )
    began = time.perf_counter()
    read = _catch_up(facts, args, coming)
    if read >= _SLOW_CATCH_UP and keeps and not args.quiet:
        how = "built from" if saved == 0 else f"caught up from position {saved} over"
        _say(
            f"note: the facts index was {how} {read:,} records "
            f"({time.perf_counter() - began:.1f} s); 'timeline rebuild' saves it for next time"
        )
    return facts


def _catch_up(facts: TemporalFacts, args: argparse.Namespace, coming: int) -> int:
    """Catch ``facts`` up, drawing an "indexing" phase when it is long."""
    with _Display(enabled=coming >= _SLOW_CATCH_UP and shown(args)) as display:
        return facts.catch_up(progress=display.phase(f"indexing {coming:,} records", coming))


def _save_facts(log: Log, args: argparse.Namespace) -> TemporalFacts | None:
    """Build (or catch up) the facts index and save it; None if the store keeps none."""
    if not isinstance(log.store, StateStore):
        return None
    facts: TemporalFacts = args.facts.from_snapshot(log)
    _catch_up(facts, args, log.last_position - facts.position)
    facts.save_snapshot()
    return facts
