"""Stores: where a log's records live.

>>> store = MemoryStore()
>>> store.head() is None
True
"""

from ._memory import MemoryStore

__all__ = ["MemoryStore"]
