"""Whose calendar a date is on: zone rules of a record, a source, a vocabulary (issue #34)."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import ClassVar

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_facts import Facts, Started, Stopped, _known_times, histories, registry, when
from test_field_rules import FieldFacts, same_index
from timeline import (
    Answer,
    InvalidEventError,
    Log,
    ManualClock,
    Provenance,
    SnapshotIgnoredWarning,
    ZoneRule,
    read_in,
    valid_time,
)
from timeline.sanctions import EmbargoImposed, SanctionsInForce
from timeline.stores import JsonLinesStore, SQLiteStore
from timeline.testing import play
from timeline.time import zone_of

#: Zones east and west, with and without summer time, the extreme offsets, an offset.
ZONES = st.sampled_from(
    [
        "America/New_York",
        "Europe/London",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Pacific/Kiritimati",
        "Etc/GMT+12",
        "+05:30",
    ]
)


def _summary(answer):
    return sorted((hit.key, hit.answer.value) for hit in answer)


def _wall(instant: pendulum.DateTime, zone: str) -> str:
    """The instant as a wall clock in ``zone`` shows it, written without a zone (floating)."""
    local = instant.in_timezone(zone_of(zone))
    return local.naive().isoformat(timespec="microseconds")


@given(histories, when, ZONES, st.data())
def test_a_zone_rule_answers_as_if_both_sides_were_in_its_zone(schedule, at, zone, data):
    """With the vocabulary's zone, a floating fact meets a zoned question as wall times in it do.

    Floating dates against a zoned instant, read in the rule's zone, give the
    answer of the same question asked as that zone's wall time against the
    dates left floating (floating against floating is exact), at every known
    time; and a day asked in that zone, the answer of the floating day.
    """
    log = play(schedule, registry=registry)
    zoned = type("Zoned", (Facts,), {"tz": zone})(log)
    plain = Facts(log)
    known = data.draw(st.sampled_from([None, *_known_times(log)]), label="known")
    assert _summary(zoned.at(at, known=known)) == _summary(plain.at(_wall(at, zone), known=known))
    day = _wall(at, zone)[:10]
    assert _summary(zoned.at(day, known=known, tz=zone)) == _summary(plain.at(day, known=known))
    for hit in zoned.at(at, known=known):
        why = hit.why()
        assert why.rederive() is hit.answer
        for bound in (why.start, why.end):
            if bound is not None and bound.dated:
                assert bound.zone_rule == ZoneRule(zone, "vocabulary")


SOURCES = st.sampled_from([None, "UN Security Council", "OFAC", "Reuters"])
RECORD_ZONES = st.sampled_from([None, None, "Asia/Tokyo", "Etc/GMT+12"])
DATES = st.sampled_from(
    ["2024-04-30", "2024-05-01", "2024-04", "2024-04-30T23:00", "2023/2024-05-01"]
)


class Sourced(Facts):
    """The facts, with New York dates for two sources and London for the rest."""

    tz = "Europe/London"
    tz_by_source: ClassVar = {"UN Security Council": "America/New_York", "OFAC": "America/New_York"}


class SourcedFields(FieldFacts):
    """The same rules over fields, read from stored rows."""

    tz = "Europe/London"
    tz_by_source: ClassVar = {"UN Security Council": "America/New_York", "OFAC": "America/New_York"}


entries = st.lists(
    st.tuples(st.sampled_from(["kp", "ru"]), st.booleans(), DATES, SOURCES, RECORD_ZONES),
    max_size=8,
)


def _append(log: Log, drawn) -> None:
    for key, start, date, source, zone in drawn:
        made = Started(key=key, label="x") if start else Stopped(key=key)
        log.append(made, valid=date, provenance=Provenance(source=source, tz=zone))


def _expected_zone(source: str | None, zone: str | None) -> str:
    return zone or {"UN Security Council": "America/New_York", "OFAC": "America/New_York"}.get(
        source or "", "Europe/London"
    )


@given(entries, when)
def test_the_record_comes_first_then_its_source_then_the_vocabulary(drawn, at):
    """Each record's dates are read in its own zone, else its source's, else the vocabulary's.

    The index of zoned facts answers as one built from the same records
    written in the zone the rules give each; a catch-up from stored rows
    (field rules) files the very same index as the methods do.
    """
    with tempfile.TemporaryDirectory() as folder:
        log = Log(SQLiteStore(Path(folder) / "z.sqlite"), registry=registry)
        _append(log, drawn)
        written = Log(registry=registry)
        for record in log:
            zone = _expected_zone(record.provenance.source, record.provenance.tz)
            written.append(record.event, valid=read_in(record.valid, zone))
        assert _summary(Sourced(log).at(at)) == _summary(Facts(written).at(at))
        fields, methods = SourcedFields(log), Sourced(log)
        fields.catch_up()
        methods.catch_up()
        same_index(fields, methods)
        log.store.close()


def test_the_un_mandate_is_in_force_on_its_last_new_york_evening():
    """The issue's case: "until 30 April 2024" in a UN resolution, asked at 23:59:59Z that day."""
    log = Log(clock=ManualClock("2024-05-02T00:00:00Z"))
    un = Provenance(source="UN Security Council", quote="until 30 April 2024")
    log.append(
        EmbargoImposed(target="Mali", authority="UN Security Council", scope="arms"),
        valid="2023-05-01/2024-05-01",
        provenance=un,
    )
    key = "UN Security Council / arms embargo / Mali"
    asked = "2024-04-30T23:59:59Z"
    assert SanctionsInForce(log).in_force(asked).answer(key) is Answer.MAYBE

    class NewYork(SanctionsInForce):
        tz_by_source: ClassVar = {"UN Security Council": "America/New_York"}

    facts = NewYork(log)
    assert facts.in_force(asked).answer(key) is Answer.YES
    assert facts.in_force("2024-05-01T04:00:00Z").answer(key) is Answer.MAYBE  # midnight there
    why = facts.why(key, asked)
    assert why.end is not None
    assert why.end.zone_rule == ZoneRule("America/New_York", "source", "UN Security Council")
    assert "read in America/New_York, as UN Security Council's dates are" in str(why)
    assert why.to_json()["end"]["zone_rule"] == {
        "tz": "America/New_York",
        "by": "source",
        "source": "UN Security Council",
    }
    # A record that says otherwise is read its own way; the stored date is as written.
    log.append(
        EmbargoImposed(target="Mali", authority="UN Security Council", scope="arms"),
        valid="2023-05-01/2024-05-01",
        provenance=Provenance(source="UN Security Council", tz="Asia/Tokyo"),
    )
    assert str(log[2].valid) == "2023-05-01/2024-05-01"
    assert log[2].valid == valid_time("2023-05-01/2024-05-01")
    # Its 1 May ends the day before New York's: the sources disagree, and it is maybe.
    why = NewYork(log).why(key, asked)
    assert why.answer is Answer.MAYBE
    assert why.spell is not None
    assert {conflict.attribute for conflict in why.spell.conflicts} == {"start", "end"}


