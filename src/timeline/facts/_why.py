"""Why an answer is what it is: the spell, its bounds, the records behind them.

:class:`Why` names what an answer rests on -- the spell, each bound with its
value, precision and the record (and source, and quote) that set it, which
bound's imprecision makes it *maybe*, the corrections and retractions known by
then, conflicts between sources, and how floating dates met the question -- in
a form a person reads (``str()``) and one a program reads (:meth:`Why.to_json`).
Its bounds reproduce the answer (:meth:`Why.rederive`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import attrs

from timeline._answer import Answer
from timeline.time import FLOATING, Bounds, DateSet, End, Extent, Interval, Moment, zones_of

from ._zones import NO_ZONES, ZoneRule, _Zoning

if TYPE_CHECKING:
    import pendulum

    from timeline._records import Record
    from timeline.time import Question

    from ._spells import Conflict, Spell

__all__ = ["Bound", "Why"]


@attrs.frozen
class Bound:
    """One end of a spell, as an explanation names it.

    Attributes:
        side: ``"start"`` or ``"end"``.
        edtf: The value as EDTF: ``2023-05``; ``..`` an open end, empty an unknown one.
        precision: How precisely it is known: ``day``, ``month``, ``year``, ``open``, ...
        bounds: Where it may lie (microseconds; an open or unknown end reaches the
            extent's limits), floating or not.
        record: The record that set it; None for an end no source gives.
        zone_rule: Whose calendar its date is on, where a rule read a floating
            date in a zone (the record's, its source's or the vocabulary's: see
            :attr:`TemporalFacts.tz_by_source <timeline.TemporalFacts.tz_by_source>`);
            None where the date was taken as written.
    """

    side: Literal["start", "end"]
    edtf: str
    precision: str
    bounds: Bounds
    record: Record | None
    zone_rule: ZoneRule | None = None

    @property
    def dated(self) -> bool:
        """Whether a source dates it (not open, not unknown)."""
        return self.edtf not in ("..", "")

    def to_json(self) -> dict[str, Any]:
        """The bound for machines: EDTF, precision, where it may lie, the record and source."""
        earliest, latest = self.bounds.iso() if self.dated else (None, None)
        return {
            "side": self.side,
            "edtf": self.edtf,
            "precision": self.precision,
            "earliest": earliest,
            "latest": latest,
            "floating": self.bounds.floating if self.dated else None,
            "record": None if self.record is None else self.record.position,
            "source": None if self.record is None else _source(self.record),
            "quote": None if self.record is None else self.record.provenance.quote,
            "zone_rule": None if self.zone_rule is None else self.zone_rule.to_json(),
        }


@attrs.frozen
class Why:
    """Why an answer about one fact is yes, maybe or no.

    Attributes:
        key: The fact.
        answer: The answer explained.
        question: What was asked (see :class:`~timeline.Question`).
        asked: The question as it was written (``"2024-01-15"``).
        known: The known time it was asked at; None for all that was known.
        spell: The spell the answer rests on; None when the fact has none.
        start: Its start, and what set it.
        end: Its end, and what set it.
        reasons: What made the answer: which part of the question met which bound.
        fixes: Corrections and retractions of the fact's records known by then.
        conflicts: Where the spell's sources disagree (the first value is the one used).
        zones: Whose calendar the dates are on, where a rule said so, and how
            floating dates met a zoned question, when they did.
    """

    key: str
    answer: Answer
    question: Question
    asked: str
    known: pendulum.DateTime | None
    spell: Spell | None
    start: Bound | None
    end: Bound | None
    reasons: tuple[str, ...]
    fixes: tuple[Record, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    zones: str | None = None

    def rederive(self) -> Answer:
        """The answer again, from the bounds this explanation names (no if it names none)."""
        if self.start is None or self.end is None:
            return Answer.NO
        return self.question.answer(Extent(self.start.bounds, self.end.bounds))

    def __str__(self) -> str:
        known = "" if self.known is None else f", as known at {self.known.isoformat()}"
        when = f"{self.asked}{known}"
        head = f"{self.answer.value}: {self.key} at {when}"
        if self.spell is None:
            return f"{head}: no source puts it in force then ({'; '.join(self.reasons)})."
        said = "; ".join(self.reasons)
        sources = ", ".join(sorted({_source(r) for r in self.spell.records} - {""}))
        tail = f" (according to {sources})" if sources else ""
        extra = ""
        if self.fixes:
            extra += f" {len(self.fixes)} correction(s) or retraction(s) were known by then."
        if self.zones:
            extra += f" {self.zones[0].upper()}{self.zones[1:]}."
        return f"{head}: {said}{tail}.{extra}"

    def to_json(self) -> dict[str, Any]:
        """The explanation for machines (docs/reference/cli-json.md, ``why``)."""
        return {
            "key": self.key,
            "answer": self.answer.value,
            "asked": self.asked,
            "known": None if self.known is None else self.known.isoformat(),
            "spell": None if self.spell is None else self.spell.span,
            "start": None if self.start is None else self.start.to_json(),
            "end": None if self.end is None else self.end.to_json(),
            "reasons": list(self.reasons),
            "fixes": [_fix_json(fix) for fix in self.fixes],
            "conflicts": [conflict.attribute for conflict in self.conflicts],
            "zones": self.zones,
            "text": str(self),
        }


def _fix_json(fix: Record) -> dict[str, Any]:
    return {
        "record": fix.position,
        "type": type(fix.event).__name__.lower(),
        "known_at": fix.known_at.isoformat(),
        "reason": getattr(fix.event, "reason", None),
    }


def explain(
    spell: Spell,
    answer: Answer,
    question: Question,
    *,
    asked: str,
    known: pendulum.DateTime | None,
    fixes: tuple[Record, ...] = (),
    zoning: _Zoning = NO_ZONES,
) -> Why:
    """Why ``spell`` answers ``question`` as ``answer``: its bounds, and which of them mattered.

    ``zoning`` is the vocabulary's zone rules, which the spell's dates were read with.
    """
    extent = spell.extent
    start = _bound(spell, "start", extent.start, zoning)
    end = _bound(spell, "end", extent.end, zoning)
    reasons = _reasons(answer, question, asked, start, end)
    zones = _zone_rules(start, end)
    if (extent.start.floating or extent.end.floating) is not question.floating:
        mixed = (
            "its dates are written without a zone (local time somewhere) and the question "
            "with one, so they are compared through every offset from UTC-12:00 to UTC+14:00"
            if not question.floating
            else "the question is written without a zone (local time somewhere) and the dates "
            "with one, so they are compared through every offset from UTC-12:00 to UTC+14:00"
        )
        zones = mixed if zones is None else f"{zones}; {mixed}"
    return Why(spell.key, answer, question, asked, known, spell, start, end, reasons, fixes,
               spell.conflicts, zones)  # fmt: skip


def _reasons(
    answer: Answer, question: Question, asked: str, start: Bound, end: Bound
) -> tuple[str, ...]:
    """What made the answer: each bound, and whether its imprecision turned it."""
    found = []
    for bound in (start, end):
        if not bound.dated:
            found.append(
                "no end is known" if bound.side == "end" and bound.edtf == ".."
                else f"its {bound.side} is not known" if bound.edtf == ""
                else "it has held since before any date"
            )  # fmt: skip
            continue
        earliest = _collapsed(question, start, end, bound, bound.bounds.low)
        latest = _collapsed(question, start, end, bound, bound.bounds.high - 1)
        what = f"its {bound.side}, {bound.edtf} ({_known_to(bound)})"
        if earliest is not latest:
            found.append(f"{what}, may fall {_around(bound.side)} {asked}")
        elif earliest is Answer.NO:
            found.append(f"{what}, comes {'after' if bound.side == 'start' else 'before'} {asked}")
        elif bound.side == "start":
            found.append(f"{what}, puts it in force by {asked}")
        else:
            found.append(f"{what}, leaves it in force through {asked}")
    if answer is Answer.MAYBE and not any("may fall" in reason for reason in found):
        found.append(f"{asked} is a period: the spell holds for some of it, not surely all")
    return tuple(found)


def _collapsed(question: Question, start: Bound, end: Bound, bound: Bound, at: int) -> Answer:
    """The answer were ``bound`` known exactly, at the instant ``at``."""
    exact = Bounds.of(at, at + 1, floating=bound.bounds.floating)
    extent = Extent(exact, end.bounds) if bound is start else Extent(start.bounds, exact)
    return question.answer(extent)


def _around(side: str) -> str:
    return "after the start of" if side == "start" else "before the end of"


def _known_to(bound: Bound) -> str:
    if bound.precision in {"day", "hour", "minute", "second", "microsecond"}:
        return f"to the {bound.precision}"
    return f"known only to the {bound.precision}"


def _bound(spell: Spell, side: Literal["start", "end"], bounds: Bounds, zoning: _Zoning) -> Bound:
    value = spell.start if side == "start" else spell.end
    record = _setter(spell, side, zoning)
    rule = None
    if not isinstance(value, End):
        # The setter's rule; for a bound its sources disagree on, the rule they share.
        rules = {
            zoning.rule(given.provenance)
            for given in ((record,) if record is not None else spell.records)
            if FLOATING in zones_of(given.valid)
        }
        rule = rules.pop() if len(rules) == 1 else None
    return Bound(side, _edtf(value), _precision(value), bounds, record, rule)


def _zone_rules(start: Bound, end: Bound) -> str | None:
    """Whose calendar the bounds' dates are on, where a rule said so, in words."""
    if start.zone_rule is not None and start.zone_rule == end.zone_rule:
        return f"its dates are {start.zone_rule}"
    said = [
        f"its {bound.side}'s date is {bound.zone_rule}"
        for bound in (start, end)
        if bound.zone_rule is not None
    ]
    return "; ".join(said) or None


def _setter(spell: Spell, side: Literal["start", "end"], zoning: _Zoning) -> Record | None:
    """The record whose valid time gave the spell's ``side``: the first such (an end: the last)."""
    value = spell.start if side == "start" else spell.end
    if isinstance(value, End):
        return None
    wanted = str(value)
    found = [r for r in spell.records if wanted in _ends(zoning.valid(r))]
    if not found:
        return spell.records[0] if side == "start" and spell.records else None
    return found[0] if side == "start" else found[-1]


def _ends(valid: Moment | DateSet | Interval) -> set[str]:
    if isinstance(valid, Moment | DateSet):
        return {str(valid)}
    return {str(valid.start), str(valid.end)}


def _edtf(value: Moment | DateSet | End) -> str:
    return value.value if isinstance(value, End) else str(value)


def _precision(value: Moment | DateSet | End) -> str:
    if isinstance(value, End):
        return "open" if value is End.OPEN else "unknown"
    if isinstance(value, DateSet):
        return "all of a set" if value.every else "one of a set"
    if value.grouping is not None:
        return value.grouping.name.lower().replace("_", " ")
    return value.precision.name.lower()


def _source(record: Record) -> str:
    said = record.provenance
    return said.speaker or said.source or ""
