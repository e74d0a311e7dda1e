"""Why an answer is what it is: explanations that reproduce their answers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_facts import Facts, _known_times, histories, registry
from test_questions import questions
from timeline import Answer, Log, ManualClock, TimelineError, load_jsonl, seed_path
from timeline.facts import Hit
from timeline.sanctions import SanctionsInForce
from timeline.testing import play


@given(histories, questions(), st.data())
def test_an_explanation_reproduces_its_answer_at_every_precision(schedule, asked, data):
    """Each hit's why() names bounds that give its answer again, and says what made it maybe.

    For every key, facts.why(key, V, known=T) gives the answer the index gives, by the same
    bounds; a key with no hit is explained too (no).
    """
    log = play(schedule, registry=registry)
    facts = Facts(log)
    known = data.draw(st.sampled_from([None, *_known_times(log)]), label="known")
    answer = facts.at(asked, known=known)
    for hit in answer:
        why = hit.why()
        assert (why.answer, why.spell, why.key) == (hit.answer, hit.spell, hit.key)
        assert why.rederive() is hit.answer
        uncertain = [reason for reason in why.reasons if "may fall" in reason or "period" in reason]
        assert bool(uncertain) is (hit.answer is Answer.MAYBE)
        assert json.loads(json.dumps(why.to_json()))["answer"] == hit.answer.value
    for key in facts.keys():
        why = facts.why(key, asked, known=known)
        assert why.answer is answer.answer(key)
        assert answer.why(key).answer is why.answer
        if why.spell is not None:
            assert why.rederive() is why.answer
            assert why.spell in facts.history(key, known=known)
        assert str(why).startswith(f"{why.answer.value}: {key} at ")


def test_the_seed_explained():
    """The seed's questions, explained: a year that makes a day maybe, a source, a retraction."""
    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
    load_jsonl(seed_path(), log)
    sanctions = SanctionsInForce(log)
    embargo = "UN Security Council / arms embargo / North Korea"
    why = sanctions.in_force("2006-06-01").why(embargo)
    assert why.answer is Answer.MAYBE
    assert why.start is not None
    assert (why.start.edtf, why.start.precision, why.start.record.position) == ("2006", "year", 3)
    assert why.start.to_json()["source"] == "Al Jazeera"
    assert "may fall after the start of 2006-06-01" in str(why)
    assert "no end is known" in str(why)
    entity = "United States / - / unnamed Russian entity 3 of 3"
    log.retract(13, reason="not designated", known="2024-02-01T00:00:00Z")
    before = sanctions.why(entity, "2024-01-15", known="2024-01-20")
    assert before.answer is Answer.YES
    after = sanctions.why(entity, "2024-01-15")
    assert after.answer is Answer.NO
    assert [fix.position for fix in after.fixes] == [15]
    assert "retracted or corrected" in str(after)
    zoned = sanctions.why(entity, "2024-01-11T12:00:00Z", known="2024-01-20")
    assert zoned.zones is not None
    assert "every offset" in str(zoned)
    with pytest.raises(TimelineError, match="without a question"):
        Hit(before.spell, Answer.YES).why()  # type: ignore[arg-type]


def test_the_command_explains_and_its_json_keeps_the_shipped_schema(tmp_path, capsys):
    """The command explains: a sentence and the bounds, JSON valid against its schema.

    ``at --why`` adds each row's sentence, the rows still valid hits.
    """
    from test_cli import _validator  # noqa: PLC0415 -- the shipped schemas, resolved
    from timeline._cli import main  # noqa: PLC0415

    store = tmp_path / "s.sqlite"
    assert main(["--store", str(store), "load", str(seed_path())]) == 0
    capsys.readouterr()
    embargo = "UN Security Council / arms embargo / North Korea"
    assert main(["--store", str(store), "why", embargo, "2006-06-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"maybe: {embargo} at 2006-06-01: its start, 2006")
    assert "start  2006 (year, record #3) -- Al Jazeera" in out
    for args in ([embargo, "2006-06-01"], [embargo, "2030"], ["nobody", "2024", "--known", "2024"]):
        assert main(["--store", str(store), "--json", "why", *args]) == 0
        _validator("why.schema.json").validate(json.loads(capsys.readouterr().out))
    assert main(["--store", str(store), "--json", "at", "2006-06-01", "--why"]) == 0
    (hit,) = json.loads(capsys.readouterr().out)["in_force"]
    _validator("hit.schema.json").validate(hit)
    assert hit["why"].startswith("maybe: UN Security Council")
