"""Questions: in force at, during, changes, history -- answered from the index.

A question at (valid, known) finds rows in the interval sets, then reads only
the rows' columns; hits and spells are made when first looked at.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import pendulum

from timeline._answer import Answer
from timeline._corrections import Corrected, Retracted
from timeline._errors import TimelineError
from timeline._extras import feature
from timeline._records import Record, known_instant
from timeline.time import FLOATING, DateSet, End, Moment, Question, QuestionLike
from timeline.time import micros as _micros

from . import _tuning
from ._answers import Changes, History, InForce, Transition
from ._learned import Learned, best
from ._rows import (
    _ALL_FLOATING,
    _ALL_ZONED,
    _FAR,
    _FLOATING_END,
    _FLOATING_START,
    _NEVER,
    _Asked,
    _bound_meets,
    _ends_of_row,
    _falls,
    _known_time,
    _row_answer,
    _spell_at,
    _turning,
    written,
)
from ._spells import Spell
from ._why import Why

if TYPE_CHECKING:
    from timeline.plot import TimelinePicture


from ._saved import _Saved
from ._state import _chunks


def _undated(bound: Moment | DateSet | End) -> bool:
    """Whether a bound has no date at all: not known, or in a year none of whose digits is given."""
    if isinstance(bound, End):
        return bound is End.UNKNOWN
    return isinstance(bound, Moment) and bound.month is None and set(bound.year) == {"X"}


class _Questions(_Saved):
    """Answering questions from the interval sets and the rows."""

    def _known(self, known: dt.datetime | dt.date | str | None) -> int:
        return _NEVER if known is None else _micros(known_instant(known))

    def _found(self, name: str, low: int, high: int, known: int) -> list[int]:
        """The rows of set ``name`` meeting ``[low, high)`` as known at ``known``."""
        found = self._sets[name].overlapping(low, high)
        if known >= self._latest:
            return found
        rows = self._rows
        known_from, known_to = rows.known_from, rows.known_to
        found = [row for row in found if known_from[row] <= known]
        found.extend(
            row
            for row in self._sets[f"past {name}"].overlapping(low, high)
            if known_from[row] <= known < known_to[row]
        )
        return found

    def _meeting(self, name: str, asked: Question, known: int) -> tuple[list[int], set[int]]:
        """The rows of set ``name`` that may meet ``asked`` (not *no*), as known at ``known``.

        Also the rows among them an offset may turn: floating where the
        question is not (or the other way round), with a bound within 14
        hours of the question's ends -- found by their starts and ends -- or
        floating at one end only. The others meet the question as written.
        """
        low, high = asked.low, asked.high
        if low >= high:
            return [], set()
        found = self._found(name, low, high, known)
        same = _ALL_FLOATING if asked.floating else _ALL_ZONED
        if not self._flags & ~(1 << same):  # every row meets it as written
            return found, set()
        rows = self._rows
        flags = rows.floating
        near: set[int] = set()
        bands = (
            [(low - _FAR, low + _FAR), (high - _FAR, high + _FAR)]
            if high - low > 2 * _FAR
            else [(low - _FAR, high + _FAR)]
        )
        for band_low, band_high in bands:
            for by in ("starts", "ends"):
                near.update(self._found(by, band_low, band_high, known))
        near = _turning(rows, near, same, low, high, ends=name == "ends")
        if self._flags & (1 << _FLOATING_START | 1 << _FLOATING_END):  # floating at one end
            near.update(row for row in found if flags[row] not in (_ALL_FLOATING, _ALL_ZONED))
        if not near:
            return found, near
        kept = [row for row in found if row not in near]
        if name == "spans":
            kept.extend(row for row in near if _row_answer(rows, row, asked) is not Answer.NO)
        else:
            kept.extend(
                row
                for row in near
                if _bound_meets(_ends_of_row(rows, row, name), asked) is not Answer.NO
            )
        return kept, near

    def at(
        self,
        valid: QuestionLike,
        *,
        known: dt.datetime | dt.date | str | None = None,
        tz: str = FLOATING,
        where: Mapping[str, str | None] | None = None,
    ) -> InForce:
        """Return the spells in force (yes or maybe) at ``valid``, as known at ``known``.

        Catches up with the log first. ``valid`` is read at its own precision
        (see :class:`~timeline.Question`): ``"2024-01"`` asks about the whole
        month -- yes for a spell surely in force at some instant of it -- and
        an aware datetime about one instant.

        Args:
            valid: The valid time V.
            known: The known time T (see :func:`~timeline.known_instant`); by
                default all that has been read.
            tz: The zone ``valid`` is read in where it names none, as
                :meth:`during` reads its window; by default none (floating).
            where: Only the facts that match these :attr:`filters`, by
                filter name (a None value filters nothing).

        Returns:
            One :class:`Hit` per spell that is or may be in force, in key order.

        Raises:
            TimelineError: ``where`` names a filter the class does not have.
        """
        self.catch_up()
        return self._ask(Question.of(valid, tz=tz), self._known(known), where, valid)

    def _ask(
        self,
        asked: Question,
        known: int,
        where: Mapping[str, str | None] | None,
        written: object,
        *,
        ranked: bool = False,
    ) -> InForce:
        """The spells in force at ``asked`` as known at ``known``, of the keys ``where`` finds.

        With ``ranked``, the best matches come first (see :meth:`Filter.rank
        <timeline.Filter.rank>`), in key order within a rank.
        """
        wanted = self._wanted(where)
        if wanted is None:
            made = _Asked(self, self._meeting("spans", asked, known), asked, known)
        else:
            rows, ranks = self._filtered("spans", asked, known, wanted)
            made = _Asked(self, (rows, set(rows)), asked, known)  # each row through every offset
            if ranked:
                keys, key_of, first = self._keys, self._rows.key, self._rows.first
                made.order = sorted(
                    rows, key=lambda row: (ranks[row], keys[key_of[row]], first[row])
                )
        made.written = written
        return InForce._of_rows(made)  # noqa: SLF001 -- this module's

    def _wanted(self, where: Mapping[str, str | None] | None) -> list[tuple[int, str]] | None:
        """The filters ``where`` asks for, by number, with their text; None: no filter."""
        if not where:
            return None
        numbers = {name: number for number, (name, _) in enumerate(self._filter_items)}
        wanted = []
        for name, text in where.items():
            if name not in numbers:
                offered = ", ".join(repr(found) for found in numbers) or "nothing"
                raise TimelineError(
                    f"{type(self).__name__} has no filter {name!r}: it filters on {offered} "
                    "(its filters)"
                )
            if text is None:
                continue
            if not isinstance(text, str):
                raise TimelineError(f"the filter {name!r} takes text, not {text!r}")
            wanted.append((numbers[name], text))
        return wanted or None

    def _filtered(
        self, name: str, asked: Question, known: int, wanted: list[tuple[int, str]]
    ) -> tuple[list[int], dict[int, tuple[int, ...]]]:
        """The rows of set ``name`` meeting ``asked`` at ``known`` whose keys match ``wanted``.

        The candidate keys come from the postings; each is checked against
        its values (a varied key's rows against their spells), and only the
        rows of those that match are read. With each row, how well it
        matched: a rank per filter.
        """
        names = self._names
        meeting = self._rows_of_keys(name, asked, known, names.find_all(wanted))
        rankers = names.rankers(wanted)
        rows = self._rows
        key_of = rows.key
        ranks: dict[int, tuple[int, ...]] = {}
        by_key: dict[int, tuple[int | None, ...] | None] = {}  # None: varied, check the spell
        checked = []
        for row in meeting:
            number = key_of[row]
            if number not in by_key:
                by_key[number] = names.ranks(number, rankers)
            found = by_key[number]
            if found is None:
                checked.append(row)
            elif None not in found:
                ranks[row] = found  # type: ignore[assignment]
        if checked:
            keys = self._keys
            spells = self._spells_of_keys(
                {keys[key_of[row]] for row in checked}, known=known, position=self._position
            )
            for row in checked:
                spell = _spell_at(spells[keys[key_of[row]]], rows.first[row])
                found = tuple(
                    names.filters[kind].rank(text, names.filters[kind].values(spell.attributes))
                    for kind, text in wanted
                )
                if None not in found:
                    ranks[row] = found  # type: ignore[assignment]
        return list(ranks), ranks

    def _rows_of_keys(
        self, name: str, asked: Question, known: int, candidates: set[int]
    ) -> list[int]:
        """The rows of keys ``candidates`` in set ``name`` that may meet ``asked`` at ``known``."""
        if asked.low >= asked.high:  # an empty window holds no instant (as in _meeting)
            return []
        key_of = self._rows.key
        if len(candidates) > _tuning.FILTER_WALK:  # many keys: the question's own rows, kept
            return [
                row for row in self._meeting(name, asked, known)[0] if key_of[row] in candidates
            ]
        return [  # few: each key's rows, walked
            row
            for number in candidates
            for row in self._rows_of(number)
            if self._row_meets(row, name, asked, known)
        ]

    def _keys_where(self, where: Mapping[str, str | None]) -> list[str] | None:
        """The keys that may match ``where`` at some time (a superset), sorted; None: all may.

        From the postings and each key's values; a varied key is kept for its
        spells to be checked. None where ``where`` asks nothing of the filters.
        """
        self.catch_up()
        offered = {name for name, _ in self._filter_items}
        wanted = self._wanted({name: text for name, text in where.items() if name in offered})
        if wanted is None:
            return None
        names = self._names
        rankers = names.rankers(wanted)
        found = []
        for number in names.find_all(wanted):
            ranks = names.ranks(number, rankers)
            if ranks is None or None not in ranks:  # a varied key: its spells are checked
                found.append(self._keys[number])
        return sorted(found)

    def _row_meets(self, row: int, name: str, asked: Question, known: int) -> bool:
        """Whether ``row`` is current at ``known`` and may meet ``asked`` in set ``name``."""
        rows = self._rows
        until = rows.known_to[row]
        if rows.known_from[row] > known or (known >= until and until != _NEVER):
            return False
        if name == "spans":
            return _row_answer(rows, row, asked) is not Answer.NO
        if name == "ends" and not rows.has_end[row]:
            return False
        return _bound_meets(_ends_of_row(rows, row, name), asked) is not Answer.NO

    def during(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | dt.date | str | None = None,
        tz: str = FLOATING,
        where: Mapping[str, str | None] | None = None,
    ) -> InForce:
        """Return the spells in force (yes or maybe) at any time in ``[start, end)``.

        Catches up with the log first. ``start`` and ``end`` are instants (a
        date is its first instant; an exact EDTF date such as ``"-0050"`` too),
        in ``tz`` unless they carry a zone -- by default floating, local time
        somewhere (see :meth:`~timeline.Question.between`). ``where`` filters
        as in :meth:`at`.
        """
        self.catch_up()
        asked = Question.between(start, end, tz=tz)
        return self._ask(asked, self._known(known), where, (start, end))

    def changes(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | dt.date | str | None = None,
        tz: str = FLOATING,
        where: Mapping[str, str | None] | None = None,
    ) -> Changes:
        """Return the spells that start or end (surely or maybe) within ``[start, end)``.

        A start the sources do not date (not known, or ``XXXX``: some year) is
        no change within a window: it may lie in any, and said nothing of this
        one. Catches up with the log first. ``start`` and ``end`` are read as
        :meth:`during` reads them, in ``tz``. An empty window (``end`` not
        after ``start``) holds no instant: nothing starts or ends in it.
        ``where`` filters as in :meth:`at`.
        """
        return Changes(self._changes(start, end, known=known, tz=tz, where=where))

    def _changes(
        self,
        start: dt.datetime | dt.date | str,
        end: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | dt.date | str | None = None,
        tz: str = FLOATING,
        where: Mapping[str, str | None] | None = None,
    ) -> Iterator[Transition]:
        """:meth:`changes`, made as they are reached: spells read a window of rows at a time.

        The rows are found and put in order (key, kind, first record) from the
        index's columns; only then are their spells read, as the loop reaches
        them, :data:`~timeline.facts._tuning.SPELLS_AT_ONCE` rows at a time.
        """
        self.catch_up()
        asked = Question.between(start, end, tz=tz)
        limit = self._known(known)
        wanted = self._wanted(where)
        rows = self._rows
        found: list[tuple[int, Literal["started", "ended"], Answer]] = []
        for name, kind in (("starts", "started"), ("ends", "ended")):
            if wanted is None:
                meeting, near = self._meeting(name, asked, limit)
            else:
                meeting = self._filtered(name, asked, limit, wanted)[0]
                near = set(meeting)  # each through every offset
            for row in meeting:
                bounds = _ends_of_row(rows, row, name)
                # Through every offset where one may turn its answer, else as written.
                answer = _bound_meets(bounds, asked) if row in near else _falls(bounds, asked, 0)
                found.append((row, kind, answer))  # type: ignore[arg-type]
        keys, key_of, first = self._keys, rows.key, rows.first
        found.sort(key=lambda item: (keys[key_of[item[0]]], item[1], first[item[0]]))
        position = self._position
        for at in range(0, len(found), _tuning.SPELLS_AT_ONCE):
            window = found[at : at + _tuning.SPELLS_AT_ONCE]
            spells = self._spells(
                {key_of[row] for row, _, _ in window}, known=limit, position=position
            )
            for row, kind, answer in window:
                spell = _spell_at(spells[key_of[row]], first[row])
                # A start the sources do not date may lie in any window: not news of this one.
                if kind == "ended" or not _undated(spell.start):
                    yield Transition(spell, kind, answer)

    def why(
        self,
        key: str,
        valid: QuestionLike,
        *,
        known: dt.datetime | dt.date | str | None = None,
        tz: str = FLOATING,
    ) -> Why:
        """Return why fact ``key`` is, may be or is not in force at ``valid``, known at ``known``.

        The explanation names the spell the answer rests on (a yes over a
        maybe, else the latest), each bound with its precision and the record
        and source that set it, which bound's imprecision makes it maybe, the
        corrections and retractions of the fact known by then, and how floating
        dates met a zoned question. ``str()`` of it is a sentence; its bounds
        reproduce the answer (:meth:`Why.rederive`). Catches up first.
        """
        self.catch_up()
        question = Question.of(valid, tz=tz)
        limit = self._known(known)
        return self._why(key, question, limit, written(valid))

    def learned(
        self,
        known_from: dt.datetime | dt.date | str,
        known_to: dt.datetime | dt.date | str | None = None,
        *,
        valid: QuestionLike | None = None,
        tz: str = FLOATING,
    ) -> list[Learned]:
        """Return what the log learned between two known times, fact by fact.

        With ``valid``, every fact whose answer at ``valid`` (yes / maybe /
        no) differs between ``known_from`` and ``known_to``; without, every
        fact whose spells differ (over every valid time). Each comes with the
        records the log learned in between about it (events, corrections,
        retractions). Only the facts those records are about are looked at:
        the cost grows with what was learned, not with the log. Catches up first.

        Args:
            known_from: The first known time, T1 (see :func:`~timeline.known_instant`).
            known_to: The second, T2; by default all that has been read.
            valid: The valid time asked about; None: every valid time.
            tz: The zone ``valid`` is read in where it names none.

        Raises:
            TimelineError: ``known_to`` is before ``known_from``.
        """
        self.catch_up()
        first, last = self._known(known_from), self._known(known_to)
        if last < first:
            raise TimelineError(
                f"known_to ({known_to}) is before known_from ({known_from}): nothing is learned "
                "backwards"
            )
        low = self.log.last_position_known_by(known_from)
        high = (
            self.log.last_position
            if known_to is None
            else self.log.last_position_known_by(known_to)
        )
        question = None if valid is None else Question.of(valid, tz=tz)
        return self._learned(low, high, (first, last), question)

    def _learned(
        self, low: int, high: int, known: tuple[int, int], question: Question | None
    ) -> list[Learned]:
        """:meth:`learned` between positions ``low`` and ``high``, known times ``known``.

        Before is what the records up to ``low`` said (fixes known by the first
        known time), after what those up to ``high`` say; a bookmark, which
        keeps a position, asks with both known times unbounded.
        """
        first, last = known
        found: list[Learned] = []
        by_position = first == last == _NEVER  # a bookmark's: rows are kept by known time only
        for key, records in sorted(self._touched(low, high).items()):
            if question is not None and not by_position:
                # The answers from the index's rows alone: spells only for what changed.
                number = self._find_key(key)
                assert number is not None  # noqa: S101 -- a key the window's records are about
                then = self._key_answer(number, question, first)
                now = self._key_answer(number, question, last)
                if then is not now:
                    spells = functools.partial(self._spells_at, key, (first, low), (last, high))
                    found.append(Learned(key, then, now, tuple(records), spells=spells))
                continue
            before = self._spells_of_keys([key], known=first, position=low)[key]
            after = self._spells_of_keys([key], known=last, position=high)[key]
            if question is None:
                if before != after:
                    found.append(Learned(key, None, None, tuple(records), before, after))
                continue
            then, now = best(before, question), best(after, question)
            if then is not now:
                found.append(Learned(key, then, now, tuple(records), before, after))
        return found

    def _key_answer(self, number: int, question: Question, known: int) -> Answer:
        """Key ``number``'s answer to ``question`` as known at ``known``, from its rows alone."""
        rows = self._rows
        found = Answer.NO
        for row in self._rows_of(number):
            until = rows.known_to[row]
            if rows.known_from[row] <= known and (known < until or until == _NEVER):
                answer = _row_answer(rows, row, question)
                if answer is Answer.YES:
                    return answer
                if answer is Answer.MAYBE:
                    found = answer
        return found

    def _spells_at(
        self, key: str, before: tuple[int, int], after: tuple[int, int]
    ) -> tuple[tuple[Spell, ...], tuple[Spell, ...]]:
        """``key``'s spells as known at each (known time, position): read when first asked for."""
        return (
            self._spells_of_keys([key], known=before[0], position=before[1])[key],
            self._spells_of_keys([key], known=after[0], position=after[1])[key],
        )

    def _touched(self, low: int, high: int) -> dict[str, list[Record]]:
        """The facts the records in ``(low, high]`` are about, each with those records."""
        touched: dict[str, list[Record]] = {}
        if high <= low:
            return touched
        types: list[type[Any]] = [*self._rules, Retracted, Corrected]
        record: Record
        for record in self.log.read(low + 1, stop=high + 1, types=types):
            event = record.event
            if isinstance(event, Retracted | Corrected):
                held = self.log.store.find_ids([str(event.record)])
                target = held.get(str(event.record))
                found = None if target is None else self._change(self.log[target])
            else:
                found = self._change(record)
            if found is not None:
                touched.setdefault(found[1].key, []).append(record)
        return touched

    def history(self, key: str, *, known: dt.datetime | dt.date | str | None = None) -> History:
        """Return the spells of ``key`` as known at ``known`` (by default, now).

        Catches up with the log first.
        """
        self.catch_up()
        return self._history(key, self._known(known))

    def _history(self, key: str, known: int) -> History:
        """The spells of ``key`` as known at ``known``, without catching up."""
        return History(self._spells_of_keys([key], known=known, position=self._position)[key])

    def versions(self, key: str) -> list[tuple[pendulum.DateTime, tuple[Spell, ...]]]:
        """Return how the history of ``key`` looked from each known time on (after catching up)."""
        self.catch_up()
        number = self._find_key(key)
        if number is None:
            return []
        positions = sorted(self._positions_of(number))
        known_times = {_micros(record.known_at) for _, record in self._read(positions)}
        first = min(known_times)
        known_times.update(fix_known for _, fix_known, _, _ in self._fixes if fix_known > first)
        found: list[tuple[pendulum.DateTime, tuple[Spell, ...]]] = []
        for known in sorted(known_times):
            spells = self._spells([number], known=known, position=self._position)[number]
            if not found or found[-1][1] != spells:
                found.append((_known_time(known), spells))
        return found

    def _attribute_names(self) -> list[str]:
        """The names of every attribute a spell filed so far has, in the order they came.

        With those a field rule gives (its rows may keep no cells): the columns
        a table of any answer may need, known before its first row is made.
        """
        names = dict(self._cells.names)
        for rule in self._fields.values():
            names.update(dict.fromkeys(rule.values))
        return list(names)

    def keys(self) -> list[str]:
        """Return every key seen, sorted (after catching up)."""
        self.catch_up()
        return sorted(self._keys)

    def plot(
        self,
        valid: QuestionLike | None = None,
        *,
        known: dt.datetime | dt.date | str | None = None,
        keys: Sequence[str] | None = None,
        group_by: str | None = "authority",
        label_by: str | None = "target",
        page: int = 1,
        per_page: int = 40,  # timeline.plot.PER_PAGE
        title: str | None = None,
    ) -> TimelinePicture:
        """Draw the facts as known at ``known``, with a line at ``valid`` (the ``plot`` extra).

        A row per key, a bar per spell -- solid where it surely held, hatched
        where it may have -- and the log's other records as markers: see
        :func:`timeline.plot.draw`, which takes the same arguments.
        """
        draw: Callable[..., TimelinePicture] = feature("plot").draw
        return draw(
            self,
            valid=valid,
            known=known,
            keys=keys,
            group_by=group_by,
            label_by=label_by,
            page=page,
            per_page=per_page,
            title=title,
        )

    def unmatched(self, *, known: dt.datetime | dt.date | str | None = None) -> list[Record]:
        """Return amendments and ends that found nothing in force, as known at ``known``.

        Catches up with the log first. It reads every record a handler kept:
        its cost grows with the log.
        """
        self.catch_up()
        limit = self._known(known)
        found = []
        numbers = list(range(len(self._keys)))
        for chunk in _chunks(numbers, 1024):
            spells = self._spells(chunk, known=limit, position=self._position)
            used = {r.id for number in chunk for spell in spells[number] for r in spell.records}
            positions = [at for number in chunk for at in self._positions_of(number)]
            for _, record in self._read(positions):
                if record.id in used or record.id in self._hidden:
                    continue
                if _micros(record.known_at) > limit:
                    continue
                found.append(record)
        return sorted(found, key=lambda record: record.position)

    def __len__(self) -> int:
        """How many spells there are, every key's, as known now (after catching up)."""
        self.catch_up()
        return self._current
