"""The fast lanes of a catch-up: records taken in a batch, field rules read as rows.

:class:`_Batch` gathers what one catch-up reads; :class:`_FieldLane` reads a
:class:`FieldRule`'s key, attributes and valid time straight from a SQL
store's row without decoding the event; :func:`_simple` files a new key's
plain spell without building it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Final, TypeVar

from timeline._codec import Codec
from timeline._records import Record
from timeline.time import FLOATING, End, Interval, Moment, ValidTime

from ._rows import _ALL_FLOATING, _ALL_ZONED, _FLOATING_END, _FLOATING_START
from ._rules import Change, FieldRule, _Role
from ._zones import _Zoning

_Item = TypeVar("_Item")


def _open_end() -> tuple[int, int]:
    """Where an open end lies, in microseconds: its earliest and last instants."""
    end = Interval(Moment.parse("2000"), End.OPEN).extent.end
    return end.low, end.top


_OPEN_END = _open_end()


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

    __slots__ = ("key", "reader", "role", "zoning")

    def __init__(self, rule: FieldRule, reader: Callable[[str], Any], zoning: _Zoning) -> None:
        self.role = rule.role
        self.reader = reader
        self.zoning = zoning
        # Only the key: the spell of a new key's rows is filed from its dates and
        # positions, and any other is built from its records, read the long way.
        self.key = operator.attrgetter(rule.key)

    def read(
        self, codec: Codec, text: str, valids: dict[tuple[str, str], _Valid]
    ) -> tuple[str | None, _Valid] | None:
        """The key (None: no fact) and valid time of a body; None where the long way must read it.

        The body is read as the codec reads it on its fast path -- each
        field exactly its type, the version current, the provenance and valid
        time checked -- so a body this takes decodes the long way to a record
        that gives the same. Its floating dates are read in the zone its
        rules give it, as :meth:`_Zoning.valid` reads a record's.
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
            zone = self.zoning.zone_of_raw(raw_provenance)
            valid = valids.get((raw_valid, zone))
            if valid is None:
                read = self.zoning.read(codec.read_valid(raw_valid), zone)
                valid = valids[raw_valid, zone] = _valid_parts(read)
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
