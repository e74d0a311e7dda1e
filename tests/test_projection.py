"""Projections at (V, T): design.md invariants 3-6, checked with timeline.testing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from strategies import OFFSETS, moments
from timeline import (
    LATEST,
    Log,
    ManualClock,
    Moment,
    Projection,
    Record,
    Registry,
    SnapshotIgnoredWarning,
    View,
    event,
    on,
    project,
    record_order,
)
from timeline.testing import (
    Append,
    Schedule,
    check_append_order,
    check_determinism,
    check_incremental,
    check_known_time_prefix,
    check_retraction,
    check_snapshot,
    events,
    schedules,
)
from timeline.time import micros

registry = Registry()


@event("test.projection.item", registry=registry)
class Item:
    key: str
    value: int


class Ordered(Projection[tuple[int, ...]]):
    """Order-sensitive: the values in the order they were applied."""

    state_type = tuple[int, ...]

    def initial(self) -> tuple[int, ...]:
        return ()

    @on(Item)
    def item(self, state: tuple[int, ...], record: Record) -> tuple[int, ...]:
        return (*state, record.event.value)


class Totals(Projection[dict[str, int]]):
    """Commutative: a sum per key."""

    state_type = dict[str, int]

    def initial(self) -> dict[str, int]:
        return {}

    @on(Item)
    def item(self, state: dict[str, int], record: Record) -> dict[str, int]:
        key = record.event.key
        return {**state, key: state.get(key, 0) + record.event.value}


items = events(Item, key=st.sampled_from("abc"), value=st.integers(0, 99))
histories = schedules(items)


@given(histories)
def test_known_time_prefix(schedule):
    """Invariant 3: the state at (V, T) equals the state of the log cut at T."""
    check_known_time_prefix(Ordered, schedule, registry=registry)


@given(histories)
def test_incremental_equals_full_replay(schedule):
    """Invariant 4: catching up after every step equals a full replay, late events included."""
    check_incremental(Ordered, schedule, registry=registry)


@given(histories, st.data())
def test_snapshot_plus_tail_equals_full_replay(schedule, data):
    """Invariant 4: a snapshot at any step plus the tail equals a full replay."""
    split = data.draw(st.integers(0, len(schedule.steps)))
    check_snapshot(Ordered, schedule, split, registry=registry)


@given(histories)
def test_projections_are_deterministic(schedule):
    """The same history gives the same state."""
    check_determinism(Ordered, schedule, registry=registry)


distinct_days = st.lists(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)), unique=True, max_size=8
)


@given(distinct_days, st.data())
def test_append_order_independence_with_distinct_valid_times(days, data):
    """Invariant 5: with distinct valid-time keys, the append order does not matter."""
    values = data.draw(st.lists(st.integers(0, 9), min_size=len(days), max_size=len(days)))
    history = Schedule(
        tuple(
            Append(Item(key="a", value=v), Moment.from_date(d))
            for d, v in zip(days, values, strict=True)
        )
    )
    order = data.draw(st.permutations(range(len(days))))
    check_append_order(Ordered, history, order, registry=registry)


@given(histories, st.data())
def test_append_order_independence_for_commuting_handlers(schedule, data):
    """Invariant 5: where handlers commute, ties in valid time do not matter either."""
    order = data.draw(st.permutations(range(len(schedule.appends))))
    check_append_order(Totals, schedule, order, registry=registry)


@given(histories)
def test_retraction_visibility(schedule):
    """Invariant 6: a retracted event is seen before the retraction's known time, never after."""
    check_retraction(Ordered, schedule, registry=registry)


# -- behaviour at (V, T), by example ------------------------------------------------


