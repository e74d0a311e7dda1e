"""Temporal facts: keyed facts that hold over intervals, answered from an index.

The layer above the log and beside projections. Its rooms:

- ``_temporal``: :class:`TemporalFacts`, the index kept up to date with a log.
- ``_intervals``: sets of integer intervals, asked what meets a range.

The public names are also :mod:`timeline`'s own, and documented there. Tests
that must reach inside the index do it through this module alone: it also
holds the index's own containers and thresholds under their private names.
"""

from __future__ import annotations

from . import _tuning as _tuning
from ._answers import History, Hit, InForce, SavedAnswer, Transition
from ._intervals import IntervalSet
from ._keys import _Keys as _Keys
from ._keys import _sets_of as _sets_of
from ._lanes import _FieldLane as _FieldLane
from ._rows import _Rows as _Rows
from ._rules import Change, FieldRule, amends, ends, starts
from ._spells import Conflict, Spell, sources_of
from ._temporal import TemporalFacts

__all__ = [
    "Change",
    "Conflict",
    "FieldRule",
    "History",
    "Hit",
    "InForce",
    "IntervalSet",
    "SavedAnswer",
    "Spell",
    "TemporalFacts",
    "Transition",
    "amends",
    "ends",
    "sources_of",
    "starts",
]
