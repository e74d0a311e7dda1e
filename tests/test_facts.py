"""Temporal facts: the index agrees with brute force and with a fresh build."""

from __future__ import annotations

from unittest import mock

import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from strategies import every_offset
from timeline import (
    Answer,
    Change,
    DateSet,
    End,
    InForce,
    Interval,
    Log,
    ManualClock,
    Moment,
    Provenance,
    Question,
    Record,
    Registry,
    TemporalFacts,
    amends,
    ends,
    event,
    in_force,
    starts,
)
from timeline.facts import IntervalSet
from timeline.testing import events, instants, play, schedules
from timeline.time import CEIL, EAST, FLOOR, WEST, micros

registry = Registry()


@event("test.facts.started", registry=registry)
class Started:
    key: str
    label: str


@event("test.facts.amended", registry=registry)
class Amended:
    key: str
    label: str


@event("test.facts.stopped", registry=registry)
class Stopped:
    key: str


class Facts(TemporalFacts):
    @starts(Started)
    def started(self, record: Record) -> Change:
        return Change(record.event.key, {"label": record.event.label})

    @amends(Amended)
    def amended(self, record: Record) -> Change:
        return Change(record.event.key, {"label": record.event.label})

    @ends(Stopped)
    def stopped(self, record: Record) -> str:
        return record.event.key


keys = st.sampled_from(["kp", "ru", "ua"])
labels = st.sampled_from(["x", "y"])
fact_events = st.one_of(
    events(Started, key=keys, label=labels),
    events(Amended, key=keys, label=labels),
    events(Stopped, key=keys),
)
histories = schedules(fact_events, max_steps=10)
when = instants(min_year=2000, max_year=2030)


def _summary(hits):
    return sorted(
        (hit.key, hit.answer.value, str(hit.spell.start), str(hit.spell.end)) for hit in hits
    )


def _known_times(log):
    return sorted({record.known_at for record in log})


class _Filing(IntervalSet):
    queue_limit = 2  # file rows in the middle of a catch-up, as a first build of millions does


@given(histories, when, st.data())
def test_in_force_index_equals_brute_force(schedule, at, data):
    """'In force at V as known at T' from the index equals a scan of every spell."""
    log = play(schedule, registry=registry)
    facts = Facts(log)
    if data.draw(st.booleans(), label="file rows early"):
        facts._sets = {name: _Filing() for name in facts._sets}  # before any row is filed
    facts.catch_up()
    times = _known_times(log)
    known = data.draw(st.sampled_from(times)) if times else None
    brute = [
        (spell.key, spell.at(at).value, str(spell.start), str(spell.end))
        for key in facts.keys()
        for spell in facts.history(key, known=known)
        if spell.at(at) is not Answer.NO
    ]
    assert _summary(facts.at(at, known=known)) == sorted(brute)


@given(histories, when, st.data())
def test_an_answers_spells_read_a_window_at_a_time_are_every_hits_own(schedule, at, data):
    """Spells read a few hits at a time are each hit's own, looped over or looked up.

    Looking hits up in any order finds the spell its key's history holds, and the same
    hits as a loop.
    """
    from timeline.facts import _tuning  # noqa: PLC0415 -- the window, narrowed here only

    log = play(schedule, registry=registry)
    facts = Facts(log)
    facts.catch_up()
    times = _known_times(log)
    known = data.draw(st.sampled_from(times)) if times else None
    with mock.patch.object(_tuning, "SPELLS_AT_ONCE", data.draw(st.integers(1, 4), label="window")):
        looped = [(hit.key, hit.answer, hit.spell) for hit in facts.at(at, known=known)]
        answer = facts.at(at, known=known)
        order = data.draw(st.permutations(range(len(answer))), label="looked up in")
        looked = {index: answer[index] for index in order}
        assert [(looked[i].key, looked[i].answer, looked[i].spell) for i in range(len(answer))] == (
            looped
        )
        assert list(answer) == [looked[i] for i in range(len(answer))]  # made ones are reused
    for key, _, spell in looped:
        assert spell in facts.history(key, known=known)


def _brute_at(facts, at):
    return sorted(
        (spell.key, spell.at(at).value, str(spell.start), str(spell.end))
        for key in facts.keys()
        for spell in facts.history(key)
        if spell.at(at) is not Answer.NO
    )


