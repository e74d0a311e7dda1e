"""EDTF in and out, and a differential test against the `edtf` package."""

from __future__ import annotations

import datetime as dt
import time

import edtf
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from strategies import intervals, moments
from timeline import InvalidValidTimeError, Moment, format_edtf, parse_edtf

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
        ("2001-21", "seasons"),
        ("", "empty"),
        ("2023/2024/2025", "more than one '/'"),
        ("2024-01-11T25", "hour 25"),
        ("2024/2023", "ends before it starts"),
        ("-0500", "negative years"),
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


@given(moments(masks=False, zones=("UTC",)))
def test_strict_bounds_agree_with_the_edtf_package(moment):
    """Where `edtf` is right (dates without qualifiers), our strict bounds equal its."""
    moment = Moment(moment.year, moment.month, moment.day)  # dates, no qualifiers
    oracle = edtf.parse_edtf(str(moment))
    bounds = moment.strict_bounds()
    assert bounds.earliest.date() == _date(oracle.lower_strict())
    assert (bounds.latest - dt.timedelta(days=1)).date() == _date(oracle.upper_strict())


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
    """Documented differences: `edtf` rejects 2024-01-0X and pads 2023-09~ by a year and a month."""
    with pytest.raises(ValueError, match="invalid literal"):
        edtf.parse_edtf("2024-01-0X").lower_strict()
    assert str(parse_edtf("2024-01-0X").bounds().latest.date()) == "2024-01-10"  # type: ignore[union-attr]
    oracle = edtf.parse_edtf("2023-09~")
    assert _date(oracle.lower_fuzzy()) == dt.date(2022, 8, 1)
    ours = parse_edtf("2023-09~").bounds()  # type: ignore[union-attr]
    assert ours.earliest.date() == dt.date(2023, 8, 1)


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
