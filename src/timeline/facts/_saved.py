"""The saved index: written to the log's store, read back, answered on a server.

The state is cut in parts, each hashed and sealed with the log's head, so a
state that does not match its log is never used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import uuid
import warnings
from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Self

from timeline._answer import Answer
from timeline._codec import canonical_json
from timeline._corrections import hidden_ids
from timeline._errors import StoreError
from timeline._projection import SnapshotIgnoredWarning
from timeline._records import known_instant
from timeline.stores._snapshots import STATE_FORMAT, seal_problem
from timeline.time import EAST, Question, QuestionLike
from timeline.time import micros as _micros
from timeline.typing import StateStore

from ._answers import SavedAnswer
from ._cells import CELLS_FORMAT, _Cells
from ._filters import _Names, names_format
from ._intervals import IntervalSet
from ._keys import _SETS, _Keys
from ._rows import _ALL_FLOATING, _ALL_ZONED, _NEVER, _answer_row, _Rows
from ._zones import NO_ZONES

if TYPE_CHECKING:
    from timeline._log import Log


from timeline._logger import logger

from . import _tuning
from ._catch_up import _CatchUp

#: The array types a saved state may hold, and the largest part it is cut in.
_TYPECODES = frozenset("bilq")


class _Hashed:
    """The parts of a saved state, hashed (SHA-256) as they are read."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self.digest = hashlib.sha256()
        self._parts = iter(parts)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        part = next(self._parts)
        self.digest.update(part)
        return part


def _unpack(
    meta: dict[str, Any], parts: Iterator[bytes]
) -> tuple[dict[str, array[int]], list[bytes]]:
    """The arrays (by name) and blobs a saved state's parts hold, as its description says."""
    pieces = parts
    columns: dict[str, array[int]] = {}
    swap = meta["byteorder"] != sys.byteorder
    for name, typecode, length, count in meta["arrays"]:
        if typecode not in _TYPECODES:
            raise ValueError(f"an array of unknown type {typecode!r}")
        column = array(typecode)
        for _ in range(count):
            column.frombytes(_take(pieces))
        if len(column) != length:
            raise ValueError(f"its array {name!r} is not as long as its description says")
        if swap:
            column.byteswap()
        columns[name] = column
    blobs = []
    for size, count in meta["blobs"]:
        blobs.append(b"".join([_take(pieces) for _ in range(count)]))
        if len(blobs[-1]) != size:
            raise ValueError("a part is not as long as its description says")
    if next(pieces, None) is not None:
        raise ValueError("it has more parts than its description says")
    return columns, blobs


def _take(pieces: Iterator[bytes]) -> bytes:
    part = next(pieces, None)
    if part is None:
        raise ValueError("it has fewer parts than its description says")
    return part


#: What the state of an index's cells is saved as: the index's own name, then this.
CELLS_STATE = " cells"


def _packed(
    arrays: list[tuple[str, array[int]]], blobs: list[bytes], meta: dict[str, Any]
) -> tuple[str, list[bytes]]:
    """A state's description and parts: each array and blob cut in parts, all sealed.

    Each array and blob is in parts of its own (cut where items end), so that
    loading copies each part once, straight into its array. The description
    (``meta`` with where each lies) gets the SHA-256 of the parts and then of
    itself: a changed count or time there would change answers as surely as a
    changed byte in the arrays.
    """
    parts: list[bytes] = []
    digest = hashlib.sha256()

    def cut(data: bytes, item: int) -> int:
        step = _tuning.PART - _tuning.PART % item
        pieces = [data[at : at + step] for at in range(0, len(data), step)] or [b""]
        for piece in pieces:
            digest.update(piece)
        parts.extend(pieces)
        return len(pieces)

    described = [
        [name, column.typecode, len(column), cut(column.tobytes(), column.itemsize)]
        for name, column in arrays
    ]
    blob_parts = [[len(blob), cut(blob, 1)] for blob in blobs]
    meta = {**meta, "byteorder": sys.byteorder, "arrays": described, "blobs": blob_parts}
    digest.update(canonical_json(meta).encode())
    meta["sha256"] = digest.hexdigest()
    return json.dumps(meta), parts


