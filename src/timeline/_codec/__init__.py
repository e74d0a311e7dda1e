"""The codec: events, valid times and records to JSON and back, and the hash chain.

The layer between events and stores. Its rooms:

- ``_json``: canonical JSON, and JSON read back fast;
- ``_chain``: the hash chain over stored records;
- ``_known``: known times and datetimes as text;
- ``_problems``: what is wrong with an event, said so a person can fix it;
- ``_parts``: a record's valid time and provenance as JSON;
- ``_convert``: the strict cattrs converter and the fast paths it compiles;
- ``_readers``: events made straight from a stored body, for plain classes;
- ``_codec``: :class:`Codec`, which checks and encodes an append and decodes a stored
  record (an append is read back and compared before anything is written).

The rest of the library, and the tests, import the codec from here alone.
"""

from __future__ import annotations

from ._chain import GENESIS_HASH, EncodedRow, chain_hash, stored_record, subject_json
from ._codec import Codec, PreparedRow
from ._convert import _fast_structurer as _fast_structurer
from ._convert import _fast_writer as _fast_writer
from ._convert import _strict_hooks as _strict_hooks
from ._json import canonical_json
from ._known import format_known_at, known_at_from_micros, known_at_micros, parse_known_at
from ._parts import decode_valid, encode_valid
from ._problems import structure_problems

__all__ = [
    "GENESIS_HASH",
    "Codec",
    "EncodedRow",
    "PreparedRow",
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
    "subject_json",
]
