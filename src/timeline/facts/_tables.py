"""Table rows and DataFrames of answers, histories, changes and records (:mod:`timeline.tables`).

Below the answers' own classes, which offer them as methods (``answer.to_rows()``):
what kind of item a row is made of is read from its class's ``_table_kind``
(``"hit"``, ``"change"``, and ``"saved"`` for a :class:`SavedAnswer`), so this
module needs only spells and records.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import importlib
import json
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from timeline._answer import Answer
from timeline._codec import Codec, parse_known_at
from timeline._errors import InvalidValidTimeError, MissingExtraError, TimelineError
from timeline._events import Registry, default_registry, registry_of
from timeline._records import Provenance, Record, StoredRecord
from timeline._words._rule import rule_json
from timeline.time import (
    FIRST_HELD,
    LAST_HELD,
    DateSet,
    End,
    Moment,
    ValidTime,
    format_instant,
    in_datetime_range,
    utc_datetime,
    zone_of,
)

from ._spells import Spell, sources_of

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

    from ._answers import Hit, SavedAnswer, Transition
    from ._cells import Cells

__all__ = ["RECORD_COLUMNS", "SPELL_COLUMNS", "rows", "to_pandas", "to_polars"]

#: The columns every spell's row starts with (a hit's and a change's after
#: theirs); its attributes follow, as ``attributes_<name>``.
SPELL_COLUMNS: Final = (
    "key",
    "fact",
    "from",
    "from_earliest",
    "from_latest",
    "from_floating",
    "until",
    "until_earliest",
    "until_latest",
    "until_floating",
    "sources",
    "records",
    "conflicts",
)
#: The columns every record's row starts with; its event's fields follow, as
#: ``event_<name>``.
RECORD_COLUMNS: Final = (
    "position",
    "id",
    "known_at",
    "type",
    "version",
    "subject",
    "valid",
    "valid_earliest",
    "valid_latest",
    "valid_floating",
    "phrase",
    "source",
    "url",
    "quote",
    "speaker",
    "note",
    "rule",
    "tz",
    "hash",
)
_INSTANTS: Final = frozenset(
    {
        "from_earliest",
        "from_latest",
        "until_earliest",
        "until_latest",
        "valid_earliest",
        "valid_latest",
        "known_at",
    }
)
_INTEGERS: Final = frozenset({"position", "version", "first_record"})
_Kind = Literal["hit", "change", "spell", "record", "saved"]
_LEADING: Final[dict[_Kind, tuple[str, ...]]] = {
    "hit": ("answer", *SPELL_COLUMNS),
    "change": ("change", "answer", "when", *SPELL_COLUMNS),
    "spell": SPELL_COLUMNS,
    "record": RECORD_COLUMNS,
    "saved": ("answer", "key", "first_record"),
}


def rows(
    items: Iterable[Hit | Transition | Spell | Record] | SavedAnswer,
    *,
    tz: str = "UTC",
    registry: Registry | None = None,
) -> list[dict[str, Any]]:
    """Return ``items`` as table rows: one JSON-safe ``dict`` each, all with the same columns.

    Args:
        items: An answer (:class:`~timeline.InForce`, or any iterable of
            hits), changes, a history or other spells, records, or a
            :class:`~timeline.SavedAnswer`. One kind at a time.
        tz: The zone instants are given in, and floating wall times read in.
        registry: Where records' event types are registered (for their type
            names and fields); if not given, the registry that declares each
            event's class (the default one, or your own :class:`~timeline.Registry`).

    Raises:
        TimelineError: ``items`` mixes kinds, or holds something else.
        InvalidValidTimeError: ``tz`` is no time zone.
    """
    kind, table = _table(items, tz=tz, registry=registry, plain=True)
    columns = _columns(kind, table)
    return [
        {name: row.get(name) for name in columns}
        if type(row) is _Safe
        else {name: _json_safe(row.get(name)) for name in columns}
        for row in table
    ]


def to_pandas(
    items: Iterable[Hit | Transition | Spell | Record] | SavedAnswer,
    *,
    tz: str = "UTC",
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Return ``items`` as a pandas DataFrame, with the columns of :func:`rows`.

    Instants are ``datetime64[us, tz]`` (null where a value has none, or
    lies outside the years 1-9999), positions ``Int64``, flags ``boolean``,
    text ``object``; lists (sources, records) stay lists, and dicts (an
    event's nested fields) become JSON text.

    Raises:
        MissingExtraError: pandas is not installed (the ``pandas`` extra).
    """
    pandas = _extra("pandas")
    kind, table = _table(items, tz=tz, registry=registry)
    zone = _zone_key(tz)
    data: dict[str, Any] = {}
    for name in _columns(kind, table):
        values = [_framed(row.get(name)) for row in table]
        if name in _INSTANTS:
            instants = pandas.to_datetime(pandas.Series(values, dtype=object), utc=True)
            data[name] = instants.dt.tz_convert(zone).dt.as_unit("us")
        elif name in _INTEGERS:
            data[name] = pandas.Series(values, dtype="Int64")
        elif name.endswith("_floating"):
            data[name] = pandas.Series(values, dtype="boolean")
        else:
            data[name] = pandas.Series(values, dtype=object)
    frame: pd.DataFrame = pandas.DataFrame(data)
    return frame


