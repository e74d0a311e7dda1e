"""Typed appends: whatever an append accepts reads back equal; anything else is refused unwritten.

An event is checked against its declared field types as reading will check
it, before anything is written, on every way in: append, extend, correct and
the loader.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline import (
    Entry,
    InvalidEventError,
    InvalidValidTimeError,
    Log,
    ManualClock,
    Provenance,
    Registry,
    SourceFileError,
    event,
    load_jsonl,
    valid_time,
)
from timeline.sanctions import Designated, Target, TargetKind
from timeline.stores import JsonLinesStore, SQLiteStore

registry = Registry()


@event("test.typed.plain", registry=registry)
class Plain:
    text: str
    count: int
    ratio: float
    flag: bool
    note: str | None = None


@event("test.typed.rich", registry=registry)
class Rich:
    day: dt.date
    when: dt.datetime
    tags: list[str]
    pair: tuple[int, int]
    amounts: frozenset[int]
    ident: uuid.UUID


def _log(store=None) -> Log:
    return Log(store, clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)


# Any value a caller might pass, right or wrong for the field it lands in.
_ANY = st.one_of(
    st.text(max_size=5),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
    st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=3),
    st.tuples(st.integers(), st.one_of(st.integers(), st.text(max_size=2))),
    st.frozensets(st.integers(), max_size=3),
    st.uuids(),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
_RIGHT = {
    "text": st.text(),
    "count": st.integers(),
    "ratio": st.floats(allow_nan=False, allow_infinity=False) | st.integers(),
    "flag": st.booleans(),
    "note": st.none() | st.text(),
    "day": st.dates(),
    "when": st.datetimes(timezones=st.just(dt.UTC)),
    "tags": st.lists(st.text(max_size=3), max_size=3),
    "pair": st.tuples(st.integers(), st.integers()),
    "amounts": st.frozensets(st.integers(), max_size=3),
    "ident": st.uuids(),
}


@st.composite
def _events(draw: st.DrawFn) -> object:
    """An instance of Plain or Rich whose fields are mostly right and sometimes anything."""
    cls = draw(st.sampled_from([Plain, Rich]))
    names = [field.name for field in cls.__attrs_attrs__]
    values = {
        name: draw(st.one_of(_RIGHT[name], _ANY) if draw(st.booleans()) else _RIGHT[name])
        for name in names
    }
    made = object.__new__(cls)
    for name, value in values.items():  # as a class without validators takes anything
        object.__setattr__(made, name, value)
    return made


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(_events(), min_size=1, max_size=4))
def test_what_an_append_accepts_reads_back_equal_from_every_store(events):
    """Accepted events read back equal (memory, SQLite, JSON Lines); refused ones write nothing."""
    with tempfile.TemporaryDirectory() as folder:
        logs = [
            _log(),
            _log(SQLiteStore(Path(folder) / "log.sqlite")),
            _log(JsonLinesStore(Path(folder) / "log.jsonl")),
        ]
        for log in logs:
            accepted = []
            for item in events:
                before = log.last_position
                try:
                    log.append(item, valid="2024")
                except InvalidEventError:
                    assert log.last_position == before
                    continue
                accepted.append(item)
            assert [record.event for record in log.read()] == accepted
            log.close()


@pytest.mark.parametrize(
    ("made", "words"),
    [
        (
            lambda: Plain(text=123, count=1, ratio=1.0, flag=True),
            "'text' is declared str but holds int 123",
        ),
        (
            lambda: Plain(text="a", count=1, ratio="1.5", flag=True),
            "'ratio' is declared float but holds str '1.5'",
        ),
        (
            lambda: Plain(text="a", count=True, ratio=1.0, flag=True),
            "'count' is declared int but holds bool True",
        ),
        (
            lambda: Plain(text="a", count=1, ratio=1.0, flag=1),
            "'flag' is declared bool but holds int 1",
        ),
        (
            lambda: Plain(text="a", count=1, ratio=float("nan"), flag=True),
            "'ratio' (float) holds float nan",
        ),
        (lambda: _rich(day="2024-01-01"), "'day' is declared date but holds str '2024-01-01'"),
        (lambda: _rich(when=dt.datetime(2024, 1, 1)), "naive datetime"),
        (lambda: _rich(tags=["a", 2]), "'tags' is declared list[str] but holds list ['a', 2]"),
        (lambda: _rich(pair=(1, "2")), "'pair' is declared tuple[int, int]"),
    ],
)
def test_a_mistyped_field_is_named_with_what_it_should_hold(made, words):
    """The error names the type, the field, its declared type and what it was given."""
    log = _log()
    with pytest.raises(InvalidEventError, match=r"^test\.typed\.") as caught:
        log.append(made(), valid="2024")
    assert words in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert log.last_position == 0


def _rich(**changes: object) -> Rich:
    values = {
        "day": dt.date(2024, 1, 1),
        "when": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        "tags": ["a"],
        "pair": (1, 2),
        "amounts": frozenset({1}),
        "ident": uuid.UUID(int=1),
        **changes,
    }
    return Rich(**values)  # type: ignore[arg-type]  # the point: wrong types get in


def test_a_batch_with_one_mistyped_event_writes_nothing():
    """extend() and correct() check every event before the batch is written."""
    log = _log()
    good = Plain(text="a", count=1, ratio=1.0, flag=True)
    first = log.append(good, valid="2024")
    with pytest.raises(InvalidEventError, match="'count'"):
        log.extend(
            [
                Entry(good, valid="2024"),
                Entry(Plain(text="b", count="2", ratio=1.0, flag=False), valid="2024"),
            ]
        )
    with pytest.raises(InvalidEventError, match="'text'"):
        log.correct(first, Plain(text=None, count=1, ratio=1.0, flag=True), valid="2024")
    assert [record.event for record in log.read()] == [good]


def test_an_entry_takes_what_valid_time_and_provenance_take():
    """Entry(valid="2024") and a provenance mapping work as documented; other shapes are refused."""
    log = _log()
    (record,) = log.extend([Entry(Plain(text="a", count=1, ratio=1.0, flag=True), valid="2024-01")])
    assert record.valid == valid_time("2024-01")
    made = log.append(
        Plain(text="b", count=2, ratio=2.0, flag=False), valid="2024", provenance={"source": "AP"}
    )
    assert made.provenance == Provenance(source="AP")
    assert list(log.read())[-1].provenance == Provenance(source="AP")
    with pytest.raises(InvalidEventError, match="no field"):
        log.append(
            Plain(text="c", count=3, ratio=3.0, flag=True), valid="2024", provenance={"src": "AP"}
        )
    with pytest.raises(InvalidEventError, match="not list"):
        log.append(Plain(text="c", count=3, ratio=3.0, flag=True), valid="2024", provenance=["AP"])
    with pytest.raises(InvalidEventError, match="provenance source must be text, not int 7"):
        log.append(
            Plain(text="c", count=3, ratio=3.0, flag=True),
            valid="2024",
            provenance=Provenance(source=7),
        )  # type: ignore[arg-type]
    with pytest.raises(InvalidValidTimeError):
        Entry(Plain(text="c", count=3, ratio=3.0, flag=True), valid=["2024"])
    assert log.last_position == 2
    assert [r.position for r in log.read()] == [1, 2]


def test_a_zone_out_of_range_is_named_as_a_zone():
    """tz='+25:00' is an InvalidValidTimeError about the zone, not a bare ValueError."""
    with pytest.raises(InvalidValidTimeError, match=r"'\+25:00' is out of range"):
        valid_time("2024-01-01", tz="+25:00")
    with pytest.raises(InvalidValidTimeError, match="a time zone is a name or an offset"):
        valid_time("2024-01-01", tz=5)  # type: ignore[arg-type]


def test_the_loader_keeps_a_validators_words(tmp_path):
    """A line whose event fails its validator is reported with the validator's message and line."""
    source = tmp_path / "lift.jsonl"
    line = {"type": "sanctions.lifted", "data": {"target": "X", "authority": "US"}, "valid": "2024"}
    source.write_text(json.dumps(line) + "\n")
    with pytest.raises(
        SourceFileError, match=r"lift\.jsonl:1: .*must name the designation it changes"
    ):
        load_jsonl(source, Log())


def test_a_type_name_ending_in_a_newline_is_refused():
    """Type names are matched whole: a trailing newline is not part of a valid name."""
    with pytest.raises(Exception, match="type name"):

        @event("test.typed.newline\n", registry=Registry())
        class Newline:
            text: str


@pytest.mark.parametrize("text", ["Lone \ud800 surrogate", "\udfff", "pair \ud83d\ude00 split"])
def test_text_that_is_not_unicode_is_refused_with_what_it_holds(text):
    """A lone surrogate in a field is an InvalidEventError naming the type, not a codec's crash."""
    log = Log()
    target = Target(name=text, kind=TargetKind.COMPANY)
    with pytest.raises(InvalidEventError, match="not valid Unicode"):
        log.append(Designated(target=target, authority="EU"), valid="2020/..")
    assert log.last_position == 0
