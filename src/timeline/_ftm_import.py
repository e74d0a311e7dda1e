"""One import of an FtM export into a log: entries made, compared and appended.

:class:`_Import` turns what :mod:`timeline._ftm_read` kept of each entity
into designations and listings, compares them with what the log already holds
from the same source, and appends what is new -- backfilled at
OpenSanctions' own known times where the log allows it.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Final

import attrs
import pendulum

from ._codec import parse_known_at
from ._corrections import Corrected, Retracted
from ._errors import InvalidValidTimeError, KnownTimeError, TimelineWarning
from ._ftm_read import SCHEMATA, FtMError, Kept, Reader, where_text
from ._projection import visible
from ._records import Entry, Provenance, Record
from .sanctions import Designated, Lifted, ListImported, Target
from .time import DateRange, DateSet, End, Interval, Moment, ValidTime, valid_time

if TYPE_CHECKING:
    from ._log import Log


# The start of a sanction without dates: an unspecified year (EDTF).
_UNDATED: Final = "XXXX"


# Record ids of imported sanctions: uuid5 in this namespace of what the record holds.
_NAMESPACE: Final = uuid.UUID("5b0f0c1e-8a43-4f0e-9a53-6674746d2f66")


# The mapping's version, in every record id: records mapped another way are another content.
_MAPPING: Final = 2


# The names a target is found by (the first name is its listed name).
_ALIASES: Final = ("alias", "weakAlias", "previousName", "abbreviation")


# How an end by absence is marked, so that a sanction listed again has it retracted.
_ABSENT: Final = "timeline.ftm: not in a newer export of its source"


class BackfillWarning(TimelineWarning):
    """An import could not use OpenSanctions' own times as known times: the log knew later ones.

    Those records are known from the export's date (or ``known_at``) instead;
    :attr:`Imported.fallback` counts them.
    """


@attrs.frozen
class Imported:
    """What :func:`import_ftm` did.

    Attributes:
        records: The records appended (designations, corrections, ends and their markers).
        new: Designations not seen before.
        corrected: Designations seen before with other values, appended as corrections.
        unchanged: Designations already in the log as they are.
        ended: Designations ended because a newer export of their source no longer
            lists them (or lists them as last seen before the export).
        restored: Designations listed again after such an end, which is retracted.
        ignored: Entities that are neither a sanction nor a sanction's target.
        conflicts: Per designation whose sanction gives several start (or end)
            dates: ``(designation, "start" or "end", the dates)``.
        sources: Each source (dataset; ``""`` for none) with the export's date for it.
        backfilled: Records known from OpenSanctions' own ``first_seen`` or
            ``last_change``, not from the export's date.
        fallback: Records whose own time was earlier than what the log already
            knew: known from the export's date instead (a :class:`BackfillWarning`).
    """

    records: tuple[Record, ...]
    new: int
    corrected: int
    unchanged: int
    ignored: int
    ended: int = 0
    restored: int = 0
    conflicts: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    sources: tuple[tuple[str, dt.datetime], ...] = ()
    backfilled: int = 0
    fallback: int = 0


def _designation_entries(
    sanction: Kept, targets: Callable[[str, Kept], tuple[Target, str]], reader: Reader
) -> Iterator[tuple[str, str, list[Entry], list[str]]]:
    """Per entity the sanction names: its designation, target id, entries, start and end dates."""
    where = where_text(sanction.where)
    named = sanction.properties.get("entity", ())
    if not named:
        raise FtMError(f"{where}: sanction {sanction.id!r} names no entity")
    authorities = sanction.properties.get("authority") or sanction.properties.get("publisher")
    if not authorities:
        raise FtMError(f"{where}: sanction {sanction.id!r} has no authority (nor publisher)")
    valids = _valid_times(sanction, where)
    listed = [day for day in sanction.properties.get("listingDate", ()) if _is_day(day)]
    carried = frozenset(sanction.pairs(meta=False, dates=False)) | frozenset(
        sanction.pairs(meta=True)
    )
    provenance = Provenance(
        source=sanction.first("publisher"),
        url=sanction.first("sourceUrl"),
        speaker=authorities[0],  # the list is the authority's word; the publisher relays it
        note=f"FollowTheMoney {sanction.schema.name} {sanction.id}",
    )
    digest = sanction.digest()
    for entity_id in named:
        found = reader.things.get(entity_id)
        if found is None:
            other = reader.others.get(entity_id)
            if other is not None:
                raise FtMError(
                    f"{where_text(other[1])}: entity {entity_id!r} is a {other[0]}: a "
                    f"sanction's target is one of {', '.join(SCHEMATA.values())} (or a schema "
                    "extending one)"
                )
            raise FtMError(
                f"{where}: sanction {sanction.id!r} names entity {entity_id!r}, which the "
                "export does not hold"
            )
        target, target_digest = targets(entity_id, found)
        designation = sanction.id if len(named) == 1 else f"{sanction.id}/{entity_id}"
        event = Designated(
            target=target,
            authority=authorities[0],
            program=sanction.first("program"),
            program_id=sanction.first("programId"),
            reason="; ".join(sanction.properties.get("reason", ())) or None,
            provisions=sanction.properties.get("provisions", ()),
            listing_date=dt.date.fromisoformat(min(listed)) if listed else None,
            designation=designation,
            properties=carried,
        )
        entries = [
            Entry(
                event=event,
                valid=valid,
                subject=entity_id,
                provenance=provenance,
                id=uuid.uuid5(
                    _NAMESPACE, f"{_MAPPING}|{designation}|{digest}|{target_digest}|{text}"
                ),
            )
            for text, valid in valids
        ]
        starts = list(sanction.properties.get("startDate", ()))
        ends = list(sanction.properties.get("endDate", ()))
        yield designation, entity_id, entries, [*starts, "|", *ends]


def _valid_times(sanction: Kept, where: str) -> list[tuple[str, ValidTime]]:
    """The valid times of a sanction's records: a start and an end each, every date in one.

    Dates are paired in order (the earliest start with the earliest end);
    those left over go with the latest end (the earliest start), and a start
    after every end stays open, its end left to the other records.
    """
    starts = _dates(sanction, "startDate", where)
    ends = _dates(sanction, "endDate", where)
    if not starts and not ends:
        return [(f"{_UNDATED}/..", valid_time(f"{_UNDATED}/.."))]
    found: dict[str, ValidTime] = {}
    for number in range(max(len(starts), len(ends))):
        start = starts[min(number, len(starts) - 1)] if starts else None
        chosen = None
        if ends:
            for end in (ends[min(number, len(ends) - 1)], ends[-1]):
                if start is None or start[1].bounds().low < end[1].bounds().high:
                    chosen = end
                    break
        text = f"{'' if start is None else start[0]}/{'..' if chosen is None else chosen[0]}"
        if text not in found:
            try:
                found[text] = _valid_time(text)
            except InvalidValidTimeError as error:
                raise FtMError(
                    f"{where}: sanction {sanction.id!r}: dates {text!r}: {error}"
                ) from None
    return list(found.items())


def _dates(sanction: Kept, name: str, where: str) -> list[tuple[str, Moment]]:
    read = []
    for text in sanction.properties.get(name, ()):
        try:
            moment = _valid_time(text)
        except InvalidValidTimeError as error:
            raise FtMError(f"{where}: sanction {sanction.id!r}: {name} {text!r}: {error}") from None
        if not isinstance(moment, Moment):
            raise FtMError(f"{where}: sanction {sanction.id!r}: {name} {text!r} is not a date")
        read.append((text, moment))
    return sorted(read, key=lambda item: (item[1].bounds().low, item[0]))


# Exports repeat their dates: each is read once (valid times are immutable values).
_valid_time = functools.lru_cache(maxsize=1 << 16)(valid_time)


def _is_day(text: str) -> bool:
    return len(text) == 10 and text[4] == text[7] == "-" and text.replace("-", "").isdigit()


class _Import:
    """One import: the export read whole, set against what the log holds, then one batch."""

    def __init__(
        self, log: Log, reader: Reader, explicit: pendulum.DateTime | None, named: str
    ) -> None:
        self.log = log
        self.reader = reader
        self.explicit = explicit
        self.named = named
        head = log.store.head()
        self.head = None if head is None else parse_known_at(head.known_at)
        self.now = log._fix_time(None)  # noqa: SLF001 -- the log's own clock, held past its head
        self.backfilled = 0
        self.fallback = 0
        self._targets: dict[str, tuple[Target, str]] = {}

    # -- the export -----------------------------------------------------------------------

    def _target(self, entity_id: str, kept: Kept) -> tuple[Target, str]:
        """The target of an entity, made once however many sanctions name it."""
        found = self._targets.get(entity_id)
        if found is None:
            kind = self.reader.kind(kept.schema)
            assert kind is not None  # noqa: S101 -- only possible targets are kept as things
            names = kept.properties.get("name", ())
            if not names:
                raise FtMError(
                    f"{where_text(kept.where)}: {kept.schema.name} {entity_id!r} has no name"
                )
            caption = kept.meta.get("caption")
            name = caption if caption in names else _pick_name(names)
            aliases = {*names, *(v for p in _ALIASES for v in kept.properties.get(p, ()))}
            aliases.discard(name)
            target = Target(
                name=name,
                kind=kind,
                aliases=tuple(sorted(aliases)),
                country=kept.first("country"),
                properties=frozenset(kept.pairs(meta=False)) | frozenset(kept.pairs(meta=True)),
            )
            found = self._targets[entity_id] = (target, kept.digest())
        return found

    def _sources(self) -> dict[str, pendulum.DateTime]:
        """Each source's export date: when it last saw its entities; else ``known_at``, else now."""
        seen: dict[str, dt.datetime | None] = {}
        for sanction in [*self.reader.sanctions.values(), *self.reader.things.values()]:
            last = sanction.meta.get("last_seen at")
            for source in sanction.meta.get("datasets") or ("",):
                if source not in seen or (
                    last is not None and (seen[source] is None or last > seen[source])
                ):
                    seen[source] = last
        otherwise = self.explicit or self.now
        return {
            source: otherwise if last is None else pendulum.instance(last).in_tz("UTC")
            for source, last in seen.items()
        }

    # -- the log --------------------------------------------------------------------------

    def _state(self) -> tuple[dict[str, list[Record]], dict[str, Record], dict[str, dt.datetime]]:
        """What the log holds now: each designation's records, ends by absence, last imports."""
        held: dict[str, list[Record]] = {}
        absent: dict[str, Record] = {}
        imported: dict[str, dt.datetime] = {}
        if self.head is None:
            return held, absent, imported
        kinds = [Designated, Lifted, ListImported, Corrected, Retracted]
        for record in visible(self.log.read(types=kinds)):
            event = record.event
            if isinstance(event, Designated) and event.designation is not None:
                held.setdefault(event.designation, []).append(record)
            elif isinstance(event, Lifted) and record.provenance.note == _ABSENT:
                absent[str(event.designation)] = record
            elif isinstance(event, ListImported):
                before = imported.get(event.source)
                if before is None or event.exported > before:
                    imported[event.source] = event.exported
        return held, absent, imported

    def _when(self, desired: dt.datetime | None, export: pendulum.DateTime) -> pendulum.DateTime:
        """A record's known time: its own if it has one the log allows, else the export's date."""
        if desired is not None:
            own = pendulum.instance(desired).in_tz("UTC")
            if own <= export:
                if self.head is None or own >= self.head:
                    self.backfilled += 1
                    return own
                self.fallback += 1
        if self.head is None or export >= self.head:
            return export
        if self.explicit is not None:
            raise KnownTimeError(
                f"known time {self.explicit.isoformat()} is earlier than the log's last record "
                f"({self.head.isoformat()}): known times never go backwards"
            )
        return self.now

    # -- the import -----------------------------------------------------------------------

    def run(self) -> Imported:  # noqa: C901, PLR0912, PLR0915 -- the import's steps, in order
        sources = self._sources()
        held, absent, imported = self._state()
        for source, exported in sorted(sources.items()):
            before = imported.get(source)
            if before is not None and exported < before:
                which = f" ({source})" if source else ""
                raise FtMError(
                    f"{self.named}: export of {_day_or_time(exported)} is older than the log's "
                    f"last import of this source{which}, {_day_or_time(before)}"
                )
        planned: list[tuple[pendulum.DateTime, str, Entry]] = []
        counts = {"new": 0, "corrected": 0, "unchanged": 0, "ended": 0, "restored": 0}
        conflicts: list[tuple[str, str, tuple[str, ...]]] = []
        listed: set[str] = set()
        for sanction_id in sorted(self.reader.sanctions):
            sanction = self.reader.sanctions[sanction_id]
            its = sanction.meta.get("datasets") or ("",)
            export = self.explicit or max(sources[source] for source in its)
            for designation, _, entries, dates in _designation_entries(
                sanction, self._target, self.reader
            ):
                listed.add(designation)
                starts, ends = dates[: dates.index("|")], dates[dates.index("|") + 1 :]
                conflicts.extend(
                    (designation, bound, tuple(values))
                    for bound, values in (("start", starts), ("end", ends))
                    if len(values) > 1
                )
                had = held.get(designation, [])
                same = {_content(r.event, r.valid, r.provenance) for r in had}
                if same == {_content(e.event, e.valid, e.provenance) for e in entries}:
                    counts["unchanged"] += 1
                elif not had:
                    counts["new"] += 1
                    when = self._when(sanction.meta.get("first_seen at"), export)
                    planned.extend((when, designation, entry) for entry in entries)
                else:
                    counts["corrected"] += 1
                    when = self._when(sanction.meta.get("last_change at"), export)
                    planned.extend((when, designation, fix) for fix in _replace(had, entries, when))
                    absent.pop(designation, None)  # replaced: its end by absence goes with it
                seen = sanction.meta.get("last_seen at")
                current = min(sources[source] for source in its)
                stale = seen is not None and seen < current  # not seen by its source's last run
                if designation in absent and not stale:
                    counts["restored"] += 1
                    gone = absent[designation]
                    again = Retracted(record=gone.id, reason="listed again")
                    when = self._when(None, export)
                    planned.append((when, designation, _fix(again, gone, when)))
                elif stale and designation not in absent and _open_ended(entries):
                    assert seen is not None  # noqa: S101 -- stale says so
                    counts["ended"] += 1
                    when = self._when(None, export)
                    end = _absence(entries[0].event, seen, current, entries[0])
                    planned.append((when, designation, end))
        covered = set(sources)
        for designation, records in sorted(held.items()):
            if designation in listed or designation in absent:
                continue
            event: Designated = records[-1].event
            its = {v for k, v in event.properties if k == "@datasets"} or {""}
            if not event.properties or not its <= covered or not _open_ended(records):
                continue
            export = self.explicit or max(sources[source] for source in its)
            last = max(
                [record.known_at for record in records]
                + [imported[s] for s in its if s in imported]
            )
            counts["ended"] += 1
            when = self._when(None, export)
            planned.append((when, designation, _absence(event, last, export, records[-1])))
        dated = {
            source
            for sanction in [*self.reader.sanctions.values(), *self.reader.things.values()]
            if "last_seen at" in sanction.meta
            for source in sanction.meta.get("datasets") or ("",)
        }
        for source, exported in sorted(sources.items()):
            if imported.get(source) == exported or not (
                planned or source in dated or self.explicit is not None
            ):
                continue  # nothing new of an export without a date: nothing to say
            number = sum(
                1
                for sanction in self.reader.sanctions.values()
                if source in (sanction.meta.get("datasets") or ("",))
            )
            when = self._when(None, self.explicit or exported)
            marker = ListImported(source=source, exported=_utc(exported), sanctions=number)
            where = Provenance(source=source or None, note=self.named)
            # After the designations known at the same time: the export read whole.
            name = f"{_MAPPING}|list|{source}|{_day_or_time(exported)}"
            marked = Entry(
                marker, valid_time(exported), provenance=where, id=uuid.uuid5(_NAMESPACE, name)
            )
            planned.append((when, "\uffff", marked))
        if self.fallback:
            warnings.warn(
                f"{self.fallback} records could not be known from OpenSanctions' own times "
                "(first_seen, last_change): the log already knows things up to "
                f"{self.head.isoformat() if self.head else '-'}; they are known from the "
                "export's date instead",
                BackfillWarning,
                stacklevel=3,
            )
        planned.sort(key=lambda item: (item[0], item[1]))  # stable: an entry's markers follow it
        batch = [attrs.evolve(entry, known_at=when) for when, _, entry in planned]
        appended = self.log.extend(batch) if batch else ()
        return Imported(
            records=appended,
            new=counts["new"],
            corrected=counts["corrected"],
            unchanged=counts["unchanged"],
            ignored=self._ignored(),
            ended=counts["ended"],
            restored=counts["restored"],
            conflicts=tuple(conflicts),
            sources=tuple(sorted(sources.items())),
            backfilled=self.backfilled,
            fallback=self.fallback,
        )

    def _ignored(self) -> int:
        named = {
            entity
            for sanction in self.reader.sanctions.values()
            for entity in sanction.properties.get("entity", ())
        }
        return len(set(self.reader.things) - named) + len(set(self.reader.others) - named)


