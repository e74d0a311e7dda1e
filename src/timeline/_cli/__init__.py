"""The ``timeline`` command: load a file into a store and ask it questions.

Imported by :mod:`timeline._command` once its Ctrl-C handling is in place.
Its rooms:

- ``_options``: options as the commands read them (known time, zone, store);
- ``_arguments``: the grammar -- every command, its options and help;
- ``_output``: tables, JSON, JSON lines and CSV;
- ``_index``: the vocabulary chosen and its saved facts index, caught up;
- ``_asking``: at, during, history, changes, keys, show, log, resolve;
- ``_writing``: load, import-ftm, export-ftm, plot;
- ``_upkeep``: rebuild, verify, head, copy, migrate, repair;
- ``_main``: :func:`main` -- the input read and checked first, the store opened,
  the command run, every error one line.

Tests reach inside the command through this module alone.
"""

from __future__ import annotations

from . import _index as _index
from ._arguments import _parser as _parser
from ._main import main
from ._writing import _plotted as _plotted

__all__ = ["main"]
