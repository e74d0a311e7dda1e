"""Law checks: what every projection must obey, checked on the user's own projection.

Every law compares like with like: both sides are computed from the *same*
records -- the same ids, positions and known times -- so a projection may read
any field of a record without a false alarm.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import tempfile
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st

from timeline._corrections import Corrected, Retracted, fixes_of, hidden_ids
from timeline._errors import TimelineError, TimelineWarning
from timeline._events import Registry, default_registry
from timeline._log import Log
from timeline._projection import Projection, View, replay
from timeline.stores import JsonLinesStore, MemoryStore, copy
from timeline.time import LATEST

from ._fresh import FreshInterpreter, Shown, comparable, everything, import_path
from ._schedules import Schedule, play, schedules

if TYPE_CHECKING:
    from timeline._records import Record
    from timeline.typing import Store

__all__ = [
    "LAWS",
    "BrokenLawError",
    "LawCheckError",
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
    "law_settings",
]

_E = TypeVar("_E", bound=BaseException)
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


class LawCheckError(TimelineError, AssertionError):
    """The one exception :func:`check_laws` raises: a law broken, or the check itself failed.

    A broken law is its subclass :class:`BrokenLawError`. Anything else
    hypothesis raised while checking -- a deadline you set in ``settings=``,
    a failed health check (say, a strategy that filters out too much), a run
    it calls flaky with no broken law inside, an error drawing your events --
    is a plain :class:`LawCheckError`, never a bare ``ExceptionGroup``, with
    hypothesis's own exception chained (``__cause__``).

    >>> issubclass(BrokenLawError, LawCheckError)
    True
    """


class BrokenLawError(LawCheckError):
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
    return everything(factory, log, known)


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


def _registry_path(registry: Registry | None, factory: object) -> str | None:
    chosen = default_registry if registry is None else registry
    for module_name in (getattr(factory, "__module__", None), "timeline._events"):
        module = sys.modules.get(module_name or "")
        for name, value in (vars(module) if module is not None else {}).items():
            if value is chosen:
                return f"{module_name}:{name}"
    return None


def _fresh_places(factory: Factory, registry: Registry | None) -> tuple[str, str] | None:
    """Where another interpreter imports the projection and its registry from; None if it can't."""
    where, registry_at = import_path(factory), _registry_path(registry, factory)
    return None if where is None or registry_at is None else (where, registry_at)


def _state_of(answer: dict[str, Any], factory: Factory, log: Log) -> object:
    """Another interpreter's state as a value: structured back where it can be, else as shown."""
    state_type = getattr(factory(), "state_type", None)
    if state_type is None:
        return Shown(answer["repr"])
    try:
        return log.codec.converter.structure(answer["plain"], state_type)
    except Exception:  # noqa: BLE001 -- shown as it was written instead
        return Shown(answer["repr"])


def _check_fresh(
    factory: Factory,
    schedule: Schedule,
    interpreters: Sequence[FreshInterpreter],
    folder: Path,
    *,
    registry: Registry | None,
) -> None:
    with _law("fresh", schedule):
        log = play(schedule, registry=registry)
        here = everything(factory, log)
        text = comparable(here, log)
    path = folder / "log.jsonl"
    path.unlink(missing_ok=True)
    copy(log.store, JsonLinesStore(path, durability="normal"))
    # One interpreter per history, the same one whenever hypothesis runs it again: over
    # many histories every hash seed is tried, for the cost of one fork each.
    interpreter = interpreters[zlib.crc32(str(schedule).encode()) % len(interpreters)]
    answer = interpreter.fold(path)
    seed = f"PYTHONHASHSEED={interpreter.hash_seed}"
    if "error" in answer:
        _broken(
            "fresh",
            f"in a fresh interpreter ({seed}) it failed: {answer['error']}",
            schedule,
            here,
            "an exception",
        )
    if answer["comparable"] != text:
        _broken(
            "fresh",
            f"a fresh interpreter ({seed}) gave another state: module-level state, or an "
            "order that depends on hashing",
            schedule,
            _state_of(answer, factory, log),
            here,
        )


@contextlib.contextmanager
def _interpreters(
    places: tuple[str, str], seeds: Sequence[int]
) -> Iterator[list[FreshInterpreter]]:
    started = [FreshInterpreter(*places, seed) for seed in seeds]  # they start side by side
    try:
        yield started
    finally:
        for interpreter in started:
            interpreter.close()


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
    and its registry must be importable (defined at module level). The
    report's expected state is the fresh interpreter's, as a value (structured
    back into ``state_type``), and the state got is this process's.

    Raises:
        BrokenLawError: The states differ.
        TypeError: The projection or the registry cannot be imported elsewhere.
    """
    places = _fresh_places(factory, registry)
    if places is None:
        raise TypeError(
            f"{factory!r} and its registry must be importable (module-level names in an "
            "importable module) to be checked in another interpreter"
        )
    with (
        _interpreters(places, [hash_seed]) as started,
        tempfile.TemporaryDirectory() as folder,
    ):
        _check_fresh(factory, schedule, started, Path(folder), registry=registry)


def _first(error: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of ``kind`` in ``error`` or in the groups it holds."""
    if isinstance(error, kind):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _first(inner, kind)
        if found is not None:
            return found
    return None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _one_error(error: Exception) -> LawCheckError:
    """Whatever hypothesis raised, as the one error check_laws documents."""
    found = _first(error, BrokenLawError)
    if found is not None and isinstance(error, hypothesis.errors.Flaky):
        # The history failed once and not when hypothesis ran it again: the
        # projection keeps something between runs. Still one broken law.
        return BrokenLawError(
            found.law,
            f"{found.problem} -- and not again when the same history was run a second time: "
            "the projection keeps state between runs (on its class, or in its module)",
            found.schedule,
            found.expected,
            found.got,
        )
    if found is not None:
        return found
    late = _first(error, hypothesis.errors.DeadlineExceeded)
    if late is not None:
        return LawCheckError(
            f"a history took longer than the deadline of the settings given ({_first_line(late)}"
            "): a slow fold is not a broken law, so check_laws's own settings have no deadline "
            "(start from timeline.testing.law_settings() to keep it that way)"
        )
    unhealthy = _first(error, hypothesis.errors.FailedHealthCheck)
    if unhealthy is not None:
        return LawCheckError(
            f"hypothesis's health check failed, so no law was checked: {_first_line(unhealthy)} "
            "(most often the events strategy: filters that reject most draws, or huge values)"
        )
    if isinstance(error, hypothesis.errors.Flaky):
        return LawCheckError(f"hypothesis found the run unreliable: {_first_line(error)}")
    return LawCheckError(f"the laws could not be checked: {_first_line(error)}")


