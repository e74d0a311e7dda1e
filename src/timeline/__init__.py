"""timeline: event-sourced, bitemporal timelines.

Immutable, typed events in an append-only log; valid time (when it was true)
and known time (when the log learned it) on every record; yes / maybe / no
answers about imprecise dates; provenance on everything.

The names below are imported when first used, so ``import timeline`` (and the
``timeline`` command's start, and its Ctrl-C) costs almost nothing: this module
imports no other module when it runs (annotations are strings, and
``TYPE_CHECKING`` is not typing's).
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    __version__: str
    from ._answer import Answer
    from ._clock import ManualClock, SystemClock
    from ._codec import Codec, canonical_json
    from ._corrections import Corrected, Retracted
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
        UndecodableRecordWarning,
        UnknownEventTypeError,
    )
    from ._events import EventType, Registry, Upcaster, default_registry, event
    from ._importer import SourceFileError, read_jsonl
    from ._loading import Loaded, load_jsonl
    from ._log import Log, Reading
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
        known_instant,
    )
    from ._seeds import SEED_ARTICLE, seed_path
    from .facts import (
        Change,
        Changes,
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
    from .time import (
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
        format_edtf,
        in_force,
        overlaps,
        parse_edtf,
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
    "Changes",
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
    "Reading",
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
    "UndecodableRecordWarning",
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
    "known_instant",
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

#: Where each public name lives: imported from there when first asked for.
_WHERE: "Final[dict[str, str]]" = {
    "Answer": "_answer",
    "Begun": "_projection",
    "Bounds": "time",
    "Change": "facts",
    "Changes": "facts",
    "Codec": "_codec",
    "ConcurrencyError": "_errors",
    "Conflict": "facts",
    "Corrected": "_corrections",
    "CorruptStoreError": "_errors",
    "DEFAULT_PADDING": "time",
    "DateRange": "time",
    "DateSet": "time",
    "DuplicateEventTypeError": "_errors",
    "EARLIEST": "time",
    "End": "time",
    "Entry": "_records",
    "EventDefinitionError": "_errors",
    "EventType": "_events",
    "Extent": "time",
    "FIRST_POSITION": "_records",
    "FLOATING": "time",
    "FieldRule": "facts",
    "Grouping": "time",
    "Head": "_records",
    "History": "facts",
    "Hit": "facts",
    "InForce": "facts",
    "Interval": "time",
    "InvalidEventError": "_errors",
    "InvalidValidTimeError": "_errors",
    "KnownTimeError": "_errors",
    "LATEST": "time",
    "Loaded": "_loading",
    "Log": "_log",
    "ManualClock": "_clock",
    "MissingExtraError": "_errors",
    "Moment": "time",
    "NotAStoreError": "_errors",
    "Padding": "time",
    "Pin": "_records",
    "PinError": "_errors",
    "Precision": "time",
    "Projection": "_projection",
    "Provenance": "_records",
    "Qualifier": "time",
    "Question": "time",
    "QuestionLike": "time",
    "ReadOnlyStoreError": "_errors",
    "Reading": "_log",
    "Record": "_records",
    "RecordDecodeError": "_errors",
    "RecordStatus": "_records",
    "Records": "_records",
    "Registry": "_events",
    "Retracted": "_corrections",
    "SEED_ARTICLE": "_seeds",
    "SavedAnswer": "facts",
    "SnapshotIgnoredWarning": "_projection",
    "SourceFileError": "_importer",
    "Spell": "facts",
    "StoreError": "_errors",
    "StoreFullError": "_errors",
    "StoreLockedError": "_errors",
    "StoreNotFoundError": "_errors",
    "StoredRecord": "_records",
    "SystemClock": "_clock",
    "TemporalFacts": "facts",
    "TimelineError": "_errors",
    "TimelineWarning": "_errors",
    "Transition": "facts",
    "UndecodableRecordWarning": "_errors",
    "UnknownEventTypeError": "_errors",
    "Upcaster": "_events",
    "ValidTime": "time",
    "ValidTimeLike": "time",
    "View": "_projection",
    "across_offsets": "time",
    "amends": "facts",
    "before": "time",
    "canonical_json": "_codec",
    "default_registry": "_events",
    "ends": "facts",
    "event": "_events",
    "format_edtf": "time",
    "in_force": "time",
    "known_instant": "_records",
    "load_jsonl": "_loading",
    "on": "_projection",
    "overlaps": "time",
    "parse_edtf": "time",
    "project": "_projection",
    "read_instant": "time",
    "read_jsonl": "_importer",
    "record_order": "_projection",
    "replay": "_projection",
    "seed_path": "_seeds",
    "starts": "facts",
    "to_instant": "time",
    "until": "time",
    "valid_time": "time",
    "visible": "_projection",
}


def __getattr__(name: str) -> "Any":  # noqa: ANN401 -- any public name; no imports
    module = _WHERE.get(name)
    if module is not None:
        import importlib  # noqa: PLC0415 -- the point: only when a name is first used

        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    elif name == "__version__":
        value = _version()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # found once: the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _version() -> str:
    """The installed version of the distribution ``bitemporal-timeline``."""
    import importlib.metadata  # noqa: PLC0415 -- slow to import; only when asked

    try:
        return importlib.metadata.version("bitemporal-timeline")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover -- a bare checkout
        return "0+unknown"
