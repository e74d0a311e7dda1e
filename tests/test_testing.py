"""timeline.testing: each law check catches a deliberately broken projection."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import time
from pathlib import Path
from typing import ClassVar

import hypothesis
import hypothesis.core
import hypothesis.errors
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from timeline import Moment, Projection, Record, Registry, event, on
from timeline.testing import (
    Append,
    BrokenLawError,
    LawCheckError,
    Schedule,
    check_append_order,
    check_determinism,
    check_incremental,
    check_known_time_prefix,
    check_laws,
    check_retraction,
    check_snapshot,
    edtf_strings,
    events,
    law_settings,
    moments,
    schedules,
)

registry = Registry()


@event("test.toolkit.item", registry=registry)
class Item:
    key: str
    value: int


items = events(Item, key=st.sampled_from("ab"), value=st.integers(0, 9))


class Good(Projection[tuple[int, ...]]):
    state_type = tuple[int, ...]

    def initial(self) -> tuple[int, ...]:
        return ()

    @on(Item)
    def item(self, state: tuple[int, ...], record: Record) -> tuple[int, ...]:
        return (*state, record.event.value)


class Impure(Good):
    """Reads a counter outside its state: two replays disagree."""

    counter = itertools.count()

    @on(Item)
    def item(self, state: tuple[int, ...], record: Record) -> tuple[int, ...]:
        return (*state, next(self.counter))


class Mutating(Projection[list[int]]):
    """Changes its state in place, which corrupts the view's checkpoints."""

    state_type = list[int]

    def initial(self) -> list[int]:
        return []

    @on(Item)
    def item(self, state: list[int], record: Record) -> list[int]:
        state.append(record.event.value)
        return state


class Remembering(Good):
    """Keeps part of its state on the instance, which a snapshot does not carry."""

    def __init__(self) -> None:
        self.seen = 0

    @on(Item)
    def item(self, state: tuple[int, ...], record: Record) -> tuple[int, ...]:
        self.seen += 1
        return (*state, self.seen)


class StaleCache(Good):
    """Starts from a class-wide cache of the last state instead of a fresh one."""

    last: ClassVar[tuple[int, ...]] = ()

    def initial(self) -> tuple[int, ...]:
        return type(self).last

    @on(Item)
    def item(self, state: tuple[int, ...], record: Record) -> tuple[int, ...]:
        type(self).last = (*state, record.event.value)
        return type(self).last


class Hoarding(Good):
    """Never forgets a value it once saw, even when its record is retracted."""

    ever: ClassVar[set[int]] = set()

    @on(Item)
    def item(self, state: tuple[int, ...], record: Record) -> tuple[int, ...]:
        type(self).ever.add(record.event.value)
        return tuple(sorted(type(self).ever))


def _expect_violation(check, schedule_strategy, *args):
    # Finding one violation is the point here; shrinking is shown by
    # test_check_laws_reports_the_smallest_history.
    @settings(max_examples=200, database=None, phases=[Phase.generate], report_multiple_bugs=False)
    @given(schedule_strategy)
    def run(schedule):
        check(schedule, *args)

    with pytest.raises(BrokenLawError) as caught:
        run()
    return caught.value


def test_good_projection_obeys_every_law():
    """A pure, order-aware projection passes every law it claims."""
    check_laws(Good, items, registry=registry, max_examples=25)


def test_determinism_check_catches_impurity():
    """A handler that reads a counter breaks determinism."""
    error = _expect_violation(
        lambda s: check_determinism(Impure, s, registry=registry),
        schedules(items, min_steps=1, max_steps=6),
    )
    assert error.law == "determinism"
    assert "the same records gave two states" in str(error)
    assert "1. append Item(" in str(error)


def test_incremental_check_catches_in_place_mutation():
    """Mutating the state corrupts re-folds after late events."""
    _expect_violation(lambda s: check_incremental(Mutating, s, registry=registry), schedules(items))


def test_snapshot_check_catches_state_outside_the_state():
    """State kept on the instance is lost across a snapshot."""
    # Events at one valid time arrive in order, so the restored view applies
    # the tail on top of the snapshot (a late event would force a full replay).
    same_day = schedules(
        items, valid=st.just("2024-01-11"), min_steps=2, max_steps=6, retractions=False,
        corrections=False,
    )  # fmt: skip
    _expect_violation(lambda s: check_snapshot(Remembering, s, registry=registry), same_day)


def test_prefix_check_catches_a_stale_cache():
    """A cache shared between evaluations leaks later knowledge into earlier answers."""

    def check(schedule):
        StaleCache.last = ()  # each history starts with an empty cache
        check_known_time_prefix(StaleCache, schedule, registry=registry)

    _expect_violation(check, schedules(items, min_steps=1, max_steps=6))


def test_order_check_catches_order_dependence():
    """An order-sensitive fold over tied valid times depends on the order of appends."""
    tie = Moment.parse("2024-01-11")
    history = Schedule((Append(Item(key="a", value=1), tie), Append(Item(key="a", value=2), tie)))
    with pytest.raises(BrokenLawError, match=r"appending in the order \[2, 1\]"):
        check_append_order(Good, history, [1, 0], registry=registry)


def test_retraction_check_catches_hoarding():
    """A projection that remembers retracted values breaks retraction visibility."""

    def check(schedule):
        Hoarding.ever = set()  # each history starts with nothing hoarded
        check_retraction(Hoarding, schedule, registry=registry)

    error = _expect_violation(check, schedules(items, min_steps=2, max_steps=6))
    assert "still count" in str(error)


