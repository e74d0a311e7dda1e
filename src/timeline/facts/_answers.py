"""Answers: what a question about facts returns.

:class:`Hit` (a spell in force, yes or maybe) and :class:`InForce` (the hits
at an instant or in a window, in key order, made from the index's rows when
first looked at); :class:`History`, :class:`Transition` and
:class:`SavedAnswer`, and the cells the tables and the command line print.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar, Literal, overload

import attrs

from timeline._answer import Answer
from timeline._errors import TimelineError
from timeline._reprs import fitted, html_rows, html_table, plural
from timeline.time import End

from ._spells import Spell, sources_of
from ._tables import _Tabular

if TYPE_CHECKING:
    from ._cells import Cells
    from ._rows import _Asked
    from ._why import Why


class Hit:
    """A spell that is (or may be) in force, with the answer.

    Hits from an index are made when looked at, and their spell -- with its
    records, read back from the log -- when first asked for: the spells of
    every hit of one answer are read together, in one pass over the store.

    Args:
        spell: The spell.
        answer: Yes or maybe.
    """

    __slots__ = ("_asked", "_order", "_row", "_spell", "answer", "key")

    _table_kind: ClassVar = "hit"

    def __init__(self, spell: Spell, answer: Answer) -> None:
        self._spell: Spell | None = spell
        self._asked: _Asked | None = None
        self._row = -1
        self.answer = answer
        self.key = spell.key
        self._order = (spell.key, spell.records[0].position if spell.records else 0)

    @property
    def spell(self) -> Spell:
        """The spell in force (yes or maybe)."""
        if self._spell is None:
            assert self._asked is not None  # noqa: S101 -- one of the two is always set
            self._spell = self._asked.spell(self._row)
        return self._spell

    def _cells(self) -> Cells | None:
        """Its table row's cells as the index keeps them; None if its spell is made already."""
        if self._spell is not None or self._asked is None:
            return None
        return self._asked.cells_of(self._row)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hit):
            return NotImplemented
        return self._order == other._order and (self.answer, self.spell) == (
            other.answer,
            other.spell,
        )

    __hash__ = None  # type: ignore[assignment]

    def why(self) -> Why:
        """Why this spell is (or may be) in force at the question it answers (see :class:`Why`).

        Raises:
            TimelineError: The hit was made by hand, not by a question.
        """
        asked = self._asked
        if asked is None:
            raise TimelineError("this hit was made without a question: ask facts.why(key, valid)")
        return asked.explain(self.spell, self.answer)

    def __repr__(self) -> str:
        return fitted(f"<Hit {self.answer.value} {self.spell!r}>")

    def _repr_html_(self) -> str:
        """The answer above its spell's table."""
        return html_table([("answer", self.answer.value)]) + self.spell._repr_html_()


_hit_order = operator.attrgetter("_order")


