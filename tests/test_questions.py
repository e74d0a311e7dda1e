"""Answers as a careful analyst expects them (design.md: questions, identity of facts)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from strategies import every_offset
from timeline import (
    Answer,
    Bounds,
    Change,
    End,
    Extent,
    InForce,
    Interval,
    InvalidEventError,
    Log,
    ManualClock,
    Moment,
    Provenance,
    Question,
    Record,
    Registry,
    TemporalFacts,
    ends,
    event,
    load_jsonl,
    record_order,
    starts,
    valid_time,
)
from timeline.sanctions import (
    BEFORE_V2,
    Designated,
    DesignationAmended,
    Lifted,
    SanctionsInForce,
    Target,
    TargetKind,
)
from timeline.testing import instants, intervals, moments

SEEDS = Path(__file__).parent.parent / "seeds" / "000_b4b480d03dd4a743.jsonl"
TICK = dt.timedelta(microseconds=1)
#: From the westernmost offset to the easternmost, and zones with daylight saving.
ZONES = ("UTC", "Etc/GMT+12", "Pacific/Kiritimati", "America/New_York", "Asia/Pyongyang")

registry = Registry()


@event("test.questions.started", registry=registry)
class Started:
    key: str


@event("test.questions.stopped", registry=registry)
class Stopped:
    key: str


class Facts(TemporalFacts):
    @starts(Started)
    def started(self, record: Record) -> Change:
        return Change(record.event.key)

    @ends(Stopped)
    def stopped(self, record: Record) -> str:
        return record.event.key


# -- invariant 10: a question is answered at its own precision ---------------------------------


def _best_over_instants(extent: Extent, question: Question) -> Answer:
    """Brute force: the answer at every instant, and (floating against zoned) every offset."""
    kinds = {extent.start.floating, extent.end.floating, question.floating}
    if len(kinds) == 1:  # all floating or all zoned: they meet as written
        return _best_at(extent, question)

    def at(offset: int) -> Answer:
        def moved(bounds: Bounds) -> Bounds:
            shift = offset if bounds.floating else 0
            return Bounds.of(bounds.low - shift, bounds.high - shift)

        shift = offset if question.floating else 0
        asked = Question(question.low - shift, question.high - shift, exact=question.exact)
        return _best_at(Extent(moved(extent.start), moved(extent.end)), asked)

    return every_offset(at)


def _best_at(extent: Extent, question: Question) -> Answer:
    """The answer at every instant where it can change inside the question, all zoned."""
    low, high = question.low, question.high  # microseconds: any year
    edges = {low, high - 1}
    for bound in (extent.start.low, extent.start.top, extent.end.low, extent.end.top):
        for step in (-1, 0, 1):
            if low <= bound + step < high:
                edges.add(bound + step)
    answers = {extent.at(instant) for instant in edges}
    if question.exact:
        if Answer.YES in answers:
            return Answer.YES
        return Answer.NO if answers == {Answer.NO} else Answer.MAYBE
    # A question that may mean several periods: yes only if yes across all of them.
    if answers == {Answer.YES}:
        return Answer.YES
    return Answer.NO if answers == {Answer.NO} else Answer.MAYBE


@st.composite
def questions(draw: st.DrawFn) -> str | dt.datetime | Moment:
    """Questions of every precision: years, months, days, hours, instants; in many zones."""
    day = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)))
    zone = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(["year", "month", "day", "hour", "instant", "aware", "qualified"]))
    year, month, date = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    if kind == "year":
        return Moment(year, tz=zone)
    if kind == "month":
        return Moment(year, month, tz=zone)
    if kind == "day":
        return Moment(year, month, date, tz=zone)
    if kind == "hour":
        return Moment(year, month, date, draw(st.integers(0, 23)), 0, tz=zone)
    if kind == "qualified":
        return draw(st.sampled_from([f"{year}~", f"{year}-{month}?", f"{year}-{month}-{date[0]}X"]))
    at = pendulum.datetime(day.year, day.month, day.day, tz=zone).add(
        microseconds=draw(st.integers(0, 86_400 * 10**6 - 1))
    )
    return at if kind == "aware" else at.in_tz("UTC").isoformat().replace("+00:00", "Z")


FACTS = intervals(moments(min_year=1985, max_year=2035, zones=ZONES))


@given(FACTS, questions())
def test_a_question_is_answered_at_its_own_precision(fact, asked):
    """Invariant 10: the answer for a day (month, year) is the best over its instants."""
    question = Question.of(asked)
    assert fact.contains(asked) is _best_over_instants(fact.extent, question)


@given(st.lists(FACTS, min_size=1, max_size=6), questions())
# Zoned facts, a floating question: at UTC+14:00 "2018~" begins before 2015~ may end.
@example(facts=[Interval.parse("0000/2015~", tz="UTC")], asked="2018~")
def test_the_facts_index_answers_questions_at_their_precision(facts, asked):
    """Invariant 10 through TemporalFacts.at: each spell's answer is the brute-force one."""
    log = Log(clock=ManualClock("2040-01-01T00:00:00Z"), registry=registry)
    for n, fact in enumerate(facts):
        log.append(Started(key=f"k{n}"), valid=fact)
    found = Facts(log).at(asked)
    question = Question.of(asked)
    for n, fact in enumerate(facts):
        expected = _best_over_instants(fact.extent, question)
        assert found.answer(f"k{n}") is expected


