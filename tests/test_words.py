"""timeline.words: a source's words to valid time, with the rule that derived it."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline import (
    Interval,
    InvalidValidTimeError,
    Log,
    MissingExtraError,
    Moment,
    SourceFileError,
    TimelineError,
    format_edtf,
    load_jsonl,
    parse_edtf,
    seed_path,
)
from timeline._cli import main
from timeline._words import _languages
from timeline.sanctions import SanctionsInForce
from timeline.words import READINGS, Alternative, Resolution, Rule, UnresolvableWordsError, resolve

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _corpus() -> list[tuple[str, str, str, str]]:
    text = (DATA / "words_corpus.tsv").read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader((line for line in text if not line.startswith("#")), delimiter="\t"))
    assert rows[0] == ["language", "published", "phrase", "edtf"]
    return [(row[0], row[1], row[2], row[3]) for row in rows[1:]]


CORPUS = _corpus()


# -- the corpus -----------------------------------------------------------------------


@pytest.mark.parametrize(("language", "published", "phrase", "edtf"), CORPUS)
def test_the_corpus_resolves_to_its_expected_edtf(language, published, phrase, edtf):
    """Each phrase of the corpus gives the EDTF worked out by hand, which parses and reads back."""
    found = resolve(phrase, published=published, language=language)
    assert found.edtf == edtf
    assert format_edtf(parse_edtf(found.edtf)) == edtf
    assert found.value == parse_edtf(edtf)
    assert found.value.phrase == phrase
    assert found.rule.phrase == phrase
    assert found.rule.published == published
    assert found.rule.language == language


def test_the_corpus_is_large_and_covers_every_language_and_the_hard_days():
    """At least 150 phrases; each language has 20 or more; year ends and leap days appear."""
    assert len(CORPUS) >= 150
    per_language = {lang: sum(row[0] == lang for row in CORPUS) for lang in ("en", "fr", "de")}
    per_language |= {lang: sum(row[0] == lang for row in CORPUS) for lang in ("es", "ru")}
    assert min(per_language.values()) >= 20
    published = {row[1] for row in CORPUS}
    assert {"2023-12-31", "2024-01-01", "2024-02-29", "2024-03-01", "2023-03-01"} <= published
    assert any("2024-02-29" in row[3] for row in CORPUS)
    # An article published on the weekday it names.
    assert any(
        row[0] == "en" and f"on {WEEKDAYS[dt.date.fromisoformat(row[1]).weekday()]}" == row[2]
        for row in CORPUS
    )


# -- rules and readings -------------------------------------------------------------


def test_a_weekday_in_a_friday_article_is_the_day_before_not_next_week():
    """'on Thursday' published Friday: the day before; next week's Thursday is the alternative."""
    found = resolve("on Thursday", published="2024-01-12")
    assert found.rule == Rule(
        phrase="on Thursday",
        published="2024-01-12",
        language="en",
        reading="weekday-latest",
        edtf="2024-01-11",
        alternatives=(Alternative(reading="weekday-next", edtf="2024-01-18"),),
    )
    on_the_day = resolve("on Friday", published="2024-01-12").rule
    assert on_the_day.edtf == "2024-01-12"
    assert Alternative(reading="weekday-week-before", edtf="2024-01-05") in on_the_day.alternatives


def test_last_thursday_in_a_friday_article_names_the_week_before_as_the_other_reading():
    """'last Thursday' on a Friday: yesterday, or the Thursday of the previous week."""
    rule = resolve("last Thursday", published="2024-01-12").rule
    assert (rule.reading, rule.edtf) == ("last-weekday", "2024-01-11")
    assert rule.alternatives == (Alternative(reading="weekday-of-last-week", edtf="2024-01-04"),)


def test_a_reading_can_be_chosen_by_name_and_the_default_becomes_an_alternative():
    """reading= picks an alternative; an unknown reading is refused, naming those there are."""
    chosen = resolve(
        "since February 2022", published="2024-01-12", reading="since-to-publication+month"
    )
    assert chosen.edtf == "2022-02/2024-01-12"
    assert chosen.rule.alternatives == (Alternative(reading="since+month", edtf="2022-02/.."),)
    with pytest.raises(UnresolvableWordsError, match=r"no reading 'weekday-later'.*weekday-next"):
        resolve("on Thursday", published="2024-01-12", reading="weekday-later")


