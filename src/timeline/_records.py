"""Records: what the log holds for each event, and the forms they are stored in."""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Final, Generic, Literal, Self

import attrs
import pendulum
from typing_extensions import TypeVar

from ._errors import InvalidEventError, InvalidValidTimeError, KnownTimeError, PinError
from ._reprs import fitted
from ._words._rule import Rule
from .time import FLOATING, ValidTime, to_instant, valid_time, zone_of

__all__ = [
    "FIRST_POSITION",
    "Entry",
    "Head",
    "Pin",
    "Provenance",
    "Record",
    "RecordStatus",
    "Records",
    "StoredRecord",
    "known_instant",
]

#: The position of a log's first record. An empty log's last position is one less (0).
FIRST_POSITION: Final = 1


def _zone_validator(instance: object, attribute: object, value: str | None) -> None:
    del instance, attribute
    if value is None:
        return
    if type(value) is not str:
        raise InvalidEventError(f"provenance tz must be the name of a zone, not {value!r}")
    try:
        zone_of(value)
        known = value != FLOATING
    except InvalidValidTimeError:
        known = False
    if not known:
        raise InvalidEventError(
            f"provenance tz {value!r} is not a time zone (an IANA name such as "
            "'America/New_York', or an offset such as '+05:00')"
        )


@attrs.frozen
class Provenance:
    """Where a record came from; every part is optional.

    Attributes:
        source: Who published it ("Al Jazeera", "US State Department").
        url: Where it can be read.
        quote: The source's own words the record rests on.
        speaker: Who said it, when the source reports someone's statement.
        note: The transcriber's note.
        rule: How the valid time was derived from the source's words, when
            it was (:mod:`timeline.words`; the loader sets it). Stored only
            when set, so a record without one reads and hashes as before.
        tz: Whose calendar the record's dates are on: the zone (an IANA
            name such as ``"America/New_York"``, or an offset) its floating
            dates are read in when facts are answered -- the valid time
            itself stays as the source wrote it. It comes before any zone
            a vocabulary gives the source (:attr:`TemporalFacts.tz_by_source
            <timeline.TemporalFacts.tz_by_source>`). Stored only when set.

    >>> Provenance(source="Al Jazeera", speaker="Antony Blinken")  # doctest: +NORMALIZE_WHITESPACE
    Provenance(source='Al Jazeera', url=None, quote=None, speaker='Antony Blinken', note=None,
               rule=None, tz=None)
    """

    source: str | None = None
    url: str | None = None
    quote: str | None = None
    speaker: str | None = None
    note: str | None = None
    rule: Rule | None = attrs.field(default=None, kw_only=True)
    tz: str | None = attrs.field(default=None, kw_only=True, validator=_zone_validator)


# The empty provenance, shared: most entries have none, and the codec
# recognises it by identity before comparing.
NO_PROVENANCE: Final = Provenance()


