"""Spells: the periods a fact holds, built from the records about one key.

A key's records -- starts, amendments and ends, in valid-time order -- make
its spells; where sources disagree about an attribute or a date the spell
keeps every value and lists the disagreement as a :class:`Conflict`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from timeline._answer import Answer
from timeline._projection import record_order
from timeline._records import Record
from timeline._reprs import fitted, html_table, plural
from timeline.time import (
    DateRange,
    DateSet,
    End,
    Extent,
    Interval,
    Moment,
    Question,
    QuestionLike,
    ValidTime,
    format_edtf,
    zones_of,
)

from . import _tuning
from ._rules import Change, _frozen_mapping, _Role


@attrs.frozen
class Conflict:
    """Sources that disagree about one attribute of a spell, or about its dates.

    Attributes:
        attribute: The attribute's name; ``"start"`` or ``"end"`` when sources
            give the fact different valid times.
        values: Each value with the record that gives it, first the one used.
    """

    attribute: str
    values: tuple[tuple[Any, Record], ...]


@attrs.frozen(hash=False, repr=False)
class Spell:
    """One period a fact holds: from ``start`` to the exclusive ``end``.

    Attributes:
        key: The fact's key.
        start: When it began (a moment, possibly imprecise).
        end: When it stopped: a moment, or :attr:`End.OPEN` while no end is known.
        attributes: The attributes after every amendment.
        records: Every record behind the spell, in valid-time order.
        conflicts: Where its sources disagree (attributes, or the dates).
        fact: Which fact of the key it is (see :class:`Change`); None for a key's only fact.
    """

    key: str
    start: Moment | DateSet | End
    end: Moment | DateSet | End
    attributes: Mapping[str, Any] = attrs.field(converter=_frozen_mapping)
    records: tuple[Record, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    fact: str | None = None

    @functools.cached_property
    def extent(self) -> Extent:
        """Where the spell's start and end may lie."""
        return Interval(self.start, self.end).extent

    def at(self, question: QuestionLike) -> Answer:
        """Answer "is this spell in force at ``question``?", read at its own precision."""
        return Question.of(question).answer(self.extent)

    @property
    def span(self) -> str:
        """From and until as EDTF, ``start/end``: an open end is ``..``, an unknown one empty."""
        return f"{_edtf_end(self.start)}/{_edtf_end(self.end)}"

    def __repr__(self) -> str:
        sources = ", ".join(sources_of(self))
        said = f", {sources}" if sources else ""
        records = plural(len(self.records), "record")
        return fitted(f"<Spell {self.key!r} {self.span}: {records}{said}>")

    def _repr_html_(self) -> str:
        """A small table for notebooks: key, from, until, sources, attributes, records."""
        return html_table(
            [
                ("key", self.key),
                ("from", _edtf_end(self.start) or "unknown"),
                ("until", _edtf_end(self.end) or "unknown"),
                ("sources", ", ".join(sources_of(self))),
                *((name, value) for name, value in self.attributes.items()),
                ("records", ", ".join(str(record.position) for record in self.records)),
            ]
        )


def _edtf_end(end: Moment | DateSet | End) -> str:
    """An end as EDTF writes it in an interval: ``..`` open, empty unknown."""
    if isinstance(end, End):
        return ".." if end is End.OPEN else ""
    return str(end)


def sources_of(spell: Spell) -> list[str]:
    """Who says a spell holds: per record its speaker, else source, else position; once each."""
    names: list[str] = []
    for record in spell.records:
        name = record.provenance.speaker or record.provenance.source or f"#{record.position}"
        if name not in names:
            names.append(name)
    return names


def _as_written(record: Record) -> ValidTime:
    return record.valid


def _ends_of(
    record: Record, valid_of: Callable[[Record], ValidTime] = _as_written
) -> tuple[Moment | DateSet | End, Moment | DateSet | End]:
    valid = valid_of(record)
    if isinstance(valid, Interval):
        return valid.start, valid.end
    if isinstance(valid, DateSet) and valid.every:
        return _first_of(valid), End.OPEN
    return valid, End.OPEN


def _first_of(dates: DateSet) -> Moment | End:
    """An all-of set as a start or an end: its earliest member, when it first happened."""
    first = min(dates.members, key=lambda member: member.bounds().low)
    if isinstance(first, Moment):
        return first
    return End.OPEN if first.first is None else first.first


#: Which spell a fold made, by its fact and its records' positions: a spell is what the fold
#: makes of its records (handlers are pure), so the same records make the same spell.
Made = dict[tuple[str | None, tuple[int, ...]], Spell]
#: A made spell's bounds and digest (see facts._rows), by the same identity.
Signed = dict[tuple[str | None, tuple[int, ...]], tuple[tuple[int, int, int, int], int]]


