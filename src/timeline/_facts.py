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

import datetime as dt
import functools
import html
import logging
import operator
import types
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, overload

import attrs
import pendulum

from ._answer import Answer
from ._corrections import fixes_of, hidden_ids
from ._edtf import format_edtf
from ._index import IntervalIndex
from ._projection import marked_methods, record_order
from ._records import FIRST_POSITION, Record
from ._time import End, Extent, Interval, Moment, Question, QuestionLike, to_instant
from ._time import micros as _micros

if TYPE_CHECKING:
    from ._log import Log

__all__ = [
    "Change",
    "Conflict",
    "History",
    "Hit",
    "InForce",
    "Spell",
    "TemporalFacts",
    "Transition",
    "amends",
    "ends",
    "starts",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_logger = logging.getLogger("timeline")
_Role = Literal["start", "amend", "end"]
_NEVER = 1 << 62


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


def _marker(role: _Role) -> Callable[..., Callable[[_F], _F]]:
    def decorator(*event_types: type[Any]) -> Callable[[_F], _F]:
        if not event_types:
            raise TypeError(f"{role}s() needs at least one event type")

        def mark(method: _F) -> _F:
            method.__timeline_fact__ = (role, event_types)  # type: ignore[attr-defined]
            return method

        return mark

    return decorator


starts = _marker("start")
starts.__doc__ = """Mark a :class:`TemporalFacts` method: these events start a fact.

The method takes the record and returns a :class:`Change` (or a key). A start
whose valid time is an interval also gives the fact's end.
"""
amends = _marker("amend")
amends.__doc__ = """Mark a :class:`TemporalFacts` method: these events amend a fact's attributes."""
ends = _marker("end")
ends.__doc__ = (
    """Mark a :class:`TemporalFacts` method: these events end a fact (lifted, expired)."""
)


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
    start: Moment | End
    end: Moment | End
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


@attrs.frozen
class Hit:
    """A spell that is (or may be) in force, with the answer."""

    spell: Spell
    answer: Answer
    # Where it sorts: by key, then by its spell's first record. Kept, so that
    # sorting many hits compares tuples rather than calling Python per hit.
    _order: tuple[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        first = self.spell.records[0].position if self.spell.records else 0
        object.__setattr__(self, "_order", (self.spell.key, first))

    @property
    def key(self) -> str:
        """The fact's key."""
        return self.spell.key


_hit_order = operator.attrgetter("_order")


class InForce(Sequence[Hit]):
    """The spells in force (yes or maybe) at one instant or in one window.

    A read-only sequence of :class:`Hit` in key order (then by the position
    of each spell's first record), so the same records give the same
    sequence however the facts were caught up. Finding the k hits among n
    spells costs O(log n + k); putting them in key order costs O(k log k)
    more, paid once, when the order is first needed: ``len()``, ``in`` and
    :meth:`answer` do without it.

    It equals another :class:`InForce`, list or tuple holding the same hits
    in the same order.

    >>> InForce([]).answer("anything")
    <Answer.NO: 'no'>
    """

    __slots__ = ("_hits", "_sorted")

    def __init__(self, hits: Iterable[Hit]) -> None:
        self._hits = list(hits)
        self._sorted = False

    @classmethod
    def _owning(cls, hits: list[Hit]) -> InForce:
        """Wrap a list nothing else holds, without copying it."""
        made = cls.__new__(cls)
        made._hits = hits  # noqa: SLF001 -- initialising a new instance of this class
        made._sorted = False  # noqa: SLF001 -- as above
        return made

    def _ordered(self) -> list[Hit]:
        if not self._sorted:
            self._hits.sort(key=_hit_order)
            self._sorted = True
        return self._hits

    def __len__(self) -> int:
        return len(self._hits)

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        """The hit at ``index`` (or a list of those in a slice), in key order."""
        return self._ordered()[index]

    def __iter__(self) -> Iterator[Hit]:
        return iter(self._ordered())

    def __contains__(self, value: object) -> bool:
        return value in self._hits

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InForce):
            return len(self) == len(other) and self._ordered() == other._ordered()
        if isinstance(other, (list, tuple)):
            return len(self) == len(other) and self._ordered() == list(other)
        return NotImplemented

    # Equal to lists, so unhashable as they are.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # A summary, not every spell: an answer may hold thousands.
        yes = sum(hit.answer is Answer.YES for hit in self._hits)
        keys = self.keys()
        shown = ", ".join(keys[:3]) + (f", … ({len(keys) - 3} more)" if len(keys) > 3 else "")
        return (
            f"<InForce: {len(self._hits)} hits ({yes} yes, {len(self._hits) - yes} maybe)"
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
        return sorted({hit.spell.key for hit in self._hits})

    def answer(self, key: str) -> Answer:
        """Answer "is the fact ``key`` in force?": yes if one of its spells surely is."""
        found = Answer.NO
        for hit in self._hits:
            if hit.spell.key == key:
                if hit.answer is Answer.YES:
                    return Answer.YES
                found = Answer.MAYBE
        return found


def _hit_cells(hit: Hit) -> tuple[str, ...]:
    sources = []
    for record in hit.spell.records:
        name = record.provenance.speaker or record.provenance.source or f"#{record.position}"
        if name not in sources:
            sources.append(name)
    return (
        hit.answer.value,
        hit.key,
        str(hit.spell.start) if isinstance(hit.spell.start, Moment) else "..",
        str(hit.spell.end) if isinstance(hit.spell.end, Moment) else "..",
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
class Transition:
    """A spell that starts or ends within a window of valid time."""

    spell: Spell
    kind: Literal["started", "ended"]
    answer: Answer

    @property
    def key(self) -> str:
        """The fact's key."""
        return self.spell.key


def _ends_of(record: Record) -> tuple[Moment | End, Moment | End]:
    valid = record.valid
    if isinstance(valid, Interval):
        return valid.start, valid.end
    return valid, End.OPEN


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
            if isinstance(stop, Moment):
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
        isinstance(spell["end"], Moment)
        and start is not End.OPEN
        and Interval(start, End.OPEN).extent.start.earliest >= spell["end"].bounds().earliest
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
            "ends": [(end, record)] if isinstance(end, Moment) else [],
        }
        spells.append(spell)
        current[change.fact] = spell
        return
    assert spell is not None  # noqa: S101 -- reopen is True when it is None
    # A further source for the fact in force: kept, and where it disagrees, listed.
    spell["records"].append(record)
    spell["starts"].append((start, record))
    if isinstance(end, Moment):
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
    open_ = [s for s in current.values() if not isinstance(s["end"], Moment)]
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
    for name in ("start", "end"):
        dated = spell[f"{name}s"]
        if len({format_edtf(moment) for moment, _ in dated if isinstance(moment, Moment)}) > 1:
            conflicts.append(Conflict(name, tuple(dated)))
    return Spell(
        key=key,
        start=spell["start"],
        end=spell["end"],
        attributes=spell["attributes"],
        records=tuple(spell["records"]),
        conflicts=tuple(conflicts),
        fact=spell["fact"],
    )


class _Filed:
    """One spell as the indexes hold it: its bounds as integers, its answers made.

    A spell is in force at some instant of a window ``[low, high)`` surely
    when ``max(yes_from, low) < min(yes_until, high)`` and possibly when it
    meets the window at all (``Extent.during`` in microseconds). Its two
    possible hits are built once here, so answering costs no new objects.
    """

    __slots__ = ("known_from", "maybe", "maybe_after", "spell", "yes", "yes_from", "yes_until")

    def __init__(self, spell: Spell, known_from: int) -> None:
        extent = spell.extent
        self.spell = spell
        self.known_from = known_from
        self.yes_from = _micros(extent.start.last)
        self.yes_until = _micros(extent.end.earliest)
        self.yes = Hit(spell, Answer.YES)
        self.maybe = Hit(spell, Answer.MAYBE)
        # An index knows its values by identity: the maybe after the yes is
        # filed as an object of its own.
        self.maybe_after = Hit(spell, Answer.MAYBE)


class _Axis:
    """Intervals of one kind (spans, starts or ends), current and past.

    Changes are queued and filed by :meth:`flush`, once per catch-up: one
    batch makes one level of the index, however many known times it spans.
    """

    def __init__(self) -> None:
        self.current: IntervalIndex[_Filed] = IntervalIndex()
        self.past: IntervalIndex[tuple[_Filed, int]] = IntervalIndex()
        self._adding: dict[int, tuple[int, int, _Filed]] = {}  # by id of the _Filed
        self._closing: list[tuple[int, int, tuple[_Filed, int]]] = []

    def add(self, low: int, high: int, filed: _Filed) -> None:
        """Queue a current entry."""
        self._adding[id(filed)] = (low, high, filed)

    def close(self, low: int, high: int, filed: _Filed, known_to: int) -> None:
        """Move a current entry to the past, known until ``known_to``."""
        if self._adding.pop(id(filed), None) is None:
            self.current.remove(id(filed))  # an index's handle is its value's id
        if filed.known_from < known_to:
            self._closing.append((low, high, (filed, known_to)))

    def flush(self) -> None:
        """File what was queued, in one batch per index."""
        if self._adding:
            self.current.extend(list(self._adding.values()))
            self._adding = {}
        if self._closing:
            self.past.extend(self._closing)
            self._closing = []

    def query(self, low: int, high: int, known: int, latest: int) -> list[_Filed]:
        """The spells meeting ``[low, high)`` as known at ``known``, in no set order."""
        found = self.current.overlapping(low, high)
        if known < latest:
            found = [filed for filed in found if filed.known_from <= known]
            found.extend(
                filed
                for filed, known_to in self.past.overlapping(low, high)
                if filed.known_from <= known < known_to
            )
        return found


class _Pieces:
    """The current spells cut where their answer changes, for "in force at V".

    A spell may be in force from its earliest start to its latest end, and
    surely is from its latest start to its earliest end: three pieces, each
    filed with its ready-made hit (maybe, yes, maybe). An instant lies in at
    most one piece of each spell, so the pieces containing it are the answer,
    with no step per spell beyond copying it out of the index.
    """

    def __init__(self) -> None:
        self.index: IntervalIndex[Hit] = IntervalIndex()
        self._adding: dict[int, list[tuple[int, int, Hit]]] = {}  # by id of the _Filed

    def add(self, filed: _Filed, low: int, high: int) -> None:
        """Queue the pieces of a spell filed under ``[low, high)``."""
        yes_from = min(max(filed.yes_from, low), high)
        yes_until = max(min(filed.yes_until, high), yes_from)
        self._adding[id(filed)] = [
            (low, yes_from, filed.maybe),
            (yes_from, yes_until, filed.yes),
            (yes_until, high, filed.maybe_after),
        ]

    def remove(self, filed: _Filed) -> None:
        """Forget a spell's pieces (it is no longer current)."""
        if self._adding.pop(id(filed), None) is not None:
            return
        for value in (filed.maybe, filed.yes, filed.maybe_after):
            self.index.remove(id(value))  # an index's handle is its value's id

    def flush(self) -> None:
        """File what was queued."""
        if self._adding:
            self.index.extend([piece for pieces in self._adding.values() for piece in pieces])
            self._adding = {}

    def at(self, instant: int) -> list[Hit]:
        """The hits of the spells in force (yes or maybe) at ``instant``."""
        return self.index.containing(instant)


class TemporalFacts:
    """Keyed facts that hold over intervals, kept up to date with a log.

    Subclass it and mark methods with :func:`starts`, :func:`amends` and
    :func:`ends`; each takes a record and returns a :class:`Change` (or just
    a key). Then :meth:`catch_up` and ask.

    Reconciliation rule, when sources disagree about one key: every record is
    kept. A start while the fact is already in force is a further source for
    the same spell; where it gives an attribute another value, the value of
    the earliest record (valid-time order, then position) is used and the
    others are listed in :attr:`Spell.conflicts`. An amendment replaces
    values from its valid time on. An end closes the spell in force; a later
    end of a closed spell is kept among its records. An amendment or end with
    nothing in force is listed in :meth:`unmatched`.

    Args:
        log: The log to follow.
    """

    _rules: ClassVar[dict[type[Any], tuple[_Role, str]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._rules = {
            event_type: (role, name)
            for name, (role, event_types) in marked_methods(cls, "__timeline_fact__")
            for event_type in event_types
        }

    def __init__(self, log: Log) -> None:
        self.log = log
        self._position = FIRST_POSITION - 1
        self._latest = 0  # the last known time read, in microseconds
        self._items: dict[str, dict[uuid.UUID, tuple[_Role, Change, Record]]] = {}
        self._key_of: dict[uuid.UUID, str] = {}
        self._fixes: list[tuple[uuid.UUID, uuid.UUID]] = []
        self._hidden: set[uuid.UUID] = set()
        self._versions: dict[str, list[tuple[pendulum.DateTime, tuple[Spell, ...]]]] = {}
        self._filed: dict[str, list[tuple[_Filed, list[tuple[_Axis, int, int]]]]] = {}
        self._spans = _Axis()
        self._starts = _Axis()
        self._ends = _Axis()
        self._pieces = _Pieces()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} read to position {self._position} of {self.log!r}>"

    # -- reading the log ---------------------------------------------------------

    @property
    def position(self) -> int:
        """The last log position read."""
        return self._position

    def catch_up(self) -> int:
        """Read the records appended since the last call; return how many were read."""
        new = list(self.log.read(self._position + 1))
        batch: list[Record] = []
        for record in new:
            if batch and record.known_at != batch[0].known_at:
                self._absorb(batch)
                batch = []
            batch.append(record)
        if batch:
            self._absorb(batch)
        for axis in (self._spans, self._starts, self._ends):
            axis.flush()
        self._pieces.flush()
        if new:
            self._position = new[-1].position
            _logger.debug(
                "%s caught up: %d records, to position %d",
                type(self).__name__,
                len(new),
                self._position,
            )
        return len(new)

    def _change(self, record: Record) -> tuple[_Role, Change] | None:
        rule = self._rules.get(type(record.event))
        if rule is None:
            return None
        role, name = rule
        change = getattr(self, name)(record)
        if change is None:
            return None
        return role, change if isinstance(change, Change) else Change(str(change))

    def _absorb(self, batch: Sequence[Record]) -> None:
        """Take records that share one known time."""
        touched: set[str] = set()
        fixes = fixes_of(batch)
        for record in batch:
            found = self._change(record)
            if found is None:
                continue
            role, change = found
            self._items.setdefault(change.key, {})[record.id] = (role, change, record)
            self._key_of[record.id] = change.key
            touched.add(change.key)
        if fixes:
            self._fixes.extend(fixes)
            hidden = hidden_ids(self._fixes)
            for record_id in hidden ^ self._hidden:
                if record_id in self._key_of:
                    touched.add(self._key_of[record_id])
            self._hidden = hidden
        known = batch[0].known_at
        self._latest = _micros(known)
        for key in sorted(touched):
            self._refile(key, known)

    def _refile(self, key: str, known: pendulum.DateTime) -> None:
        items = [item for rid, item in self._items[key].items() if rid not in self._hidden]
        spells = _build_spells(key, items)
        versions = self._versions.setdefault(key, [])
        if versions and versions[-1][1] == spells:
            return
        versions.append((known, spells))
        now = _micros(known)
        # Spells that did not change keep their entries (and known-from time);
        # the others are closed at this known time and their successors filed.
        keep = []
        for filed, handles in self._filed.get(key, []):
            if filed.spell in spells:
                keep.append((filed, handles))
                continue
            for axis, low, high in handles:
                axis.close(low, high, filed, now)
            self._pieces.remove(filed)
        kept = [filed.spell for filed, _ in keep]
        keep.extend(self._file(_Filed(spell, now)) for spell in spells if spell not in kept)
        self._filed[key] = keep

    def _file(self, filed: _Filed) -> tuple[_Filed, list[tuple[_Axis, int, int]]]:
        # Spans are filed exactly where the spell may be in force: from the
        # earliest start to the latest end (exclusive), so whatever a question
        # finds is yes or maybe, never no.
        extent = filed.spell.extent
        axes = [
            (self._spans, _micros(extent.start.earliest), _micros(extent.end.last)),
            (self._starts, _micros(extent.start.earliest), _micros(extent.start.last) + 1),
        ]
        if isinstance(filed.spell.end, Moment):
            axes.append((self._ends, _micros(extent.end.earliest), _micros(extent.end.last) + 1))
        for axis, low, high in axes:
            axis.add(low, high, filed)
        self._pieces.add(filed, axes[0][1], axes[0][2])
        return filed, axes

    # -- questions -----------------------------------------------------------------

    def _known(self, known: dt.datetime | str | None) -> int:
        return _NEVER if known is None else _micros(to_instant(known))

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
        low, high = _micros(asked.start), _micros(asked.end)
        limit = self._known(known)
        if asked.instant and limit >= self._latest:
            return InForce._owning(  # noqa: SLF001 -- this module's own helper
                self._pieces.at(low)
            )
        return self._hits(low, high, limit, exact=asked.exact)

    def during(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
    ) -> InForce:
        """Return the spells in force (yes or maybe) at any time in ``[start, end)``.

        Catches up with the log first. ``start`` and ``end`` are instants (a
        date is its first instant).
        """
        self.catch_up()
        low, high = _micros(to_instant(start)), _micros(to_instant(end))
        return self._hits(low, high, self._known(known))

    def _hits(self, start: int, end: int, known: int, *, exact: bool = True) -> InForce:
        """Spells in force at some instant of ``[start, end)``, in microseconds.

        For a question that may mean several periods (not ``exact``), yes
        only where the spell surely holds across the whole window.
        """
        if start >= end:
            return InForce([])
        found = self._spans.query(start, end, known, self._latest)
        if not exact:
            return InForce._owning(  # noqa: SLF001 -- this module's own helper
                [
                    filed.yes if filed.yes_from <= start and end <= filed.yes_until else filed.maybe
                    for filed in found
                ]
            )
        return InForce._owning(  # noqa: SLF001 -- this module's own helper
            [
                filed.yes if max(filed.yes_from, start) < min(filed.yes_until, end) else filed.maybe
                for filed in found
            ]
        )

    def changes(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
    ) -> list[Transition]:
        """Return the spells that start or end (surely or maybe) within ``[start, end)``.

        Catches up with the log first.
        """
        self.catch_up()
        low, high = to_instant(start), to_instant(end)
        window = (_micros(low), _micros(high))
        found: list[Transition] = []
        for axis, kind in ((self._starts, "started"), (self._ends, "ended")):
            for filed in axis.query(*window, self._known(known), self._latest):
                spell = filed.spell
                bounds = spell.extent.start if kind == "started" else spell.extent.end
                inside = low <= bounds.earliest and bounds.last < high
                answer = Answer.YES if inside else Answer.MAYBE
                found.append(Transition(spell, kind, answer))  # type: ignore[arg-type]
        return sorted(found, key=lambda t: (t.key, t.kind, t.spell.records[0].position))

    def history(self, key: str, *, known: dt.datetime | str | None = None) -> tuple[Spell, ...]:
        """Return the spells of ``key`` as known at ``known`` (by default, now).

        Catches up with the log first.
        """
        self.catch_up()
        return self._history(key, None if known is None else to_instant(known))

    def _history(self, key: str, limit: dt.datetime | None) -> History:
        """The spells of ``key`` as known at ``limit`` (None: now), without catching up."""
        chosen: tuple[Spell, ...] = ()
        for known_at, spells in self._versions.get(key, []):
            if limit is not None and known_at > limit:
                break
            chosen = spells
        return History(chosen)

    def versions(self, key: str) -> list[tuple[pendulum.DateTime, tuple[Spell, ...]]]:
        """Return how the history of ``key`` looked from each known time on (after catching up)."""
        self.catch_up()
        return list(self._versions.get(key, []))

    def keys(self) -> list[str]:
        """Return every key seen, sorted (after catching up)."""
        self.catch_up()
        return sorted(self._versions)

    def unmatched(self, *, known: dt.datetime | str | None = None) -> list[Record]:
        """Return amendments and ends that found nothing in force, as known at ``known``.

        Catches up with the log first.
        """
        self.catch_up()
        found = []
        limit_at = None if known is None else to_instant(known)
        limit = self._known(known)
        for key in sorted(self._versions):  # caught up once, above
            used = {r.id for spell in self._history(key, limit_at) for r in spell.records}
            for rid, (_, _, record) in self._items[key].items():
                if rid in used or rid in self._hidden or _micros(record.known_at) > limit:
                    continue
                found.append(record)
        return sorted(found, key=lambda record: record.position)

    def __len__(self) -> int:
        """How many spells there are, every key's, as known now (after catching up)."""
        self.catch_up()
        return sum(len(self._history(key, None)) for key in self._versions)