# A written instant that names its zone: "...T...Z" or "...T...+hh:mm" (or -hh, +hhmm).
_ZONED_INSTANT: Final = re.compile(r".*T.*(?:Z|[+-]\d\d(?::?\d\d)?)", re.IGNORECASE)
# A day, month or year: its first instant in UTC.
_CALENDAR: Final = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def known_instant(value: object) -> pendulum.DateTime:
    """Read a known time: the one rule for every known time, asked about or recorded.

    A known time is an instant on the log's clock (UTC): an aware datetime,
    ISO 8601 text with its zone (``2024-01-12T08:00:00+01:00``,
    ``2024-01-12T07:00:00Z``), or a day, month or year (a ``date``,
    ``"2024-01-12"``, ``"2024-01"``, ``"2024"``), which stands for its first
    instant in UTC. A naive datetime and a date-time written without a zone
    are refused: which zone's time would they be? The log, the facts, the
    importers and every ``--known`` of the command read known times so.

    Raises:
        KnownTimeError: ``value`` is none of those.

    >>> known_instant("2024-01-12T08:00:00+01:00").isoformat()
    '2024-01-12T07:00:00+00:00'
    >>> known_instant("2024-01").isoformat()
    '2024-01-01T00:00:00+00:00'
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise KnownTimeError(
                f"naive known time {value.isoformat()}: known times must be aware (UTC preferred)"
            )
    elif isinstance(value, str):
        text = value.strip()
        if not (_ZONED_INSTANT.fullmatch(text) or _CALENDAR.fullmatch(text)):
            raise KnownTimeError(
                f"known time {value!r}: write an instant with its zone (2024-01-12T00:00:00Z, "
                "2024-01-12T08:00:00+01:00) or a day, month or year (its first instant in UTC)"
            )
        value = text
    elif not isinstance(value, dt.date):
        raise KnownTimeError(
            "a known time must be an aware datetime, a date or ISO 8601 text, not "
            f"{type(value).__name__}"
        )
    try:
        return to_instant(value)
    except (InvalidValidTimeError, ValueError, OverflowError) as error:
        raise KnownTimeError(f"known time: {error}") from None


def _known(value: dt.datetime | str | None) -> pendulum.DateTime | None:
    if value is None:
        return None
    return _known_text(value) if isinstance(value, str) else known_instant(value)


# Files and exports repeat their known times line after line: each text is read once.
@functools.lru_cache(maxsize=4096)
def _known_text(value: str) -> pendulum.DateTime:
    return known_instant(value)


_PROVENANCE_FIELDS: Final = frozenset(attrs.fields_dict(Provenance))


def as_provenance(value: object) -> Provenance:
    """Read a record's provenance: a :class:`Provenance`, a mapping of its fields, or None.

    Raises:
        InvalidEventError: ``value`` is none of these, or names a field
            Provenance does not have.

    >>> as_provenance({"source": "Al Jazeera"}).source
    'Al Jazeera'
    """
    if value is None:
        return NO_PROVENANCE
    if isinstance(value, Provenance):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - _PROVENANCE_FIELDS
        if unknown:
            raise InvalidEventError(
                f"provenance has no field {sorted(map(str, unknown))!r}; its fields are "
                f"{sorted(_PROVENANCE_FIELDS)}"
            )
        return Provenance(**value)
    raise InvalidEventError(
        f"provenance must be a Provenance (or a mapping of its fields), not {type(value).__name__}"
    )


def _subject(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and "\x00" in value:
        raise InvalidEventError(
            f"subject {value!r} holds NUL (\\x00): a subject is a key every store keeps as "
            "text, and PostgreSQL's text cannot hold it"
        )


def _valid(value: object) -> ValidTime:
    return valid_time(value)  # type: ignore[arg-type]  # valid_time says what it does not take


@attrs.frozen
class Entry:
    """An event ready to append, with what the log should say about it.

    Args:
        event: A registered event instance.
        valid: When it was true in the world (anything :func:`valid_time` takes).
        subject: A key to filter by (a target, a case, a person): text without the
            NUL character, which not every store can keep.
        provenance: Where it came from.
        id: The record's id, when it must be known before appending (a
            correction names its replacement); a new random id otherwise.
        known_at: Backfill: this entry's own known time (imports from dated
            sources). Entries without one take the batch's.

    Raises:
        InvalidEventError: The subject holds NUL.
    """

    event: Any
    valid: ValidTime = attrs.field(converter=_valid)
    subject: str | None = attrs.field(default=None, validator=_subject)
    provenance: Provenance = attrs.field(default=NO_PROVENANCE, converter=as_provenance)
    id: uuid.UUID | None = None
    known_at: pendulum.DateTime | None = attrs.field(default=None, converter=_known)


#: The event type of a :class:`Record` (``Record[Designated]``); any event when not given.
E = TypeVar("E", default=Any)


@attrs.frozen
class Record(Generic[E]):
    """One entry of the log, as read back. Immutable.

    Generic in its event type: ``log.read(types=[Designated])`` yields
    ``Record[Designated]``, so a type checker knows what ``record.event`` is;
    a bare ``Record`` is ``Record[Any]``.

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
    event: E
    valid: ValidTime
    subject: str | None
    provenance: Provenance
    hash: str

    def __repr__(self) -> str:
        # One line, short enough for a notebook cell or a debugger: where it
        # is, when it was known, what happened, when, and who says so.
        who = self.provenance.speaker or self.provenance.source
        said = f" by {who!r}" if who else ""
        event = repr(self.event)
        if len(event) > 90:
            event = event[:89] + "…"
        known = self.known_at.strftime("%Y-%m-%dT%H:%MZ")
        return fitted(f"<Record {self.position} known {known}: {event} valid {self.valid}{said}>")

    def _repr_html_(self) -> str:
        """A small table for notebooks: each part of the record on its own row."""
        parts = {
            "position": self.position,
            "known at": self.known_at.isoformat(),
            "event": repr(self.event),
            "valid": f"{self.valid} ({self.valid.phrase})" if self.valid.phrase else self.valid,
            "subject": self.subject,
            **{name: value for name, value in attrs.asdict(self.provenance).items() if value},
            "id": self.id,
        }
        rows = "".join(
            f"<tr><th>{name}</th><td>{html.escape(str(value))}</td></tr>"
            for name, value in parts.items()
            if value is not None
        )
        return f"<table>{rows}</table>"


