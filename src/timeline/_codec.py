"""The codec: events, valid times and records to JSON and back.

The library owns its :class:`cattrs.Converter` (never the global one, never
pickle). Structuring is strict: a string where an int belongs is an error, not
a conversion, so a malformed stored record is reported, never misread.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import decimal
import functools
import hashlib
import json
import re
import typing
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Final

import attrs
import cattrs
import pendulum
from cattrs.cols import is_any_set, is_sequence

from ._edtf import parse_edtf
from ._errors import (
    InvalidEventError,
    InvalidValidTimeError,
    RecordDecodeError,
    UnknownEventTypeError,
)
from ._events import Registry
from ._records import FIRST_POSITION, NO_PROVENANCE, Entry, Head, Provenance, Record, StoredRecord
from ._time import End, Interval, Moment, ValidTime, _zone_name, micros

__all__ = ["GENESIS_HASH", "Codec", "canonical_json", "chain_hash", "format_known_at"]

#: The hash the first record chains to.
GENESIS_HASH: Final = "0" * 64

_ZONED: Final = re.compile(r"^(?P<iso>[^\[]+)(?:\[(?P<zone>[^\]]+)\])?$")


def canonical_json(value: object) -> str:
    """Return the canonical JSON text of ``value``: sorted keys, no spaces, UTF-8.

    It is what ``json.dumps(value, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False, allow_nan=False)`` writes.

    Raises:
        TypeError: ``value`` holds something JSON cannot (a set, an object).
        ValueError: ``value`` holds a NaN or an infinity.

    >>> canonical_json({"b": 1, "a": [True, None]})
    '{"a":[true,null],"b":1}'
    """
    return "".join(_encode_chunks(value, 0))


def _not_json(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder json.dumps builds on every call, built once: on a record's
# small body the building cost as much as the encoding.
_encode_chunks: Final = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None,  # no cycle check: bodies are trees the codec made
    _not_json,
    json.encoder.encode_basestring,
    None,  # no indent
    ":",
    ",",
    True,  # sort keys  # noqa: FBT003 -- the C function takes positional flags
    False,  # skipkeys  # noqa: FBT003
    False,  # allow NaN  # noqa: FBT003
)
_scan_json: Final = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def _decode_json(text: str) -> Any:  # noqa: ANN401 -- any JSON value
    """``json.loads(text)``, without its per-call set-up when ``text`` is one bare value."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):
        return json.loads(text)  # surrounding space, or an error to report as json does
    return value


_json_string: Final[Callable[[str], str]] = json.encoder.encode_basestring


def chain_hash(previous: str, stored: StoredRecord) -> str:
    """Return the integrity hash of ``stored`` chained to the ``previous`` hash.

    SHA-256 over the UTF-8 of seven lines joined by newlines: the previous
    hash, the position, id, known time, type, the subject as JSON (``null`` or
    a quoted string) and the body. No field can hold a raw newline (the body
    is canonical JSON, which escapes them), so the framing is unambiguous.
    """
    return _hash(
        previous,
        stored.position,
        stored.id,
        stored.known_at,
        stored.type,
        stored.subject,
        stored.body,
    )


def _hash(  # noqa: PLR0917 -- the seven hashed fields, in hashing order
    previous: str,
    position: int,
    record_id: str,
    known_at: str,
    type_name: str,
    subject: str | None,
    body: str,
) -> str:
    subject_json = "null" if subject is None else _json_string(subject)
    fields = (previous, str(position), record_id, known_at, type_name, subject_json, body)
    return hashlib.sha256("\n".join(fields).encode()).hexdigest()


def format_known_at(instant: dt.datetime) -> str:
    """Write a known time as fixed-width UTC ISO 8601, which sorts as it orders.

    >>> format_known_at(pendulum.datetime(2024, 1, 12, tz="UTC"))
    '2024-01-12T00:00:00.000000Z'
    """
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@functools.lru_cache(maxsize=1024)  # a batch's records share one known time
def known_at_micros(text: str) -> int:
    """Return a known time written by :func:`format_known_at` as microseconds (see ``micros``)."""
    return micros(parse_known_at(text))


