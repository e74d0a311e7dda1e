"""The library's errors and warnings.

Every error derives from :class:`TimelineError` and also from the builtin that
fits it, so callers may catch broadly (``except TimelineError``) or precisely
(``except LookupError``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._records import Head

__all__ = [
    "ConcurrencyError",
    "CorruptStoreError",
    "DuplicateEventTypeError",
    "EventDefinitionError",
    "InvalidEventError",
    "InvalidValidTimeError",
    "KnownTimeError",
    "NotAStoreError",
    "PinError",
    "ReadOnlyStoreError",
    "RecordDecodeError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreNotFoundError",
    "TimelineError",
    "TimelineWarning",
    "UndecodableRecordWarning",
    "UnknownEventTypeError",
]


class TimelineError(Exception):
    """Base of every error raised by timeline."""


class TimelineWarning(UserWarning):
    """Base of every warning issued by timeline."""


class EventDefinitionError(TimelineError, TypeError):
    """An event class, or its registration, is not well formed."""


class DuplicateEventTypeError(EventDefinitionError):
    """A type name is already registered to another class.

    Raised when the class is declared, so two classes can never claim the same
    stored name.
    """


class UnknownEventTypeError(TimelineError, LookupError):
    """No event class is registered under a type name (or for a class)."""


class InvalidValidTimeError(TimelineError, ValueError):
    """A valid time could not be understood.

    The message says which part of the input is wrong.
    """


class InvalidEventError(TimelineError, ValueError):
    """An event cannot be recorded as it is (a naive datetime, an unregistered type)."""


class KnownTimeError(TimelineError, ValueError):
    """A known time would be earlier than the previous record's, or is naive."""


class ConcurrencyError(TimelineError, RuntimeError):
    """Another writer appended first: the expected position is stale.

    Attributes:
        expected: The position the caller expected to follow.
        actual: The log's last position when the append was attempted.
    """

    def __init__(self, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"expected to append after position {expected}, but the log ends at "
            f"position {actual}: another writer got there first; nothing was written"
        )


class StoreError(TimelineError, RuntimeError):
    """A store cannot do what was asked: it is closed, or its contents are not a log.

    The subclasses below say why more precisely; each also derives from the
    builtin that fits, and each message names the file.
    """


class StoreNotFoundError(StoreError, FileNotFoundError):
    """There is no store where one was to be read: nothing was created."""


class NotAStoreError(StoreError, ValueError):
    """The file exists but is not a timeline store. It was left untouched."""


class CorruptStoreError(StoreError, ValueError):
    """The store is damaged: a malformed line or page, or an unfinished batch at its end.

    Reading never repairs; :func:`timeline.stores.repair` (``timeline repair``)
    does it explicitly, keeping what it cuts in a side file.

    Attributes:
        position: The first damaged record, where it is known; the records
            before it are intact.
        head: The last intact record before the damage, where it is known.
    """

    def __init__(
        self, message: str, *, position: int | None = None, head: Head | None = None
    ) -> None:
        self.position = position
        self.head = head
        super().__init__(message)


class ReadOnlyStoreError(StoreError, PermissionError):
    """The store cannot be written: it was opened read-only, or its file or folder is."""


class StoreFullError(StoreError, OSError):
    """The disk, or the process's file-size limit, is full. The batch was not written."""


class StoreLockedError(StoreError, TimeoutError):
    """Another process held the store's write lock for longer than the timeout."""


class MissingExtraError(TimelineError, ImportError):
    """A feature needs an optional extra that is not installed; the message says which."""


class PinError(TimelineError, ValueError):
    """A pinned-head token cannot be read."""


class RecordDecodeError(TimelineError, ValueError):
    """A stored record cannot be read back as data.

    Attributes:
        position: The record's position in the log, when known.
        problem: What is wrong with it.
    """

    def __init__(self, position: int | None, problem: str) -> None:
        self.position = position
        self.problem = problem
        where = f"record at position {position}" if position is not None else "record"
        super().__init__(f"{where}: {problem}")


class UndecodableRecordWarning(TimelineWarning):
    """A reader told to skip records it cannot decode skipped one (``on_undecodable="skip"``).

    Attributes:
        position: The record skipped.
    """

    def __init__(self, message: str, *, position: int | None = None) -> None:
        self.position = position
        super().__init__(message)
