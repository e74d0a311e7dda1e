"""timeline.ftm: OpenSanctions exports in and out, built with the followthemoney API."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import io
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import Log, ManualClock, MissingExtraError
from timeline.ftm import SCHEMATA, BackfillWarning, FtMError, export_ftm, import_ftm
from timeline.sanctions import Designated, ListImported, SanctionsInForce, TargetKind

ftm = pytest.importorskip("followthemoney", reason="the ftm extra is not installed")
model = ftm.model
ValueEntity = ftm.ValueEntity

NAMES = [
    ("Aleksandr Zakharov", "Захаров Александр Николаевич"),
    ("Vladimir Mikheichik", "Владимир Михейчик"),
    ("ZALA Aero Group", "ЗАЛА АЭРО"),
    ("Sea Star", None),
    ("Kalashnikov Concern", "Концерн Калашников"),
]
DATASETS = ["ch_seco_sanctions", "eu_fsf", "us_ofac_sdn"]


def entity(schema: str, entity_id: str, meta: dict | None = None, **properties: object) -> dict:
    """An entity as OpenSanctions exports it, made with followthemoney (datasets, times)."""
    made = ValueEntity(model.get(schema), {"id": entity_id, **(meta or {})})
    for name, value in properties.items():
        made.add(name, value)
    return made.to_dict()


def seen(first: str, last: str = "2024-06-01T00:00:00", dataset: str = "ch_seco_sanctions") -> dict:
    return {"datasets": [dataset], "first_seen": first, "last_seen": last, "last_change": first}


days = st.dates(dt.date(2015, 1, 1), dt.date(2024, 5, 1))


@st.composite
def ftm_dates(draw: st.DrawFn) -> str:
    """An FtM date: a day, a month or a year (partial dates are FtM's imprecision)."""
    day = draw(days)
    return draw(st.sampled_from([day.isoformat(), day.isoformat()[:7], day.isoformat()[:4]]))


def _times(draw: st.DrawFn, dataset: str) -> dict:
    first = draw(st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2024, 5, 30)))
    return {
        "datasets": [dataset],
        "first_seen": first.isoformat(timespec="seconds"),
        "last_seen": "2024-06-01T00:00:00",
        "last_change": first.isoformat(timespec="seconds"),
    }


@st.composite
def exports(draw: st.DrawFn) -> list[dict]:
    """Real-shaped exports: names in two scripts, several authorities and dates, datasets, times."""
    dataset = draw(st.sampled_from(DATASETS))
    targets = []
    for number in range(draw(st.integers(1, 3))):
        schema = draw(st.sampled_from(sorted(SCHEMATA.values())))
        latin, native = draw(st.sampled_from(NAMES))
        names = [latin] if native is None or not draw(st.booleans()) else [latin, native]
        made = entity(
            schema,
            f"target-{number}",
            {**_times(draw, dataset), "caption": latin, "target": True},
            name=names,
            alias=draw(
                st.lists(
                    st.sampled_from(["ZALA", "Zakharov A.", "A. N. Zakharov"]),
                    max_size=2,
                    unique=True,
                )
            ),
            country=draw(st.lists(st.sampled_from(["ru", "by", "kp"]), max_size=2, unique=True)),
        )
        targets.append(made)
    sanctions = []
    for number in range(draw(st.integers(1, 4))):
        named = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=2, unique_by=id))
        starts = draw(st.lists(ftm_dates(), max_size=2, unique=True))
        ends = [
            end
            for end in draw(st.lists(ftm_dates(), max_size=2, unique=True))
            if starts and all(end[:4] > start[:4] for start in starts)
        ]
        sanctions.append(
            entity(
                "Sanction",
                f"sanction-{number}",
                _times(draw, dataset),
                entity=[target["id"] for target in named],
                authority=draw(
                    st.lists(
                        st.sampled_from(["SECO", "EU", "OFAC", "State Secretariat"]),
                        min_size=1,
                        max_size=2,
                        unique=True,
                    )
                ),
                program=draw(
                    st.lists(st.sampled_from(["RUS", "UKR-2014"]), max_size=2, unique=True)
                ),
                programId=draw(st.sampled_from([[], ["CH-RUS"]])),
                provisions=draw(
                    st.lists(
                        st.sampled_from(["Asset freeze", "Travel ban"]), max_size=2, unique=True
                    )
                ),
                reason=draw(
                    st.lists(st.sampled_from(["drones", "missiles"]), max_size=2, unique=True)
                ),
                startDate=starts,
                endDate=ends,
                listingDate=draw(st.lists(ftm_dates(), max_size=2, unique=True)),
                sourceUrl=draw(st.sampled_from([[], ["https://example.org/seco"]])),
                status=draw(st.sampled_from([[], ["Active"]])),
                summary=draw(st.sampled_from([[], ["Designated under Annex 8"]])),
                authorityId=draw(st.sampled_from([[], ["RUS-123"]])),
                country=draw(st.sampled_from([[], ["ch"]])),
                programUrl=draw(st.sampled_from([[], ["https://example.org/rus"]])),
            )
        )
    return draw(st.permutations([*targets, *sanctions]))


