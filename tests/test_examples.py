"""The example scripts run on the seeds and say what they should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def run(name: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    return result.stdout


def test_chronology_prints_every_dated_statement_with_its_precision():
    """The chronology lists all 14 records in valid-time order with precision and phrase."""
    out = run("chronology.py")
    assert out.startswith("14 records, known since 2024-01-12")
    lines = [line for line in out.splitlines()[2:] if not line.startswith(" ")]
    assert [line.split()[0] for line in lines] == [
        "2006", "2006/..", "2022-02", "2022-02/2024-01-12", "2022-02/2024-01-12", "2023-09",
        "2023-12-30", "2024-01-01/2024-01-07", "2024-01-02", "2024-01-11",
        "2024-01-11/..", "2024-01-11/..", "2024-01-11/..", "2024-01-11/..",
    ]  # fmt: skip
    assert "2023-09                month          Meeting" in out
    assert "“Last week”" in out


def test_in_force_answers_before_during_and_after_the_announcement():
    """Before the sanctions: only the embargo; on the day: maybe; after: yes."""
    out = run("in_force.py")
    assert "In force on 2005-06-01: 0" in out
    assert "In force on 2006-10-09: 1\n  maybe  UN Security Council / arms embargo" in out
    assert "In force on 2023-12-31: 1\n  yes    UN Security Council" in out
    assert out.count("  maybe  United States / - / unnamed") == 4
    assert "In force on 2024-01-15: 5" in out
    assert out.count("  yes    United States / - / unnamed") == 4
    assert "according to US State Department via Al Jazeera" in out


def test_as_known_shows_the_known_time_axis():
    """Known on 10 January: nothing; known on 12 January: five, but not in the valid past."""
    out = run("as_known.py")
    assert "2024-01-10          0 in force    1 in force" in out
    assert "2024-01-12          0 in force    5 in force" in out
    assert "2023-12-30: Russia struck Ukraine" in out


def test_retraction_shows_both_answers():
    """Before the retraction the mistake counts; after, it does not; it is never erased."""
    out = run("retraction.py")
    assert "As known at 2024-01-13T12:00:00Z: 6 sanctions in force" in out
    assert "As known at 2024-01-14T12:00:00Z: 5 sanctions in force" in out
    assert "Pyongyang Trading Co listed: True" in out
    assert "Pyongyang Trading Co listed: False" in out
    assert "holds the mistake at position 15" in out


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_is_tested(script):
    """Each script in examples/ has a test above (so none can rot unseen)."""
    tested = {"chronology.py", "in_force.py", "as_known.py", "retraction.py", "picture.py"}
    assert script in tested


def test_picture_draws_the_seed_timeline(tmp_path):
    """The script behind `make picture`: five sanctions, eight rows (events, two headings)."""
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    out = tmp_path / "seed.png"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "picture.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == f"drew 5 sanctions and 8 rows to {out}\n"
    assert out.read_bytes().startswith(b"\x89PNG")
