"""An interval index: which half-open integer intervals overlap a query.

A centred interval tree answers a static set in O(log n + k). To take
inserts without rebuilding everything, the index keeps a few static trees of
doubling sizes and merges them as they fill (Bentley and Saxe's logarithmic
method): an insert costs O(log² n) amortised, a query O(log² n + k).
Removal marks a value dead; dead values are skipped and swept out when they
outnumber the living.

Each node keeps the values containing its centre twice, sorted by start and
by end, with the sort keys in lists of their own: a query bisects a key list
and copies a slice of values, so the k values it reports cost C-level
copying -- no Python step, and no memory touched beyond each value's header.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Generic, TypeVar

__all__ = ["IntervalIndex"]

_T = TypeVar("_T")
_LEAF = 16

# An entry: (start, end, value). Values are distinct objects; the index
# knows them by identity, never by comparing them.
_Entry = tuple[int, int, _T]


class _Node(Generic[_T]):
    __slots__ = ("by_end", "by_start", "centre", "ends", "left", "right", "starts")

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
        here.sort(key=lambda entry: entry[0])
        self.starts = [entry[0] for entry in here]
        self.by_start = [entry[2] for entry in here]
        # Ends descending, kept negated so that bisect (ascending) applies.
        here.sort(key=lambda entry: -entry[1])
        self.ends = [-entry[1] for entry in here]
        self.by_end = [entry[2] for entry in here]
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


def _gather(tree: _Node[_T] | _Leaf[_T] | None, low: int, high: int, out: list[_T]) -> None:
    """Add to ``out`` the values whose [start, end) meets [low, high)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, _Leaf):
            out.extend([entry[2] for entry in node.entries if entry[0] < high and entry[1] > low])
        elif high <= node.centre:
            # Every entry here ends after the centre, so after ``low``: those
            # starting before ``high`` are a prefix of by_start.
            out.extend(itertools.islice(node.by_start, bisect.bisect_left(node.starts, high)))
            stack.append(node.left)
        elif low > node.centre:
            # Every entry here starts at or before the centre, so before
            # ``high``: those ending after ``low`` are a prefix of by_end.
            out.extend(itertools.islice(node.by_end, bisect.bisect_left(node.ends, -low)))
            stack.append(node.right)
        else:
            out.extend(node.by_start)
            stack.append(node.left)
            stack.append(node.right)


class IntervalIndex(Generic[_T]):
    """A dynamic set of values filed under half-open integer intervals.

    Values are known by identity: file each object once (equal values must be
    distinct objects). A value's handle, for :meth:`remove`, is its ``id()``.

    >>> index: IntervalIndex[str] = IntervalIndex()
    >>> a = index.add(0, 10, "a")
    >>> b = index.add(5, 20, "b")
    >>> sorted(index.overlapping(9, 10))
    ['a', 'b']
    >>> index.remove(a)
    >>> sorted(index.overlapping(9, 10))
    ['b']
    """

    #: Dead values are swept out once they outnumber the living and this.
    sweep_floor = 1024

    def __init__(self) -> None:
        self._levels: list[tuple[list[_Entry[_T]], _Node[_T] | _Leaf[_T] | None]] = []
        self._dead: set[int] = set()  # ids of removed values still in a level
        self._live: dict[int, None] = {}  # ids of the values filed and not removed

    def __len__(self) -> int:
        return len(self._live)

    def add(self, start: int, end: int, value: _T) -> int:
        """File ``value`` under ``[start, end)`` and return a handle for :meth:`remove`."""
        return self.extend([(start, end, value)])[0]

    def extend(self, items: list[tuple[int, int, _T]]) -> list[int]:
        """File many values at once; cheaper than one :meth:`add` each.

        Raises:
            ValueError: A value is already filed here.
        """
        handles = [id(value) for _, _, value in items]
        if len(set(handles)) != len(handles) or not self._live.keys().isdisjoint(handles):
            raise ValueError("a value can be filed in an index only once")
        if not self._dead.isdisjoint(handles):
            self._sweep()  # a removed value filed again: its old entry must go first
        # An empty interval meets nothing: its value is not kept (nor counted).
        batch = [item for item in items if item[0] < item[1]]
        self._live.update(dict.fromkeys(id(value) for _, _, value in batch))
        if not batch:
            return handles
        # Merge levels no larger than the batch (the logarithmic method).
        while self._levels and len(self._levels[-1][0]) <= len(batch):
            entries, _ = self._levels.pop()
            batch = entries + batch
        if self._dead:
            batch = self._drop_dead(batch)
        self._levels.append((batch, _build(batch)))
        return handles

    def _drop_dead(self, entries: list[_Entry[_T]]) -> list[_Entry[_T]]:
        # Once out of every level a value may be freed and its id reused, so
        # it leaves the dead set with its entry.
        dead = self._dead
        kept = []
        for entry in entries:
            if id(entry[2]) in dead:
                dead.discard(id(entry[2]))
            else:
                kept.append(entry)
        return kept

    def remove(self, handle: int) -> None:
        """Forget the value ``handle`` names; unknown or removed handles are ignored.

        A handle is good while its value is filed: once removed, the value's
        handle may later name another value.
        """
        if self._live.pop(handle, self) is self:
            return
        self._dead.add(handle)
        if len(self._dead) > max(len(self._live), self.sweep_floor):
            self._sweep()

    def _sweep(self) -> None:
        entries = self._drop_dead([entry for level, _ in self._levels for entry in level])
        self._levels = [(entries, _build(entries))] if entries else []

    def overlapping(self, low: int, high: int) -> list[_T]:
        """Return the values whose interval meets ``[low, high)``, in no set order."""
        found: list[_T] = []
        for _, tree in self._levels:
            _gather(tree, low, high, found)
        if self._dead:
            dead = self._dead
            return [value for value in found if id(value) not in dead]
        return found

    def containing(self, point: int) -> list[_T]:
        """Return the values whose interval contains ``point``, in no set order."""
        return self.overlapping(point, point + 1)