def _no_projection() -> Projection[Any]:
    raise AssertionError("no projection was given")  # pragma: no cover -- laws checked above


#: What check_laws sets over the active hypothesis profile (see :func:`law_settings`).
_LAW_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "report_multiple_bugs": False,
    "suppress_health_check": [HealthCheck.too_slow],
    # Hypothesis's explain phase reruns the shrunk history hundreds of times to say
    # which parts matter; the law's report says what went wrong in its own words.
    "phases": [phase for phase in Phase if phase is not Phase.explain],
}


def law_settings(**changes: Any) -> hypothesis.settings:  # noqa: ANN401 -- hypothesis's own
    """The hypothesis settings :func:`check_laws` runs with, with ``changes`` made.

    The active profile's settings (so ``max_examples`` follows your profile),
    except: no deadline -- how long a fold takes depends on the machine, and
    a deadline would report a busy machine as a broken law; no example
    database -- every call checks another projection through the same inner
    test, whose saved examples must not mix; one failure reported, never a
    group; hypothesis's ``too_slow`` health check off, for the same reason
    as the deadline; and no explain phase (it reruns the shrunk history
    hundreds of times, where the law's report already says what went
    wrong). Give ``check_laws(settings=law_settings(...))`` to change any.

    >>> law_settings().deadline is None
    True
    >>> law_settings(max_examples=5).max_examples
    5
    """
    return hypothesis.settings(hypothesis.settings.default, **{**_LAW_SETTINGS, **changes})


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
    fresh_runs: int = 2,
) -> None:
    """Check ``laws`` on histories built from ``events``, with hypothesis.

    Every failure raises one :class:`LawCheckError` -- never a group: a
    broken law is a :class:`BrokenLawError` for the smallest history
    hypothesis finds, in plain words, with the law's key in ``law``; when the
    projection itself raised, that exception is chained. Histories are biased
    towards events tied on valid time, where order bugs hide.

    By default the laws are determinism, incremental, snapshot, prefix,
    retraction and fresh (every history folded again in a fresh interpreter,
    one of ``fresh_runs`` each with its own hash seed, when the projection is
    importable; otherwise skipped with a :class:`LawSkippedWarning`). Add
    ``"order"`` where the projection should not depend on the order of
    appends, and give ``runner`` to check ``"resume"``.

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
        settings: Hypothesis settings to run with instead of :func:`law_settings`
            (whose defaults they replace, the deadline included; the example
            database and reporting one failure are always set).
        seed: Hypothesis's random seed, to repeat a run.
        fresh_runs: How many fresh interpreters (each with its own hash seed) the
            fresh law uses; each history is folded in one of them.

    Raises:
        BrokenLawError: A law is broken.
        LawCheckError: Hypothesis could not check the laws (a deadline set in
            ``settings``, a failed health check, an error drawing the events).
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
    places = None if factory is None else _fresh_places(factory, registry)
    if "fresh" in chosen and factory is not None and places is None:
        warnings.warn(
            f"the fresh law is not checked: {factory!r} or its registry is not importable "
            "from another interpreter (define both at module level)",
            LawSkippedWarning,
            stacklevel=2,
        )
        chosen = tuple(law for law in chosen if law != "fresh")
    history = schedules(events, valid=valid)
    make: Factory = factory if factory is not None else _no_projection
    fresh: list[FreshInterpreter] = []
    folder = Path()

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
        if fresh:
            _check_fresh(make, schedule, fresh, folder, registry=registry)

    base = settings if settings is not None else law_settings()
    # Every call checks another projection through this one inner function:
    # hypothesis's example database, keyed by function, must not mix them.
    # One failure, one error: never a group of them.
    overrides: dict[str, Any] = {"database": None, "report_multiple_bugs": False}
    if max_examples is not None:
        overrides["max_examples"] = max_examples
    test = hypothesis.settings(base, **overrides)(run)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    seeds = [number * 7919 for number in range(1, fresh_runs + 1)]
    with contextlib.ExitStack() as stack:
        if "fresh" in chosen and places is not None:
            fresh.extend(stack.enter_context(_interpreters(places, seeds)))
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        try:
            test()
        except BrokenLawError:
            raise
        except Exception as error:  # whatever hypothesis raises: one error type
            raise _one_error(error) from error
