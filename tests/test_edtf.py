"""EDTF in and out, and a differential test against the `edtf` package."""

from __future__ import annotations

import datetime as dt
import json
import time

import edtf
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pendulum.tz.timezone import FixedTimezone

from strategies import intervals, moments
from timeline import (
    Answer,
    DateSet,
    End,
    Grouping,
    Interval,
    InvalidValidTimeError,
    Moment,
    Precision,
    Question,
    format_edtf,
    parse_edtf,
    valid_time,
)
from timeline._codec import decode_valid, encode_valid
from timeline.testing import date_sets
from timeline.time import fields_at

CANONICAL = [
    "2006",
    "2023-09",
    "2024-01-11",
    "2024-01-XX",
    "2023~",
    "2023?",
    "2023%",
    "2023-12-30/2024-01-02",
    "2024-01-11/..",
    "../2006",
    "2024-01-11/",
    "2024-01-0X",
    "~2023-09",
    "2023-09~",
    "20XX",
    "2024-1X-0X",
    "?2004-06-~11",
    "2024-01-11T14:30:00Z",
    "2024-01-11T14:30Z",
    "2024-01-11T14:30:00.250000+09:00",
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_strings_round_trip(text):
    """format(parse(s)) == s for canonical strings."""
    assert format_edtf(parse_edtf(text)) == text


_OFFSETS = moments(zones=("UTC", "+09:00"))


@given(_OFFSETS | intervals(_OFFSETS))
def test_generated_values_round_trip(value):
    """Every value the library can hold is written and read back unchanged.

    A date carries no zone in EDTF, so values are re-read in their own zone;
    an interval whose ends lie in different zones needs the codec's form.
    """
    ends = [value] if isinstance(value, Moment) else [value.start, value.end]
    zones = {end.tz for end in ends if isinstance(end, Moment)}
    assume(len(zones) == 1)
    text = format_edtf(value)
    back = parse_edtf(text, tz=zones.pop())
    assert back == value
    assert format_edtf(back) == text


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("2023-13", "month 13"),
        ("2023-02-30", "no real date"),
        ("20a3", "year must be 4 digits"),
        ("2023-09-", "day must be 2 digits"),
        ("2001-21-03", "has no day: give year and code only"),
        ("2001-42", "no season or grouping 21-41"),
        ("", "empty"),
        ("2023/2024/2025", "more than one '/'"),
        ("2024-01-11T25", "hour 25"),
        ("2024/2023", "ends before it starts"),
        ("-0000", "year -0000 is written 0000"),
        ("Y-17E7", "year -170000000 lies beyond the years a valid time holds"),
        ("Y123", "more than four digits"),
        ("1950S5", "significant digits 5 must be 1 to 4"),
        ("2001-03S2", "unexpected 'S2'"),
        ("19XXS2", "apply to a year alone, written without X"),
        ("2024-01-11T10:00+9", "zone offset"),
        ("2024-01-11T10:00+123", "zone offset"),
        ("2024-01-11T10:00+05:3", "zone offset"),
        ("2024-01-11T10:00+24:00", "zone offset '\\+24:00' is out of range"),
        ("2024-01-11T10:00+05:60", "out of range"),
        ("2024-01-11 10:00", "unexpected"),
        ("2024-01-11T10:00:00Z~", "unexpected '~'"),
        ("../..", "at least one dated end"),
        ("2024-01-1X/2024-13", "interval '2024-01-1X/2024-13': .*month 13"),
    ],
)
def test_invalid_strings_say_which_part_is_wrong(text, part):
    """A malformed string is a typed error naming the wrong part."""
    with pytest.raises(InvalidValidTimeError, match=part.replace("(", r"\(")):
        parse_edtf(text)


def _date(value: time.struct_time) -> dt.date:
    return dt.date(value.tm_year, value.tm_mon, value.tm_mday)


def _ymd(value: int) -> tuple[int, int, int]:
    """The UTC date of microseconds (any year), as `edtf`'s struct_time has it."""
    year, month, day, *_ = fields_at(value, FixedTimezone(0))
    return year, month, day


_DAY = 86_400_000_000


@given(moments(masks=False, zones=("UTC",)))
def test_strict_bounds_agree_with_the_edtf_package(moment):
    """Where `edtf` is right (dates without qualifiers), our strict bounds equal its.

    Years BCE and beyond 9999 included (`edtf` reads `-0064` and `Y17000`
    but not a Y-year with a month, an extension of ours: skipped).
    """
    moment = Moment(moment.year, moment.month, moment.day)  # dates, no qualifiers
    assume(moment.grouping is None)  # `edtf` cuts winters short: tested on their own
    try:
        oracle = edtf.parse_edtf(str(moment))
    except edtf.EDTFParseException:
        assume(False)
    bounds = moment.strict_bounds()
    assert _ymd(bounds.low) == tuple(oracle.lower_strict())[:3]
    assert _ymd(bounds.high - _DAY) == tuple(oracle.upper_strict())[:3]


