"""Filters answered from the index: the same answers as every hit made and filtered.

A vocabulary's :attr:`~timeline.TemporalFacts.filters` are kept in the index
(each key's values, postings from their words); a filtered question reads
only the rows of the keys that match. Whatever the log holds -- names in
several scripts, designations whose sources disagree on aliases, lifts,
retractions, corrections -- and at every known time, the filtered answer
is the unfiltered one with every hit checked and ranked, on memory and on
SQLite, built at once or saved and caught up.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import Filter, Log, SnapshotIgnoredWarning, TemporalFacts, TimelineError, ends, starts
from timeline._names import best_match, fold_name
from timeline.facts import _tuning
from timeline.sanctions import Designated, Lifted, SanctionsInForce, Target, TargetKind
from timeline.stores import SQLiteStore

NAMES = [
    "Zala Aero Group",
    "ZALA",
    "Aleksandr Nikolaevich Zakharov",
    "Захаров Александр",
    "Vladimir Mikheychik",
    "Mikhéichik Vladimir",
]
AUTHORITIES = ["US Treasury", "EU", "UN Security Council", "United Kingdom"]
PROGRAMS = [None, "RUSSIA-EO14024", "russia-eo14024 ", "DPRK"]
QUERIES = [
    "zala",
    "Zakharov",
    "aleksandr zakharov",
    "Захаров",
    "Vladimir",
    "mikheichik vladimir",
    "group",
    "treasury",
    "eu",
    "united",
    "",
    "nobody",
]
VALID = [
    "2020",
    "2021-05",
    "2022-01-10/..",
    "2019/2023",
    "2021-06-10/2021-09",
    "2021~",
    "../2021-03",
]
ASKED = ["2019", "2020-06", "2021-05-15", "2021-07", "2022", "2024", "2021-06-10T12:00:00Z"]


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Designations (some of one key whose sources disagree on aliases), lifts and fixes."""
    count = draw(st.integers(1, 14))
    made: list[tuple[str, Any]] = []
    for _ in range(count):
        kind = draw(st.sampled_from(["designate", "designate", "designate", "lift", "fix"]))
        if kind == "designate":
            target = Target(
                name=draw(st.sampled_from(NAMES)),
                kind=TargetKind.PERSON,
                aliases=tuple(draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True))),
            )
            authority = draw(st.sampled_from(AUTHORITIES))
            others = draw(st.lists(st.sampled_from(AUTHORITIES), max_size=2, unique=True))
            event = Designated(
                target=target,
                authority=authority,
                program=draw(st.sampled_from(PROGRAMS)),
                properties=frozenset(("authority", other) for other in others),
            )
            made.append(("designate", (event, draw(st.sampled_from(VALID)))))
        else:
            made.append((kind, (draw(st.integers(0, 20)), draw(st.sampled_from(VALID)))))
    return made


def _logged(log: Log, steps: list[tuple[str, Any]], month: int = 1) -> Log:
    """The steps appended to ``log``, a day apart in known time from the first of ``month``."""
    designations: list[Any] = []
    for day, (kind, (what, valid)) in enumerate(steps, start=1):
        known = f"2025-{month:02d}-{day:02d}"
        if kind == "designate":
            designations.append(log.append(what, valid=valid, known=known))
        elif designations and kind == "lift":
            found: Designated = designations[what % len(designations)].event
            lift = Lifted(
                target=found.target.name,
                authority=found.authority,
                program=found.program,
                every=True,
            )
            log.append(lift, valid=valid, known=known)
        elif designations:
            record = designations[what % len(designations)]
            if what % 2:
                log.retract(record, known=known)
            else:  # the same designation with other aliases: a varied key
                event: Designated = record.event
                other = Target(name=event.target.name, kind=event.target.kind, aliases=("ZALA",))
                fixed = Designated(target=other, authority=event.authority, program=event.program)
                log.correct(record, fixed, valid=valid, known=known)
    return log


def _ranks(spell: Any, where: dict[str, Any]) -> tuple[int, int] | None:
    """How a spell meets ``where``, written out here: (target rank, authority rank); None: not."""
    attributes = spell.attributes
    program = where.get("program")
    if program is not None and (
        not fold_name(program)
        or fold_name(str(attributes.get("program", ""))) != fold_name(program)
    ):
        return None
    ranks = []
    for name, values in (
        ("target", [attributes["target"], *attributes.get("aliases", ())]),
        ("authority", [attributes["authority"], *attributes.get("authorities", ())]),
    ):
        query = where.get(name)
        found = 0 if query is None else best_match(query, values)
        if found is None:
            return None
        ranks.append(int(found))
    return ranks[0], ranks[1]


def _matches(spell: Any, where: dict[str, Any]) -> bool:
    return _ranks(spell, where) is not None