def _as_sets(found: dict) -> tuple[str, dict[str, set[str]]]:
    return found["schema"], {name: set(values) for name, values in found["properties"].items()}


def _answers(log: Log, *, known: str | None = None) -> list[tuple[str, str | None, str]]:
    facts = SanctionsInForce(log)
    return [
        (hit.key, hit.spell.fact, hit.answer.value)
        for valid in ("2016", "2019-06", "2022-03-10", "2024-05-01", "2030")
        for hit in facts.at(valid, known=known)
    ]


def _permuted(export: list[dict], data: st.DataObject) -> list[dict]:
    """The same export, its entities and every property's values in another order."""
    shuffled = copy.deepcopy(data.draw(st.permutations(export)))
    for item in shuffled:
        for name, values in item["properties"].items():
            item["properties"][name] = data.draw(st.permutations(values))
    return shuffled


# -- what an export says is kept -----------------------------------------------------------


@given(exports())
def test_a_round_trip_gives_every_value_of_every_property_back(export):
    """FtM -> timeline -> FtM: each entity's schema and values per property, as sets; FtM agrees."""
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    imported = import_ftm(export, log)
    assert (imported.corrected, imported.unchanged, imported.fallback) == (0, 0, 0)
    back = {item["id"]: item for item in export_ftm(log)}
    named = {name for item in export for name in item["properties"].get("entity", ())}
    kept = [item for item in export if item["schema"] == "Sanction" or item["id"] in named]
    assert back.keys() == {item["id"] for item in kept}
    assert imported.ignored == len(export) - len(kept)
    for item in kept:
        assert _as_sets(back[item["id"]]) == _as_sets(item)
        assert set(back[item["id"]]["datasets"]) == set(item["datasets"])
    for item in back.values():
        schema = model.get(item["schema"])
        assert schema.validate(item) is None
        cleaned = model.get_proxy(item, cleaned=False).to_dict()  # FtM cleans it again
        assert _as_sets(cleaned) == _as_sets(item)


@settings(max_examples=30)
@given(exports(), st.data())
def test_the_order_of_entities_and_values_does_not_matter(export, data):
    """A permuted export adds nothing to the log, and read alone it gives the same answers."""
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    import_ftm(export, log)
    answers, last = _answers(log), log.last_position
    permuted = _permuted(export, data)
    again = import_ftm(permuted, log)
    assert (again.records, log.last_position, _answers(log)) == ((), last, answers)
    alone = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    import_ftm(permuted, alone)
    assert _answers(alone) == answers
    assert [record.id for record in alone.read()] == [record.id for record in log.read()]


