"""Trials: what the stores promise, tried the way a crash, a crowd or an attacker would.

Run: .venv/bin/python bench/trials.py [--scale 1.0]

Each trial prints a row: what was tried, how often, and what went wrong (the
promise is that the last column is 0 everywhere). At --scale 1 it runs the
counts of docs/explanation/guarantees.md: 100 kills during creation and 50
rounds of 8 concurrent creators per store, 300 single-byte flips of a SQLite
file, every read command on stores, damaged stores and non-stores, pinned
heads against a cut tail / forged append / rewritten chain, and appends
against a file-size limit. tests/test_guarantees.py runs the same functions
with small counts (larger in the CI profile).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from timeline import Log, ManualClock, Registry, StoreError, TimelineError, event
from timeline._cli import main as cli
from timeline._codec import GENESIS_HASH, chain_hash
from timeline.stores import JsonLinesStore, SQLiteStore, TornWriteWarning, verify
from timeline.stores._jsonl import _line
from timeline.stores._sqlite import _fill_postings
from timeline.typing import Store

registry = Registry()
SUFFIX = {"sqlite": "sqlite", "jsonl": "jsonl"}
KINDS = ("sqlite", "jsonl")


@event("trial.noted", registry=registry)
class Noted:
    text: str
    n: int


def open_store(kind: str, path: Path, **options: Any) -> Store:  # noqa: ANN401
    """The store of ``kind`` at ``path``."""
    return SQLiteStore(path, **options) if kind == "sqlite" else JsonLinesStore(path, **options)


def fill(store: Store, count: int, *, subjects: int = 3) -> Log:
    """Append ``count`` small events in batches of 4, over a few subjects and known times."""
    log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    for first in range(0, count, 4):
        entries = [
            log.entry(Noted(text=f"note {n}", n=n), valid="2024-01", subject=f"s{n % subjects}")
            for n in range(first, min(first + 4, count))
        ]
        log.extend(entries, known=f"2024-01-{12 + first // 4 % 15:02d}T00:00:00Z")
    return log


def digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes; None if there is no file."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


# -- creation ---------------------------------------------------------------------------

_CREATOR = """
import sys
from timeline.stores import JsonLinesStore, SQLiteStore
kind, path = sys.argv[1], sys.argv[2]
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
import time
started = time.perf_counter()
(SQLiteStore if kind == "sqlite" else JsonLinesStore)(path).close()
sys.stdout.write(f"done {time.perf_counter() - started}\\n"); sys.stdout.flush()
"""


def kill_during_creation(kind: str, trials: int, folder: Path, *, seed: int = 1) -> dict[str, int]:
    """Kill a process at a random moment of creating a store; the path must open or not exist.

    The kill comes within 1.2 times the median time a creation takes (learnt
    from the trials that finished), so most land in the middle of one.

    Returns:
        Counts of "no file" (of which "killed mid-build": a temporary file was
        left), "opens", "unopenable" (the promise: 0), "finished", "more than
        one left" (the promise: 0) and "not swept" (leftovers a later open did
        not remove; the promise: 0).
    """
    rng = random.Random(seed)
    counts: collections.Counter[str] = collections.Counter()
    took: list[float] = []  # how long creations that finished took: the window to kill in
    window = 0.002
    for trial in range(trials):
        path = folder / f"kill-{trial}.{SUFFIX[kind]}"
        proc = subprocess.Popen(
            [*_python(_CREATOR), kind, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None  # noqa: S101
        assert proc.stdout is not None  # noqa: S101
        proc.stdout.readline()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        if took:
            window = 1.2 * sorted(took)[-(len(took) // 2) - 1]
        time.sleep(rng.uniform(0, window))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        if out.startswith("done"):
            counts["finished"] += 1
            took.append(float(out.split()[1]))
        elif not took:
            window *= 1.25  # nothing finished yet: the kills come too early
        left = list(folder.glob(f".{path.name}.*.creating*"))
        # At most one file is left by a kill mid-build, and the next open sweeps it away
        # (once it is old enough not to be a creation under way: aged here by hand).
        counts["more than one left"] += len(left) > 1
        if not path.exists():
            counts["no file"] += 1
            # A temporary file left behind: the kill landed in the middle of building it.
            counts["killed mid-build"] += bool(left)
            for leftover in left:
                os.utime(leftover, (time.time() - 3600,) * 2)
            open_store(kind, path).close()
            counts["not swept"] += any(folder.glob(f".{path.name}.*.creating*"))
            path.unlink()
            continue
        try:
            open_store(kind, path).close()
            open_store(kind, path, read_only=True).close()
            counts["opens"] += 1
        except TimelineError:
            counts["unopenable"] += 1
    return {
        "no file": 0,
        "killed mid-build": 0,
        "opens": 0,
        "unopenable": 0,
        "finished": 0,
        "more than one left": 0,
        "not swept": 0,
        **counts,
    }


# What the child scripts share: the store classes and the trial's event type.
_CHILD = """
import sys
from timeline import Log, Registry, StoreFullError, event
from timeline.stores import JsonLinesStore, SQLiteStore
registry = Registry()
@event("trial.noted", registry=registry)
class Noted:
    text: str
    n: int
