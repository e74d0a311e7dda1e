"""Temporal facts: keyed facts that hold over intervals, answered from an index.

The layer above the log and beside projections. Its rooms:

- ``_temporal``: :class:`TemporalFacts`, the index kept up to date with a log.
- ``_intervals``: sets of integer intervals, asked what meets a range.

The public names are also :mod:`timeline`'s own, and documented there. Tests
that must reach inside the index do it through this module alone: it also
holds the index's own containers and thresholds under their private names.
"""

from __future__ import annotations

from ._intervals import IntervalSet
from ._temporal import (
    Change,
    Conflict,
    FieldRule,
    History,
    Hit,
    InForce,
    SavedAnswer,
    Spell,
    TemporalFacts,
    Transition,
    amends,
    ends,
    sources_of,
    starts,
)

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
