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
living.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from array import array

__all__ = ["IntervalSet"]

# A class's arrays: lows, highs and rows, sorted by low.
_Class = tuple["array[int]", "array[int]", "array[int]"]


def _filed(entries: list[tuple[int, int, int]]) -> dict[int, _Class]:
    """File ``(low, high, row)`` entries, grouped by length class and sorted by low."""
    grouped: dict[int, list[tuple[int, int, int]]] = {}
    for entry in entries:
        grouped.setdefault((entry[1] - entry[0]).bit_length(), []).append(entry)
    level = {}
    for length, members in grouped.items():
        members.sort()
        level[length] = (
            array("q", [m[0] for m in members]),
            array("q", [m[1] for m in members]),
            array("i", [m[2] for m in members]),
        )
    return level


def _merged(levels: list[dict[int, _Class]], dead: set[int]) -> dict[int, _Class]:
    """The levels as one, each class still sorted by low; rows in ``dead`` left out (and forgotten).

    Each class of each level is sorted already: they are merged a row at a time,
    never as a list of every entry (a long catch-up merges levels of millions).
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
        for low, high, row in heapq.merge(*(zip(*part, strict=True) for part in found)):
            if dead and row in dead:
                dead.discard(row)
                continue
            lows.append(low)
            highs.append(high)
            rows.append(row)
        if rows:
            merged[length] = (lows, highs, rows)
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
            batch = [(low, high, row) for row, (low, high) in self._queued.items()]
            self._live += len(batch)
            self._queued = {}
            if not merge:
                self._levels.append(_filed(batch))
                self._deferred += 1
                return
            pending.append(_filed(batch))
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

    def renumber(self, new: array[int]) -> None:
        """Rename every row ``r`` to ``new[r]``, and merge the levels into one.

        Queued rows are filed first. A long catch-up files its rows a queue at a
        time (see :attr:`queue_limit`), level upon level; merged, a question
        bisects each length class once again.
        """
        self.flush()
        merged = _merged(self._levels, self._dead)  # the dead rows left out
        for length, (lows, highs, rows) in merged.items():
            merged[length] = (lows, highs, array("i", map(new.__getitem__, rows)))
        self._levels = [merged] if merged else []
        self._deferred = 0

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
