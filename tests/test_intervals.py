"""The compact interval set agrees with a brute-force scan, before and after saving."""

from __future__ import annotations

from array import array

from hypothesis import given
from hypothesis import strategies as st

from timeline.facts import IntervalSet

# Small numbers meet often, at the edges of the length classes (powers of two);
# some intervals reach far, as open-ended spells do.
lengths = st.one_of(
    st.integers(0, 70),
    st.integers(0, 7).map(lambda k: 1 << k),
    st.integers(1, 7).map(lambda k: (1 << k) - 1),
    st.integers(0, 1 << 62),
)
spans = st.tuples(st.integers(-70, 70), lengths).map(lambda pair: (pair[0], pair[0] + pair[1]))
ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(spans, min_size=1, max_size=40)),
        st.tuples(st.just("remove"), st.integers(0, 400)),
        st.tuples(st.just("refile"), st.tuples(st.integers(0, 400), spans)),
        st.tuples(st.just("query"), spans),
        st.tuples(st.just("save"), st.none()),
        st.tuples(st.just("made at once"), st.none()),
    ),
    max_size=60,
)


class _Sweeping(IntervalSet):
    sweep_floor = 2  # sweep often, so that sweeps meet every other operation


class _Filing(_Sweeping):
    queue_limit = 3  # file queued rows after every few adds, as a long catch-up does


@given(ops, st.sampled_from([IntervalSet, _Sweeping, _Filing]), st.data())
def test_intervals_match_brute_force(operations, kind, data):  # noqa: C901 -- one branch per op
    """Adds, removals, re-filings, saves and overlap queries give what a list scan gives."""
    intervals: IntervalSet = kind()
    model: dict[int, tuple[int, int]] = {}
    rows = 0
    for op, arg in operations:
        if op == "add":
            for low, high in arg:
                intervals.add(low, high, rows)
                if low < high:
                    model[rows] = (low, high)
                rows += 1
            if data.draw(st.booleans(), label="flush"):
                intervals.flush()
        elif op == "remove" and model:
            which = sorted(model)[arg % len(model)]
            intervals.remove(which)
            del model[which]
        elif op == "refile" and rows > len(model):  # a removed row, filed again
            pick, (low, high) = arg
            removed = [n for n in range(rows) if n not in model]
            which = removed[pick % len(removed)]
            intervals.add(low, high, which)
            if low < high:
                model[which] = (low, high)
        elif op == "made at once":  # from columns, in any order (as a long catch-up makes it)
            order = data.draw(st.permutations(sorted(model)), label="order")
            intervals = kind.of(
                array("q", [model[row][0] for row in order]),
                array("q", [model[row][1] for row in order]),
                array("i", order),
            )
            levels = intervals._levels  # what filing at once promises: one level,
            assert len(levels) <= 1  # each class of it sorted by low, for bisection
            for lows, _, _ in (arrays for level in levels for arrays in level.values()):
                assert list(lows) == sorted(lows)
        elif op == "save":
            intervals.flush()
            layout, arrays = intervals.dump()
            intervals = IntervalSet.load(layout, [type(a)(a.typecode, a) for a in arrays])
        elif op == "query":
            intervals.flush()
            low, high = arg
            # An empty window meets nothing.
            expected = sorted(k for k, (a, b) in model.items() if a < high and b > low < high)
            assert sorted(intervals.overlapping(low, high)) == expected
    intervals.flush()
    assert len(intervals) == len(model)


def test_every_small_interval_meets_every_small_window():
    """Exhaustively: each edge of each length class, against every nearby window."""
    intervals = IntervalSet()
    model = {}
    for low in range(-9, 10):
        for length in range(18):
            intervals.add(low, low + length, len(model))
            model[len(model)] = (low, low + length) if length else (0, 0)
    intervals.flush()
    for low in range(-12, 30):
        for width in (1, 2, 3, 5, 17):
            high = low + width
            expected = sorted(k for k, (a, b) in model.items() if a < b and a < high and b > low)
            assert sorted(intervals.overlapping(low, high)) == expected, (low, high)


@given(st.lists(st.tuples(st.integers(-70, 70), lengths), min_size=2, max_size=80))
def test_levels_filed_early_merge_into_one_that_holds_what_filing_at_once_holds(spans):
    """Rows filed a few at a time, level upon level, then flushed: one level, as of() files."""
    intervals = _Filing()
    for row, (low, length) in enumerate(spans):
        intervals.add(low, low + length, row)
    intervals.flush()  # the levels filed early become one, in one merge
    made = IntervalSet.of(
        array("q", [low for low, _ in spans]),
        array("q", [low + length for low, length in spans]),
        array("i", range(len(spans))),
    )
    assert len(intervals._levels) == len(made._levels) <= 1
    for filed in (intervals, made):
        for lows, _, _ in (arrays for level in filed._levels for arrays in level.values()):
            assert list(lows) == sorted(lows)
    for low in range(-72, 80, 3):
        expected = sorted(
            row for row, (a, n) in enumerate(spans) if n and a < low + 3 and a + n > low
        )
        assert sorted(intervals.overlapping(low, low + 3)) == expected
        assert sorted(made.overlapping(low, low + 3)) == expected