def to_polars(
    items: Iterable[Hit | Transition | Spell | Record] | SavedAnswer,
    *,
    tz: str = "UTC",
    registry: Registry | None = None,
) -> pl.DataFrame:
    """Return ``items`` as a polars DataFrame, with the columns of :func:`rows`.

    Instants are ``Datetime("us", tz)`` (null where a value has none, or lies
    outside the years 1-9999), positions ``Int64``, flags ``Boolean``, text
    ``String``, sources ``List(String)`` and records ``List(Int64)``; dicts
    (an event's nested fields) become JSON text.

    Raises:
        MissingExtraError: polars is not installed (the ``polars`` extra).
        InvalidValidTimeError: ``tz`` is no time zone, or an offset of
            hours and minutes, which polars cannot hold (a zone's name can).
    """
    polars = _extra("polars")
    zone = _zone_key(tz)
    offset = zone_of(tz).utcoffset(None)
    if offset is not None and offset % dt.timedelta(hours=1):
        raise InvalidValidTimeError(
            f"polars takes no fixed offset of {tz!r} (only whole hours): "
            "give the zone by name (Asia/Kolkata, say)"
        )
    kind, table = _table(items, tz=tz, registry=registry)
    columns = _columns(kind, table)
    schema: dict[str, Any] = {}
    data: dict[str, list[Any]] = {}
    for name in columns:
        values = [_framed(row.get(name)) for row in table]
        if name in _INSTANTS:
            schema[name] = polars.Datetime("us", zone)
        elif name in _INTEGERS:
            schema[name] = polars.Int64
        elif name.endswith("_floating"):
            schema[name] = polars.Boolean
        elif name in {"sources", "conflicts"}:
            schema[name] = polars.List(polars.String)
        elif name == "records":
            schema[name] = polars.List(polars.Int64)
        elif all(value is None or isinstance(value, str) for value in values):
            schema[name] = polars.String
        else:  # an attribute or field of numbers, booleans or lists: let polars say
            schema[name] = None
        data[name] = values
    frame: pl.DataFrame = polars.DataFrame(
        [polars.Series(name, data[name], dtype=schema[name], strict=False) for name in columns]
    )
    return frame


