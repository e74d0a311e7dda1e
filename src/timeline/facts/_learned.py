"""What the log learned between two known times: the answers that changed, and why.

:class:`Learned` is one fact whose answer at a valid time (or whose spells, over
every valid time) differs between what was known at ``T1`` and at ``T2``, with
the records the log learned in between that made the difference. Only the
facts those records are about can have changed, so the work grows with what was
learned, not with the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from timeline._answer import Answer
from timeline._reprs import fitted

if TYPE_CHECKING:
    from timeline._records import Record
    from timeline.time import Question

    from ._spells import Spell

__all__ = ["Learned"]


@attrs.frozen(repr=False)
class Learned:
    """One fact the log learned something about between two known times.

    Attributes:
        key: The fact.
        before: Its answer at the valid time asked, as known at the first
            known time (None when asked over every valid time).
        after: The same, as known at the second.
        records: The records the log learned in between that are about it:
            events, corrections and retractions, in position order.
    """

    key: str
    before: Answer | None
    after: Answer | None
    records: tuple[Record, ...]
    _before: tuple[Spell, ...] | None = attrs.field(default=None, eq=False, alias="spells_before")
    _after: tuple[Spell, ...] | None = attrs.field(default=None, eq=False, alias="spells_after")
    _spells: Callable[[], tuple[tuple[Spell, ...], tuple[Spell, ...]]] | None = attrs.field(
        default=None, eq=False, kw_only=True, alias="spells"
    )

    @property
    def spells_before(self) -> tuple[Spell, ...]:
        """Its spells as known at the first known time (read from the log when first asked)."""
        return self._read()[0]

    @property
    def spells_after(self) -> tuple[Spell, ...]:
        """Its spells as known at the second known time."""
        return self._read()[1]

    def _read(self) -> tuple[tuple[Spell, ...], tuple[Spell, ...]]:
        before, after = self._before, self._after
        if before is None or after is None:
            assert self._spells is not None  # noqa: S101 -- one of the two is always given
            before, after = self._spells()
            object.__setattr__(self, "_before", before)
            object.__setattr__(self, "_after", after)
        return before, after

    def __repr__(self) -> str:
        if self.before is not None and self.after is not None:
            change = f"{self.before.value} -> {self.after.value}"
        else:
            change = f"{len(self.spells_before)} -> {len(self.spells_after)} spells"
        return fitted(f"<Learned {self.key!r}: {change}, {len(self.records)} records>")

    def to_row(self) -> dict[str, Any]:
        """The change as a row: key, before, after, spells before and after, records, sources."""
        return {
            "key": self.key,
            "before": None if self.before is None else self.before.value,
            "after": None if self.after is None else self.after.value,
            "spells_before": [spell.span for spell in self.spells_before],
            "spells_after": [spell.span for spell in self.spells_after],
            "records": [record.position for record in self.records],
            "sources": sorted(
                {r.provenance.speaker or r.provenance.source or "" for r in self.records} - {""}
            ),
        }


def best(spells: tuple[Spell, ...], question: Question) -> Answer:
    """A fact's answer from its spells: yes if one surely holds, maybe if one may, else no."""
    answers = {question.answer(spell.extent) for spell in spells}
    if Answer.YES in answers:
        return Answer.YES
    return Answer.MAYBE if Answer.MAYBE in answers else Answer.NO
