"""The key table, and the interval sets made from the rows.

:class:`_Keys` numbers the facts' keys and finds a key's number by its text,
in flat buffers (a blob, its ends, a hash index) that save and load as they
are; :func:`_sets_of` files every row in the interval sets a question is
answered from.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence

from ._intervals import IntervalSet
from ._rows import _NEVER, _Rows

#: The interval sets: where spells may be in force, start and end; current and past.
_SETS = ("spans", "starts", "ends", "past spans", "past starts", "past ends")


def _crc(text: bytes) -> int:
    """A key's stable hash, as a signed 32-bit number (as its array keeps it)."""
    return zlib.crc32(text) - (1 << 31)


class _Keys:
    """Keys as one UTF-8 blob and the offsets where each ends, found by a hash of their text.

    Eight bytes and its text a key, where a list of ``str`` costs some sixty
    bytes more, and the dict to find them as much again: a key is decoded
    when read. The facts index keeps its keys sorted (see ``_compact``) and
    numbers new keys at the end until the next compaction puts them in
    order. Keys are found by a stable hash of their text (CRC-32): those the
    keys were made with through a sorted array of hashes, those appended
    since through an open-addressing table in arrays -- so a first build of
    millions of keys holds no object per key, which the allocator would keep
    after the build as scattered, half-empty pages.
    """

    __slots__ = ("blob", "by_hash", "ends", "hashes", "pending", "table", "table_hashes")

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._fill(key.encode("utf-8", "surrogatepass") for key in keys)

    def _fill(self, keys: Iterable[bytes | bytearray]) -> None:
        texts = list(keys)
        self.blob = bytearray().join(texts)
        self.ends = array("q", itertools.accumulate(map(len, texts)))
        crcs = array("i", map(operator.sub, map(zlib.crc32, texts), itertools.repeat(1 << 31)))
        del texts
        order = sorted(range(len(crcs)), key=crcs.__getitem__)
        self.hashes = array("i", map(crcs.__getitem__, order))  # ascending
        self.by_hash = array("i", order)  # each one's key number
        # The keys appended since: their numbers at their hash's place (or the
        # next free one), -1 where free; the table at most half full.
        self.table = array("i")
        self.table_hashes = array("i")
        # While a long catch-up numbers its keys (see start_pending), a dict finds them.
        self.pending: dict[str, int] | None = None

    @classmethod
    def of(cls, blob: bytes, ends: array[int], hashes: array[int], by_hash: array[int]) -> _Keys:
        """Keys as ``blob`` and ``ends`` held them, and their hash index (checked for shape)."""
        rising = all(b >= a for a, b in itertools.pairwise(ends))
        if (ends[-1] if ends else 0) != len(blob) or not rising or (ends and ends[0] < 0):
            raise ValueError("its keys' ends do not match their text")
        if not len(hashes) == len(by_hash) == len(ends):
            raise ValueError("its keys' hash index does not match its keys")
        made = cls()
        made.blob, made.ends, made.hashes, made.by_hash = bytearray(blob), ends, hashes, by_hash
        return made

    def packed(self) -> _Keys:
        """These keys with every one in the sorted hash index (to save)."""
        return self.reordered(range(len(self))) if self.table or self.pending else self

    def reordered(self, order: Iterable[int]) -> _Keys:
        """These keys in the order of their numbers in ``order``, numbered from 0."""
        made = _Keys.__new__(_Keys)
        made._fill(self.texts(order))  # noqa: SLF001 -- its own kind
        return made

    def texts(self, order: Iterable[int]) -> list[bytearray]:
        """The UTF-8 text of the keys numbered ``order``, in that order."""
        order = list(order)
        ends = self.ends
        starts = map(ends.__getitem__, map(operator.sub, order, itertools.repeat(1)))
        begins = map(operator.mul, starts, map(operator.truth, order))  # key 0 starts at 0
        return list(map(self.blob.__getitem__, map(slice, begins, map(ends.__getitem__, order))))

    def raw(self, index: int) -> bytes:
        """The UTF-8 text of key ``index`` (0 or more)."""
        ends = self.ends
        return bytes(self.blob[ends[index - 1] if index else 0 : ends[index]])

    def find(self, key: str) -> int | None:
        """The number of ``key``; None if it is not one of these."""
        if self.pending is not None and key in self.pending:
            return self.pending[key]
        text = key.encode("utf-8", "surrogatepass")
        return self._find(text, _crc(text))

    def number(self, key: str) -> int:
        """The number of ``key``, which is added as the last if it is new."""
        pending = self.pending
        if pending is not None:
            number = pending.get(key)
            if number is not None:
                return number
        text = key.encode("utf-8", "surrogatepass")
        crc = _crc(text)
        number = self._find(text, crc) if self.hashes or self.table else None
        if number is None:
            if pending is not None:
                # Found through the dict until reordered: no place in the table.
                number = pending[key] = len(self.ends)
                self.blob += text
                self.ends.append(len(self.blob))
                return number
            number = self._append(text, crc)
        return number

    def start_pending(self) -> None:
        """Find keys through a dict from now (a long catch-up), until :meth:`reordered`.

        A dict of the keys costs some hundred bytes a key while it lasts,
        and spares each new key the search and placing in the table. Keys
        numbered meanwhile are in no hash index: only the dict, and the new
        keys :meth:`reordered` makes, find them.
        """
        self.pending = {}

    def _find(self, text: bytes, crc: int) -> int | None:
        hashes, blob, ends = self.hashes, self.blob, self.ends
        at = bisect.bisect_left(hashes, crc)
        while at < len(hashes) and hashes[at] == crc:
            number = self.by_hash[at]
            if blob[ends[number - 1] if number else 0 : ends[number]] == text:
                return number
            at += 1
        table = self.table
        if table:
            mask, table_hashes = len(table) - 1, self.table_hashes
            at = crc & mask
            while (number := table[at]) >= 0:
                start = ends[number - 1] if number else 0
                if table_hashes[at] == crc and blob[start : ends[number]] == text:
                    return number
                at = (at + 1) & mask
        return None

    def _append(self, text: bytes, crc: int) -> int:
        number = len(self.ends)
        self.blob += text
        self.ends.append(len(self.blob))
        if 2 * (number + 1 - len(self.hashes)) > len(self.table):
            self._rehash(max(8, 2 * len(self.table)))
        else:
            self._place(crc, number)
        return number

    def _place(self, crc: int, number: int) -> None:
        table, mask = self.table, len(self.table) - 1
        at = crc & mask
        while table[at] >= 0:
            at = (at + 1) & mask
        table[at] = number
        self.table_hashes[at] = crc

    def _rehash(self, size: int) -> None:
        """Make the table ``size`` places (a power of two) and place the appended keys again."""
        self.table = array("i", [-1]) * size
        self.table_hashes = array("i", bytes(4 * size))
        for number in range(len(self.hashes), len(self.ends)):
            self._place(_crc(self.raw(number)), number)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            index += len(self.ends)
            if index < 0:
                raise IndexError("key index out of range")
        return self.raw(index).decode("utf-8", "surrogatepass")  # IndexError past the end

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Keys):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[str]:
        blob, start = self.blob, 0
        for end in self.ends:
            yield blob[start:end].decode("utf-8", "surrogatepass")
            start = end


