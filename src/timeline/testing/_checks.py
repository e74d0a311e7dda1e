"""The laws one process can check, each on one history.

Determinism, incremental catch-up, snapshot and tail, the known-time prefix,
append order, retraction and resume: what design.md asks of every projection.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import TimelineWarning
from timeline._events import Registry
from timeline._log import Log
from timeline._projection import View, replay
from timeline.stores import MemoryStore, copy
from timeline.time import LATEST

from ._law_kinds import Factory, Runner, StoreFactory, _broken, _everything, _law, _play
from ._schedules import Schedule, play

if TYPE_CHECKING:
    from timeline._records import Record


def check_determinism(
    factory: Factory,
    schedule: Schedule,
    *,
    registry: Registry | None = None,
    store: StoreFactory | None = None,
) -> None:
    """The same records give the same state, however often and from whichever copy.

    The history is played once; the state is computed twice from that log and
    once from an exact copy of it (same ids, positions and known times).
    """
    with _law("determinism", schedule):
        log = _play(schedule, registry, store)
        first = _everything(factory, log)
        second = _everything(factory, log)
        duplicate = Log(MemoryStore(), registry=log.registry)
        copy(log.store, duplicate.store)
        third = _everything(factory, duplicate)
    for other in (second, third):
        if first != other:
            _broken("determinism", "the same records gave two states", schedule, first, other)


def check_incremental(
    factory: Factory,
    schedule: Schedule,
    *,
    registry: Registry | None = None,
    store: StoreFactory | None = None,
) -> None:
    """A view that catches up after every step ends where a full replay does."""
    with _law("incremental", schedule):
        log = _play(Schedule(()), registry, store)
        view = View(factory(), log, checkpoint_every=2)
        for step in schedule:
            play(Schedule((step,)), log=log)
            view.catch_up()
        full = _everything(factory, log)
    if view.state != full:
        _broken(
            "incremental",
            "catching up step by step disagrees with a full replay",
            schedule,
            full,
            view.state,
        )


def check_snapshot(
    factory: Factory,
    schedule: Schedule,
    split: int | None = None,
    *,
    registry: Registry | None = None,
    store: StoreFactory | None = None,
) -> None:
    """A snapshot taken part-way, restored, and caught up equals a full replay.

    Args:
        factory: Makes the projection; it must set ``state_type``.
        schedule: The history.
        split: How many steps come before the snapshot (half by default).
        registry: The registry of the user's event types (the default one if None).
        store: Makes the store to play the history into (memory by default).
    """
    split = len(schedule.steps) // 2 if split is None else split
    with _law("snapshot", schedule):
        log = _play(Schedule(schedule.steps[:split]), registry, store)
        before = View(factory(), log)
        before.catch_up()
        before.save_snapshot()
        play(Schedule(schedule.steps[split:]), log=log)
        with warnings.catch_warnings():
            warnings.simplefilter("error", TimelineWarning)  # an unused snapshot is a failure
            restored = View.from_snapshot(factory(), log)
        restored.catch_up()
        full = _everything(factory, log)
    if restored.state != full:
        _broken(
            "snapshot",
            f"a snapshot after step {split} plus the rest disagrees with a full replay",
            schedule,
            full,
            restored.state,
        )


def check_known_time_prefix(
    factory: Factory,
    schedule: Schedule,
    *,
    registry: Registry | None = None,
    store: StoreFactory | None = None,
) -> None:
    """The state as known at T equals the state of the same log cut at T."""
    with _law("prefix", schedule):
        log = _play(schedule, registry, store)
        for known in sorted({record.known_at for record in log}):
            cut = Log(MemoryStore(), registry=log.registry)
            cut.store.append(
                list(log.store.read(stop=log.last_position_known_by(known) + 1)),
                expected_position=0,
            )
            as_known = _everything(factory, log, known)
            truncated = _everything(factory, cut)
            if as_known != truncated:
                _broken(
                    "prefix",
                    f"the state as known at {known} differs from the log cut there",
                    schedule,
                    truncated,
                    as_known,
                )


def check_append_order(
    factory: Factory,
    schedule: Schedule,
    order: Sequence[int],
    *,
    registry: Registry | None = None,
    store: StoreFactory | None = None,
) -> None:
    """Appending the same events in another order gives the same state at (V=any, T=now).

    Holds only where events have distinct valid-time order keys or the
    handlers of tied events commute, and where the state does not keep
    positions, ids or known times (which another order changes); call it
    where your projection claims it.

    Args:
        factory: Makes the projection.
        schedule: The history; only its appends are used.
        order: A permutation of the appends' indexes.
        registry: The registry of the user's event types (the default one if None).
        store: Makes the stores to play the histories into (memory by default).
    """
    appends = schedule.appends
    shuffled = Schedule(tuple(appends[i] for i in order))
    with _law("order", shuffled):
        original = _everything(factory, _play(Schedule(appends), registry, store))
        other = _everything(factory, _play(shuffled, registry, store))
    if original != other:
        _broken(
            "order",
            f"appending in the order {[i + 1 for i in order]} changed the state",
            shuffled,
            original,
            other,
        )


def _fix(record: Record) -> bool:
    return isinstance(record.event, Retracted | Corrected)


def check_retraction(
    factory: Factory,
    schedule: Schedule,
    *,
    registry: Registry | None = None,
    store: StoreFactory | None = None,
) -> None:
    """A retracted event counts until the retraction is known, and never after.

    The state after the history must equal the fold of the records that
    stand -- the same records, with their own positions and known times,
    computed first, by a projection that never saw the retracted ones. As
    known just before each fix, the state must be that of the log cut there.
    """
    with _law("retraction", schedule):
        log = _play(schedule, registry, store)
        records = list(log)
        hidden = hidden_ids(fixes_of(records))
        standing = [r for r in records if r.id not in hidden and not _fix(r)]
        expected = replay(factory(), standing, valid=LATEST)
        for fix in (r for r in records if _fix(r)):
            earlier = [r for r in records if r.known_at < fix.known_at]
            if not earlier:
                continue
            known = earlier[-1].known_at
            seen = _everything(factory, log, known)
            wanted = replay(factory(), earlier, valid=LATEST)
            if seen != wanted:
                _broken(
                    "retraction",
                    f"as known before the fix at position {fix.position}, the state is not the "
                    "one before it",
                    schedule,
                    wanted,
                    seen,
                )
        got = _everything(factory, log)
    if expected != got:
        _broken(
            "retraction",
            "retracted or corrected events still count, or others were lost",
            schedule,
            expected,
            got,
        )


def check_resume(
    runner: Runner,
    schedule: Schedule,
    split: int | None = None,
    *,
    registry: Registry | None = None,
    store: StoreFactory | None = None,
) -> None:
    """A worker resumed from its saved checkpoint ends where one run from the start does.

    The history's first ``split`` steps are played and the runner runs;
    the rest are played and the runner resumes from its checkpoint. Its
    checkpoint must then equal that of a run over the whole log from
    nothing -- an off-by-one that re-applies or skips a record breaks it.

    Args:
        runner: The user's worker (see :data:`Runner`).
        schedule: The history.
        split: How many steps come before the first run (half by default).
        registry: The registry of the user's event types (the default one if None).
        store: Makes the store to play the history into (memory by default).
    """
    split = len(schedule.steps) // 2 if split is None else split
    with _law("resume", schedule):
        log = _play(Schedule(schedule.steps[:split]), registry, store)
        saved = runner(log, None)
        play(Schedule(schedule.steps[split:]), log=log)
        resumed = runner(log, saved)
        whole = runner(log, None)
    if resumed != whole:
        _broken(
            "resume",
            f"resuming after step {split} disagrees with one run from the start",
            schedule,
            whole,
            resumed,
        )
