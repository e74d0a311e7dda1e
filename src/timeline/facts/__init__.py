"""Temporal facts: keyed facts that hold over intervals, answered from an index.

The layer above the log, beside projections. Its rooms, each importing only
those above it in this list:

- ``_rules``: how handlers are marked -- :func:`starts`, :func:`amends`,
  :func:`ends`, :class:`FieldRule` -- and the :class:`Change` they make;
- ``_filters``: the :class:`Filter` a vocabulary offers its questions, and
  the index of each key's filtered values, with postings from their words;
- ``_spells``: a key's records made into spells, conflicts kept;
- ``_answers``: :class:`Hit`, :class:`InForce`, :class:`History`,
  :class:`Transition`, :class:`SavedAnswer`, and their printed cells;
- ``_rows``: the index's columns, and a row's yes / maybe / no from its
  bounds alone;
- ``_intervals``: sets of integer intervals, asked what meets a range;
- ``_keys``: the key table, and the interval sets made from the rows;
- ``_lanes``: a catch-up's batch, and field rules read from stored rows;
- ``_tuning``: the thresholds, read at each use;
- ``_zones``: whose calendar a record's dates are on -- the :class:`ZoneRule`
  that reads its floating dates in a zone;
- ``_why``: :class:`Why` an answer is what it is, and each :class:`Bound` it names;
- ``_learned``: what the log :class:`Learned` between two known times;
- ``_tables``: answers as rows and DataFrames (:mod:`timeline.tables`' own);
- ``_state`` <- ``_filing`` <- ``_catch_up`` <- ``_saved`` <- ``_questions``:
  :class:`TemporalFacts`'s methods, one concern per base class -- its
  arrays; a key's records read back and filed; reading the log; the saved
  index; questions -- and ``_temporal``, the class itself.

The public names are also :mod:`timeline`'s own, and documented there. Tests
that must reach inside the index do it through this module alone: it also
holds the index's containers and thresholds under their private names.
"""

from __future__ import annotations

from . import _tuning as _tuning
from ._answers import Changes, History, Hit, InForce, SavedAnswer, Transition
from ._filters import Filter
from ._intervals import IntervalSet
from ._keys import _Keys as _Keys
from ._keys import _sets_of as _sets_of
from ._lanes import _FieldLane as _FieldLane
from ._learned import Learned
from ._rows import _Rows as _Rows
from ._rules import Change, FieldRule, amends, ends, starts
from ._spells import Conflict, Spell, sources_of
from ._temporal import TemporalFacts
from ._why import Bound, Why
from ._zones import NO_ZONES as _NO_ZONES  # noqa: F401 -- for tests, as above
from ._zones import ZoneRule

__all__ = [
    "Bound",
    "Change",
    "Changes",
    "Conflict",
    "FieldRule",
    "Filter",
    "History",
    "Hit",
    "InForce",
    "IntervalSet",
    "Learned",
    "SavedAnswer",
    "Spell",
    "TemporalFacts",
    "Transition",
    "Why",
    "ZoneRule",
    "amends",
    "ends",
    "sources_of",
    "starts",
]