@given(instants(), intervals())
def test_an_instant_question_is_the_in_force_rule(at, fact):
    """An aware datetime asks about one instant: the design's in-force rule exactly."""
    assert fact.contains(at) is fact.extent.at(at)
    assert Question.of(at).instant


def test_the_embargo_is_in_force_on_its_first_day():
    """An embargo recorded from 2006-10-14 is yes on 2006-10-14 (the day), not maybe."""
    embargo = valid_time("2006-10-14/..")
    assert embargo.contains("2006-10-14") is Answer.YES
    assert embargo.contains("2006-10-14T00:00:00Z") is Answer.MAYBE  # the first instant: maybe
    assert embargo.contains("2006-10-13") is Answer.NO
    assert embargo.contains("2006-10") is Answer.YES
    assert valid_time("2023-05/..").contains("2023-05-15") is Answer.MAYBE


def test_month_and_year_questions_are_consistent():
    """2024-01 meets 2024 and 2024-01-05 meets 2024-01: both yes, as the issue asked."""
    assert valid_time("2024-01").contains("2024") is Answer.YES
    assert valid_time("2024-01-05").contains("2024-01") is Answer.YES
    assert valid_time("2024-01-05").contains("2024-02") is Answer.NO


def test_un_resolution_2397_in_every_zone():
    """Adopted 15:00 New York time on 2017-12-22: in force the 23rd everywhere, the 22nd in some."""
    adopted = valid_time((pendulum.datetime(2017, 12, 22, 15, tz="America/New_York"), None))
    assert all(
        adopted.contains(Moment("2017", "12", "23", tz=zone)) is Answer.YES for zone in ZONES
    )
    on_the_22nd = {adopted.contains(Moment("2017", "12", "22", tz=zone)) for zone in ZONES}
    assert on_the_22nd == {Answer.YES, Answer.NO}
    assert adopted.contains(Moment("2017", "12", "22", tz="Asia/Pyongyang")) is Answer.NO


# -- exact instants ----------------------------------------------------------------------------


def test_an_aware_datetime_is_an_exact_instant():
    """A mandate ending at datetime(2024, 5, 1, UTC) has ended at that instant: no, not maybe."""
    end = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    mandate = valid_time((dt.datetime(2024, 1, 11, tzinfo=dt.UTC), end))
    assert mandate.contains(end) is Answer.NO
    assert mandate.contains(end - TICK) is Answer.YES
    assert mandate.latest == end
    # A string is as precise as it is written: to the second, so its end is some time in it.
    written = valid_time("2024-01-11T00:00:00Z/2024-05-01T00:00:00Z")
    assert written.contains(end) is Answer.MAYBE
    assert written.contains(end + dt.timedelta(seconds=1)) is Answer.NO


