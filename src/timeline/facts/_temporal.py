"""Temporal facts: keyed facts that hold over intervals, answered from an index.

A fact (a sanction on a target, an embargo, a mandate) starts, may be
amended, and ends. Its *spells* -- the periods it holds -- are rebuilt per key
whenever a record about that key arrives or is retracted, and filed in
interval indexes by valid time. Because the log is append-only and known
times never go backwards, a key's earlier versions never change: each
catch-up only closes the key's current version and files the new one, so
questions at any known time are answered from the indexes, not by replaying.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from timeline._projection import marked_methods

from ._answers import History, Hit, InForce, SavedAnswer, Transition
from ._filters import Filter
from ._questions import _Questions
from ._rules import Change, FieldRule, amends, ends, starts
from ._spells import Conflict, Spell
from ._zones import ZoneRule, _Zoning

__all__ = [
    "Change",
    "Conflict",
    "FieldRule",
    "Filter",
    "History",
    "Hit",
    "InForce",
    "SavedAnswer",
    "Spell",
    "TemporalFacts",
    "Transition",
    "ZoneRule",
    "amends",
    "ends",
    "starts",
]


class TemporalFacts(_Questions):
    """Keyed facts that hold over intervals, kept up to date with a log.

    Subclass it and mark methods with :func:`starts`, :func:`amends` and
    :func:`ends`; each takes a record and returns a :class:`Change` (or just
    a key). Where the key and attributes are event fields, assign a
    :class:`FieldRule` instead (``lifted = ends(Lifted, key="target")``):
    on SQL stores a catch-up then reads only those fields. Then
    :meth:`catch_up` and ask.

    Reconciliation rule, when sources disagree about one key: every record is
    kept. A start while the fact is already in force is a further source for
    the same spell; where it gives an attribute another value, the value of
    the earliest record (valid-time order, then position) is used and the
    others are listed in :attr:`Spell.conflicts`. Where the sources give the
    spell different starts (or ends), those are listed there too, and the
    spell's start (end) is one of them, not known which -- a one-of
    :class:`~timeline.DateSet` -- so it is surely in force only from the
    latest start and until the earliest end, and maybe from the earliest
    start and until the latest end. An amendment replaces values from its
    valid time on. An end closes the spell in force; a later end of a closed
    spell (by an end record, or by the start's own interval) is a further
    source for its end, so the end is one of them as above. An amendment or
    end with nothing in force is listed in :meth:`unmatched`.

    The index holds integers in flat arrays, not objects: per spell its
    bounds and known times, per record its position. Records, spells and
    hits are read back from the log when a caller looks at them. Handlers
    must be pure functions of the record: they run again when a record is
    read back.

    The index can be saved in the log's store (:meth:`save_snapshot`) and
    a later process can start from it (:meth:`from_snapshot`), reading only
    the records appended since.

    Args:
        log: The log to follow.
    """

    #: Raise when handlers change meaning: a saved state of another version is not used.
    version: ClassVar[int] = 1

    #: The zone this vocabulary's floating dates are read in (whose calendar they are
    #: on), where neither the record nor :attr:`tz_by_source` names one; None: they stay
    #: floating, local time somewhere (design.md).
    tz: ClassVar[str | None] = None

    #: Per source (:attr:`Provenance.source <timeline.Provenance.source>`), the zone its
    #: floating dates are read in: ``{"UN Security Council": "America/New_York"}``. A
    #: record's own :attr:`Provenance.tz <timeline.Provenance.tz>` comes first, then
    #: this, then :attr:`tz`. The dates so read meet a zoned question exactly; an
    #: explanation names the rule (:attr:`Bound.zone_rule <timeline.Bound.zone_rule>`).
    #: A saved index built with other zones is not used.
    tz_by_source: ClassVar[Mapping[str, str]] = {}

    #: The filters questions may use, by name: ``{"target": Filter(("target",
    #: "aliases"))}`` lets :meth:`at`, :meth:`during` and :meth:`changes` take
    #: ``where={"target": "Zakharov"}``. The index keeps each key's values of
    #: these attributes and postings from their words to the keys, so a filtered
    #: question reads only the rows of the keys that match (see :class:`Filter`).
    #: A saved index built with other filters is not used.
    filters: ClassVar[Mapping[str, Filter]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._rules = {
            event_type: (role, name)
            for name, (role, event_types) in marked_methods(cls, "__timeline_fact__")
            for event_type in event_types
        }
        rules = {event_type: getattr(cls, name) for event_type, (_, name) in cls._rules.items()}
        cls._fields = {kind: rule for kind, rule in rules.items() if isinstance(rule, FieldRule)}
        cls._zoning = _Zoning(cls.tz, cls.tz_by_source, cls.__qualname__)
        cls._filter_items = _filters_of(cls)


def _filters_of(cls: type[TemporalFacts]) -> tuple[tuple[str, Filter], ...]:
    """A class's :attr:`~TemporalFacts.filters`, checked, in their order."""
    written = f"{cls.__qualname__}.filters"
    if not isinstance(cls.filters, Mapping):
        raise TypeError(f"{written} is a mapping of names to Filter, not {cls.filters!r}")
    for name, found in cls.filters.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(
                f"{written}: a filter's name is a word, as in where={{'target': ...}}, not {name!r}"
            )
        if not isinstance(found, Filter):
            raise TypeError(f"{written}[{name!r}] is a Filter, not {found!r}")
    return tuple(cls.filters.items())
