"""Records: what the log holds for each event, and the forms they are stored in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

import attrs
import pendulum

from ._errors import InvalidValidTimeError, KnownTimeError
from ._time import ValidTime, to_instant

__all__ = ["FIRST_POSITION", "Entry", "Head", "Provenance", "Record", "StoredRecord"]

#: The position of a log's first record. An empty log's last position is one less (0).
FIRST_POSITION: Final = 1


@attrs.frozen
class Provenance:
    """Where a record came from; every part is optional.

    Attributes:
        source: Who published it ("Al Jazeera", "US State Department").
        url: Where it can be read.
        quote: The source's own words the record rests on.
        speaker: Who said it, when the source reports someone's statement.
        note: The transcriber's note, e.g. how a relative date was resolved.

    >>> Provenance(source="Al Jazeera", speaker="Antony Blinken")
    Provenance(source='Al Jazeera', url=None, quote=None, speaker='Antony Blinken', note=None)
    """

    source: str | None = None
    url: str | None = None
    quote: str | None = None
    speaker: str | None = None
    note: str | None = None


# The empty provenance, shared: most entries have none, and the codec
# recognises it by identity before comparing.
NO_PROVENANCE: Final = Provenance()


def _known(value: dt.datetime | str | None) -> pendulum.DateTime | None:
    if value is None:
        return None
    try:
        return to_instant(value)
    except InvalidValidTimeError as error:
        raise KnownTimeError(f"known time: {error}") from None


@attrs.frozen
class Entry:
    """An event ready to append, with what the log should say about it.

    Args:
        event: A registered event instance.
        valid: When it was true in the world (anything :func:`valid_time` takes).
        subject: A key to filter by (a target, a case, a person).
        provenance: Where it came from.
        id: The record's id, when it must be known before appending (a
            correction names its replacement); a new random id otherwise.
        known_at: Backfill: this entry's own known time (imports from dated
            sources). Entries without one take the batch's.
    """

    event: Any
    valid: ValidTime
    subject: str | None = None
    provenance: Provenance = NO_PROVENANCE
    id: uuid.UUID | None = None
    known_at: pendulum.DateTime | None = attrs.field(default=None, converter=_known)


@attrs.frozen
class Record:
    """One entry of the log, as read back. Immutable.

    Attributes:
        position: Its place in the log, contiguous from :data:`FIRST_POSITION`.
        id: A unique id, stable across stores.
        known_at: When the log learned it (UTC).
        event: The event value.
        valid: When it was true in the world.
        subject: The key it is filed under, if any.
        provenance: Where it came from.
        hash: The integrity hash chaining it to the record before.
    """

    position: int
    id: uuid.UUID
    known_at: pendulum.DateTime
    event: Any
    valid: ValidTime
    subject: str | None
    provenance: Provenance
    hash: str = attrs.field(repr=lambda h: h[:12] + "…")


@attrs.frozen
class StoredRecord:
    """A record as stores keep it: plain strings and numbers, ready to write.

    Stores see only this form; the log encodes and decodes. ``body`` is the
    canonical JSON of the event type version, event data, valid time and
    provenance (see "Integrity" in the docs).
    """

    position: int
    id: str
    known_at: str
    type: str
    subject: str | None
    body: str
    hash: str


@attrs.frozen
class Head:
    """The last record of a store: where the next append continues from."""

    position: int
    known_at: str
    hash: str
