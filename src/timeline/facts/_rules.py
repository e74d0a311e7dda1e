"""How a fact's handlers are marked: a start, an amendment or an end of a key.

A :class:`TemporalFacts` subclass marks methods with :func:`starts`,
:func:`amends` and :func:`ends`, or assigns a :class:`FieldRule` where the key
and attributes are event fields; each handler makes a :class:`Change`.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal, TypeVar, overload

import attrs

from timeline._records import Record

_F = TypeVar("_F", bound=Callable[..., Any])


_Role = Literal["start", "amend", "end"]


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
