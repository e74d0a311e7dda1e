"""Law checks: what every projection must obey, checked on the user's own projection.

Every law compares like with like: both sides are computed from the *same*
records -- the same ids, positions and known times -- so a projection may read
any field of a record without a false alarm.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st

from timeline._events import Registry
from timeline._projection import Projection

from ._checks import (
    check_append_order,
    check_determinism,
    check_incremental,
    check_known_time_prefix,
    check_resume,
    check_retraction,
    check_snapshot,
)
from ._fresh import FreshInterpreter
from ._fresh_law import _check_fresh, _fresh_places, _interpreters, check_fresh_interpreter
from ._law_kinds import (
    _DEFAULT_LAWS,
    LAWS,
    BrokenLawError,
    Factory,
    Law,
    LawCheckError,
    LawSkippedWarning,
    Runner,
    StoreFactory,
)
from ._schedules import Schedule, schedules

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


# -- another interpreter ----------------------------------------------------------------------


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
