"""FollowTheMoney: sanctions data as OpenSanctions publishes it, in and out (the ``ftm`` extra).

:func:`import_ftm` reads FollowTheMoney entities -- JSON lines, as
OpenSanctions exports them -- and appends a
:class:`~timeline.sanctions.Designated` for each ``Sanction`` on its target:

* ``startDate``/``endDate`` are the record's valid time, FtM's partial dates
  (``2023``, ``2023-05``) kept as imprecise time; no ``startDate`` is an
  unknown start, no ``endDate`` an open end;
* ``authority`` (else ``publisher``), ``program``, ``programId``, ``reason``
  (several joined with "; "), ``provisions`` and a full ``listingDate`` map to
  the fields of the same names; ``sourceUrl`` and ``publisher`` are the
  record's provenance, and the authority its speaker;
* the target is the ``entity`` the sanction names, one of ``Person``,
  ``Company``, ``Organization``, ``LegalEntity``, ``Vessel`` or ``Airplane``
  (or a schema that extends one, read as that one): its first ``name`` is the
  target's name, its other names and ``alias`` its aliases, its first
  ``country`` its country;
* the sanction's id is the designation's ``designation``, and the target's id
  the record's subject.

Each record's id is derived from the sanction's id and what was mapped, so
importing the same export again adds nothing, and a newer export appends only
what changed: a sanction seen before with other values is a correction of the
record that had it (queries as known before the import still see the old
values). The whole export is one batch: any error, and nothing is written.

:func:`export_ftm` writes designations back as FtM entities (a ``Sanction``
per spell, and its target), which the ``followthemoney`` package validates.
What FtM cannot say is described in :doc:`/how-to/ftm`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._codec import Codec, canonical_json
from ._corrections import Corrected, Retracted
from ._errors import InvalidValidTimeError, MissingExtraError, TimelineError
from ._events import default_registry
from ._facts import Spell
from ._projection import visible
from ._records import Entry, Provenance, Record
from .sanctions import Designated, SanctionsInForce, Target, TargetKind
from .time import DateSet, End, Moment, in_datetime_range, utc_datetime, valid_time

if TYPE_CHECKING:
    from followthemoney import EntityProxy, Model

    from ._log import Log

__all__ = ["SCHEMATA", "FtMError", "Imported", "export_ftm", "import_ftm"]

#: The FtM schema of each kind of target, both ways. A schema that extends one
#: of these (``PublicBody`` extends ``Organization``) is read as that one.
SCHEMATA: Final[Mapping[TargetKind, str]] = {
    TargetKind.PERSON: "Person",
    TargetKind.COMPANY: "Company",
    TargetKind.ORGANIZATION: "Organization",
    TargetKind.ENTITY: "LegalEntity",
    TargetKind.VESSEL: "Vessel",
    TargetKind.AIRCRAFT: "Airplane",
}
# FtM has no schema for a country: one is exported as a legal entity of that country.
_COUNTRY_AS: Final = "LegalEntity"
# The most specific first: a Company is an Organization is a LegalEntity.
_READ_ORDER: Final = (
    TargetKind.COMPANY,
    TargetKind.ORGANIZATION,
    TargetKind.PERSON,
    TargetKind.ENTITY,
    TargetKind.VESSEL,
    TargetKind.AIRCRAFT,
)
# Record ids of imported sanctions: uuid5 in this namespace of the sanction id and its values.
_NAMESPACE: Final = uuid.UUID("5b0f0c1e-8a43-4f0e-9a53-6674746d2f66")
_FULL_DATE: Final = re.compile(r"\d{4}-\d\d-\d\d")
_CODEC: Final = Codec(default_registry)
# The start of a sanction without dates: an unspecified year (EDTF).
_UNDATED: Final = "XXXX"
# How a partial listingDate, which no date holds, is kept in the record's note.
_LISTED: Final = re.compile(r"listingDate (\S+)")


class FtMError(TimelineError, ValueError):
    """FollowTheMoney data cannot be imported: the message says which line and entity, and why.

    Nothing of the import was written.
    """


@attrs.frozen
class Imported:
    """What :func:`import_ftm` did.

    Attributes:
        records: The records appended (designations, corrections and their markers).
        new: Sanctions not seen before, appended as designations.
        corrected: Sanctions seen before with other values, appended as corrections.
        unchanged: Sanctions already in the log as they are: nothing appended.
        ignored: Entities that are neither a sanction nor a sanction's target.
    """

    records: tuple[Record, ...]
    new: int
    corrected: int
    unchanged: int
    ignored: int


def import_ftm(
    source: Path | str | Iterable[str | Mapping[str, Any]],
    log: Log,
    *,
    known_at: dt.datetime | str | None = None,
) -> Imported:
    """Import the sanctions among FollowTheMoney entities into ``log`` (see the module).

    Args:
        source: A JSON-lines file of entities (a path), or the lines, or the
            entities as dicts (``EntityProxy.to_dict()``).
        log: The log to append to.
        known_at: When the export was made (its date), as the known time of
            what is appended; the log's clock by default.

    Raises:
        FtMError: A line is no JSON or no FtM entity, a schema is unknown to
            FtM or not a target timeline maps, a sanction names no entity or
            one the export does not hold, has no authority, is in the export
            twice with different values, or has dates FtM's own rules let
            through but no valid time reads.
        MissingExtraError: ``followthemoney`` is not installed (the ``ftm`` extra).
        KnownTimeError: ``known_at`` is earlier than the log's last known time.
    """
    model = _model()
    sanctions, things, ignored = _read(source, model)
    entries: list[tuple[str, Entry]] = []
    first: dict[str, tuple[str, Entry]] = {}  # each designation: where it was, what it said
    for where, sanction in sanctions:
        for designation, entry in _designations(where, sanction, things):
            seen_at = first.setdefault(designation, (where, entry))
            if seen_at[1] is entry:
                entries.append((designation, entry))
            elif seen_at[1].id != entry.id:
                raise FtMError(
                    f"{where}: sanction {sanction.id!r} is also at {seen_at[0]}, with other "
                    "values: an export holds each sanction once"
                )
            # else: the same sanction twice, word for word: once is enough
    seen = log.store.find_ids([str(entry.id) for _, entry in entries])
    fresh = [(designation, entry) for designation, entry in entries if str(entry.id) not in seen]
    current = _current(log, {designation for designation, _ in fresh}) if fresh else {}
    batch: list[Entry] = []
    corrected = 0
    # As Log.correct does: a correction's marker is valid when it is recorded.
    when = log._fix_time(known_at)  # noqa: SLF001 -- the log's own rule for a fix's time
    for designation, entry in fresh:
        before = current.get(designation)
        batch.append(entry)
        if before is not None:
            corrected += 1
            marker = Corrected(record=before.id, replacement=_id(entry), reason="a newer export")
            batch.append(
                Entry(
                    event=marker,
                    valid=valid_time(when),
                    subject=before.subject,
                    provenance=entry.provenance,
                )
            )
    records = log.extend(batch, known_at=when) if batch else ()
    return Imported(
        records=records,
        new=len(fresh) - corrected,
        corrected=corrected,
        unchanged=len(entries) - len(fresh),
        ignored=ignored,
    )


def export_ftm(log: Log, *, known: dt.datetime | str | None = None) -> list[dict[str, Any]]:
    """Return the designations in ``log`` as FollowTheMoney entities (dicts), as known at ``known``.

    A ``Sanction`` for each spell of a designation -- its id the designation's
    (with ``-2``, ``-3`` for later spells of one designation), its dates the
    spell's start and end -- and, once, the entity of each target, its id the
    records' subject (or one derived from its name and kind). Embargoes are
    left out: FtM has no sanction on a country without an entity.

    Raises:
        MissingExtraError: ``followthemoney`` is not installed (the ``ftm`` extra).
    """
    model = _model()
    facts = SanctionsInForce(log)
    out: dict[str, dict[str, Any]] = {}
    for key in facts.keys():  # noqa: SIM118 -- the keys of the facts, not of a dict
        spells = [spell for spell in facts.history(key, known=known) if spell.fact is not None]
        counts: dict[str, int] = {}
        for spell in spells:
            listed = next((r for r in spell.records if isinstance(r.event, Designated)), None)
            if listed is None:
                continue
            assert spell.fact is not None  # noqa: S101 -- kept above
            counts[spell.fact] = counts.get(spell.fact, 0) + 1
            ordinal = counts[spell.fact]
            sanction_id = spell.fact if ordinal == 1 else f"{spell.fact}-{ordinal}"
            entity = _target_entity(model, listed)
            out.setdefault(entity["id"], entity)
            sanction = _sanction_entity(model, sanction_id, entity["id"], spell, listed)
            out[sanction["id"]] = sanction
    return list(out.values())


# -- reading ------------------------------------------------------------------------------


def _model() -> Model:
    try:
        from followthemoney import model  # noqa: PLC0415 -- an optional extra, imported when used
    except ImportError:
        raise MissingExtraError(
            "followthemoney is not installed: pip install 'bitemporal-timeline[ftm]'"
        ) from None
    return model


def _lines(source: Path | str | Iterable[str | Mapping[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Each entity with where it is: ``"<file> line <n>"``, or ``"entity <n>"``."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, 1):
                    if line.strip():
                        yield f"{path} line {number}", line
        except OSError as error:
            raise FtMError(f"{path}: cannot read it: {error.strerror}") from None
        return
    for number, item in enumerate(source, 1):
        yield f"entity {number}", item


def _read(
    source: Path | str | Iterable[str | Mapping[str, Any]],
    model: Model,
) -> tuple[list[tuple[str, EntityProxy]], dict[str, tuple[str, EntityProxy]], int]:
    """The sanctions (with where each is), every other entity by id, and how many those are."""
    from followthemoney.exc import InvalidData  # noqa: PLC0415 -- with the model

    sanctions: list[tuple[str, EntityProxy]] = []
    things: dict[str, tuple[str, EntityProxy]] = {}
    for where, item in _lines(source):
        try:
            data = json.loads(item) if isinstance(item, str) else dict(item)
        except (ValueError, TypeError) as error:
            raise FtMError(f"{where}: not a JSON object: {error}") from None
        if not isinstance(data, dict):
            raise FtMError(f"{where}: not a JSON object but {type(data).__name__}")
        if data.get("schema") is not None and model.get(data["schema"]) is None:
            raise FtMError(
                f"{where}: entity {data.get('id')!r}: schema {data['schema']!r} is not a "
                "FollowTheMoney schema"
            )
        try:
            proxy = model.get_proxy(data)
        except InvalidData as error:
            raise FtMError(f"{where}: not a FollowTheMoney entity: {error}") from None
        if not proxy.id:
            raise FtMError(f"{where}: a {proxy.schema.name} without an id")
        if proxy.schema.is_a("Sanction"):
            sanctions.append((where, proxy))
        else:
            things[proxy.id] = (where, proxy)
    targets = {entity for _, sanction in sanctions for entity in sanction.get("entity")}
    return sanctions, things, len(set(things) - targets)


def _designations(
    where: str,
    sanction: EntityProxy,
    things: Mapping[str, tuple[str, EntityProxy]],
) -> Iterator[tuple[str, Entry]]:
    """The designation entries of one sanction: one per entity it names."""
    named = sanction.get("entity")
    if not named:
        raise FtMError(f"{where}: sanction {sanction.id!r} names no entity")
    authority = sanction.first("authority") or sanction.first("publisher")
    if authority is None:
        raise FtMError(f"{where}: sanction {sanction.id!r} has no authority (nor publisher)")
    start, end = sanction.first("startDate"), sanction.first("endDate")
    if start is None and end is None:
        start = _UNDATED  # began in some year: maybe in force at any time, never surely
    valid = f"{start or ''}/{end or '..'}"
    try:
        read = valid_time(valid)
    except InvalidValidTimeError as error:
        raise FtMError(f"{where}: sanction {sanction.id!r}: dates {valid!r}: {error}") from None
    listing = sanction.first("listingDate")
    notes = [f"FollowTheMoney Sanction {sanction.id}"]
    if listing is not None and not _FULL_DATE.fullmatch(listing):
        notes.append(f"listingDate {listing}")  # partial: no date holds it (see _LISTED)
    for entity_id in named:
        found = things.get(entity_id)
        if found is None:
            raise FtMError(
                f"{where}: sanction {sanction.id!r} names entity {entity_id!r}, which the "
                "export does not hold"
            )
        target = _target(found, entity_id)
        designation = str(sanction.id) if len(named) == 1 else f"{sanction.id}/{entity_id}"
        event = Designated(
            target=target,
            authority=authority,
            program=sanction.first("program"),
            program_id=sanction.first("programId"),
            reason="; ".join(sanction.get("reason")) or None,
            provisions=tuple(sanction.get("provisions")),
            listing_date=(
                dt.date.fromisoformat(listing)
                if listing is not None and _FULL_DATE.fullmatch(listing)
                else None
            ),
            designation=designation,
        )
        provenance = Provenance(
            source=sanction.first("publisher"),
            url=sanction.first("sourceUrl"),
            speaker=authority,  # the list is the authority's word; the publisher relays it
            note="; ".join(notes),
        )
        yield (
            designation,
            Entry(
                event=event,
                valid=read,
                subject=entity_id,
                provenance=provenance,
                id=_content_id(designation, event, valid, provenance),
            ),
        )


def _target(found: tuple[str, EntityProxy], entity_id: str) -> Target:
    where, entity = found
    kind = next((k for k in _READ_ORDER if entity.schema.is_a(SCHEMATA[k])), None)
    if kind is None:
        raise FtMError(
            f"{where}: entity {entity_id!r} is a {entity.schema.name}: a sanction's target is "
            f"one of {', '.join(SCHEMATA.values())} (or a schema extending one)"
        )
    names = entity.get("name")
    if not names:
        raise FtMError(f"{where}: {entity.schema.name} {entity_id!r} has no name")
    aliases = [name for name in [*names[1:], *entity.get("alias")] if name != names[0]]
    return Target(
        name=names[0],
        kind=kind,
        aliases=tuple(dict.fromkeys(aliases)),
        country=entity.first("country"),
    )


def _content_id(
    designation: str, event: Designated, valid: str, provenance: Provenance
) -> uuid.UUID:
    """The record id of an imported sanction: the same values, the same id."""
    values = canonical_json(
        {
            "designation": designation,
            "event": _CODEC.encode_event(event),
            "valid": valid,
            # Without the rule field (imports have none): ids stay what they were before it.
            "provenance": attrs.asdict(provenance, filter=lambda field, _: field.name != "rule"),
        }
    )
    return uuid.uuid5(_NAMESPACE, hashlib.sha256(values.encode()).hexdigest())


def _id(entry: Entry) -> uuid.UUID:
    assert entry.id is not None  # noqa: S101 -- every imported entry has one
    return entry.id


def _current(log: Log, designations: set[str]) -> dict[str, Record]:
    """The record standing for each of ``designations`` now (the last, where several do)."""
    found: dict[str, Record] = {}
    for record in visible(log.read(types=[Designated, Corrected, Retracted])):
        event = record.event
        if isinstance(event, Designated) and event.designation in designations:
            found[event.designation] = record
    return found


# -- writing ------------------------------------------------------------------------------


def _target_entity(model: Model, listed: Record) -> dict[str, Any]:
    target = listed.event.target
    schema = SCHEMATA.get(target.kind, _COUNTRY_AS)
    entity = model.make_entity(schema)
    entity.id = listed.subject or str(
        uuid.uuid5(_NAMESPACE, canonical_json([target.kind.value, target.name]))
    )
    entity.add("name", target.name)
    entity.add("alias", list(target.aliases))
    if target.country is not None:
        entity.add("country", target.country)
    return dict(entity.to_dict())


def _sanction_entity(
    model: Model,
    sanction_id: str,
    entity_id: str,
    spell: Spell,
    listed: Record,
) -> dict[str, Any]:
    attributes = spell.attributes
    event: Designated = listed.event
    sanction = model.make_entity("Sanction")
    sanction.id = sanction_id
    sanction.add("entity", entity_id)
    sanction.add("authority", attributes.get("authority"))
    sanction.add("program", attributes.get("program"))
    sanction.add("programId", event.program_id)
    sanction.add("reason", attributes.get("reason"))
    sanction.add("provisions", list(attributes.get("provisions", ())))
    if event.listing_date is not None:
        sanction.add("listingDate", event.listing_date.isoformat())
    else:
        partial = _LISTED.search(listed.provenance.note or "")
        sanction.add("listingDate", partial[1] if partial else None)
    sanction.add("startDate", _ftm_date(spell.start, last=False))
    sanction.add("endDate", _ftm_date(spell.end, last=True))
    sanction.add("sourceUrl", listed.provenance.url)
    sanction.add("publisher", listed.provenance.source)
    return dict(sanction.to_dict())


def _ftm_date(end: Moment | DateSet | End, *, last: bool) -> str | None:
    """A spell's end as an FtM date: its EDTF where FtM reads it, else its first (last) day."""
    if isinstance(end, End):
        return None
    text = str(end)
    if text == _UNDATED:
        return None
    if re.fullmatch(r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d)?)?)?)?", text):
        return text
    bounds = end.bounds()
    instant = bounds.high - 1 if last else bounds.low
    if not in_datetime_range(instant):
        return None
    return utc_datetime(instant).date().isoformat()
