"""timeline.ftm: FollowTheMoney sanctions in and out, built with the followthemoney API."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import Log, ManualClock, MissingExtraError
from timeline._cli import main
from timeline.ftm import SCHEMATA, FtMError, export_ftm, import_ftm
from timeline.sanctions import Designated, SanctionsInForce, TargetKind

ftm = pytest.importorskip("followthemoney", reason="the ftm extra is not installed")
model = ftm.model

# What the import maps, and the export writes back.
SANCTION_PROPERTIES = (
    "entity",
    "authority",
    "program",
    "programId",
    "reason",
    "provisions",
    "listingDate",
    "startDate",
    "endDate",
    "sourceUrl",
    "publisher",
)
TARGET_PROPERTIES = ("name", "alias", "country")

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)
names = st.builds(lambda a, b: f"{a.title()} {b.title()}", words, words)


@st.composite
def dates(draw: st.DrawFn) -> str:
    """An FtM date: a year, a month or a day (partial dates are FtM's imprecision)."""
    year, month, day = (
        draw(st.integers(1990, 2030)),
        draw(st.integers(1, 12)),
        draw(st.integers(1, 28)),
    )
    return draw(st.sampled_from([f"{year}", f"{year}-{month:02}", f"{year}-{month:02}-{day:02}"]))


@st.composite
def exports(draw: st.DrawFn) -> list[dict]:
    """FtM entities as an export holds them: targets of every mapped schema, sanctions on them."""
    targets = []
    for number in range(draw(st.integers(1, 4))):
        entity = model.make_entity(draw(st.sampled_from(sorted(SCHEMATA.values()))))
        entity.id = f"target-{number}"
        entity.add("name", draw(names))
        entity.add("alias", draw(st.lists(names, max_size=2, unique=True)))
        if draw(st.booleans()):
            entity.add("country", draw(st.sampled_from(["ru", "kp", "ir", "by"])))
        targets.append(entity)
    sanctions = []
    for number in range(draw(st.integers(1, 5))):  # several may name one target
        sanction = model.make_entity("Sanction")
        sanction.id = f"sanction-{number}"
        sanction.add("entity", draw(st.sampled_from(targets)).id)
        sanction.add("authority", draw(st.sampled_from(["OFAC", "EU", "UK HMT"])))
        if draw(st.booleans()):
            sanction.add("program", draw(st.sampled_from(["RUSSIA-EO14024", "DPRK3"])))
            sanction.add("programId", draw(words).upper())
        sanction.add("reason", draw(st.lists(words, max_size=1)))
        sanction.add(
            "provisions",
            draw(
                st.lists(st.sampled_from(["Asset freeze", "Travel ban"]), max_size=2, unique=True)
            ),
        )
        if draw(st.booleans()):
            sanction.add("listingDate", draw(dates()))
        bounds = sorted(
            draw(st.lists(dates(), min_size=2, max_size=2)), key=lambda d: d.ljust(10, "~")
        )
        if draw(st.booleans()):  # no start: unknown
            sanction.add("startDate", bounds[0])
        if draw(st.booleans()) and bounds[0][:4] < bounds[1][:4]:  # no end: open
            sanction.add("endDate", bounds[1])
        if draw(st.booleans()):
            sanction.add("sourceUrl", f"https://example.org/{number}")
            sanction.add("publisher", "OpenSanctions")
        sanctions.append(sanction)
    return [entity.to_dict() for entity in draw(st.permutations([*targets, *sanctions]))]


def _by_id(entities: list[dict]) -> dict[str, dict]:
    return {entity["id"]: entity for entity in entities}


def _mapped(entity: dict) -> tuple[str, dict]:
    wanted = SANCTION_PROPERTIES if entity["schema"] == "Sanction" else TARGET_PROPERTIES
    properties = entity["properties"]
    return entity["schema"], {name: properties[name] for name in wanted if properties.get(name)}


@settings(deadline=None)
@given(exports())
def test_a_round_trip_keeps_every_mapped_property(export):
    """FtM -> timeline -> FtM: each entity's schema and mapped properties, as they were."""
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    imported = import_ftm(export, log)
    sanctions = [entity for entity in export if entity["schema"] == "Sanction"]
    assert (imported.new, imported.corrected, imported.unchanged) == (len(sanctions), 0, 0)
    back = _by_id(export_ftm(log))
    for entity in export:
        if entity["schema"] == "Sanction" or any(
            entity["id"] in sanction["properties"]["entity"] for sanction in sanctions
        ):
            assert _mapped(back[entity["id"]]) == _mapped(entity)
    for entity in back.values():  # what the export writes, followthemoney reads as it is
        assert model.get_proxy(entity).to_dict() == entity


@settings(deadline=None)
@given(exports(), st.data())
def test_importing_again_adds_nothing_and_a_newer_export_only_what_changed(export, data):
    """The same export: nothing. A newer one: corrections of what changed; the past stays."""
    clock = ManualClock("2024-06-01T00:00:00Z")
    log = Log(clock=clock)
    import_ftm(export, log)
    before = log.last_position
    again = import_ftm(export, log)
    assert (len(again.records), again.unchanged, log.last_position) == (0, again.unchanged, before)
    sanctions = [entity for entity in export if entity["schema"] == "Sanction"]
    changed = data.draw(st.lists(st.sampled_from(sanctions), unique_by=lambda e: e["id"]))
    newer = [
        {**entity, "properties": {**entity["properties"], "reason": ["changed"]}}
        if entity in changed
        else entity
        for entity in export
    ]
    first_known = "2024-06-01T00:00:00Z"
    old_answers = SanctionsInForce(log).at("2024", known=first_known)
    clock.advance(days=1)
    result = import_ftm(newer, log)
    assert (result.corrected, result.new, result.unchanged) == (
        len(changed),
        0,
        len(sanctions) - len(changed),
    )
    assert len(result.records) == 2 * len(changed)  # each: a replacement and its marker
    facts = SanctionsInForce(log)
    assert facts.at("2024", known=first_known) == old_answers  # as known before: unchanged
    reasons = {hit.spell.fact: hit.spell.attributes.get("reason") for hit in facts.at("2024")}
    for sanction in changed:
        if sanction["id"] in reasons:
            assert reasons[sanction["id"]] == "changed"
    assert _by_id(export_ftm(log)).keys() == _by_id(export_ftm(log, known=first_known)).keys()


def _entity(schema: str, entity_id: str, **properties: object) -> dict:
    entity = model.make_entity(schema)
    entity.id = entity_id
    for name, value in properties.items():
        entity.add(name, value)
    return entity.to_dict()


def test_partial_dates_are_imprecise_time_and_several_sanctions_are_several_designations():
    """StartDate 2023-05: maybe in force early in May, yes from June; two sanctions, two facts."""
    export = [
        _entity("Company", "co", name="Acme Trading LLC", country="ru"),
        _entity("Sanction", "s1", entity="co", authority="OFAC", startDate="2023-05"),
        _entity("Sanction", "s2", entity="co", authority="OFAC", startDate="2022", endDate="2024"),
        _entity("Address", "addr", full="1 Main St"),  # not a sanction's: ignored
    ]
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    imported = import_ftm(export, log)
    assert (imported.new, imported.ignored) == (2, 1)
    facts = SanctionsInForce(log)
    answers = {hit.spell.fact: hit.answer.value for hit in facts.at("2023-05-10")}
    assert answers == {"s1": "maybe", "s2": "yes"}
    assert {hit.spell.fact for hit in facts.at("2023-07-01")} == {"s1", "s2"}
    assert {hit.spell.fact: hit.answer.value for hit in facts.at("2024-06-01")} == {
        "s1": "yes",
        "s2": "maybe",  # ended some time in 2024
    }
    assert {hit.spell.fact for hit in facts.at("2025-01-01")} == {"s1"}
    record = next(iter(log.read()))
    assert isinstance(record.event, Designated)
    assert record.event.target.kind is TargetKind.COMPANY
    assert record.subject == "co"
    assert record.provenance.speaker == "OFAC"  # whose word the listing is: the sources column


def test_no_dates_is_an_unknown_start_and_an_open_end():
    """A sanction without dates may be in force at any time: maybe, never yes."""
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    import_ftm(
        [
            _entity("Person", "p", name="Ivan Petrov"),
            _entity("Sanction", "s", entity="p", authority="EU"),
        ],
        log,
    )
    assert [hit.answer.value for hit in SanctionsInForce(log).at("2024-01-01")] == ["maybe"]


def test_a_partial_listing_date_is_kept_in_the_note_and_a_full_one_as_the_date():
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    export = [
        _entity("Person", "p", name="Ivan Petrov"),
        _entity("Sanction", "a", entity="p", authority="EU", listingDate="2023-05"),
        _entity("Sanction", "b", entity="p", authority="UK", listingDate="2023-05-19"),
    ]
    import_ftm(export, log)
    first, second = log.read()
    assert first.event.listing_date is None
    assert "listingDate 2023-05" in (first.provenance.note or "")
    assert second.event.listing_date.isoformat() == "2023-05-19"


@pytest.mark.parametrize(
    ("entities", "message"),
    [
        (
            [{"id": "x", "schema": "Galaxy", "properties": {}}],
            "schema 'Galaxy' is not a FollowTheMoney schema",
        ),
        ([_entity("Sanction", "s", authority="EU")], "sanction 's' names no entity"),
        (
            [_entity("Sanction", "s", entity="gone", authority="EU")],
            "names entity 'gone', which the export does not hold",
        ),
        (
            [_entity("Person", "p", name="A B"), _entity("Sanction", "s", entity="p")],
            "has no authority",
        ),
        (
            [
                _entity("Address", "a", full="x"),
                _entity("Sanction", "s", entity="a", authority="EU"),
            ],
            "entity 'a' is a Address",
        ),
        (
            [_entity("Person", "p"), _entity("Sanction", "s", entity="p", authority="EU")],
            "Person 'p' has no name",
        ),
        (["[1, 2]"], "entity 3: not a JSON object but list"),
        (
            [_entity("Sanction", "fine", entity="ok", authority="UK")],
            "sanction 'fine' is also at entity 2, with other values",
        ),
    ],
)
def test_bad_exports_are_refused_and_nothing_is_written(entities, message):
    """A clear error naming the entity and what is wrong; the log is as it was."""
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    good = [
        _entity("Person", "ok", name="Ok Person"),
        _entity("Sanction", "fine", entity="ok", authority="EU"),
    ]
    with pytest.raises(FtMError, match=message):
        import_ftm([*good, *entities], log)
    assert log.last_position == 0


def test_a_sanction_twice_word_for_word_is_one_designation():
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    person = _entity("Person", "p", name="Ivan Petrov")
    sanction = _entity("Sanction", "s", entity="p", authority="EU", startDate="2023")
    imported = import_ftm([person, sanction, sanction], log)
    assert (imported.new, len(imported.records)) == (1, 1)


def test_a_file_error_names_the_file_and_line(tmp_path):
    path = tmp_path / "export.json"
    good = _entity("Person", "p", name="Ivan Petrov")
    path.write_text(json.dumps(good) + "\n\nnot json\n")
    with pytest.raises(FtMError, match=r"export.json line 3: not a JSON object"):
        import_ftm(path, Log())


def test_without_followthemoney_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "followthemoney", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'bitemporal-timeline\[ftm\]'"):
        import_ftm([], Log())
    with pytest.raises(MissingExtraError):
        export_ftm(Log())


def test_the_command_imports_once(tmp_path, capsys):
    """Timeline import-ftm: counts; again: nothing new; a bad file: one line, status 1."""
    path = tmp_path / "export.json"
    entities = [
        _entity("Vessel", "v", name="Sea Star", country="kp"),
        _entity("Sanction", "s", entity="v", authority="UN Security Council", startDate="2024-01"),
    ]
    path.write_text("".join(json.dumps(entity) + "\n" for entity in entities))
    store = tmp_path / "s.sqlite"
    assert (
        main(["--store", str(store), "import-ftm", str(path), "--known-at", "2024-06-01T00:00:00Z"])
        == 0
    )
    assert "1 new designations, 0 corrected, 0 unchanged" in capsys.readouterr().out
    assert main(["--store", str(store), "--json", "import-ftm", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 1
    assert main(["--store", str(store), "at", "2024-02-01"]) == 0
    assert "UN Security Council / - / Sea Star" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text('{"id": "x", "schema": "Nope"}\n')
    assert main(["--store", str(store), "import-ftm", str(tmp_path / "bad.json")]) == 1
    assert "bad.json line 1: entity 'x': schema 'Nope'" in capsys.readouterr().err
