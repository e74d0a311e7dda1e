"""timeline.testing: each law check catches a deliberately broken projection."""

from __future__ import annotations

import itertools
from typing import ClassVar

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from timeline import Moment, Projection, Record, Registry, event, on
from timeline.testing import (
    Append,
    BrokenLawError,
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