class _Tabular:
    """What an answer offers as tables: its rows, and DataFrames of them."""

    __slots__ = ()

    def to_rows(self, *, tz: str = "UTC") -> list[dict[str, Any]]:
        """Its rows, as :func:`timeline.tables.rows` makes them: a JSON-safe ``dict`` each."""
        return rows(self, tz=tz)  # type: ignore[arg-type]

    def to_pandas(self, *, tz: str = "UTC") -> pd.DataFrame:
        """A pandas DataFrame of its rows (:func:`timeline.tables.to_pandas`; the pandas extra)."""
        return to_pandas(self, tz=tz)  # type: ignore[arg-type]

    def to_polars(self, *, tz: str = "UTC") -> pl.DataFrame:
        """A polars DataFrame of its rows (:func:`timeline.tables.to_polars`; the polars extra)."""
        return to_polars(self, tz=tz)  # type: ignore[arg-type]


# -- building the rows ------------------------------------------------------------------


def _table(
    items: Iterable[Hit | Transition | Spell | Record] | SavedAnswer,
    *,
    tz: str,
    registry: Registry | None,
    plain: bool = False,
) -> tuple[_Kind | None, list[dict[str, Any]]]:
    """The rows of ``items`` with Python values (datetimes, not text), and their kind.

    Where ``plain`` (rows of JSON values, not a DataFrame's), a hit an index
    answered is made from the cells its row keeps (:mod:`._cells`), its
    spell not read: the same row, attributes JSON-safe already.
    """
    zone = zone_of(tz)
    container = getattr(type(items), "_table_kind", None)
    if container == "saved":
        return "saved", [
            {"answer": answer.value, "key": key, "first_record": first}
            for key, first, answer in items.found  # type: ignore[union-attr]
        ]
    codec_of = _codecs(registry)
    kind: _Kind | None = container
    table: list[dict[str, Any]] = []
    for item in items:  # type: ignore[union-attr]
        this, row = _row(item, zone, codec_of, len(table), plain=plain)
        if kind is not None and this != kind:
            raise TimelineError(
                f"item {len(table)} is a {this}, after {kind}s: make one table of each kind"
            )
        kind = this
        table.append(row)
    return kind, table


def _row(
    item: object,
    zone: dt.tzinfo,
    codec_of: Callable[[object], Codec],
    number: int,
    *,
    plain: bool = False,
) -> tuple[_Kind, dict[str, Any]]:
    """An item's kind and row: a hit or change (by its class's ``_table_kind``), spell, record."""
    kind = getattr(type(item), "_table_kind", None)
    if kind == "hit":
        hit: Hit = item  # type: ignore[assignment]
        cells = hit._cells() if plain else None  # noqa: SLF001 -- the hits of this package
        if cells is not None:
            return "hit", hit_cells_row(hit, cells, zone)
        return "hit", {"answer": hit.answer.value, **_spell_row(hit.spell, zone)}
    if kind == "change":
        change: Transition = item  # type: ignore[assignment]
        spell = _spell_row(change.spell, zone)
        bound = change.spell.start if change.kind == "started" else change.spell.end
        when = bound.value if isinstance(bound, End) else str(bound)
        return "change", {
            "change": change.kind,
            "answer": change.answer.value,
            "when": when,
            **spell,
        }
    if isinstance(item, Spell):
        return "spell", _spell_row(item, zone)
    if isinstance(item, Record):
        return "record", _record_row(item, zone, codec_of(item.event))
    raise TimelineError(
        f"item {number} is a {type(item).__name__}: tables hold hits, changes, spells or records"
    )


#: One codec per registry, made when first needed and kept while the registry lives: a
#: codec is costly to make, and the command makes a table a row at a time.
_CODECS: weakref.WeakKeyDictionary[Registry, Codec] = weakref.WeakKeyDictionary()


def _codecs(registry: Registry | None) -> Callable[[object], Codec]:
    """What gives an event's codec: ``registry``'s; else that of the registry declaring it."""

    def codec_of(event: object) -> Codec:
        chosen = registry if registry is not None else registry_of(type(event))
        if chosen is None:
            chosen = default_registry
        codec = _CODECS.get(chosen)
        if codec is None:
            codec = _CODECS[chosen] = Codec(chosen)
        return codec

    return codec_of