@given(st.integers(1100, 2900), st.sampled_from(["~", "?", "%"]))
def test_year_padding_agrees_with_the_edtf_package(year, mark):
    """For qualified years `edtf` pads one year per qualifier, as we do by default."""
    text = f"{year}{mark}"
    oracle = edtf.parse_edtf(text)
    bounds = parse_edtf(text).bounds()  # type: ignore[union-attr]
    assert bounds.earliest.date() == _date(oracle.lower_fuzzy())
    assert (bounds.latest - dt.timedelta(days=1)).date() == _date(oracle.upper_fuzzy())


@pytest.mark.parametrize("text", ["20XX", "2024-XX", "2024-01-XX", "~2023-09", "?2023-06"])
def test_unspecified_and_component_forms_agree_with_the_edtf_package(text):
    """For whole-X components and a qualified year, `edtf`'s padded bounds equal ours."""
    oracle = edtf.parse_edtf(text)
    bounds = parse_edtf(text).bounds()  # type: ignore[union-attr]
    assert bounds.earliest.date() == _date(oracle.lower_fuzzy())
    assert (bounds.latest - dt.timedelta(days=1)).date() == _date(oracle.upper_fuzzy())


def test_where_the_edtf_package_is_wrong():
    """Documented differences: `edtf` rejects 2024-01-0X and ends a padded month mid-month."""
    with pytest.raises(ValueError, match="invalid literal"):
        edtf.parse_edtf("2024-01-0X").lower_strict()
    assert str(parse_edtf("2024-01-0X").bounds().latest.date()) == "2024-01-10"  # type: ignore[union-attr]
    # "2023-09~" is year and month approximate: both agree on a year and a
    # month each way, but `edtf` pads September's last day and so stops on
    # 30 October 2024; a value of month precision ends with its month.
    oracle = edtf.parse_edtf("2023-09~")
    assert _date(oracle.upper_fuzzy()) == dt.date(2024, 10, 30)
    ours = parse_edtf("2023-09~").bounds()  # type: ignore[union-attr]
    assert ours.latest.date() == dt.date(2024, 11, 1)


_MARKS = st.sampled_from(["", "~", "?", "%"])


@st.composite
def _qualified_dates(draw: st.DrawFn) -> str:
    """Dates of year, month or day precision with qualifiers in any EDTF place."""
    year = draw(st.integers(1100, 2900))
    parts = [f"{year}"]
    if draw(st.booleans()):
        parts.append(f"{draw(st.integers(1, 12)):02d}")
        if draw(st.booleans()):
            parts.append(f"{draw(st.integers(1, 28)):02d}")  # no month-end clamping
    before = [draw(_MARKS) for _ in parts]
    if len(parts) == 1:  # "~2023" is level 2's way of writing "2023~"
        before = [""]
    inner = [draw(_MARKS) if index < len(parts) - 1 else "" for index in range(len(parts))]
    text = "-".join(f"{b}{p}{i}" for b, p, i in zip(before, parts, inner, strict=True))
    return text + draw(_MARKS)


@given(_qualified_dates())
def test_qualifier_padding_agrees_with_the_edtf_package(text):
    """Each component a qualifier reaches strays by one of its units, as `edtf` pads it.

    A qualifier after a component reaches it and every component to its
    left, a trailing one the whole date (ISO 8601-2): ``2004-06-11?`` is
    uncertain in year, month and day. Only at month precision do the two
    differ, by where a padded month ends (see the test above).
    """
    try:
        oracle = edtf.parse_edtf(text)
    except edtf.EDTFParseException:
        assume(False)  # `edtf` reads fewer placements than EDTF allows
    value = parse_edtf(text)
    assert isinstance(value, Moment)
    bounds = value.bounds()
    assert bounds.earliest.date() == _date(oracle.lower_fuzzy())
    last = (bounds.latest - dt.timedelta(days=1)).date()
    upper = _date(oracle.upper_fuzzy())
    if value.precision is Precision.DAY or not value.qualified:
        assert last == upper
    else:
        assert (last.year, last.month) == (upper.year, upper.month)


