"""Stores: where a log's records live.

:class:`MemoryStore` for tests and quick scripts, :class:`SQLiteStore` (one
file, the embedded default), :class:`JsonLinesStore` (readable,
diff-friendly) and :class:`PostgresStore` (one log for many processes and
machines; the ``postgres`` extra). All keep the same contract (:class:`timeline.typing.Store`);
:func:`open_store` opens one by path or URL, :func:`copy` moves a log between
them, :func:`verify` checks everything that can give an answer (with a pinned
head, if you saved one) and :func:`repair` mends what can be mended.

>>> store = MemoryStore()
>>> store.head() is None
True
"""

from ._integrity import Problem, ProblemKind, Verification, copy, repair, verify
from ._jsonl import Damage, JsonLinesStore, TornWriteWarning
from ._memory import MemoryStore
from ._open import open_store
from ._postgres import PostgresStore
from ._sqlite import SQLiteStore

__all__ = [
    "Damage",
    "JsonLinesStore",
    "MemoryStore",
    "PostgresStore",
    "Problem",
    "ProblemKind",
    "SQLiteStore",
    "TornWriteWarning",
    "Verification",
    "copy",
    "open_store",
    "repair",
    "verify",
]