def _columns(kind: _Kind | None, table: list[dict[str, Any]]) -> list[str]:
    """Every row's columns: the kind's own, then the others in order of first appearance."""
    leading = _LEADING[kind] if kind is not None else ()
    return list(dict.fromkeys([*leading, *(name for row in table for name in row)]))


def _spell_row(spell: Spell, zone: dt.tzinfo) -> dict[str, Any]:
    return {
        "key": spell.key,
        "fact": spell.fact,
        **_end_columns("from", spell.start, zone),
        **_end_columns("until", spell.end, zone),
        "sources": sources_of(spell),
        "records": [record.position for record in spell.records],
        "conflicts": [conflict.attribute for conflict in spell.conflicts],
        **{f"attributes_{name}": value for name, value in spell.attributes.items()},
    }


class _Safe(dict[str, Any]):
    """A row whose values are JSON-safe already, in its kind's column order."""

    __slots__ = ()


def hit_cells_row(hit: Hit, cells: Cells, zone: dt.tzinfo) -> dict[str, Any]:
    """A hit's row as :func:`rows` gives it, from the cells its index row keeps.

    Every value JSON-safe already (the attributes were made so when kept), in
    the order of the hit's columns: the row of :func:`rows` for this hit alone.
    """
    row = _Safe(answer=hit.answer.value, key=hit.key, fact=cells.fact)
    _kept_end(row, "from", cells.start, zone)
    _kept_end(row, "until", cells.end, zone)
    row["sources"] = cells.sources
    row["records"] = cells.records
    row["conflicts"] = cells.conflicts
    for name, value in cells.attributes.items():
        row[f"attributes_{name}"] = value
    return row


def _kept_end(row: dict[str, Any], name: str, end: list[Any], zone: dt.tzinfo) -> None:
    if len(end) == 1:  # open or unknown
        row[name] = end[0]
        row[f"{name}_earliest"] = row[f"{name}_latest"] = row[f"{name}_floating"] = None
        return
    text, low, high, floating = end
    row[name] = text
    row[f"{name}_earliest"] = _instant_text(low, zone, floating)
    row[f"{name}_latest"] = _instant_text(high, zone, floating)
    row[f"{name}_floating"] = floating


@functools.lru_cache(maxsize=1 << 16)
def _instant_text(value: int, zone: dt.tzinfo, floating: bool) -> Any:  # noqa: ANN401, FBT001
    """An instant as a row gives it (see :func:`_instant`): answers repeat their dates."""
    return _json_safe(_instant(value, zone, floating=floating))


def _end_columns(name: str, end: Moment | DateSet | End, zone: dt.tzinfo) -> dict[str, Any]:
    if isinstance(end, End):
        return {
            name: end.value,
            f"{name}_earliest": None,
            f"{name}_latest": None,
            f"{name}_floating": None,
        }
    bounds = end.bounds()
    return {
        name: str(end),
        f"{name}_earliest": _instant(bounds.low, zone, floating=bounds.floating),
        f"{name}_latest": _instant(bounds.high, zone, floating=bounds.floating),
        f"{name}_floating": bounds.floating,
    }


def _record_row(record: Record, zone: dt.tzinfo, codec: Codec) -> dict[str, Any]:
    type_name, version, data = codec.encode_event(record.event)
    return _record_columns(record, type_name, version, data, zone)


def stored_row(
    stored: StoredRecord,
    valid: ValidTime,
    provenance: Provenance,
    data: Mapping[str, Any],
    version: int,
) -> dict[str, Any]:
    """The row (JSON-safe, in UTC) of a record as stored, its event's fields as written.

    For a record whose type no registry here declares: the columns of any record's row.
    """
    made = Record(
        position=stored.position,
        id=uuid.UUID(stored.id),
        known_at=parse_known_at(stored.known_at),
        event=None,
        valid=valid,
        subject=stored.subject,
        provenance=provenance,
        hash=stored.hash,
    )
    row = _record_columns(made, stored.type, version, data, zone_of("UTC"))
    columns = _columns("record", [row])
    return {name: _json_safe(row.get(name)) for name in columns}


