"""One name per idea: every public signature and every option of the command, walked."""

from __future__ import annotations

import argparse
import importlib
import inspect
import warnings

import pytest

from timeline._cli._arguments import _parser
from timeline._renamed import RENAMED

#: Each idea's one name, and the spellings it must not have anywhere public.
IDEAS: dict[str, set[str]] = {
    "known": {"known_at", "as_of", "asof", "known_time", "system_time", "as_known"},
    "tz": {"zone", "timezone", "time_zone", "tzinfo"},
    "valid": {"valid_at", "valid_time", "when"},
}
#: Data classes whose field is the record's own known time (``record.known_at``, as stored
#: and as source files write it): an attribute, not an argument asking "as known at".
FIELDS = {"Entry", "Head", "Record", "StoredRecord"}
MODULES = ("timeline", "timeline.tables", "timeline.ftm", "timeline.sanctions", "timeline.words",
           "timeline.stores", "timeline.plot", "timeline.testing", "timeline.facts")  # fmt: skip


def _public_callables():
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # pragma: no cover -- an extra not installed
            continue
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value):
                for member, function in inspect.getmembers(value, callable):
                    if member == "__init__" and name in FIELDS:
                        continue
                    if not member.startswith("_") or member == "__init__":
                        yield f"{module_name}.{name}.{member}", function
            elif callable(value):
                yield f"{module_name}.{name}", value


def test_every_public_signature_spells_each_idea_one_way():
    """No public function or method takes a second spelling of known, tz or valid."""
    found = []
    for where, function in _public_callables():
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            continue
        for name in parameters:
            found.extend(f"{where}({name}=): say {idea}=" for idea, others in IDEAS.items()
                         if name in others)  # fmt: skip
    assert found == []


def test_every_option_of_the_command_spells_each_idea_one_way():
    """No documented option of any command is a second spelling; old ones are hidden."""
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for command, sub in commands.choices.items():
        for action in sub._actions:
            for option in action.option_strings:
                name = option.lstrip("-").replace("-", "_")
                for idea, others in IDEAS.items():
                    if name in others and action.help != argparse.SUPPRESS:
                        found.append(f"{command} {option}: say --{idea}")
    assert found == []


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_an_old_spelling_still_works_for_a_release_and_says_so(old, tmp_path):
    """``known_at=`` is taken as ``known=`` with a DeprecationWarning naming the new name."""
    from timeline import Log, ManualClock  # noqa: PLC0415
    from timeline.events import Statement  # noqa: PLC0415

    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
    said = Statement(speaker="x", text="y")
    with pytest.warns(DeprecationWarning, match=rf"{old}=\.\.\.\) is now .*\({RENAMED[old]}="):
        log.append(said, valid="2024", **{old: "2024-01-13T00:00:00Z"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [r.position for r in log.read(known="2024-01-13")] == [1]
    with pytest.warns(DeprecationWarning, match="read"):
        assert [r.position for r in log.read(**{old: "2024-01-12"})] == []
    with pytest.raises(TypeError, match="not known_at= as well"):
        log.read(known="2024", **{old: "2024"})
    del tmp_path


def test_every_known_option_reads_known_times_by_one_rule(tmp_path, capsys):
    """--known on every command reads known times by one rule.

    A day, month or year, or an instant with its zone; a zone-less date-time is refused
    in one line; import-ftm's old --known-at is still taken, with a note.
    """
    pytest.importorskip("followthemoney", reason="the ftm extra is not installed")
    from timeline import seed_path  # noqa: PLC0415
    from timeline._cli import main  # noqa: PLC0415

    store, ftm = tmp_path / "s.sqlite", tmp_path / "s.ftm.json"
    assert main(["--store", str(store), "load", str(seed_path())]) == 0
    assert main(["--store", str(store), "export-ftm", str(ftm)]) == 0
    capsys.readouterr()
    for known in (
        "2024-01-13",
        "2024-01",
        "2024",
        "2024-01-13T00:00:00Z",
        "2024-01-13T09:00+09:00",
    ):
        for command in (
            ["at", "2024-01-15"],
            ["log"],
            ["history", "x"],
            ["changes", "2024", "2025"],
        ):
            assert main(["--store", str(store), *command, "--known", known]) == 0, (command, known)
    capsys.readouterr()
    assert main(["--store", str(store), "at", "2024", "--known", "2024-01-13T00:00:00"]) == 1
    assert "write an instant with its zone" in capsys.readouterr().err
    other = tmp_path / "o.sqlite"
    assert main(["--store", str(other), "import-ftm", str(ftm), "--known-at", "2024-06-01"]) == 0
    assert "--known-at is now --known" in capsys.readouterr().err
    again = ["--store", str(other), "import-ftm", str(ftm)]
    assert main([*again, "--known", "2024-06-02", "--known-at", "2024-06-02"]) == 1
    assert "give one of them" in capsys.readouterr().err


def test_same_named_methods_return_the_same_kind():
    """A view and the facts: catch_up a count, follow positions, save_snapshot whether written."""
    from timeline import Log, ManualClock, Projection, View, load_jsonl, on, seed_path  # noqa: PLC0415
    from timeline.sanctions import Designated, SanctionsInForce  # noqa: PLC0415

    class Designations(Projection[int]):
        state_type = int

        def initial(self) -> int:
            return 0

        @on(Designated)
        def designated(self, state: int, record: object) -> int:
            return state + 1

    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
    load_jsonl(seed_path(), log)
    view, facts = View(Designations(), log), SanctionsInForce(log)
    assert view.catch_up() == facts.catch_up() == 14
    assert view.catch_up() == facts.catch_up() == 0
    assert next(view.follow(idle=0)) == next(facts.follow(idle=0)) == 14
    assert view.state == 4
    assert view.save_snapshot() is True
    assert facts.save_snapshot() is True