class _Saved(_CatchUp):
    """Saving the index in the log's store and starting from it."""

    def save_snapshot(self) -> bool:
        """Catch up, then save the index in the log's store, beside the log.

        It is saved under :meth:`name` with :attr:`version`, the position and
        head hash it was built at, and a SHA-256 of its bytes; it replaces the
        state saved before, in one transaction. Should another process have
        saved a state as far along or further, that one is kept.

        On a store that answers from saved rows (PostgreSQL, see
        :meth:`answer_from`), only the rows of the keys that changed are
        written, where the rows kept are ones this index can bring up to date;
        and the state itself only once the log has grown by 10,000 records or a
        twentieth since it was saved: a save after a short catch-up writes the
        changed rows alone, and keeps the answers on the server current.

        Returns:
            Whether it was written (False also when the store keeps no
            states: a JSON Lines store does not).
        """
        self.catch_up()
        store = self.log.store
        if not isinstance(store, StateStore):
            return False
        with_rows = getattr(store, "save_state_and_rows", None)
        rows_alone = getattr(store, "save_rows", None)
        unsaved = self._unsaved
        changed = None
        if unsaved is not None and with_rows is not None:  # only a server keeps rows
            changed = (self._rows_saved_at, sorted(unsaved), self._row_tuples_of(unsaved))
        since_state = self._position - self._state_saved_at
        if (
            rows_alone is not None
            and changed is not None
            and since_state < max(_tuning.STATE_AFTER, self._state_saved_at // 20)
            and rows_alone(self.name(), self._position, changed)
        ):
            self._unsaved, self._rows_saved_at = set(), self._position
            return True
        if self._tail_is_long():
            # Saved in key order, so that an index started from it answers in key order by
            # sorting row numbers; a short tail (as after a catch-up of a few records) is
            # saved as it is, as it is kept in memory: compacting a million rows for it
            # would cost a save most of its time.
            self._compact()
        meta, parts, (cells_meta, cells_parts) = self._dump()
        # The cells first: an index saved names them by checksum, and is used without them
        # (its rows made from records) should another save come between.
        store.save_state(self.name() + CELLS_STATE, self._position, cells_meta, cells_parts)
        if with_rows is None:
            saved = store.save_state(self.name(), self._position, meta, parts)
        else:
            # A server that answers from the rows too: only the changed keys' rows are
            # written where it can (it checks, and writes them all otherwise).
            saved = bool(
                with_rows(
                    self.name(), self._position, meta, parts, self._row_tuples(), changed=changed
                )
            )
            if saved:
                self._unsaved, self._rows_saved_at = set(), self._position
        if saved:
            self._state_saved_at = self._position
        return saved

    def _row_tuples_of(self, keys: Iterable[str]) -> list[tuple[Any, ...]]:
        """Every row of ``keys`` (current or not), as :meth:`_row_tuples` gives them."""
        rows = self._rows
        found: list[tuple[Any, ...]] = []
        for key in keys:
            number = self._keys.find(key)
            if number is None:
                continue
            found.extend(
                (
                    key,
                    rows.first[row],
                    rows.start_earliest[row],
                    rows.start_last[row],
                    rows.end_earliest[row],
                    rows.end_last[row],
                    rows.floating[row],
                    rows.known_from[row],
                    rows.known_to[row],
                )
                for row in self._rows_of(number)
            )
        return found

    def _row_tuples(self) -> Iterator[tuple[Any, ...]]:
        """Every row filed, as a server keeps it (see :meth:`answer_from`)."""
        rows, keys = self._rows, self._keys
        return zip(
            map(keys.__getitem__, rows.key),
            rows.first,
            rows.start_earliest,
            rows.start_last,
            rows.end_earliest,
            rows.end_last,
            rows.floating,
            rows.known_from,
            rows.known_to,
            strict=True,
        )

    @classmethod
    def answer_from(
        cls, store: object, valid: QuestionLike, *, known: dt.datetime | dt.date | str | None = None
    ) -> SavedAnswer:
        """Answer "in force at ``valid`` as known at ``known``" from the rows saved in ``store``.

        For a store that answers on the server (:class:`~timeline.stores.PostgresStore`):
        the rows the last :meth:`save_snapshot` wrote are searched there, so
        neither the log nor the index is read into memory. The answer is as
        of the position they were saved at -- :attr:`SavedAnswer.behind`
        says how many records the log has gained since; a follower that
        saves after catching up (:meth:`follow`) keeps it current.

        Raises:
            StoreError: ``store`` keeps no such rows, none were saved for this
                class, or they were saved by another version of it.
        """
        query = getattr(store, "fact_answers", None)
        if query is None:
            raise StoreError(f"{store!r} does not answer from saved rows: use TemporalFacts.at")
        asked = Question.of(valid)
        limit = _NEVER - 1 if known is None else _micros(known_instant(known))
        flags = _ALL_FLOATING if asked.floating else _ALL_ZONED
        question = (asked.low, max(asked.high, asked.low), asked.exact, flags)
        # Rows floating where the question is not may meet it within 14 hours either way.
        found = query(cls.name(), question, limit, EAST)
        if found is None:
            raise StoreError(f"{store!r} holds no saved {cls.name()}: save_snapshot() first")
        position, head, text, plain, others = found
        meta = json.loads(text)
        if meta.get("format") != STATE_FORMAT or meta.get("version") != cls.version:
            raise StoreError(
                f"{store!r}: the saved {cls.name()} is of another version: rebuild it "
                "(save_snapshot() after a fresh build, or `timeline rebuild`)"
            )
        if meta.get("zones", NO_ZONES.rules) != cls._zoning.rules:
            raise StoreError(
                f"{store!r}: the saved {cls.name()} read dates with other zone rules "
                f"({meta.get('zones', NO_ZONES.rules)}, not {cls._zoning.rules}): rebuild it"
            )
        answered = (Answer.MAYBE, Answer.YES)  # by whether the server found it sure
        answers: list[tuple[str, int, Answer]] = [
            (key, first, answered[surely]) for key, first, surely in plain
        ]
        for key, first, start_low, start_top, end_low, end_top, row_flags, _, _ in others:
            answer = _answer_row((start_low, start_top, end_low, end_top), row_flags, asked)
            if answer is not Answer.NO:
                answers.append((key, first, answer))
        answers.sort()
        return SavedAnswer(position, head - position, answers)

    @classmethod
    def _built_otherwise(cls, meta: dict[str, Any]) -> str | None:
        """Why an index saved as ``meta`` says was built by other rules; None if it was not."""
        zones = meta.get("zones", NO_ZONES.rules)  # saved before zone rules: none
        if zones != cls._zoning.rules:
            return f"it read dates with other zone rules ({zones}, not {cls._zoning.rules})"
        filters = meta.get("filters", [])  # saved before filters: none
        if filters != cls._filters_described():  # in order: values are kept by position
            return (
                f"it was saved with other filters ({filters or 'none'}, not "
                f"{cls._filters_described() or 'none'})"
            )
        kept = meta.get("names")
        if kept != cls._names_kept():
            return f"its names were kept another way ({kept}, not {cls._names_kept()})"
        cells = meta.get("cells")  # saved before rows kept their cells: none
        if not isinstance(cells, dict) or cells.get("format") != CELLS_FORMAT:
            return "its rows kept no cells for answers' tables (saved by an earlier version)"
        return None

    @classmethod
    def _filters_described(cls) -> list[list[str]]:
        """The filters in order, as saved with an index: an index of others is rebuilt."""
        return [[name, found.described()] for name, found in cls._filter_items]

    @classmethod
    def _names_kept(cls) -> str | None:
        """How the filters' names are kept (None: there are none), as saved with an index."""
        return names_format() if cls._filter_items else None

    def _dump(self) -> tuple[str, list[bytes], tuple[str, list[bytes]]]:
        """The index as a saved state (description, parts), and its rows' cells as another.

        The cells are a state of their own (:data:`CELLS_STATE` after the
        name), sealed like the index and named by their checksum in its
        description: read only when a table row is first made from them.
        """
        cells = self._cells.saved()
        cells_text, cells_parts = _packed(
            [("cell ends", cells.ends)],
            [bytes(cells.blob)],
            {
                "format": STATE_FORMAT,
                "name": self.name() + CELLS_STATE,
                "cells": CELLS_FORMAT,
                "position": self._position,
                "head": self._head,
            },
        )
        keys = self._keys.packed()
        arrays: list[tuple[str, array[int]]] = [
            ("key ends", keys.ends),
            ("key hashes", keys.hashes),
            ("key by hash", keys.by_hash),
            ("key slot", self._key_slot),
            ("key row", self._key_row),
            ("slot position", self._slot_position),
            ("slot previous", self._slot_previous),
            *(
                (f"row {name}", column)
                for name, column in zip(_Rows.NAMES, self._rows.columns(), strict=True)
            ),
            *(self._names.arrays() if self._names else ()),
        ]
        layouts = {}
        for name, intervals in self._sets.items():
            layout, columns = intervals.dump()
            layouts[name] = layout
            arrays.extend((f"{name} {n}", column) for n, column in enumerate(columns))
        blobs = [
            bytes(self._slot_ids),
            bytes(keys.blob),
            json.dumps(
                [[at, known, fix.hex, target.hex] for at, known, fix, target in self._fixes]
            ).encode(),
            *((bytes(self._names.blob), bytes(self._names.state)) if self._names else ()),
        ]
        text, parts = _packed(
            arrays,
            blobs,
            {
                "format": STATE_FORMAT,
                "name": self.name(),
                "version": self.version,
                "zones": self._zoning.rules,
                "filters": self._filters_described(),
                "names": self._names_kept(),
                "cells": {
                    "format": CELLS_FORMAT,
                    "rows": len(cells),
                    "bytes": len(cells.blob),
                    "attributes": list(self._cells.names),
                },
                # States saved beside this one, by name, with their checksums (verify checks them).
                "companions": {self.name() + CELLS_STATE: json.loads(cells_text)["sha256"]},
                "position": self._position,
                "head": self._head,
                "latest": self._latest,
                "current": self._current,
                "sorted_rows": self._sorted_rows,
                "sorted_keys": self._sorted_keys,
                "sets": layouts,
            },
        )
        return text, parts, (cells_text, cells_parts)

    def _saved_cells(self, expected: dict[str, Any]) -> _Cells | None:
        """The cells saved beside the index, if they are those its description names."""
        cells, problem = self._read_cells(expected)
        if cells is not None:
            return cells
        message = (
            f"the saved cells of {self.name()} not used: {problem}; "
            "table rows are made from the records instead (`timeline rebuild` keeps them again)"
        )
        logger.warning(message)
        warnings.warn(message, SnapshotIgnoredWarning, stacklevel=4)
        return None

    def _read_cells(self, expected: dict[str, Any]) -> tuple[_Cells | None, str]:
        """The saved cells, or why they cannot be used."""
        store = self.log.store
        found = (
            store.load_state(self.name() + CELLS_STATE) if isinstance(store, StateStore) else None
        )
        if found is None:
            return None, "none were saved"
        position, text, parts = found
        try:
            meta = json.loads(text)
            if meta.get("sha256") != expected["sha256"] or meta.get("cells") != CELLS_FORMAT:
                return None, "they are not those saved with the index (saved again since?)"
            hashed = _Hashed(parts)
            columns, blobs = _unpack(meta, hashed)
            problem = seal_problem(store, position, meta, hashed.digest)
            if problem is not None:
                return None, problem
            cells = _Cells.load(columns, blobs[0], [])
        except (KeyError, TypeError, ValueError, IndexError) as error:
            return None, f"they cannot be read ({type(error).__name__}: {error})"
        if len(cells) != expected["rows"]:
            return None, "they are not as many as its rows"
        return cells, ""

    @classmethod
    def from_snapshot(cls, log: Log) -> Self:
        """Start from the index saved in the log's store, if it can be trusted.

        The saved state is used only if its checksum matches its bytes, it
        was saved by this :attr:`version` of the class, and the log still
        holds, at its position, the record it was built on. Otherwise --
        with the reason logged to the ``timeline`` logger and given as a
        :class:`~timeline.SnapshotIgnoredWarning` -- it starts empty and
        builds from the log. Either way the next question catches up first,
        reading only what was appended since.
        """
        facts = cls(log)
        store = log.store
        found = store.load_state(cls.name()) if isinstance(store, StateStore) else None
        if found is None:
            return facts
        problem = facts._restore(*found)
        if problem is not None:
            facts = cls(log)
            message = f"saved state of {cls.name()} not used: {problem}; building from the log"
            logger.warning(message)
            warnings.warn(message, SnapshotIgnoredWarning, stacklevel=2)
        return facts

    def _restore(self, position: int, text: str, parts: Iterable[bytes]) -> str | None:
        """Take a saved state; return why it cannot be used, or None once it is.

        The parts are hashed as they are loaded into arrays, one at a time;
        the arrays are used only once the whole state's checksum is right.
        """
        try:
            meta = json.loads(text)
            if not isinstance(meta, dict) or meta.get("format") != STATE_FORMAT:
                return "it was written by another version of the library"
            if meta["version"] != self.version:
                return f"it is of version {meta['version']}, not {self.version}"
            problem = self._built_otherwise(meta)
            if problem is not None:
                return problem
            hashed = _Hashed(parts)
            columns, blobs = _unpack(meta, hashed)
            problem = seal_problem(self.log.store, position, meta, hashed.digest)
            if problem is not None:
                return problem
            self._load(meta, columns, blobs)
            # The rows a server keeps beside this state (PostgreSQL) are this state's, or
            # were saved further along (save_rows): the keys this index touches from here
            # on cover every row that differs from them, as far as its own position.
            self._unsaved, self._rows_saved_at = set(), position
            self._state_saved_at = position
        except (KeyError, TypeError, ValueError, IndexError) as error:
            return f"it cannot be read ({type(error).__name__}: {error})"
        return None

    def _load(
        self, meta: dict[str, Any], columns: dict[str, array[int]], blobs: list[bytes]
    ) -> None:
        self._key_slot = columns["key slot"]
        self._key_row = columns["key row"]
        self._slot_position = columns["slot position"]
        self._slot_previous = columns["slot previous"]
        for name in _Rows.NAMES:
            setattr(self._rows, name, columns[f"row {name}"])
        for name in _SETS:
            layout = meta["sets"][name]
            count = 3 * sum(len(classes) for classes in layout)
            self._sets[name] = IntervalSet.load(
                layout, [columns[f"{name} {n}"] for n in range(count)]
            )
        self._slot_ids = bytearray(blobs[0])
        self._keys = _Keys.of(
            blobs[1], columns["key ends"], columns["key hashes"], columns["key by hash"]
        )
        self._fixes = [
            (at, known, uuid.UUID(fix), uuid.UUID(target))
            for at, known, fix, target in json.loads(blobs[2])
        ]
        self._hidden = hidden_ids((fix, target) for _, _, fix, target in self._fixes)
        cells = meta["cells"]
        self._cells = _Cells.later(
            cells["rows"],
            cells["bytes"],
            cells["attributes"],
            lambda: self._saved_cells(
                {**cells, "sha256": meta["companions"][self.name() + CELLS_STATE]}
            ),
        )
        self._names = _Names.load(self._names.filters, columns, blobs[3:])
        self._position = meta["position"]
        self._head = meta["head"]
        self._latest = meta["latest"]
        self._flags = sum(1 << flags for flags in set(self._rows.floating))
        self._current = meta["current"]
        self._sorted_rows = meta["sorted_rows"]
        self._sorted_keys = meta["sorted_keys"]
        if not (
            len(self._keys) == len(self._key_slot) == len(self._key_row)
            and len(self._slot_ids) == 8 * len(self._slot_position)
            and len(self._cells) == len(self._rows.key)
            and (not self._names or len(self._names.state) <= len(self._keys))
        ):
            raise ValueError("its columns differ in length")
