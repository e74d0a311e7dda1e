"""The timeline command, end to end on temporary stores."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import Log
from timeline._cli import main
from timeline._cli._rows import HIT_LEADING
from timeline.sanctions import SanctionsInForce

SEEDS = Path(__file__).parent.parent / "seeds" / "000_b4b480d03dd4a743.jsonl"


@pytest.fixture(params=["sqlite", "jsonl"])
def store(request, tmp_path):
    path = tmp_path / f"store.{request.param}"
    assert main(["--store", str(path), "load", str(SEEDS)]) == 0
    return path


def run(store, *args, capsys):
    status = main(["--store", str(store), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_load_reports_and_appends(tmp_path, capsys):
    """Loading prints what it did; --json says it for machines."""
    path = tmp_path / "s.sqlite"
    status, out, _ = run(path, "--json", "load", str(SEEDS), capsys=capsys)
    assert status == 0
    assert json.loads(out) == {"loaded": 14, "skipped": 0, "last_position": 14}


def test_at_lists_sanctions_with_answers(store, capsys):
    """'at' shows yes / maybe per sanction; --known moves the known time."""
    status, out, _ = run(store, "at", "2024-01-15", capsys=capsys)
    assert status == 0
    assert out.splitlines()[0].split() == [
        "ANSWER",
        "KEY",
        "DESIGNATION",
        "FROM",
        "UNTIL",
        "SOURCES",
    ]
    assert sum(line.startswith("yes") for line in out.splitlines()) == 5
    _, out, _ = run(store, "--json", "at", "2024-01-15", "--known", "2024-01-10", capsys=capsys)
    assert json.loads(out)["in_force"] == []
    _, out, _ = run(store, "--json", "at", "2024-01-11T12:00:00Z", "--authority", "United States",
                    capsys=capsys)  # fmt: skip
    rows = json.loads(out)["in_force"]
    assert {row["answer"] for row in rows} == {"maybe"}
    assert len(rows) == 4
    _, out, _ = run(store, "at", "1999-01-01", capsys=capsys)
    assert out == "nothing in force on 1999-01-01 (as known now)\n"


def test_history_and_changes(store, capsys):
    """'history' shows a key's spells; 'changes' what started or ended in a window."""
    key = "UN Security Council / arms embargo / North Korea"
    _, out, _ = run(store, "--json", "history", key, capsys=capsys)
    (spell,) = json.loads(out)["spells"]
    assert (spell["from"], spell["from_earliest"], spell["from_latest"]) == (
        "2006",
        "2006-01-01T00:00:00",  # floating: a wall time, no offset
        "2007-01-01T00:00:00",
    )
    assert (spell["until"], spell["until_earliest"]) == ("..", None)  # open: EDTF's own
    assert spell["sources"] == ["Al Jazeera"]  # an array, not a joined string
    assert spell["records"] == [3]
    _, out, _ = run(store, "--json", "changes", "2024-01-01", "2024-02-01", capsys=capsys)
    changes = json.loads(out)["changes"]
    assert [(c["change"], c["answer"]) for c in changes] == [("started", "yes")] * 4
    _, out, _ = run(store, "changes", "2006-06-01", "2006-07-01", capsys=capsys)
    assert out.splitlines()[1].split()[:3] == ["maybe", "started", "2006"]


def test_verify_and_log(store, capsys):
    """'verify' checks the chain; 'log' prints the records, or the chronology, with precisions."""
    status, out, _ = run(store, "verify", capsys=capsys)
    assert (status, out) == (0, "ok: 14 records, hash chain intact\n")
    _, out, _ = run(store, "--json", "log", capsys=capsys)
    written = json.loads(out)["records"]
    assert [row["position"] for row in written] == list(range(1, 15))  # as appended
    _, out, _ = run(store, "--json", "log", "--order", "valid", capsys=capsys)
    rows = json.loads(out)["records"]
    assert sorted(rows, key=lambda row: row["position"]) == written  # the same records
    assert rows[0]["valid"] == "2006"
    assert rows[0]["valid_earliest"] == "2006-01-01T00:00:00"  # floating: wall time
    assert rows[0]["type"] == "events.launch"
    assert rows[0]["event_system"] == "nuclear bomb"  # the event's data, beside its summary
    assert rows[0]["event"].startswith("Launch(")
    assert rows[5]["phrase"] == "In September"
    _, out, _ = run(store, "log", capsys=capsys)
    assert "month to day" in out
    assert out.splitlines()[0].split()[:3] == ["POSITION", "KNOWN_AT", "VALID"]