def test_moments_and_intervals_give_their_earliest_and_latest_instants():
    """Documented names for the bounds: earliest, and latest (exclusive)."""
    september = Moment.parse("2023-09")
    assert (september.earliest, september.latest) == (
        pendulum.datetime(2023, 9, 1),
        pendulum.datetime(2023, 10, 1),
    )
    approximately = Moment.parse("2023-09~")  # year and month approximate
    assert approximately.earliest == pendulum.datetime(2022, 8, 1)
    month_only = Moment.parse("2023-~09")
    assert month_only.earliest == pendulum.datetime(2023, 8, 1)
    span = Interval.parse("2006/..")
    assert span.earliest == pendulum.datetime(2006, 1, 1)
    assert span.latest.year == 9999


# -- one fact per designation ----------------------------------------------------------------


def _flight_unit(log: Log) -> tuple[Record, Record]:
    unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY, aliases=("224-y LO",))
    first = log.append(Designated(target=unit, authority="US Treasury"), valid="2023-05/..")
    again = log.append(Designated(target=unit, authority="US Treasury"), valid="2024-01-11/..")
    return first, again


def test_a_re_designation_is_a_second_fact():
    """Designated in May 2023 and again on 11 January 2024: two sanctions in force, not one."""
    log = Log(clock=ManualClock("2024-02-01T00:00:00Z"))
    first, again = _flight_unit(log)
    sanctions = SanctionsInForce(log)
    hits = sanctions.in_force("2024-02-01", target="224th Flight Unit")
    assert isinstance(hits, InForce)
    assert len(hits) == 2
    assert {hit.spell.fact for hit in hits} == {str(first.id), str(again.id)}
    assert len(sanctions.in_force("2023-12-01")) == 1
    assert len(sanctions.history("US Treasury / - / 224th Flight Unit")) == 2


def test_a_lift_names_its_designation_or_says_every():
    """Lifting one designation leaves the other; every=True lifts both; neither is refused."""
    log = Log(clock=ManualClock("2024-02-01T00:00:00Z"))
    first, again = _flight_unit(log)
    key = "US Treasury / - / 224th Flight Unit"
    lift = Lifted(target="224th Flight Unit", authority="US Treasury", designation=str(first.id))
    log.append(lift, valid="2024-03-01")
    sanctions = SanctionsInForce(log)
    (left,) = sanctions.in_force("2024-04")
    assert left.spell.fact == str(again.id)
    log.append(
        Lifted(target="224th Flight Unit", authority="US Treasury", every=True), valid="2024-06"
    )
    assert sanctions.in_force("2024-07") == []
    assert sanctions.answer(key, "2024-04") is Answer.YES
    with pytest.raises(InvalidEventError, match=r"\(designation=\.\.\.\) or say every=True"):
        Lifted(target="224th Flight Unit", authority="US Treasury")
    with pytest.raises(InvalidEventError, match="not both"):
        DesignationAmended(target="x", authority="y", designation="d", every=True)


def test_sources_for_one_designation_that_disagree_on_its_date_are_a_conflict():
    """Two sources for the same designation, with different start dates: one fact, a conflict."""
    log = Log(clock=ManualClock("2024-02-01T00:00:00Z"))
    unit = Target(name="Example LLC", kind=TargetKind.ENTITY)
    early = log.append(
        Designated(target=unit, authority="EU", designation="EU-123"),
        valid="2023-05/..",
        provenance=Provenance(source="Reuters"),
    )
    late = log.append(
        Designated(target=unit, authority="EU", designation="EU-123"),
        valid="2023-06-02/..",
        provenance=Provenance(source="the EU journal"),
    )
    (spell,) = SanctionsInForce(log).history("EU / - / Example LLC")
    (conflict,) = spell.conflicts
    assert conflict.attribute == "start"
    assert [(str(value), record.id) for value, record in conflict.values] == [
        ("2023-05", early.id),
        ("2023-06-02", late.id),
    ]