def test_a_qualifier_reads_the_same_wherever_the_specification_lets_it_stand():
    """Saying the same thing two ways gives the same bounds (the explanation's table)."""
    same = [
        ("2004-06~", "~2004-~06"),
        ("2004-06-11?", "?2004-?06-?11"),
        ("2004-06~-11", "~2004-~06-11"),
        ("2004?-06-11", "?2004-06-11"),
        ("2004-06%", "%2004-%06"),
    ]
    for one, other in same:
        assert parse_edtf(one).bounds() == parse_edtf(other).bounds(), (one, other)  # type: ignore[union-attr]
    # Qualifying more components never narrows the bounds.
    year_only, whole = parse_edtf("~2004-06").bounds(), parse_edtf("2004-06~").bounds()  # type: ignore[union-attr]
    assert whole.earliest <= year_only.earliest
    assert year_only.latest <= whole.latest


@pytest.mark.parametrize(
    ("written", "as_"),
    [
        ("1985-04-12T23:20:30-04", "1985-04-12T23:20:30-04:00"),  # the EDTF specification's
        ("1985-04-12T23:20:30-0400", "1985-04-12T23:20:30-04:00"),
        ("2024-01-11T10:00:00+0530", "2024-01-11T10:00:00+05:30"),
        ("2024-01-11T10:00:00+00", "2024-01-11T10:00:00Z"),
        ("2024-01-11T10:00:00-00:00", "2024-01-11T10:00:00Z"),
    ],
)
def test_zone_offsets_of_hours_or_without_a_colon_read_as_iso_8601_has_them(written, as_):
    """Level 0 takes ISO 8601's +hh and +hhmm besides +hh:mm, and writes +hh:mm back."""
    value, same = parse_edtf(written), parse_edtf(as_)
    assert value == same
    assert value.bounds() == same.bounds()
    assert format_edtf(value) == as_


# What the specification's groupings span (first month, months), written out
# here rather than taken from the code's own table.
_GROUPINGS = {
    21: (3, 3), 22: (6, 3), 23: (9, 3), 24: (12, 3),
    25: (3, 3), 26: (6, 3), 27: (9, 3), 28: (12, 3),
    29: (9, 3), 30: (12, 3), 31: (3, 3), 32: (6, 3),
    33: (1, 3), 34: (4, 3), 35: (7, 3), 36: (10, 3),
    37: (1, 4), 38: (5, 4), 39: (9, 4),
    40: (1, 6), 41: (7, 6),
}  # fmt: skip


@given(st.integers(3, 9997), st.sampled_from(sorted(_GROUPINGS)))
def test_seasons_and_groupings_span_their_months(year, code):
    """``YYYY-21`` .. ``YYYY-41`` span whole months; winters run into the next year."""
    first, months = _GROUPINGS[code]
    value = parse_edtf(f"{year:04d}-{code}")
    assert isinstance(value, Moment)
    assert value.grouping is Grouping(code)
    assert format_edtf(value) == f"{year:04d}-{code}"
    bounds = value.strict_bounds()
    assert bounds.earliest.date() == dt.date(year, first, 1)
    end = first - 1 + months  # months since January of the year written
    assert bounds.latest.date() == dt.date(year + end // 12, end % 12 + 1, 1)
    # A qualifier widens by a year and by the grouping's own length.
    padded = parse_edtf(f"{year:04d}-{code}~").bounds()  # type: ignore[union-attr]
    assert padded.earliest == bounds.earliest.subtract(years=1, months=months)
    assert padded.latest == bounds.latest.add(years=1, months=months)


@pytest.mark.parametrize("code", sorted(_GROUPINGS))
def test_groupings_agree_with_the_edtf_package_within_the_year(code):
    """`edtf` reads the same months, except that it cuts a winter at 31 December."""
    oracle = edtf.parse_edtf(f"2001-{code}")
    bounds = parse_edtf(f"2001-{code}").bounds()  # type: ignore[union-attr]
    assert bounds.earliest.date() == _date(oracle.lower_strict())
    last = (bounds.latest - dt.timedelta(days=1)).date()
    if _GROUPINGS[code][0] == 12:  # `edtf` is wrong: a winter lasts three months
        assert _date(oracle.upper_strict()) == dt.date(2001, 12, 31)
        assert last == dt.date(2002, 2, 28)
    else:
        assert last == _date(oracle.upper_strict())


# -- sets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[1667,1668,1670..1672]",
        "[..1760-12-03]",
        "[1760-12..]",
        "[1760-01,1760-02,1760-12..]",
        "[1667,1760-12]",
        "[..1984]",
        "{1667,1668,1670..1672}",
        "{1960,1961-12}",
        "{..1984}",
        "{..1983-12-31,1984-10-10..}",
        "[1858,1860]/..",
    ],
)
def test_sets_read_and_write_back(text):
    """The specification's sets (and ours: a one-of set as an interval end) round trip."""
    value = parse_edtf(text)
    assert format_edtf(value) == text
    assert parse_edtf(format_edtf(value)) == value