class InForce(_Tabular, Sequence[Hit]):
    """The spells in force (yes or maybe) at one instant or in one window.

    A read-only sequence of :class:`Hit` in key order (then by the position
    of each spell's first record), so the same records give the same
    sequence however the facts were caught up. An answer from an index
    holds row numbers, not objects: ``len()``, :meth:`keys` and
    :meth:`answer` read the index's columns, hits are made when first looked
    at, in key order, and their spells when first asked for.

    It equals another :class:`InForce`, list or tuple holding the same hits
    in the same order.

    >>> InForce([]).answer("anything")
    <Answer.NO: 'no'>
    """

    __slots__ = ("_asked", "_hits", "_made", "_rows")

    _table_kind: ClassVar = "hit"

    def __init__(self, hits: Iterable[Hit]) -> None:
        self._hits: list[Hit] | None = sorted(hits, key=_hit_order)
        self._asked: _Asked | None = None
        self._rows: list[int] = []
        self._made: list[Hit | None] = []

    @classmethod
    def _of_rows(cls, asked: _Asked) -> InForce:
        made = cls.__new__(cls)
        made._hits = None  # noqa: SLF001 -- initialising a new instance of this class
        made._asked = asked  # noqa: SLF001 -- as above
        made._rows = []  # noqa: SLF001 -- as above: put in key order when first needed
        made._made = []  # noqa: SLF001 -- as above
        return made

    def _hit(self, index: int) -> Hit:
        """The hit at ``index`` in key order, made now if it was not yet."""
        if self._hits is not None:
            return self._hits[index]
        assert self._asked is not None  # noqa: S101 -- rows always come with their question
        if not self._made:
            self._rows = self._asked.ordered()
            self._made = [None] * len(self._rows)
        hit = self._made[index]
        if hit is None:
            hit = self._made[index] = self._asked.hit(self._rows[index])
        return hit

    def _ordered(self) -> list[Hit]:
        if self._hits is None:
            self._hits = [self._hit(index) for index in range(len(self))]
            self._asked = None
        return self._hits

    def __len__(self) -> int:
        if self._hits is not None:
            return len(self._hits)
        assert self._asked is not None  # noqa: S101 -- as in _hit
        return len(self._asked.rows)

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        """The hit at ``index`` (or a list of those in a slice), in key order."""
        if isinstance(index, slice):
            return [self._hit(at) for at in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError("hit index out of range")
        return self._hit(index % len(self))

    def __iter__(self) -> Iterator[Hit]:
        """The hits in key order, made as they are reached.

        Hits an answer from an index makes for the loop are not kept by the
        answer (those looked at by index are): a loop over half a million
        hits holds one window of spells at a time, not all of them.
        """
        if self._hits is not None:
            yield from self._hits
            return
        asked = self._asked
        assert asked is not None  # noqa: S101 -- as in _hit
        rows = self._rows if self._made else asked.ordered()
        made = self._made
        for index, row in enumerate(rows):
            hit = made[index] if made else None
            yield asked.hit(row) if hit is None else hit

    def __contains__(self, value: object) -> bool:
        return value in self._ordered()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InForce):
            return len(self) == len(other) and self._ordered() == other._ordered()
        if isinstance(other, (list, tuple)):
            return len(self) == len(other) and self._ordered() == list(other)
        return NotImplemented

    # Equal to lists, so unhashable as they are.
    __hash__ = None  # type: ignore[assignment]

    def _answers(self) -> list[tuple[str, Answer]]:
        if self._hits is None:
            assert self._asked is not None  # noqa: S101 -- as in _hit
            return self._asked.answers()
        return [(hit.key, hit.answer) for hit in self._hits]

    def __repr__(self) -> str:
        # A summary, not every spell: an answer may hold thousands.
        answers = self._answers()
        yes = sum(answer is Answer.YES for _, answer in answers)
        keys = self.keys()
        shown = ", ".join(keys[:3]) + (f", … ({len(keys) - 3} more)" if len(keys) > 3 else "")
        return fitted(
            f"<InForce: {plural(len(answers), 'hit')} ({yes} yes, {len(answers) - yes} maybe)"
            f"{': ' + shown if shown else ''}>"
        )

    def _repr_html_(self) -> str:
        """A table for notebooks: answer, key, from, until and sources, a row per hit."""
        columns = ("answer", "key", "from", "until", "sources")
        return html_rows(columns, (_hit_cells(hit) for hit in self._ordered()))

    @property
    def yes(self) -> tuple[Hit, ...]:
        """The hits surely in force, in key order."""
        return tuple(hit for hit in self._ordered() if hit.answer is Answer.YES)

    @property
    def maybe(self) -> tuple[Hit, ...]:
        """The hits that may be in force, in key order."""
        return tuple(hit for hit in self._ordered() if hit.answer is Answer.MAYBE)

    def keys(self) -> list[str]:
        """The keys of the facts in force (yes or maybe), sorted, each once."""
        if self._hits is None:
            assert self._asked is not None  # noqa: S101 -- as in _hit
            return sorted(self._asked.keys_found())
        return sorted({hit.key for hit in self._hits})

    def why(self, key: str) -> Why:
        """Why fact ``key`` is in this answer as it is -- or, if it is not, why not.

        The hit of ``key`` that surely holds (else the first that may) explains
        itself (:meth:`Hit.why`); a key with no hit is explained from its
        spells, as the facts know them at the question's known time.

        Raises:
            TimelineError: The answer was made from hits by hand, not by a question.
        """
        hits = [hit for hit in self if hit.key == key]
        for wanted in (Answer.YES, Answer.MAYBE):
            for hit in hits:
                if hit.answer is wanted:
                    return hit.why()
        asked = self._asked
        if asked is None:
            raise TimelineError(
                "this answer was made without a question: ask facts.why(key, valid)"
            )
        return asked.explain_key(key)

    def answer(self, key: str) -> Answer:
        """Answer "is the fact ``key`` in force?": yes if one of its spells surely is."""
        found = Answer.NO
        for hit_key, answer in self._answers():
            if hit_key == key:
                if answer is Answer.YES:
                    return Answer.YES
                found = Answer.MAYBE
        return found


