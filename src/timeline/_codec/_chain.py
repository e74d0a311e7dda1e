"""The hash chain: each record's hash covers its fields and the hash before it.

A stored record's seven fields are hashed in a fixed order with the previous
record's hash; :data:`GENESIS_HASH` starts the chain. ``verify`` and pins walk it.
"""

from __future__ import annotations

import hashlib
from typing import Final

from timeline._ids import id_text_of_bytes
from timeline._records import StoredRecord

from ._json import _json_string

#: A record encoded for a store to write: position, id (16 bytes), known time,
#: type, subject, body and hash -- a StoredRecord's fields, the id as bytes.
EncodedRow = tuple[int, bytes, str, str, str | None, str, str]


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


def subject_json(subject: str | None) -> str:
    """A record's subject as its hash takes it: ``null``, or a JSON string."""
    return "null" if subject is None else _json_string(subject)


def _hash(  # noqa: PLR0917 -- the seven hashed fields, in hashing order
    previous: str,
    position: int,
    record_id: str,
    known_at: str,
    type_name: str,
    subject: str | None,
    body: str,
) -> str:
    fields = (previous, str(position), record_id, known_at, type_name, subject_json(subject), body)
    return hashlib.sha256("\n".join(fields).encode()).hexdigest()
