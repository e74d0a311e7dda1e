"""An interval index: which half-open integer intervals overlap a query.

A centred interval tree answers a static set in O(log n + k). To take
inserts without rebuilding everything, the index keeps a few static trees of
doubling sizes and merges them as they fill (Bentley and Saxe's logarithmic
method): an insert costs O(log² n) amortised, a query O(log² n + k).
Removal marks an entry dead; dead entries are skipped and swept out when
they outnumber the living.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["IntervalIndex"]

_T = TypeVar("_T")
_LEAF = 32

# An entry: (start, end, serial, value). ``serial`` is unique per insert,
# so entries never compare by value.
_Entry = tuple[int, int, int, _T]


class _Node(Generic[_T]):
    __slots__ = ("by_end", "by_start", "centre", "left", "right")

    def __init__(self, entries: list[_Entry[_T]]) -> None:
        # The median start: every entry starting there contains it (intervals
        # are non-empty), so each node keeps some entries and the tree ends.
        starts = sorted(entry[0] for entry in entries)
        self.centre = starts[len(starts) // 2]
        here: list[_Entry[_T]] = []
        left: list[_Entry[_T]] = []
        right: list[_Entry[_T]] = []
        for entry in entries:
            if entry[1] <= self.centre:
                left.append(entry)
            elif entry[0] > self.centre:
                right.append(entry)
            else:
                here.append(entry)
        self.by_start = sorted(here, key=lambda entry: entry[0])
        self.by_end = sorted(here, key=lambda entry: entry[1], reverse=True)
        self.left = _build(left)
        self.right = _build(right)


class _Leaf(Generic[_T]):
    __slots__ = ("entries",)

    def __init__(self, entries: list[_Entry[_T]]) -> None:
        self.entries = entries


def _build(entries: list[_Entry[_T]]) -> _Node[_T] | _Leaf[_T] | None:
    if not entries:
        return None
    if len(entries) <= _LEAF:
        return _Leaf(entries)
    return _Node(entries)


def _overlapping(  # noqa: C901 -- one walk, three cases per node, as the method has
    tree: _Node[_T] | _Leaf[_T] | None, low: int, high: int
) -> Iterator[_Entry[_T]]:
    """Yield entries whose [start, end) meets [low, high)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, _Leaf):
            for entry in node.entries:
                if entry[0] < high and entry[1] > low:
                    yield entry
            continue
        centre = node.centre
        if high <= centre:
            for entry in node.by_start:
                if entry[0] >= high:
                    break
                yield entry
            stack.append(node.left)
        elif low > centre:
            for entry in node.by_end:
                if entry[1] <= low:
                    break
                yield entry
            stack.append(node.right)
        else:
            yield from node.by_start
            stack.append(node.left)
            stack.append(node.right)


class IntervalIndex(Generic[_T]):
    """A dynamic set of values filed under half-open integer intervals.

    >>> index: IntervalIndex[str] = IntervalIndex()
    >>> a = index.add(0, 10, "a")
    >>> b = index.add(5, 20, "b")
    >>> sorted(index.overlapping(9, 10))
    ['a', 'b']
    >>> index.remove(a)
    >>> sorted(index.overlapping(9, 10))
    ['b']
    """

    def __init__(self) -> None:
        self._levels: list[tuple[list[_Entry[_T]], _Node[_T] | _Leaf[_T] | None]] = []
        self._dead: set[int] = set()
        self._serial = 0
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def add(self, start: int, end: int, value: _T) -> int:
        """File ``value`` under ``[start, end)`` and return a handle for :meth:`remove`."""
        return self.extend([(start, end, value)])[0]

    def extend(self, items: list[tuple[int, int, _T]]) -> list[int]:
        """File many values at once; cheaper than one :meth:`add` each."""
        handles: list[int] = []
        batch: list[_Entry[_T]] = []
        for start, end, value in items:
            self._serial += 1
            handles.append(self._serial)
            if start < end:  # an empty interval meets nothing; keep only its handle
                batch.append((start, end, self._serial, value))
            else:
                self._dead.add(self._serial)
        self._live += len(batch)
        if not batch:
            return handles
        # Merge levels no larger than the batch (the logarithmic method).
        while self._levels and len(self._levels[-1][0]) <= len(batch):
            entries, _ = self._levels.pop()
            batch = entries + batch
        if batch:
            batch = [entry for entry in batch if entry[2] not in self._dead]
            self._levels.append((batch, _build(batch)))
        return handles

    def remove(self, handle: int) -> None:
        """Forget the entry ``handle``; unknown or removed handles are ignored."""
        if handle in self._dead or not 0 < handle <= self._serial:
            return
        self._dead.add(handle)
        self._live -= 1
        if len(self._dead) > max(self._live, 1024):
            self._sweep()

    def _sweep(self) -> None:
        entries = [e for level, _ in self._levels for e in level if e[2] not in self._dead]
        self._dead.clear()
        self._levels = [(entries, _build(entries))] if entries else []

    def overlapping(self, low: int, high: int) -> Iterator[_T]:
        """Yield the values whose interval meets ``[low, high)``."""
        dead = self._dead
        for _, tree in self._levels:
            for entry in _overlapping(tree, low, high):
                if entry[2] not in dead:
                    yield entry[3]

    def containing(self, point: int) -> Iterator[_T]:
        """Yield the values whose interval contains ``point``."""
        return self.overlapping(point, point + 1)