def test_every_reading_is_explained_and_composed_readings_read_as_sentences():
    """Rule.explain says what each reading means; a composed one joins its parts."""
    assert all(text and not text.endswith(".") for text in READINGS.values())
    rule = resolve("late November", published="2024-01-12").rule
    assert rule.reading == "late+month-latest"
    assert rule.explain().startswith("the last third of the period")
    assert "latest such month" in rule.explain()
    assert (
        "unknown reading"
        in Rule(phrase="x", published="2024-01-12", reading="no-such", edtf="2024").explain()
    )


def test_parts_make_only_the_inner_cut_approximate():
    """'late November 2023' bounds: from 20 to 30 November, never a year out."""
    value = resolve("late November 2023", published="2024-01-12").value
    assert isinstance(value, Interval)
    assert value.earliest == dt.datetime(2023, 11, 20, tzinfo=dt.UTC)
    assert value.latest == dt.datetime(2023, 11, 30, 23, 59, 59, 999999, tzinfo=dt.UTC)


def test_a_zone_is_given_to_the_dates_and_a_date_time_anchor_is_its_day():
    """tz= puts the dates in that zone; a publication date-time counts by its written day."""
    found = resolve("yesterday", published="2024-01-12T23:30:00-05:00", tz="America/New_York")
    assert isinstance(found.value, Moment)
    assert found.value.tz == "America/New_York"
    assert found.edtf == "2024-01-11"
    assert resolve("today", published=dt.date(2024, 2, 29)).edtf == "2024-02-29"
    assert (
        resolve("today", published=dt.datetime(2024, 2, 29, 8, tzinfo=dt.UTC)).edtf == "2024-02-29"
    )


@pytest.mark.parametrize(
    ("phrase", "why"),
    [
        ("recently", "vague"),
        ("a few weeks ago", "vague"),
        ("in recent months", "vague"),
        ("", "no words"),
        ("   ", "no words"),
        ("when the war began", "not a phrase of time"),
        ("Monday, 2 January 2024 at noon", "not a phrase of time"),
        ("Monday, 2 January 2024", "is a Tuesday, not a Monday"),
        ("February 30", "has no day 30"),
        ("30 February 2023", "2023 has no February 30"),
        ("2023-02-30", "is not a date"),
        ("14/13/2023", "neither 14/13 nor 13/14"),
        ("between July and May 2023", "ends before it starts"),
        ("late yesterday since", "not a phrase of time"),
        ("since 03/04/2023", "cannot bound an interval"),
        ("around last week", "only a single date"),
    ],
)
def test_unresolvable_phrases_are_refused_with_an_error_naming_them(phrase, why):
    """Nothing is guessed: a typed error (also a ValueError) names the phrase and says why."""
    with pytest.raises(UnresolvableWordsError, match=re.escape(why)) as raised:
        resolve(phrase, published="2024-01-12")
    assert isinstance(raised.value, TimelineError)
    assert isinstance(raised.value, ValueError)
    assert repr(phrase) in str(raised.value)
    assert raised.value.phrase == phrase


@pytest.mark.parametrize("published", ["2024-13-01", "12 January 2024", "", None, 20240112])
def test_a_publication_date_that_is_not_a_date_is_refused(published):
    """The anchor must be a date (or ISO text starting with one)."""
    with pytest.raises(InvalidValidTimeError, match="publication date"):
        resolve("yesterday", published=published)


def test_an_unknown_language_is_refused_naming_it():
    """A language dateparser does not know is an error, not English by default."""
    with pytest.raises(UnresolvableWordsError, match="no language 'xx'"):
        resolve("jeudi", published="2024-01-12", language="xx")