@pytest.fixture
def log():
    clock = ManualClock("2024-01-10T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    log.append(Item(key="a", value=1), valid="2024-01-05")
    clock.advance(days=2)  # 2024-01-12
    log.append(Item(key="a", value=2), valid="2024-01-01")  # late: older in valid time
    log.append(Item(key="b", value=3), valid="2024-02")
    return log


def test_valid_time_order_not_append_order(log):
    """Events apply in valid-time order, so a late old event changes the past."""
    assert project(Ordered(), log, valid=LATEST) == (2, 1, 3)
    assert project(Ordered(), log, valid=LATEST, known="2024-01-11") == (1,)


def test_valid_time_cut_and_begun_policy(log):
    """Only events begun by V apply; 'surely' waits for the imprecise month to pass."""
    assert project(Ordered(), log, valid="2024-01-03") == (2,)
    assert project(Ordered(), log, valid="2024-02-10") == (2, 1, 3)
    assert project(Ordered(), log, valid="2024-02-10", begun="surely") == (2, 1)


def test_retraction_and_correction_by_known_time(log):
    """Fixes hide the original from their known time on; before, it is still seen."""
    clock = log._clock
    clock.advance(days=1)  # 2024-01-13
    log.retract(1, reason="wrong date")
    clock.advance(days=1)  # 2024-01-14
    log.correct(2, Item(key="a", value=20), valid="2024-01-01", reason="typo")
    everything = {"valid": LATEST}
    assert project(Ordered(), log, **everything, known="2024-01-12T12:00:00Z") == (2, 1, 3)
    assert project(Ordered(), log, **everything, known="2024-01-13T12:00:00Z") == (2, 3)
    assert project(Ordered(), log, **everything) == (20, 3)
    assert len(log) == 6  # nothing was removed


def test_retracting_a_retraction_restores(log):
    """A retraction can itself be retracted, which brings the record back."""
    first = log.retract(1)
    log.retract(first)
    assert project(Ordered(), log, valid=LATEST) == (2, 1, 3)


def test_view_catches_up_and_refolds_late_events(log):
    """A view reads only new records yet equals a full replay after a late event."""
    view = View(Ordered(), log, checkpoint_every=1)
    assert _caught_up(view) == (2, 1, 3)
    assert view.position == 3
    log.append(Item(key="c", value=0), valid="2023-12-31")
    assert _caught_up(view) == (0, 2, 1, 3)
    log.retract(2)
    assert _caught_up(view) == (0, 1, 3)


def test_snapshots_save_through_the_store_and_restore(log):
    """A restored view continues from the snapshot; a late event forces a full replay."""
    view = View(Ordered(), log)
    view.catch_up()
    view.save_snapshot()
    assert log.store.load_snapshot(Ordered().name)[0] == 3
    log.append(Item(key="c", value=9), valid="2025")
    restored = View.from_snapshot(Ordered(), log)
    assert restored.state == (2, 1, 3)
    assert _caught_up(restored) == (2, 1, 3, 9)
    log.append(Item(key="c", value=0), valid="2000")
    assert _caught_up(restored) == (0, 2, 1, 3, 9)


def test_snapshot_of_another_version_is_ignored(log):
    """A snapshot from another projection version is not trusted."""
    view = View(Ordered(), log)
    view.catch_up()
    view.save_snapshot()

    class OrderedV2(Ordered):
        version = 2

        @property
        def name(self) -> str:
            return Ordered().name

    with pytest.warns(SnapshotIgnoredWarning):
        restored = View.from_snapshot(OrderedV2(), log)
    assert _caught_up(restored) == (2, 1, 3)


def test_projection_without_state_type_cannot_snapshot(log):
    """Snapshots need a declared state type."""

    class NoType(Projection[int]):
        def initial(self) -> int:
            return 0

    view = View(NoType(), log)
    with pytest.raises(Exception, match="no state_type"):
        view.save_snapshot()


@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 99), st.integers(2000, 2009)), min_size=1, max_size=9),
        min_size=1,
        max_size=6,
    ),
    st.integers(1, 5),
)
@example(
    batches=[[(1, 2001), (2, 2002), (3, 2003)], [(4, 2004), (5, 2005), (6, 2006)], [(7, 2005)]],
    every=2,
)
def test_a_view_fed_in_batches_equals_a_replay(batches, every):
    """Batches of any size, late years among them: the checkpoints stay where they belong."""
    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    view = View(Ordered(), log, checkpoint_every=every)
    for batch in batches:
        log.extend(
            [log.entry(Item(key="k", value=value), valid=f"{year}") for value, year in batch]
        )
        assert _caught_up(view) == project(Ordered(), log, valid=LATEST)


_HOUR = 3_600_000_000


@given(
    st.lists(
        moments(min_year=1900, max_year=2100, masks=False, deep_years=False), min_size=1, max_size=6
    ),
    st.sampled_from(["possibly", "surely"]),
    st.data(),
)
def test_begun_by_v_across_zones_is_decided_at_every_offset(valids, begun, data):
    """An event floating where V is not has possibly begun at some offset, surely at all 105."""
    log = Log(clock=ManualClock("2024-01-10T00:00:00Z"), registry=registry)
    for value, valid in enumerate(valids):
        log.append(Item(key="k", value=value), valid=valid)
    anchor = data.draw(
        st.sampled_from([b for m in valids for b in (m.bounds().low, m.bounds().top)])
    )
    at = anchor + data.draw(st.integers(-20 * _HOUR, 20 * _HOUR))
    floating = data.draw(st.booleans())
    wall = dt.datetime(1, 1, 1) + dt.timedelta(
        microseconds=at - micros(dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    )
    asked = wall.isoformat() if floating else wall.replace(tzinfo=dt.UTC)

    def begun_at(bounds, offset):
        start = bounds.low if begun == "possibly" else bounds.top
        start -= offset if bounds.floating else 0
        return start <= (at - offset if floating else at)

    check = any if begun == "possibly" else all
    records = sorted(log.read(), key=record_order)
    expected = tuple(
        r.event.value
        for r in records
        if check(begun_at(r.valid.extent.start, offset) for offset in OFFSETS)
    )
    assert project(Ordered(), log, valid=asked, known=LATEST, begun=begun) == expected


def _caught_up(view):
    """A view's state once it has caught up (``catch_up()`` says how many records it read)."""
    view.catch_up()
    return view.state