@functools.lru_cache(maxsize=1024)  # a batch's records share one known time
def known_at_from_micros(value: int) -> str:
    """Write microseconds since 0001-01-01 UTC as :func:`format_known_at` does."""
    seconds, micro = divmod(value, 1_000_000)
    days, rest = divmod(seconds, 86_400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    day = dt.date.fromordinal(days).isoformat()
    return f"{day}T{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}Z"


@functools.lru_cache(maxsize=1024)  # a batch's records share one known time
def parse_known_at(text: str) -> pendulum.DateTime:
    """Read a known time written by :func:`format_known_at`."""
    if len(text) != 27 or text[-1] != "Z":
        raise ValueError(f"known time {text!r} is not of the form 2024-01-12T00:00:00.000000Z")
    parsed = dt.datetime.fromisoformat(text)
    return pendulum.instance(parsed).in_tz("UTC")


def _unstructure_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEventError(
            f"naive datetime {value.isoformat()} in an event: give it a time zone"
        )
    zone = _zone_name(value)
    iso = value.isoformat()
    return iso if zone[:1] in {"+", "-"} or zone == "UTC" else f"{iso}[{zone}]"


def _parse_zoned(text: object) -> tuple[dt.datetime, str | None]:
    if not isinstance(text, str):
        raise TypeError(f"expected an ISO 8601 datetime string, got {text!r}")
    match = _ZONED.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 datetime")
    value = dt.datetime.fromisoformat(match["iso"])
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return value, match["zone"]


def _structure_datetime(text: object, _: type) -> dt.datetime:
    value, zone = _parse_zoned(text)
    if not zone:
        return value
    tz = zoneinfo.ZoneInfo(zone)
    # Keep the wall-clock reading (and fold) that was written, which the
    # offset pins down; astimezone() would normalise times in a DST gap.
    for fold in (0, 1):
        local = value.replace(tzinfo=tz, fold=fold)
        if local.utcoffset() == value.utcoffset():
            return local
    return value.astimezone(tz)


def _structure_pendulum(text: object, kind: type) -> pendulum.DateTime:
    value = _structure_datetime(text, kind)
    if isinstance(value.tzinfo, zoneinfo.ZoneInfo):
        return pendulum.instance(value).in_tz(value.tzinfo.key)
    return pendulum.instance(value)


def _strict(kind: type, *, also: tuple[type, ...] = ()) -> Callable[[object, type], object]:
    def structure(value: object, _: type) -> object:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {kind.__name__}, got a bool")
        if not isinstance(value, (kind, *also)):
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
        return kind(value)

    return structure


def _is_collection(kind: object) -> bool:
    return bool(is_sequence(kind) or is_any_set(kind))


def _collection_hook(kind: object, converter: cattrs.Converter) -> Callable[[object, type], object]:
    """Structure JSON arrays only: cattrs alone would read the string "ab" as ("a", "b")."""
    origin = typing.get_origin(kind) or kind
    args = typing.get_args(kind)
    if origin is tuple and args and args[-1] is not Ellipsis:
        fixed = args

        def fixed_tuple(value: object, _: type) -> object:
            if not isinstance(value, list) or len(value) != len(fixed):
                raise TypeError(f"expected a JSON array of {len(fixed)} items, got {value!r}")
            return tuple(converter.structure(v, t) for v, t in zip(value, fixed, strict=True))

        return fixed_tuple
    item = args[0] if args else Any
    build: Callable[[Iterable[Any]], object]
    if origin in (tuple, collections.abc.Sequence):
        build = tuple
    elif origin in (frozenset, collections.abc.Set):
        build = frozenset
    elif origin is set or origin is collections.abc.MutableSet:
        build = set
    else:
        build = list

    def collection(value: object, _: type) -> object:
        if not isinstance(value, list):
            raise TypeError(f"expected a JSON array, got {type(value).__name__} {value!r}")
        if item is Any:
            return build(value)
        return build(converter.structure(v, item) for v in value)

    return collection


def _sorted_list(values: Iterable[Any]) -> list[Any]:
    return sorted(values, key=canonical_json)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(
        forbid_extra_keys=True,
        # Sets are written as lists in a fixed order, so equal events encode
        # (and hash) identically whatever their sets' iteration order.
        unstruct_collection_overrides={AbstractSet: _sorted_list},
    )
    converter.register_structure_hook_factory(_is_collection, _collection_hook)
    converter.register_structure_hook(int, _strict(int))
    converter.register_structure_hook(float, _strict(float, also=(int,)))
    converter.register_structure_hook(str, _strict(str))
    converter.register_structure_hook(bool, _strict(bool))
    for zoned in (dt.datetime, pendulum.DateTime):
        converter.register_unstructure_hook(zoned, _unstructure_datetime)
    converter.register_structure_hook(dt.datetime, _structure_datetime)
    converter.register_structure_hook(pendulum.DateTime, _structure_pendulum)
    for day in (dt.date, pendulum.Date):
        converter.register_unstructure_hook(day, lambda value: value.isoformat())
    converter.register_structure_hook(dt.date, lambda value, _: dt.date.fromisoformat(value))
    converter.register_structure_hook(
        pendulum.Date, lambda value, _: pendulum.Date.fromisoformat(value)
    )
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_structure_hook(uuid.UUID, lambda value, _: uuid.UUID(value))
    converter.register_unstructure_hook(decimal.Decimal, str)
    converter.register_structure_hook(decimal.Decimal, lambda value, _: decimal.Decimal(value))
    for valid in (Moment, Interval):
        converter.register_unstructure_hook(valid, encode_valid)
        converter.register_structure_hook(valid, lambda value, _: decode_valid(value))
    return converter


def encode_valid(value: ValidTime) -> str | dict[str, Any]:
    """Encode a valid time: its EDTF, plus its zone and phrase when it has them.

    >>> encode_valid(Moment.parse("2023-09"))
    '2023-09'
    >>> encode_valid(Moment.parse("2017-12-22", tz="America/New_York"))
    {'edtf': '2017-12-22', 'tz': 'America/New_York'}
    """
    from ._edtf import format_edtf  # noqa: PLC0415 -- keeps _edtf free of codec imports

    zones = {end.tz for end in _moments(value)}
    encoded: dict[str, Any]
    if len(zones) == 1:
        encoded = {"edtf": format_edtf(value, offset=False)}
        zone = zones.pop()
        if zone != "UTC":
            encoded["tz"] = zone
    else:
        assert isinstance(value, Interval)  # noqa: S101 -- one moment has one zone
        encoded = {"start": encode_valid(value.start), "end": encode_valid(value.end)}  # type: ignore[arg-type]
    if value.phrase is not None:
        encoded["phrase"] = value.phrase
    if set(encoded) == {"edtf"}:
        return str(encoded["edtf"])
    return encoded


# Valid times repeat; their phrase is not part of equality, so it joins the key.
@functools.lru_cache(maxsize=1 << 16)
def _encode_valid_cached(value: ValidTime, phrase: str | None) -> str | dict[str, Any]:
    del phrase
    return encode_valid(value)


_BODY_KEYS: Final = frozenset({"data", "valid", "version", "provenance"})


_PROVENANCE_FIELDS: Final = tuple(field.name for field in attrs.fields(Provenance))


def _encode_provenance(provenance: Provenance) -> dict[str, str]:
    """The provenance's fields that are set (an empty dict for none)."""
    return {
        name: value
        for name in _PROVENANCE_FIELDS
        if (value := getattr(provenance, name)) is not None
    }


def _moments(value: ValidTime) -> list[Moment]:
    if isinstance(value, Moment):
        return [value]
    return [end for end in (value.start, value.end) if isinstance(end, Moment)]


def decode_valid(encoded: object) -> ValidTime:
    """Decode what :func:`encode_valid` wrote.

    Raises:
        InvalidValidTimeError: ``encoded`` is not an encoded valid time.
    """
    from ._edtf import parse_edtf  # noqa: PLC0415 -- keeps _edtf free of codec imports

    if isinstance(encoded, str):
        return parse_edtf(encoded)
    if not isinstance(encoded, dict):
        raise InvalidValidTimeError(f"expected an EDTF string or an object, got {encoded!r}")
    phrase = encoded.get("phrase")
    if "edtf" in encoded and set(encoded) <= {"edtf", "tz", "phrase"}:
        return parse_edtf(encoded["edtf"], tz=encoded.get("tz", "UTC"), phrase=phrase)
    if set(encoded) <= {"start", "end", "phrase"} and {"start", "end"} <= set(encoded):
        ends = []
        for side in ("start", "end"):
            raw = encoded[side]
            end = End(raw) if raw in ("..", "") else decode_valid(raw)
            if isinstance(end, Interval):
                raise InvalidValidTimeError(f"interval {side} is itself an interval: {raw!r}")
            ends.append(end)
        return Interval(ends[0], ends[1], phrase=phrase)
    raise InvalidValidTimeError(f"unexpected keys in encoded valid time: {sorted(encoded)}")


@attrs.define
class Codec:
    """Encodes entries to stored records and decodes them back.

    One codec serves one :class:`Registry`; it owns a private cattrs converter
    (reachable as :attr:`converter` for registering hooks of custom field
    types).

    >>> from timeline import Registry, event
    >>> registry = Registry()
    >>> @event("example.count", registry=registry)
    ... class Counted:
    ...     n: int
    >>> codec = Codec(registry)
    >>> codec.decode_event(*codec.encode_event(Counted(n=3)))
    Counted(n=3)
    """

    registry: Registry
    converter: cattrs.Converter = attrs.field(factory=_make_converter)

    def encode_event(self, event: object) -> tuple[str, int, dict[str, Any]]:
        """Return ``(type name, version, fields)`` for a registered event.

        Raises:
            InvalidEventError: The event's class is not registered, or a field
                cannot be stored (a naive datetime, say).
        """
        try:
            entry = self.registry.type_of(event)
        except UnknownEventTypeError as error:
            raise InvalidEventError(str(error)) from None
        data = self.converter.unstructure(event)
        return entry.name, entry.version, data

    def decode_event(
        self, name: str, version: int, data: object, *, position: int | None = None
    ) -> Any:  # noqa: ANN401 -- an instance of whichever class is registered
        """Return the current event for fields stored as ``name`` at ``version``.

        Raises:
            RecordDecodeError: The type is unknown, a field is missing or of the
                wrong type, or an upcaster fails; the message names the position.
        """
        try:
            entry = self.registry.lookup(name)
        except UnknownEventTypeError as error:
            raise RecordDecodeError(position, str(error)) from None
        if not isinstance(data, dict):
            raise RecordDecodeError(position, f"{name!r} data must be an object, got {data!r}")
        try:
            current = (
                data if version == entry.version else self.registry.upcast(name, version, data)
            )
            return self.converter.structure(current, entry.cls)
        except cattrs.BaseValidationError as error:
            problems = "; ".join(cattrs.transform_error(error, path=name))
            raise RecordDecodeError(position, problems) from None
        except (TypeError, ValueError, KeyError) as error:
            raise RecordDecodeError(position, f"{name!r}: {error}") from None

    def encode(
        self,
        entry: Entry,
        *,
        position: int,
        known_at: str,
        previous: Head | None,
        record_id: uuid.UUID | None = None,
    ) -> StoredRecord:
        """Return ``entry`` as the stored record at ``position``, chained to ``previous``.

        The id is ``record_id``, else the entry's, else a new random one.
        """
        text_id = str(record_id or entry.id or uuid.uuid4())
        prior = previous.hash if previous is not None else GENESIS_HASH
        return self._encode(entry, position, known_at, prior, text_id)

    def encode_batch(
        self,
        entries: Sequence[Entry],
        *,
        known_ats: Sequence[str],
        previous: Head | None,
        record_ids: Sequence[uuid.UUID],
    ) -> list[StoredRecord]:
        """Encode entries as the stored records that follow ``previous``, in order.

        The same as :meth:`encode` on each in turn, chaining each to the one before.
        """
        prior = previous.hash if previous is not None else GENESIS_HASH
        position = previous.position + 1 if previous is not None else FIRST_POSITION
        stored: list[StoredRecord] = []
        for entry, known_at, record_id in zip(entries, known_ats, record_ids, strict=True):
            record = self._encode(entry, position, known_at, prior, str(record_id))
            stored.append(record)
            prior = record.hash
            position += 1
        return stored

    def _encode(
        self, entry: Entry, position: int, known_at: str, prior: str, text_id: str
    ) -> StoredRecord:
        name, version, data = self.encode_event(entry.event)
        # The version is left out when it is 1, the provenance when it is
        # empty: most records are small, and every byte is stored (and hashed).
        body: dict[str, Any] = {
            "data": data,
            "valid": _encode_valid_cached(entry.valid, entry.valid.phrase),
        }
        if version != 1:
            body["version"] = version
        if entry.provenance is not NO_PROVENANCE:
            provenance = _encode_provenance(entry.provenance)
            if provenance:
                body["provenance"] = provenance
        try:
            text = canonical_json(body)
        except (TypeError, ValueError) as error:
            raise InvalidEventError(f"{name!r} has a field JSON cannot hold: {error}") from None
        try:
            digest = _hash(prior, position, text_id, known_at, name, entry.subject, text)
        except UnicodeEncodeError as error:
            # A lone surrogate (from a bad decode upstream) is text UTF-8 cannot hold.
            raise InvalidEventError(
                f"{name!r} holds text that is not valid Unicode ({error.reason} at "
                f"{error.object[max(error.start - 20, 0) : error.end + 20]!r})"
            ) from None
        return StoredRecord(
            position=position,
            id=text_id,
            known_at=known_at,
            type=name,
            subject=entry.subject,
            body=text,
            hash=digest,
        )

    def decode(self, stored: StoredRecord) -> Record:
        """Return the :class:`Record` a stored record holds.

        Raises:
            RecordDecodeError: The record is malformed; the message names its
                position and what is wrong.
        """
        position = stored.position
        try:
            body = _decode_json(stored.body)
        except ValueError as error:
            raise RecordDecodeError(position, f"body is not JSON: {error}") from None
        if not (
            type(body) is dict and "data" in body and "valid" in body and body.keys() <= _BODY_KEYS
        ):
            raise RecordDecodeError(
                position, "body must hold data and valid, and may hold version and provenance"
            )
        version = body.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise RecordDecodeError(position, f"version must be an int, got {version!r}")
        event = self.decode_event(stored.type, version, body["data"], position=position)
        try:
            raw_valid, raw_provenance = body["valid"], body.get("provenance", {})
            # Fast paths for the common forms: a plain EDTF string, no provenance.
            valid = parse_edtf(raw_valid) if type(raw_valid) is str else decode_valid(raw_valid)
            provenance = (
                NO_PROVENANCE
                if raw_provenance == {}
                else self.converter.structure(raw_provenance, Provenance)
            )
            known_at = parse_known_at(stored.known_at)
            record_id = uuid.UUID(stored.id)
        except InvalidValidTimeError as error:
            raise RecordDecodeError(position, f"valid time: {error}") from None
        except cattrs.BaseValidationError as error:
            problems = "; ".join(cattrs.transform_error(error, path="provenance"))
            raise RecordDecodeError(position, problems) from None
        except (TypeError, ValueError) as error:
            raise RecordDecodeError(position, str(error)) from None
        return Record(
            position=position,
            id=record_id,
            known_at=known_at,
            event=event,
            valid=valid,
            subject=stored.subject,
            provenance=provenance,
            hash=stored.hash,
        )