def test_other_languages_without_the_words_extra_say_what_to_install(monkeypatch):
    """Without dateparser: MissingExtraError naming the extra; English still resolves."""
    monkeypatch.setitem(sys.modules, "dateparser", None)
    monkeypatch.setitem(sys.modules, "dateparser.languages.loader", None)
    _languages._locale.cache_clear()
    try:
        with pytest.raises(MissingExtraError, match=r"pip install 'bitemporal-timeline\[words\]'"):
            resolve("jeudi dernier", published="2024-01-12", language="fr")
        assert resolve("last Thursday", published="2024-01-12").edtf == "2024-01-11"
    finally:
        _languages._locale.cache_clear()


def test_import_timeline_and_english_words_never_import_dateparser():
    """Dateparser (hundreds of milliseconds) is imported only for a non-English phrase."""
    code = (
        "import sys, timeline\n"
        "assert 'dateparser' not in sys.modules, 'import timeline'\n"
        "from timeline import Log, load_jsonl, seed_path\n"
        "from timeline.words import resolve\n"
        "load_jsonl(seed_path(), Log())\n"
        "resolve('late November', published='2024-01-12')\n"
        "assert 'dateparser' not in sys.modules, 'English words'\n"
        "resolve('fin novembre', published='2024-01-12', language='fr')\n"
        "assert 'dateparser' in sys.modules, 'French words'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# -- dateparser as an oracle --------------------------------------------------------

# Phrases both dateparser's parser and this grammar read: dateparser's date must lie in
# the period resolved, and its period must be the one resolved (a week: our calendar week).
ORACLE = [
    (language, published, phrase, edtf)
    for language, published, phrase, edtf in CORPUS
    if not re.search(r"[~/\[]|X|-2\d$|-3\d$|-4\d$", edtf.replace("/..", "").replace("../", ""))
    or re.fullmatch(r"\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d", edtf)
]


# Where this library reads otherwise on purpose (docs/how-to/words.md), or dateparser
# reads what it does not understand ("on the 5th" as May; the Russian for "from" as seconds).
DIFFERENCES = {
    "this-weekday": "'this Thursday' is the Thursday of this week; dateparser's is the next",
    "next-weekday": "'next X' looks ahead; dateparser was asked for dates from the past",
    "tomorrow": "looks ahead",
    "next-": "looks ahead",
    "upcoming": "looks ahead",
    "day-of-month-latest": "dateparser reads 'the 5th' as a month",
    "since": "an open interval; dateparser reads a date",
    "numeric-date-ambiguous": "one of two days; dateparser picks one",
}


def _dateparser_date(language: str, published: str, phrase: str) -> tuple[dt.date, str] | None:
    """The reading of dateparser's parser: relative to publication, dates from the past."""
    from dateparser.date import DateDataParser  # noqa: PLC0415 -- the words extra

    parser = DateDataParser(
        languages=[language],
        settings={
            "RELATIVE_BASE": dt.datetime.fromisoformat(published),
            "PREFER_DATES_FROM": "past",
            "RETURN_TIME_AS_PERIOD": True,
        },
    )
    data = parser.get_date_data(phrase)
    if data.date_obj is None or data.period not in {"day", "week", "month", "year"}:
        return None
    found = resolve(phrase, published=published, language=language)
    if any(reading in found.rule.reading for reading in DIFFERENCES) or any(
        a.reading == "weekday-week-before" for a in found.rule.alternatives
    ):
        return None  # a documented difference (DIFFERENCES), or published on the weekday named
    return data.date_obj.date(), data.period


def _agrees(
    phrase: str, language: str, published: str, edtf: str, read: tuple[dt.date, str]
) -> bool:
    day, period = read
    value = resolve(phrase, published=published, language=language).value
    if isinstance(value, Interval):
        low, high = value.extent.start.earliest.date(), value.extent.end.last.date()
    else:
        low, high = value.earliest.date(), value.bounds().last.date()
    ours = {4: "year", 7: "month", 10: "day"}.get(len(edtf), "week")
    return low <= day <= high and period == ours


def test_dateparser_agrees_where_it_reads_the_phrase_and_reads_enough_of_them():
    """Where dateparser reads a phrase the same way, its date lies in ours, at our precision."""
    compared = dict.fromkeys(("en", "fr", "de", "es", "ru"), 0)
    disagree = []
    for language, published, phrase, edtf in ORACLE:
        read = _dateparser_date(language, published, phrase)
        if read is None:
            continue  # dateparser does not read it, or reads it otherwise on purpose
        compared[language] += 1
        if not _agrees(phrase, language, published, edtf, read):
            disagree.append((language, published, phrase, edtf, read))
    assert disagree == []
    assert min(compared.values()) >= 6, compared


# -- properties ---------------------------------------------------------------------

# Words of every class, in any order: most combinations mean nothing, and must say so.
_WORDS_TEXT = (
    "on in last next this since until between and from to by the end of early mid late around a "
    "two 3 0 99 weeks days months years ago yesterday today week month year thursday september "
    "30 2023 2006 1990s summer winter q1 first half quarter 05/06/2023 2023-02-29 '90s century "
    "20th weekend past over earlier later depuis jusqu'en fin dernier il y a semaines hier seit "
    "bis ende letzten vor wochen desde hasta finales pasado hace с до в конце прошлый назад"
)
WORDS = _WORDS_TEXT.split()
anchors = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31))
weekdays = st.sampled_from(WEEKDAYS)
months = st.sampled_from(MONTHS)
counts = st.integers(min_value=0, max_value=40)
seasons = st.sampled_from(["spring", "summer", "autumn", "winter"])