def test_without_a_rule_dates_stay_floating_and_say_so():
    """No rule: a zoned question meets floating dates through every offset, as before."""
    log = Log()
    log.append(EmbargoImposed(target="X", authority="UN", scope="arms"), valid="2024-05-01/..")
    why = SanctionsInForce(log).why("UN / arms embargo / X", "2024-05-01T02:00:00Z")
    assert why.answer is Answer.MAYBE
    assert why.start is not None
    assert why.start.zone_rule is None
    assert "every offset" in str(why)


def test_a_saved_index_read_with_other_zones_is_not_used(tmp_path):
    """The zones are part of what a saved index was built with: other rules rebuild it."""
    log = Log(SQLiteStore(tmp_path / "s.sqlite"), registry=registry)
    log.append(
        Started(key="kp", label="x"), valid="2024-05-01", provenance=Provenance(source="OFAC")
    )
    Sourced(log).save_snapshot()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Sourced.from_snapshot(log).position == 1  # same rules: used

    class Elsewhere(Facts):
        tz_by_source: ClassVar = {"OFAC": "Asia/Tokyo"}

        @classmethod
        def name(cls) -> str:
            return Sourced.name()

    with pytest.warns(SnapshotIgnoredWarning, match="other zone rules"):
        rebuilt = Elsewhere.from_snapshot(log)
    assert rebuilt.position == 0
    assert rebuilt.at("2024-04-30T16:00:00Z").answer("kp") is Answer.MAYBE  # 1 May in Tokyo
    log.store.close()


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "floating", 5])
def test_a_zone_that_is_not_one_is_refused_where_it_is_written(zone):
    """A bad zone: a typed error at the provenance, at the vocabulary's class."""
    with pytest.raises(InvalidEventError, match="zone"):
        Provenance(source="UN", tz=zone)
    with pytest.raises(TypeError, match=r"Bad\.tz_by_source\['UN'\]"):
        type("Bad", (Facts,), {"tz_by_source": {"UN": zone}})
    with pytest.raises(TypeError, match=r"Worse\.tz"):
        type("Worse", (Facts,), {"tz": zone})


def test_a_record_without_a_zone_is_stored_as_before(tmp_path):
    """The zone is written only when given: older records read, and hash, the same."""
    path = tmp_path / "z.jsonl"
    log = Log(JsonLinesStore(path), registry=registry)
    log.append(Started(key="kp", label="x"), valid="2024", provenance=Provenance(source="a"))
    log.append(
        Started(key="kp", label="x"), valid="2024", provenance=Provenance(source="a", tz="+01:00")
    )
    bodies = [
        json.loads(line)["body"] for line in path.read_text().splitlines() if '"body"' in line
    ]
    assert [body["provenance"] for body in bodies] == [
        {"source": "a"},
        {"source": "a", "tz": "+01:00"},
    ]
    assert [record.provenance.tz for record in Log(JsonLinesStore(path), registry=registry)] == [
        None,
        "+01:00",
    ]
