"""The index's rows: one per spell version, its bounds and known times in columns.

:class:`_Rows` holds the columns (flat integer arrays, no objects); the
functions here answer yes / maybe / no for a row from its bounds alone --
including a floating row, read through every real offset -- and
:class:`_Asked` turns the rows an answer found into hits and spells, read
back from the log together when first looked at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from array import array
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, Final

import pendulum

from timeline._answer import Answer
from timeline._codec import known_at_from_micros
from timeline.time import (
    EAST,
    QUARTER,
    WEST,
    Bounds,
    Extent,
    Question,
    QuestionLike,
    across_offsets,
    instant_text,
)

from . import _tuning
from ._answers import Hit
from ._cells import Cells, decoded
from ._spells import Spell
from ._why import Why, explain

if TYPE_CHECKING:
    from ._filing import _Filing

_NEVER = 1 << 62


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
        "cells",
        "columns",
        "exact",
        "facts",
        "high",
        "keys",
        "known",
        "low",
        "near",
        "order",
        "position",
        "question",
        "rows",
        "sorted_below",
        "spells",
        "where",
        "written",
    )

    def __init__(
        self,
        facts: _Filing,
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
        self.cells = facts._cells  # noqa: SLF001 -- as above
        self.keys = facts._keys  # noqa: SLF001 -- as above
        self.sorted_below = facts._sorted_rows  # noqa: SLF001 -- as above
        self.spells: dict[int, Spell] = {}
        # The question as it was written, put in words only for an explanation.
        self.written: object = ""
        self.order: list[int] | None = None
        self.where: dict[int, int] | None = None

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
        if self.order is not None:
            return self.order
        rows = self.rows
        if not rows or max(rows) < self.sorted_below:
            # Compacted rows are numbered in that order: sorting the numbers is enough.
            self.order = sorted(rows)
        else:
            keys, key_of, first = self.keys, self.columns.key, self.columns.first
            self.order = sorted(rows, key=lambda row: (keys[key_of[row]], first[row]))
        return self.order

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

    def cells_of(self, row: int) -> Cells | None:
        """What the table row of ``row``'s spell shows, kept by the index; None if not kept.

        None too for a saved row whose cells are not read yet, in an answer too small to
        be worth reading them all (see :data:`~timeline.facts._tuning.CELL_BYTES_A_ROW`):
        its spell is read instead.
        """
        cells = self.cells
        if (
            cells.loader is not None
            and row < cells.base
            and len(self.rows) * _tuning.CELL_BYTES_A_ROW < cells.size
        ):
            return None
        return decoded(cells.get(row))

    def explain(self, spell: Spell, answer: Answer) -> Why:
        """Why ``spell`` answers this question as ``answer`` (see :class:`Why`)."""
        fixes = self.facts._fixes_of(spell.key, self.known)  # noqa: SLF001 -- the index's own
        known = None if self.known == _NEVER else _known_time(self.known)
        return explain(
            spell,
            answer,
            self.question,
            asked=self.text(),
            known=known,
            fixes=fixes,
            zoning=self.facts._zoning,  # noqa: SLF001 -- the index's own
        )

    def explain_key(self, key: str) -> Why:
        """Why ``key`` is not in this answer, as the facts knew it at this question's known time."""
        return self.facts._why(key, self.question, self.known, self.text())  # noqa: SLF001

    def text(self) -> str:
        """The question as it was written: a window as ``[start, end)``."""
        if isinstance(self.written, tuple):
            start, end = self.written
            return f"[{start}, {end})"
        return written(self.written)  # type: ignore[arg-type]

    def spell(self, row: int) -> Spell:
        """The spell of ``row``, read with those of the rows after it in key order.

        Spells are read :data:`~timeline.facts._tuning.SPELLS_AT_ONCE` rows at
        a time, in one pass over the store each: the first hit's spell does
        not wait for the last one's, and only one window's spells are held
        here (each hit keeps its own).
        """
        spell = self.spells.get(row)
        if spell is not None:
            return spell
        order = self.ordered()
        if self.where is None:
            self.where = {at: index for index, at in enumerate(order)}
        start = self.where[row]
        window = order[start : start + _tuning.SPELLS_AT_ONCE]
        keys, key_of, first = self.keys, self.columns.key, self.columns.first
        wanted = {keys[key_of[at]] for at in window}
        found = self.facts._spells_of_keys(  # noqa: SLF001 -- the index's own reader
            wanted, known=self.known, position=self.position
        )
        self.spells = {at: _spell_at(found[keys[key_of[at]]], first[at]) for at in window}
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


def written(valid: QuestionLike) -> str:
    """A question as a person wrote it, for explanations: its text, EDTF, or its window."""
    if isinstance(valid, Question):
        return f"[{instant_text(valid.low)}, {instant_text(valid.high)})"
    if isinstance(valid, dt.datetime):
        return valid.isoformat()
    return str(valid)
