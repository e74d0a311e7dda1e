"""Writing designations back as FollowTheMoney entities: what an import kept, as it came.

A designation imported from FtM carries every value of its sanction and
target (``properties``): those are written back, with its start and end
dates from its records' valid times, and what happened in the log since
(a lift, an amendment) over them. A designation written by hand is written
from its fields, a sanction per spell.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from ._codec import canonical_json
from ._ftm_read import SCHEMATA
from .facts import Spell
from .sanctions import Designated, DesignationAmended, SanctionsInForce
from .time import DateSet, End, Interval, Moment, in_datetime_range, utc_datetime

if TYPE_CHECKING:
    from followthemoney import Model

    from ._log import Log
    from ._records import Record

__all__ = ["entities_of"]

# FtM has no schema for a country: one is exported as a legal entity of that country.
_COUNTRY_AS: Final = "LegalEntity"
# Ids of targets written by hand: uuid5 in this namespace of their kind and name.
_NAMESPACE: Final = uuid.UUID("5b0f0c1e-8a43-4f0e-9a53-6674746d2f66")
# The start of a sanction without dates (see timeline.ftm).
_UNDATED: Final = "XXXX"
# How a partial listingDate was kept in a record's note before version 3 of Designated.
_LISTED: Final = re.compile(r"listingDate (\S+)")
_FTM_DATE: Final = re.compile(r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d)?)?)?)?")


def entities_of(
    model: Model, log: Log, *, known: dt.datetime | dt.date | str | None
) -> Iterator[dict[str, Any]]:
    """The targets as they come, then the sanctions (a sanction on several entities once)."""
    facts = SanctionsInForce(log)
    targets: set[str] = set()
    sanctions: dict[str, dict[str, Any]] = {}
    for key in facts.keys():  # noqa: SIM118 -- the keys of the facts, not of a dict
        by_fact: dict[str, list[Spell]] = {}
        for spell in facts.history(key, known=known):
            if spell.fact is not None:
                by_fact.setdefault(spell.fact, []).append(spell)
        for fact, spells in by_fact.items():
            listed = [r for s in spells for r in s.records if isinstance(r.event, Designated)]
            if not listed:
                continue
            latest = max(listed, key=lambda record: record.position)
            target = _target_entity(model, latest)
            if target["id"] not in targets:
                targets.add(target["id"])
                yield target
            if latest.event.properties:
                _merge(sanctions, _carried(model, fact, spells, listed, latest, target["id"]))
                continue
            counts = 0
            for spell in spells:
                if not any(isinstance(r.event, Designated) for r in spell.records):
                    continue
                counts += 1
                sanction_id = fact if counts == 1 else f"{fact}-{counts}"
                sanctions[sanction_id] = _sanction_entity(
                    model, sanction_id, target["id"], spell, latest
                )
    yield from sanctions.values()


def _merge(sanctions: dict[str, dict[str, Any]], sanction: dict[str, Any]) -> None:
    """One sanction on several entities, written once: the values of each, together."""
    held = sanctions.get(sanction["id"])
    if held is None:
        sanctions[sanction["id"]] = sanction
        return
    for name, values in sanction["properties"].items():
        held["properties"][name] = sorted({*held["properties"].get(name, ()), *values})


def _split(properties: frozenset[tuple[str, str]]) -> tuple[dict[str, set[str]], dict[str, Any]]:
    """Carried pairs as FtM properties, and the entity's own fields (``@datasets`` ...)."""
    values: dict[str, set[str]] = {}
    meta: dict[str, Any] = {}
    for name, value in properties:
        if name.startswith("@"):
            meta.setdefault(name[1:], []).append(value)
        else:
            values.setdefault(name, set()).add(value)
    return values, meta


def _entity(
    model: Model, schema: str, entity_id: str, values: dict[str, set[str]], meta: dict[str, Any]
) -> dict[str, Any]:
    """An FtM entity's dict, as ``followthemoney`` writes it, with the fields it came with."""
    entity = model.get_proxy(
        {
            "id": entity_id,
            "schema": schema,
            "properties": {name: sorted(found) for name, found in sorted(values.items()) if found},
        }
    ).to_dict()
    for name in ("datasets", "referents"):
        if name in meta:
            entity[name] = sorted(meta[name])
    for name in ("caption", "first_seen"):
        if name in meta:
            entity[name] = meta[name][0]
    if "target" in meta:
        entity["target"] = meta["target"][0] == "true"
    return dict(entity)


