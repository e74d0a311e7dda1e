"""Stores: where a log's records live.

:class:`MemoryStore` for tests and quick scripts, :class:`SQLiteStore` (one
file, the embedded default) and :class:`JsonLinesStore` (readable,
diff-friendly). All keep the same contract (:class:`timeline.typing.Store`);
:func:`copy` moves a log between them and :func:`verify` checks its hash chain.

>>> store = MemoryStore()
>>> store.head() is None
True
"""

from ._integrity import Verification, copy, verify
from ._jsonl import JsonLinesStore, TornWriteWarning
from ._memory import MemoryStore
from ._sqlite import SQLiteStore

__all__ = [
    "JsonLinesStore",
    "MemoryStore",
    "SQLiteStore",
    "TornWriteWarning",
    "Verification",
    "copy",
    "verify",
]
