"""Real processes: concurrent writers lose nothing; a killed writer leaves no partial batch."""

from __future__ import annotations

import collections
import random
import select
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

from timeline import Log, Registry, event
from timeline.stores import JsonLinesStore, SQLiteStore, TornWriteWarning, repair, verify

STORES = {
    "sqlite": ("SQLiteStore", "log.sqlite"),
    "jsonl": ("JsonLinesStore", "log.jsonl"),
}

PRELUDE = """
import sys
from timeline import ConcurrencyError, Log, Registry, event
from timeline.stores import JsonLinesStore, SQLiteStore

registry = Registry()

@event("test.durability.written", registry=registry)
class Written:
    writer: int
    batch: int
    index: int

store = {store}(sys.argv[1])
log = Log(store, registry=registry)
"""

WRITER = """
conflicts = 0
for index in range({count}):
    while True:
        try:
            log.append(Written(writer={writer}, batch=index, index=0), valid="2024",
                       expected_position=log.last_position)
            break
        except ConcurrencyError:
            conflicts += 1
print(conflicts, flush=True)
"""

CRASHER = """
batch = int(sys.argv[2])
while True:
    entries = [log.entry(Written(writer=0, batch=batch, index=i), valid="2024",
                         subject=f"batch-{{batch}}") for i in range({size})]
    log.extend(entries)
    print(batch, flush=True)
    batch += 1
"""

registry = Registry()


@event("test.durability.written", registry=registry)
class Written:
    writer: int
    batch: int
    index: int


def _open(kind, path):
    return SQLiteStore(path) if kind == "sqlite" else JsonLinesStore(path)


def _script(tmp_path, kind, body):
    store, _ = STORES[kind]
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(PRELUDE.format(store=store)) + textwrap.dedent(body))
    return script


@pytest.mark.parametrize("kind", sorted(STORES))
def test_concurrent_writers_lose_and_duplicate_nothing(tmp_path, kind):
    """Four processes append with expected positions: all land once, positions contiguous."""
    path = tmp_path / STORES[kind][1]
    _open(kind, path).close()
    writers, count = 4, 25
    procs = []
    for writer in range(writers):
        folder = tmp_path / f"writer-{writer}"
        folder.mkdir()
        script = _script(folder, kind, WRITER.format(count=count, writer=writer))
        procs.append(
            subprocess.Popen([sys.executable, script, str(path)], stdout=subprocess.PIPE, text=True)
        )
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * writers
    store = _open(kind, path)
    records = list(Log(store, registry=registry))
    assert [r.position for r in records] == list(range(1, writers * count + 1))
    seen = collections.Counter((r.event.writer, r.event.batch) for r in records)
    assert set(seen.values()) == {1}
    assert len(seen) == writers * count
    assert verify(store).ok
    # Every writer reports how often it lost a race and retried.
    assert all(out.strip().isdigit() for out in outputs)


@pytest.mark.parametrize("kind", sorted(STORES))
def test_a_killed_writer_leaves_only_whole_acknowledged_batches(tmp_path, kind):
    """SIGKILL mid-append, many times: every acknowledged batch is there, none is partial."""
    path = tmp_path / STORES[kind][1]
    _open(kind, path).close()
    size = 5
    script = _script(tmp_path, kind, CRASHER.format(size=size))
    rng = random.Random(7)
    acknowledged: set[int] = set()
    next_batch = 0
    repaired = 0
    deadline = time.monotonic() + 60
    for _ in range(8):
        if time.monotonic() > deadline:
            break
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path), str(next_batch)],
            stdout=subprocess.PIPE,
            text=True,
        )
        # Kill it mid-stream: after its first acknowledged batch, at a random moment.
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "the writer never acknowledged a batch"
        first = proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        acknowledged.update(int(line) for line in (first + out).split())
        with warnings.catch_warnings():
            # A JSON Lines store may find and report the batch being written.
            warnings.simplefilter("ignore", TornWriteWarning)
            store = _open(kind, path)
        batches = collections.Counter(r.event.batch for r in Log(store, registry=registry))
        assert set(batches.values()) <= {size}, "a partial batch is visible"
        assert acknowledged <= set(batches), "an acknowledged batch was lost"
        if getattr(store, "damage", None) is not None:
            repaired += 1
            assert "moved" in (repair(store) or "")  # kept aside, so the next writer can go on
        assert verify(store).ok
        next_batch = max(batches, default=-1) + 1
        store.close()
    assert len(acknowledged) > 0
    assert len(list(tmp_path.glob("log.jsonl.cut-*"))) == repaired
