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

import bisect
import contextlib
import datetime as dt
import functools
import hashlib
import html
import itertools
import json
import operator
import struct
import sys
import types
import uuid
import warnings
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, Self, TypeVar, overload

import attrs
import pendulum

from timeline._answer import Answer
from timeline._codec import (
    GENESIS_HASH,
    Codec,
    canonical_json,
    known_at_from_micros,
    parse_known_at,
)
from timeline._collector import paused_collector, release_freed_memory
from timeline._corrections import Corrected, Retracted, hidden_ids
from timeline._errors import StoreError, UnknownEventTypeError
from timeline._extras import feature
from timeline._log import own_store
from timeline._logger import logger
from timeline._projection import SnapshotIgnoredWarning, marked_methods, record_order
from timeline._records import FIRST_POSITION, Record, StoredRecord
from timeline.stores._snapshots import STATE_FORMAT, seal_problem
from timeline.stores._sqlite import RawRecord
from timeline.time import (
    EAST,
    FLOATING,
    QUARTER,
    WEST,
    Bounds,
    DateRange,
    DateSet,
    End,
    Extent,
    Interval,
    Moment,
    Question,
    QuestionLike,
    ValidTime,
    across_offsets,
    format_edtf,
    to_instant,
)
from timeline.time import micros as _micros
from timeline.typing import StateStore

from ._intervals import IntervalSet, taker

if TYPE_CHECKING:
    from timeline._log import Log
    from timeline.plot import TimelinePicture

__all__ = [
    "Change",
    "Conflict",
    "FieldRule",
    "History",
    "Hit",
    "InForce",
    "SavedAnswer",
    "Spell",
    "TemporalFacts",
    "Transition",
    "amends",
    "ends",
    "starts",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_Item = TypeVar("_Item")
_logger = logger
_Role = Literal["start", "amend", "end"]
_NEVER = 1 << 62
#: The interval sets: where spells may be in force, start and end; current and past.
_SETS = ("spans", "starts", "ends", "past spans", "past starts", "past ends")
#: The array types a saved state may hold, and the largest part it is cut in.
_TYPECODES = frozenset("bilq")
_PART = 64 << 20
#: File new keys' simple spells without building them (False: always the general way).
_SIMPLE = True
_FIX_TYPES = (Retracted, Corrected)


def _open_end() -> tuple[int, int]:
    """Where an open end lies, in microseconds: its earliest and last instants."""
    end = Interval(Moment.parse("2000"), End.OPEN).extent.end
    return end.low, end.top


_OPEN_END = _open_end()
#: Compact once this many rows (or a quarter more than were compacted) are out of order.
_COMPACT = 10_000
# A catch-up that read this many records gives the memory it freed back to the
# system (see release_freed_memory): a first build, not a follower's step.
_RELEASE_AFTER = 1 << 16
#: Records read in one catch-up are kept for refiling until there are this many.
_RECENT = 10_000


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    # A read-only view: spells are shared by the index and every caller.
    return types.MappingProxyType(dict(value))


@attrs.frozen
class Change:
    """What one record says about a fact: its key, attributes and which fact it is.

    Handlers marked with :func:`starts`, :func:`amends` or :func:`ends`
    return one (or a bare key, or None when the record is not about a fact
    this projection keeps).

    Several facts may share a key and hold at once -- two designations of one
    target by one authority, made at different times. A start names its fact
    with ``fact``; starts with the same ``fact`` are sources for the same fact.
    An amendment or end names the fact it changes, or says ``every=True`` to
    change every fact of the key that is in force. Without ``fact`` a key holds
    one fact, and starts while it is in force are further sources for it.

    Attributes:
        key: The key the fact is filed and asked about under.
        attributes: What the record says of it.
        fact: Which fact of the key this is (or changes); None for the key's only fact.
        every: For an amendment or end: it changes every fact of the key in force.
    """

    key: str
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    fact: str | None = None
    every: bool = False


def _field_types(event_type: type[Any]) -> dict[str, object]:
    """Each field of an event class and its type (as written, where it cannot be resolved)."""
    if not attrs.has(event_type):
        raise TypeError(f"{event_type.__qualname__} is not an event class (an attrs class)")
    # Where the names cannot be resolved, the key's type is taken on trust.
    with contextlib.suppress(NameError, TypeError):
        attrs.resolve_types(event_type)
    return {field.name: field.type for field in attrs.fields(event_type)}


#: The types a key field may have: its text is the key.
_KEY_TYPES: Final = frozenset({str, int, str | None, int | None})


@attrs.frozen
class FieldRule:
    """A rule that reads a fact from event fields: made by :func:`starts` and friends with ``key=``.

    Called with a record, it returns ``Change(str(event.<key>), {name:
    event.<name> for name in values})``, or None where the key field is None.
    It states what the fact is made of, so a catch-up on a SQLite or
    PostgreSQL store reads just those fields from the stored rows, without
    building a record for each, and skips the rows of other event types
    unread. The answers are those of the same rule written as a method.

    Attributes:
        role: "start", "amend" or "end".
        event_types: The event classes it reads.
        key: The event field that holds the fact's key: text or a number (a
            rule keyed by anything else is refused where it is written).
        values: The event fields kept as the fact's attributes.
    """

    role: _Role
    event_types: tuple[type[Any], ...]
    key: str
    values: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        for event_type in self.event_types:
            written = f"{self.role}s({event_type.__qualname__}, key={self.key!r})"
            fields = _field_types(event_type)
            missing = [name for name in (self.key, *self.values) if name not in fields]
            if missing:
                raise TypeError(f"{written}: {event_type.__qualname__} has no field {missing[0]!r}")
            kind = fields[self.key]
            if isinstance(kind, type | types.UnionType) and kind not in _KEY_TYPES:
                raise TypeError(
                    f"{written}: a key is text or a number, and {self.key!r} is a "
                    f"{getattr(kind, '__name__', kind)}: write the rule as a method that "
                    "returns the key"
                )

    @property
    def __timeline_fact__(self) -> tuple[_Role, tuple[type[Any], ...]]:
        return self.role, self.event_types

    def __call__(self, record: Record) -> Change | None:
        """What ``record`` says about a fact."""
        return self.change(record.event)

    def change(self, event: object) -> Change | None:
        """What an event says about a fact (the record's other parts do not count)."""
        key = getattr(event, self.key)
        if key is None:
            return None
        return Change(str(key), {name: getattr(event, name) for name in self.values})


def _mark(
    role: _Role, event_types: tuple[type[Any], ...], key: str | None, values: Iterable[str]
) -> Callable[[_F], _F] | FieldRule:
    if not event_types:
        raise TypeError(f"{role}s() needs at least one event type")
    if key is not None:
        if isinstance(values, str):
            raise TypeError(f"{role}s(values=...) takes field names, not the string {values!r}")
        return FieldRule(role, event_types, key, tuple(values))
    if values:
        raise TypeError(f"{role}s(values=...) needs key=: the field that holds the fact's key")

    def mark(method: _F) -> _F:
        method.__timeline_fact__ = (role, event_types)  # type: ignore[attr-defined]
        return method

    return mark


@overload
def starts(*event_types: type[Any]) -> Callable[[_F], _F]: ...
@overload
def starts(*event_types: type[Any], key: str, values: Iterable[str] = ()) -> FieldRule: ...
def starts(
    *event_types: type[Any], key: str | None = None, values: Iterable[str] = ()
) -> Callable[[_F], _F] | FieldRule:
    """Mark a :class:`TemporalFacts` method: these events start a fact.

    The method takes the record and returns a :class:`Change` (or a key). A
    start whose valid time is an interval also gives the fact's end. With
    ``key`` (and ``values``), it is no decorator but a :class:`FieldRule`
    assigned in the class body: the fact's key and attributes are those
    event fields.
    """
    return _mark("start", event_types, key, values)


@overload
def amends(*event_types: type[Any]) -> Callable[[_F], _F]: ...
@overload
def amends(*event_types: type[Any], key: str, values: Iterable[str] = ()) -> FieldRule: ...
def amends(
    *event_types: type[Any], key: str | None = None, values: Iterable[str] = ()
) -> Callable[[_F], _F] | FieldRule:
    """Mark a :class:`TemporalFacts` method: these events amend a fact's attributes.

    With ``key`` (and ``values``), a :class:`FieldRule`, as for :func:`starts`.
    """
    return _mark("amend", event_types, key, values)


@overload
def ends(*event_types: type[Any]) -> Callable[[_F], _F]: ...
@overload
def ends(*event_types: type[Any], key: str, values: Iterable[str] = ()) -> FieldRule: ...
def ends(
    *event_types: type[Any], key: str | None = None, values: Iterable[str] = ()
) -> Callable[[_F], _F] | FieldRule:
    """Mark a :class:`TemporalFacts` method: these events end a fact (lifted, expired).

    With ``key`` (and ``values``), a :class:`FieldRule`, as for :func:`starts`.
    """
    return _mark("end", event_types, key, values)


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


@attrs.frozen(hash=False)
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


class Hit:
    """A spell that is (or may be) in force, with the answer.

    Hits from an index are made when looked at, and their spell -- with its
    records, read back from the log -- when first asked for: the spells of
    every hit of one answer are read together, in one pass over the store.

    Args:
        spell: The spell.
        answer: Yes or maybe.
    """

    __slots__ = ("_asked", "_order", "_row", "_spell", "answer", "key")

    def __init__(self, spell: Spell, answer: Answer) -> None:
        self._spell: Spell | None = spell
        self._asked: _Asked | None = None
        self._row = -1
        self.answer = answer
        self.key = spell.key
        self._order = (spell.key, spell.records[0].position if spell.records else 0)

    @property
    def spell(self) -> Spell:
        """The spell in force (yes or maybe)."""
        if self._spell is None:
            assert self._asked is not None  # noqa: S101 -- one of the two is always set
            self._spell = self._asked.spell(self._row)
        return self._spell

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hit):
            return NotImplemented
        return self._order == other._order and (self.answer, self.spell) == (
            other.answer,
            other.spell,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Hit(spell={self.spell!r}, answer={self.answer!r})"


_hit_order = operator.attrgetter("_order")


class InForce(Sequence[Hit]):
    """The spells in force (yes or maybe) at one instant or in one window.

    A read-only sequence of :class:`Hit` in key order (then by the position
    of each spell's first record), so the same records give the same
    sequence however the facts were caught up. An answer from an index
    holds row numbers, not objects: ``len()``, :meth:`keys` and
    :meth:`answer` read the index's columns, hits are made when first looked
    at, in key order, and their spells when first asked for.

    It equals another :class:`InForce`, list or tuple holding the same hits
    in the same order.

    >>> InForce([]).answer("anything")
    <Answer.NO: 'no'>
    """

    __slots__ = ("_asked", "_hits", "_made", "_rows")

    def __init__(self, hits: Iterable[Hit]) -> None:
        self._hits: list[Hit] | None = sorted(hits, key=_hit_order)
        self._asked: _Asked | None = None
        self._rows: list[int] = []
        self._made: list[Hit | None] = []

    @classmethod
    def _of_rows(cls, asked: _Asked) -> InForce:
        made = cls.__new__(cls)
        made._hits = None  # noqa: SLF001 -- initialising a new instance of this class
        made._asked = asked  # noqa: SLF001 -- as above
        made._rows = []  # noqa: SLF001 -- as above: put in key order when first needed
        made._made = []  # noqa: SLF001 -- as above
        return made

    def _hit(self, index: int) -> Hit:
        """The hit at ``index`` in key order, made now if it was not yet."""
        if self._hits is not None:
            return self._hits[index]
        assert self._asked is not None  # noqa: S101 -- rows always come with their question
        if not self._made:
            self._rows = self._asked.ordered()
            self._made = [None] * len(self._rows)
        hit = self._made[index]
        if hit is None:
            hit = self._made[index] = self._asked.hit(self._rows[index])
        return hit

    def _ordered(self) -> list[Hit]:
        if self._hits is None:
            self._hits = [self._hit(index) for index in range(len(self))]
            self._asked = None
        return self._hits

    def __len__(self) -> int:
        if self._hits is not None:
            return len(self._hits)
        assert self._asked is not None  # noqa: S101 -- as in _hit
        return len(self._asked.rows)

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        """The hit at ``index`` (or a list of those in a slice), in key order."""
        if isinstance(index, slice):
            return [self._hit(at) for at in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError("hit index out of range")
        return self._hit(index % len(self))

    def __iter__(self) -> Iterator[Hit]:
        for index in range(len(self)):
            yield self._hit(index)

    def __contains__(self, value: object) -> bool:
        return value in self._ordered()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InForce):
            return len(self) == len(other) and self._ordered() == other._ordered()
        if isinstance(other, (list, tuple)):
            return len(self) == len(other) and self._ordered() == list(other)
        return NotImplemented

    # Equal to lists, so unhashable as they are.
    __hash__ = None  # type: ignore[assignment]

    def _answers(self) -> list[tuple[str, Answer]]:
        if self._hits is None:
            assert self._asked is not None  # noqa: S101 -- as in _hit
            return self._asked.answers()
        return [(hit.key, hit.answer) for hit in self._hits]

    def __repr__(self) -> str:
        # A summary, not every spell: an answer may hold thousands.
        answers = self._answers()
        yes = sum(answer is Answer.YES for _, answer in answers)
        keys = self.keys()
        shown = ", ".join(keys[:3]) + (f", … ({len(keys) - 3} more)" if len(keys) > 3 else "")
        return (
            f"<InForce: {len(answers)} hits ({yes} yes, {len(answers) - yes} maybe)"
            f"{': ' + shown if shown else ''}>"
        )

    def _repr_html_(self) -> str:
        """A table for notebooks: answer, key, from, until and sources, a row per hit."""
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in _hit_cells(hit))
            + "</tr>"
            for hit in self._ordered()
        )
        head = "".join(f"<th>{name}</th>" for name in ("answer", "key", "from", "until", "sources"))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    @property
    def yes(self) -> tuple[Hit, ...]:
        """The hits surely in force, in key order."""
        return tuple(hit for hit in self._ordered() if hit.answer is Answer.YES)

    @property
    def maybe(self) -> tuple[Hit, ...]:
        """The hits that may be in force, in key order."""
        return tuple(hit for hit in self._ordered() if hit.answer is Answer.MAYBE)

    def keys(self) -> list[str]:
        """The keys of the facts in force (yes or maybe), sorted, each once."""
        if self._hits is None:
            assert self._asked is not None  # noqa: S101 -- as in _hit
            return sorted(self._asked.keys_found())
        return sorted({hit.key for hit in self._hits})

    def answer(self, key: str) -> Answer:
        """Answer "is the fact ``key`` in force?": yes if one of its spells surely is."""
        found = Answer.NO
        for hit_key, answer in self._answers():
            if hit_key == key:
                if answer is Answer.YES:
                    return Answer.YES
                found = Answer.MAYBE
        return found