def test_verify_fails_on_a_tampered_store(tmp_path, capsys):
    """A changed record makes 'verify' exit non-zero and name the position."""
    path = tmp_path / "s.jsonl"
    main(["--store", str(path), "load", str(SEEDS)])
    capsys.readouterr()
    text = path.read_text().replace("In September", "In October", 1)
    path.write_text(text)
    status, out, _ = run(path, "verify", capsys=capsys)
    assert status == 1
    assert out.startswith("chain at position 6: hash does not match")


BAD = {
    "malformed JSON": ('{"type": "events.meeting", "data": {', "malformed JSON"),
    "unknown type": (
        '{"type": "events.picnic", "data": {}, "valid": "2024"}',
        "unknown event type 'events.picnic'",
    ),
    "impossible date": (
        '{"type": "events.meeting", "data": {"participants": ["a"]}, "valid": "2023-02-30"}',
        "valid time: invalid EDTF '2023-02-30'",
    ),
    "backwards known time": (
        (
            '{"type": "events.meeting", "data": {"participants": ["a"]}, "valid": "2024",'
            ' "known_at": "2020-01-01T00:00:00Z"}'
        ),
        "known time 2020-01-01T00:00:00.000000Z is earlier",
    ),
    "wrong field type": (
        '{"type": "events.meeting", "data": {"participants": "a"}, "valid": "2024"}',
        "participants",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_naming_file_and_line_and_changes_nothing(
    store, tmp_path, case, capsys
):
    """Bad files fail with one line naming file:line; the store is exactly as it was."""
    line, message = BAD[case]
    bad = tmp_path / "bad.jsonl"
    good = SEEDS.read_text().splitlines()[0]
    bad.write_text(f"{good}\n\n{line}\n")
    before = store.read_bytes()
    status, out, err = run(store, "load", str(bad), capsys=capsys)
    assert status == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"timeline: error: {bad}:3: ")
    assert message in err
    assert store.read_bytes() == before


def test_missing_store_and_bad_dates_are_one_line_errors(tmp_path, capsys):
    """Asking a store that does not exist, or with a date that is not one, fails plainly."""
    status, _, err = run(tmp_path / "none.sqlite", "at", "2024-01-01", capsys=capsys)
    assert status == 1
    missing = tmp_path / "none.sqlite"
    assert err == f"timeline: error: {missing}: no store here; load a file into it first\n"
    path = tmp_path / "s.sqlite"
    main(["--store", str(path), "load", str(SEEDS)])
    capsys.readouterr()
    status, _, err = run(path, "at", "the day after tomorrow", capsys=capsys)
    assert status == 1
    assert err.count("\n") == 1
    assert "invalid EDTF 'the day after tomorrow'" in err


def test_the_console_script_is_installed(tmp_path):
    """'timeline' is on the PATH of the environment, with a progress bar on request."""
    exe = shutil.which("timeline", path=str(Path(sys.executable).parent))
    assert exe is not None
    result = subprocess.run(
        [exe, "--store", str(tmp_path / "s.sqlite"), "load", "--progress", str(SEEDS)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "loaded 14 records" in result.stdout
    assert "loading 000_b4b480d03dd4a743.jsonl" in result.stderr
    assert "15/15" in result.stderr  # the lines read: a defaults line and 14 entries


def test_during_keys_and_show(store, capsys):
    """'during' answers a window, 'keys' lists the keys, 'show' one record in full."""
    _, out, _ = run(store, "--json", "during", "2024-01-01", "2024-02-01", capsys=capsys)
    answer = json.loads(out)
    assert len(answer["in_force"]) == 5
    assert answer["known"].startswith("20")  # the known time used: now
    _, out, _ = run(store, "keys", capsys=capsys)
    assert "UN Security Council / arms embargo / North Korea" in out.splitlines()
    assert len(out.splitlines()) == 5
    _, out, _ = run(store, "show", "-1", "--json", capsys=capsys)
    shown = json.loads(out)
    assert shown["position"] == 14
    assert shown["type"] == "sanctions.designated"
    assert shown["event_target"]["name"] == "unnamed Russian individual"  # full, not a repr
    assert shown["valid"] == "2024-01-11/.."
    assert shown["source"] == "Al Jazeera"
    assert shown["status"] == "active"
    status, _, err = run(store, "show", "99", capsys=capsys)
    assert status == 1
    assert "no record at position 99" in err


def test_options_go_before_or_after_the_command(store, capsys):
    """--store and --json are accepted on either side of the command."""
    status, out, _ = run(store, "at", "2024-01-15", "--json", capsys=capsys)
    assert status == 0
    assert len(json.loads(out)["in_force"]) == 5
    status = main(["at", "2024-01-15", "--store", str(store)])
    assert status == 0


def test_the_cli_reference_names_every_command_and_option():
    """docs/reference/cli.md cannot drift from the parser: every command and option is there."""
    from timeline._cli import _parser  # noqa: PLC0415

    reference = (Path(__file__).parent.parent / "docs" / "reference" / "cli.md").read_text()
    parser = _parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name, sub in commands.choices.items():
        assert f"`{name}" in reference, name
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in reference, f"{name} {option}"


MANDATES = """
from timeline import Change, Record, TemporalFacts, ends, event, starts


@event("cli.mandate.began")
class Began:
    office: str
    holder: str


@event("cli.mandate.ended")
class Ended:
    office: str


class Mandates(TemporalFacts):
    @starts(Began)
    def began(self, record: Record) -> Change:
        return Change(record.event.office, {"target": record.event.holder})

    @ends(Ended)
    def ended(self, record: Record) -> str:
        return record.event.office
"""


def test_a_users_own_vocabulary_and_projection(tmp_path, capsys, monkeypatch):
    """--use MODULE loads a user's event types; --use MODULE:CLASS asks their projection."""
    (tmp_path / "cli_mandates.py").write_text(MANDATES)
    monkeypatch.syspath_prepend(str(tmp_path))
    source = tmp_path / "mandates.jsonl"
    source.write_text(
        json.dumps({"type": "cli.mandate.began", "data": {"office": "UN SG", "holder": "Guterres"},
                    "valid": "2017-01-01/.."}) + "\n"
    )  # fmt: skip
    store = tmp_path / "m.sqlite"
    status, _, err = run(store, "load", str(source), capsys=capsys)
    assert status == 1
    assert "unknown event type 'cli.mandate.began'" in err
    assert run(store, "load", str(source), "--use", "cli_mandates", capsys=capsys)[0] == 0
    status, out, _ = run(store, "at", "2024", "--use", "cli_mandates:Mandates", capsys=capsys)
    assert status == 0
    assert out.splitlines()[1].split()[:2] == ["yes", "UN"]
    _, out, _ = run(
        store, "--json", "at", "2024", "--target", "guterres", "--use", "cli_mandates:Mandates",
        capsys=capsys,
    )  # fmt: skip
    assert [hit["key"] for hit in json.loads(out)["in_force"]] == ["UN SG"]
    status, _, err = run(store, "at", "2024", "--use", "cli_mandates:Began", capsys=capsys)
    assert status == 1
    assert "is not a TemporalFacts projection" in err
    status, _, err = run(store, "keys", "--use", "no_such_module_here", capsys=capsys)
    assert status == 1
    assert "cannot import 'no_such_module_here'" in err


def _validator(name: str):
    """A validator of the shipped schema ``name`` (timeline/schemas), its references resolved."""
    import importlib.resources  # noqa: PLC0415

    import jsonschema  # noqa: PLC0415
    from referencing import Registry, Resource  # noqa: PLC0415

    folder = importlib.resources.files("timeline") / "schemas"
    schemas = {
        item.name: json.loads(item.read_text())
        for item in folder.iterdir()
        if item.name.endswith(".json")
    }
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    checker = jsonschema.Draft202012Validator
    return checker(schemas[name], registry=registry, format_checker=checker.FORMAT_CHECKER)


# Each command, the document schema of its --json, the key of its rows and their row schema.
_OUTPUTS = [
    (["at", "2024-01-15"], "at", "in_force", "hit"),
    (["at", "2006", "--known", "2024-01-12"], "at", "in_force", "hit"),
    (["during", "2006-01-01", "2030-01-01"], "during", "in_force", "hit"),
    (["history", "UN Security Council / arms embargo / North Korea"], "history", "spells", "spell"),
    (["changes", "2024-01-01", "2024-02-01"], "changes", "changes", "change"),
    (["changes", "2005-01-01", "2030-02-01"], "changes", "changes", "change"),
    (["log"], "log", "records", "record"),
    (["log", "--order", "valid", "--known", "2024-01-13"], "log", "records", "record"),
    (["verify"], "verify", "problems", "problem"),
]


def _csv_cell(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@pytest.mark.parametrize("case", _OUTPUTS, ids=lambda case: " ".join(case[0]))
def test_every_format_has_the_rows_of_the_shipped_schema(store, capsys, case):
    """One row shape per kind, in every format.

    JSON validates against its document schema; JSON lines are its rows, each valid
    against the row schema; CSV has their columns and values; the table shows some of
    the columns.
    """
    import csv  # noqa: PLC0415

    command, document, key, kind = case
    _, text, _ = run(store, *command, "--format", "json", capsys=capsys)
    answer = json.loads(text)
    _validator(f"{document}.schema.json").validate(answer)
    rows = answer[key]
    assert rows or kind == "problem"
    _, lines, _ = run(store, *command, "--format", "jsonl", capsys=capsys)
    assert [json.loads(line) for line in lines.splitlines()] == rows
    row_checker = _validator(f"{kind}.schema.json")
    for row in rows:
        row_checker.validate(row)
    _, table, _ = run(store, *command, "--format", "csv", capsys=capsys)
    read = csv.DictReader(io.StringIO(table))
    columns = list(dict.fromkeys(name for row in rows for name in row))
    if kind == "hit":  # streamed: every column a hit may have, those no row holds empty
        assert read.fieldnames is not None
        assert set(columns) <= set(read.fieldnames)
        assert read.fieldnames[: len(HIT_LEADING)] == list(HIT_LEADING)
        columns = read.fieldnames
    else:
        assert read.fieldnames == (columns or ["kind", "position", "message"])
    for row, cells in zip(rows, read, strict=True):
        assert {name: cells[name] for name in columns} == {
            name: _csv_cell(row.get(name)) for name in columns
        }
    if kind == "problem":
        return
    _, people, _ = run(store, *command, capsys=capsys)
    header = people.splitlines()[0].lower().split()
    assert set(header) <= set(columns)


def test_a_shown_record_and_a_head_keep_the_conventions(store, capsys):
    """Show's JSON is a record's row with its status; head's known time is an instant."""
    _, out, _ = run(store, "--json", "show", "6", capsys=capsys)
    shown = json.loads(out)
    _validator("shown.schema.json").validate(shown)
    assert (shown["status"], shown["fixed_by"]) == ("active", None)
    _, out, _ = run(store, "show", "6", capsys=capsys)
    assert "None" not in out
    _, out, _ = run(store, "--json", "head", capsys=capsys)
    assert json.loads(out)["known_at"] == "2024-01-12T00:00:00+00:00"
    with pytest.raises(Exception, match="is a required property"):  # the schema can fail
        _validator("at.schema.json").validate({"known": "now", "in_force": []})


@pytest.mark.parametrize(
    "command",
    [
        ["at", "2024-01-15"],
        ["during", "2024-01-01", "2024-02-01"],
        ["keys"],
        ["show", "1"],
        ["history", "UN Security Council / arms embargo / North Korea"],
        ["changes", "2024-01-01", "2024-02-01"],
        ["log"],
        ["head"],
        ["verify"],
    ],
)
def test_every_command_takes_the_options_on_either_side(store, capsys, command):
    """--store and --json before the command and after it give the same output."""
    assert main(["--store", str(store), "--json", *command]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main([*command, "--json", "--store", str(store)]) == 0
    after = json.loads(capsys.readouterr().out)
    before.pop("known", None)
    after.pop("known", None)
    assert before == after


def test_copy_keeps_everything_and_refuses_a_full_target(store, tmp_path, capsys):
    """'copy' makes a store that verifies with the same head; a non-empty target is refused."""
    _, head, _ = run(store, "head", capsys=capsys)
    target = tmp_path / "copy.jsonl" if store.suffix == ".sqlite" else tmp_path / "copy.sqlite"
    status, out, _ = run(store, "copy", str(target), "--progress", capsys=capsys)
    assert status == 0
    assert out.strip() == f"copied 14 records to {target} (head {head.strip()})"
    status, out, _ = run(target, "verify", "--pin", head.strip(), capsys=capsys)
    assert status == 0
    status, _, err = run(store, "copy", str(target), capsys=capsys)
    assert status == 1
    assert "needs an empty target" in err


def test_questions_start_from_the_index_that_load_saved(tmp_path, capsys, monkeypatch):
    """Load saves the facts index; questions read it and only what was appended since."""
    from timeline import Log  # noqa: PLC0415
    from timeline.stores import SQLiteStore  # noqa: PLC0415

    path = tmp_path / "s.sqlite"
    run(path, "load", str(SEEDS), capsys=capsys)
    store = SQLiteStore(path, read_only=True)
    assert store.load_state(SanctionsInForce.name())[0] == 14  # saved at the last position
    saved = SanctionsInForce.from_snapshot(Log(store))
    assert saved.position == 14
    assert saved.catch_up() == 0
    store.close()
    read = []
    original = SanctionsInForce.catch_up
    monkeypatch.setattr(
        SanctionsInForce,
        "catch_up",
        lambda self, **options: read.append(original(self, **options)) or read[-1],
    )
    before = path.read_bytes()
    status, out, _ = run(path, "at", "2024-01-15", capsys=capsys)
    assert status == 0
    assert read[0] == 0  # nothing to read: the saved index was at the head
    assert path.read_bytes() == before  # a question never writes
    # A damaged index is not used: the answer is built from the log, with a warning.
    import sqlite3  # noqa: PLC0415

    with sqlite3.connect(path) as db:
        db.execute("UPDATE timeline_state_parts SET data = zeroblob(length(data))")
    read.clear()
    status, again, err = run(path, "at", "2024-01-15", capsys=capsys)
    assert status == 0
    assert again == out
    assert read[0] == 14
    assert "saved state of timeline.sanctions.SanctionsInForce not used" in err
    assert "checksum" in err
    assert err.count("\n") == 1  # one line, through the warning, not a raw log line too
    # rebuild replaces the damaged index (saved at the same position), and verify is clean again.
    assert run(path, "verify", capsys=capsys)[0] == 1
    assert run(path, "rebuild", capsys=capsys)[0] == 0
    assert run(path, "verify", capsys=capsys)[0] == 0
    read.clear()
    run(path, "at", "2024-01-15", capsys=capsys)
    assert read[0] == 0


def test_rebuild_saves_the_index_and_says_so(tmp_path, capsys, monkeypatch):
    """Rebuild builds from the whole log and saves; a question over many new records says so."""
    from timeline._cli import _index  # noqa: PLC0415

    path = tmp_path / "s.sqlite"
    run(path, "load", str(SEEDS), capsys=capsys)
    import sqlite3  # noqa: PLC0415

    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM timeline_states")
    monkeypatch.setattr(_index, "_SLOW_CATCH_UP", 10)
    status, _, err = run(path, "at", "2024-01-15", capsys=capsys)
    assert status == 0
    assert "note: the facts index was built from 14 records" in err
    assert "'timeline rebuild' saves it" in err
    status, out, _ = run(path, "--json", "rebuild", capsys=capsys)
    assert status == 0
    row = json.loads(out)
    assert row["position"] == 14
    assert row["spells"] > 0
    status, _, err = run(path, "at", "2024-01-15", capsys=capsys)
    assert err == ""
    status, out, _ = run(path, "rebuild", capsys=capsys)
    assert out.startswith("rebuilt timeline.sanctions.SanctionsInForce (version ")


def test_rebuild_on_json_lines_says_what_to_do(tmp_path, capsys):
    """A JSON Lines store keeps no index: one line saying so, nothing written."""
    path = tmp_path / "s.jsonl"
    run(path, "load", str(SEEDS), capsys=capsys)
    before = path.read_bytes()
    status, out, err = run(path, "rebuild", capsys=capsys)
    assert status == 1
    assert out == ""
    assert "keeps no saved index" in err
    assert err.count("\n") == 1
    assert path.read_bytes() == before


def test_an_older_store_is_refused_read_only_and_migrate_brings_it_up(tmp_path, capsys):
    """Questions never write, so they name the command that migrates; it says what it did."""
    path = tmp_path / "old.sqlite"
    path.write_bytes((Path(__file__).parent / "data" / "schema-1.sqlite").read_bytes())
    before = path.read_bytes()
    assert main(["--store", str(path), "at", "2024-01-15"]) != 0
    assert "timeline migrate" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert main(["--store", str(path), "migrate"]) == 0
    assert "from schema 1 to 2" in capsys.readouterr().out
    assert main(["--store", str(path), "--json", "migrate"]) == 0
    assert json.loads(capsys.readouterr().out) == {"migrated": False, "from": None, "to": 2}
    assert main(["--store", str(path), "at", "2024-01-15"]) == 0
    assert "UN Security Council / arms embargo / North Korea" in capsys.readouterr().out
    assert main(["--store", str(path), "verify"]) == 0


@pytest.mark.parametrize("command", ["migrate", "rebuild", "repair"])
@pytest.mark.parametrize("suffix", [".sqlite", ".jsonl"])
def test_upkeep_where_there_is_no_store_says_so_and_makes_none(tmp_path, capsys, command, suffix):
    """A mistyped path is an error, not a new empty store migrated, rebuilt or repaired."""
    path = tmp_path / f"mistyped{suffix}"
    assert main(["--store", str(path), command]) == 1
    assert f"no timeline store there to {command}" in capsys.readouterr().err
    assert not path.exists()


def _designations(path: Path, valid_times: list[str]) -> Path:
    """One seed designation per valid time, each on its own target."""
    template = next(
        json.loads(line)
        for line in SEEDS.read_text().splitlines()
        if '"sanctions.designated"' in line
    )
    lines = []
    for n, edtf in enumerate(valid_times):
        entry = json.loads(json.dumps(template))
        entry["valid"] = {"edtf": edtf}
        entry["data"]["target"]["name"] = f"target {n}"
        lines.append(json.dumps(entry))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sets_seasons_and_years_bce_through_the_command(tmp_path, capsys):
    """EDTF's sets, seasons and BCE years load, answer and print; a bad set names its line."""
    source = _designations(
        tmp_path / "deep.jsonl", ["-0064/-0010", "[1858,1860]/..", "{1960,1961-12}", "1849-21~/.."]
    )
    store = tmp_path / "deep.sqlite"
    assert run(store, "load", str(source), capsys=capsys)[0] == 0
    _, out, _ = run(store, "--json", "at", "-0050", capsys=capsys)
    (hit,) = json.loads(out)["in_force"]
    assert (hit["answer"], hit["from_earliest"]) == ("yes", "-0064-01-01T00:00:00")
    _, out, _ = run(store, "--json", "at", "1859", capsys=capsys)
    answers = {h["attributes_target"]: h["answer"] for h in json.loads(out)["in_force"]}
    assert answers == {"target 1": "maybe", "target 3": "yes"}
    _, out, _ = run(store, "--json", "changes", "-0070", "-0060", capsys=capsys)
    assert [c["change"] for c in json.loads(out)["changes"]] == ["started"]
    _, out, _ = run(store, "--json", "during", "-0009", "1800", capsys=capsys)
    assert json.loads(out)["in_force"] == []  # "-0010" ends within the year before -0009
    _, out, _ = run(store, "log", capsys=capsys)
    assert "one of a set to open" in out
    assert "spring to open" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_designations(tmp_path / "x.jsonl", ["[1858,1860"]).read_text())
    status, _, err = run(store, "load", str(bad), capsys=capsys)
    assert status != 0
    assert "bad.jsonl:1" in err
    assert "must end with ']'" in err
    assert run(store, "verify", capsys=capsys)[:2] == (0, "ok: 4 records, hash chain intact\n")


def test_log_before_anything_was_known_says_so(store, capsys):
    """A known time before the first record: a sentence, not an internal error (a fuzz find)."""
    status, out, err = run(store, "log", "--known", "0001", capsys=capsys)
    assert (status, err) == (0, "")
    assert out == "no records known at 0001-01-01T00:00:00+00:00\n"


def test_local_and_zoned_times_through_the_command(tmp_path, capsys):
    """A date without a zone is local time: met with zoned ones through every offset; --tz."""
    source = _designations(tmp_path / "zones.jsonl", ["2017-12-22/..", "2017-12-22T15:00-05:00/.."])
    store = tmp_path / "zones.sqlite"
    assert run(store, "load", str(source), capsys=capsys)[0] == 0

    def answers(*args):
        status, out, err = run(store, "--json", *args, capsys=capsys)
        assert status == 0, err
        return {h["attributes_target"]: h["answer"] for h in json.loads(out)["in_force"]}

    # Floating with floating: one shared zone. Zoned 20:00 UTC: in force on the 23rd anywhere.
    assert answers("at", "2017-12-22") == {"target 0": "yes", "target 1": "maybe"}
    assert answers("at", "2017-12-23") == {"target 0": "yes", "target 1": "yes"}
    assert answers("at", "2017-12-22", "--tz", "UTC") == {"target 0": "maybe", "target 1": "yes"}
    assert answers("at", "2017-12-21T12:00Z") == {"target 0": "maybe"}
    # The window ends before the zoned start at UTC+14:00, after it at UTC: maybe.
    assert answers("during", "2017-12-21", "2017-12-23") == {"target 0": "yes", "target 1": "maybe"}
    _, out, _ = run(store, "--json", "history", "United States / - / target 1", capsys=capsys)
    assert json.loads(out)["spells"][0]["from_earliest"] == "2017-12-22T20:00:00+00:00"
    _, out, _ = run(store, "--json", "history", "United States / - / target 0", capsys=capsys)
    assert json.loads(out)["spells"][0]["from_earliest"] == "2017-12-22T00:00:00"  # wall time
    with pytest.raises(SystemExit) as exited:
        run(store, "at", "2017-12-22", "--tz", "Mars/Base", capsys=capsys)
    assert exited.value.code == 2
    assert "argument --tz: unknown time zone 'Mars/Base'" in capsys.readouterr().err


def test_load_reads_a_source_in_its_zone(tmp_path, capsys):
    """With --tz, lines without a zone are that zone's time; lines with one keep theirs."""
    source = _designations(tmp_path / "ny.jsonl", ["2017-12-22/..", "2017-12-22T15:00Z/.."])
    local, in_ny = tmp_path / "local.sqlite", tmp_path / "ny.sqlite"
    assert run(local, "load", str(source), capsys=capsys)[0] == 0
    assert run(in_ny, "load", "--tz", "America/New_York", str(source), capsys=capsys)[0] == 0

    def first_instant(store, target):
        _, out, _ = run(store, "--json", "history", f"United States / - / {target}", capsys=capsys)
        return json.loads(out)["spells"][0]["from_earliest"]

    assert first_instant(local, "target 0") == "2017-12-22T00:00:00"  # floating: wall time
    assert first_instant(in_ny, "target 0") == "2017-12-22T05:00:00+00:00"  # New York's midnight
    assert first_instant(in_ny, "target 1") == "2017-12-22T15:00:00+00:00"  # its own zone, kept
    with pytest.raises(SystemExit):
        run(local, "load", "--tz", "Nowhere/Land", str(source), capsys=capsys)
    assert "unknown time zone 'Nowhere/Land'" in capsys.readouterr().err


@settings(max_examples=15)
@given(
    st.lists(
        st.tuples(st.sampled_from(["retract", "correct"]), st.integers(1, 14)),
        max_size=4,
    ),
    st.sampled_from(["2024-01-11", "2024-01-12", "2024-01-13", "2024-02-01", None]),
)
def test_log_in_either_order_leaves_out_what_was_fixed_by_then(fixes, known):
    """'log' in either order prints what the log shows at the known time asked.

    Position order (streamed) and valid order alike: neither the fixes nor what they
    retracted or corrected.
    """
    import tempfile  # noqa: PLC0415 -- a store per example, which tmp_path is not

    from timeline._projection import record_order, visible  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.sqlite"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--quiet", "--store", str(path), "load", str(SEEDS)]) == 0
        log = Log(path)
        for day, (how, position) in enumerate(fixes, start=13):
            when = f"2024-01-{day}T00:00:00Z"
            if how == "retract":
                log.retract(position, known=when)
            else:
                record = log[position]
                log.correct(position, record.event, valid=record.valid, known=when)
        shown = visible(log.read(known=known))
        asked = [] if known is None else ["--known", known]
        printed = {}
        for order in ("position", "valid"):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = main(["--store", str(path), "--json", "log", *asked, "--order", order])
            assert status == 0
            printed[order] = [row["position"] for row in json.loads(out.getvalue())["records"]]
        log.store.close()
    assert printed["position"] == [record.position for record in shown]
    assert printed["valid"] == [record.position for record in sorted(shown, key=record_order)]


def test_log_writes_its_first_rows_before_it_reads_the_last_record(store, monkeypatch):
    """'log' streams: its first row is written before its last record is read."""
    read = []
    original = Log.read

    def counting(self, *args, **kwargs):
        for record in original(self, *args, **kwargs):
            read.append(record.position)
            yield record

    class Out(io.StringIO):
        def write(self, text):
            seen.append(len(read))
            return super().write(text)

    seen: list[int] = []
    monkeypatch.setattr(Log, "read", counting)
    with contextlib.redirect_stdout(Out()):
        assert main(["--store", str(store), "--format", "jsonl", "log"]) == 0
    assert seen[0] < 14  # the first row was out before the 14th record was read
    assert len(seen) == 14


def _installed(folder: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The installed command, run in ``folder`` on its store m.sqlite, as a user runs it."""
    exe = shutil.which("timeline", path=str(Path(sys.executable).parent))
    assert exe is not None

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [exe, "--store", "m.sqlite", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )

    return command


def test_use_finds_a_module_in_the_current_folder_and_a_file_by_its_path(tmp_path):
    """The installed command finds --use officers in the folder it runs in, or officers.py."""
    name = f"officers_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(MANDATES.replace("cli.mandate", f"{name}.mandate"))
    line = {"type": f"{name}.mandate.began", "data": {"office": "UN SG", "holder": "Guterres"}}
    (tmp_path / "m.jsonl").write_text(json.dumps({**line, "valid": "2017-01-01/.."}) + "\n")

    command = _installed(tmp_path)

    loaded = command("load", "m.jsonl", "--use", name)
    assert (loaded.returncode, loaded.stderr) == (0, "")
    asked = command("--json", "at", "2024", "--use", f"{name}.py:Mandates")
    assert asked.returncode == 0, asked.stderr
    assert [hit["key"] for hit in json.loads(asked.stdout)["in_force"]] == ["UN SG"]
    missing = command("keys", "--use", "nowhere.py")
    assert (missing.returncode, missing.stderr) == (
        1,
        "timeline: error: --use nowhere.py: no such file\n",
    )


def test_log_prints_records_of_types_it_has_not_imported_as_stored(tmp_path):
    """Without the module that declares a type, 'log' shows its records as stored, not an error.

    The same JSON as with the module, for every record; the table names the type.
    """
    name = f"own_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(MANDATES.replace("cli.mandate", f"{name}.mandate"))
    began = {"type": f"{name}.mandate.began", "data": {"office": "UN SG", "holder": "Guterres"}}
    ended = {"type": f"{name}.mandate.ended", "data": {"office": "UN SG"}}
    with (tmp_path / "m.jsonl").open("w") as out:
        out.write(json.dumps({**began, "valid": "2017-01-01/.."}) + "\n")
        out.write(json.dumps({"type": "events.statement", "valid": "2017", "data": {
            "about": "arms", "speaker": "UN", "text": "said"}}) + "\n")  # fmt: skip
        out.write(json.dumps({**ended, "valid": "2026-12-31"}) + "\n")

    command = _installed(tmp_path)

    assert command("load", "m.jsonl", "--use", name).returncode == 0
    known = command("--json", "log", "--use", name)
    assert known.returncode == 0, known.stderr
    for order in ("position", "valid"):
        unknown = command("--json", "log", "--order", order)
        assert (unknown.returncode, unknown.stderr) == (0, "")
        rows = json.loads(unknown.stdout)["records"]
        expected = json.loads(known.stdout)["records"]
        if order == "valid":
            expected = [expected[i] for i in (0, 1, 2)]  # 2017-01-01/.., 2017, 2026-12-31
        # The same columns and values; only the one-line summary is the data as stored.
        assert [{**row, "event": None} for row in rows] == [
            {**row, "event": None} for row in expected
        ]
    table = command("log")
    assert table.returncode == 0
    assert f"{name}.mandate.began" in table.stdout
    assert f'{name}.mandate.ended {{"office": "UN SG"}}' in table.stdout
    assert "Statement(" in table.stdout  # what it can read, it reads


def test_every_command_documents_its_arguments_and_has_examples_that_run_on_the_seed(tmp_path):
    """Each argument has help; each command has examples; run in order, they all work.

    As a user would type them, in a shell, in a folder holding only the seed (copied as
    ``timeline --help`` says), with the installed command.
    """
    from timeline._cli._arguments import _EXAMPLES, _SEED, _parser  # noqa: PLC0415

    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.option_strings or action.dest}: no help"
        assert _EXAMPLES.get(name), f"{name}: no examples"
        assert "--store STORE" not in sub.format_help().split("global options")[0]  # once
    assert set(_EXAMPLES) == set(commands.choices)
    folder = tmp_path / "here"
    folder.mkdir()
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    setup = [line for line in _SEED.splitlines() if line.startswith("  ")]
    lines = [line.strip() for line in setup]
    lines += [f"timeline {example}" for examples in _EXAMPLES.values() for example in examples]
    bash = shutil.which("bash")
    assert bash is not None
    for line in lines:
        done = subprocess.run(
            [bash, "-o", "pipefail", "-c", line],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 141), f"{line}: {done.returncode} {done.stderr}"
        assert "Traceback" not in done.stderr, line


def _cells(longest: int) -> st.SearchStrategy[str]:
    """Cell text of one line (no control characters nor line or paragraph separators)."""
    return st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=longest)


@given(
    st.lists(
        st.fixed_dictionaries({"key": _cells(60), "from": _cells(30)}),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=18, max_value=200),
)
def test_a_table_fits_the_terminal_and_keeps_every_cell_whole_on_a_pipe(rows, columns):
    """On a terminal no line is wider than it; on a pipe each cell is whole."""
    from unittest import mock  # noqa: PLC0415 -- this test only

    from timeline._cli._output import _table  # noqa: PLC0415

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = Terminal()
    size = os.terminal_size((columns, 24))
    with mock.patch("shutil.get_terminal_size", return_value=size):
        _table(shown, rows, ["key", "from"])
    assert all(len(line) <= columns for line in shown.getvalue().splitlines())
    piped = io.StringIO()
    _table(piped, rows, ["key", "from"])
    for row, line in zip(rows, piped.getvalue().splitlines()[1:], strict=True):
        assert row["key"].rstrip() in line
        assert row["from"].rstrip() in line


def test_a_line_whose_subject_holds_nul_is_refused_naming_the_line(tmp_path, capsys):
    """No store can be trusted with NUL in a subject: the load names the line, writes nothing."""
    line = json.loads(SEEDS.read_text().splitlines()[0])
    line.pop("id", None)
    line["subject"] = "a\x00b"
    source = tmp_path / "nul.jsonl"
    source.write_text(json.dumps(line) + "\n")
    store = tmp_path / "log.sqlite"
    assert main(["--store", str(store), "load", str(source)]) == 1
    assert f"{source}:1: subject" in capsys.readouterr().err
    assert not store.exists()
