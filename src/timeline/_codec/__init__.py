"""The codec: events, valid times and records to JSON and back, and the hash chain.

The layer between events and stores. Its rooms:

- ``_codec``: :class:`Codec`, which encodes an append and decodes a stored record.

The rest of the library, and the tests, import the codec from here alone.
"""

from __future__ import annotations

from ._codec import (
    GENESIS_HASH,
    Codec,
    EncodedRow,
    canonical_json,
    chain_hash,
    decode_valid,
    encode_valid,
    format_known_at,
    known_at_from_micros,
    known_at_micros,
    parse_known_at,
    stored_record,
    structure_problems,
)
from ._codec import _fast_structurer as _fast_structurer
from ._codec import _fast_writer as _fast_writer
from ._codec import _strict_hooks as _strict_hooks

__all__ = [
    "GENESIS_HASH",
    "Codec",
    "EncodedRow",
    "canonical_json",
    "chain_hash",
    "decode_valid",
    "encode_valid",
    "format_known_at",
    "known_at_from_micros",
    "known_at_micros",
    "parse_known_at",
    "stored_record",
    "structure_problems",
]
