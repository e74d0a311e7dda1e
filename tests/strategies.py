"""Strategies our own tests need beyond timeline.testing's, and a brute-force oracle."""

from __future__ import annotations

from collections.abc import Callable

import pendulum
from hypothesis import strategies as st

from timeline import Answer, Log, Moment, Question
from timeline.testing import instants, intervals, moments
from timeline.time import CEIL, EAST, FLOOR, QUARTER, WEST, fields_at, zone_of
from timeline.words import Alternative, Rule

__all__ = [
    "OFFSETS",
    "bound_questions",
    "every_offset",
    "instants",
    "intervals",
    "known_boundaries",
    "moments",
    "refinements",
]

#: Every UTC offset a floating time may have: -12:00 to +14:00 by quarter hours (105).
OFFSETS = range(WEST, EAST + 1, QUARTER)


def every_offset(rule: Callable[[int], Answer]) -> Answer:
    """The answer over all 105 offsets, one by one: yes or no if all agree, else maybe.

    The library asks only the offsets where an answer may turn; this oracle
    asks every one.
    """
    answers = {rule(offset) for offset in OFFSETS}
    return answers.pop() if len(answers) == 1 else Answer.MAYBE


@st.composite
def refinements(draw: st.DrawFn, moment: Moment) -> Moment:
    """A value that says more than ``moment``: bounds inside its bounds."""
    if moment.hour is not None or len(moment.year.lstrip("-")) > 4:  # a Y-year stands alone
        return moment
    qualifier = moment.qualifier if draw(st.booleans()) else None
    yq = moment.year_qualifier if draw(st.booleans()) else None
    mq = moment.month_qualifier if draw(st.booleans()) else None
    dq = moment.day_qualifier if draw(st.booleans()) else None
    parts = [moment.year, moment.month, moment.day]
    core = moment.strict_bounds()
    # Pick a real day inside the strict bounds and fill X digits from it.
    day = 86_400_000_000
    span = (core.high - core.low) // day
    offset = draw(st.integers(0, max(span - 1, 0)))
    year, month, date, *_ = fields_at(core.low + offset * day, zone_of(moment.tz))
    sign = "-" if year < 0 else ""
    real = [f"{sign}{abs(year):04d}", f"{month:02d}", f"{date:02d}"]
    filled = []
    for part, concrete in zip(parts, real, strict=True):
        if part is None:
            filled.append(None)
            continue
        ok = all(m in ("X", c) for m, c in zip(part, concrete, strict=True))
        if not ok:
            return moment.__class__(
                moment.year, moment.month, moment.day, tz=moment.tz,
                qualifier=qualifier, year_qualifier=yq, month_qualifier=mq, day_qualifier=dq,
            )  # fmt: skip
        filled.append(
            "".join(c if draw(st.booleans()) else m for m, c in zip(part, concrete, strict=True))
        )
    deeper = draw(st.integers(0, 3 - sum(p is not None for p in parts)))
    if deeper and qualifier is not None:
        # The whole value's qualifier reaches every component it has; once
        # more are added it must stay on those, or it would reach more.
        reached = sum(p is not None for p in parts)
        yq = qualifier | yq
        mq = qualifier | mq if reached >= 2 else mq
        dq = qualifier | dq if reached >= 3 else dq
        qualifier = None
    for index in range(3):
        if filled[index] is None and deeper > 0:
            filled[index] = real[index]
            deeper -= 1
    if filled[1] is None:
        mq = None
    if filled[2] is None:
        dq = None
    return Moment(
        filled[0], filled[1], filled[2], tz=moment.tz,
        qualifier=qualifier, year_qualifier=yq, month_qualifier=mq, day_qualifier=dq,
    )  # fmt: skip


# The rules timeline.words keeps in provenance: any text in each field (a stored
# rule is read back as written), a publication date in YYYY-MM-DD.
rules = st.builds(
    Rule,
    phrase=st.text(max_size=20),
    published=st.dates().map(lambda day: f"{day.year:04d}-{day.month:02d}-{day.day:02d}"),
    language=st.sampled_from(["en", "fr", "de", "es", "ru"]),
    reading=st.text(max_size=20),
    edtf=st.text(max_size=20),
    alternatives=st.lists(
        st.builds(Alternative, reading=st.text(max_size=10), edtf=st.text(max_size=10)),
        max_size=3,
    ).map(tuple),
)


def _around(values: set[int]) -> list[int]:
    return sorted({value + step for value in values for step in (-1, 0, 1)})


def known_boundaries(log: Log) -> st.SearchStrategy[pendulum.DateTime | None]:
    """Known times on the edges: each record's own, a microsecond either side, or now (None).

    A property that draws its known time from here stands on a record's (a
    correction's, a retraction's) exact known time every few examples, where
    one drawn at random would almost never land.
    """
    times = sorted(
        {record.known_at.add(microseconds=step) for record in log for step in (-1, 0, 1)}
    )
    return st.none() | st.sampled_from(times) if times else st.none()


def bound_questions(facts) -> st.SearchStrategy[Question]:
    """Instants on the edges of the facts' spells: each bound's first and last, +-1 us.

    Floating and zoned, so a floating question meets zoned spells (and the other way
    round) exactly at a bound too.
    """
    edges: set[int] = set()
    for key in facts.keys():
        for spell in facts.history(key):
            extent = spell.extent
            edges.update((extent.start.low, extent.start.top, extent.end.low, extent.end.top))
    # Open ends lie at the edges of what is held: no instant is asked about there.
    instants = _around({edge for edge in edges if FLOOR < edge < CEIL})
    if not instants:
        return st.just(Question(0, 1))
    return st.builds(
        lambda at, floating: Question(at, at + 1, floating=floating),
        st.sampled_from(instants),
        st.booleans(),
    )
