"""Retractions and corrections: mistakes fixed by appending, never by erasing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import attrs

if TYPE_CHECKING:
    from ._events import Registry
    from ._records import Record

__all__ = [
    "Corrected",
    "Retracted",
    "fixes_of",
    "hidden_ids",
    "register_corrections",
    "split_fixes",
]


@attrs.frozen(kw_only=True)
class Retracted:
    """Record ``record`` was wrong: from this record's known time on, it is not seen.

    Attributes:
        record: The id of the retracted record.
        reason: Why, in words.
    """

    record: uuid.UUID
    reason: str | None = None


@attrs.frozen(kw_only=True)
class Corrected:
    """Record ``record`` is replaced by record ``replacement`` from this known time on.

    Attributes:
        record: The id of the corrected (replaced) record.
        replacement: The id of the record that replaces it (appended in the same batch).
        reason: Why, in words.
    """

    record: uuid.UUID
    replacement: uuid.UUID
    reason: str | None = None


# A tuple, not ``Retracted | Corrected``: isinstance checks a tuple faster, once a record.
_FIXES: Final = (Retracted, Corrected)


def register_corrections(registry: Registry) -> None:
    """Register the library's own event types in ``registry``."""
    registry.register(Retracted, name="timeline.retracted", version=1)
    registry.register(Corrected, name="timeline.corrected", version=1)


def fixes_of(records: Iterable[Record]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Return ``(fix id, target id)`` for the retractions and corrections among ``records``."""
    return [
        (record.id, record.event.record) for record in records if isinstance(record.event, _FIXES)
    ]


def split_fixes(
    records: Iterable[Record],
) -> tuple[list[Record], list[tuple[uuid.UUID, uuid.UUID]]]:
    """Split ``records`` in one pass: the event records, and ``(fix id, target id)`` per fix."""
    events: list[Record] = []
    fixes: list[tuple[uuid.UUID, uuid.UUID]] = []
    for record in records:
        if isinstance(record.event, _FIXES):
            fixes.append((record.id, record.event.record))
        else:
            events.append(record)
    return events, fixes


def hidden_ids(fixes: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> set[uuid.UUID]:
    """Return the ids hidden by ``fixes``, pairs of ``(fix id, target id)`` in log order.

    A retraction can itself be retracted, which restores what it hid; so the
    fixes are walked from the newest, and one counts only if no later fix
    has hidden it.
    """
    hidden: set[uuid.UUID] = set()
    for fix, target in reversed(list(fixes)):
        if fix not in hidden:
            hidden.add(target)
    return hidden
