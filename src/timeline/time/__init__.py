"""Valid time: when something was true in the world, as precisely as a source said it.

The layer below the log: it knows nothing of records, stores or facts. Its
rooms, each importing only those above it in this list:

- ``_calendar``: the proleptic Gregorian calendar over years -99,999 to
  99,999, and instants as microseconds on one scale;
- ``_precision``: how precisely a date was stated, its groupings (seasons,
  quarters), qualifiers (approximate, uncertain) and open ends;
- ``_instants``: an instant from a datetime or a string, a zone from its name;
- ``_bounds``: the earliest and latest instants a value may denote, padding,
  and answers through every real offset;
- ``_late``: the ways up -- reading and writing EDTF, reading a question --
  which the rooms above bind when they are imported;
- ``_question``: a valid time asked about at its own precision, and the
  extent it meets (yes / maybe / no);
- ``_moment``: a point in valid time; ``_sets``: one of several dates, or all
  of them; ``_interval``: a span from a start to an exclusive end;
- ``_valid``: any form read as a valid time, and how two relate;
- ``_edtf``: EDTF (ISO 8601-2) read and written.

The rest of the library imports valid time from here; the public names are
also :mod:`timeline`'s own, and documented there.
"""

from __future__ import annotations

from ._bounds import (
    DEFAULT_PADDING,
    EARLIEST,
    FIRST_HELD,
    LAST_HELD,
    LATEST,
    Bounds,
    Padding,
    across_offsets,
    instant_text,
)
from ._calendar import (
    CEIL,
    EAST,
    FLOATING,
    FLOOR,
    QUARTER,
    WEST,
    days_in_month,
    fields_at,
    format_instant,
    in_datetime_range,
    micros,
    utc_datetime,
)
from ._edtf import format_edtf, parse_edtf, read_edtf
from ._instants import to_instant, utc_instant, zone_name_of, zone_of
from ._interval import Interval, ValidTime, ValidTimeLike
from ._moment import Moment
from ._precision import End, Grouping, Precision, Qualifier
from ._question import Extent, Question, QuestionLike, read_instant
from ._sets import DateRange, DateSet
from ._valid import before, in_force, overlaps, read_in, until, valid_time, zones_of

__all__ = [
    "CEIL",
    "DEFAULT_PADDING",
    "EARLIEST",
    "EAST",
    "FIRST_HELD",
    "FLOATING",
    "FLOOR",
    "LAST_HELD",
    "LATEST",
    "QUARTER",
    "WEST",
    "Bounds",
    "DateRange",
    "DateSet",
    "End",
    "Extent",
    "Grouping",
    "Interval",
    "Moment",
    "Padding",
    "Precision",
    "Qualifier",
    "Question",
    "QuestionLike",
    "ValidTime",
    "ValidTimeLike",
    "across_offsets",
    "before",
    "days_in_month",
    "fields_at",
    "format_edtf",
    "format_instant",
    "in_datetime_range",
    "in_force",
    "instant_text",
    "micros",
    "overlaps",
    "parse_edtf",
    "read_edtf",
    "read_in",
    "read_instant",
    "to_instant",
    "until",
    "utc_datetime",
    "utc_instant",
    "valid_time",
    "zone_name_of",
    "zone_of",
    "zones_of",
]
