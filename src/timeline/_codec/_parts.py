"""A record's parts as JSON: its valid time and its provenance.

Valid times are written as EDTF text where that says everything, and as an
object where a zone, a phrase or a derived rule must be kept too.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import attrs

from timeline._errors import InvalidEventError, InvalidValidTimeError
from timeline._records import Provenance
from timeline._words._rule import rule_json
from timeline.time import (
    FLOATING,
    DateRange,
    DateSet,
    End,
    Interval,
    Moment,
    ValidTime,
    parse_edtf,
    zones_of,
)

from ._json import canonical_json
from ._problems import _given


def encode_valid(value: ValidTime) -> str | dict[str, Any]:
    """Encode a valid time: its EDTF, plus its zone and phrase when it has them.

    >>> encode_valid(Moment.parse("2023-09"))
    '2023-09'
    >>> encode_valid(Moment.parse("2017-12-22", tz="America/New_York"))
    {'edtf': '2017-12-22', 'tz': 'America/New_York'}
    """
    from timeline.time import format_edtf  # noqa: PLC0415 -- keeps _edtf free of codec imports

    zones = zones_of(value)
    encoded: dict[str, Any]
    if len(zones) == 1:
        encoded = {"edtf": format_edtf(value, offset=False)}
        (zone,) = zones
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