def test_two_start_dates_are_a_conflict_surely_in_force_from_the_later():
    """SECO lists two starts: both kept, a conflict; maybe from the first, yes from the second."""
    export = [
        entity("Person", "p", seen("2022-03-01T10:00:00"), name="Aleksandr Zakharov"),
        entity(
            "Sanction",
            "seco-1",
            seen("2022-03-01T10:00:00"),
            entity="p",
            authority="SECO",
            program="RUS",
            startDate=["2022-03-16", "2022-02-28"],
        ),
    ]
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    imported = import_ftm(export, log)
    assert imported.conflicts == (("seco-1", "start", ("2022-02-28", "2022-03-16")),)
    facts = SanctionsInForce(log)
    (spell,) = facts.history("SECO / RUS / Aleksandr Zakharov")
    (conflict,) = spell.conflicts
    assert conflict.attribute == "start"
    assert sorted(str(value) for value, _ in conflict.values) == ["2022-02-28", "2022-03-16"]
    assert [hit.answer.value for hit in facts.at("2022-02-27")] == []
    assert [hit.answer.value for hit in facts.at("2022-03-01")] == ["maybe"]
    assert [hit.answer.value for hit in facts.at("2022-03-16")] == ["yes"]
    back = {item["id"]: item for item in export_ftm(log)}
    assert sorted(back["seco-1"]["properties"]["startDate"]) == ["2022-02-28", "2022-03-16"]


# -- OpenSanctions' own times --------------------------------------------------------------


def test_what_was_known_at_t_is_what_opensanctions_had_seen_by_t():
    """first_seen is the known time: as known on 2023-01-01, only the sanctions seen by then."""
    export = [
        entity("Company", "c", seen("2021-01-05T00:00:00"), name="ZALA Aero Group"),
        entity(
            "Sanction",
            "old",
            seen("2022-03-01T00:00:00"),
            entity="c",
            authority="EU",
            startDate="2022-02-25",
        ),
        entity(
            "Sanction",
            "new",
            seen("2023-05-01T00:00:00"),
            entity="c",
            authority="SECO",
            startDate="2023-04-28",
        ),
    ]
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    imported = import_ftm(export, log)
    assert imported.backfilled == 2
    facts = SanctionsInForce(log)
    assert [hit.spell.fact for hit in facts.at("2024-01", known="2022-01-01T00:00:00Z")] == []
    assert [hit.spell.fact for hit in facts.at("2024-01", known="2023-01-01T00:00:00Z")] == ["old"]
    assert sorted(hit.spell.fact for hit in facts.at("2024-01")) == ["new", "old"]
    (marker,) = (r for r in log.read() if isinstance(r.event, ListImported))
    assert marker.event.source == "ch_seco_sanctions"
    assert marker.known_at == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def test_a_log_that_knows_later_things_takes_the_exports_date_and_says_so():
    """Backfilling before what the log knows would break the prefix rule: a warning, not silence."""
    clock = ManualClock("2024-06-02T00:00:00Z")
    log = Log(clock=clock)
    log.append(
        ListImported(source="other", exported=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), sanctions=0),
        valid="2024-01-01",
        known="2024-03-01T00:00:00Z",
    )
    export = [
        entity("Company", "c", seen("2021-01-05T00:00:00"), name="ZALA Aero Group"),
        entity("Sanction", "s", seen("2022-03-01T00:00:00"), entity="c", authority="EU"),
    ]
    with pytest.warns(BackfillWarning, match="1 records could not be known"):
        imported = import_ftm(export, log)
    assert (imported.backfilled, imported.fallback) == (0, 1)
    designated = next(r for r in imported.records if isinstance(r.event, Designated))
    assert designated.known_at == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


@st.composite
def series(draw: st.DrawFn) -> list[tuple[str, list[dict]]]:
    """Dated exports of one source that agree: each later one holds the earlier's and more."""
    dates = ["2023-01-01", "2023-07-01", "2024-01-01"]
    targets = [
        entity(
            "Person",
            "p",
            {"datasets": ["eu_fsf"], "first_seen": "2022-12-01T00:00:00"},
            name=["Aleksandr Zakharov", "Захаров Александр"],
        ),
        entity(
            "Company",
            "c",
            {"datasets": ["eu_fsf"], "first_seen": "2022-12-01T00:00:00"},
            name="ZALA Aero Group",
        ),
    ]
    sanctions = []
    for number in range(draw(st.integers(1, 5))):
        appears = draw(st.integers(0, len(dates) - 1))
        low = dt.date.fromisoformat(dates[appears - 1]) if appears else dt.date(2022, 12, 1)
        first = draw(st.dates(low, dt.date.fromisoformat(dates[appears]) - dt.timedelta(days=1)))
        start = draw(st.lists(ftm_dates(), max_size=2, unique=True))
        made = {
            "first_seen": f"{first}T00:00:00",
            "last_change": f"{first}T00:00:00",
            "datasets": ["eu_fsf"],
        }
        sanctions.append(
            (
                appears,
                entity(
                    "Sanction",
                    f"s{number}",
                    made,
                    entity=draw(st.sampled_from("pc")),
                    authority="EU",
                    startDate=start,
                ),
            )
        )
    out = []
    for at, date in enumerate(dates):
        held = [item for appears, item in sanctions if appears <= at]
        stamped = [{**item, "last_seen": f"{date}T00:00:00"} for item in [*targets, *held]]
        out.append((date, stamped))
    return out


