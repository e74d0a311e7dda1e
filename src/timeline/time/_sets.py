"""Sets of dates: one of several dates, or all of them (EDTF's [..] and {..})."""

from __future__ import annotations

import functools

import attrs
import pendulum

from timeline._answer import Answer
from timeline._errors import InvalidValidTimeError

from . import _late
from ._bounds import DEFAULT_PADDING, Bounds, Padding, _values, across_offsets
from ._calendar import CEIL, FLOATING, FLOOR
from ._moment import Moment, _parse_as, _repr_args
from ._question import Extent, Question, QuestionLike

__all__ = ["DateRange", "DateSet"]


def _member_validator(
    _instance: object, _attribute: attrs.Attribute[Moment | None], value: object
) -> None:
    if value is not None and not isinstance(value, Moment):
        raise InvalidValidTimeError(f"a range's ends are Moments or None, not {value!r}")


@attrs.frozen(repr=False)
class DateRange:
    """A run of dates in a set, both ends included: ``1670..1672``, ``..1760-12-03``, ``1760-12..``.

    ``None`` leaves that side open ("on or before", "on or after"). In a
    one-of set the value is one date within the range; in an all-of set it
    is every instant between its ends.
    """

    first: Moment | None = attrs.field(validator=_member_validator)
    last: Moment | None = attrs.field(validator=_member_validator)

    def __attrs_post_init__(self) -> None:
        if self.first is None and self.last is None:
            raise InvalidValidTimeError("a range in a set needs at least one end")
        first, last = self.first, self.last
        if first is not None and last is not None and first.bounds().low >= last.bounds().high:
            raise InvalidValidTimeError(f"range {self} ends before it starts")

    @property
    def zones(self) -> frozenset[str]:
        """The zones of its ends."""
        return frozenset(end.tz for end in (self.first, self.last) if end is not None)

    @property
    def exact(self) -> bool:
        """True when each end it has is exact."""
        return all(end.exact for end in (self.first, self.last) if end is not None)

    def bounds(self, *, padding: Padding = DEFAULT_PADDING) -> Bounds:
        """From the first end's earliest instant to the last end's latest (or the open ends)."""
        ends = [end.bounds(padding=padding) for end in (self.first, self.last) if end is not None]
        return _hull(
            ends,
            low=FLOOR if self.first is None else None,
            high=CEIL if self.last is None else None,
        )

    def __str__(self) -> str:
        first = "" if self.first is None else str(self.first)
        last = "" if self.last is None else str(self.last)
        return f"{first}..{last}"

    def __repr__(self) -> str:
        return f"DateRange({self.first!r}, {self.last!r})"


def _members_validator(
    _instance: object, _attribute: attrs.Attribute[tuple[Moment | DateRange, ...]], value: object
) -> None:
    if not isinstance(value, tuple) or not value:
        raise InvalidValidTimeError("a set needs at least one member, given as a tuple")
    for member in value:
        if not isinstance(member, Moment | DateRange):
            raise InvalidValidTimeError(
                f"a set's members are Moments or DateRanges, not {member!r}"
            )


