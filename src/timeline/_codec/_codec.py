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
import math
import re
import typing
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Final

import attrs
import cattrs
import msgspec
import pendulum
from cattrs.cols import is_any_set, is_sequence
from cattrs.fns import identity
from cattrs.v import format_exception

from timeline._errors import (
    InvalidEventError,
    InvalidValidTimeError,
    RecordDecodeError,
    UnknownEventTypeError,
)
from timeline._events import Registry
from timeline._ids import UUID_SLOTTED, id_from_bytes, id_text_of_bytes
from timeline._records import (
    FIRST_POSITION,
    NO_PROVENANCE,
    Entry,
    Head,
    Provenance,
    Record,
    StoredRecord,
)
from timeline._words._rule import rule_from_json, rule_json
from timeline.time import (
    FLOATING,
    DateRange,
    DateSet,
    End,
    Interval,
    Moment,
    ValidTime,
    micros,
    parse_edtf,
    read_edtf,
    zone_name_of,
)

__all__ = ["GENESIS_HASH", "Codec", "canonical_json", "chain_hash", "format_known_at"]

#: A record encoded for a store to write: position, id (16 bytes), known time,
#: type, subject, body and hash -- a StoredRecord's fields, the id as bytes.
EncodedRow = tuple[int, bytes, str, str, str | None, str, str]

_NO_OFFSET: Final = dt.timedelta(0)


def stored_record(row: EncodedRow) -> StoredRecord:
    """The :class:`StoredRecord` of an encoded row: its id written as text."""
    position, raw_id, known_at, name, subject, body, digest = row
    return StoredRecord(
        position=position,
        id=id_text_of_bytes(raw_id),
        known_at=known_at,
        type=name,
        subject=subject,
        body=body,
        hash=digest,
    )


#: The hash the first record chains to.
GENESIS_HASH: Final = "0" * 64

_ZONED: Final = re.compile(r"(?P<iso>[^\[]+)(?:\[(?P<zone>[^\]]+)\])?")


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

# Bodies are read with msgspec's compiled decoder, several times faster than
# json's on small bodies. It reads every body the codec writes to the same
# values; on anything it refuses (a number out of float range, a lone
# surrogate escape) json reads it instead, so what is read, or the error
# raised, stays json's.
_read_body: Final = msgspec.json.Decoder().decode