def _expected(facts: SanctionsInForce, valid: str, known: str | None, where: dict[str, Any]):
    """What a filtered question answers: every hit made, checked, then ranked (stable)."""
    ranked = [
        (ranks, hit) for hit in facts.at(valid, known=known) if (ranks := _ranks(hit.spell, where))
    ]
    ranked.sort(key=lambda item: item[0])
    return [hit for _, hit in ranked]


@contextlib.contextmanager
def _saved_designation(path: Path, name: str) -> Iterator[Log]:
    """A SQLite log of one EU designation of ``name``, its index saved by SanctionsInForce."""
    with contextlib.closing(SQLiteStore(path)) as store:
        log = Log(store)
        target = Target(name=name, kind=TargetKind.COMPANY)
        log.append(Designated(target=target, authority="EU"), valid="2020/..", known="2025-01-01")
        SanctionsInForce(log).save_snapshot()
        yield log


@contextlib.contextmanager
def _walking(walk: int) -> Iterator[None]:
    """Filters that find more keys than ``walk`` meet them in the question's rows."""
    before, _tuning.FILTER_WALK = _tuning.FILTER_WALK, walk
    try:
        yield
    finally:
        _tuning.FILTER_WALK = before


wheres = st.fixed_dictionaries(
    {},
    optional={
        "target": st.sampled_from(QUERIES),
        "authority": st.sampled_from(QUERIES + AUTHORITIES),
        "program": st.sampled_from(["dprk", "Russia-EO14024", "", "other"]),
    },
)


def _known_times(steps: list[Any]) -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),
        st.integers(0, len(steps) + 1).map(lambda d: f"2025-01-{max(d, 1):02d}T12:00:00Z"),
    )


@given(
    operations().flatmap(
        lambda steps: st.tuples(st.just(steps), st.sampled_from(ASKED), _known_times(steps), wheres)
    )
)
@pytest.mark.parametrize("walk", [_tuning.FILTER_WALK, -1])
def test_a_filtered_question_answers_as_every_hit_filtered(walk, case):
    """in_force(target=, authority=, program=) is at() with every hit checked and ranked.

    Keys found few are walked row by row; found many (``walk`` -1: always), met in the
    question's own rows.
    """
    steps, valid, known, where = case
    facts = SanctionsInForce(_logged(Log(), steps))
    with _walking(walk):
        found = facts.in_force(valid, known=known, **where)
    assert list(found) == _expected(facts, valid, known, where)
    assert [hit.answer for hit in found] == [
        hit.answer for hit in _expected(facts, valid, known, where)
    ]


@settings(max_examples=25)
@given(operations(), operations(), st.sampled_from(ASKED), wheres)
def test_a_saved_index_caught_up_filters_as_a_fresh_one(
    tmp_path_factory, first, then, valid, where
):
    """Saved on SQLite, reopened and caught up: the filtered answers of a fresh build."""
    path = tmp_path_factory.mktemp("saved") / "log.sqlite"
    with contextlib.closing(SQLiteStore(path)) as store:
        log = _logged(Log(store), first)
        SanctionsInForce(log).save_snapshot()
        # The rest of the steps, a month later in known time.
        for kind, (what, when) in then:
            if kind == "designate":
                log.append(what, valid=when, known="2025-03-01")
        with warnings.catch_warnings():
            warnings.simplefilter("error", SnapshotIgnoredWarning)
            saved = SanctionsInForce.from_snapshot(log)
        fresh = SanctionsInForce(log)
        assert list(saved.in_force(valid, **where)) == list(fresh.in_force(valid, **where))
        assert list(saved.in_force(valid, known="2025-02-01", **where)) == list(
            fresh.in_force(valid, known="2025-02-01", **where)
        )


@given(operations().flatmap(lambda steps: st.tuples(st.just(steps), _known_times(steps), wheres)))
@pytest.mark.parametrize("walk", [_tuning.FILTER_WALK, -1])
def test_during_and_changes_filter_as_every_answer_filtered(walk, case):
    """during(where=) and changes(where=) keep exactly the hits and transitions that match."""
    steps, known, where = case
    facts = SanctionsInForce(_logged(Log(), steps))
    expected_keys = {
        hit.key
        for hit in facts.during("2020-06-01", "2022-01-01", known=known)
        if _matches(hit.spell, where)
    }
    with _walking(walk):
        got = facts.during("2020-06-01", "2022-01-01", known=known, where=where)
    assert [hit.key for hit in got] == sorted(
        hit.key
        for hit in facts.during("2020-06-01", "2022-01-01", known=known)
        if _matches(hit.spell, where)
    )
    assert {hit.key for hit in got} == expected_keys
    with _walking(walk):
        changes = facts.changes("2020-06-01", "2022-01-01", known=known, where=where)
    expected = [
        change
        for change in facts.changes("2020-06-01", "2022-01-01", known=known)
        if _matches(change.spell, where)
    ]
    assert list(changes) == expected


