"""Valid time: bounds, three-valued answers, refinement, zones."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from strategies import every_offset, instants, intervals, moments, refinements
from timeline import (
    Answer,
    Bounds,
    End,
    Extent,
    Interval,
    InvalidValidTimeError,
    Moment,
    Padding,
    Precision,
    Question,
    before,
    in_force,
    overlaps,
    until,
    valid_time,
)
from timeline.testing._strategies import ZONES
from timeline.time import EAST, FLOATING, fields_at, micros, zone_of


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


@given(moments())
def test_bounds_are_ordered_and_padding_only_widens(moment):
    """Every value denotes a non-empty span, and padding never narrows it."""
    strict, padded = moment.strict_bounds(), moment.bounds()
    assert strict.low < strict.high
    assert padded.low <= strict.low
    assert strict.high <= padded.high
    wider = moment.bounds(padding=Padding(approximate=3, uncertain=3))
    assert wider.low <= padded.low
    assert padded.high <= wider.high


@given(moments(), st.data())
def test_refinement_narrows_bounds(moment, data):
    """A value that says more denotes no instant the original could not."""
    refined = data.draw(refinements(moment))
    outer, inner = moment.bounds(), refined.bounds()
    assert outer.low <= inner.low
    assert inner.high <= outer.high


@given(intervals(), instants(), st.data())
def test_refining_an_end_never_flips_yes_and_no(interval, at, data):
    """Refining a start or end turns maybe into anything, never yes into no or back."""
    start, end = interval.start, interval.end
    if isinstance(start, Moment):
        start = data.draw(refinements(start))
    if isinstance(end, Moment):
        end = data.draw(refinements(end))
    try:
        refined = Interval(start, end)
    except InvalidValidTimeError:
        assume(False)
    before_answer, after_answer = interval.contains(at), refined.contains(at)
    if before_answer is Answer.YES:
        assert after_answer is Answer.YES
    if before_answer is Answer.NO:
        assert after_answer is Answer.NO


@given(intervals(), instants(), st.data())
def test_in_force_agrees_with_possible_worlds(interval, at, data):
    """Yes holds in every world the bounds allow; no in none (yes is within yes-or-maybe)."""
    extent = interval.extent
    answer = extent.at(at)
    for _ in range(5):
        start = _pick(data, extent.start)
        end = _pick(data, extent.end)
        assume(start < end)
        holds = start <= micros(at) < end
        if answer is Answer.YES:
            assert holds
        if answer is Answer.NO:
            assert not holds


def _pick(data: st.DataObject, bounds: Bounds) -> int:
    """An instant the bounds allow, in microseconds (any year)."""
    if bounds.low == bounds.high:
        return bounds.low
    span = bounds.high - bounds.low
    return bounds.low + data.draw(st.sampled_from([0, span - 1]) | st.integers(0, span - 1))


@given(moments(), instants())
def test_contains_is_yes_only_inside_an_exact_period(moment, at):
    """A period contains V for sure only when it is exact and V is inside it.

    A floating period meets an instant through every offset: within 14 hours
    of its bounds the answer may be maybe (the test across zones checks it).
    """
    answer = moment.contains(at)
    strict = moment.strict_bounds()
    inside = strict.contains(at)
    if answer is Answer.YES:
        assert moment.exact
        assert inside
    widest = moment.bounds()

    def near(*bounds: int) -> bool:  # a floating period: an offset may move V across a bound
        return moment.tz == FLOATING and any(abs(micros(at) - b) <= EAST for b in bounds)

    if moment.exact and not near(strict.low, strict.high):
        assert answer is (Answer.YES if inside else Answer.NO)
    if not widest.contains(at) and not near(widest.low, widest.high):
        assert answer is Answer.NO


@given(intervals() | moments(), intervals() | moments())
@example(  # found by CI: the same wall-clock year, floating and ending in UTC
    Moment.parse("2000"), Interval(start=Moment.parse("2000"), end=Moment.parse("2000", tz="UTC"))
)
def test_valid_time_order_follows_the_bounds(a, b):
    """A value that surely starts first sorts first; equal extents have equal keys.

    Equal keys mean equal extents but for where they float: the key is the bounds'
    microseconds, so a value written without a zone and one written in UTC with the
    same wall-clock bounds sort together (their records then by position).
    """
    x, y = a.extent, b.extent
    if x.start.top < y.start.low:
        assert x.order < y.order
    if x == y:
        assert x.order == y.order
    if x.order == y.order and x != y:
        assert (x.start.floating, x.end.floating) != (y.start.floating, y.end.floating)


@given(moments(), moments())
def test_before_is_sound(a, b):
    """Yes only when a surely ends first; no only when it surely ends after b begins."""
    answer = before(a, b)
    ea, sb = a.bounds(), b.bounds()
    if answer is Answer.YES:
        assert ea.top <= sb.low
    if answer is Answer.NO:
        assert ea.low > sb.top


@given(intervals(), intervals())
def test_overlap_is_symmetric(a, b):
    """Overlap does not depend on argument order."""
    assert overlaps(a, b) is overlaps(b, a)


# Instants written without a zone: local time somewhere (floating).
local_instants = instants().map(lambda at: at.naive().isoformat())
questions = st.one_of(moments(), intervals(), instants(), local_instants)


def _at(bounds: Bounds, offset: int) -> Bounds:
    """Floating bounds as the instants they denote at UTC ``offset``: zoned bounds."""
    return Bounds.of(bounds.low - offset, bounds.high - offset) if bounds.floating else bounds


_HOUR = 3_600_000_000


@st.composite
def nearby(draw: st.DrawFn, extent: Extent) -> Question:
    """A question within hours of one of ``extent``'s bounds, where offsets turn answers."""
    anchor = draw(
        st.sampled_from([extent.start.low, extent.start.top, extent.end.low, extent.end.top])
    )
    quarters = st.integers(-80, 80).map(lambda n: n * _HOUR // 4)  # where offsets lie
    low = anchor + draw(quarters | st.integers(-20 * _HOUR, 20 * _HOUR))
    width = draw(st.sampled_from([1, _HOUR // 4, _HOUR, 24 * _HOUR]))
    return Question(low, low + width, exact=draw(st.booleans()), floating=draw(st.booleans()))


@given(st.one_of(moments(), intervals()), questions, st.data())
def test_a_question_across_zones_is_its_answer_at_every_offset(value, asked, data):
    """Floating and zoned times meet as they would at each of the 105 offsets, combined."""
    extent = value.extent
    question = Question.of(asked) if data.draw(st.booleans()) else data.draw(nearby(extent))

    def at(offset: int) -> Answer:
        if question.floating:
            low, high = question.low - offset, question.high - offset
        else:
            low, high = question.low, question.high
        moved = Extent(_at(extent.start, offset), _at(extent.end, offset))
        return Question(low, high, exact=question.exact).answer(moved)

    assert question.answer(extent) is every_offset(at)


@given(moments(), questions, st.data())
def test_a_moment_across_zones_is_its_answer_at_every_offset(moment, asked, data):
    """Moment.contains: no where the periods cannot meet at any offset, yes only if sure at all."""
    bounds = moment.bounds()
    if data.draw(st.booleans()):
        asked = data.draw(nearby(moment.extent))
    question = Question.of(asked)
    sure = moment.exact and question.exact

    def at(offset: int) -> Answer:
        mine = _at(bounds, offset)
        theirs = _at(Bounds.of(question.low, question.high, floating=question.floating), offset)
        if mine.low >= theirs.high or mine.high <= theirs.low:
            return Answer.NO
        return Answer.YES if sure else Answer.MAYBE

    assert moment.contains(asked) is every_offset(at)


@given(st.one_of(moments(), intervals()), st.one_of(moments(), intervals()), st.data())
def test_before_across_zones_is_its_answer_at_every_offset(a, b, data):
    """before(): yes if a surely ended before b began at every offset, no if at none."""
    if data.draw(st.booleans()) and isinstance(b, Moment) and b.hour is None:
        # The same date, or one a day either side, in another zone: answers turn within hours.
        day = data.draw(st.sampled_from([a.extent.end.low, a.extent.end.top]))
        year, month, date, *_ = fields_at(
            day + data.draw(st.sampled_from([-1, 0, 1])) * 24 * _HOUR, zone_of("UTC")
        )
        zone = data.draw(st.sampled_from(ZONES))
        assume(-9999 <= year <= 9999)  # a month and a day need a four-digit year
        b = Moment(
            f"{year:04d}" if year >= 0 else f"-{-year:04d}", f"{month:02d}", f"{date:02d}", tz=zone
        )
    end, start = a.extent.end, b.extent.start

    def at(offset: int) -> Answer:
        first, second = _at(end, offset), _at(start, offset)
        if first.top <= second.low:
            return Answer.YES
        return Answer.NO if first.low > second.top else Answer.MAYBE

    assert before(a, b) is every_offset(at)


def test_un_resolution_2397_zones():
    """22 December 2017 in New York had already become 23 December in Pyongyang."""
    adopted = Moment.parse("2017-12-22", tz="America/New_York", phrase="22 December 2017")
    start = adopted.bounds().earliest
    assert start == utc(2017, 12, 22, 5)
    assert start.in_tz("Asia/Pyongyang").day == 22
    assert adopted.bounds().latest.in_tz("Asia/Pyongyang").day == 23
    # Noon in Pyongyang on the 23rd is still the 22nd in New York.
    noon_pyongyang = pendulum.datetime(2017, 12, 23, 12, tz="Asia/Pyongyang")
    assert adopted.contains(noon_pyongyang) is Answer.YES
    as_utc_day = Moment.parse("2017-12-22", tz="UTC")
    assert as_utc_day.contains(noon_pyongyang) is Answer.NO
    # Written without a zone, the 22nd is local time somewhere: in some zones
    # (UTC-12:00) it lasted until 12:00 UTC on the 23rd, past 03:00 UTC.
    assert Moment.parse("2017-12-22").contains(noon_pyongyang) is Answer.MAYBE


def test_floating_times_meet_zoned_ones_through_every_offset():
    """design.md's examples: floating dates against a zoned instant and each other."""
    adopted = Interval.parse("2017-12-22T15:00/..", tz="America/New_York")  # 20:00 UTC
    assert adopted.contains("2017-12-23") is Answer.YES  # in every zone
    assert adopted.contains("2017-12-22") is Answer.MAYBE  # only in some
    assert adopted.contains("2017-12-21") is Answer.NO  # in none: UTC+14 ends it at 10:00 UTC
    embargo = Interval.parse("2006-10-14/..")  # floating
    assert embargo.contains("2006-10-14") is Answer.YES  # one shared zone
    assert embargo.contains("2006-10-13T23:59") is Answer.NO
    assert embargo.contains(utc(2006, 10, 14, 1)) is Answer.MAYBE  # in UTC-12:00 not yet
    # It began some time that day: surely once the day is over in every zone.
    assert embargo.contains(utc(2006, 10, 15, 11, 59)) is Answer.MAYBE
    assert embargo.contains(utc(2006, 10, 15, 12)) is Answer.YES
    assert embargo.contains(utc(2006, 10, 13, 9, 59)) is Answer.NO  # before UTC+14:00 began it


def test_an_interval_with_one_floating_end_meets_a_question_through_every_offset():
    """One end floating, the other zoned: the floating end turns the answer, whichever it is.

    The mutation run's two survivors in ``Question.answer``: the start's instants left out of
    the offsets tried, and the shortcut for times in one zone taken when only the end is.
    """
    # Begun at noon local time somewhere, ended at 22:00 UTC: noon is 22:00 UTC the day before
    # at UTC+14:00 and midnight after the end at UTC-12:00.
    floating_start = Interval.parse("2024-01-01T12:00/2024-01-01T22:00Z")
    assert floating_start.contains(utc(2024, 1, 1, 15)) is Answer.MAYBE  # not yet at UTC-12
    assert floating_start.contains(utc(2023, 12, 31, 21)) is Answer.NO  # not begun anywhere
    assert floating_start.contains(utc(2024, 1, 1, 23)) is Answer.NO  # ended, in UTC
    # Begun at 10:00 UTC, ended at 20:00 local time somewhere; asked about local times.
    floating_end = Interval.parse("2024-01-01T10:00Z/2024-01-01T20:00")
    assert floating_end.contains("2024-01-01T15:00") is Answer.MAYBE  # past UTC+5 not begun
    assert floating_end.contains("2024-01-01T09:00") is Answer.MAYBE  # begun west of UTC-1
    assert floating_end.contains("2024-01-01T23:00") is Answer.NO  # past its end everywhere


def test_leap_days_and_year_ends():
    """29 February exists only in leap years; a December day ends at the new year."""
    assert Moment.parse("2024-02-29").bounds().latest == utc(2024, 3, 1)
    with pytest.raises(InvalidValidTimeError, match="no real date"):
        Moment.parse("2023-02-29")
    assert Moment.parse("2023-12-31").bounds().latest == utc(2024, 1, 1)
    assert Moment.parse("2024-02-XX").bounds().latest == utc(2024, 3, 1)
    assert Moment.parse("2023-02-XX").bounds().latest == utc(2023, 3, 1)


def test_dst_transitions_change_day_lengths():
    """A day in New York is 23 hours when clocks go forward and 25 when they go back."""
    spring = Moment.parse("2024-03-10", tz="America/New_York").bounds()
    autumn = Moment.parse("2024-11-03", tz="America/New_York").bounds()
    assert (spring.latest - spring.earliest).in_hours() == 23
    assert (autumn.latest - autumn.earliest).in_hours() == 25


def test_padding_policy():
    """~ pads each component it reaches by one of its units, % by both paddings."""

    def local(low: dt.datetime, high: dt.datetime) -> Bounds:
        return Bounds(low, high, floating=True)

    assert Moment.parse("2023-~09").bounds() == local(utc(2023, 8, 1), utc(2023, 11, 1))
    assert Moment.parse("2023-09~").bounds() == local(utc(2022, 8, 1), utc(2024, 11, 1))
    assert Moment.parse("~2023-09").bounds() == local(utc(2022, 9, 1), utc(2024, 10, 1))
    assert Moment.parse("2023%").bounds() == local(utc(2021, 1, 1), utc(2026, 1, 1))
    in_utc = Moment.parse("2023%", tz="UTC").bounds()
    assert in_utc == Bounds(utc(2021, 1, 1), utc(2026, 1, 1))
    none = Padding(approximate=0, uncertain=0)
    assert Moment.parse("2023%").bounds(padding=none) == Moment.parse("2023").bounds()


def test_seed_article_examples():
    """The article's own dates give the answers a careful reader would."""
    embargo = valid_time("2006/..", phrase="since it first tested a nuclear bomb in 2006")
    assert embargo.contains("2024-01-15") is Answer.YES
    assert embargo.contains("2006-10-09") is Answer.MAYBE
    assert embargo.contains("2005-12-31") is Answer.NO
    meeting = valid_time("2023-09", phrase="In September")
    assert meeting.contains("2023-09-13") is Answer.YES
    assert before(meeting, "2023-12-30") is Answer.YES
    strikes = valid_time("2023-12-30/2024-01-02")
    assert overlaps(strikes, "2024-01-01") is Answer.YES
    mandate = Interval(Moment.parse("2009-06-12"), until("2024-04-30"))
    assert mandate.contains("2024-04-30T23:59") is Answer.YES
    assert mandate.contains("2024-05-01T00:00") is Answer.NO
    assert mandate.contains(utc(2024, 4, 30, 23, 59)) is Answer.MAYBE  # whose 30 April?


def test_in_force_rule_ends():
    """Open ends stay in force; unknown ends are only ever maybe after the start."""
    assert in_force("2024-01-11", End.OPEN, "2030-01-01") is Answer.YES
    assert in_force("2024-01-11", End.UNKNOWN, "2030-01-01") is Answer.MAYBE
    assert in_force(End.OPEN, "2006", "1990-01-01") is Answer.YES
    assert in_force(End.UNKNOWN, "2006", "1990-01-01") is Answer.MAYBE
    assert in_force(End.UNKNOWN, "2006", "2007-01-01") is Answer.NO


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 1, 12), "2024-01-12"),
        (pendulum.date(2024, 1, 12), "2024-01-12"),
        (pendulum.datetime(2024, 1, 12, 9, tz="Europe/Kyiv"), "2024-01-12T09:00:00.000000+02:00"),
        (dt.datetime(2024, 1, 12, 9, 30, tzinfo=dt.UTC), "2024-01-12T09:30:00.000000Z"),
        ("2024-01-0X", "2024-01-0X"),
        (("2023-12-30", None), "2023-12-30/.."),
    ],
)
def test_valid_time_accepts_the_obvious_inputs(value, expected):
    """Dates, aware datetimes, EDTF strings and pairs all read as valid times."""
    assert str(valid_time(value)) == expected


def test_naive_datetimes_are_rejected():
    """A naive datetime names no instant, so it is an error, not a guess."""
    with pytest.raises(InvalidValidTimeError, match="naive datetime"):
        valid_time(dt.datetime(2024, 1, 12, 9))
    with pytest.raises(InvalidValidTimeError, match="cannot read"):
        valid_time(20240112)  # type: ignore[arg-type]


def test_answers_are_not_booleans():
    """Using an Answer as a bool is an error: maybe is neither."""
    with pytest.raises(TypeError, match="three-valued"):
        bool(Answer.MAYBE)
    assert (~Answer.MAYBE) is Answer.MAYBE
    assert (Answer.YES & Answer.NO) is Answer.NO


def test_precision_is_kept():
    """What the source said survives: precision, phrase, qualifiers."""
    moment = Moment.parse("2023-09~", phrase="around September")
    assert moment.precision is Precision.MONTH
    assert moment.phrase == "around September"
    assert str(moment) == "2023-09~"
