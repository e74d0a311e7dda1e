"""What the stores promise under crashes, crowds, damage and attack.

docs/explanation/guarantees.md lists each promise and the test here that checks it.

The trials themselves live in bench/trials.py, which runs them at full counts
and prints a table; here they run with small counts (larger in the CI profile).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline import (
    CorruptStoreError,
    Log,
    NotAStoreError,
    Pin,
    PinError,
    Projection,
    ReadOnlyStoreError,
    SnapshotIgnoredWarning,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreNotFoundError,
    TimelineError,
    View,
    load_jsonl,
)
from timeline import on as handles
from timeline._cli import main
from timeline.stores import JsonLinesStore, SQLiteStore, open_store, repair, verify

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds" / "000_b4b480d03dd4a743.jsonl"
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "ci"

_spec = importlib.util.spec_from_file_location("trials", ROOT / "bench" / "trials.py")
assert _spec is not None
assert _spec.loader is not None
trials = importlib.util.module_from_spec(_spec)
sys.modules["trials"] = trials
_spec.loader.exec_module(trials)

KINDS = ["sqlite", "jsonl"]


# -- creation ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_kill_during_creation_leaves_a_store_or_no_file(tmp_path, kind):
    """SIGKILL while creating a store: it opens, or is not there; one leftover at most, swept."""
    result = trials.kill_during_creation(kind, 40 if THOROUGH else 12, tmp_path)
    assert result["unopenable"] == 0
    assert result["more than one left"] == 0
    assert result["not swept"] == 0
    assert result["no file"] + result["opens"] == (40 if THOROUGH else 12)
    assert result["killed mid-build"] + result["opens"] - result["finished"] > 0  # kills landed


@pytest.mark.parametrize("kind", KINDS)
def test_processes_creating_one_store_at_once_all_succeed(tmp_path, kind):
    """Eight processes create the same new store and append: no errors, one store, 8 records."""
    result = trials.crowd_creation(kind, 8 if THOROUGH else 2, tmp_path)
    assert result == {"rounds": 8 if THOROUGH else 2, "errors": 0, "unopenable": 0, "wrong": 0}


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_file_is_made_a_store_for_writing_and_refused_for_reading(tmp_path, kind):
    """A zero-byte file: read-only refuses it untouched; opening to write gives it the schema."""
    path = tmp_path / f"made.{kind}"
    path.touch()
    with pytest.raises(NotAStoreError, match="empty file"):
        open_store(path, read_only=True)
    assert path.read_bytes() == b""
    trials.fill(open_store(path), 3).close()
    assert len(list(open_store(path, read_only=True).read())) == 3


# -- reading never writes ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_read_commands_never_change_a_file(tmp_path, kind):
    """Every read command on stores, damaged stores and non-stores leaves the bytes as they were."""
    result = trials.reads_never_write(kind, tmp_path)
    assert result["changed"] == 0
    assert result["crashed"] == 0
    assert result["runs"] >= 6 * 7


def test_notes_are_refused_and_left_alone(tmp_path, capsys):
    """The file of notes that verify used to truncate: refused, named, untouched."""
    notes = tmp_path / "n.jsonl"
    notes.write_bytes(b'{"my":"notes"}')
    assert main(["--store", str(notes), "verify"]) == 1
    assert "not a timeline JSON Lines store" in capsys.readouterr().out
    assert notes.read_bytes() == b'{"my":"notes"}'
    with pytest.raises(NotAStoreError):
        JsonLinesStore(notes)  # not even for writing
    assert notes.read_bytes() == b'{"my":"notes"}'


@pytest.mark.parametrize("kind", KINDS)
def test_a_read_only_store_opens_verifies_and_answers(tmp_path, kind):
    """Opened read-only, a store answers and verifies; writing is a typed error, nothing written."""
    path = tmp_path / f"ro.{kind}"
    trials.fill(open_store(path), 8).close()
    before = trials.digest(path)
    store = open_store(path, read_only=True)
    assert verify(store).ok
    assert len(list(store.read())) == 8
    log = Log(store, registry=trials.registry)
    with pytest.raises(ReadOnlyStoreError, match="read-only"):
        log.append(trials.Noted(text="no", n=0), valid="2024")
    with pytest.raises(ReadOnlyStoreError):
        store.save_snapshot("x", 1, "{}")
    assert trials.digest(path) == before


MOUNT = shutil.which("mount") or "/bin/mount"
UMOUNT = shutil.which("umount") or "/bin/umount"


@contextlib.contextmanager
def _read_only_view(folder: Path):
    """``folder`` mounted read-only elsewhere: even root cannot write there."""
    view = folder.parent / f"{folder.name}-ro"
    view.mkdir()
    mounted = subprocess.run([MOUNT, "--bind", str(folder), str(view)], check=False).returncode
    if mounted == 0:
        remounted = subprocess.run(
            [MOUNT, "-o", "remount,bind,ro", str(view)], check=False, capture_output=True
        )
        if remounted.returncode != 0:
            subprocess.run([UMOUNT, str(view)], check=False)
            mounted = 1
    if mounted != 0:
        pytest.skip("cannot make a read-only mount here (needs root)")
    try:
        yield view
    finally:
        subprocess.run([UMOUNT, str(view)], check=True)


@pytest.mark.skipif(sys.platform != "linux", reason="read-only bind mounts are Linux's")
@pytest.mark.parametrize("kind", KINDS)
def test_a_store_on_a_read_only_file_system_answers_from_the_cli(tmp_path, kind):
    """On a read-only mount: 'at', 'log', 'verify', 'head' work; 'load' is one typed line."""
    folder = tmp_path / "data"
    folder.mkdir()
    assert main(["--store", str(folder / f"s.{kind}"), "load", str(SEEDS)]) == 0
    before = trials.digest(folder / f"s.{kind}")
    with _read_only_view(folder) as view:
        path = view / f"s.{kind}"

        def run(*args):
            return subprocess.run(
                [sys.executable, "-m", "timeline", "--store", str(path), *args],
                capture_output=True,
                text=True,
                check=False,
            )

        for args in (["at", "2024-01-15"], ["log"], ["verify"], ["head"]):
            done = run(*args)
            assert done.returncode == 0, done.stderr
        assert "yes" in run("at", "2024-01-15").stdout
        done = run("load", str(SEEDS))
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert "cannot be written" in done.stderr
        with pytest.raises(ReadOnlyStoreError):
            open_store(path)
    assert trials.digest(folder / f"s.{kind}") == before


# -- pinned heads --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_pinned_head_catches_cut_tails_forged_appends_and_rewritten_chains(tmp_path, kind):
    """Each attack passes plain verify, and verify with the pin names it, every time."""
    count = 30 if THOROUGH else 9
    result = trials.pinned_heads(kind, count, tmp_path)
    assert result == {
        "trials": count,
        "detected": count,
        "named right": count,
        "missed without pin": count,  # why pins exist: the chain alone cannot see these
    }


def test_pins_read_and_write_as_tokens():
    """A head's pin is a short token that reads back; a malformed token is a typed error."""
    log = trials.fill(open_store("memory:"), 5)
    pin = log.pin()
    assert pin.position == 5
    assert Pin.parse(str(pin)) == pin
    assert len(str(pin)) <= 40
    assert pin.matches(log[5].hash)
    assert not pin.matches(log[4].hash)
    for bad in ("", "5", "x:abcdef0123456789", "5:abc", "-1:abcdef0123456789abcdef"):
        with pytest.raises(PinError):
            Pin.parse(bad)
    assert verify(log.store, pin=pin).ok
    log.append(trials.Noted(text="later", n=9), valid="2024")
    assert [p.kind for p in verify(log.store, pin=pin).problems] == ["appended"]
    assert verify(log.store, pin=pin, allow_appended=True).ok
    empty = Log().pin()
    assert empty.position == 0
    assert verify(log.store, pin=empty, allow_appended=True).ok