past_phrases = st.one_of(
    weekdays.map(lambda day: f"on {day}"),
    weekdays,
    weekdays.map(lambda day: f"last {day}"),
    st.tuples(counts, st.sampled_from(["day", "week", "month", "year"])).map(
        lambda pair: f"{pair[0]} {pair[1]}s ago"
    ),
    st.sampled_from(
        [
            "yesterday",
            "today",
            "last week",
            "last month",
            "last year",
            "earlier this week",
            "earlier this month",
            "earlier this year",
            "this week",
            "this month",
            "this year",
            "the past week",
            "last night",
            "last weekend",
            "the day before yesterday",
        ]
    ),
    months.map(lambda month: f"in {month}"),
    months.map(lambda month: f"last {month}"),
    st.tuples(months, st.integers(1, 28)).map(lambda pair: f"{pair[0]} {pair[1]}"),
    seasons.map(lambda season: f"last {season}"),
    seasons.map(lambda season: f"in the {season}"),
    st.tuples(st.sampled_from(["early", "mid", "late"]), months).map(" ".join),
)
last_phrases = st.one_of(
    weekdays.map(lambda day: f"last {day}"),
    months.map(lambda month: f"last {month}"),
    seasons.map(lambda season: f"last {season}"),
    st.sampled_from(["last week", "last month", "last year", "last weekend", "yesterday"]),
)
any_phrases = st.one_of(
    past_phrases,
    st.sampled_from(
        [
            "tomorrow",
            "next week",
            "next month",
            "next year",
            "the 1990s",
            "the 2000s",
            "between May and July 2023",
            "by the end of next month",
            "Q2 2019",
            "until March",
            "12/01/2024",
            "around 2006",
            "the first half of last year",
            "since last week",
        ]
    ),
    weekdays.map(lambda day: f"next {day}"),
    weekdays.map(lambda day: f"this {day}"),
    months.map(lambda month: f"since {month}"),
    months.map(lambda month: f"until {month}"),
    seasons.map(lambda season: f"this {season}"),
    seasons.map(lambda season: f"next {season}"),
    st.tuples(months, st.integers(1, 28), st.integers(1900, 2100)).map(
        lambda t: f"{t[1]} {t[0]} {t[2]}"
    ),
)


def _start_low(value: Moment | Interval) -> int:
    if isinstance(value, Interval):
        assert isinstance(value.start, Moment)
        return value.start.strict_bounds().low
    return value.strict_bounds().low


