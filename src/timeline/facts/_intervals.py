"""A compact interval set: rows filed under half-open integer intervals, in flat arrays.

Entries are grouped by length class -- the bit length of ``high - low`` --
and each class is kept sorted by ``low`` in three flat arrays (lows, highs,
rows). An interval of class ``c`` is at most ``2**c - 1`` long, so those
meeting a window ``[low, high)`` start in ``(low - 2**c, high)``: two
bisections per class. Those starting after ``low - 2**(c - 1)`` are at least
that long, so surely reach past ``low``: they are copied out as a slice,
and only the others are checked one by one. A query costs
O(classes · log n + k) with no object per entry: 20 bytes each.

New entries are queued and filed in batches as a new level; levels no larger
than a new batch are merged into it (Bentley and Saxe's logarithmic method),
so filing costs O(log n) amortised per entry. A removed row is forgotten at
once by queries and swept out of the arrays when the dead outnumber the
living. A set of many rows known at once is better made in one go from its
columns (:meth:`IntervalSet.of`): filing and merging are sorts of positions
and takes of columns, loops in C rather than Python statements per entry.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Final

__all__ = ["IntervalSet"]

# A class's arrays: lows, highs and rows, sorted by low.
_Class = tuple["array[int]", "array[int]", "array[int]"]


def _filed(lows: array[int], highs: array[int], rows: array[int]) -> dict[int, _Class]:
    """File rows under ``[low, high)``, grouped by length class and sorted by low.

    One stable sort of positions by (class, low) puts every class in order;
    the columns are then taken in that order, a class at a time -- each pass
    a loop in C, not Python statements per entry.
    """
    lengths = list(map(int.bit_length, map(operator.sub, highs, lows)))
    # (class, low) as one integer: lows lie within 64 bits, lifted to be >= 0.
    shifted = map(operator.lshift, lengths, itertools.repeat(64))
    keys = list(map(operator.add, shifted, map(_LIFT, lows)))
    order = sorted(range(len(rows)), key=keys.__getitem__)
    del keys
    classes = list(map(lengths.__getitem__, order))
    level = {}
    start = 0
    while start < len(order):
        length = classes[start]
        stop = bisect.bisect_right(classes, length, start)
        take = taker(order[start:stop])
        level[length] = (
            array("q", take(lows)),
            array("q", take(highs)),
            array("i", take(rows)),
        )
        start = stop
    return level


_LIFT: Final = functools.partial(operator.add, 1 << 63)
_LOW: Final = operator.itemgetter(0)
_HIGH: Final = operator.itemgetter(1)


def taker(order: Sequence[int]) -> Callable[[array[int]], Iterable[int]]:
    """A function that takes a column's values at ``order``, in that order."""
    if len(order) < 2:  # itemgetter() needs one index, and gives one value for one
        return lambda column: [column[at] for at in order]
    return operator.itemgetter(*order)  # one call in C, where a map calls per value


def _merged(levels: list[dict[int, _Class]], dead: set[int]) -> dict[int, _Class]:
    """The levels as one, each class still sorted by low; rows in ``dead`` left out (and forgotten).

    Each class of each level is sorted already: their arrays are joined and
    put in order by a stable sort of positions by low, which finds the sorted
    runs and merges them in C -- no object per entry but a position and its
    low, while the sort runs (a long catch-up merges levels of millions).
    """
    parts: dict[int, list[_Class]] = {}
    for level in levels:
        for length, arrays in level.items():
            parts.setdefault(length, []).append(arrays)
    merged: dict[int, _Class] = {}
    for length, found in parts.items():
        if len(found) == 1 and not dead:
            merged[length] = found[0]
            continue
        lows, highs, rows = array("q"), array("q"), array("i")
        for part_lows, part_highs, part_rows in found:
            lows += part_lows
            highs += part_highs
            rows += part_rows
        order = sorted(range(len(lows)), key=lows.__getitem__)
        if dead:
            gone = [row for row in rows if row in dead]
            order = [at for at in order if rows[at] not in dead]
            dead.difference_update(gone)
        if order:
            take = taker(order)
            merged[length] = (
                array("q", take(lows)),
                array("q", take(highs)),
                array("i", take(rows)),
            )
    return merged


