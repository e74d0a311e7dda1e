"""Reading FollowTheMoney entities as exports come: JSON lines or an array, gzipped, from stdin.

The reader streams: one entity at a time, never the whole file. It knows
JSON, not FtM: :mod:`timeline.ftm` checks what it reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, cast

import msgspec

from ._codec import canonical_json
from ._errors import TimelineError
from .sanctions import TargetKind

if TYPE_CHECKING:
    from followthemoney import Model, Schema

__all__ = ["SCHEMATA", "FtMError", "Kept", "Reader", "Where", "read_entities", "where_text"]

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
# The most specific first: a Company is an Organization is a LegalEntity.
_READ_ORDER: Final = (
    TargetKind.COMPANY,
    TargetKind.ORGANIZATION,
    TargetKind.PERSON,
    TargetKind.ENTITY,
    TargetKind.VESSEL,
    TargetKind.AIRCRAFT,
)
# The entity's own fields kept among its properties, under names no FtM property has.
META: Final = ("caption", "datasets", "referents", "first_seen", "target")
#: The properties kept as valid times, not among the event's properties.
DATES: Final = frozenset({"startDate", "endDate"})

_GZIP: Final = b"\x1f\x8b"
_BOM: Final = b"\xef\xbb\xbf"
# An array is read in pieces of this many characters (more while one entity is longer).
_CHUNK: Final = 1 << 20
_decode = msgspec.json.Decoder().decode


class FtMError(TimelineError, ValueError):
    """FollowTheMoney data cannot be imported: the message says which file and line, and why.

    Nothing of the import was written.
    """


#: Where an entity was read: the file (``"-"`` for standard input; None for
#: entities given as values) and its line (or, without a file, its number).
Where = tuple[str | None, int]


def where_text(where: Where) -> str:
    """``"<file> line <n>"``, or ``"entity <n>"`` for entities given as values."""
    name, number = where
    return f"entity {number}" if name is None else f"{name} line {number}"


def read_entities(
    source: Path | str | IO[bytes] | Iterable[str | Mapping[str, Any]],
) -> Iterator[tuple[Where, dict[str, Any]]]:
    """Yield each entity (a JSON object) of ``source`` with where it is.

    ``source`` is a path (``"-"``: standard input), a binary file, or the
    entities themselves -- JSON text or dicts. A file holds JSON lines (an
    entity a line, as OpenSanctions exports them, nested ones too) or one
    JSON array of entities; it may be gzipped and may begin with a BOM.

    Raises:
        FtMError: The file cannot be read, or is not JSON lines nor an array
            of objects; the message names the file and line.
    """
    if isinstance(source, str | Path):
        if str(source) == "-":
            yield from _read_binary(sys.stdin.buffer, "-")
            return
        path = Path(source)
        try:
            raw = path.open("rb")
        except OSError as error:
            raise FtMError(f"{path}: cannot read it: {error.strerror or error}") from None
        with raw:
            yield from _read_binary(raw, str(path))
        return
    if hasattr(source, "read"):
        yield from _read_binary(cast("IO[bytes]", source), getattr(source, "name", "-"))
        return
    for number, item in enumerate(source, 1):
        where: Where = (None, number)
        if isinstance(item, str):
            yield where, _object(item.encode("utf-8"), where)
        elif isinstance(item, Mapping):
            yield where, dict(item)
        else:
            raise FtMError(f"{where_text(where)}: not a JSON object but {type(item).__name__}")


def _object(raw: bytes, where: Where) -> dict[str, Any]:
    try:
        found = _decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise FtMError(f"{where_text(where)}: not a JSON object: {error}") from None
    if not isinstance(found, dict):
        raise FtMError(f"{where_text(where)}: not a JSON object but {type(found).__name__}")
    return found


def _read_binary(raw: IO[bytes], name: str) -> Iterator[tuple[Where, dict[str, Any]]]:
    """Entities of a binary stream: gunzipped when it is gzip, as lines or as an array."""
    buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(cast("Any", raw))
    try:
        stream: Any = buffered
        if buffered.peek(2)[:2] == _GZIP:
            stream = gzip.GzipFile(fileobj=buffered, mode="rb")
        yield from _read_stream(stream, name)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        if isinstance(error, FtMError):  # pragma: no cover -- FtMError is no OSError
            raise
        message = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise FtMError(f"{name}: cannot read it: {message}") from None


def _read_stream(stream: IO[bytes], name: str) -> Iterator[tuple[Where, dict[str, Any]]]:
    lines = iter(stream)
    for number, line in enumerate(lines, 1):
        if number == 1:
            line = line.removeprefix(_BOM)  # noqa: PLW2901 -- the first line, without its BOM
        text = line.strip()
        if not text:
            continue
        if text.startswith(b"["):
            yield from _read_array(line, lines, name, number)
            return
        yield (name, number), _object(text, (name, number))


def _read_array(  # noqa: C901 -- one loop over the array, its cases in order
    first: bytes, lines: Iterator[bytes], name: str, number: int
) -> Iterator[tuple[Where, dict[str, Any]]]:
    """The entities of one JSON array, read a piece at a time, each with the line it starts on."""
    decoder = json.JSONDecoder()
    pending = [first, *_take(lines)]
    text = _utf8(b"".join(pending), name, number)
    at = text.index("[") + 1
    line = number
    done = False
    while True:
        at, line = _skip_space(text, at, line)
        if at >= len(text):
            more = _take(lines)
            if not more:
                raise FtMError(f"{name} line {line}: the JSON array is not closed")
            text, at = text[at:] + _utf8(b"".join(more), name, line), 0
            continue
        if text[at] == "]":
            done = True
            at += 1
            break
        try:
            item, end = decoder.raw_decode(text, at)
        except ValueError as error:
            more = _take(lines)
            if more:
                text, at = text[at:] + _utf8(b"".join(more), name, line), 0
                continue
            raise FtMError(f"{name} line {line}: not a JSON array of objects: {error}") from None
        if not isinstance(item, dict):
            raise FtMError(f"{name} line {line}: not a JSON object but {type(item).__name__}")
        yield (name, line), item
        line += text.count("\n", at, end)
        at, line = _skip_space(text, end, line)
        if at >= len(text):
            more = _take(lines)
            text, at = text[at:] + _utf8(b"".join(more), name, line), 0
            at, line = _skip_space(text, at, line)
        if at < len(text) and text[at] == ",":
            at += 1
        elif at < len(text) and text[at] != "]":
            raise FtMError(f"{name} line {line}: expected ',' or ']' in the JSON array")
    if done:
        rest = text[at:] + _utf8(b"".join(lines), name, line)
        if rest.strip():
            raise FtMError(f"{name} line {line}: more after the JSON array ends")


def _take(lines: Iterator[bytes]) -> list[bytes]:
    """The next lines, about :data:`_CHUNK` bytes of them (none at the end)."""
    taken: list[bytes] = []
    size = 0
    for line in lines:
        taken.append(line)
        size += len(line)
        if size >= _CHUNK:
            break
    return taken


def _skip_space(text: str, at: int, line: int) -> tuple[int, int]:
    while at < len(text) and text[at] in " \t\r\n":
        if text[at] == "\n":
            line += 1
        at += 1
    return at, line


def _utf8(raw: bytes, name: str, line: int) -> str:
    with contextlib.suppress(UnicodeDecodeError):
        return raw.decode("utf-8")
    raise FtMError(f"{name} near line {line}: not UTF-8 text")


# -- what is kept of each entity ---------------------------------------------------------


class Kept:
    """What is kept of an entity until the export is read whole: its values, sorted."""

    __slots__ = ("id", "meta", "properties", "schema", "where")

    def __init__(
        self,
        entity_id: str,
        schema: Schema,
        where: Where,
        properties: dict[str, tuple[str, ...]],
        meta: dict[str, Any],
    ) -> None:
        self.id = entity_id
        self.schema = schema
        self.where = where
        self.properties = properties
        self.meta = meta

    def first(self, name: str) -> str | None:
        values = self.properties.get(name)
        return values[0] if values else None

    def content(self) -> list[Any]:
        """What the record keeps of it (not when it was last seen: that changes every day)."""
        return [self.schema.name, sorted(self.properties.items()), sorted(self.pairs(meta=True))]

    def pairs(self, *, meta: bool, dates: bool = True) -> Iterator[tuple[str, str]]:
        """Its values as ``(property, value)``; or its own fields, as ``("@field", value)``."""
        if not meta:
            for name, values in self.properties.items():
                if dates or name not in DATES:
                    for value in values:
                        yield name, value
            return
        yield "@schema", self.schema.name
        for name in META:
            found = self.meta.get(name)
            if found is None:
                continue
            for value in found if isinstance(found, tuple) else (found,):
                yield f"@{name}", str(value).lower() if isinstance(value, bool) else value

    def digest(self) -> str:
        return hashlib.sha256(canonical_json(self.content()).encode()).hexdigest()


class Reader:
    """Reads an export entity by entity, keeping sanctions and possible targets."""

    def __init__(self, model: Model, progress: Callable[[int], None] | None) -> None:
        self.model = model
        self.sanctions: dict[str, Kept] = {}
        self.things: dict[str, Kept] = {}
        self.others: dict[str, tuple[str, Where]] = {}
        self.entities = 0
        self._progress = progress
        self._kinds: dict[str, TargetKind | None] = {}

    def read(self, source: Path | str | IO[bytes] | Iterable[str | Mapping[str, Any]]) -> None:
        for where, data in read_entities(source):
            for entity in self._flat(data):
                self._take(entity, where)
            self.entities += 1
            if self._progress is not None and self.entities % 1000 == 0:
                self._progress(self.entities)

    def kind(self, schema: Schema) -> TargetKind | None:
        if schema.name not in self._kinds:
            self._kinds[schema.name] = next(
                (kind for kind in _READ_ORDER if schema.is_a(SCHEMATA[kind])), None
            )
        return self._kinds[schema.name]

    def _flat(self, data: dict[str, Any]) -> Iterator[dict[str, Any]]:  # noqa: C901 -- one walk
        """The entity, and those nested in its properties (``targets.nested.json``), each flat."""
        stack: list[tuple[dict[str, Any], str | None, str | None]] = [(data, None, None)]
        while stack:
            entity, parent, via = stack.pop()
            properties = entity.get("properties")
            schema = (
                self.model.get(entity.get("schema") or "")
                if isinstance(entity.get("schema"), str)
                else None
            )
            if isinstance(properties, dict) and any(
                isinstance(value, dict)
                for values in properties.values()
                if isinstance(values, list)
                for value in values
            ):
                flat: dict[str, Any] = {}
                for name, values in properties.items():
                    if not isinstance(values, list):
                        flat[name] = values  # refused with its name in _take
                        continue
                    plain: list[Any] = []
                    prop = None if schema is None else schema.properties.get(name)
                    for value in values:
                        if not isinstance(value, dict):
                            plain.append(value)
                            continue
                        # Under a reverse property (a person's "sanctions"), the nested
                        # entity names its parent in the forward one (the sanction's "entity").
                        reverse = (
                            prop.reverse.name
                            if prop is not None and prop.stub and prop.reverse is not None
                            else None
                        )
                        stack.append((value, entity.get("id"), reverse))
                        if reverse is None:
                            plain.append(value.get("id"))
                    if plain:
                        flat[name] = plain
                entity = {**entity, "properties": flat}
            if via is not None and isinstance(parent, str):
                named = entity.get("properties")
                if isinstance(named, dict) and parent not in (named.get(via) or ()):
                    entity = {
                        **entity,
                        "properties": {**named, via: [*(named.get(via) or ()), parent]},
                    }
            yield entity

    def _take(self, entity: dict[str, Any], where: Where) -> None:
        kept = _keep(entity, where, self.model)
        if kept.schema.is_a("Sanction"):
            seen = self.sanctions.get(kept.id)
            if seen is not None and seen.content() != kept.content():
                raise FtMError(
                    f"{where_text(where)}: sanction {kept.id!r} is also at "
                    f"{where_text(seen.where)}, with other values: an export holds each "
                    "sanction once"
                )
            self.sanctions.setdefault(kept.id, kept)
        elif self.kind(kept.schema) is not None:
            seen = self.things.get(kept.id)
            if seen is not None:  # the same entity nested under two targets: one entity
                for name, values in kept.properties.items():
                    seen.properties[name] = tuple(sorted({*seen.properties.get(name, ()), *values}))
            else:
                self.things[kept.id] = kept
        else:
            self.others.setdefault(kept.id, (kept.schema.name, where))


def _keep(entity: dict[str, Any], where: Where, model: Model) -> Kept:  # noqa: C901, PLR0912 -- a check per field
    """An entity as kept: checked to be FtM's, values sorted, its own fields read."""
    name = entity.get("schema")
    schema = model.get(name) if isinstance(name, str) else None
    entity_id = entity.get("id")
    if schema is None:
        raise FtMError(
            f"{where_text(where)}: entity {entity_id!r}: schema {name!r} is not a "
            "FollowTheMoney schema"
        )
    if not isinstance(entity_id, str) or not entity_id:
        raise FtMError(f"{where_text(where)}: a {schema.name} without an id")
    raw = entity.get("properties", {})
    if not isinstance(raw, dict):
        raise FtMError(
            f"{where_text(where)}: {schema.name} {entity_id!r}: properties must be a JSON object"
        )
    properties: dict[str, tuple[str, ...]] = {}
    for prop, values in raw.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise FtMError(
                f"{where_text(where)}: {schema.name} {entity_id!r}: property {prop!r} must be "
                "a list of text"
            )
        if values:
            properties[prop] = tuple(sorted(set(values)))
    meta: dict[str, Any] = {}
    for key in ("datasets", "referents"):
        values = entity.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise FtMError(
                f"{where_text(where)}: {schema.name} {entity_id!r}: {key} must be a list of text"
            )
        if values:
            meta[key] = tuple(sorted(set(values)))
    for key in ("caption", "first_seen", "last_seen", "last_change"):
        value = entity.get(key)
        if value is not None and not isinstance(value, str):
            raise FtMError(f"{where_text(where)}: {schema.name} {entity_id!r}: {key} must be text")
        if value:
            meta[key] = value
    for key in ("first_seen", "last_seen", "last_change"):
        if key in meta:
            meta[f"{key} at"] = _seen(meta[key], where, key)
    if isinstance(entity.get("target"), bool):
        meta["target"] = entity["target"]
    return Kept(entity_id, schema, where, properties, meta)


def _seen(text: str, where: Where, key: str) -> dt.datetime:
    """One of OpenSanctions' times: ISO 8601, in UTC where it names no zone."""
    try:
        found = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FtMError(f"{where_text(where)}: {key} {text!r} is not an ISO 8601 time") from None
    return found.replace(tzinfo=dt.UTC) if found.tzinfo is None else found.astimezone(dt.UTC)
