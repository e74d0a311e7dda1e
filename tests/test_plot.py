"""timeline.plot: what is drawn -- rows, bars, their yes / maybe style, the line at V."""

from __future__ import annotations

import datetime as dt
import re
import sys

import pytest
from hypothesis import given, settings

from test_facts import Facts, Started, histories, registry
from timeline import End, Log, ManualClock, MissingExtraError, TimelineError, load_jsonl, seed_path
from timeline._cli import main
from timeline.plot import draw
from timeline.sanctions import Designated, SanctionsInForce, Target, TargetKind
from timeline.testing import play
from timeline.time import in_datetime_range, utc_datetime

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra is not installed")
from matplotlib import dates  # noqa: E402 -- only with matplotlib
from matplotlib.patches import Rectangle  # noqa: E402

PUBLISHED = "2024-01-12T00:00:00Z"


def _seed() -> SanctionsInForce:
    log = Log(clock=ManualClock(PUBLISHED))
    load_jsonl(seed_path(), log)
    return SanctionsInForce(log)


def _drawn(picture, kind: str) -> list:
    """The artists of one kind (yes, maybe, open, event, span), by their ids."""
    axes = picture.figure.axes[0]
    return [
        artist
        for artist in [*axes.patches, *axes.lines]
        if (artist.get_gid() or "").startswith(f"tl-{kind}-")
    ]


def _row(artist) -> int:
    if isinstance(artist, Rectangle):
        return round(artist.get_y() + artist.get_height() / 2)
    return round(artist.get_ydata()[0])


def test_the_seed_picture_draws_each_sanction_its_style_and_the_line_at_v():
    """Rows grouped by authority; the 2006 embargo hatched through 2006, then solid; V dashed."""
    picture = _seed().plot("2024-02-01", known=PUBLISHED)
    assert picture.rows == [
        "events",
        "UN Security Council",
        "North Korea",
        "United States",
        "unnamed Russian entity 1 of 3",
        "unnamed Russian entity 2 of 3",
        "unnamed Russian entity 3 of 3",
        "unnamed Russian individual",
    ]
    yes, maybe = _drawn(picture, "yes"), _drawn(picture, "maybe")
    assert {_row(bar) for bar in yes} == {2, 4, 5, 6, 7}  # every sanction, and no heading
    for bar in yes:
        assert (bar.get_hatch(), bar.get_alpha()) == (None, 1.0)
    for bar in maybe:
        assert bar.get_hatch() == "////"
        assert bar.get_alpha() < 0.5
    embargo = [bar for bar in maybe if _row(bar) == 2]
    (start,) = embargo  # "since 2006": it may have begun any day of 2006
    assert dates.num2date(start.get_x()).date() == dt.date(2006, 1, 1)
    assert dates.num2date(start.get_x() + start.get_width()).date() == dt.date(2007, 1, 1)
    assert len(_drawn(picture, "open")) == 5  # none has ended
    (line,) = [item for item in picture.figure.axes[0].lines if item.get_gid() == "tl-valid"]
    assert dates.num2date(line.get_xdata()[0]).date() == dt.date(2024, 2, 1)
    assert line.get_linestyle() == "--"
    captions = [text.get_text() for text in picture.figure.texts]
    assert any("as known at 2024-01-12 00:00 UTC" in text for text in captions)
    events = _drawn(picture, "event")
    assert len(events) == 9
    assert {_row(marker) for marker in events} == {0}


def test_facts_without_the_grouping_attribute_have_no_headings():
    """A projection whose spells have no authority: a row per key, no empty heading."""
    log = Log(clock=ManualClock(PUBLISHED), registry=registry)
    log.append(Started(key="kp", label="x"), valid="2020/..")
    picture = Facts(log).plot()
    assert picture.rows == ["kp"]


def test_known_earlier_draws_less():
    """As known before the article: nothing; the caption says when."""
    picture = _seed().plot("2024-02-01", known="2024-01-10T00:00:00Z")
    assert picture.rows == []
    assert _drawn(picture, "yes") == []
    assert any("2024-01-10 00:00 UTC" in text.get_text() for text in picture.figure.texts)