@given(histories)
def test_in_force_at_every_boundary_equals_brute_force(schedule):
    """At each instant where some spell's answer changes, and just before it."""
    log = play(schedule, registry=registry)
    facts = Facts(log)
    facts.catch_up()
    for key in facts.keys():
        for spell in facts.history(key):
            extent = spell.extent
            for bound in (extent.start.low, extent.start.top, extent.end.low):
                if not FLOOR < bound < CEIL:
                    continue  # an open end: no instant before it
                # Microseconds, any year; a floating question meets zoned spells (and a
                # zoned one floating spells) up to 14 hours away.
                for at in (bound - 1, bound, bound - EAST, bound - WEST - 1):
                    for floating in (False, True):
                        asked = Question(at, at + 1, floating=floating)
                        assert _summary(facts.at(asked)) == _brute_at(facts, asked)


@given(histories, when)
def test_in_force_answers_per_key(schedule, at):
    """InForce: yes and maybe split the hits; answer(key) is the best of a key's spells."""
    log = play(schedule, registry=registry)
    facts = Facts(log)
    facts.catch_up()
    hits = facts.at(at)
    assert len(hits.yes) + len(hits.maybe) == len(hits)
    assert all(hit.answer is Answer.YES for hit in hits.yes)
    assert hits == list(hits) == InForce(reversed(list(hits)))
    assert hits.keys() == sorted({hit.key for hit in hits})
    for key in ["kp", "ru", "ua"]:
        answers = {spell.at(at) for spell in facts.history(key)}
        expected = (
            Answer.YES
            if Answer.YES in answers
            else Answer.MAYBE
            if Answer.MAYBE in answers
            else Answer.NO
        )
        assert hits.answer(key) is expected


@given(histories, when, when, st.integers(1, 4))
def test_during_and_changes_equal_brute_force(schedule, a, b, window):
    """Window questions from the index equal a scan of every spell.

    Changes are made a few at a time (their spells read ``window`` rows at a time).
    """
    from timeline.facts import _tuning  # noqa: PLC0415 -- the window, narrowed here only

    low, high = min(a, b), max(a, b)
    log = play(schedule, registry=registry)
    facts = Facts(log)
    facts.catch_up()
    spells = [spell for key in facts.keys() for spell in facts.history(key)]
    during = sorted(
        (s.key, s.extent.during(low, high).value, str(s.start))
        for s in spells
        if s.extent.during(low, high) is not Answer.NO
    )
    got = sorted((h.key, h.answer.value, str(h.spell.start)) for h in facts.during(low, high))
    assert got == during
    moved = {}
    lo, hi = micros(low), micros(high)
    for s in spells if low < high else []:  # an empty window holds no instant: nothing moved
        for kind, bounds in (("started", s.extent.start), ("ended", s.extent.end)):
            if kind == "ended" and isinstance(s.end, End):
                continue
            answer = every_offset(lambda o, b=bounds: _falls_in(b.moved(o), lo, hi))
            if answer is not Answer.NO:
                moved[s.key, kind, str(s.start)] = answer
    with mock.patch.object(_tuning, "SPELLS_AT_ONCE", window):
        changes = facts.changes(low, high)
    got = {(t.key, t.kind, str(t.spell.start)): t.answer for t in changes}
    assert got == moved
    assert changes == sorted(changes, key=lambda t: (t.key, t.kind, t.spell.records[0].position))


def _falls_in(bounds, low, high):
    """Brute force: does an instant within ``bounds`` fall in ``[low, high)``?"""
    if bounds.top < low or bounds.low >= high:
        return Answer.NO
    return Answer.YES if low <= bounds.low and bounds.top < high else Answer.MAYBE


@given(histories, when)
def test_incremental_index_equals_a_fresh_build_at_every_known_time(schedule, at):
    """Catching up step by step, then asking at T, equals building anew on the log cut at T."""
    log = play([], registry=registry)
    live = Facts(log)
    for step in schedule:
        play([step], log=log)
        live.catch_up()
    for known in _known_times(log):
        cut = Log(registry=registry)
        cut.store.append(
            list(log.store.read(stop=log.last_position_known_by(known) + 1)), expected_position=0
        )
        fresh = Facts(cut)
        fresh.catch_up()
        assert _summary(live.at(at, known=known)) == _summary(fresh.at(at))
        for key in fresh.keys():
            assert live.history(key, known=known) == fresh.history(key)


@given(histories, when)
def test_one_long_catch_up_keeping_spells_equals_a_fresh_build_at_every_known_time(schedule, at):
    """One catch-up over every known time, finding again the spells it made: a fresh build's.

    Every key's spells are kept here, and so few of them that they are dropped midway.
    """
    from timeline.facts import _tuning  # noqa: PLC0415 -- the thresholds, lowered here only

    log = play(schedule, registry=registry)
    with mock.patch.object(_tuning, "MEMO_FROM", 0), mock.patch.object(_tuning, "MADE", 3):
        whole = Facts(log)
        whole.catch_up()
    for known in _known_times(log):
        cut = Log(registry=registry)
        cut.store.append(
            list(log.store.read(stop=log.last_position_known_by(known) + 1)), expected_position=0
        )
        fresh = Facts(cut)
        fresh.catch_up()
        assert _summary(whole.at(at, known=known)) == _summary(fresh.at(at))
        for key in fresh.keys():
            assert whole.history(key, known=known) == fresh.history(key)


