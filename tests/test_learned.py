"""What the log learned between two known times: the difference of two answers, cheaply."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_facts import Facts, _known_times, histories, registry
from test_questions import questions
from timeline import Answer, Log, ManualClock, TimelineError, load_jsonl, seed_path
from timeline.sanctions import SanctionsInForce
from timeline.testing import play


@given(histories, questions(), st.data())
def test_learned_is_the_difference_of_two_full_answers(schedule, asked, data):
    """Learned is the difference of two full answers.

    learned(T1, T2, valid=V) lists exactly the facts whose answer at V differs between T1
    and T2 (retractions and corrections included), each with before and after; over every
    V, exactly those whose spells differ.
    """
    log = play(schedule, registry=registry)
    facts = Facts(log)
    times = [None, *_known_times(log)]
    first = data.draw(st.sampled_from(times[1:] or [None]), label="T1")
    if first is None:
        return
    second = data.draw(st.sampled_from([t for t in times if t is None or t >= first]), label="T2")
    then, now = facts.at(asked, known=first), facts.at(asked, known=second)
    expected = {
        key: (then.answer(key), now.answer(key))
        for key in facts.keys()
        if then.answer(key) is not now.answer(key)
    }
    got = facts.learned(first, second, valid=asked)
    assert {item.key: (item.before, item.after) for item in got} == expected
    for item in got:
        assert item.records  # what made the difference is named
        assert all(first < record.known_at for record in item.records)
        assert second is None or all(record.known_at <= second for record in item.records)
    spells = {
        key
        for key in facts.keys()
        if facts.history(key, known=first) != facts.history(key, known=second)
    }
    assert {item.key for item in facts.learned(first, second)} == spells


def test_learned_on_the_seed_with_a_retraction():
    """From before the article to after it: five facts learned; then one retracted."""
    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
    load_jsonl(seed_path(), log)
    sanctions = SanctionsInForce(log)
    first = sanctions.learned("2024-01-10", "2024-01-20", valid="2024-01-15")
    assert [(item.before, item.after) for item in first] == [(Answer.NO, Answer.YES)] * 5
    log.retract(13, reason="not designated", known="2024-02-01T00:00:00Z")
    (later,) = sanctions.learned("2024-01-20", valid="2024-01-15")
    assert (later.key, later.before, later.after) == (
        "United States / - / unnamed Russian entity 3 of 3",
        Answer.YES,
        Answer.NO,
    )
    assert [record.position for record in later.records] == [15]
    assert later.to_row()["spells_before"] == ["2024-01-11/.."]
    assert sanctions.learned("2024-02-02", valid="2024-01-15") == []
    with pytest.raises(TimelineError, match="backwards"):
        sanctions.learned("2024-02-01", "2024-01-01")


def test_the_command_reports_what_was_learned_and_keeps_a_bookmark(tmp_path, capsys):
    """The command reports what was learned, and follows a bookmark.

    learned T1 T2 --at V; --since-last NAME reports what came since and moves on, also a
    retraction that shares the last known time; the JSON keeps its shipped schema.
    """
    from test_cli import _validator  # noqa: PLC0415 -- the shipped schemas, resolved
    from timeline._cli import main  # noqa: PLC0415

    store = tmp_path / "s.sqlite"
    assert main(["--store", str(store), "load", str(seed_path())]) == 0
    capsys.readouterr()
    assert (
        main(["--store", str(store), "--json", "learned", "2024-01-10", "--at", "2024-01-15"]) == 0
    )
    answer = json.loads(capsys.readouterr().out)
    _validator("learned.schema.json").validate(answer)
    assert [(row["before"], row["after"]) for row in answer["learned"]] == [("no", "yes")] * 5
    follow = [
        "--store",
        str(store),
        "--json",
        "learned",
        "--since-last",
        "screen",
        "--at",
        "2024-01-15",
    ]
    assert main(follow) == 0
    assert len(json.loads(capsys.readouterr().out)["learned"]) == 5
    assert main(follow) == 0
    assert json.loads(capsys.readouterr().out)["learned"] == []  # the bookmark moved
    log = Log(store)
    log.retract(13, known="2024-01-12T00:00:00Z")  # the same known time as the bookmark's
    log.store.close()
    assert main(follow) == 0
    (row,) = json.loads(capsys.readouterr().out)["learned"]
    assert (row["before"], row["after"], row["records"]) == ("yes", "no", [15])
    assert main(["--store", str(store), "verify"]) == 0  # the bookmark is a sealed snapshot
    assert main(["--store", str(store), "learned"]) == 1
    assert "give the first known time" in capsys.readouterr().err
