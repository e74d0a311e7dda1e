"""The interval index agrees with a brute-force scan."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from timeline._index import IntervalIndex

spans = st.tuples(st.integers(-50, 50), st.integers(1, 40)).map(lambda p: (p[0], p[0] + p[1]))
ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(spans, min_size=1, max_size=40)),
        st.tuples(st.just("remove"), st.integers(0, 200)),
        st.tuples(st.just("query"), spans),
    ),
    max_size=60,
)


@given(ops)
def test_index_matches_brute_force(operations):
    """Inserts, removals and overlap queries give what a list scan gives."""
    index: IntervalIndex[int] = IntervalIndex()
    model: dict[int, tuple[int, int]] = {}
    handles: list[int] = []
    for op, arg in operations:
        if op == "add":
            new = index.extend([(a, b, len(handles) + i) for i, (a, b) in enumerate(arg)])
            for offset, (handle, span) in enumerate(zip(new, arg, strict=True)):
                model[len(handles) + offset] = span
                del handle
            handles.extend(new)
        elif op == "remove" and handles:
            which = arg % len(handles)
            index.remove(handles[which])
            model.pop(which, None)
        elif op == "query":
            low, high = arg
            expected = sorted(k for k, (a, b) in model.items() if a < high and b > low)
            assert sorted(index.overlapping(low, high)) == expected
            point = sorted(k for k, (a, b) in model.items() if a <= low < b)
            assert sorted(index.containing(low)) == point
    assert len(index) == len(model)