class IntervalSet:
    """Integer rows filed under half-open intervals ``[low, high)``.

    A row is filed at most once at a time. Empty intervals meet nothing and
    are not kept.

    >>> intervals = IntervalSet()
    >>> intervals.add(0, 10, 1)
    >>> intervals.add(5, 20, 2)
    >>> intervals.flush()
    >>> sorted(intervals.overlapping(9, 10))
    [1, 2]
    >>> intervals.remove(1)
    >>> sorted(intervals.overlapping(9, 10))
    [2]
    """

    __slots__ = ("_dead", "_deferred", "_levels", "_live", "_queued")

    #: Dead rows are swept out once they outnumber the living and this.
    sweep_floor = 1024
    #: Queued rows are filed once there are this many, so that a long catch-up
    #: (a first build) never holds more than this many rows as Python objects.
    queue_limit = 1 << 14

    def __init__(self) -> None:
        self._levels: list[dict[int, _Class]] = []
        self._queued: dict[int, tuple[int, int]] = {}
        self._dead: set[int] = set()
        self._live = 0
        self._deferred = 0  # the last levels, filed early and not merged yet

    @classmethod
    def of(cls, lows: array[int], highs: array[int], rows: array[int]) -> IntervalSet:
        """A set of ``rows[i]`` under ``[lows[i], highs[i])``: filed at once, empties dropped."""
        made = cls()
        if any(map(operator.ge, lows, highs)):
            keep = list(map(operator.lt, lows, highs))
            lows, highs, rows = (
                array(column.typecode, itertools.compress(column, keep))
                for column in (lows, highs, rows)
            )
        if rows:
            made._levels.append(_filed(lows, highs, rows))
            made._live = len(rows)
        return made

    def __len__(self) -> int:
        return self._live + len(self._queued)

    def add(self, low: int, high: int, row: int) -> None:
        """Queue ``row`` under ``[low, high)``; it is found once :meth:`flush` files it."""
        if low < high:
            self._queued[row] = (low, high)
            if len(self._queued) >= self.queue_limit:
                # A queued row costs ~200 bytes of objects: file them now, as a level of
                # their own, merged with the others all at once by the next flush().
                self._file_queued(merge=False)

    def remove(self, row: int) -> None:
        """Forget ``row``, which must be filed (or queued) here."""
        if self._queued.pop(row, None) is not None:
            return
        self._dead.add(row)
        self._live -= 1
        if len(self._dead) > max(self._live, self.sweep_floor):
            self._sweep()

    def flush(self) -> None:
        """File the queued rows as one level, merging smaller levels into it."""
        self._file_queued(merge=True)

    def _file_queued(self, *, merge: bool) -> None:
        """File the queued rows as a level; with ``merge``, carry the levels as a binary counter.

        Without (a long catch-up's queue filled up), the level is only added:
        the next merging flush merges every level so added at once, each row
        once, instead of carrying level after level.
        """
        pending = []
        if self._queued:
            if self._dead and not self._dead.isdisjoint(self._queued):
                self._sweep()  # a removed row filed again: its old entry must go first
            queued = self._queued
            filed = _filed(
                array("q", map(_LOW, queued.values())),
                array("q", map(_HIGH, queued.values())),
                array("i", queued),
            )
            self._live += len(queued)
            self._queued = {}
            if not merge:
                self._levels.append(filed)
                self._deferred += 1
                return
            pending.append(filed)
        if not merge:
            return
        if self._deferred:
            pending[:0] = self._levels[-self._deferred :]
            del self._levels[-self._deferred :]
            self._deferred = 0
        if not pending:
            return
        level = _merged(pending, self._dead) if len(pending) > 1 else pending[0]
        size, older = _size(level), []
        while self._levels and _size(self._levels[-1]) <= size:
            older.append(self._levels.pop())
            size += _size(older[-1])
        if older:
            level = _merged([*older, level], self._dead)
        self._levels.append(level)

    def _sweep(self) -> None:
        """Merge the levels into one without the dead rows (a merge, not a list of every entry)."""
        merged = _merged(self._levels, self._dead)
        self._levels = [merged] if merged else []
        self._deferred = 0

    def overlapping(self, low: int, high: int) -> list[int]:
        """Return the rows whose interval meets ``[low, high)``, in no set order.

        Queued rows are not found until :meth:`flush`.
        """
        found: list[int] = []
        if low >= high:
            return found
        for level in self._levels:
            for length, (lows, highs, rows) in level.items():
                first = bisect.bisect_right(lows, low - (1 << length))
                stop = bisect.bisect_left(lows, high, first)
                if first >= stop:
                    continue
                sure = bisect.bisect_right(lows, low - (1 << (length - 1)), first, stop)
                if sure > first:
                    found.extend(
                        itertools.compress(
                            rows[first:sure], [end > low for end in highs[first:sure]]
                        )
                    )
                found.extend(rows[sure:stop])
        if self._dead:
            dead = self._dead
            return [row for row in found if row not in dead]
        return found

    # -- saving ------------------------------------------------------------------

    def dump(self) -> tuple[list[list[int]], list[array[int]]]:
        """Return the set as a layout (per level, its classes) and the arrays it names.

        Queued rows must be flushed first; dead rows are swept out.
        """
        if self._queued:
            raise ValueError("flush() before dump(): rows are queued")
        if self._dead:
            self._sweep()
        layout: list[list[int]] = []
        arrays: list[array[int]] = []
        for level in self._levels:
            layout.append(sorted(level))
            for length in sorted(level):
                arrays.extend(level[length])
        return layout, arrays

    @classmethod
    def load(cls, layout: list[list[int]], arrays: list[array[int]]) -> IntervalSet:
        """Rebuild a set from what :meth:`dump` returned."""
        made = cls()
        parts = iter(arrays)
        for classes in layout:
            level: dict[int, _Class] = {}
            for length in classes:
                lows, highs, rows = next(parts), next(parts), next(parts)
                if not len(lows) == len(highs) == len(rows):
                    raise ValueError("an interval set's arrays differ in length")
                level[length] = (lows, highs, rows)
            made._levels.append(level)
            made._live += _size(level)
        return made


def _size(level: dict[int, _Class]) -> int:
    return sum(len(lows) for lows, _, _ in level.values())
