"""JSON as the log writes it: canonical (sorted keys, no spaces), and read back fast.

Hashes are taken over canonical JSON, so the same event always hashes the same;
reading uses msgspec where the text came from the library itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import msgspec


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
    except (msgspec.MsgspecError, UnicodeEncodeError):  # a lone surrogate written as it is
        return _decode_json(text)
