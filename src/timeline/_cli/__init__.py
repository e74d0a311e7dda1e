"""The ``timeline`` command: load a file into a store and ask it questions.

Imported by :mod:`timeline._command` once its Ctrl-C handling is in place.
Its rooms:

- ``_main``: :func:`main`, the stores it opens and the command it runs.

Tests reach inside the command through this module alone.
"""

from __future__ import annotations

from ._main import _parser as _parser
from ._main import _plotted as _plotted
from ._main import main

__all__ = ["main"]
