"""The public API as a user calls it; mypy --strict checks this file (it is not run by pytest)."""

from __future__ import annotations

import datetime as dt
from typing import assert_type

import pendulum

import timeline
from timeline import Answer, Log, ManualClock, Moment, Provenance, Record, Registry, event
from timeline.stores import MemoryStore
from timeline.typing import Clock, Store

registry = Registry()


@event("typing.designated", version=1, registry=registry)
class Designated:
    target: str
    aliases: tuple[str, ...] = ()


designated = Designated(target="Rusoboronexport")  # keyword-only, frozen
name: str = designated.target

clock: Clock = ManualClock("2024-01-12T00:00:00Z")
store: Store = MemoryStore()
log = Log(store, clock=clock, registry=registry)
record: Record = log.append(
    designated,
    valid=("2024-01-11", None),
    subject="rusoboronexport",
    provenance=Provenance(source="US State Department"),
    expected_position=0,
)
records: tuple[Record, ...] = log.extend(
    [log.entry(designated, valid=dt.date(2024, 1, 11))], known=pendulum.now("UTC")
)
answer: Answer = timeline.valid_time("2006/..").contains("2024-01-15")
certain: bool = answer.certain
moment: Moment = Moment.parse("2023-09", phrase="In September")
last: int = log.last_position


# Projections, views and temporal facts, as a user writes them.
class Count(timeline.Projection[int]):
    state_type = int

    def initial(self) -> int:
        return 0

    @timeline.on(Designated)
    def designated(self, state: int, record: Record) -> int:
        return state + 1


count: int = timeline.project(Count(), log, valid=dt.date(2024, 2, 1), known="2024-01-13")
view = timeline.View(Count(), log)
current: int = view.catch_up()


class Facts(timeline.TemporalFacts):
    @timeline.starts(Designated)
    def started(self, record: Record) -> timeline.Change:
        return timeline.Change(record.event.target, {"aliases": record.event.aliases})


facts = Facts(log)
facts.catch_up()
hits: timeline.InForce = facts.at("2024-02-01", known=pendulum.now("UTC"))
answers: list[Answer] = [hit.answer for hit in hits]
retraction: Record = log.retract(record, reason="mistake")


# Records are generic in their event type: reading by type narrows it.
for typed in log.read(types=[Designated]):
    assert_type(typed, Record[Designated])
    target_name: str = typed.event.target
appended = log.append(Designated(target="224th Flight Unit"), valid="2024-01-11")
assert_type(appended, Record[Designated])
any_record: Record = log[-1]  # a bare Record is Record[Any]
some: list[Record] = log[1:3]

# timeline.words: a phrase to a valid time, with the rule that derived it.
from timeline.words import Alternative, Resolution, Rule, UnresolvableWordsError, resolve  # noqa: E402

found = resolve("late November", published="2024-01-12", language="en")
assert_type(found, Resolution)
assert_type(found.edtf, str)
assert_type(found.value, Moment | timeline.Interval | timeline.DateSet)
assert_type(found.rule, Rule)
others: tuple[Alternative, ...] = found.rule.alternatives
chosen = resolve("since 2006", published=dt.date(2024, 1, 12), reading="since-to-publication+year")
noted: Rule | None = Provenance(source="Al Jazeera", rule=found.rule).rule
explained: str = found.rule.explain()
problem: type[ValueError] = UnresolvableWordsError
