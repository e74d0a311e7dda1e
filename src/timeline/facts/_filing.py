"""Filing: a key's records read back, its spells rebuilt and filed as rows.

A key's spells are rebuilt whenever a record about it arrives or is fixed; its
current rows are closed at that known time and the new spells filed, so earlier
versions never change.
"""

from __future__ import annotations

import itertools
import operator
import uuid
from array import array
from collections.abc import Iterable, Iterator

from timeline._answer import Answer
from timeline._corrections import hidden_ids
from timeline._records import Record
from timeline.time import End, Question
from timeline.time import micros as _micros

from . import _tuning
from ._cells import spell_cells
from ._intervals import taker
from ._keys import _inverse, _sets_of
from ._rows import _NEVER, _bounds, _digest, _floating, _known_time, _Rows
from ._rules import Change, _Role
from ._spells import Made, Spell, _build_spells
from ._state import _State
from ._why import Why, explain


class _Filing(_State):
    """Reading a key's records back and filing its spells as rows; compaction."""

    def _change(self, record: Record) -> tuple[_Role, Change] | None:
        rule = self._rules.get(type(record.event))
        if rule is None:
            return None
        role, name = rule
        change = getattr(self, name)(record)
        if change is None:
            return None
        return role, change if isinstance(change, Change) else Change(str(change))

    def _find_key(self, key: str) -> int | None:
        """The number of ``key``; None if no record was about it."""
        return self._keys.find(key)

    def _key_number(self, key: str) -> int:
        """The number of ``key``, numbering it if it is new."""
        count = len(self._keys)
        number = self._keys.number(key)
        if number == count:  # a new key
            self._key_slot.append(-1)
            self._key_row.append(-1)
        return number

    def _keys_of(self, ids: Iterable[uuid.UUID]) -> set[int]:
        """The keys of the records with these ids, among those a handler kept."""
        positions = []
        for record_id in ids:
            prefix = record_id.bytes[:8]
            at = self._slot_ids.find(prefix)
            while at != -1:
                if at % 8 == 0:
                    positions.append(self._slot_position[at // 8])
                at = self._slot_ids.find(prefix, at + 1)
        wanted = set(ids)
        return {
            self._key_number(found[1].key)
            for found, record in self._read(positions)
            if found is not None and record.id in wanted
        }

    def _read(self, positions: Iterable[int]) -> list[tuple[tuple[_Role, Change] | None, Record]]:
        """The records at ``positions`` with what the handlers make of them."""
        out: list[tuple[tuple[_Role, Change] | None, Record]] = []
        missing = []
        for position in positions:
            found = self._recent.get(position)
            if found is None:
                missing.append(position)
            else:
                out.append(((found[0], found[1]), found[2]))
        if missing:
            out.extend((self._change(record), record) for record in self.log._at(missing))  # noqa: SLF001 -- the log's reader by position
        return out

    def _spells_of_keys(
        self, keys: Iterable[str], *, known: int, position: int
    ) -> dict[str, tuple[Spell, ...]]:
        """:meth:`_spells` by key; a key no record was about has none."""
        numbers = {key: self._find_key(key) for key in keys}
        found = self._spells(
            [n for n in numbers.values() if n is not None], known=known, position=position
        )
        return {key: () if n is None else found[n] for key, n in numbers.items()}

    def _spells(
        self, numbers: Iterable[int], *, known: int, position: int, made: Made | None = None
    ) -> dict[int, tuple[Spell, ...]]:
        """Build the spells of keys ``numbers`` from their records, as known at ``known``.

        Only records up to ``position`` count, and retractions and
        corrections up to it and known by ``known``.
        """
        numbers = list(numbers)
        owner = {
            at: number for number in numbers for at in self._positions_of(number) if at <= position
        }
        if known >= self._latest and position >= self._position:
            hidden = self._hidden
        else:
            hidden = hidden_ids(
                (fix, target)
                for at, fix_known, fix, target in self._fixes
                if at <= position and fix_known <= known
            )
        items: dict[int, list[tuple[_Role, Change, Record]]] = {n: [] for n in numbers}
        for found, record in self._read(owner):
            if found is None or record.id in hidden:
                continue
            if known < self._latest and _micros(record.known_at) > known:
                continue
            items[owner[record.position]].append((*found, record))
        valid_of = self._zoning.valid
        return {n: _build_spells(self._keys[n], items[n], made, valid_of) for n in numbers}

    def _why(self, key: str, question: Question, limit: int, asked: str) -> Why:
        spells = self._spells_of_keys([key], known=limit, position=self._position)[key]
        known = None if limit == _NEVER else _known_time(limit)
        fixes = self._fixes_of(key, limit)
        if not spells:
            if fixes:
                said = "what put it in force was retracted or corrected by then"
            elif self._find_key(key) is not None:
                said = "no record of it was known by then"
            else:
                said = "no record is about it"
            return Why(key, Answer.NO, question, asked, known, None, None, None, (said,), fixes)
        answered = [(spell, question.answer(spell.extent)) for spell in spells]
        for wanted in (Answer.YES, Answer.MAYBE):
            for spell, answer in answered:
                if answer is wanted:
                    return explain(
                        spell,
                        answer,
                        question,
                        asked=asked,
                        known=known,
                        fixes=fixes,
                        zoning=self._zoning,
                    )
        spell, answer = answered[-1]
        return explain(
            spell, answer, question, asked=asked, known=known, fixes=fixes, zoning=self._zoning
        )

    def _fixes_of(self, key: str, limit: int) -> tuple[Record, ...]:
        """The retractions and corrections of ``key``'s records known by ``limit``, in order."""
        number = self._find_key(key)
        if number is None or not self._fixes:
            return ()
        ids = {record.id for _, record in self._read(sorted(self._positions_of(number)))}
        positions = [at for at, fix_known, _, target in self._fixes
                     if target in ids and fix_known <= limit]  # fmt: skip
        return tuple(self.log._at(sorted(positions)))  # noqa: SLF001 -- the log's reader by position

    def _positions_of(self, number: int) -> Iterator[int]:
        """The positions of key ``number``'s records, newest first."""
        slot = self._key_slot[number]
        while slot >= 0:
            yield self._slot_position[slot]
            slot = self._slot_previous[slot]

    def _rows_of(self, number: int) -> Iterator[int]:
        row = self._key_row[number]
        while row >= 0:
            yield row
            row = self._rows.previous[row]

    def _refile(self, number: int, spells: tuple[Spell, ...], now: int) -> None:
        """Close the key's rows whose spell changed and file the new spells, from ``now``."""
        rows = self._rows
        bounds = []
        signatures = []
        many = len(spells) >= _tuning.MEMO_FROM
        for spell in spells:
            bound, signature = self._signature(spell, keep=many)
            bounds.append(bound)
            signatures.append(signature)
        current = {
            rows.signature[row]: row
            for row in self._rows_of(number)
            if rows.known_to[row] == _NEVER
        }
        wanted = set(signatures)
        for signature, row in current.items():
            if signature not in wanted:
                self._close(row, now)
        for spell, bound, signature in zip(spells, bounds, signatures, strict=True):
            if signature not in current:
                first = spell.records[0].position
                has_end = not isinstance(spell.end, End)
                floating = _floating(spell.extent)
                cells = spell_cells(spell)
                self._cells.note(spell.attributes)
                self._file(number, first, bound, has_end, floating, signature, cells, now)

    def _signature(self, spell: Spell, *, keep: bool) -> tuple[tuple[int, int, int, int], int]:
        """A spell's bounds and digest; found again, in a catch-up, for a spell made before.

        Kept for the rest of the catch-up where ``keep`` (a key of many spells) or the spell
        has many records: those are the ones a long catch-up makes again and again.
        """
        if not keep and len(spell.records) < _tuning.MEMO_FROM:
            bound = _bounds(spell)
            listed = [record.position for record in spell.records]
            return bound, _digest(spell.fact, bound, not isinstance(spell.end, End), listed)
        positions = tuple(record.position for record in spell.records)
        signed = self._signed.get((spell.fact, positions))
        if signed is None:
            bound = _bounds(spell)
            has_end = not isinstance(spell.end, End)
            signed = self._signed[spell.fact, positions] = (
                bound,
                _digest(spell.fact, bound, has_end, positions),
            )
        return signed

    def _file(  # noqa: PLR0917 -- a row's columns, in order (called per new spell)
        self,
        number: int,
        first: int,
        bounds: tuple[int, int, int, int],
        has_end: bool,  # noqa: FBT001
        floating: int,
        signature: int,
        cells: bytes,
        now: int,
        /,
    ) -> None:
        rows = self._rows
        row = len(rows.key)
        start_earliest, start_last, end_earliest, end_last = bounds
        rows.key.append(number)
        rows.first.append(first)
        rows.start_earliest.append(start_earliest)
        rows.start_last.append(start_last)
        rows.end_earliest.append(end_earliest)
        rows.end_last.append(end_last)
        rows.has_end.append(has_end)
        rows.floating.append(floating)
        self._flags |= 1 << floating
        rows.known_from.append(now)
        rows.known_to.append(_NEVER)
        rows.signature.append(signature)
        rows.previous.append(self._key_row[number])
        self._cells.add(cells)
        self._key_row[number] = row
        self._current += 1
        if not self._filing:
            return
        sets = self._sets
        sets["spans"].add(start_earliest, end_last, row)
        sets["starts"].add(start_earliest, start_last + 1, row)
        if has_end:
            sets["ends"].add(end_earliest, end_last + 1, row)

    def _intervals(self, row: int) -> list[tuple[str, int, int]]:
        """Where a row is filed: spans, starts and (if it has an end) ends."""
        rows = self._rows
        start, end = rows.start_earliest[row], rows.end_last[row]
        found = [
            ("spans", start, end),
            ("starts", start, rows.start_last[row] + 1),
        ]
        if rows.has_end[row]:
            found.append(("ends", rows.end_earliest[row], end + 1))
        return [(name, low, high) for name, low, high in found if low < high]

    def _close(self, row: int, now: int) -> None:
        self._rows.known_to[row] = now
        self._current -= 1
        if not self._filing:
            return
        for name, low, high in self._intervals(row):
            self._sets[name].remove(row)
            if self._rows.known_from[row] < now:
                self._sets[f"past {name}"].add(low, high, row)

    def _compact(self) -> None:
        """Number keys in key order and rows in (key, first record) order.

        Questions then put an answer in key order by sorting row numbers.
        New arrays replace the old, which answers already given keep.
        """
        keys = self._keys
        # The keys below _sorted_keys are in order already, and the others are
        # sorted, then merged with them. By their UTF-8 (lone surrogates too):
        # its bytes sort as the code points they write.
        # The sort finds the sorted run of the first and merges the others in.
        texts = keys.texts(range(len(keys)))
        key_order = array("i", sorted(range(len(keys)), key=texts.__getitem__))
        del texts
        new_key = _inverse(key_order)
        old_rows = self._rows
        count = len(old_rows.key)
        shifted = map(
            operator.lshift, map(new_key.__getitem__, old_rows.key), itertools.repeat(64, count)
        )
        packed = list(map(operator.or_, shifted, old_rows.first))  # (key, first record)
        row_order = sorted(range(count), key=packed.__getitem__)
        del packed
        # A row's new number; -1 (the last, added) stays -1: "none".
        new_row = _inverse(row_order) + array("i", [-1])
        take = taker(row_order)
        rows = _Rows()
        for name in _Rows.NAMES:
            column = getattr(old_rows, name)
            setattr(rows, name, array(column.typecode, take(column)))
        rows.key = array("i", map(new_key.__getitem__, rows.key))
        rows.previous = array("i", map(new_row.__getitem__, rows.previous))
        self._rows = rows
        self._cells = self._cells.reordered(row_order)
        self._keys = keys.reordered(key_order)
        if self._names:
            self._names = self._names.reordered(key_order, new_key)
        self._sorted_keys = len(keys)
        take = taker(key_order)
        self._key_slot = array("q", take(self._key_slot))
        self._key_row = array("i", map(new_row.__getitem__, take(self._key_row)))
        self._sets = _sets_of(rows)
        self._sorted_rows = count
