"""Exact boundaries, on every store and both facts indexes: known times and spells' bounds.

Properties draw histories at random and reach an exact boundary only when the
draw lands on it; these examples stand on each boundary on purpose, every run:
a record's known time, a correction's and a retraction's (and a microsecond
either side), and a spell's start and exclusive end at every precision.
Expected answers are written out here, from design.md's rules, never
computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import bound_questions, known_boundaries
from test_facts import Facts, Started, Stopped, histories, registry
from timeline import Answer, Log, ManualClock, Projection, Question, Record, in_force, on, project
from timeline import valid_time as read_valid
from timeline.stores import JsonLinesStore, MemoryStore, SQLiteStore
from timeline.testing import play
from timeline.typing import Store

URL = os.environ.get("TIMELINE_TEST_POSTGRES")
KINDS = ["memory", "sqlite", "jsonl", "postgres"]


@pytest.fixture(params=KINDS)
def make_store(request, tmp_path) -> Iterator[Callable[[], Store]]:
    """A function that makes an empty store of one kind (PostgreSQL when a server is named)."""
    kind = request.param
    made: list[Store] = []
    schemas: list[str] = []

    def make() -> Store:
        if kind == "memory":
            store: Store = MemoryStore()
        elif kind == "sqlite":
            store = SQLiteStore(tmp_path / f"{len(made)}.sqlite")
        elif kind == "jsonl":
            store = JsonLinesStore(tmp_path / f"{len(made)}.jsonl", durability="normal")
        else:
            if URL is None:
                pytest.skip("no PostgreSQL server named: set TIMELINE_TEST_POSTGRES to run these")
            from timeline.stores import PostgresStore  # noqa: PLC0415 -- the postgres extra

            schemas.append(f"t_{uuid.uuid4().hex[:16]}")
            store = PostgresStore(URL, schema=schemas[-1])
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
    if schemas:
        import psycopg  # noqa: PLC0415 -- the postgres extra

        with psycopg.connect(URL, autocommit=True) as db:
            for name in schemas:
                db.execute(
                    psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        psycopg.sql.Identifier(name)
                    )
                )


def _micro(text: str, step: int) -> str:
    """``text`` (ISO 8601, with a Z or without a zone) moved by ``step`` microseconds."""
    zoned = text.endswith("Z")
    moved = dt.datetime.fromisoformat(text.removesuffix("Z")) + dt.timedelta(microseconds=step)
    return moved.isoformat(timespec="microseconds") + ("Z" if zoned else "")


def _hits(found) -> list[tuple[str, int]]:
    """A facts answer as (key, position of the spell's first record), sorted."""
    return sorted((hit.key, hit.spell.records[0].position) for hit in found)


def _indexes(log: Log) -> dict[str, Facts]:
    """The index built in memory and, where the store keeps one, the index saved and reopened."""
    built = Facts(log)
    built.catch_up()
    indexes = {"built": built}
    if built.save_snapshot():
        indexes["saved"] = Facts.from_snapshot(log)
        assert indexes["saved"].position == log.last_position  # used, not rebuilt
    return indexes


# -- known times ----------------------------------------------------------------------------------

T1 = "2024-03-01T09:00:00.000100Z"  # kp starts
T2 = "2024-03-01T09:00:00.000200Z"  # ru starts, labelled y
T3 = "2024-03-01T09:00:00.000300Z"  # ru corrected: labelled z (positions 3 and 4)
T4 = "2024-03-01T09:00:00.000400Z"  # kp's start retracted (position 5)
T5 = "2024-03-01T09:00:00.000500Z"  # ru ends on 2024-01-20 (position 6)
ASKED = "2024-02-01"

# Known time -> (last position known, spells in force at ASKED as (key, first position)).
KNOWN = {
    _micro(T1, -1): (0, []),
    T1: (1, [("kp", 1)]),
    _micro(T1, 1): (1, [("kp", 1)]),
    _micro(T2, -1): (1, [("kp", 1)]),
    T2: (2, [("kp", 1), ("ru", 2)]),
    _micro(T3, -1): (2, [("kp", 1), ("ru", 2)]),
    T3: (4, [("kp", 1), ("ru", 3)]),  # the replacement alone: never both versions
    _micro(T3, 1): (4, [("kp", 1), ("ru", 3)]),
    _micro(T4, -1): (4, [("kp", 1), ("ru", 3)]),
    T4: (5, [("ru", 3)]),  # retracted at exactly its known time
    _micro(T5, -1): (5, [("ru", 3)]),
    T5: (6, []),  # ended at exactly the end's known time
    _micro(T5, 1): (6, []),
}


def _known_time_log(store: Store) -> Log:
    log = Log(store, clock=ManualClock("2024-03-01T00:00:00Z"), registry=registry)
    log.append(Started(key="kp", label="x"), valid="2024-01-11", known=T1)
    log.append(Started(key="ru", label="y"), valid="2024-01-11", known=T2)
    log.correct(2, Started(key="ru", label="z"), valid="2024-01-11", known=T3)
    log.retract(1, known=T4)
    log.append(Stopped(key="ru"), valid="2024-01-20", known=T5)
    return log


class Labels(Projection[tuple[str, ...]]):
    """Each started key and label, in valid-time order."""

    state_type = tuple[str, ...]

    def initial(self) -> tuple[str, ...]:
        return ()

    @on(Started)
    def started(self, state: tuple[str, ...], record: Record) -> tuple[str, ...]:
        return (*state, f"{record.event.key}/{record.event.label}")


LABELS = {0: (), 1: ("kp/x",), 2: ("kp/x", "ru/y"), 4: ("kp/x", "ru/z"), 5: ("ru/z",), 6: ("ru/z",)}


def test_the_log_as_known_at_exactly_each_known_time(make_store):
    """A record is known from exactly its known time on; a fix hides its target from exactly its."""
    log = _known_time_log(make_store())
    for known, (last, _) in KNOWN.items():
        assert log.last_position_known_by(known) == last, known
        assert [r.position for r in log.read(known=known)] == list(range(1, last + 1)), known
        assert project(Labels(), log, valid=ASKED, known=known) == LABELS[last], known
    assert log.status(1, known=_micro(T4, -1)).state == "active"
    assert log.status(1, known=T4).state == "retracted"
    assert log.status(2, known=_micro(T3, -1)).state == "active"
    assert log.status(2, known=T3).state == "corrected"


def test_facts_as_known_at_exactly_each_known_time(make_store):
    """Both indexes: one version of a spell per key at a fix's known time, and none before T1."""
    log = _known_time_log(make_store())
    indexes = _indexes(log)
    for name, facts in indexes.items():
        for known, (_, spells) in KNOWN.items():
            assert _hits(facts.at(ASKED, known=known)) == spells, (name, known)
            assert len(facts.history("ru", known=known)) == (known >= T2), (name, known)
            assert len(facts.history("kp", known=known)) == (T1 <= known < T4), (name, known)
    # Asked at the latest known time an index skips its filter; once more is appended,
    # T5 is no longer the latest and is filtered exactly as the earlier ones.
    log.append(Started(key="ua", label="x"), valid="2024-01-11", known="2024-03-02T00:00Z")
    for name, facts in indexes.items():
        for known in (T3, T4, T5):
            assert _hits(facts.at(ASKED, known=known)) == KNOWN[known][1], (name, known)


def test_answers_on_the_server_as_known_at_exactly_each_known_time(make_store):
    """PostgreSQL answers from saved rows: the same boundaries as the indexes in memory."""
    store = make_store()
    if not hasattr(store, "fact_answers"):
        pytest.skip("only a store that answers on the server")
    log = _known_time_log(store)
    assert Facts(log).save_snapshot()
    for known, (_, spells) in KNOWN.items():
        found = Facts.answer_from(store, ASKED, known=known).found
        assert [(key, first) for key, first, _ in found] == spells, known


# -- spells' bounds at every precision ------------------------------------------------------------

# Start and (exclusive) end at one precision, and the bounds they denote: the first instant each
# may be and the first after it, written out.
PRECISIONS = {
    "year": (
        "2020", "2023",
        "2020-01-01T00:00:00", "2021-01-01T00:00:00", "2023-01-01T00:00:00", "2024-01-01T00:00:00",
    ),
    "month": (
        "2023-09", "2024-02",
        "2023-09-01T00:00:00", "2023-10-01T00:00:00", "2024-02-01T00:00:00", "2024-03-01T00:00:00",
    ),
    "day": (
        "2024-01-11", "2024-01-20",
        "2024-01-11T00:00:00", "2024-01-12T00:00:00", "2024-01-20T00:00:00", "2024-01-21T00:00:00",
    ),
    "hour": (
        "2024-01-11T10", "2024-01-11T12",
        "2024-01-11T10:00:00", "2024-01-11T11:00:00", "2024-01-11T12:00:00", "2024-01-11T13:00:00",
    ),
    "minute": (
        "2024-01-11T10:20", "2024-01-11T10:25",
        "2024-01-11T10:20:00", "2024-01-11T10:21:00", "2024-01-11T10:25:00", "2024-01-11T10:26:00",
    ),
    "second": (
        "2024-01-11T10:20:30", "2024-01-11T10:20:45",
        "2024-01-11T10:20:30", "2024-01-11T10:20:31", "2024-01-11T10:20:45", "2024-01-11T10:20:46",
    ),
    "microsecond": (
        "2024-01-11T10:20:30.000005", "2024-01-11T10:20:30.000009",
        "2024-01-11T10:20:30.000005", "2024-01-11T10:20:30.000006",
        "2024-01-11T10:20:30.000009", "2024-01-11T10:20:30.000010",
    ),
}  # fmt: skip
ZONES = {"UTC": "Z", "floating": ""}  # a zoned spell asked in UTC; a floating one as written


def _instants(precision: str, suffix: str) -> list[tuple[str, Answer]]:
    """Each boundary instant, a microsecond either side, and the answer design.md gives there.

    In force: no before the start's first instant or from the end's last; yes from the
    start's last instant until the end's first; maybe between.
    """
    _, _, start_low, start_high, end_low, end_high = PRECISIONS[precision]
    s0, s1 = f"{start_low}{suffix}", _micro(f"{start_high}{suffix}", -1)  # the start's first, last
    e0, e1 = f"{end_low}{suffix}", _micro(f"{end_high}{suffix}", -1)  # the end's first, last
    exact = precision == "microsecond"  # a bound one microsecond wide: first == last
    no, maybe, yes = Answer.NO, Answer.MAYBE, Answer.YES
    return [
        (_micro(s0, -1), no),
        (s0, yes if exact else maybe),
        (_micro(s1, -1), no if exact else maybe),
        (s1, yes),
        (_micro(e0, -1), yes),
        (e0, no if exact else maybe),
        (_micro(e1, -1), yes if exact else maybe),
        (e1, no),
        (_micro(e1, 1), no),
    ]


def _periods(precision: str, tz: str) -> list[tuple[object, Answer]]:
    """Whole periods at the spell's own precision, and their answers.

    A period is *yes* when the spell surely holds at some instant of it: the start's own
    period (from its last instant on), and the period just before the end.
    """
    start, end, *_ = PRECISIONS[precision]
    first, last = read_valid(start, tz=tz), read_valid(end, tz=tz)
    unit = {"year": 0, "month": 1, "day": 2, "hour": 3, "minute": 4, "second": 5}.get(precision)
    if unit is None:  # a microsecond's period is its instant: asked above
        return []

    def shifted(moment, step: int):
        fields = [moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second]
        at = dt.datetime(
            int(fields[0]), int(fields[1] or 1), int(fields[2] or 1), *(f or 0 for f in fields[3:])
        )
        if unit == 0:
            at = at.replace(year=at.year + step)
        elif unit == 1:
            month = at.month - 1 + step
            at = at.replace(year=at.year + month // 12, month=month % 12 + 1)
        else:
            at += dt.timedelta(**{("days", "hours", "minutes", "seconds")[unit - 2]: step})
        return read_valid(at.isoformat()[: (4, 7, 10, 13, 16, 19)[unit]], tz=tz)

    no, maybe, yes = Answer.NO, Answer.MAYBE, Answer.YES
    return [
        (shifted(first, -1), no),
        (first, yes),
        (shifted(last, -1), yes),
        (last, maybe),
        (shifted(last, 1), no),
    ]


def _questions(precision: str, zone: str) -> list[tuple[object, Answer]]:
    tz = "UTC" if zone == "UTC" else "floating"
    return [*_instants(precision, ZONES[zone]), *_periods(precision, tz)]


def _spell(precision: str, zone: str):
    start, end, *_ = PRECISIONS[precision]
    tz = "UTC" if zone == "UTC" else "floating"
    return read_valid(start, tz=tz), read_valid(end, tz=tz)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_spell_at_exactly_its_bounds(precision, zone):
    """The three-valued rule itself, at each bound: an interval's extent, and in_force."""
    start, end = _spell(precision, zone)
    _, _, start_low, start_high, end_low, end_high = PRECISIONS[precision]
    suffix = "+00:00" if zone == "UTC" else ""
    assert start.bounds().iso() == (f"{start_low}{suffix}", f"{start_high}{suffix}")
    assert end.bounds().iso() == (f"{end_low}{suffix}", f"{end_high}{suffix}")
    extent = read_valid((start, end)).extent
    for question, expected in _questions(precision, zone):
        assert Question.of(question).answer(extent) is expected, question
        assert in_force(start, end, question) is expected, question


def _spells_log(store: Store) -> Log:
    log = Log(store, clock=ManualClock("2024-06-01T00:00:00Z"), registry=registry)
    for precision in PRECISIONS:
        for zone in ZONES:
            start, end = _spell(precision, zone)
            log.append(Started(key=f"{precision} {zone}", label="x"), valid=start)
            log.append(Stopped(key=f"{precision} {zone}"), valid=end)
    return log


def test_facts_at_exactly_a_spell_s_bounds_at_every_precision(make_store):
    """Both indexes and the server's saved rows: start inclusive, end exclusive, any precision."""
    store = make_store()
    log = _spells_log(store)
    indexes = _indexes(log)
    server = hasattr(store, "fact_answers")
    for precision in PRECISIONS:
        for zone in ZONES:
            key = f"{precision} {zone}"
            for question, expected in _questions(precision, zone):
                for name, facts in indexes.items():
                    assert facts.at(question).answer(key) is expected, (name, key, question)
                if server:
                    found = Facts.answer_from(store, question).found
                    got = [answer for k, _, answer in found if k == key] or [Answer.NO]
                    assert got == [expected], ("server", key, question)


# -- properties that stand on the edges -----------------------------------------------------------


@given(histories, st.data())
def test_facts_on_the_edges_equal_a_fresh_build_of_the_log_cut_there(schedule, data):
    """Known times and questions drawn from the log's own times and bounds, +-1 us.

    The index as known at T equals a fresh build of the log cut at T, and its answer at
    V equals each spell's own answer (brute force), T and V on the edges every run.
    """
    log = play(schedule, registry=registry)
    facts = Facts(log)
    facts.catch_up()
    for _ in range(3):
        known = data.draw(known_boundaries(log), label="known")
        asked = data.draw(bound_questions(facts), label="valid")
        cut = Log(registry=registry)
        last = log.last_position if known is None else log.last_position_known_by(known)
        cut.store.append(list(log.store.read(stop=last + 1)), expected_position=0)
        fresh = Facts(cut)
        got = sorted((hit.key, hit.answer.value) for hit in facts.at(asked, known=known))
        assert got == sorted((hit.key, hit.answer.value) for hit in fresh.at(asked))
        brute = sorted(
            (spell.key, spell.at(asked).value)  # answers do not order: their values do
            for key in facts.keys()
            for spell in facts.history(key, known=known)
            if spell.at(asked) is not Answer.NO
        )
        assert got == brute


# -- what the mutation run found unguarded (docs/explanation/guarantees.md) -----------------------

YES, MAYBE, NO = Answer.YES, Answer.MAYBE, Answer.NO


def test_answers_combine_by_the_three_valued_tables():
    """And, or and not of yes/maybe/no, written out (Kleene's logic); no truth value."""
    both = {(YES, YES): YES, (YES, MAYBE): MAYBE, (YES, NO): NO, (MAYBE, MAYBE): MAYBE,
            (MAYBE, NO): NO, (NO, NO): NO}  # fmt: skip
    either = {(YES, YES): YES, (YES, MAYBE): YES, (YES, NO): YES, (MAYBE, MAYBE): MAYBE,
              (MAYBE, NO): MAYBE, (NO, NO): NO}  # fmt: skip
    for (a, b), expected in both.items():
        assert (a & b, b & a) == (expected, expected), (a, b)
    for (a, b), expected in either.items():
        assert (a | b, b | a) == (expected, expected), (a, b)
    assert [~YES, ~MAYBE, ~NO] == [NO, MAYBE, YES]
    for answer in Answer:
        with pytest.raises(TypeError, match=r"^an Answer is three-valued: use `answer\.certain`"):
            bool(answer)


def test_a_moment_contains_exactly_its_own_instants_and_periods():
    """A zoned month: its first and last microsecond yes, one either side no; its neighbours no."""
    month = read_valid("2024-01", tz="UTC")
    assert month.contains("2023-12-31T23:59:59.999999Z") is NO
    assert month.contains("2024-01-01T00:00:00Z") is YES
    assert month.contains("2024-01-31T23:59:59.999999Z") is YES
    assert month.contains("2024-02-01T00:00:00Z") is NO
    for neighbour in ("2023-12", "2024-02"):
        assert month.contains(read_valid(neighbour, tz="UTC")) is NO, neighbour
    assert month.contains(read_valid("2024-01", tz="UTC")) is YES


def test_an_inexact_question_is_never_surer_than_its_dates():
    """'2030~' and '2024-01-0X' miss a spell of 2020: no; '2020~' may meet it: maybe, never yes."""
    extent = read_valid("2020/2021", tz="UTC").extent
    assert Question.of("2030~").answer(extent) is NO
    assert Question.of("2024-01-0X").answer(extent) is NO
    assert Question.of("2020~").answer(extent) is MAYBE
    assert Question.of("2020-06-1X").answer(extent) is MAYBE


def test_the_count_of_spells_follows_every_fix():
    """len(facts): three spells; one retracted, two; one corrected, still two (one replaced)."""
    log = Log(clock=ManualClock("2024-03-01T00:00:00Z"), registry=registry)
    for key in ("kp", "ru", "ua"):
        log.append(Started(key=key, label="x"), valid="2024-01-11")
    facts = Facts(log)
    assert len(facts) == 3
    log.retract(2)
    assert len(facts) == 2
    log.correct(3, Started(key="ua", label="y"), valid="2024-01-12")
    assert len(facts) == 2
