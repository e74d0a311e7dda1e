"""The examples of the EDTF specification (Library of Congress, 2019), with their bounds.

Written for this project from the specification's text: each example, its
level and feature, and what it means -- the first instant it may denote and
the first instant after the last (UTC, half-open), before any padding for
qualifiers. For an interval that is its start's first instant and its end's
last; for a set, its hull. ``..`` is an open (or unknown) side. A year is
astronomical: ``-1985`` is 1986 BCE.

Where the library refuses a valid example on purpose, the entry says why
(``beyond``: a year past the range a valid time holds, which the message
names). A value written without a zone is local time (floating): its bounds
are wall time, which the conformance test checks as well.
"""

from __future__ import annotations

from typing import NamedTuple


class Example(NamedTuple):
    """One example: the string, its level and feature, and its meaning."""

    text: str
    level: int
    feature: str
    low: str  # ISO date or date-time (UTC), or ".." for open
    high: str
    padded: tuple[str, str] | None = None  # bounds with the default padding
    deviation: str | None = None


SPEC = [
    # -- level 0 ---------------------------------------------------------------------------------
    Example("1985-04-12", 0, "date", "1985-04-12", "1985-04-13"),
    Example("1985-04", 0, "date", "1985-04-01", "1985-05-01"),
    Example("1985", 0, "date", "1985-01-01", "1986-01-01"),
    Example("1985-04-12T23:20:30", 0, "date and time", "1985-04-12T23:20:30",
            "1985-04-12T23:20:31"),
    Example("1985-04-12T23:20:30Z", 0, "date and time", "1985-04-12T23:20:30",
            "1985-04-12T23:20:31"),
    Example("1985-04-12T23:20:30-04", 0, "date and time", "1985-04-13T03:20:30",
            "1985-04-13T03:20:31"),
    Example("1985-04-12T23:20:30+04:30", 0, "date and time", "1985-04-12T18:50:30",
            "1985-04-12T18:50:31"),
    Example("1964/2008", 0, "interval", "1964-01-01", "2009-01-01"),
    Example("2004-06/2006-08", 0, "interval", "2004-06-01", "2006-09-01"),
    Example("2004-02-01/2005-02-08", 0, "interval", "2004-02-01", "2005-02-09"),
    Example("2004-02-01/2005-02", 0, "interval", "2004-02-01", "2005-03-01"),
    Example("2004-02-01/2005", 0, "interval", "2004-02-01", "2006-01-01"),
    Example("2005/2006-02", 0, "interval", "2005-01-01", "2006-03-01"),
    # -- level 1 ---------------------------------------------------------------------------------
    Example("Y170000002", 1, "Y-year", "", "", deviation="beyond"),
    Example("Y-170000002", 1, "Y-year", "", "", deviation="beyond"),
    Example("2001-21", 1, "season", "2001-03-01", "2001-06-01"),
    Example("2001-22", 1, "season", "2001-06-01", "2001-09-01"),
    Example("2001-23", 1, "season", "2001-09-01", "2001-12-01"),
    Example("2001-24", 1, "season", "2001-12-01", "2002-03-01"),
    Example("1984?", 1, "qualified", "1984-01-01", "1985-01-01",
            padded=("1983-01-01", "1986-01-01")),
    Example("2004-06~", 1, "qualified", "2004-06-01", "2004-07-01",
            padded=("2003-05-01", "2005-08-01")),
    Example("2004-06-11%", 1, "qualified", "2004-06-11", "2004-06-12",
            padded=("2002-04-09", "2006-08-14")),
    Example("201X", 1, "unspecified", "2010-01-01", "2020-01-01"),
    Example("20XX", 1, "unspecified", "2000-01-01", "2100-01-01"),
    Example("2004-XX", 1, "unspecified", "2004-01-01", "2005-01-01"),
    Example("1985-04-XX", 1, "unspecified", "1985-04-01", "1985-05-01"),
    Example("1985-XX-XX", 1, "unspecified", "1985-01-01", "1986-01-01"),
    Example("1985-04-12/..", 1, "extended interval", "1985-04-12", ".."),
    Example("1985-04/..", 1, "extended interval", "1985-04-01", ".."),
    Example("1985/..", 1, "extended interval", "1985-01-01", ".."),
    Example("../1985-04-12", 1, "extended interval", "..", "1985-04-13"),
    Example("../1985-04", 1, "extended interval", "..", "1985-05-01"),
    Example("../1985", 1, "extended interval", "..", "1986-01-01"),
    Example("1985-04-12/", 1, "extended interval", "1985-04-12", ".."),
    Example("1985-04/", 1, "extended interval", "1985-04-01", ".."),
    Example("1985/", 1, "extended interval", "1985-01-01", ".."),
    Example("/1985-04-12", 1, "extended interval", "..", "1985-04-13"),
    Example("/1985-04", 1, "extended interval", "..", "1985-05-01"),
    Example("/1985", 1, "extended interval", "..", "1986-01-01"),
    Example("-1985", 1, "negative year", "-1985-01-01", "-1984-01-01"),
    # -- level 2 ---------------------------------------------------------------------------------
    Example("Y-17E7", 2, "exponent", "", "", deviation="beyond"),
    Example("1950S2", 2, "significant digits", "1900-01-01", "2000-01-01"),
    Example("Y171010000S3", 2, "significant digits", "", "", deviation="beyond"),
    Example("Y3388E2S3", 2, "significant digits", "", "", deviation="beyond"),
    Example("2001-34", 2, "sub-year grouping", "2001-04-01", "2001-07-01"),
    Example("[1667,1668,1670..1672]", 2, "set", "1667-01-01", "1673-01-01"),
    Example("[..1760-12-03]", 2, "set", "..", "1760-12-04"),
    Example("[1760-12..]", 2, "set", "1760-12-01", ".."),
    Example("[1760-01,1760-02,1760-12..]", 2, "set", "1760-01-01", ".."),
    Example("[1667,1760-12]", 2, "set", "1667-01-01", "1761-01-01"),
    Example("[..1984]", 2, "set", "..", "1985-01-01"),
    Example("{1667,1668,1670..1672}", 2, "set", "1667-01-01", "1673-01-01"),
    Example("{1960,1961-12}", 2, "set", "1960-01-01", "1962-01-01"),
    Example("{..1984}", 2, "set", "..", "1985-01-01"),
    Example("2004?-06-11", 2, "qualified component", "2004-06-11", "2004-06-12",
            padded=("2003-06-11", "2005-06-12")),
    Example("2004-06~-11", 2, "qualified component", "2004-06-11", "2004-06-12",
            padded=("2003-05-11", "2005-07-12")),
    Example("?2004-06-~11", 2, "qualified component", "2004-06-11", "2004-06-12",
            padded=("2003-06-10", "2005-06-13")),
    Example("2004-%06-11", 2, "qualified component", "2004-06-11", "2004-06-12",
            padded=("2004-04-11", "2004-08-12")),
    Example("156X-12-25", 2, "unspecified", "1560-12-25", "1569-12-26"),
    Example("15XX-12-25", 2, "unspecified", "1500-12-25", "1599-12-26"),
    Example("XXXX-12-XX", 2, "unspecified", "0000-12-01", "10000-01-01"),
    Example("1XXX-XX", 2, "unspecified", "1000-01-01", "2000-01-01"),
    Example("1XXX-12", 2, "unspecified", "1000-12-01", "2000-01-01"),
    Example("1984-1X", 2, "unspecified", "1984-10-01", "1985-01-01"),
    Example("2004-06-~01/2004-06-~20", 2, "interval", "2004-06-01", "2004-06-21"),
    Example("2004-06-XX/2004-07-03", 2, "interval", "2004-06-01", "2004-07-04"),
]  # fmt: skip