def _carried(  # noqa: PLR0917 -- the designation's parts, as the caller holds them
    model: Model,
    fact: str,
    spells: list[Spell],
    listed: list[Record],
    latest: Record,
    entity_id: str,
) -> dict[str, Any]:
    """A sanction an import kept: its values, dates from its records, the log's changes on top."""
    event: Designated = latest.event
    values, meta = _split(event.properties)
    values.pop("startDate", None)
    values.pop("endDate", None)
    for record in listed:
        valid = record.valid
        start, end = (valid.start, valid.end) if isinstance(valid, Interval) else (valid, End.OPEN)
        values.setdefault("startDate", set()).update(_date(start, last=False))
        values.setdefault("endDate", set()).update(_date(end, last=True))
    for spell in spells:
        if not any(isinstance(r.event, Designated) for r in spell.records[-1:]):
            values.setdefault("endDate", set()).update(_date(spell.end, last=True))
        if any(isinstance(r.event, DesignationAmended) for r in spell.records):
            values["reason"] = (
                {spell.attributes["reason"]} if "reason" in spell.attributes else set()
            )
            values["provisions"] = set(spell.attributes.get("provisions", ()))
    named = values.get("entity", set())
    sanction_id = fact.removesuffix(f"/{entity_id}") if len(named) > 1 else fact
    return _entity(model, "Sanction", sanction_id, values, meta)


def _target_entity(model: Model, listed: Record) -> dict[str, Any]:
    target = listed.event.target
    entity_id = listed.subject or str(
        uuid.uuid5(_NAMESPACE, canonical_json([target.kind.value, target.name]))
    )
    if target.properties:
        values, meta = _split(target.properties)
        schema = meta.pop("schema", [SCHEMATA.get(target.kind, _COUNTRY_AS)])[0]
        return _entity(model, schema, entity_id, values, meta)
    values = {"name": {target.name}, "alias": set(target.aliases)}
    if target.country is not None:
        values["country"] = {target.country}
    return _entity(model, SCHEMATA.get(target.kind, _COUNTRY_AS), entity_id, values, {})


def _sanction_entity(
    model: Model, sanction_id: str, entity_id: str, spell: Spell, listed: Record
) -> dict[str, Any]:
    """A sanction written by hand, from its fields: one per spell."""
    attributes = spell.attributes
    event: Designated = listed.event
    values: dict[str, set[str]] = {
        "entity": {entity_id},
        "authority": {attributes.get("authority", event.authority)},
        "provisions": set(attributes.get("provisions", ())),
        "startDate": set(_date(spell.start, last=False)),
        "endDate": set(_date(spell.end, last=True)),
    }
    for name, value in (
        ("program", attributes.get("program")),
        ("programId", event.program_id),
        ("reason", attributes.get("reason")),
        ("sourceUrl", listed.provenance.url),
        ("publisher", listed.provenance.source),
    ):
        if value is not None:
            values[name] = {value}
    if event.listing_date is not None:
        values["listingDate"] = {event.listing_date.isoformat()}
    else:
        partial = _LISTED.search(listed.provenance.note or "")
        if partial:
            values["listingDate"] = {partial[1]}
    return _entity(model, "Sanction", sanction_id, values, {})


def _date(end: Moment | DateSet | End, *, last: bool) -> list[str]:
    """A start or end as FtM dates: its EDTF where FtM reads it, else its first (last) day."""
    if isinstance(end, End):
        return []
    if isinstance(end, DateSet) and not end.every and len(end.members) > 1:
        return [
            found
            for member in end.members
            if isinstance(member, Moment)
            for found in _date(member, last=last)
        ]
    text = str(end)
    if text == _UNDATED:
        return []
    if _FTM_DATE.fullmatch(text):
        return [text]
    bounds = end.bounds()
    instant = bounds.high - 1 if last else bounds.low
    if not in_datetime_range(instant):
        return []
    return [utc_datetime(instant).date().isoformat()]