def _end_high(value: Moment | Interval) -> int:
    if isinstance(value, Interval):
        assert isinstance(value.end, Moment)
        return value.end.strict_bounds().high
    return value.strict_bounds().high


@given(past_phrases, anchors)
def test_past_tense_phrases_never_start_after_publication(phrase, anchor):
    """A phrase of the past resolves to a valid time that starts on or before the anchor day."""
    value = resolve(phrase, published=anchor).value
    assert isinstance(value, Moment | Interval)
    day = Moment.from_date(anchor).strict_bounds()
    assert _start_low(value) <= day.low


@given(last_phrases, anchors)
def test_last_x_is_over_before_the_anchor(phrase, anchor):
    """'last Thursday', 'last week', 'last September', 'last summer' end before publication day."""
    value = resolve(phrase, published=anchor).value
    assert isinstance(value, Moment | Interval)
    assert _end_high(value) <= Moment.from_date(anchor).strict_bounds().low


@given(weekdays, anchors)
def test_a_bare_weekday_is_the_latest_such_day_and_next_is_the_first_after(weekday, anchor):
    """'on X' is X within the six days up to publication; 'next X' within the seven after."""
    on = dt.date.fromisoformat(resolve(f"on {weekday}", published=anchor).edtf)
    after = dt.date.fromisoformat(resolve(f"next {weekday}", published=anchor).edtf)
    assert WEEKDAYS[on.weekday()] == weekday == WEEKDAYS[after.weekday()]
    assert 0 <= (anchor - on).days <= 6
    assert 1 <= (after - anchor).days <= 7


@given(any_phrases, anchors)
def test_the_rule_derives_the_same_value_and_every_alternative_its_own(phrase, anchor):
    """rule.derive() gives the same resolution; each alternative, chosen, gives its EDTF."""
    found = resolve(phrase, published=anchor)
    assert found.rule.derive() == found
    assert format_edtf(parse_edtf(found.edtf)) == found.edtf
    for other in found.rule.alternatives:
        chosen = resolve(phrase, published=anchor, reading=other.reading)
        assert chosen.edtf == other.edtf
        assert chosen.rule.derive() == chosen


@given(
    st.text(max_size=30) | st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
    st.sampled_from(["en", "fr", "de", "es", "ru"]),
    st.dates(),
)
def test_any_text_resolves_or_is_refused_with_the_typed_error(phrase, language, anchor):
    """No input makes anything but a valid time or UnresolvableWordsError (years 1-9999 too)."""
    problem = None
    try:
        found = resolve(phrase, published=anchor, language=language)
    except UnresolvableWordsError as error:
        problem = error
    else:
        assert format_edtf(parse_edtf(found.edtf)) == found.edtf
    assert problem is None or problem.phrase == phrase


def test_english_with_a_region_is_english():
    """en-GB and en_US are read by the English grammar, without the words extra."""
    assert resolve("last week", published="2024-01-12", language="en-GB").edtf == (
        "2024-01-01/2024-01-07"
    )
    assert resolve("last week", published="2024-01-12", language="en_US").rule.language == "en-us"


# -- the loader and the seed ----------------------------------------------------------


def _facts(path: Path) -> tuple[Log, list[tuple[object, ...]]]:
    log = Log()
    load_jsonl(path, log)
    rows = [
        (r.event, r.valid, r.valid.phrase, r.subject, r.known_at, r.provenance.quote) for r in log
    ]
    return log, rows


def test_the_seed_through_words_gives_the_facts_of_the_hand_resolved_dates():
    """Every record, valid time and phrase, and every answer, as the hand-resolved file had."""
    words, rows = _facts(seed_path())
    hand, expected = _facts(DATA / "seed_hand_resolved.jsonl")
    assert rows == expected
    for asked in ("2006", "2006-10-14", "2023-12-31", "2024-01-11", "2024-01-11T12:00:00Z", "2030"):
        ours = [(h.key, h.answer) for h in SanctionsInForce(words).in_force(asked)]
        theirs = [(h.key, h.answer) for h in SanctionsInForce(hand).in_force(asked)]
        assert ours == theirs
    assert sum(r.provenance.rule is not None for r in words) == 12


