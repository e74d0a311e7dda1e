"""The command under any input and any interrupt: one line and a status, never a traceback.

Every subcommand with any of its options (values right, wrong and strange),
and Ctrl-C at any moment of a command's life.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline import seed_path
from timeline._cli import _parser, main
from timeline.stores import open_store

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
TIMELINE = Path(sys.executable).with_name("timeline")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    (found,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(found.choices)


COMMANDS = _subcommands()
_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "2024-01-15",
            "2024-02-01",
            "2024-01",
            "2024",
            "2024-13-45",
            "2024-01-15T12:00:00Z",
            "2024-01-10T00:00:00",
            "1999",
            "0",
            "-1",
            "99",
            "-99",
            "+25:00",
            "Europe/Paris",
            "UTC",
            "Mikheichik",
            "United States",
            "UN Security Council / arms embargo / North Korea",
            "14:0123",
            "out.png",
            "out.csv",
            "in.jsonl",
            "missing.jsonl",
            "",
            "\udcff",
            "9" * 40,
        ]
    ),
)
# --use imports what it names: only names that are safe to import.
_USES = st.sampled_from(["nonexistent_module", "timeline.events", "json:loads", ":", "os:sep"])


@st.composite
def _argv(draw: st.DrawFn) -> list[str]:
    """A subcommand with some of its options and positionals, in any order and any values."""
    name = draw(st.sampled_from(sorted(COMMANDS)))
    command = COMMANDS[name]
    words: list[str] = []
    for action in command._actions:
        if action.dest == "help":
            continue
        # Options are given or not; a positional is sometimes left out too (a usage error).
        if not draw(st.booleans()) and (action.option_strings or not draw(st.booleans())):
            continue
        flag = draw(st.sampled_from(action.option_strings)) if action.option_strings else None
        takes = action.nargs != 0
        if action.dest == "use":
            value = draw(_USES)
        elif action.choices:
            value = draw(st.one_of(st.sampled_from(list(action.choices)), _VALUES))
        else:
            value = draw(_VALUES)
        words += [flag] if flag is not None else []
        words += [value] if takes else []
    return [name, *draw(st.permutations(words))]


def _digest(path: Path) -> str:
    """The store's file and the records it holds (SQLite's -shm is scratch: a read may touch it)."""
    store = open_store(path, read_only=True)
    try:
        records = [attrs.astuple(record) for record in store.read()]
    finally:
        store.close()
    return hashlib.sha256(path.read_bytes() + repr(records).encode()).hexdigest()


@settings(
    max_examples=300 if THOROUGH else 60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=_argv())
def test_every_command_and_option_answers_or_says_one_line(tmp_path_factory, monkeypatch, argv):
    """Any subcommand, any options: status 0, or 1 with one line, or 2 (usage); nothing broken."""
    folder = tmp_path_factory.mktemp("fuzz")
    monkeypatch.chdir(folder)
    store = folder / "s.sqlite"
    main(["--store", str(store), "load", str(seed_path())])
    (folder / "in.jsonl").write_text(seed_path().read_text()[:500])
    before = _digest(store)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["--store", str(store), *argv])
        except SystemExit as exit_:  # argparse's usage errors, and --help
            status = exit_.code
    said = err.getvalue()
    assert "Traceback" not in said
    assert "internal error" not in said, said
    assert status in (0, 1, 2), (status, said)
    # Warnings are lines of their own, and --progress asked for its bar.
    lines = [
        line
        for line in said.splitlines()
        if not line.startswith("timeline: warning:") and "━" not in line
    ]
    if status == 1 and argv[0] == "verify" and not lines:
        assert out.getvalue().strip()  # the problems found are verify's report, on stdout
    elif status == 1:
        assert len(lines) == 1, said
        assert lines[0].startswith("timeline: error: ")
    if status == 2:
        assert lines[-1].startswith("timeline")  # argparse: usage, then one error line
    if status != 0 and argv[0] not in {"copy", "plot"}:
        assert _digest(store) == before


def _python_started(said: str) -> bool:
    """Whether a traceback is the interpreter's own, from its start before any of the command ran.

    An interrupt while Python sets itself up or reads its site-packages (tens of
    milliseconds) lands before the first line of the command: no code of the
    library's can catch it. Such a traceback goes through "<frozen site>" (or is
    a fatal error of the interpreter's initialisation) and none of the library's
    files.
    """
    ours = "timeline" in said.replace(str(TIMELINE), "")
    # Or earlier still, while it sets up its standard streams ("init_sys_streams").
    starting = "<frozen site>" in said or "Fatal Python error: init_" in said
    return starting and not ours


@pytest.mark.parametrize(
    "command", [["log"], ["at", "2024-01-15"]] + ([["verify"], ["rebuild"]] if THOROUGH else [])
)
def test_an_interrupt_at_any_moment_is_one_line_and_130(tmp_path, command):
    """Ctrl-C from 0 to 3 s into a command: it finished, or said one line and exited 130."""
    store = tmp_path / "s.sqlite"
    subprocess.run([str(TIMELINE), "--store", str(store), "load", str(seed_path())], check=True)
    rng = random.Random(f"{command}")
    moments = sorted(rng.uniform(0, 3) for _ in range(12 if THOROUGH else 3))
    # Early moments, where the imports are, more densely.
    moments += [rng.uniform(0, 0.6) for _ in range(12 if THOROUGH else 5)]
    for moment in moments:
        proc = subprocess.Popen(
            [str(TIMELINE), "--store", str(store), *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(moment)
        proc.send_signal(signal.SIGINT)
        _, said = proc.communicate(timeout=60)
        if proc.returncode == -signal.SIGINT or _python_started(said):
            continue  # the interpreter had not started the command yet
        assert "Traceback" not in said, (moment, said)
        if proc.returncode == 0:
            assert said == ""
            continue
        assert proc.returncode == 130, (moment, proc.returncode, said)
        assert len(said.strip().splitlines()) == 1, (moment, said)
        assert said.startswith("timeline: interrupted")
