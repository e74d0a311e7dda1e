"""Installing and living with it: version, shipped seeds, stores by path, reprs, logging."""

from __future__ import annotations

import ast
import importlib.metadata
import logging
import subprocess
import sys
from pathlib import Path

import pytest

import timeline
from timeline import Log, NotAStoreError, TimelineError, load_jsonl, seed_path
from timeline._cli import main
from timeline.sanctions import SanctionsInForce


def test_the_version_is_the_distributions():
    """timeline.__version__ is bitemporal-timeline's version; --version says it."""
    assert timeline.__version__ == importlib.metadata.version("bitemporal-timeline")


def test_the_command_prints_its_version(capsys):
    """'timeline --version' names the version and the distribution."""
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert (
        capsys.readouterr().out.strip() == f"timeline {timeline.__version__} (bitemporal-timeline)"
    )


def test_the_seeds_are_found_wherever_the_package_is():
    """seed_path() gives the transcription and the article; an unknown name lists the seeds."""
    assert seed_path().name == "000_b4b480d03dd4a743.jsonl"
    assert "North Korea" in seed_path("000_b4b480d03dd4a743.txt").read_text()
    with pytest.raises(TimelineError, match=r"000_b4b480d03dd4a743\.jsonl"):
        seed_path("no-such-seed.jsonl")


def test_a_log_opens_a_store_by_path_or_url(tmp_path):
    """Log('x.sqlite') opens it; an unknown suffix or a wrong type fails at once."""
    log = Log(tmp_path / "a.sqlite")
    load_jsonl(seed_path(), log)
    log.close()
    assert len(Log(f"sqlite://{tmp_path}/a.sqlite")) == 14
    with pytest.raises(NotAStoreError, match=r"suffix '\.json'"):
        Log(str(tmp_path / "a.json"))
    with pytest.raises(TypeError, match="a store, a path or a URL"):
        Log(42)  # type: ignore[arg-type]
    assert not (tmp_path / "a.json").exists()


def test_negative_positions_and_slices():
    """log[-1] is the last record; slices are of positions."""
    log = Log()
    load_jsonl(seed_path(), log)
    assert log[-1].position == 14
    assert log[-14].position == 1
    assert [r.position for r in log[3:6]] == [3, 4, 5]
    assert [r.position for r in log[-2:]] == [13, 14]
    assert [r.position for r in log[:3]] == [1, 2]
    assert [r.position for r in log[1::5]] == [1, 6, 11]
    for missing in (0, 15, -15):
        with pytest.raises(IndexError):
            log[missing]


def test_reprs_are_short_and_say_what_matters():
    """A record on one line of at most ~200 characters; an answer as a summary."""
    log = Log()
    load_jsonl(seed_path(), log)
    for record in log:
        text = repr(record)
        assert "\n" not in text
        assert len(text) <= 200
        assert text.startswith(f"<Record {record.position} known 2024-01-12T00:00Z: ")
    answer = SanctionsInForce(log).in_force("2024-01-15")
    assert repr(answer).startswith("<InForce: 5 hits (5 yes, 0 maybe): ")
    assert len(repr(answer)) < 300
    assert repr(SanctionsInForce(log)).startswith("<SanctionsInForce read to position")


def test_the_library_logs_opening_and_catching_up(tmp_path, caplog):
    """The 'timeline' logger reports opening a store and catching up."""
    with caplog.at_level(logging.DEBUG, logger="timeline"):
        log = Log(tmp_path / "l.sqlite")
        load_jsonl(seed_path(), log)
        SanctionsInForce(log).in_force("2024")
    said = [r.getMessage() for r in caplog.records if r.name == "timeline"]
    assert any(message.startswith("opening sqlite store") for message in said)
    assert any("caught up: 14 records" in message for message in said)


def test_answers_and_records_render_as_tables_in_notebooks():
    """_repr_html_ gives an escaped table for an answer and for a record."""
    log = Log()
    load_jsonl(seed_path(), log)
    answer = SanctionsInForce(log).in_force("2024-01-15")
    table = answer._repr_html_()
    assert table.startswith("<table><thead><tr><th>answer</th>")
    assert table.count("<tr>") == 6  # the head and five hits
    assert "North Korea" in table
    record = log[6]._repr_html_()
    assert "<th>valid</th><td>2023-09 (In September)</td>" in record
    assert "&#x27;" in record or "&quot;" in record or "Meeting(" in record


def test_every_command_has_help_with_a_description_and_examples(capsys):
    """Each subcommand's --help says what it does and shows an example."""
    from timeline._cli import _parser  # noqa: PLC0415

    commands = next(a for a in _parser()._actions if a.dest == "command")
    for name in commands.choices:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        text = capsys.readouterr().out
        assert "examples (on the seed" in text, name
        assert f"timeline {name}" in text or "timeline --store" in text, name


def test_histories_and_record_lists_render_as_tables():
    """history() and log[a:b] give a tuple and a list that notebooks show as tables."""
    log = Log()
    load_jsonl(seed_path(), log)
    spells = SanctionsInForce(log).history("UN Security Council / arms embargo / North Korea")
    assert isinstance(spells, tuple)
    assert spells._repr_html_().count("<tr>") == 2
    records = log[1:4]
    assert isinstance(records, list)
    assert len(records) == 3
    assert records._repr_html_().count("<tr>") == 4


def test_import_timeline_imports_nothing_until_a_name_is_used():
    """`import timeline` (and the command's entry) loads no module of its own, nor a library."""
    code = (
        "import sys, timeline, timeline._command; "
        "print(sorted(m for m in sys.modules if m.startswith(('timeline', 'attrs', 'pendulum', "
        "'rich', 'cattrs', 'typing', 'logging'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "['timeline', 'timeline._command', 'timeline._terminal']"


def test_every_public_name_is_where_the_lazy_table_says():
    """__all__, the table of where names live and the imports type checkers read agree."""
    source = ast.parse(Path(timeline.__file__).read_text())
    guarded = next(node for node in source.body if isinstance(node, ast.If))
    imported = {
        alias.asname or alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }
    assert imported == timeline._WHERE
    assert sorted(timeline._WHERE) == sorted(set(timeline.__all__) - {"__version__"})
    for name in timeline.__all__:
        assert getattr(timeline, name) is not None
    assert set(timeline.__all__) <= set(dir(timeline))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = timeline.nothing
