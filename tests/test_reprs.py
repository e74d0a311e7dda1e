"""How results show themselves: every repr short, every notebook table a table."""

from __future__ import annotations

import html.parser

from hypothesis import given
from hypothesis import strategies as st

from test_facts import Facts, histories, registry, when
from timeline import Answer, End, Log, Moment, Registry, Spell, event
from timeline._reprs import LIMIT
from timeline.facts import History, Hit
from timeline.testing import play


class _Tables(html.parser.HTMLParser):
    """Counts the tags a notebook table opens and closes."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)
        self.tables += tag == "table"

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag


def _shown(value: object) -> None:
    text = repr(value)
    assert len(text) <= LIMIT, text
    assert "\n" not in text
    if hasattr(value, "_repr_html_"):
        parser = _Tables()
        parser.feed(value._repr_html_())
        assert parser.open == []
        assert parser.tables >= 1


@given(histories, when, when, st.text(max_size=300))
def test_every_result_shows_itself_in_one_short_line_and_a_table(schedule, at, other, noise):
    """Answers, hits, spells, histories, changes, the log, its reading, the facts, registries.

    Keys and values of any length (``noise`` is put in a key) still give short reprs.
    """
    log = play(schedule, registry=registry)
    facts = Facts(log)
    facts.catch_up()
    answer = facts.at(at)
    for value in (
        answer,
        log,
        log.read(),
        log.read(known=at, types=["test.facts.started"]),
        facts,
    ):
        _shown(value)
    _shown(registry)
    for hit in answer:
        _shown(hit)
        _shown(hit.spell)
    for key in facts.keys():
        _shown(facts.history(key))
    for change in facts.changes(min(at, other), max(at, other)):
        _shown(change)
    for record in log.read():
        _shown(record)
    named = Registry()
    event(f"reprs.{'x' * 200}", registry=named)(type("Noted", (), {"__annotations__": {}}))
    _shown(named)
    _shown(Log(registry=named))
    assert "1 hits" not in repr(answer)
    asked = repr(log.read(2, types=["test.facts.started"]))
    assert asked.startswith("<Reading <Log of ")
    assert "from position 2 of test.facts.started" in asked
    long = Spell(noise, Moment.parse("2024-01"), End.OPEN, {"target": noise})
    for value in (long, Hit(long, Answer.MAYBE), History((long,))):
        _shown(value)