@settings(max_examples=25)
@given(series())
def test_a_series_of_exports_in_order_is_the_latest_with_backfill(exports_in_order):
    """Every answer at every (V, T) is the same, however the exports came in."""
    one_by_one = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    for _, export in exports_in_order:
        import_ftm(export, one_by_one)
    latest = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    import_ftm(exports_in_order[-1][1], latest)
    for known in ("2022-12-15", "2023-03-01", "2023-06-30", "2023-08-01", "2024-02-01"):
        stamp = f"{known}T00:00:00Z"
        assert _answers(one_by_one, known=stamp) == _answers(latest, known=stamp), known


@settings(max_examples=15)
@given(series())
def test_an_older_export_after_a_newer_one_is_refused_in_one_line(exports_in_order):
    """Never '0 corrected' while nothing changes: the line names both dates."""
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    import_ftm(exports_in_order[-1][1], log)
    last = log.last_position
    with pytest.raises(
        FtMError,
        match=r"export of 2023-07-01T00:00:00Z is older than the log's "
        r"last import of this source \(eu_fsf\), 2024-01-01T00:00:00Z",
    ):
        import_ftm(exports_in_order[1][1], log)
    assert log.last_position == last


def test_a_sanction_a_newer_export_drops_ends_then_and_comes_back_if_listed_again():
    """Missing from a newer export: ended after it was last listed; listed again: restored."""
    person = entity(
        "Person", "p", seen("2022-01-01T00:00:00", "2023-01-01T00:00:00"), name="Aleksandr Zakharov"
    )
    sanction = entity(
        "Sanction",
        "s",
        seen("2022-01-01T00:00:00", "2023-01-01T00:00:00"),
        entity="p",
        authority="SECO",
        startDate="2021-12-20",
    )
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    import_ftm([person, sanction], log)
    later = {**person, "last_seen": "2023-06-01T00:00:00"}
    dropped = import_ftm([later], log)
    assert dropped.ended == 1
    facts = SanctionsInForce(log)
    key = "SECO / - / Aleksandr Zakharov"
    assert facts.at("2022-12-31").answer(key).value == "yes"
    assert facts.at("2023-03-01").answer(key).value == "maybe"
    assert facts.at("2023-06-02").answer(key).value == "no"
    assert facts.at("2023-06-02", known="2023-05-01T00:00:00Z").answer(key).value == "yes"
    back = {**sanction, "last_seen": "2024-01-01T00:00:00"}
    restored = import_ftm([{**later, "last_seen": "2024-01-01T00:00:00"}, back], log)
    assert (restored.restored, restored.unchanged) == (1, 1)
    assert SanctionsInForce(log).at("2024-01-02").answer(key).value == "yes"


def test_a_newer_export_with_other_values_corrects_and_the_past_stays():
    """A changed sanction is a correction known from its last_change; as known before: as it was."""
    person = entity("Person", "p", seen("2022-01-01T00:00:00"), name="Aleksandr Zakharov")
    sanction = entity(
        "Sanction",
        "s",
        seen("2022-01-01T00:00:00"),
        entity="p",
        authority="SECO",
        startDate="2021-12-20",
    )
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    import_ftm([person, sanction], log)
    changed = copy.deepcopy(sanction)
    changed["properties"]["endDate"] = ["2024-06-15"]
    changed.update(last_change="2024-06-20T00:00:00", last_seen="2024-07-01T00:00:00")
    newer = import_ftm([{**person, "last_seen": "2024-07-01T00:00:00"}, changed], log)
    assert (newer.corrected, newer.new) == (1, 0)
    facts = SanctionsInForce(log)
    key = "SECO / - / Aleksandr Zakharov"
    assert facts.at("2024-06-16").answer(key).value == "no"
    assert facts.at("2024-06-16", known="2024-06-19T00:00:00Z").answer(key).value == "yes"