@given(
    st.sampled_from(["2006", "2023-09", "2024-01-11", "2023~", "2024-01-0X", "2006/2024-04-30"]),
    st.none() | st.sampled_from(["2024-04-30", "2024-05", "2030"]),
    when,
)
@example(start="2006/2024-04-30", stop="2030", at=pendulum.datetime(2025, 1, 1))
def test_single_spell_answers_the_design_rule(start, stop, at):
    """One start and one end give exactly the in-force rule of design.md."""
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"), registry=registry)
    log.append(Started(key="kp", label="x"), valid=start)
    if stop is not None:
        log.append(Stopped(key="kp"), valid=stop)
    facts = Facts(log)
    facts.catch_up()
    first = log[1].valid
    s, e = (first.start, first.end) if isinstance(first, Interval) else (first, End.OPEN)
    if stop is not None and not isinstance(e, Moment):
        e = Moment.parse(stop)
    elif stop is not None and e != Moment.parse(stop):
        # The start's own end and the end record disagree: the end is one of them.
        e = DateSet.parse(f"[{e},{stop}]")
    expected = in_force(s, e, at)
    answers = [hit.answer for hit in facts.at(at)]
    assert answers == ([] if expected is Answer.NO else [expected])


def test_sanction_lifecycle_with_sources():
    """Designated, amended, lifted; conflicting sources both kept with provenance."""
    clock = ManualClock("2024-01-12T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    aj = Provenance(source="Al Jazeera")
    state = Provenance(source="US State Department")
    log.append(Started(key="kp", label="47 signatories"), valid="2024-01-11", provenance=aj)
    log.append(Started(key="kp", label="48 signatories"), valid="2024-01-11", provenance=state)
    clock.advance(days=30)
    log.append(Amended(key="kp", label="49 signatories"), valid="2024-02-01")
    clock.advance(days=30)
    log.append(Stopped(key="kp"), valid="2024-03-01")
    facts = Facts(log)
    facts.catch_up()

    (spell,) = facts.history("kp")
    assert spell.attributes == {"label": "49 signatories"}
    assert [r.provenance.source for r in spell.records[:2]] == ["Al Jazeera", "US State Department"]
    (as_first_known,) = facts.history("kp", known="2024-01-12T00:00:00Z")
    (conflict,) = as_first_known.conflicts
    assert [value for value, _ in conflict.values] == ["47 signatories", "48 signatories"]
    assert [hit.answer for hit in facts.at("2024-02-15")] == [Answer.YES]
    assert facts.at("2024-03-02") == []
    assert [hit.answer for hit in facts.at("2024-03-02", known="2024-02-15")] == [Answer.YES]
    assert len(facts.versions("kp")) == 3
    changes = facts.changes("2024-01-01", "2024-04-01")
    assert [(t.kind, t.answer) for t in changes] == [("ended", Answer.YES), ("started", Answer.YES)]
    assert [t.kind for t in facts.changes("2024-01-11T12:00:00Z", "2024-02-01")] == ["started"]
    assert facts.changes("2024-01-11T12:00:00Z", "2024-02-01")[0].answer is Answer.MAYBE


def test_retraction_reopens_what_an_end_closed():
    """Retracting a wrong 'lifted' record puts the sanction back in force from then on."""
    clock = ManualClock("2024-01-12T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    log.append(Started(key="ru", label="x"), valid="2024-01-11")
    clock.advance(days=1)
    lifted = log.append(Stopped(key="ru"), valid="2024-01-12")
    clock.advance(days=1)
    log.retract(lifted, reason="misreported")
    facts = Facts(log)
    facts.catch_up()
    assert facts.at("2024-06-01", known="2024-01-13T12:00:00Z") == []
    assert [hit.answer for hit in facts.at("2024-06-01")] == [Answer.YES]


def test_unmatched_ends_are_reported():
    """An end with nothing in force is listed, not silently dropped."""
    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    stray = log.append(Stopped(key="ua"), valid="2024-01-01")
    facts = Facts(log)
    facts.catch_up()
    assert facts.unmatched() == [stray]


def test_markers_need_event_types():
    """A marker without event types is a mistake caught at class definition."""
    with pytest.raises(TypeError, match="at least one event type"):
        starts()


def test_a_set_for_a_start_is_one_of_its_dates_or_the_first_of_all():
    """'Began in 2001 or 2003' is maybe in 2002; 'happened in 2001 and in 2003' began in 2001."""
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"), registry=registry)
    log.append(Started(key="either", label="x"), valid="[2001,2003]")
    log.append(Started(key="each", label="x"), valid="{2003,2001}")
    log.append(Started(key="caesar", label="x"), valid="-0048-01-10/-0043-03-15")
    facts = Facts(log)
    asked = facts.at("2002")
    assert (asked.answer("either"), asked.answer("each")) == (Answer.MAYBE, Answer.YES)
    assert facts.at("2000").keys() == []
    assert str(facts.history("each")[0].start) == "2001"
    assert facts.at("-0045").answer("caesar") is Answer.YES
    assert facts.at("-0043-03-16").answer("caesar") is Answer.NO


@given(
    st.lists(
        st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12),
        unique=True,
    )
)
def test_keys_kept_as_one_blob_read_back_as_given(keys):
    """The index's keys (UTF-8 in one blob, lone surrogates too) read back, are found, reload."""
    from array import array  # noqa: PLC0415 -- only here

    from timeline.facts import _Keys  # noqa: PLC0415 -- the index's own container

    half = len(keys) // 2
    kept = _Keys(keys[:half])  # in the sorted hash index; the rest numbered as the index does
    for number, key in enumerate(keys[half:], start=half):
        assert kept.number(key) == number
    assert [kept.number(key) for key in keys] == list(range(len(keys)))  # none numbered twice
    assert (len(kept), list(kept)) == (len(keys), keys)
    assert [kept[n] for n in range(-len(keys), len(keys))] == keys + keys
    with pytest.raises(IndexError):
        kept[len(keys)]
    with pytest.raises(IndexError):
        kept[-len(keys) - 1]
    for number, key in enumerate(keys):  # by the sorted hash index, or the table of the rest
        assert kept.find(key) == number
    for key in {key + "\x00" for key in keys} - set(keys):
        assert kept.find(key) is None
    # The compaction's order: by UTF-8 bytes, which sort as the code points they write.
    order = sorted(range(len(keys)), key=kept.raw)
    assert list(kept.reordered(order)) == sorted(keys)
    whole = kept.packed()  # every key in the sorted hash index
    for key in keys:
        assert whole[whole.find(key)] == key
    assert whole.find("\x00not one of them\x00") is None
    again = _Keys.of(
        bytes(whole.blob), array("q", whole.ends), array("i", whole.hashes), whole.by_hash
    )
    assert again == kept
    assert list(again) == keys
    if keys and whole.ends[-1]:
        with pytest.raises(ValueError, match="ends do not match"):
            _Keys.of(bytes(whole.blob)[:-1], whole.ends, whole.hashes, whole.by_hash)
    if keys:
        with pytest.raises(ValueError, match="hash index does not match"):
            _Keys.of(bytes(whole.blob), whole.ends, whole.hashes[:-1], whole.by_hash)


def test_a_long_catch_up_gives_the_memory_it_freed_back(monkeypatch):
    """A first build of many records asks the C library to return freed pages; a step does not."""
    from timeline.facts import _tuning  # noqa: PLC0415 -- patched here only

    released = []
    monkeypatch.setattr(_tuning, "RELEASE_AFTER", 3)
    monkeypatch.setattr(_tuning, "release_memory", lambda: released.append(1))
    clock = ManualClock("2024-01-12T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    for key in ("kp", "ru", "ir"):
        log.append(Started(key=key, label="x"), valid="2024-01-11")
    facts = Facts(log)
    facts.catch_up()
    assert released == [1]
    log.append(Stopped(key="kp"), valid="2024-02-01")
    facts.catch_up()
    assert released == [1]  # one record: not worth a trim
    assert [hit.key for hit in facts.at("2024-03-01")] == ["ir", "ru"]


def test_freed_memory_is_given_back_where_the_c_library_can():
    """On glibc (Linux) malloc_trim is called; elsewhere nothing is done and False is said."""
    import platform  # noqa: PLC0415
    import sys  # noqa: PLC0415

    from timeline._collector import release_freed_memory  # noqa: PLC0415

    glibc = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"
    assert release_freed_memory() is glibc


def test_a_start_with_no_known_start_after_a_closed_spell_is_a_further_source():
    """'Ever since, until 1990', then 'from a date not known, until 2000': a further source."""
    log = Log(clock=ManualClock("2024-01-01T00:00:00Z"), registry=registry)
    log.append(Started(key="kp", label="x"), valid="../1990")
    log.append(Started(key="kp", label="y"), valid="/2000")
    (spell,) = Facts(log).history("kp")
    assert [record.position for record in spell.records] == [1, 2]
    assert [conflict.attribute for conflict in spell.conflicts] == ["label", "end"]