def test_set_members_may_be_written_with_spaces():
    """`[1667, 1668]` reads as `[1667,1668]`."""
    assert parse_edtf("[1667, 1668, 1670..1672]") == parse_edtf("[1667,1668,1670..1672]")


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("[]", "it is empty"),
        ("[1667", "must end with ']'"),
        ("{1667]", "must end with '}'"),
        ("[1667,,1668]", "member ''"),
        ("[1668..1667]", "ends before it starts"),
        ("[1667,..1668]", "only the first member may be open before"),
        ("[1667..,1668]", "only the last member may be open after"),
        ("[1667,2024-13]", "member '2024-13': .*month 13"),
        ("{1960,1961}/..", "a set, not a single date"),
    ],
)
def test_malformed_sets_name_the_wrong_member(text, part):
    """A bad set is a typed error naming the member at fault."""
    with pytest.raises(InvalidValidTimeError, match=part):
        parse_edtf(text)


def test_an_all_of_set_is_no_interval_end():
    """'It ended on each of these dates' means nothing: refused with a reason."""
    with pytest.raises(InvalidValidTimeError, match="all-of set"):
        Interval(DateSet((Moment("1960"),), every=True), End.OPEN)


def _members(value: DateSet, question: str) -> set[Answer]:
    return {DateSet((member,), every=value.every).contains(question) for member in value.members}


@given(date_sets(moments(zones=("UTC",), times=False)), st.integers(995, 3005))
def test_one_of_and_all_of_combine_their_members_answers(value, year):
    """One of: yes only if every member says yes, no only if all say no. All of: yes if any."""
    question = f"{year:04d}"
    answers = _members(value, question)
    found = value.contains(question)
    if answers == {Answer.NO}:
        assert found is Answer.NO
    elif value.every:
        assert found is (Answer.YES if Answer.YES in answers else Answer.MAYBE)
    else:
        assert found is (Answer.YES if answers == {Answer.YES} else Answer.MAYBE)
    # Never a surer answer than the hull allows.
    hull = value.bounds()
    if hull.high <= Question.of(question).low or hull.low >= Question.of(question).high:
        assert found is Answer.NO


def test_a_one_of_set_as_a_start_is_read_by_its_hull():
    """'Began in 1858 or 1860': in force for sure only once 1860 has begun."""
    began = valid_time("[1858,1860]/..")
    assert began.contains("1857") is Answer.NO
    assert began.contains("1859-06-01") is Answer.MAYBE
    assert began.contains("1861") is Answer.YES
    assert valid_time("[1858,1860]").contains("1859") is Answer.NO  # the dates themselves


@given(date_sets())
def test_sets_keep_every_member_through_the_codec(value):
    """Members in different zones (written with offsets) are encoded one by one."""
    assert decode_valid(json.loads(json.dumps(encode_valid(value)))) == value


_UTC_SETS = date_sets(moments(zones=("UTC",), times=False))


@given(_UTC_SETS, _UTC_SETS, st.data(), st.integers(995, 3005))
def test_dropping_members_of_a_one_of_set_never_flips_yes_and_no(first, second, data, year):
    """A one-of set with fewer members says more (invariant 7: monotone under refinement)."""
    # Two drawn sets' members as one one-of set: at least two members, none filtered out.
    value = DateSet((*first.members, *second.members))
    kept = data.draw(st.lists(st.sampled_from(value.members), min_size=1, unique=True))
    narrower = DateSet(tuple(kept))
    question = f"{year:04d}"
    before, after = value.contains(question), narrower.contains(question)
    if before is not Answer.MAYBE:
        assert after is before


_YEAR_MEMBERS = st.lists(
    st.integers(1990, 2010).map(lambda y: (y, y))
    | st.tuples(st.integers(1990, 2010), st.integers(0, 4)).map(lambda p: (p[0], p[0] + p[1])),
    min_size=1,
    max_size=4,
)


@given(_YEAR_MEMBERS, st.booleans(), st.integers(1988, 2016))
def test_sets_of_years_answer_as_their_expansion_does(members, every, year):
    """Against the years a set names, written out: an oracle apart from the members' answers.

    One of: yes only if every year it may be is the year asked; no if none is.
    All of: yes if one of its years is the year asked (it happened then); else no.
    """
    text = ",".join(f"{a}" if a == b else f"{a}..{b}" for a, b in members)
    value = parse_edtf(f"{{{text}}}" if every else f"[{text}]")
    years = {y for a, b in members for y in range(a, b + 1)}
    if every:
        expected = Answer.YES if year in years else Answer.NO
    elif year not in years:
        expected = Answer.NO
    else:
        expected = Answer.YES if years == {year} else Answer.MAYBE
    assert value.contains(f"{year:04d}") is expected