# -- a vocabulary of its own, with a field rule: the stored-row lane ---------------------------


from timeline import event  # noqa: E402


@event("test.company_listed", version=1)
class CompanyListed:
    """A company listed under a register."""

    company: str
    register: str
    sector: str | None = None


@event("test.company_delisted", version=1)
class CompanyDelisted:
    """A company taken off a register."""

    company: str


class Companies(TemporalFacts):
    """Listings read by field rules: a catch-up from stored rows reads their fields."""

    filters: ClassVar[Mapping[str, Filter]] = {
        "register": Filter("register", match="equal"),
        "sector": Filter(("sector",)),
    }
    listed = starts(CompanyListed, key="company", values=("register", "sector"))
    delisted = ends(CompanyDelisted, key="company")


class CompaniesByMethod(TemporalFacts):
    """The same rules written as methods: every record decoded."""

    filters = Companies.filters

    @starts(CompanyListed)
    def _listed(self, record):
        found = record.event
        return Companies.listed.change(found)

    @ends(CompanyDelisted)
    def _delisted(self, record):
        return record.event.company


companies = st.lists(
    st.tuples(
        st.sampled_from(["Acme", "Borealis", "Cygnus", "Delta"]),
        st.sampled_from(["Main", "main ", "Second"]),
        st.sampled_from([None, "Heavy Industry", "industry", "Shipping"]),
        st.sampled_from(["2020", "2021-05", "2022/.."]),
        st.booleans(),
    ),
    max_size=10,
)


@settings(max_examples=25)
@given(
    companies,
    st.sampled_from(
        [
            {"register": "MAIN"},
            {"sector": "industry"},
            {"register": "second", "sector": "shipping"},
            {"sector": ""},
        ]
    ),
)
def test_field_rules_and_methods_filter_alike_on_every_store(tmp_path_factory, listed, where):
    """A field rule read from stored rows, the same rule as a method, and memory: one answer."""
    path = tmp_path_factory.mktemp("companies") / "log.sqlite"
    with contextlib.closing(SQLiteStore(path)) as store:
        logs = [Log(), Log(store)]
        for log in logs:
            for day, (company, register, sector, valid, delist) in enumerate(listed, start=1):
                known = f"2025-01-{day:02d}"
                log.append(
                    CompanyListed(company=company, register=register, sector=sector),
                    valid=valid,
                    known=known,
                )
                if delist:
                    log.append(CompanyDelisted(company=company), valid="2021-09", known=known)
        answers = [
            [
                (hit.key, hit.answer, hit.spell.attributes)
                for hit in kind(log).at("2021-06", where=where)
            ]
            for log in logs
            for kind in (Companies, CompaniesByMethod)
        ]
        unfiltered = Companies(logs[0]).at("2021-06")
        expected = []
        for hit in unfiltered:
            attributes = hit.spell.attributes
            ok = True
            for name, text in where.items():
                ok = (
                    ok
                    and Companies.filters[name].rank(
                        text, Companies.filters[name].values(attributes)
                    )
                    is not None
                )
            if ok:
                expected.append((hit.key, hit.answer, attributes))
        assert all(answer == expected for answer in answers)


def test_a_filtered_question_reads_only_the_records_of_what_it_returns():
    """Of a thousand designations, a target filter reads the records of its one hit alone."""
    log = Log()
    for number in range(1000):
        target = Target(name=f"Target {number}", kind=TargetKind.ENTITY)
        log.append(Designated(target=target, authority="EU"), valid="2020/..", known="2025-01-01")
    facts = SanctionsInForce(log)
    facts.catch_up()
    read: list[int] = []
    original = log.store.read

    def counted(*args: Any, **kwargs: Any):
        for stored in original(*args, **kwargs):
            read.append(stored.position)
            yield stored

    log.store.read = counted  # type: ignore[method-assign]
    found = facts.in_force("2024", target="Target 421")
    assert [hit.spell.attributes["target"] for hit in found] == ["Target 421"]
    assert len(set(read)) <= 1


def test_filters_are_checked_where_they_are_written():
    """A filter of no attribute, an unknown match, a filter that is not a Filter: each says so."""
    with pytest.raises(TypeError, match="one attribute or more"):
        Filter(())
    with pytest.raises(ValueError, match="'words' or 'equal'"):
        Filter("target", match="exact")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is a Filter"):

        class Bad(TemporalFacts):
            filters: ClassVar[Mapping[str, Filter]] = {"target": "target"}  # type: ignore[dict-item]

    with pytest.raises(TypeError, match="a filter's name is a word"):

        class Worse(TemporalFacts):
            filters: ClassVar[Mapping[str, Filter]] = {"the target": Filter("target")}