def test_records_of_schema_1_keep_their_meaning():
    """Version 1 designations of one key stay one fact, and a v1 lift ends every one of them."""
    log = Log(clock=ManualClock("2024-02-01T00:00:00Z"))
    target = {"name": "224th Flight Unit", "kind": "entity"}
    lines = [
        {"type": "sanctions.designated", "version": 1, "valid": "2023-05/..",
         "data": {"target": target, "authority": "US Treasury"}},
        {"type": "sanctions.designated", "version": 1, "valid": "2024-01-11/..",
         "data": {"target": target, "authority": "US Treasury"}},
        {"type": "sanctions.lifted", "version": 1, "valid": "2024-06",
         "data": {"target": "224th Flight Unit", "authority": "US Treasury"}},
    ]  # fmt: skip
    path = Path(log.store.__class__.__name__ + ".jsonl")
    try:
        path.write_text("\n".join(json.dumps(line) for line in lines))
        load_jsonl(path, log)
    finally:
        path.unlink()
    sanctions = SanctionsInForce(log)
    (hit,) = sanctions.in_force("2024-02")
    assert hit.spell.fact == BEFORE_V2
    # The second designation was a further source for the first, as before version 2.
    assert [type(r.event).__name__ for r in hit.spell.records] == ["Designated"] * 2 + ["Lifted"]
    assert sanctions.in_force("2024-07") == []


def test_the_seed_file_answers_alike_at_schema_1_and_2(tmp_path):
    """Today's seed file, its sanctions lines marked version 1, gives the same answers."""
    as_v1 = tmp_path / "v1.jsonl"
    lines = []
    for text in SEEDS.read_text().splitlines():
        line = json.loads(text)
        if line.get("type") in {"sanctions.designated", "sanctions.lifted"}:  # not defaults
            line["version"] = 1
        lines.append(json.dumps(line))
    as_v1.write_text("\n".join(lines))
    now, then = Log(), Log()
    load_jsonl(SEEDS, now)
    load_jsonl(as_v1, then)
    for asked in ("2006", "2006-10-14", "2024-01", "2024-01-11", "2024-01-11T12:00:00Z", "2030"):
        ours = [(h.key, h.answer) for h in SanctionsInForce(now).in_force(asked)]
        theirs = [(h.key, h.answer) for h in SanctionsInForce(then).in_force(asked)]
        assert ours == theirs


# -- every question catches up -------------------------------------------------------------------


def test_every_query_method_catches_up_first():
    """No query answers from a state behind the log: each sees a record appended after creation."""
    log = Log(clock=ManualClock("2024-02-01T00:00:00Z"))
    sanctions = SanctionsInForce(log)
    _flight_unit(log)
    key = "US Treasury / - / 224th Flight Unit"
    assert len(SanctionsInForce(log).during("2024-01-01", "2024-02-01")) == 2
    assert len(SanctionsInForce(log).history(key)) == 2
    assert len(SanctionsInForce(log).changes("2023-01-01", "2025-01-01")) == 2
    assert SanctionsInForce(log).keys() == [key]
    assert len(SanctionsInForce(log)) == 2
    assert len(SanctionsInForce(log).versions(key)[-1][1]) == 2
    assert len(SanctionsInForce(log).at("2024-02")) == 2
    assert SanctionsInForce(log).unmatched() == []
    assert len(sanctions.in_force("2024-02")) == 2


# -- names --------------------------------------------------------------------------------------


