"""timeline.tables: rows and DataFrames of answers, histories, changes and records."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_facts import Facts, histories, registry, when
from timeline import (
    Answer,
    End,
    InvalidValidTimeError,
    Log,
    ManualClock,
    MissingExtraError,
    Provenance,
    SavedAnswer,
    Spell,
    TimelineError,
    load_jsonl,
    read_instant,
    seed_path,
)
from timeline.events import Statement
from timeline.sanctions import SanctionsInForce
from timeline.tables import RECORD_COLUMNS, SPELL_COLUMNS, rows, to_pandas, to_polars
from timeline.testing import play

pandas = pytest.importorskip("pandas", reason="the pandas extra is not installed")
polars = pytest.importorskip("polars", reason="the polars extra is not installed")

zones = st.sampled_from(["UTC", "Asia/Tokyo", "America/New_York", "+05:30", "-03:00"])


def _micros(text: str | None) -> int | None:
    """ISO text (expanded years too) back to microseconds, as Bounds keeps instants."""
    return None if text is None else read_instant(text)[0]


def _wall_micros(text: str | None) -> int | None:
    """ISO text's wall time, without its offset (how floating bounds are kept)."""
    return None if text is None else read_instant(text.removesuffix("+00:00"))[0]


def _wall(text: str | None, row: dict, name: str) -> str | None:
    """A frame's instant as its row writes it: a floating value's wall time has no offset."""
    prefix = "valid" if name.startswith("valid") else name.split("_", maxsplit=1)[0]
    if text is None or name == "known_at" or not row.get(f"{prefix}_floating"):
        return text
    return dt.datetime.fromisoformat(text).replace(tzinfo=None).isoformat()


def _held(text: str | None) -> bool:
    """Whether ISO text is an instant a datetime holds (years 0001-9999)."""
    return text is not None and text[:4].isdigit() and text[4] == "-" and int(text[:4]) >= 1


def _check_end(row: dict, name: str, end: object) -> None:
    """A row's columns for one end of a spell say what the end is, and where it may lie."""
    if isinstance(end, End):
        assert row[name] == end.value
        assert row[f"{name}_earliest"] is row[f"{name}_latest"] is None
        return
    bounds = end.bounds()  # type: ignore[attr-defined]
    assert row[name] == str(end)
    assert row[f"{name}_floating"] is bounds.floating
    read = _wall_micros if bounds.floating else _micros
    assert (read(row[f"{name}_earliest"]), read(row[f"{name}_latest"])) == (bounds.low, bounds.high)


@given(histories, when, zones)
def test_an_answer_as_rows_says_what_each_hit_says(schedule, at, tz):
    """Every hit a row, same columns in each, JSON-safe; the instants are the spell's bounds."""
    log = play(schedule, registry=registry)
    hits = Facts(log).at(at)
    table = rows(hits, tz=tz)
    assert len(table) == len(hits)
    assert json.loads(json.dumps(table)) == table
    for row, hit in zip(table, hits, strict=True):
        assert list(row)[: len(SPELL_COLUMNS) + 1] == ["answer", *SPELL_COLUMNS]
        assert list(row) == list(table[0])
        assert (row["answer"], row["key"], row["fact"]) == (
            hit.answer.value,
            hit.key,
            hit.spell.fact,
        )
        assert row["records"] == [record.position for record in hit.spell.records]
        assert row["attributes_label"] == hit.spell.attributes.get("label")
        _check_end(row, "from", hit.spell.start)
        _check_end(row, "until", hit.spell.end)
        for column in ("from_earliest", "until_latest"):
            if row[column] is not None and not row[column].startswith("-"):  # years 1-9999
                moment = dt.datetime.fromisoformat(row[column])
                if row[column.split("_")[0] + "_floating"]:  # a wall time: no offset
                    assert moment.utcoffset() is None
                else:  # an instant, in tz
                    assert moment.utcoffset() == moment.astimezone(zone_of(tz)).utcoffset()


def zone_of(tz: str) -> dt.tzinfo:
    from timeline.time import zone_of as zone  # noqa: PLC0415 -- the library's own reading

    return zone(tz)


