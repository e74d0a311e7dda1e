"""Progress on standard error: one display, a line per phase, each with count, rate, time left.

Drawn on a terminal (or anywhere with ``--progress``), never with ``--quiet``. A phase
whose total is not known shows its count and rate; one that is known never shows done
before its work is (the caller gives the count done, not a guess).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

__all__ = ["Update", "_Bar", "_Display", "shown"]

#: Told how much of a phase is done: ``update(done, total)``; a total of 0 or None is unknown.
Update = Callable[[int, "int | None"], None]


def shown(args: argparse.Namespace) -> bool:
    """Whether to draw progress: on a terminal, or with ``--progress``; never with ``--quiet``."""
    return not args.quiet and (args.progress or sys.stderr.isatty())


class _Display:
    """One progress display on standard error, a line for each phase of a command's work."""

    def __init__(self, *, enabled: bool) -> None:
        self._progress: Progress | None = None
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
        return self

    def phase(self, what: str, total: int | None = None) -> Update:
        """Start a phase (a new line); return what its work calls as it goes."""
        progress = self._progress
        if progress is None:
            return _nothing
        task = progress.add_task(what, total=total or None, rate="")

        def update(done: int, total: int | None = None) -> None:
            elapsed = next(each.elapsed for each in progress.tasks if each.id == task) or 0.0
            rate = f"{done / elapsed:,.0f}/s" if elapsed > 0 else ""
            progress.update(task, completed=done, total=total or None, rate=rate)

        return update

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _nothing(done: int, total: int | None = None) -> None:
    """What a phase calls when nothing is drawn."""


class _Bar(_Display):
    """A display of one phase, ``what``: ``update(done, total)`` as the work goes."""

    def __init__(self, what: str, *, enabled: bool) -> None:
        super().__init__(enabled=enabled)
        self._what = what
        self.update: Update = _nothing

    def __enter__(self) -> Self:
        super().__enter__()
        self.update = self.phase(self._what)
        return self