def test_the_cli_prints_and_checks_a_pin(tmp_path, capsys):
    """'timeline head' prints the token that 'timeline verify --pin' checks."""
    path = tmp_path / "p.sqlite"
    main(["--store", str(path), "load", str(SEEDS)])
    capsys.readouterr()
    assert main(["--store", str(path), "head"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("14:")
    assert main(["verify", "--pin", token, "--store", str(path)]) == 0
    capsys.readouterr()
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM records WHERE position = 14")
    assert main(["--store", str(path), "--json", "verify", "--pin", token]) == 1
    report = json.loads(capsys.readouterr().out)
    # The postings still file the record that was cut, and the facts index that load
    # saved was built on it: neither is usable.
    kinds = [p["kind"] for p in report["problems"]]
    assert kinds[0] == "cut"
    assert set(kinds[1:]) == {"structure", "snapshot"}


# -- damage --------------------------------------------------------------------------------------


def test_single_byte_flips_in_sqlite_never_give_silent_wrong_reads(tmp_path):
    """Random flips: verify never raises, and any read a flip changes is reported by verify."""
    count = 300 if THOROUGH else 60
    result = trials.flipped_sqlite_bytes(count, tmp_path)
    assert result["silent wrong"] == 0
    assert result["raised"] == 0
    assert result["trials"] == count


_DAMAGE = {
    # One position of a posting changed, as a flipped bit in its offsets would.
    "an offset changed": (
        "UPDATE postings SET offsets = CAST(substr(offsets, 1, length(offsets) - 4) || x'01000000' "
        "AS BLOB) "
        "WHERE key = 's:s1' AND length(offsets) > 4 AND first = "
        "(SELECT max(first) FROM postings WHERE key = 's:s1' AND length(offsets) > 4)"
    ),
    "a posting lost": (
        "DELETE FROM postings WHERE key = 's:s1' AND first = "
        "(SELECT min(first) FROM postings WHERE key = 's:s1')"
    ),
    "a posting filed under another subject": (
        "UPDATE postings SET key = 's:s9' WHERE key = 's:s1' AND first = "
        "(SELECT min(first) FROM postings WHERE key = 's:s1')"
    ),
}


@pytest.mark.parametrize("damage", list(_DAMAGE))
def test_verify_finds_damaged_postings_and_repair_rebuilds_them(tmp_path, damage):
    """Damaged postings give wrong reads by subject: verify reports them; repair mends them."""
    path = tmp_path / "i.sqlite"
    trials.fill(SQLiteStore(path), 30).close()
    truth = list(SQLiteStore(path, read_only=True).read(subject="s1"))
    with sqlite3.connect(path) as db:
        assert db.execute(_DAMAGE[damage]).rowcount == 1
    store = SQLiteStore(path, read_only=True)
    assert list(store.read(subject="s1")) != truth  # the wrong answer verify must explain
    result = verify(store)
    assert {p.kind for p in result.problems} == {"structure"}
    assert "postings" in result.problems[0].message
    store.close()
    writer = SQLiteStore(path)
    assert "rebuilt the indexes and postings" in (repair(writer) or "")
    assert list(writer.read(subject="s1")) == truth
    assert verify(writer).ok
    assert repair(writer) is None


class Count(Projection[int]):
    state_type = int

    def initial(self):
        return 0

    @handles(trials.Noted)
    def noted(self, state, record):
        return state + 1


def _view_with_snapshot(store):
    log = Log(store, registry=trials.registry)
    for n in range(6):
        log.append(trials.Noted(text=f"n{n}", n=n), valid="2024-01")
    view = View(Count(), log)
    view.catch_up()
    view.save_snapshot()
    return log


@pytest.mark.parametrize(
    "damage",
    ["flipped byte", "stale version", "log moved under it", "unsealed"],
)
def test_a_snapshot_that_does_not_match_is_never_used(tmp_path, damage):
    """A snapshot with a flipped byte, another version, or another log under it is rebuilt."""
    path = tmp_path / "snap.sqlite"
    _view_with_snapshot(SQLiteStore(path)).close()
    with sqlite3.connect(path) as db:
        name, _, state = db.execute("SELECT name, position, state FROM snapshots").fetchone()
        envelope = json.loads(state)
        if damage == "flipped byte":
            envelope["state"] = envelope["state"].replace('"state": 6', '"state": 7')
            new = json.dumps(envelope)
            assert new != state
        elif damage == "stale version":
            envelope["state"] = envelope["state"].replace('"version": 1', '"version": 0')
            import hashlib  # noqa: PLC0415 -- a forger recomputing the checksum

            envelope["sha256"] = hashlib.sha256(envelope["state"].encode()).hexdigest()
            new = json.dumps(envelope)
        elif damage == "unsealed":
            new = envelope["state"]  # a snapshot as older versions wrote it
        else:
            new = state
            # Another log at the same path: the record under the snapshot is another one.
            db.execute("UPDATE records SET hash = randomblob(32) WHERE position = 6")
        db.execute("UPDATE snapshots SET state = ? WHERE name = ?", (new, name))
    store = SQLiteStore(path)
    log = Log(store, registry=trials.registry)
    with pytest.warns(SnapshotIgnoredWarning, match="not used"):
        view = View.from_snapshot(Count(), log)
    assert view.position == 0  # started over, not from the snapshot
    assert view.catch_up() == 6
    problems = verify(store).problems
    # A version is the projection's (in code), not the store's: verify cannot judge it.
    assert any(p.kind == "snapshot" for p in problems) == (damage != "stale version")


def test_a_sound_snapshot_is_used(tmp_path):
    """The control: an untouched snapshot is used, so the test above can fail."""
    path = tmp_path / "snap.sqlite"
    _view_with_snapshot(SQLiteStore(path)).close()
    log = Log(SQLiteStore(path), registry=trials.registry)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = View.from_snapshot(Count(), log)
    assert view.position == 6
    assert verify(log.store).ok


# -- typed errors --------------------------------------------------------------------------------


def test_store_errors_are_typed_and_catchable_as_builtins():
    """Each store error is a TimelineError and the builtin that fits."""
    pairs = {
        StoreNotFoundError: FileNotFoundError,
        NotAStoreError: ValueError,
        CorruptStoreError: ValueError,
        ReadOnlyStoreError: PermissionError,
        StoreFullError: OSError,
        StoreLockedError: TimeoutError,
    }
    for kind, builtin in pairs.items():
        assert issubclass(kind, StoreError)
        assert issubclass(kind, TimelineError)
        assert issubclass(kind, builtin)
        assert str(kind("x.sqlite: what")) == "x.sqlite: what"


@pytest.mark.parametrize("kind", KINDS)
def test_a_full_disk_is_a_typed_error_and_loses_nothing(tmp_path, kind):
    """Appending past a file-size limit is StoreFullError; every acknowledged batch reads back."""
    result = trials.disk_full(kind, 3 if THOROUGH else 1, tmp_path)
    assert result["raw"] == 0
    assert result["lost"] == 0


def test_a_locked_sqlite_store_is_a_typed_error(tmp_path):
    """A writer that waits past its timeout gets StoreLockedError naming the file."""
    path = tmp_path / "lock.sqlite"
    SQLiteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        log = Log(SQLiteStore(path, timeout=0.1), registry=trials.registry)
        with pytest.raises(StoreLockedError, match=r"lock\.sqlite"):
            log.append(trials.Noted(text="x", n=1), valid="2024")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("x.json", NotAStoreError),
        ("ftp:///x.sqlite", NotAStoreError),
        ("sqlite://host/x.sqlite", NotAStoreError),
        ("no/such/folder/x.sqlite", StoreNotFoundError),
    ],
)
def test_a_location_that_names_no_store_is_refused_at_open(tmp_path, location, error, monkeypatch):
    """Unknown suffixes and schemes, hosts and missing folders fail at open; nothing is created."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error):
        open_store(location)
    assert list(tmp_path.iterdir()) == []


# -- loads -----------------------------------------------------------------------------------------


def test_a_load_can_be_run_again_and_adds_only_what_is_new(tmp_path, capsys):
    """Loading a file twice adds nothing the second time; a grown file adds only its new lines."""
    path = tmp_path / "l.sqlite"
    assert main(["--store", str(path), "load", str(SEEDS)]) == 0
    assert main(["--store", str(path), "load", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "loaded 0 records" in out
    assert "14 already there, skipped" in out
    grown = tmp_path / "grown.jsonl"
    extra = json.loads(SEEDS.read_text().splitlines()[0])
    extra["provenance"] = {"source": "a second source"}
    grown.write_text(SEEDS.read_text() + json.dumps(extra) + "\n")
    assert main(["--store", str(path), "--json", "load", str(grown)]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "loaded": 1,
        "skipped": 14,
        "last_position": 15,
    }


def test_a_changed_line_with_its_own_id_is_refused(tmp_path, capsys):
    """An entry whose given id is in the log with other content is an error naming the line."""
    path = tmp_path / "ids.sqlite"
    source = tmp_path / "ids.jsonl"
    entry = json.loads(SEEDS.read_text().splitlines()[0])
    entry["id"] = "8e4b1a52-3f0c-4a7e-9d61-2b5c7e9f0a13"
    source.write_text(json.dumps(entry) + "\n")
    assert main(["--store", str(path), "load", str(source)]) == 0
    entry["data"]["what"] = "something else"
    source.write_text(json.dumps(entry) + "\n")
    capsys.readouterr()
    before = trials.digest(path)
    assert main(["--store", str(path), "load", str(source)]) == 1
    err = capsys.readouterr().err
    assert f"{source}:1: id 8e4b1a52" in err
    assert "other content" in err
    assert trials.digest(path) == before


def test_known_times_are_checked_alike_by_the_api_and_the_loader(tmp_path):
    """A zone-less date-time, an unreadable or non-text known time: refused by both alike.

    A day, month or year is the first instant of it in UTC, for both (see known_instant).
    """
    log = Log(registry=trials.registry)
    for bad in ("2024-01-12T00:00:00", "12/01/2024", 1704067200):
        source = tmp_path / "k.jsonl"
        line = json.loads(SEEDS.read_text().splitlines()[0])
        line["known_at"] = bad
        source.write_text(json.dumps(line) + "\n")
        with pytest.raises(TimelineError) as from_file:
            load_jsonl(source, Log())
        with pytest.raises(TimelineError) as from_api:
            log.append(trials.Noted(text="x", n=1), valid="2024", known=bad)  # type: ignore[arg-type]
        assert str(from_api.value).split(":")[0] in str(from_file.value)


def test_an_interrupted_load_leaves_the_store_as_it_was(tmp_path):
    """Ctrl-C during a load: one line, exit 130, and the store holds all of the file or none."""
    big = tmp_path / "big.jsonl"
    line = json.loads(SEEDS.read_text().splitlines()[0])
    with big.open("w") as out:
        for n in range(60_000):
            line["data"]["what"] = f"what {n}"
            out.write(json.dumps(line) + "\n")
    path = tmp_path / "i.sqlite"
    main(["--store", str(path), "load", str(SEEDS)])
    before = trials.digest(path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "timeline", "--store", str(path), "load", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    count = len(list(SQLiteStore(path, read_only=True).read()))
    assert "Traceback" not in err
    if proc.returncode == 0:  # the interrupt came after the batch was committed: all of it
        assert count == 14 + 60_000
        return
    assert proc.returncode == 130
    assert len(err.strip().splitlines()) == 1
    assert "interrupted" in err
    assert count in (14, 14 + 60_000)
    if count == 14:
        assert trials.digest(path) == before


def test_a_closed_pipe_exits_quietly(tmp_path):
    """'timeline log | head -1': no traceback, the usual status for a closed pipe."""
    path = tmp_path / "p.sqlite"
    main(["--store", str(path), "load", str(SEEDS)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "timeline", "--store", str(path), "log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert err == b""
    assert proc.returncode in (0, 141)


# -- any input, no traceback -----------------------------------------------------------------------

_COMMANDS = ["load", "at", "history", "changes", "verify", "log", "head", "repair"]
_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2024-01-15", "2024-13-45", "1999", "", "--known", "-x", "\udcff", "9" * 40]),
)
_LINES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"[" * 100_000,
            b'{"type": "sanctions.designated", "data": {}, "valid": "2024"}',
            b'{"type": "events.statement", "data": {"text": "\\ud800"}, "valid": "2024"}',
            b"\xff\xfe invalid utf-8",
            b'{"type": 1, "data": [], "valid": {}}',
        ]
    ),
    st.builds(
        lambda known: json.dumps(
            {**json.loads(SEEDS.read_text().splitlines()[0]), "known_at": known}
        ).encode(),
        st.one_of(st.integers(), st.text(max_size=20), st.none(), st.lists(st.integers())),
    ),
)


@settings(
    max_examples=150 if THOROUGH else 40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(_COMMANDS),
    args=st.lists(_TEXT, max_size=4),
    lines=st.lists(_LINES, max_size=3),
)
def test_no_input_makes_the_cli_print_a_traceback(tmp_path_factory, command, args, lines):
    """Any command, arguments and file: one line, status 1 (or usage, 2); the store unchanged."""
    folder = tmp_path_factory.mktemp("cli")
    store = folder / "s.sqlite"
    main(["--store", str(store), "load", str(SEEDS)])
    source = folder / "in.jsonl"
    source.write_bytes(b"\n".join(lines))
    argv = [
        "--store",
        str(store),
        command,
        *(str(source) if a == "" and command == "load" else a for a in args),
    ]
    if command == "load" and not args:
        argv.append(str(source))
    before = trials.digest(store)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            status = exit_.code
    assert "Traceback" not in err.getvalue()
    assert "internal error" not in err.getvalue(), err.getvalue()
    assert status in (0, 1, 2)
    said = err.getvalue().strip().splitlines()
    if status == 1:
        assert len(said) == 1
        assert said[0].startswith("timeline: error: ")
    if status == 2:
        assert said[-1].startswith("timeline")  # argparse: usage, then one error line
    if status != 0:
        assert trials.digest(store) == before
