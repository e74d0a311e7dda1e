"""Law checks: what every projection must obey, checked on the user's own projection.

Every law compares like with like: both sides are computed from the *same*
records -- the same ids, positions and known times -- so a projection may read
any field of a record without a false alarm.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import attrs
import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import TimelineWarning
from timeline._events import Registry, default_registry
from timeline._log import Log
from timeline._projection import Projection, View, project, replay
from timeline.stores import JsonLinesStore, MemoryStore, copy
from timeline.time import LATEST

from ._schedules import Append, Schedule, play, schedules

if TYPE_CHECKING:
    from timeline._records import Record
    from timeline.typing import Store

__all__ = [
    "LAWS",
    "BrokenLawError",
    "LawSkippedWarning",
    "Runner",
    "check_append_order",
    "check_determinism",
    "check_fresh_interpreter",
    "check_incremental",
    "check_known_time_prefix",
    "check_laws",
    "check_resume",
    "check_retraction",
    "check_snapshot",
]

Factory = Callable[[], Projection[Any]]
#: A resumable worker of the user's: given the log and the checkpoint it saved
#: last (None the first time), it folds what it has not seen yet and returns its
#: new checkpoint. Checkpoints must compare equal when the work done is the same.
Runner = Callable[[Log, Any], Any]
StoreFactory = Callable[[], "Store"]
Law = Literal[
    "determinism", "incremental", "snapshot", "prefix", "order", "retraction", "fresh", "resume"
]
#: Every law :func:`check_laws` knows, by name.
LAWS: tuple[Law, ...] = (
    "determinism",
    "incremental",
    "snapshot",
    "prefix",
    "order",
    "retraction",
    "fresh",
    "resume",
)
_DEFAULT_LAWS: tuple[Law, ...] = (
    "determinism",
    "incremental",
    "snapshot",
    "prefix",
    "retraction",
    "fresh",
)


class BrokenLawError(AssertionError):
    """A projection broke a law.

    Attributes:
        law: The law's key, one of :data:`LAWS` (``"retraction"``).
        problem: What went wrong, in words.
        schedule: The history it went wrong on (shrunk by hypothesis when
            found by :func:`check_laws`); ``str()`` gives it in plain words.
        expected: The state the law expects.
        got: The state the projection gave.

    When the projection raised, the exception is chained (``__cause__``).
    """

    def __init__(
        self, law: Law, problem: str, schedule: Schedule, expected: object, got: object
    ) -> None:
        self.law = law
        self.problem = problem
        self.schedule = schedule
        self.expected = expected
        self.got = got
        super().__init__(
            f"the {law} law is broken: {problem}\nhistory:\n{schedule}\n"
            f"expected state: {expected!r}\nbut got:        {got!r}"
        )


class LawSkippedWarning(TimelineWarning):
    """A law could not be checked (for instance, the projection cannot be imported elsewhere)."""


@contextlib.contextmanager
def _law(law: Law, schedule: Schedule) -> Iterator[None]:
    """Report whatever the projection raises as the law's failure, with the history."""
    try:
        yield
    except BrokenLawError:
        raise
    except Exception as error:
        raise BrokenLawError(
            law, f"it raised {type(error).__name__}: {error}", schedule, "a state", "an exception"
        ) from error


def _broken(law: Law, problem: str, schedule: Schedule, expected: object, got: object) -> NoReturn:
    raise BrokenLawError(law, problem, schedule, expected, got)


def _everything(factory: Factory, log: Log, known: dt.datetime | None = None) -> object:
    return project(factory(), log, valid=LATEST, known=known)


def _play(schedule: Schedule, registry: Registry | None, store: StoreFactory | None = None) -> Log:
    return play(schedule, registry=registry, store=None if store is None else store())


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


# -- another interpreter ----------------------------------------------------------------------

_CHILD = """
import importlib, json, sys
from timeline import Log
from timeline.stores import JsonLinesStore
from timeline.testing._laws import _comparable, _everything, _resolve
factory, registry = _resolve(sys.argv[1]), _resolve(sys.argv[2])
log = Log(JsonLinesStore(sys.argv[3], read_only=True), registry=registry)
print(_comparable(_everything(factory, log), log))
"""


def _resolve(path: str) -> Any:  # noqa: ANN401 -- whatever the user named
    module, _, name = path.partition(":")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def _import_path(value: object) -> str | None:
    """Where ``value`` can be imported from in another interpreter; None if it cannot."""
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    if not module or not name or "<" in name or module == "__main__":
        return None
    try:
        return f"{module}:{name}" if _resolve(f"{module}:{name}") is value else None
    except (ImportError, AttributeError):
        return None


def _registry_path(registry: Registry | None, factory: object) -> str | None:
    chosen = default_registry if registry is None else registry
    for module_name in (getattr(factory, "__module__", None), "timeline._events"):
        module = sys.modules.get(module_name or "")
        for name, value in vars(module or object()).items():
            if value is chosen:
                return f"{module_name}:{name}"
    return None