# Our own examples of the same features, within the range a valid time holds.
OURS = [
    Example("Y17000", 1, "Y-year", "17000-01-01", "17001-01-01"),
    Example("Y-12000", 1, "Y-year", "-12000-01-01", "-11999-01-01"),
    Example("Y17E3", 2, "exponent", "17000-01-01", "17001-01-01"),
    Example("0000", 0, "date", "0000-01-01", "0001-01-01"),
    Example("-0064-03-15", 1, "negative year", "-0064-03-15", "-0064-03-16"),
    Example("-0100/-0044", 1, "negative year", "-0100-01-01", "-0043-01-01"),
    Example("-1950S2", 2, "significant digits", "-1999-01-01", "-1899-01-01"),
    Example("1849-21~", 2, "season", "1849-03-01", "1849-06-01",
            padded=("1847-12-01", "1850-09-01")),
]  # fmt: skip

# Strings that are not EDTF, and the part the error must name.
INVALID = [
    ("2004-13", "month 13"),
    ("2004-02-30", "no real date"),
    ("1985-04-12T24:00:00", "hour 24"),
    ("2001-42", "no season or grouping"),
    ("2001-21-05", "has no day"),
    ("Y1234", "more than four digits"),
    ("-0000", "written 0000"),
    ("[1667", "must end with"),
    ("{1667,1668", "must end with"),
    ("1985-04-12T23:20:30~", "unexpected '~'"),
    ("1950S5", "significant digits 5"),
    ("../..", "at least one dated end"),
    ("2004/2003", "ends before it starts"),
    ("2004-06-11/2004-06-11/2004", "more than one '/'"),
    ("198", "year must be 4 digits"),
    ("-12000", "more than four digits is written with a Y"),
    ("Y17000-12", "a year alone"),
]