def _inverse(order: Sequence[int]) -> array[int]:
    """The inverse of a permutation: where each number went."""
    inverse = array("i", bytes(4 * len(order)))
    for new, old in enumerate(order):
        inverse[old] = new
    return inverse


def _sets_of(rows: _Rows) -> dict[str, IntervalSet]:
    """The interval sets of ``rows``, made at once from their columns.

    A row in force now is filed under its span, its start and (if it has
    one) its end; a closed row that was in force for a while, under the
    past ones -- what filing row by row, and closing, leaves.
    """
    count = len(rows.key)
    numbers = array("i", range(count))
    current = list(map(operator.eq, rows.known_to, itertools.repeat(_NEVER, count)))
    lived = map(operator.lt, rows.known_from, rows.known_to)
    past = list(map(operator.gt, lived, current))  # closed, after a while in force
    start_top = array("q", map(operator.add, rows.start_last, itertools.repeat(1, count)))
    end_top = array("q", map(operator.add, rows.end_last, itertools.repeat(1, count)))
    columns = {
        "spans": (rows.start_earliest, rows.end_last),
        "starts": (rows.start_earliest, start_top),
        "ends": (rows.end_earliest, end_top),
    }
    sets = {}
    for prefix, chosen in (("", current), ("past ", past)):
        ended = list(map(operator.and_, chosen, rows.has_end))
        for name, (lows, highs) in columns.items():
            keep = ended if name == "ends" else chosen
            if keep.count(True) == count:  # all of them: the columns as they are
                sets[prefix + name] = IntervalSet.of(lows, highs, numbers)
            elif True in keep:
                sets[prefix + name] = IntervalSet.of(
                    *(
                        array(column.typecode, itertools.compress(column, keep))
                        for column in (lows, highs, numbers)
                    )
                )
            else:
                sets[prefix + name] = IntervalSet()
    return sets
