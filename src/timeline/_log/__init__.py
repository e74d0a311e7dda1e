"""The log: an append-only sequence of records over a store.

Its rooms:

- ``_log``: :class:`Log`.
"""

from __future__ import annotations

from ._log import Log, own_store

__all__ = ["Log", "own_store"]