@settings(deadline=None)
@given(histories)
def test_every_spell_is_drawn_solid_exactly_where_it_surely_held(schedule):
    """Each row's solid bars are exactly its spells' sure spans, within the picture."""
    facts = Facts(play(schedule, registry=registry))
    picture = draw(facts, group_by=None, label_by=None)
    axes = picture.figure.axes[0]
    low, high = axes.get_xlim()
    for key in facts.keys():
        if key not in picture.rows:  # a key with no spell (an amendment that found none)
            assert not facts.history(key)
            continue
        row = picture.rows.index(key)
        sure: list[tuple[float, float]] = []
        for spell in facts.history(key):
            start = _reach(spell.start, low, high, first=True)
            end = _reach(spell.end, low, high, first=False)
            if start[1] < end[0]:
                sure.append((max(start[1], low), min(end[0], high)))
        drawn = sorted(
            (round(bar.get_x(), 6), round(bar.get_x() + bar.get_width(), 6))
            for bar in _drawn(picture, "yes")
            if _row(bar) == row
        )
        expected = sorted((round(a, 6), round(b, 6)) for a, b in sure if b > a)
        assert drawn == expected


def _reach(end, low: float, high: float, *, first: bool) -> tuple[float, float]:
    """Where an end may lie, in matplotlib's days, within the picture."""
    if end is End.OPEN:
        return (low, low) if first else (high, high)
    if end is End.UNKNOWN:
        return low, high
    bounds = end.bounds()
    return _day(bounds.low, low, high), _day(bounds.high, low, high)


def _day(value: int, low: float, high: float) -> float:
    if not in_datetime_range(value):
        return low if value < 0 else high
    return min(max(dates.date2num(utc_datetime(value)), low), high)


def test_two_hundred_keys_are_drawn_a_page_at_a_time():
    """200 designations: five pages of 40 rows, each legible; a page past the end is refused."""
    log = Log(clock=ManualClock(PUBLISHED))
    log.extend(
        log.entry(
            Designated(
                target=Target(name=f"Company {n:03}", kind=TargetKind.COMPANY),
                authority=f"A{n % 3}",
            ),
            valid=f"{2000 + n % 20}-01/..",
        )
        for n in range(200)
    )
    facts = SanctionsInForce(log)
    first = facts.plot(per_page=40)
    assert (first.pages, first.keys) == (5, 200)
    last = facts.plot(page=5, per_page=40)
    assert len([row for row in last.rows if row.startswith("Company")]) == 40
    _width, height = last.figure.get_size_inches()
    assert height < 16  # 40 rows and their headings at 0.3 inch each
    with pytest.raises(TimelineError, match="page 6: the 200 keys fill pages 1 to 5"):
        facts.plot(page=6)


def test_html_is_one_file_with_the_records_under_each_bar(tmp_path):
    """Hovering shows the record, source and quote; nothing is fetched from elsewhere."""
    page = _seed().plot("2024-02-01", known=PUBLISHED).save(tmp_path / "seed.html")
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "<svg" in text
    titles = re.findall(r"<title>(.*?)</title>", text, re.DOTALL)
    assert any("US State Department" in title and "Russian individual" in title for title in titles)
    assert any("\u201c" in title for title in titles)  # quotes, as the article gives them
    assert not re.search(r"<script|<link|<img|(src|href)=\"https?:", text)


def test_png_and_svg_are_written(tmp_path):
    picture = _seed().plot("2024-02-01", known=PUBLISHED)
    assert picture.save(tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in picture.save(tmp_path / "a.svg").read_text()


def test_answers_and_spells_draw_too_and_other_things_do_not():
    facts = _seed()
    picture = draw(facts.at("2024-02-01"), valid="2024-02-01")
    assert len(_drawn(picture, "yes")) == 5
    assert _drawn(picture, "event") == []
    with pytest.raises(TimelineError, match="item 0 is a str"):
        draw(["not a spell"])  # type: ignore[list-item]


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'bitemporal-timeline\[plot\]'"):
        _seed().plot()


def test_the_command_draws_and_refuses_what_it_cannot_write(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    assert main(["--store", str(store), "load", str(seed_path())]) == 0
    capsys.readouterr()
    out = tmp_path / "seed.png"
    assert main(["--store", str(store), "plot", str(out), "--at", "2024-02-01"]) == 0
    assert "drew 5 keys (page 1 of 1)" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\x89PNG")
    assert (
        main(
            [
                "--store",
                str(store),
                "plot",
                str(tmp_path / "a.html"),
                "--authority",
                "united states",
            ]
        )
        == 0
    )
    assert "drew 4 keys" in capsys.readouterr().out
    assert main(["--store", str(store), "plot", str(tmp_path / "a.txt")]) == 1
    assert "write a picture as .png, .svg, .pdf or .html, not .txt" in capsys.readouterr().err
    assert main(["--store", str(store), "plot", str(out), "--page", "2"]) == 1
    assert "page 2: the 5 keys fill pages 1 to 1" in capsys.readouterr().err
