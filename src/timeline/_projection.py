"""Projections: pure folds over the log, asked at a valid time and a known time."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import json
import operator
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, Literal, TypeVar

import pendulum

from ._codec import GENESIS_HASH
from ._collector import paused_collector
from ._corrections import _FIXES, fixes_of, hidden_ids, split_fixes
from ._errors import TimelineError, TimelineWarning
from ._logger import logger
from ._records import FIRST_POSITION, Record
from .stores._snapshots import load_sealed, seal
from .time import EAST, LATEST, WEST, micros, read_instant

if TYPE_CHECKING:
    from ._log import Log

__all__ = [
    "Begun",
    "Projection",
    "SnapshotIgnoredWarning",
    "View",
    "on",
    "project",
    "record_order",
    "replay",
    "visible",
]

S = TypeVar("S")
_F = TypeVar("_F", bound=Callable[..., Any])

#: Whether an event counts as begun by V when it only *may* have ("possibly",
#: the default: its earliest instant is not after V) or only when it surely
#: has ("surely": its latest instant is not after V).
Begun = Literal["possibly", "surely"]


_logger = logger


class SnapshotIgnoredWarning(TimelineWarning):
    """A saved snapshot was not used: another projection version, a checksum or head mismatch.

    The view replays the log instead, so the answer is that of a full replay;
    the reason is in the message and logged to the ``timeline`` logger.
    """


def marked_methods(cls: type, attribute: str) -> Iterator[tuple[str, Any]]:
    """Yield ``(name, mark)`` for methods of ``cls`` and its bases marked with ``attribute``.

    Subclasses come last, so their marks override their bases'.
    """
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            mark = getattr(member, attribute, None)
            if mark is not None:
                yield name, mark


def on(*event_types: type[Any]) -> Callable[[_F], _F]:
    """Mark a :class:`Projection` method as the handler of ``event_types``.

    The method takes ``(state, record)`` and returns the new state; it must
    not change ``state`` in place.
    """
    if not event_types:
        raise TypeError("on() needs at least one event type")

    def mark(method: _F) -> _F:
        method.__timeline_handles__ = event_types  # type: ignore[attr-defined]
        return method

    return mark


class Projection(Generic[S]):
    """A pure fold: an initial state and a handler per event type.

    Subclass it, define :meth:`initial`, and mark handlers with :func:`on`.
    Records of types without a handler leave the state as it is. Handlers
    must be pure: return a new state, never change the one given, and read
    nothing but the state and the record.

    Set :attr:`state_type` (a type cattrs can structure) to allow snapshots,
    and raise :attr:`version` whenever the handlers change meaning, so old
    snapshots are not trusted.

    >>> from timeline import Log, ManualClock, Registry, event
    >>> registry = Registry()
    >>> @event("example.strike", registry=registry)
    ... class Strike:
    ...     place: str
    >>> class Strikes(Projection[tuple[str, ...]]):
    ...     def initial(self) -> tuple[str, ...]:
    ...         return ()
    ...     @on(Strike)
    ...     def strike(self, state: tuple[str, ...], record: Record) -> tuple[str, ...]:
    ...         return (*state, record.event.place)
    >>> log = Log(clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    >>> _ = log.append(Strike(place="Kharkiv"), valid="2024-01-02")
    >>> _ = log.append(Strike(place="Zaporizhzhia"), valid="2023-12-30")
    >>> project(Strikes(), log)
    ('Zaporizhzhia', 'Kharkiv')
    """

    #: The type of the state, for snapshots; None means snapshots are not used.
    state_type: ClassVar[Any] = None
    #: Raise when handlers change meaning: snapshots of another version are ignored.
    version: ClassVar[int] = 1
    _handlers: ClassVar[dict[type[Any], str]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {
            event_type: name
            for name, event_types in marked_methods(cls, "__timeline_handles__")
            for event_type in event_types
        }

    @property
    def name(self) -> str:
        """The name snapshots are saved under: the class's module and qualname."""
        return f"{type(self).__module__}.{type(self).__qualname__}"

    def initial(self) -> S:
        """Return the state before any event."""
        raise NotImplementedError(f"{type(self).__qualname__} must define initial()")

    def handled_types(self) -> frozenset[type[Any]]:
        """The event classes this projection has handlers for."""
        return frozenset(self._handlers)

    def handles(self, record: Record) -> bool:
        """Return whether a handler exists for ``record``'s event."""
        return type(record.event) in self._handlers

    def bound_handlers(self) -> dict[type[Any], Callable[[S, Record], S]]:
        """This projection's handlers, bound, by event class: what a fold calls."""
        return {event_type: getattr(self, name) for event_type, name in self._handlers.items()}

    def apply(self, state: S, record: Record) -> S:
        """Return the state after ``record`` (unchanged if no handler takes it)."""
        name = self._handlers.get(type(record.event))
        if name is None:
            return state
        result: S = getattr(self, name)(state, record)
        return result


def record_order(record: Record) -> tuple[Any, ...]:
    """The order projections apply records in: valid time, then position."""
    return (*record.valid.extent.order, record.position)


def visible(records: Iterable[Record]) -> list[Record]:
    """Return the event records not hidden by retractions or corrections among them.

    The retraction and correction records themselves are left out too.
    """
    # One pass, and no second one when nothing was fixed (the common case).
    events, fixes = split_fixes(records)
    if not fixes:
        return events
    hidden = hidden_ids(fixes)
    return [record for record in events if record.id not in hidden]


def replay(
    projection: Projection[S],
    records: Iterable[Record],
    *,
    valid: dt.datetime | dt.date | str | None = None,
    begun: Begun = "possibly",
) -> S:
    """Fold ``records`` (already cut at a known time) from the initial state.

    Retractions and corrections among them are honoured; events that have
    not begun by ``valid`` are left out (all are kept when it is None); the
    rest are applied in :func:`record_order`. ``valid`` is an instant as
    :func:`~timeline.read_instant` reads it: a date or a time written without
    a zone is floating, and an event floating where ``valid`` is not (or the
    other way round) has possibly begun if it has at some UTC offset, surely
    if at every one.
    """
    handlers = projection.bound_handlers()
    # One pass: fixes aside, records no handler takes dropped, those that have
    # not begun by ``valid`` left out (at the end of time, everything has).
    cut = None if valid is None else _cut(valid, begun)
    # An event has possibly begun once its earliest start is reached, surely once
    # its latest start is; order[1] is the instant after that (exclusive).
    bound, slack = (0, 0) if begun == "possibly" else (1, 1)
    # Retractions and corrections are fixes, never handed to a handler.
    wanted = {kind: handler for kind, handler in handlers.items() if kind not in _FIX_TYPES}
    with paused_collector():
        groups, fixes, ascending = _grouped(records, wanted, cut, bound, slack)
        hidden = hidden_ids(fixes) if fixes else None
        state = projection.initial()
        only = next(iter(wanted.values())) if len(wanted) == 1 else None
        for order in sorted(groups):
            group = groups[order]
            if not ascending:
                group.sort(key=_position)
            if hidden is not None:
                group = [record for record in group if record.id not in hidden]
            if only is not None:  # one event type: no lookup per record
                for record in group:
                    state = only(state, record)
            else:
                for record in group:
                    state = wanted[type(record.event)](state, record)
    return state


class _Cut:
    """Where "begun by V" stops: at V for an event as floating as V, else by the offsets.

    An event's start ``t`` (microseconds, as its bounds keep it) has begun by
    V if ``t <= same`` when both are floating or both zoned, else if
    ``t <= other``. Every start at or before ``surely`` has begun either way,
    none after ``never`` has; only those between need the event's zone.
    """

    __slots__ = ("floating", "never", "other", "same", "surely")

    def __init__(self, at: int, *, floating: bool, possibly: bool) -> None:
        self.same, self.floating = at, floating
        # A floating start t is the instant t - o: possibly begun if it is by
        # V at UTC+14:00 (o = EAST), surely only if at UTC-12:00 (o = WEST).
        # A floating V is the instant at - o: a zoned start has possibly begun
        # if it has by V at UTC-12:00, surely if at UTC+14:00.
        if floating:
            self.other = at - (WEST if possibly else EAST)
        else:
            self.other = at + (EAST if possibly else WEST)
        self.surely, self.never = at - EAST, at + EAST

    def begun(self, record: Record, start: int) -> bool:
        floating = record.valid.extent.start.floating
        return start <= (self.same if floating is self.floating else self.other)


def _cut(valid: dt.datetime | dt.date | str, begun: Begun) -> _Cut | None:
    """The cut at ``valid``, or None at the end of time (everything has begun)."""
    at, floating = read_instant(valid)
    if not floating and at >= micros(LATEST):
        return None
    return _Cut(at, floating=floating, possibly=begun == "possibly")


def _grouped(
    records: Iterable[Record],
    wanted: dict[type[Any], Callable[[Any, Record], Any]],
    cut: _Cut | None,
    bound: int,
    slack: int,
) -> tuple[dict[tuple[int, int, int, int], list[Record]], list[tuple[Any, Any]], bool]:
    """One pass: records a handler takes, grouped by valid time; the fixes; whether ascending.

    Many records share a valid time (a day, a month), so a fold sorts the
    distinct times only, and each group stays in position order.
    """
    surely, never = (cut.surely, cut.never) if cut is not None else (0, 0)
    groups: dict[tuple[int, int, int, int], list[Record]] = {}
    find = groups.get
    fixes: list[tuple[Any, Any]] = []
    last, ascending = FIRST_POSITION - 1, True
    for record in records:
        position = record.position
        if position <= last:
            ascending = False
        last = position
        kind = type(record.event)
        if kind in wanted:
            order = record.valid.extent.order
            if (
                cut is not None
                and (start := order[bound] - slack) > surely
                and (start > never or not cut.begun(record, start))
            ):
                continue  # not begun by V
            group = find(order)
            if group is None:
                groups[order] = [record]
            else:
                group.append(record)
        elif kind in _FIX_TYPES:
            fixes.append((record.id, record.event.record))
    return groups, fixes, ascending


def project(
    projection: Projection[S],
    log: Log,
    *,
    valid: dt.datetime | dt.date | str | None = None,
    known: dt.datetime | dt.date | str | None = None,
    begun: Begun = "possibly",
) -> S:
    """Return the projection's state at valid time ``valid`` as known at ``known``.

    Only records known at or before ``known`` are read (a prefix of the log);
    of those, only events that have begun by ``valid`` are applied, in
    valid-time order with ties by position. Both default to now.

    Args:
        projection: The fold.
        log: The log to read.
        valid: The valid time V; now by default. Pass :data:`~timeline.LATEST`
            for every event whatever its valid time.
        known: The known time T; now by default.
        begun: Whether an event counts once it *possibly* or only once it
            *surely* has begun by V.
    """
    at = pendulum.now("UTC") if valid is None else valid
    known_at = pendulum.now("UTC") if known is None else known
    records = log.read(known=known_at, types=read_types(projection, log))
    return replay(projection, records, valid=at, begun=begun)


def read_types(projection: Projection[Any], log: Log) -> list[str]:
    """The type names a fold over ``log`` reads: those ``projection`` handles, and the fixes.

    Records of any other type are never decoded, so a type the projection
    does not handle (or that this process never imported) cannot break it.
    """
    handled = projection.handled_types()
    return [entry.name for entry in log.registry if entry.cls in handled or entry.cls in _FIXES]


class View(Generic[S]):
    """A projection kept up to date with a log: it reads only new records.

    The view folds every visible record, whatever its valid time, in
    valid-time order. When a new record sorts before records already applied
    (a late-discovered old event), or a retraction hides one, the view
    re-folds from the nearest checkpoint before it -- a state it saved every
    ``checkpoint_every`` records -- so its state always equals a full replay.

    Args:
        projection: The fold.
        log: The log to follow.
        checkpoint_every: How many records between saved states.
    """

    def __init__(self, projection: Projection[S], log: Log, *, checkpoint_every: int = 256) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self.projection = projection
        self.log = log
        self._every = checkpoint_every
        self._position = FIRST_POSITION - 1
        self._records: dict[int, Record] = {}  # every event record seen, by id (as an int)
        self._fixes: list[tuple[Any, Any]] = []  # (fix id, target id), in log order
        self._hidden: set[Any] = set()
        self._keys: list[_Key] = []  # applied, in record_order (as _key gives it)
        self._applied: list[Record] = []
        self._checkpoints: list[S] = [projection.initial()]  # state after i * every records
        self._state: S = projection.initial()
        # After a restore, the records behind the snapshot are not loaded:
        # the horizon is the largest order key the snapshot had applied.
        self._restored: tuple[Any, ...] | None = None
        self._handlers = projection.bound_handlers()

    @property
    def state(self) -> S:
        """The folded state as of the last catch-up."""
        return self._state

    @property
    def position(self) -> int:
        """The last log position this view has read."""
        return self._position

    def catch_up(self) -> int:
        """Read the records appended since the last call and apply them; return how many.

        As :meth:`TemporalFacts.catch_up <timeline.TemporalFacts.catch_up>`
        returns it; the folded state is :attr:`state`.
        """
        before = self._position
        with paused_collector():
            self._catch_up()
        return self._position - before

    def follow(self, *, idle: float | None = None) -> Iterator[int]:
        """Catch up now, then each time other appends arrive; yield the position reached.

        As :meth:`TemporalFacts.follow <timeline.TemporalFacts.follow>` does:
        read :attr:`state` between steps. Waits for the log without polling
        where its store can be woken (PostgreSQL; see
        :meth:`~timeline.Log.wait`). Ends once ``idle`` seconds pass with
        nothing new (None: follows until the caller stops).
        """
        self.catch_up()
        yield self._position
        while self.log.wait(self._position, timeout=idle) > self._position:
            self.catch_up()
            yield self._position

    def _catch_up(self) -> S:
        head = self.log.last_position
        if head <= self._position:
            return self._state
        types = read_types(self.projection, self.log)
        new = list(self.log.read(self._position + 1, stop=head + 1, types=types))
        self._position = head
        if not new:
            return self._state
        events, fixes = split_fixes(new)
        # By the id's integer: a UUID hashes in Python, an int in C.
        self._records.update(zip(map(_id_int, events), events, strict=True))
        self._fixes.extend(fixes)
        hidden = hidden_ids(self._fixes) if fixes else self._hidden
        changed = (hidden ^ self._hidden) if fixes else set()
        self._hidden = hidden
        if self._restored is not None:
            keys = [_key(r) for r in events]
            if changed or any(key < self._restored for key in keys):
                self._rebuild()
                return self._state
            for record in sorted(events, key=_key):
                if record.id not in hidden:
                    self._state = self.projection.apply(self._state, record)
            self._restored = max([self._restored, *keys])
            return self._state
        arriving = [r for r in events if r.id not in hidden] if hidden else events
        records = self._records
        leaving = [records[i.int] for i in changed & hidden if i.int in records]
        returning = [records[i.int] for i in changed - hidden if i.int in records]
        self._merge([*arriving, *returning], leaving)
        return self._state

    def _merge(self, adding: Sequence[Record], removing: Sequence[Record]) -> None:
        if not adding and not removing:
            return
        add_keys = _in_order(adding)
        gone = {_key(r) for r in removing}
        # The first place that changes: where the smallest key goes (add_keys is sorted).
        lowest = [add_keys[0][0]] if add_keys else []
        first = min(bisect.bisect_left(self._keys, key) for key in [*lowest, *gone])
        if first == len(self._keys) and not gone:
            # Everything new sorts after what was applied: fold on from the state.
            start, state, tail = first, self._state, add_keys
        else:
            base = first // self._every
            start = base * self._every
            kept = zip(self._keys[start:], self._applied[start:], strict=True)
            # Both runs are in order already: merge them, in one pass.
            tail = list(
                heapq.merge([(k, r) for k, r in kept if k not in gone], add_keys, key=_first)
            )
            del self._keys[start:], self._applied[start:], self._checkpoints[base + 1 :]
            state = self._checkpoints[base]
        handlers, checkpoints, every = self._handlers, self._checkpoints, self._every
        self._keys.extend(map(_first, tail))
        self._applied.extend(map(_second, tail))
        # A state is kept each time the count of applied records reaches a
        # multiple of ``every``: fold chunk by chunk up to each.
        count, index = start, 0
        while index < len(tail):
            chunk = tail[index : index + every - count % every]
            for _, record in chunk:
                handler = handlers.get(type(record.event))
                if handler is not None:
                    state = handler(state, record)
            index, count = index + len(chunk), count + len(chunk)
            if count % every == 0:
                checkpoints.append(state)
        self._state = state

    def _rebuild(self) -> None:
        """Forget the restored snapshot and fold everything from the log."""
        _logger.info("%s: replaying the log to position %d", self.projection.name, self._position)
        self._restored = None
        self._records.clear()
        self._fixes.clear()
        self._keys.clear()
        self._applied.clear()
        self._checkpoints = [self.projection.initial()]
        types = read_types(self.projection, self.log)
        every = list(self.log.read(stop=self._position + 1, types=types))
        self._fixes = fixes_of(every)
        self._hidden = hidden_ids(self._fixes)
        for record in every:
            if not isinstance(record.event, _FIXES):
                self._records[record.id.int] = record
        shown = [r for r in self._records.values() if r.id not in self._hidden]
        self._state = self.projection.initial()
        self._merge(shown, [])

    # -- snapshots -------------------------------------------------------------

    def save_snapshot(self) -> bool:
        """Save the state and position through the log's store; return whether it was written.

        As :meth:`TemporalFacts.save_snapshot <timeline.TemporalFacts.save_snapshot>`
        returns it: a view's snapshot always replaces the one saved before, so True.

        Raises:
            TimelineError: The projection has no :attr:`Projection.state_type`.
        """
        if self.projection.state_type is None:
            raise TimelineError(f"{self.projection.name} has no state_type: cannot snapshot")
        converter = self.log.codec.converter
        horizon = (
            self._restored
            if self._restored is not None
            else (self._keys[-1] if self._keys else None)
        )
        body = {
            "version": self.projection.version,
            "state": converter.unstructure(self._state, self.projection.state_type),
            "horizon": None if horizon is None else _encode_key(horizon),
            "fixes": [[str(fix), str(target)] for fix, target in self._fixes],
        }
        built_on = GENESIS_HASH
        if self._position >= FIRST_POSITION:
            last = self.log.store.read(self._position, stop=self._position + 1)
            built_on = next(iter(last)).hash
        self.log.store.save_snapshot(
            self.projection.name, self._position, seal(json.dumps(body), built_on=built_on)
        )
        return True

    @classmethod
    def from_snapshot(
        cls, projection: Projection[S], log: Log, *, checkpoint_every: int = 256
    ) -> View[S]:
        """Start a view from the last snapshot saved for ``projection``, if any.

        The view then catches up with the tail. Should the tail hold a record
        that sorts before what the snapshot applied, or fix a record the
        snapshot saw, the view replays the log in full: the answer is always
        that of a full replay.
        """
        view = cls(projection, log, checkpoint_every=checkpoint_every)
        sealed = load_sealed(log.store, projection.name)
        if sealed is None:
            return view
        problem = sealed.problem
        if problem is None:
            body = json.loads(sealed.state)
            if body.get("version") != projection.version or projection.state_type is None:
                problem = f"it is of version {body.get('version')}, not {projection.version}"
            else:
                try:
                    horizon = None if body["horizon"] is None else _decode_key(body["horizon"])
                except (KeyError, TypeError, ValueError) as error:
                    problem = f"it was written by another version of the library ({error})"
        if problem is not None:
            message = f"snapshot of {projection.name} not used: {problem}; replaying the log"
            _logger.warning(message)
            warnings.warn(message, SnapshotIgnoredWarning, stacklevel=2)
            return view
        position = sealed.position
        view._state = log.codec.converter.structure(body["state"], projection.state_type)
        view._position = position
        view._restored = () if horizon is None else horizon
        view._fixes = [(uuid.UUID(fix), uuid.UUID(target)) for fix, target in body["fixes"]]
        view._hidden = hidden_ids(view._fixes)
        return view


# A view's order key: record_order's, as integers (microseconds), nested: cheaper
# to build and to compare, and the same order.
_Key = tuple[tuple[int, int, int, int], int]


_FIX_TYPES: Final = frozenset(_FIXES)  # for the exact type of an event
_position = operator.attrgetter("position")


def _key(record: Record) -> _Key:
    return (record.valid.extent.order, record.position)


def _in_order(records: Sequence[Record]) -> list[tuple[_Key, Record]]:
    """Records with their keys, in key order, sorting only their distinct valid times."""
    groups: dict[tuple[int, int, int, int], list[Record]] = {}
    find = groups.get
    last, ascending = FIRST_POSITION - 1, True
    for record in records:
        if record.position <= last:
            ascending = False
        last = record.position
        order = record.valid.extent.order
        group = find(order)
        if group is None:
            groups[order] = [record]
        else:
            group.append(record)
    keyed: list[tuple[_Key, Record]] = []
    for order in sorted(groups):
        group = groups[order]
        if not ascending:
            group.sort(key=_position)
        keyed.extend(((order, record.position), record) for record in group)
    return keyed


_first: Final[Callable[[tuple[_Key, Record]], _Key]] = operator.itemgetter(0)
_second: Final[Callable[[tuple[_Key, Record]], Record]] = operator.itemgetter(1)
_id_int: Final[Callable[[Record], int]] = operator.attrgetter("id.int")


def _encode_key(key: _Key) -> list[Any]:
    order, position = key
    return [list(order), position]


def _decode_key(data: list[Any]) -> _Key:
    order, position = data
    if not (isinstance(order, list) and len(order) == 4 and isinstance(position, int)):
        raise ValueError(f"not a view's order key: {data!r}")
    return (tuple(int(part) for part in order), position)  # type: ignore[return-value]