def test_check_laws_reports_the_smallest_history():
    """check_laws raises the violation for a shrunk history, in plain words."""
    with pytest.raises(BrokenLawError) as caught:
        check_laws(Impure, items, laws=["determinism"], registry=registry, max_examples=50)
    lines = str(caught.value).splitlines()
    assert lines[1] == "history:"
    assert lines[2].startswith("  1. append Item(")


def test_unknown_law_names_are_rejected():
    """Asking for a law that does not exist is an error, not a silent pass."""
    with pytest.raises(ValueError, match="unknown laws"):
        check_laws(Good, items, laws=["nonsense"], registry=registry)  # type: ignore[list-item]


@given(edtf_strings(), moments(masks=False, qualifiers=False, times=False))
def test_strategies_draw_readable_values(text, moment):
    """EDTF strings parse; plain moments are exact."""
    from timeline import parse_edtf  # noqa: PLC0415

    assert str(parse_edtf(text)) == text
    assert moment.exact


# -- any machine, one error type ------------------------------------------------------------------

HOW_TO = Path(__file__).parent.parent / "docs" / "how-to" / "test-projections.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


class _SlowClock:
    """The time module as hypothesis sees it: 50 ms pass with every event a handler folds."""

    def __init__(self) -> None:
        self.folded = 0

    def perf_counter(self) -> float:
        return time.perf_counter() + 0.05 * self.folded

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


def test_the_how_to_examples_raise_no_false_alarm_under_a_slow_fold(monkeypatch):
    """Every event takes 50 ms as hypothesis times it (a busy machine): the how-to still holds.

    Under hypothesis's default 200 ms deadline the first example failed this way every
    time; check_laws's own settings have no deadline.
    """
    clock = _SlowClock()
    monkeypatch.setattr(hypothesis.core, "time", clock)
    bound = Projection.bound_handlers

    def slowed(self):
        def slow(handler):
            def run(state, record):
                clock.folded += 1
                return handler(state, record)

            return run

        return {kind: slow(handler) for kind, handler in bound(self).items()}

    monkeypatch.setattr(Projection, "bound_handlers", slowed)
    namespace: dict[str, object] = {"__name__": "docs_test_projections_slowed"}
    with settings_profile_default_deadline():
        for block in FENCE.findall(HOW_TO.read_text()):
            exec(compile(block, str(HOW_TO), "exec"), namespace)  # noqa: S102 -- the docs' code
    assert clock.folded > 100  # the fold really was slowed, many times over the deadline


@contextlib.contextmanager
def settings_profile_default_deadline():
    """Hypothesis's own default profile (a 200 ms deadline), not the suite's (none)."""
    hypothesis.settings.load_profile("default")
    try:
        yield
    finally:
        hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


class Slow(Good):
    """Takes a while per event: not a broken law."""

    @on(Item)
    def item(self, state: tuple[int, ...], record: Record) -> tuple[int, ...]:
        time.sleep(0.002)
        return (*state, record.event.value)


def test_a_deadline_the_user_sets_is_one_law_check_error_not_a_broken_law():
    """A deadline given in settings= and missed: a LawCheckError saying so, hypothesis's chained."""
    with pytest.raises(LawCheckError) as caught:
        check_laws(
            Slow, items, registry=registry, laws=["determinism"], max_examples=10,
            settings=law_settings(deadline=dt.timedelta(milliseconds=1)),
        )  # fmt: skip
    assert type(caught.value) is LawCheckError
    assert "deadline" in str(caught.value)
    assert isinstance(caught.value.__cause__, hypothesis.errors.HypothesisException)


def test_a_failed_health_check_is_one_law_check_error():
    """Events always filtered out: the failed health check, as one LawCheckError.

    (A filter that only nearly always fails -- ints ending in 12345 -- let hypothesis find
    enough examples now and then: a flaky test.)
    """
    rare = events(
        Item,
        key=st.sampled_from("ab"),
        value=st.integers().filter(lambda _: False),
    )
    with pytest.raises(LawCheckError, match=r"health check|could not be checked") as caught:
        check_laws(Good, rare, registry=registry, laws=["determinism"], max_examples=50)
    assert not isinstance(caught.value, BrokenLawError)
    assert not isinstance(caught.value, BaseExceptionGroup)


def test_law_settings_have_no_deadline_and_take_changes():
    """check_laws's own settings: the profile's, without a deadline; changes override."""
    assert law_settings().deadline is None
    assert law_settings(max_examples=3).max_examples == 3
    assert law_settings().database is None


names = events(Item, key=st.sampled_from("abcde"), value=st.just(0))


class KeysInSetOrder(Projection[tuple[str, ...]]):
    """The keys seen, in set order: another hash seed orders them another way."""

    state_type = tuple[str, ...]

    def initial(self) -> tuple[str, ...]:
        return ()

    @on(Item)
    def item(self, state: tuple[str, ...], record: Record) -> tuple[str, ...]:
        return tuple({*state, record.event.key})


def test_the_fresh_law_s_report_is_shrunk_and_shows_states_as_values():
    """Found inside hypothesis's run: a short history, and the two states as tuples, not JSON."""
    with pytest.raises(BrokenLawError) as caught:
        check_laws(
            KeysInSetOrder, names, registry=registry, laws=["fresh"], max_examples=100, seed=3
        )
    error = caught.value
    assert error.law == "fresh"
    assert isinstance(error.expected, tuple)
    assert isinstance(error.got, tuple)
    assert sorted(error.expected) == sorted(error.got)
    assert error.expected != error.got
    # Shrunk: a few distinct keys are enough. How few varies with this process's own
    # hash seed (which small histories order their sets the other way): 2 to 5 in 40 seeds.
    assert len(error.schedule.appends) <= 6
    assert "\\" not in str(error)
    assert f"expected state: {error.expected!r}" in str(error)