def sources_of(spell: Spell) -> list[str]:
    """Who says a spell holds: per record its speaker, else source, else position; once each."""
    names: list[str] = []
    for record in spell.records:
        name = record.provenance.speaker or record.provenance.source or f"#{record.position}"
        if name not in names:
            names.append(name)
    return names


def _hit_cells(hit: Hit) -> tuple[str, ...]:
    sources = sources_of(hit.spell)
    return (
        hit.answer.value,
        hit.key,
        ".." if isinstance(hit.spell.start, End) else str(hit.spell.start),
        ".." if isinstance(hit.spell.end, End) else str(hit.spell.end),
        ", ".join(sources),
    )


class History(tuple[Spell, ...]):
    """The spells of one key, in order: a tuple, that renders as a table in notebooks."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in _spell_cells(spell))
            + "</tr>"
            for spell in self
        )
        head = "".join(f"<th>{name}</th>" for name in ("key", "from", "until", "sources"))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _spell_cells(spell: Spell) -> tuple[str, ...]:
    return _hit_cells(Hit(spell, Answer.MAYBE))[1:]


@attrs.frozen
class SavedAnswer:
    """What :meth:`TemporalFacts.answer_from` found: answers from rows saved on a server.

    Attributes:
        position: The log position the rows were saved at.
        behind: How many records the log holds beyond it (0: current).
        found: ``(key, first record's position, answer)`` for each spell
            that is (yes) or may be (maybe) in force, in key order.
    """

    position: int
    behind: int
    found: list[tuple[str, int, Answer]]

    def answer(self, key: str) -> Answer:
        """The best answer among ``key``'s spells (no if none was found)."""
        answers = {answer for found, _, answer in self.found if found == key}
        if Answer.YES in answers:
            return Answer.YES
        return Answer.MAYBE if answers else Answer.NO

    def keys(self) -> list[str]:
        """The keys found, sorted, once each."""
        return sorted({key for key, _, _ in self.found})


@attrs.frozen
class Transition:
    """A spell that starts or ends within a window of valid time."""

    spell: Spell
    kind: Literal["started", "ended"]
    answer: Answer

    @property
    def key(self) -> str:
        """The fact's key."""
        return self.spell.key


def _ends_of(record: Record) -> tuple[Moment | DateSet | End, Moment | DateSet | End]:
    valid = record.valid
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


def _build_spells(key: str, items: Sequence[tuple[_Role, Change, Record]]) -> tuple[Spell, ...]:
    """Fold one key's visible records, in valid-time order, into spells (one chain per fact)."""
    spells: list[dict[str, Any]] = []
    current: dict[str | None, dict[str, Any]] = {}  # each fact's latest spell
    for role, change, record in sorted(items, key=lambda item: record_order(item[2])):
        if role == "start":
            _start(spells, current, change, record)
            continue
        for spell in _changed_by(current, change):
            spell["records"].append(record)
            if role == "amend":
                spell["attributes"].update(change.attributes)
                for name, value in change.attributes.items():
                    spell["sources"][name] = [(value, record)]
                continue
            stop, _ = _ends_of(record)
            if not isinstance(stop, End):
                spell["ends"].append((stop, record))
            if spell["end"] is End.OPEN or spell["end"] is End.UNKNOWN:
                spell["end"] = stop
    return tuple(_spell(key, spell) for spell in spells)


def _start(
    spells: list[dict[str, Any]],
    current: dict[str | None, dict[str, Any]],
    change: Change,
    record: Record,
) -> None:
    start, end = _ends_of(record)
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
        given = {format_edtf(moment): moment for moment, _ in dated if not isinstance(moment, End)}
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


_DIGEST_HEAD: Final = struct.Struct("<4q?q")


def _digest(
    fact: str | None,
    bounds: tuple[int, int, int, int],
    has_end: bool,  # noqa: FBT001 -- part of the digest
    positions: Sequence[int],
) -> int:
    """A stable 63-bit digest of what a spell holds, to tell whether it changed.

    A spell is what the fold makes of its records (handlers are pure), so
    its fact, bounds and records (by position) tell it apart; its attributes
    follow from its records.
    """
    hashed = hashlib.blake2b(_DIGEST_HEAD.pack(*bounds, has_end, len(positions)), digest_size=8)
    hashed.update(array("q", positions))
    if fact is not None:
        hashed.update(fact.encode("utf-8", "surrogatepass"))
    return int.from_bytes(hashed.digest(), "little") >> 1


def _bounds(spell: Spell) -> tuple[int, int, int, int]:
    """Where a spell's start and end may lie, in microseconds: earliest and last of each."""
    start, end = spell.extent.start, spell.extent.end
    return (start.low, start.top, end.low, end.top)


#: A row's flags: its start, its end is floating (local time somewhere; see FLOATING).
_FLOATING_START: Final = 1
_FLOATING_END: Final = 2
#: The flags of a row all floating; of one all zoned.
_ALL_FLOATING: Final = _FLOATING_START | _FLOATING_END
_ALL_ZONED: Final = 0


def _floating(extent: Extent) -> int:
    """The row flags of an extent: which of its bounds are floating."""
    return (_FLOATING_START if extent.start.floating else 0) | (
        _FLOATING_END if extent.end.floating else 0
    )


# Beyond this from every instant a question compares, an offset turns no answer.
_FAR: Final = EAST + 2 * QUARTER


def _turning(
    columns: _Rows, rows: Iterable[int], same: int, low: int, high: int, *, ends: bool
) -> set[int]:
    """The rows among ``rows`` whose answer to ``[low, high)`` an offset may turn.

    A row with flags ``same`` meets the question as written. A row all
    floating against a zoned question (or the other way round) does too when
    every bound lies farther than any offset from both ends of the question:
    no comparison turns within the offsets in use. A row floating at one end
    only may turn on its own. With ``ends``, rows without an end are left out.
    """
    flags, has_end = columns.floating, columns.has_end
    starts, starts_last = columns.start_earliest, columns.start_last
    stops, stops_last = columns.end_earliest, columns.end_last
    a, b, c, d = low - _FAR, low + _FAR, high - _FAR, high + _FAR
    found = set()
    for row in rows:
        flag = flags[row]
        if flag == same or (ends and not has_end[row]):
            continue
        if flag not in (_ALL_FLOATING, _ALL_ZONED):
            found.add(row)
            continue
        for value in (starts[row], starts_last[row], stops[row], stops_last[row]):
            if a <= value <= b or c <= value <= d:
                found.add(row)
                break
    return found


def _row_answer(columns: _Rows, row: int, asked: Question) -> Answer:
    """A row's answer to a question as floating as it is not, through every offset.

    What :meth:`Question.answer` gives, in closed form for a row all floating
    against a zoned question (or all zoned against a floating one): reading
    the floating side at offset ``o`` moves the question by ``d`` against
    the row, and each condition of the rule is an interval of ``d``.
    """
    bounds = (
        columns.start_earliest[row],
        columns.start_last[row],
        columns.end_earliest[row],
        columns.end_last[row],
    )
    return _answer_row(bounds, columns.floating[row], asked)


def _answer_row(bounds: tuple[int, int, int, int], flags: int, asked: Question) -> Answer:
    """A row's answer to ``asked``: its bounds (start earliest, last; end earliest, last), flags.

    What :meth:`Question.answer` gives for the row's extent; in closed form
    where the row is all floating or all zoned (see :func:`_row_answer`).
    """
    start_low, start_top, end_low, end_top = bounds
    if flags not in (_ALL_FLOATING, _ALL_ZONED):  # floating at one end: the general way
        return asked.answer(_extent_of(bounds, flags))
    if (flags == _ALL_FLOATING) is asked.floating:  # as floating as the question: as written
        return _plain_row(bounds, asked)
    low, high = asked.low, asked.high
    # A floating row at offset o is the instant w - o: the question moves by d = o;
    # a floating question moves by d = -o.
    first, last = (-EAST, -WEST) if asked.floating else (WEST, EAST)
    # No at d when d <= start_low - high or d >= end_top - low: is there a d between?
    between = max((start_low - high) // QUARTER * QUARTER + QUARTER, first)
    if start_low >= end_top or between > last or between >= end_top - low:
        return Answer.NO
    if asked.exact:  # yes at d when start_top - high < d < end_low - low
        surely = start_top < end_low and start_top - high < first and last < end_low - low
    else:  # yes at d when start_top - low <= d <= end_low - high
        surely = start_top - low <= first and last <= end_low - high
    return Answer.YES if surely else Answer.MAYBE


def _plain_row(bounds: tuple[int, int, int, int], asked: Question) -> Answer:
    """A row's answer where it meets the question as written (the index's own rule)."""
    start_low, start_top, end_low, end_top = bounds
    low, high = asked.low, asked.high
    if max(start_low, low) >= min(end_top, high):
        return Answer.NO
    if asked.exact:
        surely = max(start_top, low) < min(end_low, high)
    else:
        surely = start_top <= low and high <= end_low
    return Answer.YES if surely else Answer.MAYBE


def _row_extent(columns: _Rows, row: int) -> Extent:
    """The extent a row was filed with, its floating bounds marked."""
    bounds = (
        columns.start_earliest[row],
        columns.start_last[row],
        columns.end_earliest[row],
        columns.end_last[row],
    )
    return _extent_of(bounds, columns.floating[row])


def _ends_of_row(columns: _Rows, row: int, name: str) -> Bounds:
    """Where a row's start (set ``"starts"``) or end (``"ends"``) may lie."""
    extent = _row_extent(columns, row)
    return extent.start if name == "starts" else extent.end


def _extent_of(bounds: tuple[int, int, int, int], flags: int) -> Extent:
    start_low, start_top, end_low, end_top = bounds
    return Extent(
        Bounds.of(start_low, start_top + 1, floating=bool(flags & _FLOATING_START)),
        Bounds.of(end_low, end_top + 1, floating=bool(flags & _FLOATING_END)),
    )


def _known_time(value: int) -> pendulum.DateTime:
    """Microseconds since 0001-01-01 UTC (see ``micros``) as an instant."""
    return pendulum.instance(dt.datetime.fromisoformat(known_at_from_micros(value)))


class _Asked:
    """A question and the index rows that answer it, to make hits from when looked at.

    It keeps the index's columns and keys as they were when asked, and reads
    records up to the position asked at: an answer kept while the facts
    catch up (or are compacted) still shows the spells it found.
    """

    __slots__ = (
        "columns",
        "exact",
        "facts",
        "high",
        "keys",
        "known",
        "low",
        "near",
        "position",
        "question",
        "rows",
        "sorted_below",
        "spells",
    )

    def __init__(
        self,
        facts: TemporalFacts,
        found: tuple[list[int], set[int]],
        question: Question,
        known: int,
    ) -> None:
        self.facts = facts
        self.rows, self.near = found
        self.question = question
        self.low, self.high, self.known, self.exact = (
            question.low,
            question.high,
            known,
            question.exact,
        )
        self.position = facts.position
        self.columns = facts._rows  # noqa: SLF001 -- the index's own columns
        self.keys = facts._keys  # noqa: SLF001 -- as above
        self.sorted_below = facts._sorted_rows  # noqa: SLF001 -- as above
        self.spells: dict[int, Spell] | None = None

    def answer(self, row: int) -> Answer:
        columns = self.columns
        if row in self.near:  # an offset may turn its answer
            return _row_answer(columns, row, self.question)
        yes_from, yes_until = columns.start_last[row], columns.end_earliest[row]
        if self.exact:
            surely = max(yes_from, self.low) < min(yes_until, self.high)
        else:
            surely = yes_from <= self.low and self.high <= yes_until
        return Answer.YES if surely else Answer.MAYBE

    def answers(self) -> list[tuple[str, Answer]]:
        keys, key_of = self.keys, self.columns.key
        return [(keys[key_of[row]], self.answer(row)) for row in self.rows]

    def keys_found(self) -> set[str]:
        keys = self.keys
        return {keys[number] for number in set(map(self.columns.key.__getitem__, self.rows))}

    def ordered(self) -> list[int]:
        """The rows in key order, then by each spell's first record."""
        rows = self.rows
        if not rows or max(rows) < self.sorted_below:
            # Compacted rows are numbered in that order: sorting the numbers is enough.
            return sorted(rows)
        keys, key_of, first = self.keys, self.columns.key, self.columns.first
        return sorted(rows, key=lambda row: (keys[key_of[row]], first[row]))

    def hit(self, row: int) -> Hit:
        columns = self.columns
        made = Hit.__new__(Hit)
        made._spell = None  # noqa: SLF001 -- a hit of this module, made here
        made._asked = self  # noqa: SLF001 -- as above
        made._row = row  # noqa: SLF001 -- as above
        made.answer = self.answer(row)
        made.key = key = self.keys[columns.key[row]]
        made._order = (key, columns.first[row])  # noqa: SLF001 -- as above
        return made

    def spell(self, row: int) -> Spell:
        """The spell of ``row``; the first call reads those of every row, together."""
        if self.spells is None:
            keys, key_of, first = self.keys, self.columns.key, self.columns.first
            wanted = {keys[key_of[row]] for row in self.rows}
            found = self.facts._spells_of_keys(  # noqa: SLF001 -- the index's own reader
                wanted, known=self.known, position=self.position
            )
            self.spells = {
                row: _spell_at(found[keys[key_of[row]]], first[row]) for row in self.rows
            }
        return self.spells[row]


def _bound_meets(bounds: Bounds, asked: Question) -> Answer:
    """Whether a start or end within ``bounds`` falls in the window asked, through every offset."""
    return across_offsets(
        [*_instants(bounds), *asked.instants()],
        lambda offset: _falls(bounds.moved(offset), asked, offset),
    )


def _instants(bounds: Bounds) -> list[tuple[int, bool]]:
    return [(bounds.low, bounds.floating), (bounds.top, bounds.floating)]


def _falls(bounds: Bounds, asked: Question, offset: int) -> Answer:
    """Whether an instant within ``bounds`` falls in the window asked, read at ``offset``."""
    low, high = asked.window_at(offset)
    if bounds.top < low or bounds.low >= high:
        return Answer.NO
    inside = asked.exact and low <= bounds.low and bounds.top < high
    return Answer.YES if inside else Answer.MAYBE


def _spell_at(spells: Sequence[Spell], first: int) -> Spell:
    for spell in spells:
        if spell.records[0].position == first:
            return spell
    raise AssertionError(f"no spell begins at record {first}: the index and the log disagree")


class _Rows:
    """One row per spell version filed, as columns of integers.

    A row holds the spell's bounds in microseconds -- its start lies in
    ``[start_earliest, start_last]``, its end in ``[end_earliest, end_last]``,
    each perhaps floating (its flags) -- the known times it was current for,
    ``[known_from, known_to)``, the position of its first record (which
    names it among its key's spells), a digest of its contents, and the
    key's previous row.
    """

    NAMES: ClassVar[tuple[str, ...]] = (
        "key",
        "first",
        "start_earliest",
        "start_last",
        "end_earliest",
        "end_last",
        "has_end",
        "floating",
        "known_from",
        "known_to",
        "signature",
        "previous",
    )
    __slots__ = NAMES

    def __init__(self) -> None:
        # Key numbers and row links in 32 bits, a flag in 8, times and positions in 64.
        self.key = array("i")
        self.first = array("q")
        self.start_earliest = array("q")
        self.start_last = array("q")
        self.end_earliest = array("q")
        self.end_last = array("q")
        self.has_end = array("b")
        self.floating = array("b")
        self.known_from = array("q")
        self.known_to = array("q")
        self.signature = array("q")
        self.previous = array("i")

    def __len__(self) -> int:
        return len(self.key)

    def columns(self) -> list[array[int]]:
        return [getattr(self, name) for name in self.NAMES]


def _crc(text: bytes) -> int:
    """A key's stable hash, as a signed 32-bit number (as its array keeps it)."""
    return zlib.crc32(text) - (1 << 31)


class _Keys:
    """Keys as one UTF-8 blob and the offsets where each ends, found by a hash of their text.

    Eight bytes and its text a key, where a list of ``str`` costs some sixty
    bytes more, and the dict to find them as much again: a key is decoded
    when read. The facts index keeps its keys sorted (see ``_compact``) and
    numbers new keys at the end until the next compaction puts them in
    order. Keys are found by a stable hash of their text (CRC-32): those the
    keys were made with through a sorted array of hashes, those appended
    since through an open-addressing table in arrays -- so a first build of
    millions of keys holds no object per key, which the allocator would keep
    after the build as scattered, half-empty pages.
    """

    __slots__ = ("blob", "by_hash", "ends", "hashes", "pending", "table", "table_hashes")

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._fill(key.encode("utf-8", "surrogatepass") for key in keys)

    def _fill(self, keys: Iterable[bytes | bytearray]) -> None:
        texts = list(keys)
        self.blob = bytearray().join(texts)
        self.ends = array("q", itertools.accumulate(map(len, texts)))
        crcs = array("i", map(operator.sub, map(zlib.crc32, texts), itertools.repeat(1 << 31)))
        del texts
        order = sorted(range(len(crcs)), key=crcs.__getitem__)
        self.hashes = array("i", map(crcs.__getitem__, order))  # ascending
        self.by_hash = array("i", order)  # each one's key number
        # The keys appended since: their numbers at their hash's place (or the
        # next free one), -1 where free; the table at most half full.
        self.table = array("i")
        self.table_hashes = array("i")
        # While a long catch-up numbers its keys (see start_pending), a dict finds them.
        self.pending: dict[str, int] | None = None

    @classmethod
    def of(cls, blob: bytes, ends: array[int], hashes: array[int], by_hash: array[int]) -> _Keys:
        """Keys as ``blob`` and ``ends`` held them, and their hash index (checked for shape)."""
        rising = all(b >= a for a, b in itertools.pairwise(ends))
        if (ends[-1] if ends else 0) != len(blob) or not rising or (ends and ends[0] < 0):
            raise ValueError("its keys' ends do not match their text")
        if not len(hashes) == len(by_hash) == len(ends):
            raise ValueError("its keys' hash index does not match its keys")
        made = cls()
        made.blob, made.ends, made.hashes, made.by_hash = bytearray(blob), ends, hashes, by_hash
        return made

    def packed(self) -> _Keys:
        """These keys with every one in the sorted hash index (to save)."""
        return self.reordered(range(len(self))) if self.table or self.pending else self

    def reordered(self, order: Iterable[int]) -> _Keys:
        """These keys in the order of their numbers in ``order``, numbered from 0."""
        made = _Keys.__new__(_Keys)
        made._fill(self.texts(order))  # noqa: SLF001 -- its own kind
        return made

    def texts(self, order: Iterable[int]) -> list[bytearray]:
        """The UTF-8 text of the keys numbered ``order``, in that order."""
        order = list(order)
        ends = self.ends
        starts = map(ends.__getitem__, map(operator.sub, order, itertools.repeat(1)))
        begins = map(operator.mul, starts, map(operator.truth, order))  # key 0 starts at 0
        return list(map(self.blob.__getitem__, map(slice, begins, map(ends.__getitem__, order))))

    def raw(self, index: int) -> bytes:
        """The UTF-8 text of key ``index`` (0 or more)."""
        ends = self.ends
        return bytes(self.blob[ends[index - 1] if index else 0 : ends[index]])

    def find(self, key: str) -> int | None:
        """The number of ``key``; None if it is not one of these."""
        if self.pending is not None and key in self.pending:
            return self.pending[key]
        text = key.encode("utf-8", "surrogatepass")
        return self._find(text, _crc(text))

    def number(self, key: str) -> int:
        """The number of ``key``, which is added as the last if it is new."""
        pending = self.pending
        if pending is not None:
            number = pending.get(key)
            if number is not None:
                return number
        text = key.encode("utf-8", "surrogatepass")
        crc = _crc(text)
        number = self._find(text, crc) if self.hashes or self.table else None
        if number is None:
            if pending is not None:
                # Found through the dict until reordered: no place in the table.
                number = pending[key] = len(self.ends)
                self.blob += text
                self.ends.append(len(self.blob))
                return number
            number = self._append(text, crc)
        return number

    def start_pending(self) -> None:
        """Find keys through a dict from now (a long catch-up), until :meth:`reordered`.

        A dict of the keys costs some hundred bytes a key while it lasts,
        and spares each new key the search and placing in the table. Keys
        numbered meanwhile are in no hash index: only the dict, and the new
        keys :meth:`reordered` makes, find them.
        """
        self.pending = {}

    def _find(self, text: bytes, crc: int) -> int | None:
        hashes, blob, ends = self.hashes, self.blob, self.ends
        at = bisect.bisect_left(hashes, crc)
        while at < len(hashes) and hashes[at] == crc:
            number = self.by_hash[at]
            if blob[ends[number - 1] if number else 0 : ends[number]] == text:
                return number
            at += 1
        table = self.table
        if table:
            mask, table_hashes = len(table) - 1, self.table_hashes
            at = crc & mask
            while (number := table[at]) >= 0:
                start = ends[number - 1] if number else 0
                if table_hashes[at] == crc and blob[start : ends[number]] == text:
                    return number
                at = (at + 1) & mask
        return None

    def _append(self, text: bytes, crc: int) -> int:
        number = len(self.ends)
        self.blob += text
        self.ends.append(len(self.blob))
        if 2 * (number + 1 - len(self.hashes)) > len(self.table):
            self._rehash(max(8, 2 * len(self.table)))
        else:
            self._place(crc, number)
        return number

    def _place(self, crc: int, number: int) -> None:
        table, mask = self.table, len(self.table) - 1
        at = crc & mask
        while table[at] >= 0:
            at = (at + 1) & mask
        table[at] = number
        self.table_hashes[at] = crc

    def _rehash(self, size: int) -> None:
        """Make the table ``size`` places (a power of two) and place the appended keys again."""
        self.table = array("i", [-1]) * size
        self.table_hashes = array("i", bytes(4 * size))
        for number in range(len(self.hashes), len(self.ends)):
            self._place(_crc(self.raw(number)), number)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            index += len(self.ends)
            if index < 0:
                raise IndexError("key index out of range")
        return self.raw(index).decode("utf-8", "surrogatepass")  # IndexError past the end

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Keys):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[str]:
        blob, start = self.blob, 0
        for end in self.ends:
            yield blob[start:end].decode("utf-8", "surrogatepass")
            start = end


def _inverse(order: Sequence[int]) -> array[int]:
    """The inverse of a permutation: where each number went."""
    inverse = array("i", bytes(4 * len(order)))
    for new, old in enumerate(order):
        inverse[old] = new
    return inverse


def _sets_of(rows: _Rows) -> dict[str, IntervalSet]:
    """The interval sets of ``rows``, made at once from their columns.

    A row in force now is filed under its span, its start and (if it has
    one) its end; a closed row that was in force for a while, under the
    past ones -- what filing row by row, and closing, leaves.
    """
    count = len(rows.key)
    numbers = array("i", range(count))
    current = list(map(operator.eq, rows.known_to, itertools.repeat(_NEVER, count)))
    lived = map(operator.lt, rows.known_from, rows.known_to)
    past = list(map(operator.gt, lived, current))  # closed, after a while in force
    start_top = array("q", map(operator.add, rows.start_last, itertools.repeat(1, count)))
    end_top = array("q", map(operator.add, rows.end_last, itertools.repeat(1, count)))
    columns = {
        "spans": (rows.start_earliest, rows.end_last),
        "starts": (rows.start_earliest, start_top),
        "ends": (rows.end_earliest, end_top),
    }
    sets = {}
    for prefix, chosen in (("", current), ("past ", past)):
        ended = list(map(operator.and_, chosen, rows.has_end))
        for name, (lows, highs) in columns.items():
            keep = ended if name == "ends" else chosen
            if keep.count(True) == count:  # all of them: the columns as they are
                sets[prefix + name] = IntervalSet.of(lows, highs, numbers)
            elif True in keep:
                sets[prefix + name] = IntervalSet.of(
                    *(
                        array(column.typecode, itertools.compress(column, keep))
                        for column in (lows, highs, numbers)
                    )
                )
            else:
                sets[prefix + name] = IntervalSet()
    return sets


class _Batch:
    """What a batch of records (one known time) touched: keys, new keys' records, fixes."""

    __slots__ = ("fixes", "fresh", "numbers", "read", "touched")

    def __init__(self) -> None:
        self.touched: set[int] = set()
        # New keys' records, in arrival order: as (role, change, record) where
        # a handler read a record; as _Read where a field rule read a row.
        self.fresh: dict[int, list[tuple[_Role, Change, Record]]] = {}
        self.read: dict[int, list[_Read]] = {}
        self.fixes: list[Record] = []
        self.numbers: dict[str, int] = {}  # the keys of rows field rules read, numbered

    def keep(
        self,
        number: int,
        previous: int,
        item: _Item,
        own: dict[int, list[_Item]],
        other: dict[int, list[Any]],
    ) -> None:
        """Note a record of key ``number``, whose slot before was ``previous``.

        The records of keys first seen in this batch are kept in arrival
        order, in ``own`` (``fresh`` or ``read``, by how they were read):
        most are one start and perhaps its end, filed without building a
        Spell. A key with records read both ways is kept in neither.
        """
        if previous < 0:
            own[number] = [item]
        elif number in own:
            own[number].append(item)
        else:
            other.pop(number, None)
        self.touched.add(number)


#: Of a stored valid time: the time, and its order and whether floating where it is a Moment.
_Valid = tuple[ValidTime, tuple[int, ...] | None, bool]
#: What a field rule read from a row: role, position, valid time.
_Read = tuple[_Role, int, _Valid]
#: How a catch-up from stored rows takes the rows of a type no rule reads, or a fix's.
_SKIP: Final = "skip"
_DECODE: Final = "decode"


class _FieldLane:
    """How a catch-up from stored rows reads the rows of a field rule's type."""

    __slots__ = ("key", "reader", "role")

    def __init__(self, rule: FieldRule, reader: Callable[[str], Any]) -> None:
        self.role = rule.role
        self.reader = reader
        # Only the key: the spell of a new key's rows is filed from its dates and
        # positions, and any other is built from its records, read the long way.
        self.key = operator.attrgetter(rule.key)

    def read(
        self, codec: Codec, text: str, valids: dict[str, _Valid]
    ) -> tuple[str | None, _Valid] | None:
        """The key (None: no fact) and valid time of a body; None where the long way must read it.

        The body is read as the codec reads it on its fast path -- each
        field exactly its type, the version current, the provenance and valid
        time checked -- so a body this takes decodes the long way to a record
        that gives the same.
        """
        try:
            plain = self.reader(text)
            if plain is None:
                return None
            fields, raw_valid, raw_provenance = plain
            if type(raw_valid) is not str:
                return None  # a valid time of parts
            if raw_provenance:
                codec.check_provenance(raw_provenance)
            valid = valids.get(raw_valid)
            if valid is None:
                valid = valids[raw_valid] = _valid_parts(codec.read_valid(raw_valid))
        except Exception:  # noqa: BLE001 -- decoded the long way, which raises its error
            return None
        key = self.key(fields)
        return (None if key is None else str(key)), valid


def _valid_parts(valid: ValidTime) -> _Valid:
    """A valid time with what :func:`_simple` asks of it: its order and zone, for a Moment."""
    if type(valid) is not Moment:
        return valid, None, False
    return valid, valid.extent.order, valid.tz == FLOATING


def _simple(items: list[_Read]) -> tuple[int, tuple[int, int, int, int], bool, int] | None:
    """The row of a new key's only spell, when its records make the common case.

    One start at a date and perhaps one end at a date that sorts after it
    (both of one fact, neither of ``every`` fact: the caller checks): the
    spell runs from the one to the other, or stays open. Its first
    record's position, bounds, whether it has an end and its floating flags
    -- exactly what :func:`_build_spells` would give, with no Spell built.
    None for anything else, which takes the general way.
    """
    role, first, (_, start, floating) = items[0]
    if len(items) > 2 or role != "start" or start is None:
        return None
    flags = _ALL_FLOATING if floating else _ALL_ZONED
    if len(items) == 1:
        return first, (start[0], start[1] - 1, *_OPEN_END), False, flags
    role, last, (_, end, floating) = items[1]
    # An end that sorts before the start does not end it.
    if role != "end" or end is None or (end, last) < (start, first):
        return None
    flags &= _FLOATING_START
    if floating:
        flags |= _FLOATING_END
    return first, (start[0], start[1] - 1, end[0], end[1] - 1), True, flags


class TemporalFacts:
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
    start and until the latest end. An amendment replaces
    values from its valid time on. An end closes the spell in force; a later
    end of a closed spell is kept among its records. An amendment or end with
    nothing in force is listed in :meth:`unmatched`.

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
    _rules: ClassVar[dict[type[Any], tuple[_Role, str]]] = {}
    _fields: ClassVar[dict[type[Any], FieldRule]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._rules = {
            event_type: (role, name)
            for name, (role, event_types) in marked_methods(cls, "__timeline_fact__")
            for event_type in event_types
        }
        rules = {event_type: getattr(cls, name) for event_type, (_, name) in cls._rules.items()}
        cls._fields = {kind: rule for kind, rule in rules.items() if isinstance(rule, FieldRule)}

    def __init__(self, log: Log) -> None:
        self.log = log
        self._position = FIRST_POSITION - 1
        self._latest = 0  # the last known time read, in microseconds
        self._flags = 0  # bit 1 << f set once a row with floating flags f was filed
        self._keys = _Keys()
        # Keys below _sorted_keys are in sorted order (see _compact); those
        # numbered since are in the order they came.
        self._sorted_keys = 0
        self._key_slot = array("q")  # per key: its last slot, -1 for none
        self._key_row = array("i")  # per key: its last row, -1 for none
        self._slot_position = array("q")  # per slot (a record a handler kept): its position
        self._slot_previous = array("q")  # per slot: the key's slot before it
        self._slot_ids = bytearray()  # per slot: the first 8 bytes of the record's id
        self._rows = _Rows()
        self._current = 0  # rows current now
        # Rows below this number are numbered in key order (see _compact): the
        # order of an answer is then the order of its row numbers.
        self._sorted_rows = 0
        # Retractions and corrections: (position, known time, fix id, target id).
        self._fixes: list[tuple[int, int, uuid.UUID, uuid.UUID]] = []
        self._hidden: set[uuid.UUID] = set()
        self._sets = {name: IntervalSet() for name in _SETS}
        self._filing = True  # rows are filed in the sets as they come (see catch_up)
        # Records read in this catch-up, by position, with what the handler made of them.
        self._recent: dict[int, tuple[_Role, Change, Record]] = {}
        self._head = GENESIS_HASH  # the hash of the record at _position

    def __repr__(self) -> str:
        return f"<{type(self).__name__} read to position {self._position} of {self.log!r}>"

    @classmethod
    def name(cls) -> str:
        """The name its state is saved under: the class's module and qualname."""
        return f"{cls.__module__}.{cls.__qualname__}"

    # -- reading the log ---------------------------------------------------------

    @property
    def position(self) -> int:
        """The last log position read."""
        return self._position

    def catch_up(self) -> int:
        """Read the records appended since the last call; return how many were read."""
        read = 0
        # A long catch-up (a first build) files its rows in the columns only,
        # and makes the interval sets from them once at the end: filing each
        # row in them on the way costs several times as much.
        coming = self.log.last_position - self._position
        self._filing = coming <= max(_COMPACT, len(self._rows.key) // 4)
        if not self._filing:
            self._keys.start_pending()
        with paused_collector():  # the index makes no reference cycles
            try:
                pages = self._row_pages()
                read = self._read_records() if pages is None else self._read_rows(pages)
            finally:
                self._recent = {}
                if self._filing:
                    for intervals in self._sets.values():
                        intervals.flush()
                else:
                    self._filing = True
                    self._compact()  # which makes the sets from the rows
        if len(self._rows.key) - self._sorted_rows > max(_COMPACT, self._sorted_rows // 4):
            self._compact()
        if read >= _RELEASE_AFTER:
            release_freed_memory()
        if read:
            _logger.debug(
                "%s caught up: %d records, to position %d",
                type(self).__name__,
                read,
                self._position,
            )
        return read

    def _read_records(self) -> int:
        """Catch up through the store's records, batch by batch (a batch: one known time).

        Only records of the types a rule takes, and fixes, are decoded: a
        record of any other type (or of a type this process never imported)
        is passed over as stored.
        """
        read = 0
        batch = _Batch()
        last: StoredRecord | None = None
        wanted = self._wanted_types()
        decode = self.log._decode_stored  # noqa: SLF001 -- the log's reader, record by record
        for stored in self.log.store.read(self._position + 1):
            if last is not None and stored.known_at != last.known_at:
                self._absorb(batch, parse_known_at(last.known_at), last.position, last.hash)
                batch = _Batch()
            last = stored
            read += 1
            if stored.type in wanted and (record := decode(stored)) is not None:
                self._take_record(record, batch)
        if last is not None:
            self._absorb(batch, parse_known_at(last.known_at), last.position, last.hash)
        return read

    def _wanted_types(self) -> frozenset[str]:
        """The names of the types this index reads: those its rules take, and the fixes."""
        registry = self.log.registry
        return frozenset(
            entry.name for entry in registry if entry.cls in self._rules or entry.cls in _FIX_TYPES
        )

    def _row_pages(self) -> Iterator[list[RawRecord]] | None:
        """The stored rows from the next position, where the store hands them over as read.

        Only the library's own SQL stores do: None otherwise. Rows of types
        no rule takes are passed over there without being decoded.
        """
        if not own_store(self.log.store, "read"):
            return None
        pages: Callable[[int], Iterator[list[RawRecord]]]
        pages = self.log.store._read_pages  # type: ignore[attr-defined]  # noqa: SLF001 -- as the log reads them
        return pages(self._position + 1)

    def _read_rows(self, pages: Iterator[list[RawRecord]]) -> int:  # noqa: C901 -- a first build's hot loop, in one frame
        """Catch up from stored rows: field rules read their rows' fields, others go the long way.

        A row of a type no rule takes is skipped undecoded. A field rule's
        row is read by its :class:`_FieldLane`, without a Record. Any row
        that lane does not take, and every row of another rule or a fix, is
        decoded to a Record and taken as :meth:`_read_records` takes it.
        """
        codec = self.log.codec
        decode = self.log._decode_row  # noqa: SLF001 -- the log's reader, row by row
        lanes: dict[str, _FieldLane | str] = {}
        valids: dict[str, _Valid] = {}
        read = 0
        batch = _Batch()
        # Keys already numbered: all of them while a long catch-up keeps them in
        # a dict, else those of this batch.
        numbers = self._keys.pending if self._keys.pending is not None else batch.numbers
        last: RawRecord | None = None
        for page in pages:
            for row in page:
                if last is not None and row[2] != last[2]:
                    self._absorb(batch, parse_known_at(last[2]), last[0], last[6].hex())
                    batch = _Batch()
                    if self._keys.pending is None:
                        numbers = batch.numbers
                last = row
                read += 1
                lane = lanes.get(row[3])
                if lane is None:
                    lane = lanes[row[3]] = self._lane(row[3])
                if lane is _SKIP:
                    continue
                found = None if lane is _DECODE else lane.read(codec, row[5], valids)  # type: ignore[union-attr]
                if found is None:
                    if (record := decode(row)) is not None:
                        self._take_record(record, batch)
                    continue
                key, valid = found
                if key is None:
                    continue
                number = numbers.get(key)
                if number is None:
                    number = numbers[key] = self._key_number(key)
                before = self._slot(number, row[0], row[1][:8])
                item = (lane.role, row[0], valid)  # type: ignore[union-attr]
                batch.keep(number, before, item, batch.read, batch.fresh)
        if last is not None:
            self._absorb(batch, parse_known_at(last[2]), last[0], last[6].hex())
        return read

    def _lane(self, name: str) -> _FieldLane | str:
        """How rows of type ``name`` are read: skipped, decoded, or by a field rule's lane."""
        try:
            event_type = self.log.registry.lookup(name).cls
        except UnknownEventTypeError:
            return _SKIP  # no rule can take a type this process does not know
        if event_type in _FIX_TYPES:
            return _DECODE
        rule = self._fields.get(event_type)
        if rule is None:
            return _SKIP if event_type not in self._rules else _DECODE
        reader = self.log.codec.fields_reader(name)
        return _DECODE if reader is None else _FieldLane(rule, reader)

    def follow(self, *, idle: float | None = None) -> Iterator[int]:
        """Catch up now, then each time other appends arrive; yield the position reached.

        Ask your questions between steps: each answer is then current. Waits
        for the log without polling where its store can be woken (PostgreSQL;
        see :meth:`~timeline.Log.wait`). Ends once ``idle`` seconds pass with
        nothing new (None: follows until the caller stops).
        """
        self.catch_up()
        yield self._position
        while self.log.wait(self._position, timeout=idle) > self._position:
            self.catch_up()
            yield self._position

    def _change(self, record: Record) -> tuple[_Role, Change] | None:
        rule = self._rules.get(type(record.event))
        if rule is None:
            return None
        role, name = rule
        change = getattr(self, name)(record)
        if change is None:
            return None
        return role, change if isinstance(change, Change) else Change(str(change))

    def _find_key(self, key: str) -> int | None:
        """The number of ``key``; None if no record was about it."""
        return self._keys.find(key)

    def _key_number(self, key: str) -> int:
        """The number of ``key``, numbering it if it is new."""
        count = len(self._keys)
        number = self._keys.number(key)
        if number == count:  # a new key
            self._key_slot.append(-1)
            self._key_row.append(-1)
        return number

    def _absorb(self, batch: _Batch, known_at: dt.datetime, position: int, head: str) -> None:
        """File what a batch of records sharing one known time says; the last is at ``position``."""
        touched, fresh, fixes = batch.touched, batch.fresh, batch.fixes
        known = _micros(known_at)
        if fixes:
            self._fixes.extend((fix.position, known, fix.id, fix.event.record) for fix in fixes)
            hidden = hidden_ids((fix_id, target) for _, _, fix_id, target in self._fixes)
            touched.update(self._keys_of(hidden ^ self._hidden))
            self._hidden = hidden
        self._latest = known
        self._position = position
        self._head = head
        simple = {}
        if _SIMPLE and not fixes and not self._hidden:
            kept: list[tuple[int, str | None, list[_Read]]]
            kept = [(number, None, items) for number, items in batch.read.items()]
            for number, records in fresh.items():
                change = records[0][1]
                if len(records) <= 2 and all(
                    not other.every and other.fact == change.fact for _, other, _ in records
                ):
                    items = [(role, r.position, _valid_parts(r.valid)) for role, _, r in records]
                    kept.append((number, change.fact, items))
            for number, fact, items in kept:
                if (row := _simple(items)) is not None:
                    positions = [item[1] for item in items]
                    simple[number] = (*row, _digest(fact, row[1], row[2], positions))
        found_spells = self._spells(
            [n for n in touched if n not in simple], known=_NEVER, position=self._position
        )
        for number in sorted(touched):
            if number not in simple:
                self._refile(number, found_spells[number], known)
                continue
            self._file(number, *simple[number], known)
        if len(self._recent) > _RECENT:
            self._recent = {}

    def _take_record(self, record: Record, batch: _Batch) -> None:
        """Slot a record in its batch: a fix, or what a handler makes of it."""
        if type(record.event) in _FIX_TYPES:
            batch.fixes.append(record)
            return
        found = self._change(record)
        if found is None:
            return
        item = self._take_change(*found, record, record.id.bytes[:8], batch)
        self._recent[record.position] = item

    def _take_change(
        self, role: _Role, change: Change, record: Record, prefix: bytes, batch: _Batch
    ) -> tuple[_Role, Change, Any]:
        """Slot what a record says of a fact: its key is touched; a new key's records are kept."""
        number = self._key_number(change.key)
        previous = self._slot(number, record.position, prefix)
        item = (role, change, record)
        batch.keep(number, previous, item, batch.fresh, batch.read)
        return item

    def _slot(self, number: int, position: int, prefix: bytes) -> int:
        """Slot key ``number``'s record at ``position`` (id begins ``prefix``); the slot before."""
        previous = self._key_slot[number]
        self._slot_position.append(position)
        self._slot_previous.append(previous)
        self._slot_ids += prefix
        self._key_slot[number] = len(self._slot_position) - 1
        return previous

    def _keys_of(self, ids: Iterable[uuid.UUID]) -> set[int]:
        """The keys of the records with these ids, among those a handler kept."""
        positions = []
        for record_id in ids:
            prefix = record_id.bytes[:8]
            at = self._slot_ids.find(prefix)
            while at != -1:
                if at % 8 == 0:
                    positions.append(self._slot_position[at // 8])
                at = self._slot_ids.find(prefix, at + 1)
        wanted = set(ids)
        return {
            self._key_number(found[1].key)
            for found, record in self._read(positions)
            if found is not None and record.id in wanted
        }

    def _read(self, positions: Iterable[int]) -> list[tuple[tuple[_Role, Change] | None, Record]]:
        """The records at ``positions`` with what the handlers make of them."""
        out: list[tuple[tuple[_Role, Change] | None, Record]] = []
        missing = []
        for position in positions:
            found = self._recent.get(position)
            if found is None:
                missing.append(position)
            else:
                out.append(((found[0], found[1]), found[2]))
        if missing:
            out.extend((self._change(record), record) for record in self.log._at(missing))  # noqa: SLF001 -- the log's reader by position
        return out

    def _spells_of_keys(
        self, keys: Iterable[str], *, known: int, position: int
    ) -> dict[str, tuple[Spell, ...]]:
        """:meth:`_spells` by key; a key no record was about has none."""
        numbers = {key: self._find_key(key) for key in keys}
        found = self._spells(
            [n for n in numbers.values() if n is not None], known=known, position=position
        )
        return {key: () if n is None else found[n] for key, n in numbers.items()}

    def _spells(
        self, numbers: Iterable[int], *, known: int, position: int
    ) -> dict[int, tuple[Spell, ...]]:
        """Build the spells of keys ``numbers`` from their records, as known at ``known``.

        Only records up to ``position`` count, and retractions and
        corrections up to it and known by ``known``.
        """
        numbers = list(numbers)
        owner = {
            at: number for number in numbers for at in self._positions_of(number) if at <= position
        }
        if known >= self._latest and position >= self._position:
            hidden = self._hidden
        else:
            hidden = hidden_ids(
                (fix, target)
                for at, fix_known, fix, target in self._fixes
                if at <= position and fix_known <= known
            )
        items: dict[int, list[tuple[_Role, Change, Record]]] = {n: [] for n in numbers}
        for found, record in self._read(owner):
            if found is None or record.id in hidden:
                continue
            if known < self._latest and _micros(record.known_at) > known:
                continue
            items[owner[record.position]].append((*found, record))
        return {n: _build_spells(self._keys[n], items[n]) for n in numbers}

    def _positions_of(self, number: int) -> Iterator[int]:
        """The positions of key ``number``'s records, newest first."""
        slot = self._key_slot[number]
        while slot >= 0:
            yield self._slot_position[slot]
            slot = self._slot_previous[slot]

    def _rows_of(self, number: int) -> Iterator[int]:
        row = self._key_row[number]
        while row >= 0:
            yield row
            row = self._rows.previous[row]

    def _refile(self, number: int, spells: tuple[Spell, ...], now: int) -> None:
        """Close the key's rows whose spell changed and file the new spells, from ``now``."""
        rows = self._rows
        bounds = [_bounds(spell) for spell in spells]
        signatures = [
            _digest(
                spell.fact,
                bound,
                not isinstance(spell.end, End),
                [record.position for record in spell.records],
            )
            for spell, bound in zip(spells, bounds, strict=True)
        ]
        current = {
            rows.signature[row]: row
            for row in self._rows_of(number)
            if rows.known_to[row] == _NEVER
        }
        for signature, row in current.items():
            if signature not in signatures:
                self._close(row, now)
        for spell, bound, signature in zip(spells, bounds, signatures, strict=True):
            if signature not in current:
                first = spell.records[0].position
                has_end = not isinstance(spell.end, End)
                floating = _floating(spell.extent)
                self._file(number, first, bound, has_end, floating, signature, now)

    def _file(  # noqa: PLR0917 -- a row's columns, in order (called per new spell)
        self,
        number: int,
        first: int,
        bounds: tuple[int, int, int, int],
        has_end: bool,  # noqa: FBT001
        floating: int,
        signature: int,
        now: int,
        /,
    ) -> None:
        rows = self._rows
        row = len(rows.key)
        start_earliest, start_last, end_earliest, end_last = bounds
        rows.key.append(number)
        rows.first.append(first)
        rows.start_earliest.append(start_earliest)
        rows.start_last.append(start_last)
        rows.end_earliest.append(end_earliest)
        rows.end_last.append(end_last)
        rows.has_end.append(has_end)
        rows.floating.append(floating)
        self._flags |= 1 << floating
        rows.known_from.append(now)
        rows.known_to.append(_NEVER)
        rows.signature.append(signature)
        rows.previous.append(self._key_row[number])
        self._key_row[number] = row
        self._current += 1
        if not self._filing:
            return
        sets = self._sets
        sets["spans"].add(start_earliest, end_last, row)
        sets["starts"].add(start_earliest, start_last + 1, row)
        if has_end:
            sets["ends"].add(end_earliest, end_last + 1, row)

    def _intervals(self, row: int) -> list[tuple[str, int, int]]:
        """Where a row is filed: spans, starts and (if it has an end) ends."""
        rows = self._rows
        start, end = rows.start_earliest[row], rows.end_last[row]
        found = [
            ("spans", start, end),
            ("starts", start, rows.start_last[row] + 1),
        ]
        if rows.has_end[row]:
            found.append(("ends", rows.end_earliest[row], end + 1))
        return [(name, low, high) for name, low, high in found if low < high]

    def _close(self, row: int, now: int) -> None:
        self._rows.known_to[row] = now
        self._current -= 1
        if not self._filing:
            return
        for name, low, high in self._intervals(row):
            self._sets[name].remove(row)
            if self._rows.known_from[row] < now:
                self._sets[f"past {name}"].add(low, high, row)

    def _compact(self) -> None:
        """Number keys in key order and rows in (key, first record) order.

        Questions then put an answer in key order by sorting row numbers.
        New arrays replace the old, which answers already given keep.
        """
        keys = self._keys
        # The keys below _sorted_keys are in order already, and the others are
        # sorted, then merged with them. By their UTF-8 (lone surrogates too):
        # its bytes sort as the code points they write.
        # The sort finds the sorted run of the first and merges the others in.
        texts = keys.texts(range(len(keys)))
        key_order = array("i", sorted(range(len(keys)), key=texts.__getitem__))
        del texts
        new_key = _inverse(key_order)
        old_rows = self._rows
        count = len(old_rows.key)
        shifted = map(
            operator.lshift, map(new_key.__getitem__, old_rows.key), itertools.repeat(64, count)
        )
        packed = list(map(operator.or_, shifted, old_rows.first))  # (key, first record)
        row_order = sorted(range(count), key=packed.__getitem__)
        del packed
        # A row's new number; -1 (the last, added) stays -1: "none".
        new_row = _inverse(row_order) + array("i", [-1])
        take = taker(row_order)
        rows = _Rows()
        for name in _Rows.NAMES:
            column = getattr(old_rows, name)
            setattr(rows, name, array(column.typecode, take(column)))
        rows.key = array("i", map(new_key.__getitem__, rows.key))
        rows.previous = array("i", map(new_row.__getitem__, rows.previous))
        self._rows = rows
        self._keys = keys.reordered(key_order)
        self._sorted_keys = len(keys)
        take = taker(key_order)
        self._key_slot = array("q", take(self._key_slot))
        self._key_row = array("i", map(new_row.__getitem__, take(self._key_row)))
        self._sets = _sets_of(rows)
        self._sorted_rows = count

    # -- saving ------------------------------------------------------------------

    def save_snapshot(self) -> bool:
        """Catch up, then save the index in the log's store, beside the log.

        It is saved under :meth:`name` with :attr:`version`, the position and
        head hash it was built at, and a SHA-256 of its bytes; it replaces the
        state saved before, in one transaction. Should another process have
        saved a state as far along or further, that one is kept.

        Returns:
            Whether it was written (False also when the store keeps no
            states: a JSON Lines store does not).
        """
        self.catch_up()
        store = self.log.store
        if not isinstance(store, StateStore):
            return False
        if self._sorted_rows < len(self._rows.key) or self._sorted_keys < len(self._keys):
            self._compact()
        meta, parts = self._dump()
        with_rows = getattr(store, "save_state_and_rows", None)
        if with_rows is not None:  # a server that answers from the rows too (PostgreSQL)
            return bool(with_rows(self.name(), self._position, meta, parts, self._row_tuples()))
        return store.save_state(self.name(), self._position, meta, parts)

    def _row_tuples(self) -> Iterator[tuple[Any, ...]]:
        """Every row filed, as a server keeps it (see :meth:`answer_from`)."""
        rows, keys = self._rows, self._keys
        return zip(
            map(keys.__getitem__, rows.key),
            rows.first,
            rows.start_earliest,
            rows.start_last,
            rows.end_earliest,
            rows.end_last,
            rows.floating,
            rows.known_from,
            rows.known_to,
            strict=True,
        )

    @classmethod
    def answer_from(
        cls, store: object, valid: QuestionLike, *, known: dt.datetime | str | None = None
    ) -> SavedAnswer:
        """Answer "in force at ``valid`` as known at ``known``" from the rows saved in ``store``.

        For a store that answers on the server (:class:`~timeline.stores.PostgresStore`):
        the rows the last :meth:`save_snapshot` wrote are searched there, so
        neither the log nor the index is read into memory. The answer is as
        of the position they were saved at -- :attr:`SavedAnswer.behind`
        says how many records the log has gained since; a follower that
        saves after catching up (:meth:`follow`) keeps it current.

        Raises:
            StoreError: ``store`` keeps no such rows, none were saved for this
                class, or they were saved by another version of it.
        """
        query = getattr(store, "fact_answers", None)
        if query is None:
            raise StoreError(f"{store!r} does not answer from saved rows: use TemporalFacts.at")
        asked = Question.of(valid)
        limit = _NEVER - 1 if known is None else _micros(to_instant(known))
        flags = _ALL_FLOATING if asked.floating else _ALL_ZONED
        question = (asked.low, max(asked.high, asked.low), asked.exact, flags)
        # Rows floating where the question is not may meet it within 14 hours either way.
        found = query(cls.name(), question, limit, EAST)
        if found is None:
            raise StoreError(f"{store!r} holds no saved {cls.name()}: save_snapshot() first")
        position, head, text, plain, others = found
        meta = json.loads(text)
        if meta.get("format") != STATE_FORMAT or meta.get("version") != cls.version:
            raise StoreError(
                f"{store!r}: the saved {cls.name()} is of another version: rebuild it "
                "(save_snapshot() after a fresh build, or `timeline rebuild`)"
            )
        answered = (Answer.MAYBE, Answer.YES)  # by whether the server found it sure
        answers: list[tuple[str, int, Answer]] = [
            (key, first, answered[surely]) for key, first, surely in plain
        ]
        for key, first, start_low, start_top, end_low, end_top, row_flags, _, _ in others:
            answer = _answer_row((start_low, start_top, end_low, end_top), row_flags, asked)
            if answer is not Answer.NO:
                answers.append((key, first, answer))
        answers.sort()
        return SavedAnswer(position, head - position, answers)

    def _dump(self) -> tuple[str, list[bytes]]:
        keys = self._keys.packed()
        arrays: list[tuple[str, array[int]]] = [
            ("key ends", keys.ends),
            ("key hashes", keys.hashes),
            ("key by hash", keys.by_hash),
            ("key slot", self._key_slot),
            ("key row", self._key_row),
            ("slot position", self._slot_position),
            ("slot previous", self._slot_previous),
            *(
                (f"row {name}", column)
                for name, column in zip(_Rows.NAMES, self._rows.columns(), strict=True)
            ),
        ]
        layouts = {}
        for name, intervals in self._sets.items():
            layout, columns = intervals.dump()
            layouts[name] = layout
            arrays.extend((f"{name} {n}", column) for n, column in enumerate(columns))
        blobs = [
            bytes(self._slot_ids),
            bytes(keys.blob),
            json.dumps(
                [[at, known, fix.hex, target.hex] for at, known, fix, target in self._fixes]
            ).encode(),
        ]
        # Each array and blob in parts of its own (cut where items end), so that
        # loading copies each part once, straight into its array.
        parts: list[bytes] = []
        digest = hashlib.sha256()

        def cut(data: bytes, item: int) -> int:
            step = _PART - _PART % item
            pieces = [data[at : at + step] for at in range(0, len(data), step)] or [b""]
            for piece in pieces:
                digest.update(piece)
            parts.extend(pieces)
            return len(pieces)

        described = [
            [name, column.typecode, len(column), cut(column.tobytes(), column.itemsize)]
            for name, column in arrays
        ]
        blob_parts = [[len(blob), cut(blob, 1)] for blob in blobs]
        meta = {
            "format": STATE_FORMAT,
            "name": self.name(),
            "version": self.version,
            "position": self._position,
            "head": self._head,
            "latest": self._latest,
            "current": self._current,
            "sorted_rows": self._sorted_rows,
            "sorted_keys": self._sorted_keys,
            "byteorder": sys.byteorder,
            "arrays": described,
            "blobs": blob_parts,
            "sets": layouts,
        }
        # The checksum covers the description too: a changed count or time there
        # would change answers as surely as a changed byte in the arrays.
        digest.update(canonical_json(meta).encode())
        meta["sha256"] = digest.hexdigest()
        return json.dumps(meta), parts

    @classmethod
    def from_snapshot(cls, log: Log) -> Self:
        """Start from the index saved in the log's store, if it can be trusted.

        The saved state is used only if its checksum matches its bytes, it
        was saved by this :attr:`version` of the class, and the log still
        holds, at its position, the record it was built on. Otherwise --
        with the reason logged to the ``timeline`` logger and given as a
        :class:`~timeline.SnapshotIgnoredWarning` -- it starts empty and
        builds from the log. Either way the next question catches up first,
        reading only what was appended since.
        """
        facts = cls(log)
        store = log.store
        found = store.load_state(cls.name()) if isinstance(store, StateStore) else None
        if found is None:
            return facts
        problem = facts._restore(*found)
        if problem is not None:
            facts = cls(log)
            message = f"saved state of {cls.name()} not used: {problem}; building from the log"
            _logger.warning(message)
            warnings.warn(message, SnapshotIgnoredWarning, stacklevel=2)
        return facts

    def _restore(self, position: int, text: str, parts: Iterable[bytes]) -> str | None:
        """Take a saved state; return why it cannot be used, or None once it is.

        The parts are hashed as they are loaded into arrays, one at a time;
        the arrays are used only once the whole state's checksum is right.
        """
        try:
            meta = json.loads(text)
            if not isinstance(meta, dict) or meta.get("format") != STATE_FORMAT:
                return "it was written by another version of the library"
            if meta["version"] != self.version:
                return f"it is of version {meta['version']}, not {self.version}"
            hashed = _Hashed(parts)
            columns, blobs = _unpack(meta, hashed)
            problem = seal_problem(self.log.store, position, meta, hashed.digest)
            if problem is not None:
                return problem
            self._load(meta, columns, blobs)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            return f"it cannot be read ({type(error).__name__}: {error})"
        return None

    def _load(
        self, meta: dict[str, Any], columns: dict[str, array[int]], blobs: list[bytes]
    ) -> None:
        self._key_slot = columns["key slot"]
        self._key_row = columns["key row"]
        self._slot_position = columns["slot position"]
        self._slot_previous = columns["slot previous"]
        for name in _Rows.NAMES:
            setattr(self._rows, name, columns[f"row {name}"])
        for name in _SETS:
            layout = meta["sets"][name]
            count = 3 * sum(len(classes) for classes in layout)
            self._sets[name] = IntervalSet.load(
                layout, [columns[f"{name} {n}"] for n in range(count)]
            )
        self._slot_ids = bytearray(blobs[0])
        self._keys = _Keys.of(
            blobs[1], columns["key ends"], columns["key hashes"], columns["key by hash"]
        )
        self._fixes = [
            (at, known, uuid.UUID(fix), uuid.UUID(target))
            for at, known, fix, target in json.loads(blobs[2])
        ]
        self._hidden = hidden_ids((fix, target) for _, _, fix, target in self._fixes)
        self._position = meta["position"]
        self._head = meta["head"]
        self._latest = meta["latest"]
        self._flags = sum(1 << flags for flags in set(self._rows.floating))
        self._current = meta["current"]
        self._sorted_rows = meta["sorted_rows"]
        self._sorted_keys = meta["sorted_keys"]
        if not (
            len(self._keys) == len(self._key_slot) == len(self._key_row)
            and len(self._slot_ids) == 8 * len(self._slot_position)
        ):
            raise ValueError("its columns differ in length")

    # -- questions -----------------------------------------------------------------

    def _known(self, known: dt.datetime | str | None) -> int:
        return _NEVER if known is None else _micros(to_instant(known))

    def _found(self, name: str, low: int, high: int, known: int) -> list[int]:
        """The rows of set ``name`` meeting ``[low, high)`` as known at ``known``."""
        found = self._sets[name].overlapping(low, high)
        if known >= self._latest:
            return found
        rows = self._rows
        known_from, known_to = rows.known_from, rows.known_to
        found = [row for row in found if known_from[row] <= known]
        found.extend(
            row
            for row in self._sets[f"past {name}"].overlapping(low, high)
            if known_from[row] <= known < known_to[row]
        )
        return found

    def _meeting(self, name: str, asked: Question, known: int) -> tuple[list[int], set[int]]:
        """The rows of set ``name`` that may meet ``asked`` (not *no*), as known at ``known``.

        Also the rows among them an offset may turn: floating where the
        question is not (or the other way round), with a bound within 14
        hours of the question's ends -- found by their starts and ends -- or
        floating at one end only. The others meet the question as written.
        """
        low, high = asked.low, asked.high
        if low >= high:
            return [], set()
        found = self._found(name, low, high, known)
        same = _ALL_FLOATING if asked.floating else _ALL_ZONED
        if not self._flags & ~(1 << same):  # every row meets it as written
            return found, set()
        rows = self._rows
        flags = rows.floating
        near: set[int] = set()
        bands = (
            [(low - _FAR, low + _FAR), (high - _FAR, high + _FAR)]
            if high - low > 2 * _FAR
            else [(low - _FAR, high + _FAR)]
        )
        for band_low, band_high in bands:
            for by in ("starts", "ends"):
                near.update(self._found(by, band_low, band_high, known))
        near = _turning(rows, near, same, low, high, ends=name == "ends")
        if self._flags & (1 << _FLOATING_START | 1 << _FLOATING_END):  # floating at one end
            near.update(row for row in found if flags[row] not in (_ALL_FLOATING, _ALL_ZONED))
        if not near:
            return found, near
        kept = [row for row in found if row not in near]
        if name == "spans":
            kept.extend(row for row in near if _row_answer(rows, row, asked) is not Answer.NO)
        else:
            kept.extend(
                row
                for row in near
                if _bound_meets(_ends_of_row(rows, row, name), asked) is not Answer.NO
            )
        return kept, near

    def at(self, valid: QuestionLike, *, known: dt.datetime | str | None = None) -> InForce:
        """Return the spells in force (yes or maybe) at ``valid``, as known at ``known``.

        Catches up with the log first. ``valid`` is read at its own precision
        (see :class:`~timeline.Question`): ``"2024-01"`` asks about the whole
        month -- yes for a spell surely in force at some instant of it -- and
        an aware datetime about one instant.

        Args:
            valid: The valid time V.
            known: The known time T; by default all that has been read.

        Returns:
            One :class:`Hit` per spell that is or may be in force, in key order.
        """
        self.catch_up()
        asked = Question.of(valid)
        limit = self._known(known)
        found = self._meeting("spans", asked, limit)
        return InForce._of_rows(_Asked(self, found, asked, limit))  # noqa: SLF001 -- this module's

    def during(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
        tz: str = FLOATING,
    ) -> InForce:
        """Return the spells in force (yes or maybe) at any time in ``[start, end)``.

        Catches up with the log first. ``start`` and ``end`` are instants (a
        date is its first instant; an exact EDTF date such as ``"-0050"`` too),
        in ``tz`` unless they carry a zone -- by default floating, local time
        somewhere (see :meth:`~timeline.Question.between`).
        """
        self.catch_up()
        asked = Question.between(start, end, tz=tz)
        limit = self._known(known)
        found = self._meeting("spans", asked, limit)
        return InForce._of_rows(_Asked(self, found, asked, limit))  # noqa: SLF001 -- this module's

    def changes(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
        tz: str = FLOATING,
    ) -> list[Transition]:
        """Return the spells that start or end (surely or maybe) within ``[start, end)``.

        A start the sources do not date (not known, or ``XXXX``: some year) is
        no change within a window: it may lie in any, and said nothing of this
        one. Catches up with the log first. ``start`` and ``end`` are read as
        :meth:`during` reads them, in ``tz``. An empty window (``end`` not
        after ``start``) holds no instant: nothing starts or ends in it.
        """
        self.catch_up()
        asked = Question.between(start, end, tz=tz)
        limit = self._known(known)
        rows = self._rows
        found: list[tuple[int, Literal["started", "ended"], Answer]] = []
        for name, kind in (("starts", "started"), ("ends", "ended")):
            meeting, near = self._meeting(name, asked, limit)
            for row in meeting:
                bounds = _ends_of_row(rows, row, name)
                # Through every offset where one may turn its answer, else as written.
                answer = _bound_meets(bounds, asked) if row in near else _falls(bounds, asked, 0)
                found.append((row, kind, answer))  # type: ignore[arg-type]
        spells = self._spells(
            {rows.key[row] for row, _, _ in found}, known=limit, position=self._position
        )
        transitions = [
            Transition(_spell_at(spells[rows.key[row]], rows.first[row]), kind, answer)
            for row, kind, answer in found
        ]
        # A start the sources do not date may lie in any window: not news of this one.
        transitions = [t for t in transitions if t.kind == "ended" or not _undated(t.spell.start)]
        return sorted(transitions, key=lambda t: (t.key, t.kind, t.spell.records[0].position))

    def history(self, key: str, *, known: dt.datetime | str | None = None) -> History:
        """Return the spells of ``key`` as known at ``known`` (by default, now).

        Catches up with the log first.
        """
        self.catch_up()
        return self._history(key, self._known(known))

    def _history(self, key: str, known: int) -> History:
        """The spells of ``key`` as known at ``known``, without catching up."""
        return History(self._spells_of_keys([key], known=known, position=self._position)[key])

    def versions(self, key: str) -> list[tuple[pendulum.DateTime, tuple[Spell, ...]]]:
        """Return how the history of ``key`` looked from each known time on (after catching up)."""
        self.catch_up()
        number = self._find_key(key)
        if number is None:
            return []
        positions = sorted(self._positions_of(number))
        known_times = {_micros(record.known_at) for _, record in self._read(positions)}
        first = min(known_times)
        known_times.update(fix_known for _, fix_known, _, _ in self._fixes if fix_known > first)
        found: list[tuple[pendulum.DateTime, tuple[Spell, ...]]] = []
        for known in sorted(known_times):
            spells = self._spells([number], known=known, position=self._position)[number]
            if not found or found[-1][1] != spells:
                found.append((_known_time(known), spells))
        return found

    def keys(self) -> list[str]:
        """Return every key seen, sorted (after catching up)."""
        self.catch_up()
        return sorted(self._keys)

    def plot(
        self,
        valid: QuestionLike | None = None,
        *,
        known: dt.datetime | str | None = None,
        keys: Sequence[str] | None = None,
        group_by: str | None = "authority",
        label_by: str | None = "target",
        page: int = 1,
        per_page: int = 40,  # timeline.plot.PER_PAGE
        title: str | None = None,
    ) -> TimelinePicture:
        """Draw the facts as known at ``known``, with a line at ``valid`` (the ``plot`` extra).

        A row per key, a bar per spell -- solid where it surely held, hatched
        where it may have -- and the log's other records as markers: see
        :func:`timeline.plot.draw`, which takes the same arguments.
        """
        draw: Callable[..., TimelinePicture] = feature("plot").draw
        return draw(
            self,
            valid=valid,
            known=known,
            keys=keys,
            group_by=group_by,
            label_by=label_by,
            page=page,
            per_page=per_page,
            title=title,
        )

    def unmatched(self, *, known: dt.datetime | str | None = None) -> list[Record]:
        """Return amendments and ends that found nothing in force, as known at ``known``.

        Catches up with the log first. It reads every record a handler kept:
        its cost grows with the log.
        """
        self.catch_up()
        limit = self._known(known)
        found = []
        numbers = list(range(len(self._keys)))
        for chunk in _chunks(numbers, 1024):
            spells = self._spells(chunk, known=limit, position=self._position)
            used = {r.id for number in chunk for spell in spells[number] for r in spell.records}
            positions = [at for number in chunk for at in self._positions_of(number)]
            for _, record in self._read(positions):
                if record.id in used or record.id in self._hidden:
                    continue
                if _micros(record.known_at) > limit:
                    continue
                found.append(record)
        return sorted(found, key=lambda record: record.position)

    def __len__(self) -> int:
        """How many spells there are, every key's, as known now (after catching up)."""
        self.catch_up()
        return self._current


def _undated(bound: Moment | DateSet | End) -> bool:
    """Whether a bound has no date at all: not known, or in a year none of whose digits is given."""
    if isinstance(bound, End):
        return bound is End.UNKNOWN
    return isinstance(bound, Moment) and bound.month is None and set(bound.year) == {"X"}


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Hashed:
    """The parts of a saved state, hashed (SHA-256) as they are read."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self.digest = hashlib.sha256()
        self._parts = iter(parts)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        part = next(self._parts)
        self.digest.update(part)
        return part


def _unpack(
    meta: dict[str, Any], parts: Iterator[bytes]
) -> tuple[dict[str, array[int]], list[bytes]]:
    """The arrays (by name) and blobs a saved state's parts hold, as its description says."""
    pieces = parts
    columns: dict[str, array[int]] = {}
    swap = meta["byteorder"] != sys.byteorder
    for name, typecode, length, count in meta["arrays"]:
        if typecode not in _TYPECODES:
            raise ValueError(f"an array of unknown type {typecode!r}")
        column = array(typecode)
        for _ in range(count):
            column.frombytes(_take(pieces))
        if len(column) != length:
            raise ValueError(f"its array {name!r} is not as long as its description says")
        if swap:
            column.byteswap()
        columns[name] = column
    blobs = []
    for size, count in meta["blobs"]:
        blobs.append(b"".join([_take(pieces) for _ in range(count)]))
        if len(blobs[-1]) != size:
            raise ValueError("a part is not as long as its description says")
    if next(pieces, None) is not None:
        raise ValueError("it has more parts than its description says")
    return columns, blobs


def _take(pieces: Iterator[bytes]) -> bytes:
    part = next(pieces, None)
    if part is None:
        raise ValueError("it has fewer parts than its description says")
    return part
