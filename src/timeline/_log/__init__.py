"""The log: an append-only sequence of records over a store.

Its rooms:

- ``_opened``: a log over its store, and its policy for records it cannot decode;
- ``_reading``: records read by position, type, subject or known time, and followed;
- ``_log``: :class:`Log` itself -- appends (typed, with known times that never go
  back and writers that follow each other), retractions and corrections.
"""

from __future__ import annotations

from ._log import Log
from ._opened import own_store
from ._reading import Reading

__all__ = ["Log", "Reading", "own_store"]