"""

_CROWD = (
    _CHILD
    + """
kind, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.stdin.readline()
store = (SQLiteStore if kind == "sqlite" else JsonLinesStore)(path)
Log(store, registry=registry).append(Noted(text="hello", n=n), valid="2024")
store.close()
"""
)


def crowd_creation(kind: str, rounds: int, folder: Path, *, writers: int = 8) -> dict[str, int]:
    """``writers`` processes create the same new store at once and each append one record.

    Returns:
        Counts of "rounds", "errors" (a process that failed: the promise is 0),
        "unopenable" and "wrong" (a store without exactly one record per writer).
    """
    counts = {"rounds": 0, "errors": 0, "unopenable": 0, "wrong": 0}
    for round_ in range(rounds):
        path = folder / f"crowd-{round_}.{SUFFIX[kind]}"
        procs = [
            subprocess.Popen(
                [*_python(_CROWD), kind, str(path), str(n)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(writers)
        ]
        for proc in procs:  # all start together, once every interpreter is up
            assert proc.stdin is not None  # noqa: S101
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=120) for proc in procs]
        counts["rounds"] += 1
        counts["errors"] += sum(proc.returncode != 0 for proc in procs)
        for proc, (_, err) in zip(procs, results, strict=True):
            if proc.returncode != 0:
                print(f"  {kind} round {round_}: {err.strip().splitlines()[-1:]}", file=sys.stderr)
        try:
            store = open_store(kind, path, read_only=True)
        except TimelineError:
            counts["unopenable"] += 1
            continue
        log = Log(store, registry=registry)
        if sorted(r.event.n for r in log) != list(range(writers)) or not verify(store).ok:
            counts["wrong"] += 1
        store.close()
    return counts


# -- reading never writes ------------------------------------------------------------------

_READS: tuple[tuple[str, ...], ...] = (
    ("verify",),
    ("head",),
    ("at", "2024-01-15"),
    ("history", "x / y / z"),
    ("changes", "2024-01-01", "2024-02-01"),
    ("log",),
    ("verify", "--pin", "1:0000000000000000"),
)


def _specimens(kind: str, folder: Path) -> Iterator[tuple[str, Path]]:
    """Stores, damaged stores and files that are not stores, for ``kind``'s suffix."""
    suffix = SUFFIX[kind]
    good = folder / f"good.{suffix}"
    fill(open_store(kind, good), 12).close()
    yield "a store", good
    torn = folder / f"torn.{suffix}"
    shutil.copy(good, torn)
    with torn.open("ab") as handle:
        handle.write(b'{"body":{"data":{"text":"half' if kind == "jsonl" else b"\x00" * 100)
    yield "a torn tail", torn
    flipped = folder / f"flipped.{suffix}"
    raw = bytearray(good.read_bytes())
    raw[len(raw) // 2] ^= 0x20
    flipped.write_bytes(bytes(raw))
    yield "a flipped byte", flipped
    notes = folder / f"notes.{suffix}"
    notes.write_bytes(b'{"my":"notes"}')
    yield "a file of notes", notes
    empty = folder / f"empty.{suffix}"
    empty.write_bytes(b"")
    yield "an empty file", empty
    other = folder / f"other.{suffix}"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    yield "another SQLite database", other


def reads_never_write(kind: str, folder: Path) -> dict[str, int]:
    """Every read command on every specimen; the file's bytes must not change.

    Returns:
        Counts of "runs", "changed" (the promise: 0) and "crashed" (an exit
        other than 0 or 1, or a traceback).
    """
    counts = {"runs": 0, "changed": 0, "crashed": 0}
    for name, path in _specimens(kind, folder):
        for command in _READS:
            before = digest(path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                status = _quiet_cli(["--store", str(path), *command])
            counts["runs"] += 1
            if digest(path) != before:
                counts["changed"] += 1
                print(f"  {kind}: {' '.join(command)} changed {name}", file=sys.stderr)
            if status not in (0, 1):
                counts["crashed"] += 1
    return counts


def _quiet_cli(argv: list[str]) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    with open(os.devnull, "w") as sink:  # noqa: PTH123
        sys.stdout = sys.stderr = sink
        try:
            return cli(argv)
        finally:
            sys.stdout, sys.stderr = stdout, stderr


# -- pinned heads ---------------------------------------------------------------------------


def _sqlite_rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, params)


def _forge(kind: str, path: Path, log: Log, *, at: int) -> None:
    """Change the record at ``at`` and re-chain everything after it, as a careful forger would."""
    records = list(log.store.read())
    previous = records[at - 2].hash if at > 1 else GENESIS_HASH
    forged = []
    for record in records[at - 1 :]:
        body = record.body.replace('"note', '"forged', 1) if record.position == at else record.body
        changed = attrs.evolve(record, body=body)
        changed = attrs.evolve(changed, hash=chain_hash(previous, changed))
        forged.append(changed)
        previous = changed.hash
    if kind == "sqlite":
        for record in forged:
            _sqlite_rows(
                path,
                "UPDATE records SET body = ?, hash = ? WHERE position = ?",
                (record.body, bytes.fromhex(record.hash), record.position),
            )
    else:
        by_position = {record.position: _line(record) for record in forged}
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(by_position.get(_position(line), line) for line in lines))