def _decode_body(text: str) -> Any:  # noqa: ANN401 -- any JSON value
    try:
        return _read_body(text)
    except msgspec.MsgspecError:
        return _decode_json(text)


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
    utc = instant if instant.utcoffset() == _NO_OFFSET else instant.astimezone(dt.UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


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
    # Built directly: pendulum.instance(...).in_tz("UTC") takes ten times as long.
    return pendulum.DateTime(
        parsed.year,
        parsed.month,
        parsed.day,
        parsed.hour,
        parsed.minute,
        parsed.second,
        parsed.microsecond,
        tzinfo=pendulum.UTC,
    )


def _unstructure_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEventError(
            f"naive datetime {value.isoformat()} in an event: give it a time zone"
        )
    zone = zone_name_of(value)
    iso = value.isoformat()
    return iso if zone[:1] in {"+", "-"} or zone == "UTC" else f"{iso}[{zone}]"


def _parse_zoned(text: object) -> tuple[dt.datetime, str | None]:
    if not isinstance(text, str):
        raise TypeError(f"expected an ISO 8601 datetime string, got {text!r}")
    match = _ZONED.fullmatch(text)
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


# The field types whose JSON values the fast structurer takes as they are,
# where the converter's hook for them is the strict one registered below.
_PLAIN: Final[dict[object, tuple[type, ...]]] = {
    str: (str,),
    int: (int,),
    bool: (bool,),
    float: (float,),  # an int for a float is converted by the converter: left to it
    str | None: (str, type(None)),
    int | None: (int, type(None)),
    bool | None: (bool, type(None)),
    float | None: (float, type(None)),
}


def _fast_structurer(
    converter: cattrs.Converter, cls: type[Any], strict: Mapping[type, object]
) -> Callable[[dict[str, Any]], Any] | None:
    """A structurer for ``cls`` when its fields are plain values; None otherwise.

    It gives what the converter's own structure function would: it checks
    that no key is unknown, that every required one is there, and that each
    value has exactly its field's JSON type, then calls the class, whose
    validators run as they would. On anything else it returns None and the
    converter does the work (and raises its error). It is only made while the
    converter would use the function cattrs generated for ``cls`` and the
    strict hooks for the field types; a hook registered on the converter
    turns it off.
    """
    checks = _structure_checks(converter, cls, strict)
    if checks is None:
        return None
    if all(required for _, _, required in checks):
        return _compiled_structurer(cls, checks)
    return _checking_structurer(cls, checks)


def _structure_checks(
    converter: cattrs.Converter, cls: type[Any], strict: Mapping[type, object]
) -> list[tuple[str, tuple[type, ...], bool]] | None:
    """The fields of a plain class, while the converter's hooks for their types are ``strict``."""
    checks = _plain_fields(converter, cls, "structure")
    if checks is None:
        return None
    for _, kinds, _ in checks:
        for kind in kinds:
            if kind in strict and converter.get_structure_hook(kind) is not strict[kind]:
                return None
    return checks


def _checking_structurer(
    cls: type[Any], checks: list[tuple[str, tuple[type, ...], bool]]
) -> Callable[[dict[str, Any]], Any]:
    """The fast structurer of a plain class with defaults: keys checked one by one."""
    names = frozenset(name for name, _, _ in checks)

    def structure(data: dict[str, Any]) -> Any:  # noqa: ANN401 -- an instance of cls
        if not data.keys() <= names:
            return None
        for name, kinds, required in checks:
            if name in data:
                if type(data[name]) not in kinds:
                    return None
            elif required:
                return None
        try:
            return cls(**data)
        except Exception:  # noqa: BLE001 -- the converter raises the error, in its words
            return None

    return structure


def _compiled_structurer(
    cls: type[Any], checks: list[tuple[str, tuple[type, ...], bool]]
) -> Callable[[dict[str, Any]], Any]:
    """The fast structurer of a class whose fields are all required, as straight-line code.

    With as many keys as fields and each field's key there, no key is unknown.
    """
    namespace: dict[str, Any] = {"cls": cls, "Exception": Exception}
    lines = [
        "def structure(data):",
        f"    if len(data) != {len(checks)}:",
        "        return None",
        "    try:",
    ]
    arguments = []
    positional = not any(field.kw_only for field in attrs.fields(cls))
    for number, (name, kinds, _) in enumerate(checks):
        namespace[f"kinds{number}"] = kinds
        lines += [
            f"        value{number} = data[{name!r}]",
            f"        if type(value{number}) not in kinds{number}:",
            "            return None",
        ]
        arguments.append(f"value{number}" if positional else f"{name}=value{number}")
    lines += [
        f"        return cls({', '.join(arguments)})",
        "    except Exception:",
        "        return None",
    ]
    code = compile("\n".join(lines), f"<timeline structurer {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 -- code made above from field names attrs checked
    return namespace["structure"]  # type: ignore[no-any-return]


def _plain_fields(
    converter: cattrs.Converter, cls: type[Any], direction: str
) -> list[tuple[str, tuple[type, ...], bool]] | None:
    """Name, JSON types and whether required, of each field of a plain class; else None.

    A class is plain when cattrs would use the function it generated for it
    (``direction`` "structure" or "unstructure"), and every field is a str,
    int, float or bool, or one of these or None, under its own name.
    """
    if not attrs.has(cls):
        return None
    get = getattr(converter, f"get_{direction}_hook")
    code = getattr(get(cls), "__code__", None)
    if not getattr(code, "co_filename", "").startswith(f"<cattrs generated {direction}"):
        return None
    try:
        fields = attrs.fields(attrs.resolve_types(cls))
    except (NameError, TypeError):
        return None
    checks: list[tuple[str, tuple[type, ...], bool]] = []
    for field in fields:
        kinds = _PLAIN.get(field.type)
        if kinds is None and direction == "structure" and _absent_by_default(field):
            continue  # the fast path takes it only when absent; present, the converter reads it
        if (
            kinds is None
            or not field.init
            or field.alias != field.name
            or field.name.startswith("_")
        ):
            return None
        checks.append((field.name, kinds, field.default is attrs.NOTHING))
    return checks


def _absent_by_default(field: attrs.Attribute[Any]) -> bool:
    """A field of an attrs class or None, None by default (a provenance's rule)."""
    kinds = typing.get_args(field.type)
    return (
        field.default is None
        and len(kinds) == 2
        and type(None) in kinds
        and any(attrs.has(kind) for kind in kinds)
    )


def _fast_writer(converter: cattrs.Converter, cls: type[Any]) -> Callable[[Any], str | None] | None:
    """A writer of the canonical JSON of a plain class's instances; None for other classes.

    The text is what ``canonical_json(converter.unstructure(event))`` gives,
    written field by field in sorted key order by code made for the class.
    Where a value is not exactly its field's type (a float that is not
    finite, a str in an int field), the writer returns None and the
    converter and json do the work, or raise their error.
    """
    checks = _plain_fields(converter, cls, "unstructure")
    if checks is None or any(
        converter.get_unstructure_hook(kind) is not identity
        for _, kinds, _ in checks
        for kind in kinds
        if kind is not type(None)
    ):
        return None  # a hook of the caller's for a field's type: the converter writes it
    namespace: dict[str, Any] = {
        "string": _json_string,
        "number": int.__repr__,
        "real": float.__repr__,
        "finite": math.isfinite,
    }
    lines = ["def write(event):"]
    parts = []
    for number, (name, kinds, _) in enumerate(sorted(checks)):
        value = f"value{number}"
        lines.append(f"    {value} = event.{name}")
        kind = kinds[0]
        write = {
            str: f"string({value})",
            int: f"number({value})",
            bool: f"('true' if {value} else 'false')",
            float: f"real({value})",
        }[kind]
        lines.append(f"    if type({value}) is {kind.__name__}:")
        if kind is float:
            lines += [f"        if not finite({value}):", "            return None"]
        lines.append(f"        text{number} = {write}")
        if type(None) in kinds:
            lines.append(f"    elif {value} is None:")
            lines.append(f"        text{number} = 'null'")
        lines += ["    else:", "        return None"]
        separator = "{" if number == 0 else ","
        parts.append(f"{separator + _json_string(name) + ':'!r} + text{number}")
    body = " + ".join(parts) + " + '}'" if parts else "'{}'"
    lines.append(f"    return {body}")
    code = compile("\n".join(lines), f"<timeline writer {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 -- code made above from field names attrs checked
    return namespace["write"]  # type: ignore[no-any-return]


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


@functools.cache
def _strict_hooks() -> dict[type, Callable[[object, type], object]]:
    """The converter's hooks for JSON's scalars: strict, and one of each for every converter."""
    return {
        int: _strict(int),
        float: _strict(float, also=(int,)),
        str: _strict(str),
        bool: _strict(bool),
    }


class _Converter(cattrs.Converter):
    """The codec's converter: it counts the hooks registered on it.

    The codec's fast structurers and writers are made for the hooks of the
    moment; a new hook (for an event class, say) makes them be made again.
    """

    generation = 0


def _counted(name: str) -> Callable[..., Any]:
    """``cattrs.Converter``'s method ``name``, counting each call in ``generation``."""
    method = getattr(cattrs.Converter, name)

    @functools.wraps(method)
    def register(self: _Converter, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 -- cattrs' own
        self.generation += 1
        return method(self, *args, **kwargs)

    return register


for _name in (
    "register_structure_hook",
    "register_structure_hook_func",
    "register_structure_hook_factory",
    "register_unstructure_hook",
    "register_unstructure_hook_func",
    "register_unstructure_hook_factory",
):
    setattr(_Converter, _name, _counted(_name))


def _make_converter() -> cattrs.Converter:
    converter = _Converter(
        forbid_extra_keys=True,
        # Sets are written as lists in a fixed order, so equal events encode
        # (and hash) identically whatever their sets' iteration order.
        unstruct_collection_overrides={AbstractSet: _sorted_list},
    )
    converter.register_structure_hook_factory(_is_collection, _collection_hook)
    for kind, hook in _strict_hooks().items():
        converter.register_structure_hook(kind, hook)
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
    for valid in (Moment, Interval, DateSet):
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
    from timeline.time import format_edtf  # noqa: PLC0415 -- keeps _edtf free of codec imports

    zones = _zones(value)
    encoded: dict[str, Any]
    if len(zones) == 1:
        encoded = {"edtf": format_edtf(value, offset=False)}
        zone = zones.pop()
        if zone != FLOATING:  # a bare EDTF string is local time somewhere
            encoded["tz"] = zone
    elif isinstance(value, DateSet):  # members in different zones: one by one
        encoded = {"every" if value.every else "one_of": [_encode_member(m) for m in value.members]}
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
def _valid_json(value: ValidTime, phrase: str | None) -> str:
    """The canonical JSON of an encoded valid time."""
    del phrase
    return canonical_json(encode_valid(value))


#: What a plain body reader gives: the event, the valid time as stored, and
#: the provenance as stored (None or an empty dict for none).
_PlainBody = tuple[Any, str | dict[str, Any], dict[str, Any] | None]


def _plain_body(structure: Callable[[dict[str, Any]], Any], text: str) -> _PlainBody | None:
    """A body in the common form -- data and a valid-time string only -- read by ``structure``.

    The reader of a class with optional fields (``functools.partial`` over its
    structurer). None for any other body, or data the structurer leaves to
    the converter.
    """
    body = _read_body(text)
    if type(body) is not dict or len(body) != 2:
        return None
    data, valid = body.get("data"), body.get("valid")
    if type(data) is not dict or type(valid) is not str:
        return None
    event = structure(data)
    return None if event is None else (event, valid, None)


def _typed_reader(
    cls: type[Any],
    checks: list[tuple[str, tuple[type, ...], bool]],
    version: int,
    *,
    make: bool = True,
) -> Callable[[str], _PlainBody | None]:
    """A body reader for a plain class whose fields are all required.

    msgspec decodes the body straight into a struct that mirrors the class --
    each field exactly its JSON type, no key unknown, in the body or in the
    data -- and the class is called with its values, so its validators run.
    What the struct refuses raises msgspec's error, and the caller decodes
    the row the long way, which decodes it or raises the error it should.
    A float field takes an int as the converter does, as a float. Without
    ``make``, the struct of the data is returned in place of the event: for
    a class whose instances hold just what they are given (see
    :func:`_bare`), it holds the very values.
    """
    mirrored: dict[tuple[type, ...], Any] = {
        (str,): str,
        (int,): int,
        (bool,): bool,
        (float,): float,
        (str, type(None)): str | None,
        (int, type(None)): int | None,
        (bool, type(None)): bool | None,
        (float, type(None)): float | None,
    }
    data = msgspec.defstruct(
        f"{cls.__name__}Data",
        [(name, mirrored[kinds]) for name, kinds, _ in checks],
        forbid_unknown_fields=True,
    )
    body = msgspec.defstruct(
        f"{cls.__name__}Body",
        [
            ("data", data),
            ("valid", str | dict[str, Any]),
            ("version", int, 1),
            ("provenance", msgspec.UnsetType | dict[str, Any], msgspec.UNSET),
        ],
        forbid_unknown_fields=True,
    )
    namespace: dict[str, Any] = {
        "cls": cls,
        "decode": msgspec.json.Decoder(body).decode,
        "UNSET": msgspec.UNSET,
    }
    positional = not any(field.kw_only for field in attrs.fields(cls))
    arguments = ", ".join(
        f"data.{name}" if positional else f"{name}=data.{name}" for name, _, _ in checks
    )
    lines = [
        "def read(text):",
        "    body = decode(text)",
        f"    if body.version != {version}:",
        "        return None",
        "    data = body.data",
        "    provenance = body.provenance",
        f"    return cls({arguments}), body.valid, None if provenance is UNSET else provenance",
    ]
    if not make:
        lines[-1] = "    return data, body.valid, None if provenance is UNSET else provenance"
    code = compile("\n".join(lines), f"<timeline reader {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 -- code made above from field names attrs checked
    return namespace["read"]  # type: ignore[no-any-return]


# A marker for "not looked up yet".
def _bare(cls: type[Any]) -> bool:
    """Whether instances of attrs class ``cls`` hold exactly what they are given."""
    hooks = ("__attrs_pre_init__", "__attrs_post_init__")
    return not any(hasattr(cls, hook) for hook in hooks) and all(
        field.validator is None and field.converter is None for field in attrs.fields(cls)
    )


_UNSEEN: Final = object()
_new: Final = object.__new__
_set: Final = object.__setattr__
_SAFE_UNKNOWN: Final = uuid.SafeUUID.unknown

_BODY_KEYS: Final = frozenset({"data", "valid", "version", "provenance"})


# The provenance's text fields; its rule is written apart (see _encode_provenance).
_PROVENANCE_FIELDS: Final = tuple(
    field.name for field in attrs.fields(Provenance) if field.name != "rule"
)


def _encode_provenance(provenance: Provenance) -> dict[str, Any]:
    """The provenance's fields that are set (an empty dict for none).

    A rule (a date derived from words) is written only when there is one, so
    provenance without one encodes, and hashes, as it did before rules existed.
    """
    encoded: dict[str, Any] = {
        name: value
        for name in _PROVENANCE_FIELDS
        if (value := getattr(provenance, name)) is not None
    }
    for name, value in encoded.items():
        if type(value) is not str:
            raise InvalidEventError(
                f"provenance {name} must be text, not {_given(value)}; nothing was written"
            )
    if provenance.rule is not None:
        encoded["rule"] = rule_json(provenance.rule)
    return encoded


def _zones(value: ValidTime) -> set[str]:
    """The zones of the dates in a valid time."""
    return {value.tz} if isinstance(value, Moment) else set(value.zones)


def _encode_member(member: Moment | DateRange) -> str | dict[str, Any] | list[Any]:
    if isinstance(member, Moment):
        return encode_valid(member)
    return [None if end is None else encode_valid(end) for end in (member.first, member.last)]


def _decode_member(raw: object) -> Moment | DateRange:
    if isinstance(raw, list) and len(raw) == 2:
        first, last = (None if end is None else decode_valid(end) for end in raw)
        if isinstance(first, Moment | None) and isinstance(last, Moment | None):
            return DateRange(first, last)
    member = decode_valid(raw)
    if not isinstance(member, Moment):
        raise InvalidValidTimeError(f"a set's member must be a date or a range, not {raw!r}")
    return member


def decode_valid(encoded: object) -> ValidTime:
    """Decode what :func:`encode_valid` wrote.

    Raises:
        InvalidValidTimeError: ``encoded`` is not an encoded valid time.
    """
    from timeline.time import parse_edtf  # noqa: PLC0415 -- keeps _edtf free of codec imports

    if isinstance(encoded, str):
        return parse_edtf(encoded)
    if not isinstance(encoded, dict):
        raise InvalidValidTimeError(f"expected an EDTF string or an object, got {encoded!r}")
    phrase = encoded.get("phrase")
    if "edtf" in encoded and set(encoded) <= {"edtf", "tz", "phrase"}:
        return parse_edtf(encoded["edtf"], tz=encoded.get("tz", FLOATING), phrase=phrase)
    for kind in ("one_of", "every"):
        if kind in encoded and set(encoded) <= {kind, "phrase"} and isinstance(encoded[kind], list):
            members = tuple(_decode_member(raw) for raw in encoded[kind])
            return DateSet(members, every=kind == "every", phrase=phrase)
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


def structure_problems(error: cattrs.BaseValidationError, path: str) -> str:
    """What cattrs found wrong, one problem a clause, each with its own reason kept.

    cattrs' own wording says only "invalid value" where a validator refused a
    value; the validator's message is what a user can act on.
    """
    return "; ".join(cattrs.transform_error(error, path=path, format_exception=_with_reason))


def _with_reason(error: BaseException, kind: type | None) -> str:
    said = format_exception(error, kind)
    reason = str(error)
    if not isinstance(error, (TypeError, ValueError)) or not reason or reason in said:
        return said
    if kind is None:  # the class refused the values: its validator's words
        return f"{said}: {reason}"
    if reason.startswith("expected "):  # the strict hooks say what they expected
        return f"invalid value: {reason}"
    return f"{said} ({reason})"


def _type_name(kind: object) -> str:
    """A field's declared type as written in Python (``str``, ``date``, ``list[str]``)."""
    if isinstance(kind, type) and not typing.get_args(kind):
        return kind.__name__
    return repr(kind).replace("typing.", "").replace("datetime.", "")


def _given(value: object) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 60 else shown[:59] + '…'}"


def _reads_back(again: object, event: object, same_text: Callable[[object], bool]) -> bool:
    """Whether ``again``, read back from what ``event`` wrote, is the same value.

    By equality where the class defines it; else (``eq=False``) by writing it again.
    """
    if type(again) is not type(event):
        return False
    if _identity_equal(event):
        return same_text(again)
    return bool(again == event)


def _identity_equal(value: object) -> bool:
    """Whether ``value``'s class compares by identity (attrs' ``eq=False``)."""
    return getattr(type(value), "__eq__", None) is object.__eq__


def _field_problem(converter: cattrs.Converter, event: Any) -> str | None:  # noqa: ANN401 -- any event
    """The first field of ``event`` whose value would not read back, said plainly; else None."""
    try:
        fields = attrs.fields(attrs.resolve_types(type(event)))
    except (NameError, TypeError, attrs.exceptions.NotAnAttrsClassError):
        return None
    for field in fields:
        value = getattr(event, field.name)
        declared = _type_name(field.type)
        kind = field.type
        plain = isinstance(kind, type) and not typing.get_args(kind)
        if (
            plain
            and (not isinstance(value, kind) or (isinstance(value, bool) and kind in {int, float}))
            and not (kind is float and type(value) is int)
        ):
            return f"field {field.name!r} is declared {declared} but holds {_given(value)}"
        try:
            text = canonical_json(converter.unstructure(value, field.type))
        except Exception as error:  # noqa: BLE001 -- a hook may fail any way
            return f"field {field.name!r} ({declared}) holds {_given(value)}: {error}"
        try:
            back = converter.structure(_decode_body(text), field.type)
        except Exception:  # noqa: BLE001 -- reading it would fail: that is the finding
            return f"field {field.name!r} is declared {declared} but holds {_given(value)}"
        same = (
            canonical_json(converter.unstructure(back, field.type)) == text
            if _identity_equal(value)
            else back == value
        )
        if not same:
            return (
                f"field {field.name!r} is declared {declared} but holds {_given(value)}, "
                f"which would read back as {back!r}"
            )
    return None


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
    _fast: dict[type, tuple[int, Callable[[dict[str, Any]], Any] | None]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )
    _writers: dict[type, tuple[int | None, str, int, Callable[[Any], str | None] | None]] = (
        attrs.field(factory=dict, init=False, repr=False, eq=False)
    )
    _plain: tuple[int, dict[str, Any]] = attrs.field(
        default=(-1, {}), init=False, repr=False, eq=False
    )

    def _writer(self, cls: type[Any]) -> tuple[str, int, Callable[[Any], str | None] | None]:
        """The type name, version and fast writer of an event class, for today's hooks."""
        generation = getattr(self.converter, "generation", None)
        cached = self._writers.get(cls)
        if cached is None or cached[0] != generation:
            try:
                entry = self.registry.type_of(cls)
            except UnknownEventTypeError as error:
                raise InvalidEventError(str(error)) from None
            writer = None if generation is None else _fast_writer(self.converter, cls)
            cached = (generation, entry.name, entry.version, writer)
            self._writers[cls] = cached
        return cached[1], cached[2], cached[3]

    def _structurer(self, cls: type[Any]) -> Callable[[dict[str, Any]], Any] | None:
        """The fast structurer of ``cls`` for the converter's hooks as they are now."""
        generation = getattr(self.converter, "generation", None)
        if generation is None:  # a converter of the caller's own: no fast path
            return None
        cached = self._fast.get(cls)
        if cached is None or cached[0] != generation:
            cached = (generation, _fast_structurer(self.converter, cls, _strict_hooks()))
            self._fast[cls] = cached
        return cached[1]

    def encode_event(self, event: object) -> tuple[str, int, dict[str, Any]]:
        """Return ``(type name, version, fields)`` for a registered event.

        The fields are checked as reading will check them: an event that
        would not read back equal (a number in a ``str`` field, text in a
        ``float`` one, a string in a ``date`` one) is refused here, so nothing
        that cannot be read is ever written.

        Raises:
            InvalidEventError: The event's class is not registered, a field
                cannot be stored (a naive datetime, say), or a field's value
                is not of its declared type; the message names the type, the
                field, what it is declared as and what it holds.
        """
        name, version, data, _ = self._checked_data(event)
        return name, version, data

    def _checked_data(self, event: object) -> tuple[str, int, dict[str, Any], str]:
        """The type name, version, fields and their canonical JSON of an event that reads back.

        The check is reading itself: the JSON is structured again, as a reader
        would, and must give an equal event.
        """
        try:
            entry = self.registry.type_of(event)
        except UnknownEventTypeError as error:
            raise InvalidEventError(str(error)) from None
        try:
            data = self.converter.unstructure(event)
            text = canonical_json(data)
        except Exception as error:  # noqa: BLE001 -- a hook may fail any way: say which field
            raise self._untyped(entry.name, event, error) from None
        try:
            again = self.decode_event(entry.name, entry.version, _decode_body(text))
        except RecordDecodeError as error:
            raise self._untyped(entry.name, event, error) from None
        if not _reads_back(again, event, lambda value: self._text_of(value) == text):
            raise self._untyped(entry.name, event, None)
        return entry.name, entry.version, data, text

    def _text_of(self, event: object) -> str:
        return canonical_json(self.converter.unstructure(event))

    def _untyped(self, name: str, event: object, error: Exception | None) -> InvalidEventError:
        """The error for an event that cannot be written as it is: which field, and why."""
        problem = _field_problem(self.converter, event)
        if problem is None:
            if isinstance(error, RecordDecodeError):
                problem = f"it would not read back: {error.problem}"
            elif error is not None:
                problem = f"it cannot be written: {error}"
            else:
                problem = f"it would not read back equal (as {event!r})"
        return InvalidEventError(f"{name}: {problem}; nothing was written")

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
            fast = self._structurer(entry.cls)
            if fast is not None and type(current) is dict:
                made = fast(current)
                if made is not None:
                    return made
            return self.converter.structure(current, entry.cls)
        except cattrs.BaseValidationError as error:
            raise RecordDecodeError(position, structure_problems(error, name)) from None
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
        rows = self.encode_rows(
            entries, known_ats=known_ats, previous=previous, record_ids=record_ids
        )
        return [stored_record(row) for row in rows]

    def encode_rows(
        self,
        entries: Sequence[Entry],
        *,
        known_ats: Sequence[str],
        previous: Head | None,
        record_ids: Sequence[uuid.UUID],
    ) -> list[EncodedRow]:
        """Encode as :meth:`encode_batch` does, each record as a row for a store to write.

        A row is (position, id as 16 bytes, known time, type, subject, body,
        hash): a :class:`StoredRecord`'s fields, with the id as the bytes a
        store keeps rather than text it would read back.
        """
        prior = previous.hash if previous is not None else GENESIS_HASH
        position = previous.position + 1 if previous is not None else FIRST_POSITION
        rows: list[EncodedRow] = []
        append = rows.append
        # Entries in a batch mostly share their class, and often their valid time.
        last_class, writer, last_valid, valid_text = None, None, None, None
        for entry, known_at, record_id in zip(entries, known_ats, record_ids, strict=True):
            if type(entry.event) is not last_class:
                last_class = type(entry.event)
                writer = self._writer(last_class)
            if entry.valid is not last_valid:
                last_valid = entry.valid
                valid_text = _valid_json(last_valid, last_valid.phrase)
            raw_id = record_id.bytes
            name, body, digest = self._encode_parts(
                entry,
                position,
                known_at,
                prior,
                id_text_of_bytes(raw_id),
                writer=writer,
                valid_text=valid_text,
            )
            append((position, raw_id, known_at, name, entry.subject, body, digest))
            prior = digest
            position += 1
        return rows

    def _encode(
        self, entry: Entry, position: int, known_at: str, prior: str, text_id: str
    ) -> StoredRecord:
        name, text, digest = self._encode_parts(entry, position, known_at, prior, text_id)
        return StoredRecord(
            position=position,
            id=text_id,
            known_at=known_at,
            type=name,
            subject=entry.subject,
            body=text,
            hash=digest,
        )

    def _encode_parts(
        self,
        entry: Entry,
        position: int,
        known_at: str,
        prior: str,
        text_id: str,
        *,
        writer: tuple[str, int, Callable[[Any], str | None] | None] | None = None,
        valid_text: str | None = None,
    ) -> tuple[str, str, str]:
        """The type name, body and hash of ``entry`` as the record at ``position``.

        ``writer`` and ``valid_text`` are the event class's writer and the valid
        time's JSON when the caller has them already.
        """
        name, version, write = writer or self._writer(type(entry.event))
        # The fast writer writes only values of exactly their field's type,
        # which read back as they are; anything else is checked on the way.
        data_text = None if write is None else write(entry.event)
        if data_text is None:
            name, version, _, data_text = self._checked_data(entry.event)
        # The body's canonical JSON, written key by key in sorted order (data,
        # provenance, valid, version) -- what canonical_json of the whole would
        # write. The version is left out when it is 1, the provenance when it is
        # empty: most records are small, and every byte is stored (and hashed).
        try:
            text = '{"data":' + data_text
            if entry.provenance is not NO_PROVENANCE:
                provenance = _encode_provenance(entry.provenance)
                if provenance:
                    text += ',"provenance":' + canonical_json(provenance)
            text += ',"valid":' + (valid_text or _valid_json(entry.valid, entry.valid.phrase))
            text += "}" if version == 1 else f',"version":{version:d}}}'
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
        return name, text, digest

    def decode(self, stored: StoredRecord) -> Record:
        """Return the :class:`Record` a stored record holds.

        Raises:
            RecordDecodeError: The record is malformed; the message names its
                position and what is wrong.
        """
        try:
            record_id = uuid.UUID(stored.id)
        except (TypeError, ValueError) as error:
            raise RecordDecodeError(stored.position, str(error)) from None
        return self._decode(
            stored.position,
            record_id,
            stored.known_at,
            stored.type,
            stored.subject,
            stored.body,
            stored.hash,
        )

    def decode_raw(self, row: tuple[int, bytes, str, str, str | None, str, bytes]) -> Record:
        """Decode a record as a store read it: id and hash as bytes, the rest as text.

        The same as :meth:`decode` on the :class:`StoredRecord` the row makes,
        without writing the id and hash as text to read them back.

        Raises:
            RecordDecodeError: As :meth:`decode`.
        """
        position, raw_id, known_at, name, subject, body, digest = row
        try:
            record_id = id_from_bytes(raw_id)
        except (TypeError, ValueError) as error:
            raise RecordDecodeError(position, str(error)) from None
        return self._decode(position, record_id, known_at, name, subject, body, digest.hex())

    def decode_rows(
        self, rows: Iterable[tuple[int, bytes, str, str, str | None, str, bytes]]
    ) -> list[Record]:
        """Decode a page of rows as :meth:`decode_raw` does each, faster for the common form.

        The common form -- an event of a plain class at its current version
        -- is decoded in one loop; any other row, and any row that fails on
        the way, goes through :meth:`decode_raw`, which decodes it or raises
        its error.
        """
        fast = self._plain_types()
        if fast is None:
            return [self.decode_raw(row) for row in rows]
        decoded: list[Record] = []
        append = decoded.append
        # A page's records mostly share their known time (a batch's), and often
        # their valid time: each distinct text is read once per page.
        known_ats: dict[str, pendulum.DateTime] = {}
        valids: dict[str, ValidTime] = {}
        for row in rows:
            position, raw_id, known_text, name, subject, text, digest = row
            reader = fast.get(name, _UNSEEN)
            if reader is _UNSEEN:
                reader = fast[name] = self._plain_type(name)
            try:
                plain = None if reader is None else reader(text)
                if plain is None or len(raw_id) != 16:
                    append(self.decode_raw(row))
                    continue
                event, raw_valid, raw_provenance = plain
                known_at = known_ats.get(known_text)
                if known_at is None:
                    known_at = known_ats[known_text] = parse_known_at(known_text)
                if type(raw_valid) is str:
                    valid = valids.get(raw_valid)
                    if valid is None:
                        valid = valids[raw_valid] = read_edtf(raw_valid, FLOATING, None)
                else:
                    valid = decode_valid(raw_valid)
                provenance = self._provenance(raw_provenance) if raw_provenance else NO_PROVENANCE
            except Exception:  # noqa: BLE001 -- decode_raw decodes it, or raises its error
                append(self.decode_raw(row))
                continue
            # The id as id_from_bytes makes it, without the call.
            record_id = _new(uuid.UUID)
            _set(record_id, "int", int.from_bytes(raw_id))
            _set(record_id, "is_safe", _SAFE_UNKNOWN)
            # Positional: a third cheaper than by keyword, in the order Record declares.
            append(
                Record(
                    position, record_id, known_at, event, valid, subject, provenance, digest.hex()
                )
            )
        return decoded

    def body_reader(self, name: str) -> Callable[[str], _PlainBody | None] | None:
        """The fast reader of bodies of type ``name`` (see :meth:`decode_rows`); None where none.

        It returns the event, the valid time as stored and the provenance as
        stored, or None (or raises) for a body :meth:`decode_raw` must read.
        """
        fast = self._plain_types()
        if fast is None:
            return None
        reader = fast.get(name, _UNSEEN)
        if reader is _UNSEEN:
            reader = fast[name] = self._plain_type(name)
        return reader  # type: ignore[no-any-return]

    def fields_reader(self, name: str) -> Callable[[str], _PlainBody | None] | None:
        """:meth:`body_reader`, but giving an object with the event's field values, not the event.

        For a class whose instances hold just the values they are given (no
        validator, converter or post-init), that is the decoded data, and no
        event is made; for others, the event.
        """
        if self._plain_types() is None:
            return None
        return self._plain_type(name, make=False)

    def read_valid(self, text: str) -> ValidTime:
        """A valid time stored as text, read as :meth:`decode_rows` reads it."""
        return read_edtf(text, FLOATING, None)

    def check_provenance(self, raw: object) -> None:
        """Raise where :meth:`decode_rows` would not read ``raw`` as a record's provenance."""
        self._provenance(raw)

    def _plain_types(self) -> dict[str, Any] | None:
        """Per type name, its fast structurer (None where it has none), for today's hooks."""
        generation = getattr(self.converter, "generation", None)
        if generation is None or not UUID_SLOTTED:
            return None
        if self._plain[0] != generation:
            self._plain = (generation, {})
        return self._plain[1]

    def _plain_type(
        self, name: str, *, make: bool = True
    ) -> Callable[[str], _PlainBody | None] | None:
        """The fast reader of bodies of type ``name``; None where it has none.

        Without ``make``, it may give the decoded data in place of the event
        where that holds the very values (see :meth:`fields_reader`).
        """
        try:
            entry = self.registry.lookup(name)
        except UnknownEventTypeError:
            return None
        checks = _structure_checks(self.converter, entry.cls, _strict_hooks())
        if checks is None:
            return None
        if all(required for _, _, required in checks):
            made = make or not _bare(entry.cls)
            return _typed_reader(entry.cls, checks, entry.version, make=made)
        structure = self._structurer(entry.cls)
        if structure is None or entry.version != 1:
            return None
        return functools.partial(_plain_body, structure)

    def _decode(  # noqa: PLR0917 -- a record's parts, in order
        self,
        position: int,
        record_id: uuid.UUID,
        known_text: str,
        name: str,
        subject: str | None,
        text: str,
        digest: str,
    ) -> Record:
        try:
            body = _decode_body(text)
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
        event = self.decode_event(name, version, body["data"], position=position)
        try:
            raw_valid, raw_provenance = body["valid"], body.get("provenance", {})
            # Fast paths for the common forms: a plain EDTF string, no provenance.
            valid = parse_edtf(raw_valid) if type(raw_valid) is str else decode_valid(raw_valid)
            provenance = NO_PROVENANCE if raw_provenance == {} else self._provenance(raw_provenance)
            known_at = parse_known_at(known_text)
        except InvalidValidTimeError as error:
            raise RecordDecodeError(position, f"valid time: {error}") from None
        except cattrs.BaseValidationError as error:
            raise RecordDecodeError(position, structure_problems(error, "provenance")) from None
        except (TypeError, ValueError) as error:
            raise RecordDecodeError(position, str(error)) from None
        return Record(position, record_id, known_at, event, valid, subject, provenance, digest)

    def _provenance(self, raw: object) -> Provenance:
        if type(raw) is not dict:
            raise TypeError(f"provenance must be an object, not {raw!r}")
        if "rule" in raw:  # a date derived from words: its rule read apart, as rule_json wrote it
            rest = {key: value for key, value in raw.items() if key != "rule"}
            return attrs.evolve(self._provenance(rest), rule=rule_from_json(raw["rule"]))
        fast = self._structurer(Provenance)
        if fast is not None and type(raw) is dict:
            made = fast(raw)
            if made is not None:
                return made  # type: ignore[no-any-return]
        return self.converter.structure(raw, Provenance)