def _hit_cells(hit: Hit) -> tuple[str, ...]:
    sources = sources_of(hit.spell)
    return (
        hit.answer.value,
        hit.key,
        ".." if isinstance(hit.spell.start, End) else str(hit.spell.start),
        ".." if isinstance(hit.spell.end, End) else str(hit.spell.end),
        ", ".join(sources),
    )


class History(_Tabular, tuple[Spell, ...]):
    """The spells of one key, in order: a tuple, that renders as a table in notebooks.

    ``to_rows()``, ``to_pandas()`` and ``to_polars()`` make its table (:mod:`timeline.tables`).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        if not self:
            return "<History: no spells>"
        spans = ", ".join(spell.span for spell in self)
        return fitted(f"<History {self[0].key!r}: {plural(len(self), 'spell')}: {spans}>")

    def _repr_html_(self) -> str:
        columns = ("key", "from", "until", "sources")
        return html_rows(columns, (_spell_cells(spell) for spell in self))


def _spell_cells(spell: Spell) -> tuple[str, ...]:
    return _hit_cells(Hit(spell, Answer.MAYBE))[1:]


@attrs.frozen
class SavedAnswer(_Tabular):
    """What :meth:`TemporalFacts.answer_from` found: answers from rows saved on a server.

    Attributes:
        position: The log position the rows were saved at.
        behind: How many records the log holds beyond it (0: current).
        found: ``(key, first record's position, answer)`` for each spell
            that is (yes) or may be (maybe) in force, in key order.
    """

    position: int
    behind: int
    found: list[tuple[str, int, Answer]]

    _table_kind: ClassVar = "saved"

    def answer(self, key: str) -> Answer:
        """The best answer among ``key``'s spells (no if none was found)."""
        answers = {answer for found, _, answer in self.found if found == key}
        if Answer.YES in answers:
            return Answer.YES
        return Answer.MAYBE if answers else Answer.NO

    def keys(self) -> list[str]:
        """The keys found, sorted, once each."""
        return sorted({key for key, _, _ in self.found})


@attrs.frozen(repr=False)
class Transition:
    """A spell that starts or ends within a window of valid time."""

    spell: Spell
    kind: Literal["started", "ended"]
    answer: Answer

    _table_kind: ClassVar = "change"

    @property
    def key(self) -> str:
        """The fact's key."""
        return self.spell.key

    def __repr__(self) -> str:
        return fitted(f"<Transition {self.kind} ({self.answer.value}) {self.spell!r}>")

    def _repr_html_(self) -> str:
        """What changed, and how surely, above the spell's table."""
        parts = [("change", self.kind), ("answer", self.answer.value)]
        return html_table(parts) + self.spell._repr_html_()


class Changes(_Tabular, list[Transition]):
    """What :meth:`TemporalFacts.changes` returns: a list of transitions, in order.

    A list (equal to one holding the same transitions) that makes its table:
    ``to_rows()``, ``to_pandas()``, ``to_polars()`` (:mod:`timeline.tables`).
    """

    __slots__ = ()

    _table_kind: ClassVar = "change"
