"""Field rules: facts read from event fields, from stored rows, as their methods would read them."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_facts import Amended, Facts, Started, Stopped, histories, registry, when
from timeline import (
    Change,
    FieldRule,
    Log,
    ManualClock,
    Provenance,
    RecordDecodeError,
    TemporalFacts,
    amends,
    ends,
    event,
    starts,
)
from timeline import facts as seam
from timeline.sanctions import Designated
from timeline.stores import SQLiteStore
from timeline.testing import intervals, moments, play


@event("test.fields.noise", registry=registry)
class Noise:
    """Events no rule reads: a catch-up from rows skips them unread."""

    key: str


class FieldFacts(TemporalFacts):
    """:class:`test_facts.Facts`, its methods written as field rules."""

    started = starts(Started, key="key", values=["label"])
    amended = amends(Amended, key="key", values=["label"])
    stopped = ends(Stopped, key="key")


def same_index(fields: TemporalFacts, methods: TemporalFacts) -> None:
    """Both indexes hold the very same arrays: every answer is then the same."""
    assert fields.position == methods.position
    assert fields._head == methods._head
    assert fields._keys == methods._keys
    for name in seam._Rows.NAMES:
        assert getattr(fields._rows, name) == getattr(methods._rows, name), name
    for name in ("_key_slot", "_key_row", "_slot_position", "_slot_previous", "_slot_ids"):
        assert getattr(fields, name) == getattr(methods, name), name
    assert fields._fixes == methods._fixes
    assert fields._latest == methods._latest


def _same_answers(fields: TemporalFacts, methods: TemporalFacts, log: Log, at: object) -> None:
    assert fields.unmatched() == methods.unmatched()
    for known in sorted({record.known_at for record in log}):
        assert fields.at(at, known=known) == methods.at(at, known=known)
        for key in methods.keys():
            assert fields.history(key, known=known) == methods.history(key, known=known)


@given(histories, st.lists(st.integers(0, 10), max_size=3), when)
def test_field_rules_read_from_rows_index_what_their_methods_index(schedule, cuts, at):
    """Caught up from stored rows at any points, with fixes and late records: the same index."""
    steps = list(schedule.steps)
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "f.sqlite", durability="normal")
        log = Log(store, clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
        fields, methods = FieldFacts(log), Facts(log)
        assert fields._row_pages() is not None  # the fast lane is taken
        done = 0
        for cut in [*sorted({min(cut, len(steps)) for cut in cuts}), len(steps)]:
            play(steps[done:cut], log=log)
            log.append(Noise(key="kp"), valid="2021")
            done = cut
            assert fields.catch_up() == methods.catch_up()
            same_index(fields, methods)
        _same_answers(fields, methods, log, at)
        log.close()


batches = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(["start", "amend", "end", "noise"]),
            st.sampled_from(["kp", "ru", "ua"]),
            moments(min_year=2020, max_year=2022) | intervals(),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    ),
    max_size=4,
)
_EVENTS = {
    "start": lambda key: Started(key=key, label=key[0]),
    "amend": lambda key: Amended(key=key, label="z"),
    "end": lambda key: Stopped(key=key),
    "noise": lambda key: Noise(key=key),
}


@given(batches, when)
def test_batches_of_many_records_index_the_same_either_way(appended, at):
    """Batches sharing one known time: new keys' starts and ends, amendments, provenance."""
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "f.sqlite", durability="normal")
        log = Log(store, clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
        fields, methods = FieldFacts(log), Facts(log)
        for batch in appended:
            log.extend(
                log.entry(
                    _EVENTS[kind](key),
                    valid=valid,
                    provenance=Provenance(source="https://example.org") if sourced else None,
                )
                for kind, key, valid, sourced in batch
            )
            fields.catch_up()
            methods.catch_up()
            same_index(fields, methods)
        _same_answers(fields, methods, log, at)
        log.close()


def test_a_rule_called_with_a_record_gives_the_change_its_method_gives():
    log = Log(clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    record = log.append(Started(key="kp", label="x"), valid="2021")
    assert FieldFacts.started(record) == Change("kp", {"label": "x"})
    assert FieldFacts.stopped(log.append(Stopped(key="kp"), valid="2022")) == Change("kp")
    # Elsewhere than SQL stores, the rules run on records: the same answers.
    assert FieldFacts(log).at("2021-06") == Facts(log).at("2021-06")


def test_a_damaged_body_of_a_rule_s_type_raises_as_the_long_way_does(tmp_path):
    path = tmp_path / "f.sqlite"
    log = Log(SQLiteStore(path), clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    log.append(Started(key="kp", label="x"), valid="2021")
    log.append(Started(key="ru", label="x"), valid="2021")
    log.close()
    with sqlite3.connect(path) as db:
        db.execute("""UPDATE records SET body = '{"data": {"key": 1}}' WHERE position = 2""")
    log = Log(SQLiteStore(path), registry=registry)
    with pytest.raises(RecordDecodeError, match="position 2") as fields_error:
        FieldFacts(log).catch_up()
    with pytest.raises(RecordDecodeError, match="position 2") as methods_error:
        Facts(log).catch_up()
    assert str(fields_error.value) == str(methods_error.value)
    log.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: starts(Started, key="name"), "Started has no field 'name'"),
        (lambda: starts(Started, key="key", values=["key", "lable"]), "no field 'lable'"),
        (lambda: ends(Stopped, values=["key"]), "needs key="),
        (lambda: amends(Amended, key="key", values="label"), "not the string 'label'"),
        (lambda: starts(key="key"), "at least one event type"),
        (lambda: starts(dict, key="key"), "not an event class"),
        (lambda: starts(Designated, key="target"), "a key is text or a number, and 'target' is"),
    ],
)
def test_a_rule_that_names_what_is_not_there_is_refused_where_it_is_written(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_a_rule_is_a_field_rule_with_what_it_was_given():
    rule = starts(Started, key="key", values=("label",))
    assert isinstance(rule, FieldRule)
    assert (rule.role, rule.event_types, rule.key, rule.values) == (
        "start",
        (Started,),
        "key",
        ("label",),
    )


@pytest.mark.parametrize("kind", [FieldFacts, Facts])
@pytest.mark.parametrize("first_build", [True, False])
@pytest.mark.parametrize("long", [True, False])
def test_a_catch_up_that_fails_midway_leaves_nothing_half_read(
    tmp_path, monkeypatch, kind, first_build, long
):
    """A damaged record stops a catch-up; once it is mended, the facts are a fresh build's.

    ``long``: the catch-ups count as long ones, which make the interval sets at the end.
    """
    if long:
        monkeypatch.setattr(seam._tuning, "COMPACT", -1)
    path = tmp_path / "f.sqlite"
    log = Log(SQLiteStore(path), clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    log.append(Started(key="kp", label="x"), valid="2020")
    facts = kind(log)
    if not first_build:
        facts.catch_up()  # a short catch-up next: rows filed as they come
    log.extend(
        log.entry(event, valid=valid)
        for event, valid in [
            (Stopped(key="kp"), "2021"),
            (Started(key="ru", label="y"), "2021"),
            (Started(key="ua", label="z"), "2022"),
        ]
    )
    log.close()
    with sqlite3.connect(path) as db:
        (good,) = db.execute("SELECT body FROM records WHERE position = 4").fetchone()
        db.execute("""UPDATE records SET body = '{"data": {"key": 1}}' WHERE position = 4""")
    facts.log = log = Log(SQLiteStore(path), registry=registry)
    with pytest.raises(RecordDecodeError, match="position 4"):
        facts.catch_up()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE records SET body = ? WHERE position = 4", (good,))
    facts.catch_up()
    fresh = kind(log)
    fresh.catch_up()
    assert facts.keys() == fresh.keys() == ["kp", "ru", "ua"]
    assert facts.at("2023") == fresh.at("2023")
    for key in fresh.keys():
        assert facts.history(key) == fresh.history(key)
    log.close()


def test_a_key_field_of_a_number_keys_the_fact_by_its_text():
    """An int key is keyed by its text, by either lane, as a method returning str(key) is."""

    @event("test.fields.numbered", registry=registry)
    class Numbered:
        number: int

    class ByNumber(TemporalFacts):
        started = starts(Numbered, key="number")

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "f.sqlite")
        log = Log(store, clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
        log.append(Numbered(number=7), valid="2021")
        assert ByNumber(log).at("2022").keys() == ["7"]  # from rows
        log.close()
    log = Log(clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    log.append(Numbered(number=7), valid="2021")
    assert ByNumber(log).at("2022").keys() == ["7"]  # from records
