"""Record ids: random UUIDs made, read and written at the rate records are.

:class:`uuid.UUID` checks its arguments in Python on every construction,
which cost a tenth of an append and of a read. The ids here are made the way
``UUID.__init__`` itself ends -- by setting its two slots -- from values that
need no checking: 128 random bits with the version 4 and variant bits set, or
16 bytes read back from a store. The results are ordinary ``uuid.UUID``
objects, equal to and hashing as those ``uuid.UUID(bytes=...)`` makes.
"""

from __future__ import annotations

import os
import uuid
from typing import Final

__all__ = ["UUID_SLOTTED", "id_from_bytes", "id_text_of_bytes", "random_ids"]

# Version 4 (random) and the RFC 4122 variant, as uuid.UUID(..., version=4) sets them.
_CLEAR: Final = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4: Final = (0x4000 << 64) | (0x8000 << 48)

_new = object.__new__
_set = object.__setattr__
_UNKNOWN: Final = uuid.SafeUUID.unknown
#: Whether this Python's UUID is the slotted class this relies on; where it is
#: not, the public constructor is used instead (slower, the same values).
UUID_SLOTTED: Final = {"int", "is_safe"} <= set(getattr(uuid.UUID, "__slots__", ()))


def _made(value: int) -> uuid.UUID:
    if not UUID_SLOTTED:  # pragma: no cover -- every CPython from 3.8 to 3.14 has the slots
        return uuid.UUID(int=value)
    made: uuid.UUID = _new(uuid.UUID)
    _set(made, "int", value)
    _set(made, "is_safe", _UNKNOWN)
    return made


def random_ids(count: int) -> list[uuid.UUID]:
    """Return ``count`` new random (version 4) UUIDs, from one read of the system's randomness.

    >>> [made.version for made in random_ids(2)]
    [4, 4]
    """
    randomness = os.urandom(16 * count)
    return [
        _made(int.from_bytes(randomness[at : at + 16]) & _CLEAR | _VERSION_4)
        for at in range(0, 16 * count, 16)
    ]


def id_from_bytes(raw: bytes) -> uuid.UUID:
    """Return the UUID whose 16 bytes (big-endian, as ``UUID.bytes``) are ``raw``.

    Raises:
        ValueError: ``raw`` is not 16 bytes long.
    """
    if len(raw) != 16:
        raise ValueError(f"a UUID is 16 bytes, not {len(raw)}")
    return _made(int.from_bytes(raw))


def id_text_of_bytes(raw: bytes) -> str:
    """Return the canonical text of the UUID whose 16 bytes are ``raw``."""
    digits = raw.hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
