"""The FollowTheMoney commands: import-ftm as exports come, export-ftm, the tables around them."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys

import pytest

from timeline import Log
from timeline._cli import _plotted, main
from timeline.sanctions import SanctionsInForce
from timeline.stores import open_store

ftm = pytest.importorskip("followthemoney", reason="the ftm extra is not installed")


def entity(schema: str, entity_id: str, meta: dict | None = None, **properties: object) -> dict:
    """An entity as OpenSanctions exports it, made with followthemoney."""
    made = ftm.ValueEntity(ftm.model.get(schema), {"id": entity_id, **(meta or {})})
    for name, value in properties.items():
        made.add(name, value)
    return made.to_dict()


SEEN = {
    "datasets": ["ch_seco_sanctions"],
    "first_seen": "2022-03-01T00:00:00",
    "last_seen": "2024-06-01T00:00:00",
}
EXPORT = [
    entity("Person", "p", SEEN, name=["Aleksandr Zakharov", "Захаров Александр Николаевич"]),
    entity("Company", "c", SEEN, name="ZALA Aero Group"),
    entity(
        "Sanction",
        "seco-1",
        SEEN,
        entity="p",
        authority="SECO",
        program="RUS",
        startDate=["2022-02-28", "2022-03-16"],
    ),
    entity(
        "Sanction",
        "seco-2",
        SEEN,
        entity="p",
        authority="SECO",
        program="RUS",
        programId="CH-RUS-8",
        startDate="2023-05-01",
    ),
    entity("Sanction", "seco-3", SEEN, entity="c", authority="SECO", program="RUS"),
]


def lines(entities: list[dict]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in entities)


@pytest.fixture
def store(tmp_path):
    """A SQLite store with the export imported through the command."""
    path = tmp_path / "export.json"
    path.write_text(lines(EXPORT), encoding="utf-8")
    location = tmp_path / "s.sqlite"
    assert main(["--store", str(location), "import-ftm", str(path), "--quiet"]) == 0
    return location


def run(store, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["--store", str(store), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_import_summary_names_sources_times_and_conflicts(tmp_path, capsys):
    """What was imported, from which source's export of when, known when; the two-date conflict."""
    path = tmp_path / "export.json.gz"
    path.write_bytes(gzip.compress(lines(EXPORT).encode()))
    status, out, err = run(tmp_path / "s.sqlite", "import-ftm", str(path), "--quiet", capsys=capsys)
    assert (status, err) == (0, "")
    assert "3 new designations, 0 corrected, 0 unchanged, 0 ended" in out
    assert "source ch_seco_sanctions: export of 2024-06-01T00:00:00+00:00" in out
    assert "known times: 3 records from OpenSanctions' first_seen" in out
    assert "conflict: seco-1 has 2 start dates: 2022-02-28, 2022-03-16" in out
    status, out, _ = run(tmp_path / "s.sqlite", "--json", "import-ftm", str(path), capsys=capsys)
    again = json.loads(out)
    assert (again["unchanged"], again["records"]) == (3, 0)
    assert again["conflicts"] == [
        {"designation": "seco-1", "bound": "start", "dates": ["2022-02-28", "2022-03-16"]}
    ]


def test_standard_input_and_bad_input(tmp_path, capsys, monkeypatch):
    """'-' reads standard input; a bad line is one error line naming it, status 1, nothing added."""
    stdin = io.TextIOWrapper(io.BytesIO(lines(EXPORT).encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    location = tmp_path / "s.sqlite"
    status, out, _ = run(location, "import-ftm", "-", "--quiet", capsys=capsys)
    assert status == 0
    assert "3 new designations" in out
    bad = tmp_path / "bad.json"
    bad.write_text(lines(EXPORT[:2]) + "{not json\n", encoding="utf-8")
    before = Log(open_store(location)).last_position
    status, out, err = run(location, "import-ftm", str(bad), capsys=capsys)
    assert status == 1
    assert err.count("\n") == 1
    assert "bad.json line 3: not a JSON object" in err
    assert Log(open_store(location)).last_position == before


def test_at_shows_which_designation_each_row_is(store, capsys):
    """Two sanctions of one authority under one program: rows told apart by their designation."""
    status, out, _ = run(store, "at", "2024-01-01", "--target", "Zakharov", capsys=capsys)
    assert status == 0
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["ANSWER", "KEY", "DESIGNATION"]
    assert len(rows) == 2
    assert any("seco-1" in row for row in rows)
    assert any("CH-RUS-8 / seco-2" in row for row in rows)
    _, out, _ = run(store, "at", "2024-01-01", "--target", "Захаров", capsys=capsys)
    assert len(out.splitlines()) == 3


def test_history_and_json_show_the_conflict_on_the_start(store, capsys):
    """The history table and at --format json name the start conflict."""
    _, out, _ = run(store, "history", "SECO / RUS / Aleksandr Zakharov", capsys=capsys)
    assert out.splitlines()[0].split() == ["DESIGNATION", "FROM", "UNTIL", "SOURCES", "CONFLICTS"]
    assert "[2022-02-28,2022-03-16]" in out
    assert "start" in out.splitlines()[1]
    _, out, _ = run(store, "--json", "at", "2022-03-10", "--target", "zakharov", capsys=capsys)
    (hit,) = json.loads(out)["in_force"]
    assert (hit["answer"], hit["conflicts"], hit["fact"]) == ("maybe", ["start"], "seco-1")


def test_changes_do_not_report_an_undated_start(store, capsys):
    """The company's sanction has no date: it started in no window, however wide."""
    _, out, _ = run(store, "--json", "changes", "2000-01-01", "2030-01-01", capsys=capsys)
    changes = json.loads(out)["changes"]
    assert {change["key"] for change in changes} == {"SECO / RUS / Aleksandr Zakharov"}


def test_export_ftm_writes_the_import_back(store, tmp_path, capsys):
    """export-ftm to a file or standard output: the entities as they came, as sets of values."""
    out_path = tmp_path / "back.json"
    status, _, err = run(store, "export-ftm", str(out_path), capsys=capsys)
    assert status == 0
    assert "wrote 5 entities" in err
    back = {item["id"]: item for item in map(json.loads, out_path.read_text().splitlines())}
    for item in EXPORT:
        assert {k: set(v) for k, v in back[item["id"]]["properties"].items()} == {
            k: set(v) for k, v in item["properties"].items()
        }
    _, out, _ = run(store, "export-ftm", "--known", "2022-01-01", capsys=capsys)
    assert out == ""  # nothing was known then


def test_plot_target_draws_only_its_own_records(store):
    """--target Zakharov: his keys, and of the other records only his (none of the company's)."""
    log = Log(open_store(store))
    args = argparse.Namespace(target="Zakharov", authority=None, known=None)
    keys, events = _plotted(SanctionsInForce(log), args)
    assert keys == ["SECO / RUS / Aleksandr Zakharov"]
    assert all(record.subject == "p" for record in events)


@pytest.mark.parametrize("command", ["import-ftm", "load"])
def test_a_failed_import_or_load_creates_no_store(tmp_path, capsys, command):
    """Input refused before anything is written: no store file is left where none was."""
    bad = tmp_path / "bad.json"
    bad.write_text(lines(EXPORT[:2]) + "{not json\n", encoding="utf-8")
    location = tmp_path / "new.sqlite"
    status, _, err = run(location, command, str(bad), capsys=capsys)
    assert status == 1
    assert "bad.json" in err  # the file, and the line (3: not JSON; 1: not a timeline entry)
    assert list(tmp_path.glob("new.sqlite*")) == []