def _comparable(state: object, log: Log) -> str:
    """A state as canonical text: sets sorted, so only real differences show."""
    plain = log.codec.converter.unstructure(state)

    def tidy(value: object) -> object:
        if isinstance(value, dict):
            pairs = [(json.dumps(tidy(k), sort_keys=True), tidy(v)) for k, v in value.items()]
            return sorted(pairs)
        if isinstance(value, set | frozenset):
            return sorted((tidy(item) for item in value), key=lambda i: json.dumps(i, default=repr))
        if isinstance(value, list | tuple):
            return [tidy(item) for item in value]
        if isinstance(value, float):
            return repr(value)
        if value is None or isinstance(value, bool | int | str):
            return value
        return repr(value)

    return json.dumps(tidy(plain), default=repr)


def check_fresh_interpreter(
    factory: Factory,
    schedule: Schedule,
    *,
    registry: Registry | None = None,
    hash_seed: int = 1,
) -> None:
    """The state is the same in a fresh interpreter, with another hash seed.

    Catches what no law inside one process can: module-level state (a memo
    that corrections never reach, a cache filled by earlier histories) and
    set or dict orders that depend on ``PYTHONHASHSEED``. The projection
    and its registry must be importable (defined at module level).

    Raises:
        BrokenLawError: The states differ.
        TypeError: The projection or the registry cannot be imported elsewhere.
    """
    where, registry_at = _import_path(factory), _registry_path(registry, factory)
    if where is None or registry_at is None:
        raise TypeError(
            f"{factory!r} and its registry must be importable (module-level names in an "
            "importable module) to be checked in another interpreter"
        )
    with _law("fresh", schedule):
        log = play(schedule, registry=registry)
        here = _comparable(_everything(factory, log), log)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        copy(log.store, JsonLinesStore(path))
        done = subprocess.run(  # noqa: S603 -- this interpreter, on our own script
            [sys.executable, "-c", _CHILD, where, registry_at, str(path)],
            capture_output=True,
            text=True,
            check=False,
            # The child imports what this process imports, from the same places.
            env={
                **os.environ,
                "PYTHONHASHSEED": str(hash_seed),
                "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            },
            timeout=300,
        )
    if done.returncode != 0:
        _broken(
            "fresh",
            f"in a fresh interpreter it failed: {done.stderr.strip().splitlines()[-1:]}",
            schedule,
            here,
            "an error",
        )
    there = done.stdout.strip()
    if here != there:
        _broken(
            "fresh",
            f"a fresh interpreter (PYTHONHASHSEED={hash_seed}) gave another state: module-level "
            "state, or an order that depends on hashing",
            schedule,
            there,
            here,
        )


def _first_broken(error: BaseException) -> BrokenLawError | None:
    """The first BrokenLawError in ``error`` or in the groups it holds."""
    if isinstance(error, BrokenLawError):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _first_broken(inner)
        if found is not None:
            return found
    return None


def _no_projection() -> Projection[Any]:
    raise AssertionError("no projection was given")  # pragma: no cover -- laws checked above


@attrs.define
class _Kept:
    """The histories kept for the fresh-interpreter law: the richest ones seen."""

    limit: int
    kept: list[tuple[tuple[int, int, int], Schedule]] = attrs.field(factory=list)

    def offer(self, schedule: Schedule) -> None:
        # Rich: the most distinct events (hash orders need several), then
        # fixes that fix something, then the most records appended.
        appended = fixes = 0
        for step in schedule:
            if isinstance(step, Append):
                appended += 1
            elif appended:
                fixes += 1
        distinct = len({repr(step.event) for step in schedule.appends})
        self.kept.append(((distinct, min(fixes, 1), appended), schedule))
        self.kept.sort(key=lambda pair: pair[0], reverse=True)
        del self.kept[self.limit :]


def check_laws(  # noqa: C901, PLR0915 -- one branch per law
    factory: Factory | None,
    events: st.SearchStrategy[Any],
    *,
    laws: Sequence[Law] | None = None,
    valid: st.SearchStrategy[Any] | None = None,
    max_examples: int | None = None,
    registry: Registry | None = None,
    runner: Runner | None = None,
    store: StoreFactory | None = None,
    settings: hypothesis.settings | None = None,
    seed: int | None = None,
    fresh_runs: int = 3,
) -> None:
    """Check ``laws`` on histories built from ``events``, with hypothesis.

    Every failure raises :class:`BrokenLawError` -- never a group of them --
    for the smallest history hypothesis finds, in plain words, with the law's
    key in ``law``; when the projection itself raised, that exception is
    chained. Histories are biased towards events tied on valid time, where
    order bugs hide.

    By default the laws are determinism, incremental, snapshot, prefix,
    retraction and fresh (another interpreter, another hash seed: run on the
    ``fresh_runs`` richest histories after the others pass, when the
    projection is importable; otherwise skipped with a
    :class:`LawSkippedWarning`). Add ``"order"`` where the projection should
    not depend on the order of appends, and give ``runner`` to check
    ``"resume"``.

    Args:
        factory: Makes a fresh projection (the class itself will do); None
            to check only a ``runner``.
        events: The user's events.
        laws: Which laws to check; see :data:`LAWS`.
        valid: Valid times for the events (a pool of imprecise dates by default).
        max_examples: Histories to try; the active hypothesis profile's by default.
        registry: The registry of the user's event types (the default one if None).
        runner: The user's resumable worker, for the ``"resume"`` law.
        store: Makes the store each history is played into (a fresh memory
            store by default); e.g. the ``timeline_store_factory`` fixture.
        settings: Hypothesis settings to run with (the active profile's by default).
        seed: Hypothesis's random seed, to repeat a run.
        fresh_runs: How many histories the fresh-interpreter law runs on.

    Raises:
        BrokenLawError: A law is broken.
        ValueError: An unknown law, or a law without what it needs.
    """
    chosen: tuple[Law, ...] = (
        tuple(laws) if laws is not None else _DEFAULT_LAWS + (("resume",) if runner else ())
    )
    unknown = set(chosen) - set(LAWS)
    if unknown:
        raise ValueError(f"unknown laws {sorted(unknown)}; known: {LAWS}")
    if "resume" in chosen and runner is None:
        raise ValueError("the resume law needs runner=: your worker")
    if factory is None and set(chosen) - {"resume"}:
        raise ValueError("laws other than resume need a projection factory")
    if (
        "fresh" in chosen
        and factory is not None
        and (_import_path(factory) is None or _registry_path(registry, factory) is None)
    ):
        warnings.warn(
            f"the fresh law is not checked: {factory!r} or its registry is not importable "
            "from another interpreter (define both at module level)",
            LawSkippedWarning,
            stacklevel=2,
        )
        chosen = tuple(law for law in chosen if law != "fresh")
    history = schedules(events, valid=valid)
    kept = _Kept(fresh_runs)
    make: Factory = factory if factory is not None else _no_projection

    @given(history, st.data())
    def run(schedule: Schedule, data: st.DataObject) -> None:
        if "determinism" in chosen:
            check_determinism(make, schedule, registry=registry, store=store)
        if "incremental" in chosen:
            check_incremental(make, schedule, registry=registry, store=store)
        if "snapshot" in chosen:
            split = data.draw(st.integers(0, len(schedule.steps)), label="split")
            check_snapshot(make, schedule, split, registry=registry, store=store)
        if "prefix" in chosen:
            check_known_time_prefix(make, schedule, registry=registry, store=store)
        if "order" in chosen:
            count = len(schedule.appends)
            # The reverse order flips every tie, a rotation regroups them, and a
            # drawn order mixes them otherwise.
            turned = [*range(1, count), 0] if count else []
            order = data.draw(st.permutations(range(count)), label="order")
            for each in (range(count - 1, -1, -1), turned, order):
                check_append_order(make, schedule, each, registry=registry, store=store)
        if "retraction" in chosen:
            check_retraction(make, schedule, registry=registry, store=store)
        if "resume" in chosen:
            assert runner is not None  # noqa: S101 -- checked above
            split = data.draw(st.integers(0, len(schedule.steps)), label="resume split")
            check_resume(runner, schedule, split, registry=registry, store=store)
        kept.offer(schedule)

    # Every call checks another projection through this one inner function:
    # hypothesis's example database, keyed by function, must not mix them.
    # One failure, one error: never a group of them.
    overrides: dict[str, Any] = {
        "database": None,
        "report_multiple_bugs": False,
        "suppress_health_check": [HealthCheck.too_slow],
    }
    if max_examples is not None:
        overrides["max_examples"] = max_examples
    base = settings if settings is not None else hypothesis.settings.default
    test = hypothesis.settings(base, **overrides)(run)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    try:
        test()
    except hypothesis.errors.Flaky as flaky:
        # The history failed once and not when hypothesis ran it again: the
        # projection keeps something between runs. Still one broken law.
        found = _first_broken(flaky)
        if found is None:
            raise
        raise BrokenLawError(
            found.law,
            f"{found.problem} -- and not again when the same history was run a second time: "
            "the projection keeps state between runs (on its class, or in its module)",
            found.schedule,
            found.expected,
            found.got,
        ) from flaky
    if "fresh" in chosen and factory is not None:
        for number, (_, schedule) in enumerate(kept.kept, start=1):
            check_fresh_interpreter(factory, schedule, registry=registry, hash_seed=number * 7919)
