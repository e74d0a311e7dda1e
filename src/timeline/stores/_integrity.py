"""Integrity: verifying a store's hash chain, and copying logs between stores."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import attrs

from timeline._codec import GENESIS_HASH, Codec, chain_hash
from timeline._corrections import fixes_of, hidden_ids
from timeline._errors import CorruptStoreError, RecordDecodeError, StoreError
from timeline._logger import logger
from timeline._records import FIRST_POSITION, Head, Pin, StoredRecord
from timeline.typing import StateStore

from ._snapshots import load_sealed, state_problem

if TYPE_CHECKING:
    from collections.abc import Iterable

    from timeline._events import Registry
    from timeline.typing import Store

__all__ = ["Problem", "ProblemKind", "Verification", "copy", "repair", "verify"]


#: What :func:`verify` can find: a broken hash chain or unreadable record
#: ("chain"); with a pin, a log that ends before it ("cut"), another record at
#: its position ("rewritten"), records after it ("appended"); the store's own
#: structures ("structure": SQLite's pages and indexes, a JSON Lines file's
#: unfinished tail); a snapshot that must not be used ("snapshot"); with a
#: registry, a record intact in the chain that cannot be read as its type
#: ("record").
ProblemKind = Literal["chain", "cut", "rewritten", "appended", "structure", "snapshot", "record"]


@attrs.frozen
class Problem:
    """One thing :func:`verify` found wrong.

    Attributes:
        kind: Which check found it (see :data:`ProblemKind`).
        message: What is wrong, in words, with where.
        position: The record it concerns, when there is one.
    """

    kind: ProblemKind
    message: str
    position: int | None = None

    def __str__(self) -> str:
        where = "" if self.position is None else f" at position {self.position}"
        return f"{self.kind}{where}: {self.message}"


@attrs.frozen
class Verification:
    """What :func:`verify` found.

    Attributes:
        records: How many records were read.
        problems: Everything found wrong, in the order checked; empty when all is well.
        head: The last record read (None for an empty or unreadable log).
    """

    records: int
    problems: tuple[Problem, ...] = ()
    head: Head | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def first_bad(self) -> int | None:
        """The position of the first record that breaks the chain; None if none does."""
        return next((p.position for p in self.problems if p.kind == "chain"), None)

    @property
    def problem(self) -> str | None:
        """The first problem, in words; None if there is none."""
        return self.problems[0].message if self.problems else None

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.records} records, hash chain intact"
        return "\n".join(str(problem) for problem in self.problems)


def _check(records: Iterable[StoredRecord]) -> Iterable[tuple[StoredRecord, str | None]]:
    previous_hash, expected, previous_known = GENESIS_HASH, FIRST_POSITION, ""
    for record in records:
        problem = None
        if record.position != expected:
            problem = f"position {record.position} where {expected} was expected"
        elif record.known_at < previous_known:
            problem = f"known time {record.known_at} is earlier than the previous record's"
        elif chain_hash(previous_hash, record) != record.hash:
            problem = "hash does not match its contents and the record before: altered or corrupt"
        yield record, problem
        previous_hash, expected, previous_known = record.hash, expected + 1, record.known_at


def verify(
    store: Store,
    *,
    pin: Pin | str | None = None,
    allow_appended: bool = False,
    registry: Registry | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Verification:
    """Check everything in ``store`` that can give an answer, and report; never repair.

    - every record: contiguous positions, ordered known times, the hash
      chain (any change to a stored record's bytes -- its event, valid time,
      provenance, known time, subject, type or id -- breaks its hash, or the
      chain at the next record);
    - with ``pin`` (a :class:`~timeline.Pin` or its token): that the log
      still holds the pinned record, so a cut tail, a rewritten chain and
      records appended after the pin are found and told apart;
    - the store's own structures, where it has a ``check_structure()``
      method (SQLite's integrity check covers its indexes);
    - every snapshot: its checksum, and the record it was built on;
    - with ``registry``: that every record of a type it holds decodes as
      that type (one problem per record that does not, with its position,
      type and reason), unless a retraction or correction has fixed it.
      Records of types the registry does not hold are not checked.

    A damaged or unreadable store is reported, not raised.

    Args:
        store: The store to check.
        pin: A head saved earlier.
        allow_appended: Records after ``pin`` are expected (the log has grown
            since) rather than reported.
        registry: The event types to decode records with.
        progress: Called as ``progress(checked, total)`` every thousand
            records read (``total``: the store's last position when the check
            began), and once at the end of the records; the store's own
            structures and snapshots are checked after that.

    >>> from timeline.stores import MemoryStore
    >>> str(verify(MemoryStore()))
    'ok: 0 records, hash chain intact'
    """
    pinned = Pin.parse(pin) if isinstance(pin, str) else pin
    decoding = None if registry is None else _Decoding(registry)
    problems, count, last, at_pin = _chain_problems(store, pinned, decoding, progress)
    head = None if last is None else Head(last.position, last.known_at, last.hash)
    if pinned is not None:
        problems.extend(_against_pin(pinned, head, at_pin, allow_appended=allow_appended))
    if decoding is not None:
        problems.extend(decoding.problems())
    problems.extend(_structure(store))
    problems.extend(_snapshots(store))
    problems.extend(_states(store))
    return Verification(count, tuple(problems), head)


def _chain_problems(
    store: Store,
    pinned: Pin | None,
    decoding: _Decoding | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[Problem], int, StoredRecord | None, str | None]:
    """Read every record once; return the chain's first problem, the count and the last record.

    Also the hash at the pinned position; each record is decoded on the way
    where ``decoding`` says.
    """
    problems: list[Problem] = []
    count, last, at_pin = 0, None, None
    total = _last_position(store) if progress is not None else 0
    try:
        for record, problem in _check(store.read()):
            if progress is not None and count % 1000 == 0:
                progress(count, max(total, count))
            if problem is not None and not any(p.kind == "chain" for p in problems):
                problems.append(Problem("chain", problem, record.position))
            if pinned is not None and record.position == pinned.position:
                at_pin = record.hash
            if decoding is not None:
                decoding.check(record)
            count, last = count + 1, record
    except CorruptStoreError as error:
        where = count + 1 if error.position is None else error.position
        problems.append(Problem("chain", str(error), where))
    except Exception as error:  # noqa: BLE001 -- verify reports a damaged store, whatever broke
        problems.append(Problem("chain", f"cannot read record {count + 1}: {error}", count + 1))
    if progress is not None:
        progress(count, max(total, count))
    return problems, count, last, at_pin


def _last_position(store: Store) -> int:
    """The store's last position, for a progress total; 0 where even that cannot be read."""
    try:
        head = store.head()
    except Exception:  # noqa: BLE001 -- verify reports a damaged store; its total is a guess
        return 0
    return 0 if head is None else head.position


class _Decoding:
    """Decodes each record of a known type on the way; says which could not be, at the end."""

    def __init__(self, registry: Registry) -> None:
        self._codec = Codec(registry)
        self._fixes: list[tuple[uuid.UUID, uuid.UUID]] = []
        self._failed: list[tuple[uuid.UUID, StoredRecord, str]] = []

    def check(self, record: StoredRecord) -> None:
        if record.type not in self._codec.registry:
            return
        try:
            decoded = self._codec.decode(record)
        except RecordDecodeError as error:
            self._failed.append((uuid.UUID(record.id), record, error.problem))
            return
        self._fixes.extend(fixes_of([decoded]))

    def problems(self) -> list[Problem]:
        hidden = hidden_ids(self._fixes)
        return [
            Problem(
                "record",
                f"a {record.type} record that cannot be read: {problem}; retract it "
                f"(log.retract({record.position})) so readers pass over it",
                record.position,
            )
            for record_id, record, problem in self._failed
            if record_id not in hidden
        ]


def _against_pin(
    pin: Pin, head: Head | None, at_pin: str | None, *, allow_appended: bool
) -> list[Problem]:
    last = FIRST_POSITION - 1 if head is None else head.position
    if pin.position > last:
        return [
            Problem(
                "cut",
                f"the log ends at position {last}, before the pinned head at {pin.position}: "
                "records were removed",
                last + 1,
            )
        ]
    pinned_hash = GENESIS_HASH if pin.position < FIRST_POSITION else at_pin
    if pinned_hash is None or not pin.matches(pinned_hash):
        return [
            Problem(
                "rewritten",
                f"the record at the pinned position {pin.position} is not the pinned one: "
                "the chain was rewritten up to there",
                pin.position,
            )
        ]
    if last > pin.position and not allow_appended:
        return [
            Problem(
                "appended",
                f"{last - pin.position} records after the pinned head (positions "
                f"{pin.position + 1}-{last}): forged, or appended since the pin was taken",
                pin.position + 1,
            )
        ]
    return []


def _structure(store: Store) -> list[Problem]:
    check: Callable[[], list[str]] | None = getattr(store, "check_structure", None)
    if check is None:
        return []
    return [Problem("structure", problem) for problem in check()]


def _snapshots(store: Store) -> list[Problem]:
    try:
        names = store.snapshot_names()
    except Exception as error:  # noqa: BLE001 -- reported, like any damage
        return [Problem("snapshot", f"snapshots cannot be listed: {error}")]
    problems = []
    for name in names:
        sealed = load_sealed(store, name)
        if sealed is not None and sealed.problem is not None:
            problems.append(
                Problem(
                    "snapshot",
                    f"snapshot {name!r} (position {sealed.position}) will not be used: "
                    f"{sealed.problem}",
                    sealed.position,
                )
            )
    return problems


def _states(store: Store) -> list[Problem]:
    if not isinstance(store, StateStore):
        return []
    problems = []
    try:
        for name in store.state_names():
            found = store.load_state(name)
            if found is None:
                continue
            position, text, parts = found
            try:
                meta = json.loads(text)
            except ValueError:
                meta = None
            problem = state_problem(store, position, meta, parts) or _companions_problem(
                store, meta
            )
            if problem is not None:
                problems.append(
                    Problem(
                        "snapshot",
                        f"saved state {name!r} (position {position}) will not be used: {problem}",
                        position,
                    )
                )
    except Exception as error:  # noqa: BLE001 -- reported, like any damage
        problems.append(Problem("snapshot", f"saved states cannot be read: {error}"))
    return problems


def _companions_problem(store: StateStore, meta: object) -> str | None:
    """Why the states saved beside a state (its ``companions``: name, checksum) do not match it."""
    companions = meta.get("companions") if isinstance(meta, dict) else None
    for name, digest in (companions or {}).items():
        found = store.load_state(name)
        if found is None:
            return f"the state saved beside it, {name!r}, is missing"
        try:
            theirs = json.loads(found[1]).get("sha256")
        except (ValueError, AttributeError):
            theirs = None
        if theirs != digest:
            return f"the state saved beside it, {name!r}, is another (saved again since?)"
    return None


def repair(store: Store) -> str | None:
    """Repair what a store can repair itself, keeping anything it cuts; say what was done.

    A JSON Lines store moves an unfinished batch at its end to a side file;
    a SQLite store rebuilds damaged indexes from its tables. A broken hash
    chain is never "repaired": it is evidence, and :func:`verify` reports it.

    Returns:
        What was done, in words; None when there was nothing to do.

    Raises:
        CorruptStoreError: The damage is beyond what the store can repair.
    """
    mend: Callable[[], str | None] | None = getattr(store, "repair", None)
    said = None if mend is None else mend()
    if said is not None:
        logger.warning("repaired: %s", said)
    return said


def copy(
    source: Store,
    target: Store,
    *,
    batch: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Copy every record of ``source`` into the empty ``target``, unchanged.

    Positions, ids, known times and hashes are kept, so the copy verifies
    exactly as the original. The chain is checked on the way.

    Args:
        source: The store to copy.
        target: An empty store.
        batch: Records per append (each is atomic).
        progress: Called as ``progress(copied, total)`` after each batch.

    Returns:
        How many records were copied.

    Raises:
        StoreError: ``target`` is not empty, or ``source`` fails verification
            (nothing past the bad record is copied).
    """
    if target.head() is not None:
        raise StoreError("copy() needs an empty target store")
    head = source.head()
    total = 0 if head is None else head.position
    pending: list[StoredRecord] = []
    copied = 0
    for record, problem in _check(source.read()):
        if problem is not None:
            raise StoreError(f"source record at position {record.position}: {problem}")
        pending.append(record)
        if len(pending) >= batch:
            target.append(pending, expected_position=copied)
            copied += len(pending)
            pending = []
            if progress is not None:
                progress(copied, total)
    if pending:
        target.append(pending, expected_position=copied)
        copied += len(pending)
    if progress is not None:
        progress(copied, total)
    return copied