def _content(event: object, valid: ValidTime, provenance: Provenance) -> tuple[object, ...]:
    return (str(valid), event, provenance)


def _open_ended(records: Iterable[Record | Entry]) -> bool:
    """Whether no record of a designation gives it an end (an end by absence would widen it)."""
    for record in records:
        valid = record.valid
        if isinstance(valid, Interval) and not isinstance(valid.end, End):
            return False
    return True


def _replace(before: list[Record], entries: list[Entry], when: pendulum.DateTime) -> list[Entry]:
    """A designation's new records: each corrects an old one; old ones left over are retracted."""
    out: list[Entry] = []
    for number, entry in enumerate(entries):
        out.append(entry)
        if number < len(before):
            old = before[number]
            marker = Corrected(record=old.id, replacement=_id(entry), reason="a newer export")
            out.append(_fix(marker, old, when, provenance=entry.provenance))
    out.extend(
        _fix(Retracted(record=old.id, reason="not in a newer export"), old, when)
        for old in before[len(entries) :]
    )
    return out


def _fix(
    event: Corrected | Retracted,
    old: Record,
    when: pendulum.DateTime,
    *,
    provenance: Provenance | None = None,
) -> Entry:
    # As Log.correct does: a fix is valid when it is recorded.
    return Entry(
        event=event,
        valid=valid_time(when),
        subject=old.subject,
        provenance=provenance or old.provenance,
    )