# -- names ----------------------------------------------------------------------------------


def test_targets_are_found_as_people_search_them():
    """A surname, a word of a name, another script, another order; exact names rank first."""
    export = [
        entity(
            "Person",
            "p",
            seen("2022-01-01T00:00:00"),
            name=["Aleksandr Nikolaevich Zakharov", "Захаров Александр Николаевич"],
        ),
        entity("Person", "z", seen("2022-01-01T00:00:00"), name="Zakharov"),
        entity("Company", "c", seen("2022-01-01T00:00:00"), name="ZALA Aero Group"),
        *(
            entity(
                "Sanction",
                f"s-{who}",
                seen("2022-01-01T00:00:00"),
                entity=who,
                authority=["SECO", "State Secretariat for Economic Affairs"],
                startDate="2022-01-01",
            )
            for who in "pzc"
        ),
    ]
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    import_ftm(export, log)
    facts = SanctionsInForce(log)

    def found(**query: str) -> list[str | None]:
        return [hit.spell.fact for hit in facts.in_force("2023", **query)]

    assert found(target="Zakharov") == ["s-z", "s-p"]  # the exact name first
    assert found(target="Захаров") == ["s-z", "s-p"]
    assert found(target="Aleksandr Zakharov") == ["s-p"]
    assert found(target="zakharov aleksandr") == ["s-p"]
    assert found(target="ZALA") == ["s-c"]
    assert found(target="Zakh") == []
    assert len(found(authority="State Secretariat")) == 3  # the second authority


# -- input as it comes ----------------------------------------------------------------------


def _small_export() -> list[dict]:
    return [
        entity("Vessel", "v", seen("2024-01-02T00:00:00"), name="Sea Star", country="kp"),
        entity(
            "Sanction",
            "s",
            seen("2024-01-02T00:00:00"),
            entity="v",
            authority="UN Security Council",
            startDate="2024-01",
        ),
    ]


def _lines(entities: list[dict]) -> bytes:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in entities).encode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plain.json", _lines(_small_export())),
        ("export.json.gz", gzip.compress(_lines(_small_export()))),
        ("bom.json", b"\xef\xbb\xbf" + _lines(_small_export())),
        ("array.json", json.dumps(_small_export(), indent=2).encode()),
        ("one-line-array.json", b"\xef\xbb\xbf" + json.dumps(_small_export()).encode()),
    ],
)
def test_every_form_of_export_reads_the_same(tmp_path, name, content):
    """JSON lines, gzip, a BOM, a JSON array (pretty or not): the same designations."""
    path = tmp_path / name
    path.write_bytes(content)
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    imported = import_ftm(path, log)
    assert (imported.new, imported.ignored) == (1, 0)


def test_nested_targets_as_opensanctions_writes_them(tmp_path):
    """targets.nested.json: each target with its sanctions inside it, naming it or not."""
    vessel, sanction = _small_export()
    nested_sanction = copy.deepcopy(sanction)
    del nested_sanction["properties"]["entity"]  # the parent is the entity it names
    address = entity("Address", "a", full="Pyongyang")
    nested = {
        **vessel,
        "properties": {
            **vessel["properties"],
            "sanctions": [nested_sanction],
            "addressEntity": [address],
        },
    }
    path = tmp_path / "targets.nested.json"
    path.write_text(json.dumps(nested) + "\n", encoding="utf-8")
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    imported = import_ftm(path, log)
    assert (imported.new, imported.ignored) == (1, 1)
    back = {item["id"]: item for item in export_ftm(log)}
    assert back["v"]["properties"]["addressEntity"] == ["a"]
    assert back["s"]["properties"]["entity"] == ["v"]