@given(histories, st.data())
def test_frames_hold_the_rows_with_their_dtypes(schedule, data):
    """Pandas and polars frames: the rows' columns and values, instants as aware datetimes."""
    log = play(schedule, registry=registry)
    facts = Facts(log)
    tz = data.draw(zones)
    items = data.draw(
        st.sampled_from(
            [
                facts.at(data.draw(when)),
                facts.changes("2000", "2031"),
                list(log.read()),
                *(facts.history(key) for key in facts.keys()[:1]),
            ]
        )
    )
    table = rows(items, tz=tz, registry=registry)
    frame = to_pandas(items, tz=tz, registry=registry)
    if tz == "+05:30":
        with pytest.raises(InvalidValidTimeError, match=r"no fixed offset of '\+05:30'"):
            to_polars(items, tz=tz, registry=registry)
        tz = "Asia/Kolkata"  # the same offset, by name, which polars takes
    polar = to_polars(items, tz=tz, registry=registry)
    assert len(frame) == len(polar) == len(table)
    if not table:
        return
    assert list(frame.columns) == polar.columns == list(table[0])
    for name in table[0]:
        if name.endswith(("_earliest", "_latest")) or name == "known_at":
            assert isinstance(frame[name].dtype, pandas.DatetimeTZDtype)
            assert polar.schema[name].time_unit == "us"  # type: ignore[union-attr]
            shown = [None if value is pandas.NaT else value.isoformat() for value in frame[name]]
            # Years 1-9999 as in the rows -- a floating value's wall time read in tz there --;
            # others, which no datetime holds, null.
            assert [_wall(text, row, name) for text, row in zip(shown, table, strict=True)] == [
                row[name] if _held(row[name]) else None for row in table
            ]
            assert [None if v is None else v.isoformat() for v in polar[name]] == shown
        elif name in {"position", "version"}:
            assert str(frame[name].dtype) == "Int64"
            assert polar.schema[name] == polars.Int64
            assert list(polar[name]) == [row[name] for row in table]
        elif name == "records":
            assert polar.schema[name] == polars.List(polars.Int64)
            assert polar[name].to_list() == [row[name] for row in table]
        elif name in {"key", "answer", "type", "from", "until", "valid", "hash"}:
            assert polar.schema[name] == polars.String
            assert list(frame[name]) == list(polar[name]) == [row[name] for row in table]


def test_records_as_rows_keep_their_provenance_event_and_known_time():
    """A record's row: its position, id, known time, type, valid time, sources and fields."""
    log = Log(clock=ManualClock("2024-01-12T08:30:00Z"))
    said = Provenance(source="Al Jazeera", quote="we are aware", speaker="John Kirby")
    log.append(
        Statement(speaker="John Kirby", text="we are aware"), valid="2024-01-04", provenance=said
    )
    log.append(Statement(speaker="x", text="y"), valid="2023-12-30T10:00:00+02:00/2024-01-02")
    first, second = rows(log.read(), tz="Asia/Tokyo")
    assert list(first)[: len(RECORD_COLUMNS)] == list(RECORD_COLUMNS)
    assert first["known_at"] == "2024-01-12T17:30:00+09:00"
    assert (first["type"], first["version"], first["position"]) == ("events.statement", 1, 1)
    assert (first["source"], first["speaker"], first["quote"]) == (
        "Al Jazeera",
        "John Kirby",
        "we are aware",
    )
    assert (first["event_speaker"], first["event_text"]) == ("John Kirby", "we are aware")
    # Floating (no zone written): the wall time, no offset; zoned: the instant, in Tokyo.
    assert (first["valid_earliest"], first["valid_latest"]) == (
        "2024-01-04T00:00:00",
        "2024-01-05T00:00:00",
    )
    assert first["valid_floating"] is True
    assert second["valid_earliest"] == "2023-12-30T17:00:00+09:00"
    assert first["id"] == str(next(iter(log.read())).id)


def test_open_ends_are_null_and_far_years_are_text_in_rows_and_null_in_frames():
    """An open end has no instant; a year no datetime holds is ISO text, and null in a frame."""
    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
    log.append(Statement(speaker="a", text="b"), valid="-0050/..")
    row = rows(log.read())[0]
    assert row["valid_earliest"] == "-0050-01-01T00:00:00"  # floating: a wall time
    assert row["valid_latest"] is None
    frame = to_pandas(log.read())
    assert frame["valid_earliest"].isna().all()
    assert to_polars(log.read())["valid_earliest"].is_null().all()