def _position(line: str) -> int | None:
    item = json.loads(line)
    return item.get("position") if "hash" in item else None


def _cut(kind: str, path: Path, rng: random.Random) -> None:
    """Remove the last batches, as whole batches (so no torn tail gives it away)."""
    if kind == "sqlite":
        # The postings are written again for what is left: a careful cut leaves no trace.
        with sqlite3.connect(path) as db:
            (count,) = db.execute("SELECT count(*) FROM records").fetchone()
            db.execute("DELETE FROM records WHERE position > ?", (rng.randrange(count),))
            db.execute("DELETE FROM postings")
            _fill_postings(db)
        return
    lines = path.read_text().splitlines(keepends=True)
    ends = [0, *[i for i, line in enumerate(lines) if line.startswith('{"commit":')][:-1]]
    path.write_text("".join(lines[: rng.choice(ends) + 1]))


def pinned_heads(kind: str, trials: int, folder: Path, *, seed: int = 2) -> dict[str, int]:
    """Pin a head, then cut the tail, forge an append, or rewrite the chain; verify with the pin.

    Returns:
        Per attack, how often verify with the pin named it (the promise: every
        time) and how often verify without a pin saw nothing.
    """
    rng = random.Random(seed)
    counts = {"trials": 0, "detected": 0, "named right": 0, "missed without pin": 0}
    for trial in range(trials):
        attack = ("cut", "appended", "rewritten")[trial % 3]
        path = folder / f"pin-{trial}.{SUFFIX[kind]}"
        count = rng.randint(8, 30)
        log = fill(open_store(kind, path), count)
        pin = log.pin()
        log.close()
        if attack == "cut":
            _cut(kind, path, rng)
        elif attack == "appended":
            forger = Log(open_store(kind, path), registry=registry)
            forger.append(Noted(text="forged", n=-1), valid="2024-01")
            forger.close()
        else:
            store = open_store(kind, path)
            _forge(kind, path, Log(store, registry=registry), at=rng.randint(1, count))
            store.close()
        store = open_store(kind, path, read_only=True)
        with_pin = verify(store, pin=pin)
        without = verify(store)
        store.close()
        counts["trials"] += 1
        counts["detected"] += not with_pin.ok
        counts["named right"] += any(p.kind == attack for p in with_pin.problems)
        counts["missed without pin"] += without.ok
    return counts


# -- flipped bytes ----------------------------------------------------------------------------


def _answers(store: Store) -> tuple[Any, ...]:
    return (
        list(store.read()),
        [list(store.read(subject=f"s{n}")) for n in range(3)],
        list(store.read(types=["trial.noted"])),
        [store.last_known_by(f"2024-01-{day:02d}T00:00:00.000000Z") for day in range(11, 28)],
        store.head(),
    )


