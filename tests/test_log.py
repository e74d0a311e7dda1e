"""The log: append-only, contiguous, known times never backwards, atomic batches."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from timeline import (
    FIRST_POSITION,
    ConcurrencyError,
    InvalidEventError,
    KnownTimeError,
    Log,
    ManualClock,
    Provenance,
    Registry,
    event,
)

registry = Registry()


@event("test.noted", registry=registry)
class Noted:
    text: str
    n: int


@event("test.other", registry=registry)
class Other:
    flag: bool


events = st.builds(Noted, text=st.text(max_size=8), n=st.integers(0, 9)) | st.builds(
    Other, flag=st.booleans()
)
subjects = st.none() | st.sampled_from(["kp", "ru", "ua"])
valids = st.sampled_from(["2006", "2023-09", "2023-12-30", "2024-01-0X", "2006/..", "2024-01-11"])


class LogMachine(RuleBasedStateMachine):
    """The log behaves like a list that only grows."""

    @initialize()
    def start(self):
        self.clock = ManualClock("2024-01-01T00:00:00Z")
        self.log = Log(clock=self.clock, registry=registry)
        self.model: list[tuple[object, str | None]] = []
        self.seen: dict[int, object] = {}

    @rule(event=events, subject=subjects, valid=valids, step=st.integers(-5, 60))
    def append(self, event, subject, valid, step):
        self.clock.set(self.clock.now.add(minutes=step))
        record = self.log.append(event, valid=valid, subject=subject)
        self.model.append((event, subject))
        assert record.position == len(self.model)

    @rule(batch=st.lists(st.tuples(events, subjects), max_size=5), stale=st.booleans())
    def extend(self, batch, stale):
        entries = [self.log.entry(e, valid="2024", subject=s) for e, s in batch]
        expected = len(self.model) - (1 if stale and self.model else 0)
        if stale and self.model:
            with pytest.raises(ConcurrencyError):
                self.log.extend(entries, expected_position=expected)
            return
        records = self.log.extend(entries, expected_position=expected)
        assert [r.position for r in records] == list(
            range(len(self.model) + 1, len(self.model) + 1 + len(batch))
        )
        self.model.extend(batch)

    @precondition(lambda self: self.model)
    @rule(back=st.integers(1, 1000))
    def backfill_in_the_past_is_rejected(self, back):
        last = self.log[len(self.model)].known_at
        with pytest.raises(KnownTimeError, match="earlier than the last record"):
            self.log.append(Other(flag=True), valid="2024", known=last.subtract(seconds=back))

    @rule()
    def unregistered_event_writes_nothing(self):
        with pytest.raises(InvalidEventError):
            self.log.extend([self.log.entry(Noted(text="ok", n=1), valid="2024"),
                             self.log.entry(object(), valid="2024")])  # fmt: skip

    @invariant()
    def matches_the_model(self):
        records = list(self.log)
        assert len(self.log) == len(self.model) == self.log.last_position
        assert [r.position for r in records] == list(range(FIRST_POSITION, len(records) + 1))
        assert [(r.event, r.subject) for r in records] == self.model
        known = [r.known_at for r in records]
        assert known == sorted(known)
        for record in records:
            if record.position in self.seen:
                assert self.seen[record.position] == record
            self.seen[record.position] = record
        assert len({r.id for r in records}) == len(records)

    @invariant()
    def filters_agree_with_the_model(self):
        kp = [r.position for r in self.log.read(subject="kp")]
        assert kp == [i + 1 for i, (_, s) in enumerate(self.model) if s == "kp"]
        others = [r.position for r in self.log.read(types=[Other])]
        assert others == [i + 1 for i, (e, _) in enumerate(self.model) if isinstance(e, Other)]


LogMachine.TestCase.settings = settings(stateful_step_count=25)
TestLogMachine = LogMachine.TestCase


def _log() -> Log:
    return Log(clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)


def test_known_time_prefix_reads():
    """Reading as known at T gives exactly the records appended by T."""
    log = _log()
    log.append(Noted(text="a", n=1), valid="2024", known="2024-01-12T00:00:00Z")
    log.append(Noted(text="b", n=2), valid="2024", known="2024-01-13T00:00:00Z")
    assert [r.event.text for r in log.read(known="2024-01-12T12:00:00Z")] == ["a"]
    assert [r.event.text for r in log.read(known="2024-01-11")] == []
    assert log.last_position_known_by("2024-01-13") == 2


def test_naive_and_backwards_known_times_are_rejected():
    """Known times must be aware and never earlier than the last."""
    log = _log()
    with pytest.raises(KnownTimeError, match="naive"):
        log.append(Noted(text="a", n=1), valid="2024", known=dt.datetime(2024, 1, 1))
    log.append(Noted(text="a", n=1), valid="2024", known="2024-01-12T00:00:00Z")
    with pytest.raises(KnownTimeError, match="earlier than the last record"):
        log.append(Noted(text="b", n=1), valid="2024", known="2024-01-11T00:00:00Z")
    assert len(log) == 1


def test_a_clock_that_steps_back_does_not_reorder_known_times():
    """If the clock goes back, the log records the last known time again."""
    clock = ManualClock("2024-01-12T00:00:00Z")
    log = Log(clock=clock, registry=registry)
    first = log.append(Noted(text="a", n=1), valid="2024")
    clock.set("2024-01-01T00:00:00Z")
    second = log.append(Noted(text="b", n=1), valid="2024")
    assert second.known_at == first.known_at


def test_records_carry_provenance_and_chain_hashes():
    """Each record says where it came from and chains to the one before."""
    log = _log()
    source = Provenance(source="Al Jazeera", url="https://example.org/a", quote="q", speaker="s")
    one = log.append(Noted(text="a", n=1), valid="2024", provenance=source)
    two = log.append(Noted(text="b", n=1), valid="2024")
    assert log[1].provenance == source
    assert one.hash != two.hash
    assert len(one.hash) == 64
    assert log[1] == one
    with pytest.raises(IndexError):
        log[3]
    with pytest.raises(IndexError):
        log[0]


def test_known_times_are_utc():
    """Known times are stored and read in UTC, whatever zone they came in."""
    log = _log()
    record = log.append(
        Noted(text="a", n=1),
        valid="2024",
        known=pendulum.datetime(2024, 1, 12, 9, tz="Asia/Pyongyang"),
    )
    assert record.known_at == pendulum.datetime(2024, 1, 12, 0, 0, tz="UTC")
    assert record.known_at.timezone_name == "UTC"


def _append_later(path: str) -> None:
    """From another process: wait a little, then append one statement."""
    import time  # noqa: PLC0415 -- in the child

    from timeline.events import Statement  # noqa: PLC0415 -- as above

    time.sleep(0.3)
    Log(path).append(Statement(speaker="later", text="here"), valid="2024")


def test_follow_sees_another_process_append(tmp_path):
    """A store that cannot be woken is polled: follow still yields what another process adds."""
    import multiprocessing  # noqa: PLC0415 -- only here

    import timeline.events  # noqa: F401, PLC0415 -- the child's event type, registered here too

    path = tmp_path / "followed.sqlite"
    log = Log(path)
    assert log.wait(0, timeout=0.05) == 0  # nothing yet: the position as it is
    writer = multiprocessing.get_context("spawn").Process(target=_append_later, args=(str(path),))
    writer.start()
    following = log.follow(idle=30)
    first = next(following)  # blocks until the other process's append
    writer.join(timeout=30)
    assert (first.position, first.event.text) == (1, "here")
    assert list(log.follow(idle=0.2)) == []  # nothing new within 0.2 s: it ends


@settings(max_examples=30)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 3), st.sampled_from(["none", "last", "stale"])),
        min_size=1,
        max_size=10,
    )
)
def test_logs_sharing_a_file_append_after_each_other_whoever_wrote_last(tmp_path_factory, steps):
    """A log that wrote last starts its next batch from what it wrote, without asking the store.

    Three logs on one SQLite file, each with its own connection, take turns:
    a log whose last write is no longer the head must find that out (and
    retry, or refuse a stale expected position), never fork the chain.
    """
    from timeline.stores import SQLiteStore, verify  # noqa: PLC0415

    path = tmp_path_factory.mktemp("shared") / "log.sqlite"
    logs = [Log(SQLiteStore(path), registry=registry) for _ in range(3)]
    length = 0
    for writer, size, expect in steps:
        entries = [logs[writer].entry(Noted(text="x", n=n), valid="2024") for n in range(size)]
        if expect == "stale" and length:
            with pytest.raises(ConcurrencyError):
                logs[writer].extend(entries, expected_position=length - 1)
            continue
        expected = length if expect == "last" else None
        records = logs[writer].extend(entries, expected_position=expected)
        assert [r.position for r in records] == list(range(length + 1, length + size + 1))
        length += size
    checked = verify(logs[0].store)
    assert checked.ok, checked.problems
    assert checked.records == length
    for log in logs:
        log.close()