def test_standard_input_is_read_as_a_file(monkeypatch):
    """'-' reads standard input, gzipped or not."""
    stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(_lines(_small_export()))))
    monkeypatch.setattr(sys, "stdin", stdin)
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    assert import_ftm("-", log).new == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "a", "schema": "Address"}\nnot json\n', r"bad.json line 2: not a JSON object"),
        (b"[1, 2]\n", r"bad.json line 1: not a JSON object but int"),
        (
            b'[{"id": "x", "schema": "Person", "properties": {}}\n',
            r"bad.json line 2: the JSON array is not closed",
        ),
        (b'{"id": "x", "schema": "Nope"}\n', r"bad.json line 1: entity 'x': schema 'Nope'"),
        (
            b'\n\n{"id": "x", "schema": "Person", "properties": {"name": "Ivan"}}\n',
            r"bad.json line 3: Person 'x': property 'name' must be a list of text",
        ),
        (b"\x1f\x8b\x08garbage", r"bad.json: cannot read it"),
        (b"\xff\xfe{}\n", r"bad.json line 1: not a JSON object"),
    ],
)
def test_anything_else_is_one_line_naming_the_file_and_line(tmp_path, content, message):
    """A clear FtMError; the log is as it was."""
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    log = Log(clock=ManualClock("2024-06-02T00:00:00Z"))
    with pytest.raises(FtMError, match=message):
        import_ftm(path, log)
    assert log.last_position == 0


@pytest.mark.parametrize(
    ("entities", "message"),
    [
        ([entity("Sanction", "s", authority="EU")], "sanction 's' names no entity"),
        (
            [entity("Sanction", "s", entity="gone", authority="EU")],
            "names entity 'gone', which the export does not hold",
        ),
        (
            [entity("Person", "p", name="A B"), entity("Sanction", "s", entity="p")],
            "has no authority",
        ),
        (
            [entity("Address", "a", full="x"), entity("Sanction", "s", entity="a", authority="EU")],
            "entity 'a' is a Address",
        ),
        (
            [entity("Person", "p"), entity("Sanction", "s", entity="p", authority="EU")],
            "Person 'p' has no name",
        ),
        (
            [entity("Sanction", "fine", entity="ok", authority="UK")],
            "sanction 'fine' is also at entity 2, with other values",
        ),
        (
            [
                entity("Person", "p", name="A B"),
                {
                    "id": "s",
                    "schema": "Sanction",  # typed by hand: FtM would drop the date
                    "properties": {"entity": ["p"], "authority": ["EU"], "startDate": ["2024-13"]},
                },
            ],
            "sanction 's': startDate '2024-13'",
        ),
    ],
)
def test_bad_exports_are_refused_and_nothing_is_written(entities, message):
    """A clear error naming the entity and what is wrong; the log is as it was."""
    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    good = [
        entity("Person", "ok", name="Ok Person"),
        entity("Sanction", "fine", entity="ok", authority="EU"),
    ]
    with pytest.raises(FtMError, match=message):
        import_ftm([*good, *entities], log)
    assert log.last_position == 0


def test_designations_written_by_hand_are_exported_from_their_fields():
    """No FtM values kept: a Sanction per spell from the fields, which FtM reads as it is."""
    from timeline.sanctions import Lifted, Target  # noqa: PLC0415

    log = Log(clock=ManualClock("2024-06-01T00:00:00Z"))
    unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY, country="ru")
    log.append(
        Designated(target=unit, authority="US Treasury", designation="d"), valid="2023-05/.."
    )
    log.append(Lifted(target=unit.name, authority="US Treasury", designation="d"), valid="2023-09")
    log.append(
        Designated(target=unit, authority="US Treasury", designation="d"), valid="2024-01-11"
    )
    back = export_ftm(log)
    sanctions = {item["id"]: item["properties"] for item in back if item["schema"] == "Sanction"}
    assert sanctions["d"]["startDate"] == ["2023-05"]
    assert sanctions["d"]["endDate"] == ["2023-09"]
    assert sanctions["d-2"]["startDate"] == ["2024-01-11"]
    for item in back:
        assert model.get_proxy(item).to_dict() == item


def test_without_followthemoney_the_error_names_the_extra(monkeypatch):
    """The ftm extra missing: one clear error, for import and export."""
    monkeypatch.setitem(sys.modules, "followthemoney", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'bitemporal-timeline\[ftm\]'"):
        import_ftm([], Log())
    with pytest.raises(MissingExtraError):
        export_ftm(Log())