def _record_columns(
    record: Record, type_name: str, version: int, data: Mapping[str, Any], zone: dt.tzinfo
) -> dict[str, Any]:
    valid = record.valid
    start, end = valid.extent.start, valid.extent.end
    provenance = record.provenance
    return {
        "position": record.position,
        "id": str(record.id),
        "known_at": record.known_at.astimezone(zone),
        "type": type_name,
        "version": version,
        "subject": record.subject,
        "valid": str(valid),
        "valid_earliest": _instant(start.low, zone, floating=start.floating),
        "valid_latest": _instant(end.high, zone, floating=end.floating),
        "valid_floating": start.floating or end.floating,
        "phrase": valid.phrase,
        "source": provenance.source,
        "url": provenance.url,
        "quote": provenance.quote,
        "speaker": provenance.speaker,
        "note": provenance.note,
        "rule": None if provenance.rule is None else rule_json(provenance.rule),
        "tz": provenance.tz,
        "hash": record.hash,
        **{f"event_{name}": value for name, value in data.items()},
    }


def _instant(
    value: int, zone: dt.tzinfo, *, floating: bool
) -> dt.datetime | _Wall | _Expanded | None:
    """Microseconds as an aware datetime in ``zone``; None where an open end lies.

    A floating value is a wall time, read in ``zone``. An instant no datetime
    holds (before year 1, after 9999) is kept as a number, text in rows.
    """
    if value < FIRST_HELD or value > LAST_HELD:
        return None
    if not in_datetime_range(value):
        return _ExpandedWall(value) if floating else _Expanded(value)
    moment = utc_datetime(value)
    if floating:
        return _Wall(moment.replace(tzinfo=zone))
    return moment.astimezone(zone)


class _Wall:
    """A floating value's wall time: text without an offset in rows, read in ``tz`` in frames.

    A value written without a zone has no instant of its own; rows say so by
    writing it as the wall time it is (``2006-01-01T00:00:00``), beside its
    ``*_floating`` column. A DataFrame's column of instants holds it read in
    the zone asked for.
    """

    __slots__ = ("at",)

    def __init__(self, at: dt.datetime) -> None:
        self.at = at


class _Expanded(int):
    """An instant no datetime holds: ISO text with expanded years in rows, null in frames."""

    __slots__ = ()


class _ExpandedWall(_Expanded):
    """A floating value no datetime holds: its wall time, expanded years, no offset."""

    __slots__ = ()


def _json_safe(value: object) -> Any:  # noqa: ANN401, PLR0911 -- any JSON value, by type
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, _ExpandedWall):
        return format_instant(int(value)).removesuffix("+00:00")
    if isinstance(value, _Expanded):
        return format_instant(int(value))
    if isinstance(value, _Wall):
        return value.at.replace(tzinfo=None).isoformat()
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Answer | enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    return str(value)


def _framed(value: object) -> Any:  # noqa: ANN401 -- a cell of a DataFrame
    """A cell for a DataFrame: datetimes as they are, dicts as JSON text, no expanded years."""
    if isinstance(value, _Expanded):
        return None
    if isinstance(value, _Wall):
        return value.at
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, Mapping):
        return json.dumps(_json_safe(value), ensure_ascii=False, sort_keys=True)
    return _json_safe(value)


def _zone_key(tz: str) -> str:
    """The zone's name as pandas and polars take it."""
    zone = zone_of(tz)
    return str(getattr(zone, "name", None) or tz)


def _extra(name: Literal["pandas", "polars"]) -> Any:  # noqa: ANN401 -- the module
    try:
        return importlib.import_module(name)
    except ImportError:
        raise MissingExtraError(
            f"{name} is not installed: pip install 'bitemporal-timeline[{name}]'"
        ) from None