def _build_spells(
    key: str,
    items: Sequence[tuple[_Role, Change, Record]],
    made: Made | None = None,
    valid_of: Callable[[Record], ValidTime] = _as_written,
) -> tuple[Spell, ...]:
    """Fold one key's visible records, in valid-time order, into spells (one chain per fact).

    With ``made``, a spell whose records made one before is that one, not made again: a key
    rebuilt at every known time of a long catch-up makes each spell once. ``valid_of`` gives
    a record's valid time as the facts read it (its floating dates in its zone, if it has one).
    """
    spells: list[dict[str, Any]] = []
    current: dict[str | None, dict[str, Any]] = {}  # each fact's latest spell
    if valid_of is not _as_written:
        items = sorted(items, key=lambda item: (*valid_of(item[2]).extent.order, item[2].position))
    else:
        items = sorted(items, key=lambda item: record_order(item[2]))
    for role, change, record in items:
        if role == "start":
            _start(spells, current, change, record, valid_of)
            continue
        for spell in _changed_by(current, change):
            spell["records"].append(record)
            if role == "amend":
                spell["attributes"].update(change.attributes)
                for name, value in change.attributes.items():
                    spell["sources"][name] = [(value, record)]
                continue
            stop, _ = _ends_of(record, valid_of)
            if not isinstance(stop, End):
                spell["ends"].append((stop, record))
            if spell["end"] is End.OPEN or spell["end"] is End.UNKNOWN:
                spell["end"] = stop
    if made is None or len(items) < _tuning.MEMO_FROM:
        return tuple(_spell(key, spell) for spell in spells)
    return _made_spells(key, spells, made)


def _made_spells(key: str, spells: list[dict[str, Any]], made: Made) -> tuple[Spell, ...]:
    """The spells, each the one made before from the same records where there is one."""
    out = []
    for spell in spells:
        ident = (spell["fact"], tuple(record.position for record in spell["records"]))
        found = made.get(ident)
        if found is None:
            found = made[ident] = _spell(key, spell)
        out.append(found)
    return tuple(out)


def _start(
    spells: list[dict[str, Any]],
    current: dict[str | None, dict[str, Any]],
    change: Change,
    record: Record,
    valid_of: Callable[[Record], ValidTime],
) -> None:
    start, end = _ends_of(record, valid_of)
    spell = current.get(change.fact)
    reopen = spell is None or (
        not isinstance(spell["end"], End)
        # A start not known (or open) may lie before the end: a further source.
        and not isinstance(start, End)
        and Interval(start, End.OPEN).extent.start.low >= spell["end"].bounds().low
    )
    if reopen:
        spell = {
            "fact": change.fact,
            "start": start,
            "end": end,
            "attributes": dict(change.attributes),
            "sources": {name: [(v, record)] for name, v in change.attributes.items()},
            "records": [record],
            "starts": [(start, record)],
            "ends": [] if isinstance(end, End) else [(end, record)],
        }
        spells.append(spell)
        current[change.fact] = spell
        return
    assert spell is not None  # noqa: S101 -- reopen is True when it is None
    # A further source for the fact in force: kept, and where it disagrees, listed.
    spell["records"].append(record)
    spell["starts"].append((start, record))
    if not isinstance(end, End):
        spell["ends"].append((end, record))
    for name, value in change.attributes.items():
        spell["sources"].setdefault(name, []).append((value, record))
        spell["attributes"].setdefault(name, value)
    if spell["end"] is End.OPEN and end is not End.OPEN:
        spell["end"] = end


def _changed_by(current: dict[str | None, dict[str, Any]], change: Change) -> list[dict[str, Any]]:
    """The spells an amendment or end applies to: its fact's, or (every) all still open."""
    if not change.every:
        spell = current.get(change.fact)
        return [] if spell is None else [spell]
    open_ = [s for s in current.values() if isinstance(s["end"], End)]
    if open_:
        return open_
    # Nothing open: like an end of a closed fact, it is kept with the latest spell.
    latest = max(current.values(), key=lambda s: record_order(s["records"][-1]), default=None)
    return [] if latest is None else [latest]


def _spell(key: str, spell: dict[str, Any]) -> Spell:
    conflicts = [
        Conflict(name, tuple(values))
        for name, values in sorted(spell["sources"].items())
        if len({repr(value) for value, _ in values}) > 1
    ]
    bounds = {"start": spell["start"], "end": spell["end"]}
    for name in ("start", "end"):
        dated = spell[f"{name}s"]
        if len(dated) < 2:
            continue
        # Dates that read alike in different zones (a record's own, its source's) differ.
        given = {
            (format_edtf(moment), zones_of(moment)): moment
            for moment, _ in dated
            if not isinstance(moment, End)
        }
        if len(given) > 1:
            conflicts.append(Conflict(name, tuple(dated)))
            bounds[name] = _one_of(list(given.values()))
    return Spell(
        key=key,
        start=bounds["start"],
        end=bounds["end"],
        attributes=spell["attributes"],
        records=tuple(spell["records"]),
        conflicts=tuple(conflicts),
        fact=spell["fact"],
    )


def _one_of(given: list[Moment | DateSet]) -> DateSet:
    """Dates sources give for one bound, as the bound: it was one of them, which is not known.

    So a spell whose sources disagree about its start is surely in force
    only from the latest start they give, and maybe from the earliest; one
    whose sources disagree about its end, surely until the earliest end and
    maybe until the latest.
    """
    members: list[Moment | DateRange] = []
    for date in sorted(given, key=lambda date: date.bounds().low):
        members.extend(date.members if isinstance(date, DateSet) else (date,))
    return DateSet(tuple(dict.fromkeys(members)))
