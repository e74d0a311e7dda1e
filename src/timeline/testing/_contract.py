"""The store contract: one test suite that every store must pass."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline._clock import ManualClock
from timeline._corrections import Corrected, Retracted
from timeline._errors import ConcurrencyError, StoreError
from timeline._events import Registry, event
from timeline._log import Log
from timeline._records import Provenance, StoredRecord
from timeline.stores import MemoryStore, verify

from ._schedules import Schedule, play, schedules
from ._strategies import events

if TYPE_CHECKING:
    from collections.abc import Iterator

    from timeline.typing import Store

__all__ = ["PersistentStoreContract", "StoreContract"]

_registry = Registry()


@event("contract.item", registry=_registry)
class _Item:
    key: str
    value: int
    note: str | None = None


_items = events(
    _Item,
    key=st.sampled_from(["kp", "ru", "ua"]),
    value=st.integers(-(2**40), 2**40),
    note=st.none() | st.text(max_size=12),
)


class StoreContract:
    """What every store must do. Subclass it in a test module and define :meth:`make_store`.

    Stores that outlive the object subclass :class:`PersistentStoreContract`
    instead, which adds reopening. pytest collects the ``test_*`` methods.

    Example, in a project's tests::

        from timeline.testing import StoreContract

        class TestMyStore(PersistentStoreContract):
            def make_store(self, folder):
                return MyStore(folder / "log.db")

            def reopen(self, store, folder):
                store.close()
                return MyStore(folder / "log.db")
    """

    def make_store(self, folder: Path) -> Store:
        """Return a new, empty store keeping its files (if any) in ``folder``."""
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        """A fresh store for one test."""
        made = self.make_store(tmp_path)
        yield made
        made.close()

    @staticmethod
    def _log(store: Store) -> Log:
        return Log(store, clock=ManualClock("2024-01-12T00:00:00Z"), registry=_registry)

    @staticmethod
    def _fill(log: Log, count: int = 5) -> list[StoredRecord]:
        for n in range(count):
            log.append(
                _Item(key="kp" if n % 2 else "ru", value=n),
                valid="2024-01-11",
                subject="kp" if n % 2 else None,
                provenance=Provenance(source="contract"),
            )
        return list(log.store.read())

    # -- the contract -------------------------------------------------------------------------

    def test_a_new_store_is_empty(self, store: Store) -> None:
        """A new store has no head, no records, and knows nothing at any time."""
        assert store.head() is None
        assert list(store.read()) == []
        assert store.last_known_by("9999-12-31T23:59:59.999999Z") == 0

    def test_records_read_back_unchanged(self, store: Store) -> None:
        """What is appended reads back field for field, in position order."""
        reference = MemoryStore()
        self._fill(self._log(reference))
        records = list(reference.read())
        store.append(records, expected_position=0)
        assert list(store.read()) == records
        head = store.head()
        assert head is not None
        assert (head.position, head.hash) == (5, records[-1].hash)

    def test_stale_expected_position_writes_nothing(self, store: Store) -> None:
        """A batch that does not follow the expected position fails whole."""
        records = self._fill(self._log(store), 3)
        extra = [attrs.evolve(records[0], position=4)]
        with pytest.raises(ConcurrencyError) as caught:
            store.append(extra, expected_position=2)
        assert (caught.value.expected, caught.value.actual) == (2, 3)
        assert list(store.read()) == records

    def test_a_batch_is_atomic(self, store: Store) -> None:
        """A batch with a bad record in the middle writes none of its records."""
        reference = MemoryStore()
        good = self._fill(self._log(reference), 4)
        store.append(good[:2], expected_position=0)
        broken = [good[2], attrs.evolve(good[3], position=9)]
        with pytest.raises(StoreError):
            store.append(broken, expected_position=2)
        assert list(store.read()) == good[:2]

    def test_a_non_canonical_id_is_refused(self, store: Store) -> None:
        """An id that is not lowercase hyphenated UUID text fails the batch, writing nothing.

        It would not read back as written from a store that keeps the id's
        bytes, and the hash covers the text.
        """
        reference = MemoryStore()
        good = self._fill(self._log(reference), 2)
        store.append(good[:1], expected_position=0)
        for spelling in (good[1].id.upper(), good[1].id.replace("-", ""), "not an id"):
            with pytest.raises(StoreError, match="canonical"):
                store.append([attrs.evolve(good[1], id=spelling)], expected_position=1)
        assert list(store.read()) == good[:1]

    def test_filtered_reads(self, store: Store) -> None:
        """Reads by range, type and subject select exactly the matching records."""
        records = self._fill(self._log(store), 6)
        assert list(store.read(3)) == records[2:]
        assert list(store.read(2, stop=4)) == records[1:3]
        assert list(store.read(types=["contract.item"])) == records
        assert list(store.read(types=["no.such.type"])) == []
        assert list(store.read(subject="kp")) == [r for r in records if r.subject == "kp"]
        assert list(store.read(10)) == []

    def test_last_known_by(self, store: Store) -> None:
        """The last position known at a time is found by known time."""
        log = self._log(store)
        for day in (12, 13, 13, 15):
            log.append(_Item(key="a", value=day), valid="2024", known=f"2024-01-{day}T00:00:00Z")
        assert store.last_known_by("2024-01-11T00:00:00.000000Z") == 0
        assert store.last_known_by("2024-01-13T00:00:00.000000Z") == 3
        assert store.last_known_by("2024-01-14T00:00:00.000000Z") == 3
        assert store.last_known_by("2024-01-15T00:00:00.000000Z") == 4

    def test_snapshots(self, store: Store) -> None:
        """A snapshot is kept by name and replaced by the next one."""
        assert store.load_snapshot("p") is None
        store.save_snapshot("p", 3, '{"state": 1}')
        store.save_snapshot("q", 1, "{}")
        store.save_snapshot("p", 5, '{"state": 2}')
        assert store.load_snapshot("p") == (5, '{"state": 2}')
        assert store.load_snapshot("q") == (1, "{}")

    def test_a_closed_store_refuses_work(self, store: Store) -> None:
        """Using a closed store is a StoreError, not a silent success."""
        store.close()
        with pytest.raises(StoreError):
            store.head()

    def test_what_is_written_verifies(self, store: Store) -> None:
        """The hash chain of records written through a log verifies."""
        self._fill(self._log(store))
        result = verify(store)
        assert result.ok, str(result)
        assert result.records == 5

    @settings(
        max_examples=15,
        deadline=None,
        # Each subclass runs this method on its own store: differing executors
        # are the point of a contract suite.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(schedules(_items, subjects=st.none() | st.sampled_from(["kp", "ru"])))
    def test_stores_agree_with_memory(self, schedule: Schedule) -> None:
        """Invariant 8: the same operations give the same reads on this store as in memory."""
        with tempfile.TemporaryDirectory() as folder:
            store = self.make_store(Path(folder))
            try:
                ours = play(schedule, registry=_registry, store=store)
                theirs = play(schedule, registry=_registry)
                mine, other = _comparable(ours), _comparable(theirs)
                assert mine == other
                assert [r.position for r in ours.read(subject="kp")] == [
                    r.position for r in theirs.read(subject="kp")
                ]
                assert verify(store).ok
            finally:
                store.close()


class PersistentStoreContract(StoreContract):
    """The contract for stores that outlive the object: :class:`StoreContract` and reopening.

    Define :meth:`make_store` and :meth:`reopen`.
    """

    def reopen(self, store: Store, folder: Path) -> Store:
        """Close ``store`` and open it again from ``folder``."""
        raise NotImplementedError

    def test_records_survive_reopening(self, tmp_path: Path) -> None:
        """A persistent store gives back every record after reopening."""
        store = self.make_store(tmp_path)
        records = self._fill(self._log(store))
        again = self.reopen(store, tmp_path)
        try:
            assert list(again.read()) == records
            assert verify(again).ok
        finally:
            again.close()


def _comparable(log: Log) -> list[tuple[Any, ...]]:
    """The log's records with ids (random per log) replaced by positions."""
    positions = {record.id: record.position for record in log}
    rows: list[tuple[Any, ...]] = []
    for record in log:
        event = record.event
        if isinstance(event, Retracted | Corrected):
            event = (type(event).__name__, positions[event.record])
        rows.append((record.position, record.known_at, event, record.valid, record.subject))
    return rows
