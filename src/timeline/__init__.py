"""timeline: event-sourced, bitemporal timelines.

Immutable, typed events in an append-only log; valid time (when it was true)
and known time (when the log learned it) on every record; yes / maybe / no
answers about imprecise dates; provenance on everything.
"""

from ._answer import Answer
from ._clock import ManualClock, SystemClock
from ._codec import Codec, canonical_json
from ._edtf import format_edtf, parse_edtf
from ._errors import (
    ConcurrencyError,
    DuplicateEventTypeError,
    EventDefinitionError,
    InvalidEventError,
    InvalidValidTimeError,
    KnownTimeError,
    RecordDecodeError,
    StoreError,
    TimelineError,
    TimelineWarning,
    UnknownEventTypeError,
)
from ._events import EventType, Registry, Upcaster, default_registry, event
from ._log import Log
from ._records import FIRST_POSITION, Entry, Head, Provenance, Record, StoredRecord
from ._time import (
    DEFAULT_PADDING,
    EARLIEST,
    LATEST,
    Bounds,
    End,
    Extent,
    Interval,
    Moment,
    Padding,
    Precision,
    Qualifier,
    ValidTime,
    ValidTimeLike,
    before,
    in_force,
    overlaps,
    to_instant,
    until,
    valid_time,
)

__all__ = [
    "DEFAULT_PADDING",
    "EARLIEST",
    "FIRST_POSITION",
    "LATEST",
    "Answer",
    "Bounds",
    "Codec",
    "ConcurrencyError",
    "DuplicateEventTypeError",
    "End",
    "Entry",
    "EventDefinitionError",
    "EventType",
    "Extent",
    "Head",
    "Interval",
    "InvalidEventError",
    "InvalidValidTimeError",
    "KnownTimeError",
    "Log",
    "ManualClock",
    "Moment",
    "Padding",
    "Precision",
    "Provenance",
    "Qualifier",
    "Record",
    "RecordDecodeError",
    "Registry",
    "StoreError",
    "StoredRecord",
    "SystemClock",
    "TimelineError",
    "TimelineWarning",
    "UnknownEventTypeError",
    "Upcaster",
    "ValidTime",
    "ValidTimeLike",
    "before",
    "canonical_json",
    "default_registry",
    "event",
    "format_edtf",
    "in_force",
    "overlaps",
    "parse_edtf",
    "to_instant",
    "until",
    "valid_time",
]