def test_target_filters_match_names_and_aliases_whatever_the_case_and_accents():
    """'Mikheichik' finds the person listed as 'Mikheychik' with that alias; case, accents too."""
    log = Log(clock=ManualClock("2024-02-01T00:00:00Z"))
    person = Target(
        name="Vladimir Vladimirovich Mikheychik",
        kind=TargetKind.PERSON,
        aliases=("Vladimir Vladimirovich Mikheichik",),
    )
    log.append(Designated(target=person, authority="US Treasury"), valid="2024-01-11/..")
    sanctions = SanctionsInForce(log)
    for name in (
        "Vladimir Vladimirovich Mikheichik",
        "vladimir vladimirovich MIKHEYCHIK",
        "Vladimir  Vladimirovich Mikhéichik",
    ):
        assert len(sanctions.in_force("2024-02", target=name)) == 1, name
    assert len(sanctions.in_force("2024-02", target="Mikheichik")) == 1  # a surname: a word
    assert sanctions.in_force("2024-02", target="Mikhei") == []  # whole words, not fragments
    assert len(sanctions.in_force("2024-02", authority="us treasury")) == 1


# -- provenance questions ------------------------------------------------------------------------


def test_a_records_status_is_one_call():
    """Active, retracted by X, corrected by Y (with its replacement); as known at any time."""
    clock = ManualClock("2024-01-12T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    claim = log.append(Started(key="a"), valid="2024-01-11")
    other = log.append(Started(key="b"), valid="2024-01-11")
    assert log.status(claim).state == "active"
    clock.advance(hours=1)
    retraction = log.retract(claim, reason="wrong")
    clock.advance(hours=1)
    replacement = log.correct(other, Started(key="b2"), valid="2024-01-10")
    status = log.status(claim)
    assert (status.state, status.by) == ("retracted", retraction)
    assert log.status(claim, known="2024-01-12T00:30:00Z").state == "active"
    corrected = log.status(other.id)
    assert corrected.state == "corrected"
    assert corrected.replacement == replacement
    clock.advance(hours=1)
    log.retract(retraction, reason="it was right after all")
    assert log.status(claim).state == "active"
    with pytest.raises(IndexError):
        log.status(99)


def test_a_retraction_is_not_an_event_of_the_retracted_date():
    """In a chronology a retraction sorts at the time it was made, not at the record's date."""
    clock = ManualClock("2024-01-12T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    claim = log.append(Started(key="a"), valid="2006-10-14")
    clock.advance(days=3)
    fix = log.retract(claim)
    assert str(fix.valid).startswith("2024-01-15T00:00:00")
    assert fix.valid.contains("2006-10-14") is Answer.NO
    assert [r.position for r in sorted(log, key=record_order)] == [1, 2]
    marker = log.correct(log.append(Started(key="b"), valid="1999"), Started(key="c"), valid="1999")
    assert log.status(3).by is not None
    assert log.status(3).by.valid.contains("1999") is Answer.NO
    assert marker.valid.contains("1999") is Answer.YES  # the replacement keeps its own date


def test_in_force_returns_the_one_answer_type():
    """The vocabulary answers with InForce, like TemporalFacts.at."""
    log = Log()
    load_jsonl(SEEDS, log)
    sanctions = SanctionsInForce(log)
    found = sanctions.in_force("2024-01-15")
    assert isinstance(found, InForce)
    assert found == sanctions.at("2024-01-15")
    assert found.keys() == sorted({hit.key for hit in found})


def test_an_open_start_or_end_answers_every_question():
    """Spells open at either side answer month and year questions without error."""
    log = Log(clock=ManualClock("2024-02-01T00:00:00Z"), registry=registry)
    log.append(Started(key="open"), valid=(End.OPEN, "2000"))
    facts = Facts(log)
    assert facts.at("1999").answer("open") is Answer.YES
    assert facts.at("2000").answer("open") is Answer.MAYBE
    assert facts.at("2001").answer("open") is Answer.NO
