"""The interval index agrees with a brute-force scan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline._index import IntervalIndex

spans = st.tuples(st.integers(-50, 50), st.integers(1, 40)).map(lambda p: (p[0], p[0] + p[1]))
ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(spans, min_size=1, max_size=40)),
        st.tuples(st.just("remove"), st.integers(0, 200)),
        st.tuples(st.just("refile"), st.tuples(st.integers(0, 200), spans)),
        st.tuples(st.just("query"), spans),
    ),
    max_size=60,
)


class _Value:
    """A value known by identity, as the index requires, with a number to compare."""

    def __init__(self, number: int) -> None:
        self.number = number


class _SweepingIndex(IntervalIndex[_Value]):
    sweep_floor = 2  # sweep often, so that sweeps meet every other operation


@given(ops, st.booleans())
def test_index_matches_brute_force(operations, sweeping):
    """Inserts, removals, re-filings and overlap queries give what a list scan gives."""
    index: IntervalIndex[_Value] = _SweepingIndex() if sweeping else IntervalIndex()
    model: dict[int, tuple[int, int]] = {}
    values: list[_Value] = []
    handles: list[int] = []
    for op, arg in operations:
        if op == "add":
            new = [_Value(len(values) + i) for i in range(len(arg))]
            handles.extend(index.extend([(a, b, v) for v, (a, b) in zip(new, arg, strict=True)]))
            values.extend(new)
            model.update({v.number: span for v, span in zip(new, arg, strict=True)})
        elif op == "remove" and handles:
            which = arg % len(handles)
            index.remove(handles[which])
            model.pop(which, None)
        elif op == "refile" and len(model) < len(values):  # a removed value, filed again
            pick, span = arg
            removed = [n for n in range(len(values)) if n not in model]
            which = removed[pick % len(removed)]
            handles[which] = index.add(*span, values[which])
            model[which] = span
        elif op == "query":
            low, high = arg
            expected = sorted(k for k, (a, b) in model.items() if a < high and b > low)
            assert sorted(v.number for v in index.overlapping(low, high)) == expected
            point = sorted(k for k, (a, b) in model.items() if a <= low < b)
            assert sorted(v.number for v in index.containing(low)) == point
    assert len(index) == len(model)


def test_a_value_is_filed_once():
    """Filing the same object twice would make it answer twice: refused."""
    index: IntervalIndex[_Value] = IntervalIndex()
    value = _Value(1)
    index.add(0, 5, value)
    with pytest.raises(ValueError, match="only once"):
        index.add(3, 9, value)
    assert index.containing(4) == [value]