def test_every_seed_rule_derives_its_record_valid_time_again():
    """Each record's rule re-derives its EDTF; a rule at an interval's start gives the start."""
    log = Log()
    load_jsonl(seed_path(), log)
    for record in log:
        rule = record.provenance.rule
        if rule is None:
            continue
        again = rule.derive()
        assert again.rule == rule
        assert rule.published == "2024-01-12"
        if str(record.valid) == rule.edtf:
            assert again.value == record.valid
        else:  # the designations: in force from the day the words give
            assert isinstance(record.valid, Interval)
            assert record.valid.start == again.value


def _write(path: Path, *lines: object) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _meeting(valid: object, **extra: object) -> dict[str, object]:
    return {
        "type": "events.meeting",
        "data": {"participants": ["A", "B"], "place": "X"},
        "valid": valid,
        "known_at": "2024-01-12T00:00:00Z",
        **extra,
    }


def test_the_loader_resolves_words_keeps_the_phrase_and_the_rule(tmp_path):
    """A line's words become its valid time; the words its phrase; the rule its provenance's."""
    path = _write(
        tmp_path / "w.jsonl",
        _meeting({"words": "late November", "published": "2024-01-12"}),
        _meeting({"words": "fin novembre", "published": "2024-01-12", "language": "fr"}),
        _meeting(
            {"words": "yesterday", "published": "2024-01-12", "tz": "Europe/Paris", "phrase": "p"}
        ),
    )
    log = Log()
    first, second, third = load_jsonl(path, log)
    assert str(first.valid) == "2023-11-~21/2023-11-30"
    assert first.valid.phrase == "late November"
    assert first.provenance.rule == resolve("late November", published="2024-01-12").rule
    assert second.valid == first.valid
    assert second.provenance.rule is not None
    assert second.provenance.rule.language == "fr"
    assert isinstance(third.valid, Moment)
    assert (third.valid.tz, third.valid.phrase) == ("Europe/Paris", "p")
    assert load_jsonl(path, log).skipped == 3  # run again: nothing new


def test_a_defaults_line_gives_the_lines_after_it_their_publication_date(tmp_path):
    """Defaults apply until the next defaults line; a line's own value wins."""
    path = _write(
        tmp_path / "d.jsonl",
        {"defaults": {"published": "2024-01-12"}},
        _meeting({"words": "on Thursday"}),
        _meeting({"words": "on Thursday", "published": "2024-02-02"}),
        {"defaults": {"published": "2024-03-01", "language": "de"}},
        _meeting({"words": "gestern"}),
    )
    records = load_jsonl(path, Log())
    assert [str(r.valid) for r in records] == ["2024-01-11", "2024-02-01", "2024-02-29"]
    assert records[2].provenance.rule is not None
    assert records[2].provenance.rule.published == "2024-03-01"


def test_the_same_words_published_another_day_are_another_entry(tmp_path):
    """A line that takes its date from defaults derives its id with it: not skipped as seen."""
    log = Log()
    line = _meeting({"words": "on Thursday"})
    load_jsonl(_write(tmp_path / "a.jsonl", {"defaults": {"published": "2024-01-12"}}, line), log)
    again = load_jsonl(
        _write(tmp_path / "b.jsonl", {"defaults": {"published": "2024-01-19"}}, line), log
    )
    assert len(again) == 1
    assert str(again[0].valid) == "2024-01-18"


def test_words_may_give_one_end_of_an_interval(tmp_path):
    """{"start": {"words": ...}, "end": ".."}: from the day the words name, open-ended."""
    path = _write(
        tmp_path / "s.jsonl",
        _meeting({"start": {"words": "on Thursday", "published": "2024-01-12"}, "end": ".."}),
        _meeting({"start": "2023", "end": {"words": "last week", "published": "2024-01-12"}}),
    )
    first, second = load_jsonl(path, Log())
    assert str(first.valid) == "2024-01-11/.."
    assert first.valid.phrase == "on Thursday"
    assert str(second.valid) == "2023/2024-01-07"