class Records(list[Record]):
    """Records in a list, as ``log[3:6]`` returns them: a list that renders as a table."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{name}</th>" for name in ("position", "known at", "event", "valid", "source")
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(cell))}</td>"
                for cell in (
                    record.position,
                    record.known_at.isoformat(),
                    repr(record.event),
                    record.valid,
                    record.provenance.speaker or record.provenance.source or "",
                )
            )
            + "</tr>"
            for record in self
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


@attrs.frozen
class RecordStatus:
    """Whether a record stands, as known at some time (see :meth:`timeline.Log.status`).

    Attributes:
        record: The record asked about.
        state: ``"active"``, ``"retracted"`` or ``"corrected"``.
        by: The retraction or correction that hides it; None while it stands.
        replacement: For a correction, the record that replaces it.
    """

    record: Record
    state: Literal["active", "retracted", "corrected"]
    by: Record | None = None
    replacement: Record | None = None


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

    @property
    def pin(self) -> Pin:
        """This head as a :class:`Pin`, to save or publish and check later."""
        return Pin(self.position, self.hash[: Pin.DIGITS])


_PIN: Final = re.compile(r"(?P<position>\d{1,18})[:.-](?P<hash>[0-9a-f]{16,64})")


@attrs.frozen
class Pin:
    """A head saved to check a log against later: a position and its record's hash.

    Written as a short token, ``<position>:<hash prefix>`` (32 hex digits, 128
    bits: far beyond reach of a forged record that matches it). With a pin,
    :func:`timeline.stores.verify` tells a cut tail (the log ends before the
    pin), a rewritten chain (another record at the pin's position) and
    records appended after the pin.

    Attributes:
        position: The pinned record's position (0 for an empty log).
        hash: The start of its hash, in lowercase hex (16 to 64 digits).

    >>> pin = Pin.parse("14:3f2a9c0d5e6b7a8f9e0d1c2b3a4f5e6d")
    >>> pin.position, str(pin) == "14:3f2a9c0d5e6b7a8f9e0d1c2b3a4f5e6d"
    (14, True)
    """

    #: How many hex digits of the hash a token keeps.
    DIGITS: ClassVar[int] = 32

    position: int
    hash: str

    @classmethod
    def parse(cls, token: str) -> Self:
        """Read a token written by ``str(pin)``.

        Raises:
            PinError: ``token`` is not ``<position>:<16 to 64 hex digits>``.
        """
        found = _PIN.fullmatch(token.strip().lower())
        if found is None:
            raise PinError(
                f"{token!r} is not a pinned head: expected <position>:<hex digits of its hash>, "
                "as 'timeline head' prints it"
            )
        return cls(int(found["position"]), found["hash"])

    def matches(self, full_hash: str) -> bool:
        """Whether ``full_hash`` (a record's hash) is the pinned one."""
        return full_hash.startswith(self.hash)

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"
