"""The compact interval set agrees with a brute-force scan, before and after saving."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from timeline._intervals import IntervalSet

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
    ),
    max_size=60,
)


class _Sweeping(IntervalSet):
    sweep_floor = 2  # sweep often, so that sweeps meet every other operation


@given(ops, st.booleans(), st.data())
def test_intervals_match_brute_force(operations, sweeping, data):  # noqa: C901 -- one branch per op
    """Adds, removals, re-filings, saves and overlap queries give what a list scan gives."""
    intervals: IntervalSet = _Sweeping() if sweeping else IntervalSet()
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