@pytest.mark.parametrize(
    ("valid", "message"),
    [
        ({"words": "on Thursday"}, "words need the source's publication date"),
        ({"words": "recently", "published": "2024-01-12"}, "'recently' is vague"),
        ({"words": "x", "published": "2024-01-12", "when": 1}, "unknown keys ['when']"),
        ({"words": 3, "published": "2024-01-12"}, "words must be text"),
        ({"words": "today", "published": "soon"}, "publication date must be a date"),
        ({"words": "jeudi", "published": "2024-01-12", "language": "xx"}, "no language 'xx'"),
        (
            {
                "start": {"words": "May", "published": "2024-01-12"},
                "end": {"words": "July", "published": "2024-01-12"},
            },
            "words at both ends",
        ),
        ({"start": "2000", "end": {"words": "since 2006", "published": "2024-01-12"}}, "no date"),
    ],
)
def test_bad_words_name_the_file_and_line_and_write_nothing(tmp_path, valid, message):
    """A line whose words cannot be resolved fails the whole file, naming its line."""
    path = _write(tmp_path / "bad.jsonl", _meeting("2024"), _meeting(valid))
    log = Log()
    with pytest.raises(SourceFileError, match=re.escape(message)) as raised:
        load_jsonl(path, log)
    assert raised.value.line == 2
    assert len(log) == 0


@pytest.mark.parametrize(
    "defaults",
    [{}, {"published": 20240112}, {"when": "2024-01-12"}, "2024-01-12"],
)
def test_a_bad_defaults_line_is_refused(tmp_path, defaults):
    """Defaults hold published and language, as text."""
    path = _write(tmp_path / "d.jsonl", {"defaults": defaults}, _meeting("2024"))
    with pytest.raises(SourceFileError, match="defaults") as raised:
        load_jsonl(path, Log())
    assert raised.value.line == 1


def test_a_written_rule_beside_words_is_refused(tmp_path):
    """The rule is derived at load; a line may not bring its own beside words."""
    rule = {
        "alternatives": [],
        "edtf": "2020",
        "language": "en",
        "phrase": "x",
        "published": "2024-01-12",
        "reading": "year",
    }
    line = _meeting({"words": "today", "published": "2024-01-12"}, provenance={"rule": rule})
    with pytest.raises(SourceFileError, match="derived from the valid time's words"):
        load_jsonl(_write(tmp_path / "r.jsonl", line), Log())


def test_a_record_with_a_rule_survives_every_store_and_verifies(tmp_path):
    """The rule is stored, hashed and read back equal from SQLite and JSON Lines."""
    source = seed_path()
    for name in ("w.sqlite", "w.jsonl"):
        log = Log(tmp_path / name)
        load_jsonl(source, log)
        log.close()
        again = Log(tmp_path / name)
        rules = [r.provenance.rule for r in again if r.provenance.rule is not None]
        assert len(rules) == 12
        assert rules[0] == rules[0].derive().rule
        assert main(["--store", str(tmp_path / name), "verify"]) == 0
        again.close()


def test_provenance_without_a_rule_hashes_as_before_rules_existed():
    """A record with text provenance and no rule has the hash the codec gave it before."""
    import uuid  # noqa: PLC0415

    from timeline import Codec, Entry, Provenance, default_registry  # noqa: PLC0415
    from timeline.events import Meeting  # noqa: PLC0415

    entry = Entry(
        event=Meeting(participants=("Kim Jong Un", "Vladimir Putin"), place="Russia's Far East"),
        valid=parse_edtf("2023-09", phrase="In September"),
        subject="dprk-russia-arms",
        provenance=Provenance(source="Al Jazeera", quote="In September", note="a note"),
        id=uuid.UUID("8e4b1a52-3f0c-4a7e-9d61-2b5c7e9f0a13"),
    )
    stored = Codec(default_registry).encode(
        entry, position=1, known="2024-01-12T00:00:00.000000Z", previous=None
    )
    # Computed with the codec of the commit before Provenance.rule (99522d9).
    assert stored.hash == "1f64969bc21096f4bc4daf09826298e4e5b5e0f159c381c99f20e719714f649a"
    assert '"rule"' not in stored.body