def _absence(
    event: Designated, last: dt.datetime, export: dt.datetime, like: Record | Entry
) -> Entry:
    """The end of a designation a newer export no longer lists: after it was last listed."""
    low, high = last.astimezone(dt.UTC).date(), export.astimezone(dt.UTC).date()
    end: ValidTime = (
        Moment.from_date(high)
        if low >= high
        else DateSet((DateRange(Moment.from_date(low), Moment.from_date(high)),))
    )
    return Entry(
        event=Lifted(
            target=event.target.name,
            authority=event.authority,
            program=event.program,
            reason=f"not in the export of {_day_or_time(export)} of its source",
            designation=event.designation,
        ),
        valid=end,
        subject=like.subject,
        provenance=Provenance(source=like.provenance.source, note=_ABSENT),
    )


def _utc(instant: dt.datetime) -> dt.datetime:
    """An instant as a plain aware ``datetime`` in UTC (not pendulum's, which reads back as one)."""
    utc = instant.astimezone(dt.UTC)
    return dt.datetime(*utc.timetuple()[:6], utc.microsecond, tzinfo=dt.UTC)


def _day_or_time(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _id(entry: Entry) -> uuid.UUID:
    assert entry.id is not None  # noqa: S101 -- every imported entry has one
    return entry.id


def _pick_name(names: tuple[str, ...]) -> str:
    """The name a target is listed by when the export gives no caption: FtM's own choice."""
    from rigour.names import pick_name  # noqa: PLC0415 -- with the ftm extra

    return pick_name(list(names)) or names[0]
