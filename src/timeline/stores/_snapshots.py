"""Sealed snapshots: a projection's saved state with the checksum and head it was built at.

A snapshot is a cache beside the log. Before one is used it must show that
its bytes are the ones saved (a SHA-256 of the state) and that the log still
holds, at the snapshot's position, the record it was built on (that
record's hash). Anything else -- a flipped byte, a log cut or rewritten
under it -- means the snapshot is not used and the projection is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

import attrs

from timeline._codec import GENESIS_HASH, canonical_json
from timeline._errors import StoreError
from timeline._records import FIRST_POSITION

if TYPE_CHECKING:
    from timeline.typing import Store

__all__ = [
    "STATE_FORMAT",
    "Digest",
    "Sealed",
    "head_problem",
    "load_sealed",
    "seal",
    "seal_problem",
    "state_problem",
]

_FORMAT = "timeline.snapshot/1"
#: What a saved temporal-facts state's description says it is (2: the checksum
#: covers the description too; 3: qualifiers pad every component they reach,
#: so states saved before hold other bounds and are rebuilt; 6: a spell's
#: digest is of its fact, bounds and records, not its attributes).
STATE_FORMAT = "timeline.facts/6"


def seal(state: str, *, built_on: str) -> str:
    """Wrap ``state`` with its checksum and the hash of the record it was built on."""
    return canonical_json(
        {
            "format": _FORMAT,
            "head": built_on,
            "sha256": hashlib.sha256(state.encode()).hexdigest(),
            "state": state,
        }
    )


@attrs.frozen
class Sealed:
    """A snapshot read back: its position and state, or why it must not be used."""

    name: str
    position: int
    state: str
    problem: str | None = None


def load_sealed(store: Store, name: str) -> Sealed | None:
    """Read snapshot ``name`` and check it against its checksum and the log under it.

    Returns:
        None if there is no such snapshot; otherwise the snapshot, whose
        ``problem`` says why it cannot be used (None when it can).
    """
    try:
        saved = store.load_snapshot(name)
    except StoreError as error:
        return Sealed(name, FIRST_POSITION - 1, "", f"cannot be read: {error}")
    if saved is None:
        return None
    position, text = saved
    opened = _open_seal(text)
    if opened is None:
        return Sealed(name, position, "", "it has no seal (checksum and head): not trusted")
    state, head, digest = opened
    if hashlib.sha256(state.encode()).hexdigest() != digest:
        return Sealed(name, position, state, "its checksum does not match its contents")
    problem = head_problem(store, position, head)
    return Sealed(name, position, state, problem)


def _open_seal(text: str) -> tuple[str, str, str] | None:
    """The state, head hash and checksum of a sealed snapshot; None if it is not sealed."""
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(envelope, dict) or envelope.get("format") != _FORMAT:
        return None
    parts = envelope.get("state"), envelope.get("head"), envelope.get("sha256")
    state, head, digest = parts
    if not (isinstance(state, str) and isinstance(head, str) and isinstance(digest, str)):
        return None
    return state, head, digest


def head_problem(store: Store, position: int, built_on: str) -> str | None:
    """Why a state built on ``built_on`` at ``position`` does not fit the log; None if it does."""
    if position < FIRST_POSITION:
        return None if built_on == GENESIS_HASH else "it was built on another, empty log"
    try:
        found = next(iter(store.read(position, stop=position + 1)), None)
    except StoreError as error:
        return f"the log under it cannot be read: {error}"
    if found is None:
        return f"it was built at position {position}, past the end of the log"
    if found.hash != built_on:
        return (
            f"the log's record at position {position} is not the one it was built on "
            "(the log was rewritten or replaced under it)"
        )
    return None


def state_problem(store: Store, position: int, meta: object, parts: Iterable[bytes]) -> str | None:
    """Why a saved projection state must not be used; None if its seal holds.

    ``meta`` is its description, read from JSON: it must name the SHA-256
    of its ``parts``, end to end, followed by the rest of the description as
    canonical JSON, and the hash of the record at ``position`` it was built on.
    """
    checksum = hashlib.sha256()
    for part in parts:
        checksum.update(part)
    return seal_problem(store, position, meta, checksum)


class Digest(Protocol):
    """A running hash, as ``hashlib`` makes them."""

    def copy(self) -> Digest:
        """Return a copy, to go on without changing this one."""
        ...

    def update(self, data: bytes, /) -> None:
        """Hash ``data`` next."""
        ...

    def hexdigest(self) -> str:
        """Return the hash so far, in hex."""
        ...


def seal_problem(store: Store, position: int, meta: object, parts: Digest) -> str | None:
    """:func:`state_problem`, given the SHA-256 of the parts already (it is not changed)."""
    if not isinstance(meta, dict):
        return "its description cannot be read"
    if meta.get("format") != STATE_FORMAT:
        return "it was written by another version of the library"
    digest, head = meta.get("sha256"), meta.get("head")
    if not (isinstance(digest, str) and isinstance(head, str)):
        return "it has no seal (checksum and head): not trusted"
    if meta.get("position") != position:
        return "its description and its position disagree"
    checksum = parts.copy()
    checksum.update(canonical_json({k: v for k, v in meta.items() if k != "sha256"}).encode())
    if checksum.hexdigest() != digest:
        return "its checksum does not match its contents"
    return head_problem(store, position, head)