def test_the_seed_timeline_as_a_frame():
    """The seed article's answer on 2024-02-01: five sanctions, yes, from their dates."""
    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
    load_jsonl(seed_path(), log)
    frame = to_pandas(SanctionsInForce(log).at("2024-02-01"))
    assert list(frame["answer"]) == ["yes"] * 5
    assert frame["from_earliest"].min() == pandas.Timestamp("2006-01-01", tz="UTC")
    assert frame["until_latest"].isna().all()  # all still in force
    assert set(frame["attributes_authority"]) == {"UN Security Council", "United States"}


def test_a_saved_answer_as_rows():
    """SavedAnswer.found: answer, key, first record."""
    found = SavedAnswer(3, 0, [("a", 1, Answer.YES), ("b", 2, Answer.MAYBE)])
    assert rows(found) == [
        {"answer": "yes", "key": "a", "first_record": 1},
        {"answer": "maybe", "key": "b", "first_record": 2},
    ]
    assert to_polars(found).schema["first_record"] == polars.Int64


def test_mixed_or_foreign_items_and_unknown_zones_are_refused():
    """One kind per table; a zone must be one; the error says what was wrong and where."""
    spell = Spell(key="k", start=End.OPEN, end=End.OPEN, attributes={})
    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
    log.append(Statement(speaker="a", text="b"), valid="2024")
    with pytest.raises(TimelineError, match="item 1 is a record, after spells"):
        rows([spell, *log.read()])
    with pytest.raises(TimelineError, match="item 0 is a str"):
        rows(["not an item"])  # type: ignore[list-item]
    with pytest.raises(InvalidValidTimeError, match="unknown time zone 'Mars/Olympus'"):
        rows([spell], tz="Mars/Olympus")
    assert rows([]) == []
    assert to_pandas([]).shape == to_polars([]).shape == (0, 0)


@pytest.mark.parametrize("extra", ["pandas", "polars"])
def test_a_missing_extra_is_named(extra, monkeypatch):
    """Without pandas (or polars): a MissingExtraError that says what to install."""
    monkeypatch.setitem(sys.modules, extra, None)  # import fails, as if not installed
    make = to_pandas if extra == "pandas" else to_polars
    with pytest.raises(MissingExtraError, match=rf"pip install 'bitemporal-timeline\[{extra}\]'"):
        make([])
    with pytest.raises(ImportError):  # and an ImportError, for code that catches those
        make([])


def test_records_of_a_registry_of_your_own_need_it_not_again():
    """A table of a log's records finds the log's own registry: no registry= to repeat."""
    from timeline import Registry, event  # noqa: PLC0415

    registry = Registry()

    @event("tables.own.noted", registry=registry)
    class Noted:
        text: str

    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    log.append(Noted(text="seen"), valid="2024-01")
    (row,) = rows(log.read())
    assert (row["type"], row["event_text"]) == ("tables.own.noted", "seen")
    assert rows(log.read(), registry=registry) == [row]


@given(histories, when, when)
def test_answers_make_their_own_tables(schedule, at, other):
    """answer.to_rows() / to_pandas() / to_polars() are the tables of the answer."""
    log = play(schedule, registry=registry)
    facts = Facts(log)
    answers = [facts.at(at), facts.changes(min(at, other), max(at, other))]
    answers += [facts.history(key) for key in facts.keys()]
    for answer in answers:
        assert answer.to_rows() == rows(answer)
        assert answer.to_rows(tz="Asia/Tokyo") == rows(answer, tz="Asia/Tokyo")
        if _installed("pandas"):
            assert answer.to_pandas().equals(to_pandas(answer))
        if _installed("polars"):
            assert answer.to_polars().equals(to_polars(answer))
    assert facts.changes(min(at, other), max(at, other)) == list(answers[1])  # still a list


def _installed(name: str) -> bool:
    import importlib.util  # noqa: PLC0415 -- this helper only

    return importlib.util.find_spec(name) is not None