def flipped_sqlite_bytes(trials: int, folder: Path, *, seed: int = 3) -> dict[str, int]:
    """Flip one random byte of a SQLite store; verify must report any read it would change.

    Returns:
        Counts of "trials", "refused on open", "verify caught", "harmless"
        (reads unchanged), "silent wrong" (reads changed, verify ok: the promise
        is 0) and "raised" (verify or a read raised something untyped: 0).
    """
    rng = random.Random(seed)
    original = folder / "flip-original.sqlite"
    fill(SQLiteStore(original), 60).close()
    store = SQLiteStore(original, read_only=True)
    truth = _answers(store)
    store.close()
    raw = original.read_bytes()
    counts = dict.fromkeys(
        ("trials", "refused on open", "verify caught", "harmless", "silent wrong", "raised"), 0
    )
    for trial in range(trials):
        path = folder / f"flip-{trial}.sqlite"
        data = bytearray(raw)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        counts["trials"] += 1
        try:
            store = SQLiteStore(path, read_only=True)
        except StoreError:
            counts["refused on open"] += 1
            continue
        try:
            result = verify(store)
        except Exception:  # noqa: BLE001 -- counted: the promise is that it never raises
            counts["raised"] += 1
            continue
        try:
            same = _answers(store) == truth
        except StoreError:
            same = False  # a typed refusal to read is not a silent wrong answer
        except Exception:  # noqa: BLE001
            counts["raised"] += 1
            continue
        finally:
            store.close()
        if not result.ok:
            counts["verify caught"] += 1
        elif same:
            counts["harmless"] += 1
        else:
            counts["silent wrong"] += 1
    return counts


# -- a full disk ------------------------------------------------------------------------------

_FILLER = (
    _CHILD
    + """
import resource, signal
kind, path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = (SQLiteStore if kind == "sqlite" else JsonLinesStore)(path)
log = Log(store, registry=registry)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
n = 0
try:
    while True:
        log.extend([log.entry(Noted(text="x" * 200, n=n + i), valid="2024") for i in range(10)])
        n += 10
        print(n, flush=True)
except StoreFullError as error:
    print("full", str(error).splitlines()[0], flush=True)
"""
)


def disk_full(kind: str, trials: int, folder: Path) -> dict[str, int]:
    """Append under a file-size limit until it is reached; the error must be typed.

    Returns:
        Counts of "trials", "typed" (StoreFullError, one line) and "lost" (an
        acknowledged record not readable afterwards: the promise is 0), "raw"
        (any other end: 0).
    """
    counts = {"trials": 0, "typed": 0, "raw": 0, "lost": 0}
    for trial in range(trials):
        path = folder / f"full-{trial}.{SUFFIX[kind]}"
        open_store(kind, path).close()
        limit = path.stat().st_size + 40_000 + 7_919 * trial
        done = subprocess.run(  # noqa: PLW1510 -- the outcome is counted, not checked
            [*_python(_FILLER), kind, str(path), str(limit)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = done.stdout.split()
        counts["trials"] += 1
        if "full" in lines and done.returncode == 0:
            counts["typed"] += 1
        else:
            counts["raw"] += 1
            print(f"  {kind}: {done.stderr.strip()[-300:]}", file=sys.stderr)
        acknowledged = max((int(x) for x in lines if x.isdigit()), default=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TornWriteWarning)
            store = open_store(kind, path, read_only=True)
        if len(list(store.read())) < acknowledged or not verify(store).records >= acknowledged:
            counts["lost"] += 1
        store.close()
    return counts


def _limits_ok() -> bool:
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return soft == resource.RLIM_INFINITY


# -- the report -------------------------------------------------------------------------------


def main() -> None:
    """Run every trial and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count")
    scale = parser.parse_args().scale

    def n(count: int) -> int:
        return max(1, round(count * scale))

    rows: list[tuple[str, str, dict[str, int]]] = []
    trials: list[tuple[str, str, Callable[[Path], dict[str, int]]]] = []
    for kind in KINDS:
        trials += [
            ("kill during creation", kind, lambda f, k=kind: kill_during_creation(k, n(100), f)),
            ("8 processes create one store", kind, lambda f, k=kind: crowd_creation(k, n(50), f)),
            ("read commands, bytes unchanged", kind, lambda f, k=kind: reads_never_write(k, f)),
            ("pinned head vs tampering", kind, lambda f, k=kind: pinned_heads(k, n(60), f)),
            ("appends against a full disk", kind, lambda f, k=kind: disk_full(k, n(10), f)),
        ]
    trials.append(
        ("single-byte flips, verify", "sqlite", lambda f: flipped_sqlite_bytes(n(300), f))
    )
    for name, kind, run in trials:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            result = run(Path(folder))
        rows.append((name, kind, result))
        took = time.perf_counter() - started
        print(f"{name:34} {kind:6} {took:6.1f} s  {result}", flush=True)
    print()
    print("| trial | store | result |")
    print("|---|---|---|")
    for name, kind, result in rows:
        print(f"| {name} | {kind} | {', '.join(f'{k} {v}' for k, v in result.items())} |")


if __name__ == "__main__":
    main()
