"""timeline: event-sourced, bitemporal timelines.

Immutable, typed events in an append-only log; valid time (when it was true)
and known time (when the log learned it) on every record; yes / maybe / no
answers about imprecise dates; provenance on everything.
"""

import importlib.metadata
import logging

from ._answer import Answer
from ._clock import ManualClock, SystemClock
from ._codec import Codec, canonical_json
from ._corrections import Corrected, Retracted
from ._edtf import format_edtf, parse_edtf
from ._errors import (
    ConcurrencyError,
    CorruptStoreError,
    DuplicateEventTypeError,
    EventDefinitionError,
    InvalidEventError,
    InvalidValidTimeError,
    KnownTimeError,
    MissingExtraError,
    NotAStoreError,
    PinError,
    ReadOnlyStoreError,
    RecordDecodeError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreNotFoundError,
    TimelineError,
    TimelineWarning,
    UnknownEventTypeError,
)
from ._events import EventType, Registry, Upcaster, default_registry, event
from ._facts import (
    Change,
    Conflict,
    FieldRule,
    History,
    Hit,
    InForce,
    SavedAnswer,
    Spell,
    TemporalFacts,
    Transition,
    amends,
    ends,
    starts,
)
from ._importer import Loaded, SourceFileError, load_jsonl, read_jsonl
from ._log import Log
from ._projection import (
    Begun,
    Projection,
    SnapshotIgnoredWarning,
    View,
    on,
    project,
    record_order,
    replay,
    visible,
)
from ._records import (
    FIRST_POSITION,
    Entry,
    Head,
    Pin,
    Provenance,
    Record,
    Records,
    RecordStatus,
    StoredRecord,
)
from ._seeds import SEED_ARTICLE, seed_path
from ._time import (
    DEFAULT_PADDING,
    EARLIEST,
    FLOATING,
    LATEST,
    Bounds,
    DateRange,
    DateSet,
    End,
    Extent,
    Grouping,
    Interval,
    Moment,
    Padding,
    Precision,
    Qualifier,
    Question,
    QuestionLike,
    ValidTime,
    ValidTimeLike,
    across_offsets,
    before,
    in_force,
    overlaps,
    read_instant,
    to_instant,
    until,
    valid_time,
)

__all__ = [
    "DEFAULT_PADDING",
    "EARLIEST",
    "FIRST_POSITION",
    "FLOATING",
    "LATEST",
    "SEED_ARTICLE",
    "Answer",
    "Begun",
    "Bounds",
    "Change",
    "Codec",
    "ConcurrencyError",
    "Conflict",
    "Corrected",
    "CorruptStoreError",
    "DateRange",
    "DateSet",
    "DuplicateEventTypeError",
    "End",
    "Entry",
    "EventDefinitionError",
    "EventType",
    "Extent",
    "FieldRule",
    "Grouping",
    "Head",
    "History",
    "Hit",
    "InForce",
    "Interval",
    "InvalidEventError",
    "InvalidValidTimeError",
    "KnownTimeError",
    "Loaded",
    "Log",
    "ManualClock",
    "MissingExtraError",
    "Moment",
    "NotAStoreError",
    "Padding",
    "Pin",
    "PinError",
    "Precision",
    "Projection",
    "Provenance",
    "Qualifier",
    "Question",
    "QuestionLike",
    "ReadOnlyStoreError",
    "Record",
    "RecordDecodeError",
    "RecordStatus",
    "Records",
    "Registry",
    "Retracted",
    "SavedAnswer",
    "SnapshotIgnoredWarning",
    "SourceFileError",
    "Spell",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreNotFoundError",
    "StoredRecord",
    "SystemClock",
    "TemporalFacts",
    "TimelineError",
    "TimelineWarning",
    "Transition",
    "UnknownEventTypeError",
    "Upcaster",
    "ValidTime",
    "ValidTimeLike",
    "View",
    "__version__",
    "across_offsets",
    "amends",
    "before",
    "canonical_json",
    "default_registry",
    "ends",
    "event",
    "format_edtf",
    "in_force",
    "load_jsonl",
    "on",
    "overlaps",
    "parse_edtf",
    "project",
    "read_instant",
    "read_jsonl",
    "record_order",
    "replay",
    "seed_path",
    "starts",
    "to_instant",
    "until",
    "valid_time",
    "visible",
]


# The library logs to "timeline" and leaves output to the application: nothing is
# printed unless a handler is configured (warnings also go through `warnings`).
logging.getLogger("timeline").addHandler(logging.NullHandler())

try:
    #: The installed version of the distribution ``bitemporal-timeline``.
    __version__: str = importlib.metadata.version("bitemporal-timeline")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover -- run from a bare checkout
    __version__ = "0+unknown"