def test_a_stored_rule_that_is_malformed_is_a_decode_error_naming_the_record():
    """A rule with a missing key reads as a RecordDecodeError, not a wrong answer."""
    from timeline import Codec, RecordDecodeError, Registry  # noqa: PLC0415

    codec = Codec(Registry())
    with pytest.raises((TypeError, ValueError)):
        codec.check_provenance({"rule": {"phrase": "x"}})
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        codec.check_provenance(
            {
                "rule": {
                    "alternatives": [],
                    "edtf": "2020",
                    "language": "en",
                    "phrase": "x",
                    "published": "soon",
                    "reading": "year",
                }
            }
        )
    assert issubclass(RecordDecodeError, ValueError)


# -- the command ----------------------------------------------------------------------


def test_the_command_prints_the_edtf_then_the_rule(capsys):
    """First line: the EDTF; then the phrase, the anchor's weekday, the reading, the others."""
    assert main(["resolve", "on Thursday", "--published", "2024-01-12"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2024-01-11"
    assert "2024-01-12 (Friday)" in out[2]
    assert out[3].startswith("  reading    weekday-latest: the latest such weekday")
    assert out[4].startswith("  or         2024-01-18  weekday-next")


def test_the_command_json_matches_its_documented_schema(capsys):
    """--json gives the valid time, the stored rule and every reading, as its schema says."""
    import importlib.resources  # noqa: PLC0415

    import jsonschema  # noqa: PLC0415

    folder = importlib.resources.files("timeline") / "schemas"
    schema = json.loads((folder / "resolve.schema.json").read_text())
    args = ["--json", "resolve", "fin novembre", "--published", "2024-01-12", "--language", "fr"]
    assert main(args) == 0
    answer = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(schema).validate(answer)
    assert answer["valid"]["edtf"] == "2023-11-~21/2023-11-30"
    assert answer["english"] == "late november"
    assert [r["chosen"] for r in answer["readings"]] == [True, False]
    with pytest.raises(jsonschema.ValidationError):  # the schema can fail
        jsonschema.Draft202012Validator(schema).validate({"valid": {}})
    # The rows' convention: latest is the first instant after (exclusive); an open end is null.
    for phrase, expected in (
        ("last week", ("2024-01-01T00:00:00", "2024-01-08T00:00:00")),
        ("since 2006", ("2006-01-01T00:00:00", None)),
    ):
        assert main(["--json", "resolve", phrase, "--published", "2024-01-12"]) == 0
        valid = json.loads(capsys.readouterr().out)["valid"]
        jsonschema.Draft202012Validator(schema).validate({**answer, "valid": valid})
        assert (valid["earliest"], valid["latest"]) == expected, phrase


def test_the_command_refuses_bad_words_in_one_line(capsys):
    """An unresolvable phrase or date: exit 1, one line naming it, no traceback."""
    assert main(["resolve", "recently", "--published", "2024-01-12"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot resolve 'recently'" in err
    assert main(["resolve", "today", "--published", "tomorrow"]) == 1
    assert "publication date" in capsys.readouterr().err


def test_the_command_chooses_a_reading_and_writes_csv(capsys):
    """--reading picks an alternative; --format csv writes a row per reading."""
    args = ["resolve", "since 2006", "--published", "2024-01-12"]
    assert main([*args, "--reading", "since-to-publication+year"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "2006/2024-01-12"
    assert main(["--format", "csv", *args]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [(r["reading"], r["edtf"]) for r in rows] == [
        ("since+year", "2006/.."),
        ("since-to-publication+year", "2006/2024-01-12"),
    ]


def test_resolution_is_a_value():
    """Two resolutions of the same words are equal and hash alike (frozen attrs values)."""
    one = resolve("last summer", published="2024-01-12")
    two = resolve("last summer", published="2024-01-12")
    assert one == two
    assert isinstance(one, Resolution)
    assert hash(one.rule) == hash(two.rule)