def test_a_question_names_a_filter_the_vocabulary_has():
    """where= with an unknown filter, or with something that is not text, is a TimelineError."""
    facts = SanctionsInForce(Log())
    with pytest.raises(TimelineError, match="has no filter 'country': it filters on 'target'"):
        facts.at("2024", where={"country": "RU"})
    with pytest.raises(TimelineError, match="takes text"):
        facts.at("2024", where={"target": 42})  # type: ignore[dict-item]
    assert facts.at("2024", where={"target": None}) == facts.at("2024")


def test_an_index_saved_with_other_filters_is_rebuilt(tmp_path):
    """A saved index whose filters differ is not used: it says why, and the answers are built."""
    with _saved_designation(tmp_path / "log.sqlite", "Zala Aero Group") as log:

        class Narrower(SanctionsInForce):
            filters: ClassVar[Mapping[str, Filter]] = {"target": Filter("target")}

            @classmethod
            def name(cls) -> str:
                return SanctionsInForce.name()

        with pytest.warns(SnapshotIgnoredWarning, match="other filters"):
            facts = Narrower.from_snapshot(log)
        assert [hit.key for hit in facts.at("2024", where={"target": "zala"})] == [
            hit.key for hit in SanctionsInForce(log).in_force("2024", target="zala")
        ]


@given(operations(), wheres, st.sampled_from([None, "2025-01-03", "2025-01-08"]))
def test_the_keys_a_filter_finds_hold_every_key_with_a_matching_spell(steps, where, known):
    """The command's plot --target draws from these keys: no key whose spells match is left out."""
    facts = SanctionsInForce(_logged(Log(), steps))
    found = facts._keys_where(where)
    matching = [
        key
        for key in facts.keys()
        if any(_matches(spell, where) for spell in facts.history(key, known=known))
    ]
    if found is None:
        assert not any(value is not None for value in where.values())
    else:
        assert set(matching) <= set(found)


def test_an_index_whose_names_were_kept_another_way_is_rebuilt(tmp_path, monkeypatch):
    """Postings hashed another way (or transliterated by another table) would miss words."""
    from timeline.facts import _saved  # noqa: PLC0415

    with _saved_designation(tmp_path / "log.sqlite", "Захаров Александр") as log:
        monkeypatch.setattr(_saved, "names_format", lambda: "names 2, anyascii 9")
        with pytest.warns(SnapshotIgnoredWarning, match="names were kept another way"):
            facts = SanctionsInForce.from_snapshot(log)
        assert len(facts.in_force("2024", target="Zakharov")) == 1


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=20))
def test_ascii_names_are_read_as_the_transliteration_reads_them(text):
    """The shortcut for ASCII names gives the words the general way gives."""
    import unicodedata  # noqa: PLC0415

    from anyascii import anyascii  # noqa: PLC0415

    from timeline._names import _APOSTROPHES, _WORD, name_tokens  # noqa: PLC0415

    general = anyascii(unicodedata.normalize("NFKC", text)).translate(_APOSTROPHES).casefold()
    assert name_tokens.__wrapped__(text) == tuple(_WORD.findall(general))


def test_an_index_saved_with_its_filters_in_another_order_is_rebuilt(tmp_path):
    """Values are kept by the filter's place: the same filters in another order are others."""
    with _saved_designation(tmp_path / "log.sqlite", "Zala Aero Group") as log:

        class Reordered(SanctionsInForce):
            filters: ClassVar[Mapping[str, Filter]] = dict(
                reversed(list(SanctionsInForce.filters.items()))
            )

            @classmethod
            def name(cls) -> str:
                return SanctionsInForce.name()

        with pytest.warns(SnapshotIgnoredWarning, match="other filters"):
            facts = Reordered.from_snapshot(log)
        assert len(facts.in_force("2024", target="zala", authority="eu")) == 1
        assert facts.in_force("2024", target="eu") == []


@pytest.mark.parametrize("walk", [_tuning.FILTER_WALK, -1])
def test_an_empty_window_holds_no_hit_filtered_or_not(walk):
    """during(T, T) and changes(T, T) are empty, with a filter as without one."""
    log = Log()
    person = Target(name="Ivan Petrov", kind=TargetKind.PERSON)
    log.append(Designated(target=person, authority="EU"), valid="2020-06-01/..", known="2025-01-01")
    facts = SanctionsInForce(log)
    instant = "2020-06-01T00:00:00Z"
    with _walking(walk):
        assert facts.during(instant, instant, where={"target": "petrov"}) == []
        assert facts.changes(instant, instant, where={"target": "petrov"}) == []
    assert len(facts.during(instant, "2020-06-02T00:00:00Z", where={"target": "petrov"})) == 1
