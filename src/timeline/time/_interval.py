"""Intervals: a span from a start to an exclusive end, each end a moment, a set or open."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TypeAlias

import attrs
import pendulum

from timeline._answer import Answer
from timeline._errors import InvalidValidTimeError

from . import _late
from ._bounds import DEFAULT_PADDING, Bounds, Padding
from ._calendar import CEIL, FLOATING, FLOOR
from ._moment import Moment, _parse_as, _repr_args
from ._precision import End
from ._question import Extent, Question, QuestionLike
from ._sets import DateSet

__all__ = ["Interval", "ValidTime", "ValidTimeLike"]


def _end_validator(
    _instance: object, attribute: attrs.Attribute[Moment | DateSet | End], value: object
) -> None:
    if isinstance(value, DateSet) and value.every:
        raise InvalidValidTimeError(
            f"interval {attribute.name} is an all-of set {{..}}: "
            "an end is one date, or one of a set"
        )
    if not isinstance(value, Moment | DateSet | End):
        raise InvalidValidTimeError(
            f"interval {attribute.name} must be a Moment, a one-of DateSet, End.OPEN or "
            f"End.UNKNOWN, not {value!r}"
        )


@attrs.frozen(repr=False, cache_hash=True)
class Interval:
    """A span of valid time from ``start`` to the exclusive ``end``.

    Each end is a :class:`Moment` (possibly imprecise: the span begins, or
    stops, at some instant within it), :attr:`End.OPEN` (no limit) or
    :attr:`End.UNKNOWN` (an end the source does not give). An end stated in a
    source as "until 30 April" is *inclusive*; store it as the exclusive end
    1 May with :func:`until`.

    >>> embargo = Interval.parse("2006/..")
    >>> embargo.contains("2024-01-15")
    <Answer.YES: 'yes'>
    >>> embargo.contains("2006-07-01")
    <Answer.MAYBE: 'maybe'>
    """

    start: Moment | DateSet | End = attrs.field(validator=_end_validator)
    end: Moment | DateSet | End = attrs.field(validator=_end_validator)
    phrase: str | None = attrs.field(default=None, eq=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.start, End) and isinstance(self.end, End):
            raise InvalidValidTimeError("an interval needs at least one dated end")
        extent = self.extent
        if extent.start.low >= extent.end.high:
            raise InvalidValidTimeError(f"interval {self} ends before it starts")

    @classmethod
    def parse(cls, text: str, *, tz: str = FLOATING, phrase: str | None = None) -> Interval:
        """Read an EDTF interval such as ``"2023-12-30/2024-01-02"`` or ``"2006/.."``.

        Raises:
            InvalidValidTimeError: ``text`` is not an EDTF interval.
        """
        return _parse_as(Interval, text, tz=tz, phrase=phrase, otherwise="is not an interval")

    @functools.cached_property
    def extent(self) -> Extent:
        """Where the span's start and end may lie."""
        return self.bounded()

    def bounded(self, *, padding: Padding = DEFAULT_PADDING) -> Extent:
        """Return the extent with qualified ends widened by ``padding``."""
        start = None if isinstance(self.start, End) else self.start.bounds(padding=padding)
        end = None if isinstance(self.end, End) else self.end.bounds(padding=padding)
        # An open or unknown end is as floating as the dated one (it has no zone of its own).
        if start is None:
            assert end is not None  # noqa: S101 -- checked on construction
            high = FLOOR if self.start is End.OPEN else end.high
            start = Bounds.of(FLOOR, high, floating=end.floating)
        if end is None:
            low = CEIL if self.end is End.OPEN else start.low
            end = Bounds.of(low, CEIL, floating=start.floating)
        return Extent(start, end)

    @property
    def earliest(self) -> pendulum.DateTime:
        """The first instant the span may begin (UTC); :data:`EARLIEST` for an open start."""
        return self.extent.start.earliest

    @property
    def latest(self) -> pendulum.DateTime:
        """The first instant after all the span may last (UTC, exclusive); :data:`LATEST` if open.

        An end is exclusive and may itself be imprecise: the span lasts, at the
        most, until the last instant its end may denote.

        >>> Interval.parse("2024-01-11/2024-05-01T00:00:00.000000Z").latest
        DateTime(2024, 5, 1, 0, 0, 0, tzinfo=Timezone('UTC'))
        """
        return self.extent.end.last

    def contains(self, question: QuestionLike) -> Answer:
        """Answer "is this span in force at ``question``?" (yes / maybe / no).

        The question is read at its own precision (see :class:`Question`).
        """
        return Question.of(question).answer(self.extent)

    def __str__(self) -> str:
        return _late.format_edtf(self)

    @property
    def zones(self) -> frozenset[str]:
        """The zones of its dated ends (one, unless they were given in different zones)."""
        each = (
            end.zones if isinstance(end, DateSet) else {end.tz}
            for end in (self.start, self.end)
            if not isinstance(end, End)
        )
        return frozenset().union(*each)

    def __repr__(self) -> str:
        if len(self.zones) == 1:
            return f"Interval.parse({_repr_args(self, next(iter(self.zones)))})"
        return f"Interval({self.start!r}, {self.end!r}, phrase={self.phrase!r})"


ValidTime: TypeAlias = Moment | Interval | DateSet

#: What the library accepts wherever it takes a valid time.
ValidTimeLike: TypeAlias = (
    Moment
    | Interval
    | DateSet
    | str
    | dt.date
    | dt.datetime
    | tuple[
        "Moment | str | dt.date | dt.datetime | End | None",
        "Moment | str | dt.date | dt.datetime | End | None",
    ]
)