@attrs.frozen(repr=False, cache_hash=True)
class DateSet:
    """An EDTF set: one of its members (``[1667,1668,1670..1672]``) or all of them (``{..}``).

    *One of* (``every=False``) says the thing happened on one of the dates,
    not which: a question is *yes* only if every member says yes, *no* only
    if every member says no. *All of* (``every=True``) says it happened on
    each: *yes* if some member says yes, *no* only if all say no. Where an
    order or a single span is needed (sorting, the facts index, an interval
    end) a set stands for its hull, from its earliest member's earliest
    instant to its latest member's latest -- exact for a one-of set as a
    start or an end: "began in 1858 or 1860" has begun surely only once
    1860 has.

    >>> from timeline import valid_time
    >>> either = DateSet.parse("[1858,1860]", phrase="1858/1860")
    >>> either.contains("1859")
    <Answer.NO: 'no'>
    >>> valid_time("[1858,1860]/..").contains("1859")  # began in one of them
    <Answer.MAYBE: 'maybe'>
    """

    members: tuple[Moment | DateRange, ...] = attrs.field(validator=_members_validator)
    every: bool = False
    phrase: str | None = attrs.field(default=None, eq=False, kw_only=True)

    @classmethod
    def parse(cls, text: str, *, tz: str = FLOATING, phrase: str | None = None) -> DateSet:
        """Read an EDTF set such as ``"[1667,1668,1670..1672]"`` or ``"{1960,1961-12}"``.

        Raises:
            InvalidValidTimeError: ``text`` is not an EDTF set.
        """
        return _parse_as(DateSet, text, tz=tz, phrase=phrase, otherwise="is not a set")

    @property
    def zones(self) -> frozenset[str]:
        """The zones of its members (one, unless written with different offsets)."""
        return frozenset().union(
            *(
                {member.tz} if isinstance(member, Moment) else member.zones
                for member in self.members
            )
        )

    @property
    def exact(self) -> bool:
        """True for a set of one exact date (it then names one period)."""
        return (
            len(self.members) == 1 and isinstance(self.members[0], Moment) and self.members[0].exact
        )

    def strict_bounds(self) -> Bounds:
        """The hull of the members' strict bounds."""
        return self.bounds(padding=Padding(approximate=0, uncertain=0))

    def bounds(self, *, padding: Padding = DEFAULT_PADDING) -> Bounds:
        """The hull: the first instant any member may denote to the last (exclusive)."""
        if padding is DEFAULT_PADDING:
            return self._hull
        return self._hull_of(padding)

    @functools.cached_property
    def _hull(self) -> Bounds:
        return self._hull_of(DEFAULT_PADDING)

    def _hull_of(self, padding: Padding) -> Bounds:
        return _hull([member.bounds(padding=padding) for member in self.members])

    @functools.cached_property
    def extent(self) -> Extent:
        """The hull as a point event (see the class notes)."""
        return Extent(self._hull, self._hull)

    @property
    def earliest(self) -> pendulum.DateTime:
        """The first instant a member may denote (UTC)."""
        return self._hull.earliest

    @property
    def latest(self) -> pendulum.DateTime:
        """The first instant after every member (UTC, exclusive)."""
        return self._hull.latest

    def contains(self, question: QuestionLike) -> Answer:
        """Answer over the members: for one of, yes only if all say yes; for all of, if any does."""
        asked = Question.of(question)
        answers = {_member_answer(member, asked, every=self.every) for member in self.members}
        if answers == {Answer.NO}:
            return Answer.NO
        if (Answer.YES in answers) if self.every else (answers == {Answer.YES}):
            return Answer.YES
        return Answer.MAYBE

    def __str__(self) -> str:
        return _late.format_edtf(self)

    def __repr__(self) -> str:
        if len(self.zones) == 1:
            return f"DateSet.parse({_repr_args(self, next(iter(self.zones)))})"
        return f"DateSet({self.members!r}, every={self.every!r}, phrase={self.phrase!r})"


def _hull(each: list[Bounds], *, low: int | None = None, high: int | None = None) -> Bounds:
    """The bounds from the first of ``each`` to the last, or to the open ``low`` / ``high``.

    Floating and zoned bounds together make a zoned hull over every instant
    the floating ones may denote in any zone (:meth:`Bounds.reach`).
    """
    floating = {bounds.floating for bounds in each}
    if len(floating) > 1:
        each = [bounds.reach() for bounds in each]
    return Bounds.of(
        min(b.low for b in each) if low is None else low,
        max(b.high for b in each) if high is None else high,
        floating=each[0].floating,
    )


def _member_answer(member: Moment | DateRange, asked: Question, *, every: bool) -> Answer:
    if isinstance(member, Moment):
        return member.contains(asked)
    bounds = member.bounds()
    sure = member.exact and asked.exact
    if bounds.floating is asked.floating:
        return _range_answer(bounds, asked.low, asked.high, every=every, sure=sure)
    return across_offsets(
        [*_values(bounds), *asked.instants()],
        lambda offset: _range_answer(
            bounds.moved(offset),
            *asked.window_at(offset),
            every=every,
            sure=sure,
        ),
    )


def _range_answer(bounds: Bounds, low: int, high: int, *, every: bool, sure: bool) -> Answer:
    if bounds.low >= high or bounds.high <= low:
        return Answer.NO
    if every:  # every instant of the range: any instant asked about inside it
        return Answer.YES if sure else Answer.MAYBE
    # One date of the range: surely inside only if the whole range is.
    inside = low <= bounds.low and bounds.high <= high
    return Answer.YES if inside and sure else Answer.MAYBE
