"""The codec itself: an append checked and encoded, a stored record decoded.

The library owns its :class:`cattrs.Converter` (never the global one, never
pickle). Structuring is strict: a string where an int belongs is an error, not
a conversion, so a malformed stored record is reported, never misread.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import cattrs
import pendulum

from timeline._errors import (
    InvalidEventError,
    InvalidValidTimeError,
    RecordDecodeError,
    UnknownEventTypeError,
)
from timeline._events import Registry
from timeline._ids import UUID_SLOTTED, id_from_bytes, id_text_of_bytes
from timeline._records import (
    FIRST_POSITION,
    NO_PROVENANCE,
    Entry,
    Head,
    Provenance,
    Record,
    StoredRecord,
)
from timeline._renamed import renamed
from timeline._words._rule import rule_from_json
from timeline.time import FLOATING, ValidTime, parse_edtf, read_edtf

from ._chain import GENESIS_HASH, EncodedRow, _hash, chain_hash, stored_record
from ._convert import (
    _Converter,
    _counted,
    _fast_structurer,
    _fast_writer,
    _make_converter,
    _strict_hooks,
    _structure_checks,
)
from ._json import _decode_body, canonical_json
from ._known import format_known_at, parse_known_at
from ._parts import _encode_provenance, _valid_json, decode_valid
from ._problems import _field_problem, _reads_back, structure_problems
from ._readers import (
    _BODY_KEYS,
    _SAFE_UNKNOWN,
    _UNSEEN,
    _bare,
    _new,
    _plain_body,
    _PlainBody,
    _set,
    _typed_reader,
)

__all__ = ["GENESIS_HASH", "Codec", "canonical_json", "chain_hash", "format_known_at"]


for _name in (
    "register_structure_hook",
    "register_structure_hook_func",
    "register_structure_hook_factory",
    "register_unstructure_hook",
    "register_unstructure_hook_func",
    "register_unstructure_hook_factory",
):
    setattr(_Converter, _name, _counted(_name))


def _checked_hash(  # noqa: PLR0917 -- the seven hashed fields, in hashing order
    prior: str,
    position: int,
    text_id: str,
    known_at: str,
    name: str,
    subject: str | None,
    text: str,
) -> str:
    try:
        return _hash(prior, position, text_id, known_at, name, subject, text)
    except UnicodeEncodeError as error:
        # A lone surrogate (from a bad decode upstream) is text UTF-8 cannot hold.
        raise InvalidEventError(
            f"{name!r} holds text that is not valid Unicode ({error.reason} at "
            f"{error.object[max(error.start - 20, 0) : error.end + 20]!r})"
        ) from None


#: What of a record :meth:`Codec.prepare_rows` makes before its place is known: the id
#: (16 bytes and as text), type name, subject and body.
PreparedRow = tuple[bytes, str, str, str | None, str]


@attrs.define
class Codec:
    """Encodes entries to stored records and decodes them back.

    One codec serves one :class:`Registry`; it owns a private cattrs converter
    (reachable as :attr:`converter` for registering hooks of custom field
    types).

    >>> from timeline import Registry, event
    >>> registry = Registry()
    >>> @event("example.count", registry=registry)
    ... class Counted:
    ...     n: int
    >>> codec = Codec(registry)
    >>> codec.decode_event(*codec.encode_event(Counted(n=3)))
    Counted(n=3)
    """

    registry: Registry
    converter: cattrs.Converter = attrs.field(factory=_make_converter)
    _fast: dict[type, tuple[int, Callable[[dict[str, Any]], Any] | None]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )
    _writers: dict[type, tuple[int | None, str, int, Callable[[Any], str | None] | None]] = (
        attrs.field(factory=dict, init=False, repr=False, eq=False)
    )
    _plain: tuple[int, dict[str, Any]] = attrs.field(
        default=(-1, {}), init=False, repr=False, eq=False
    )

    def _writer(self, cls: type[Any]) -> tuple[str, int, Callable[[Any], str | None] | None]:
        """The type name, version and fast writer of an event class, for today's hooks."""
        generation = getattr(self.converter, "generation", None)
        cached = self._writers.get(cls)
        if cached is None or cached[0] != generation:
            try:
                entry = self.registry.type_of(cls)
            except UnknownEventTypeError as error:
                raise InvalidEventError(str(error)) from None
            writer = None if generation is None else _fast_writer(self.converter, cls)
            cached = (generation, entry.name, entry.version, writer)
            self._writers[cls] = cached
        return cached[1], cached[2], cached[3]

    def _structurer(self, cls: type[Any]) -> Callable[[dict[str, Any]], Any] | None:
        """The fast structurer of ``cls`` for the converter's hooks as they are now."""
        generation = getattr(self.converter, "generation", None)
        if generation is None:  # a converter of the caller's own: no fast path
            return None
        cached = self._fast.get(cls)
        if cached is None or cached[0] != generation:
            cached = (generation, _fast_structurer(self.converter, cls, _strict_hooks()))
            self._fast[cls] = cached
        return cached[1]

    def encode_event(self, event: object) -> tuple[str, int, dict[str, Any]]:
        """Return ``(type name, version, fields)`` for a registered event.

        The fields are checked as reading will check them: an event that
        would not read back equal (a number in a ``str`` field, text in a
        ``float`` one, a string in a ``date`` one) is refused here, so nothing
        that cannot be read is ever written.

        Raises:
            InvalidEventError: The event's class is not registered, a field
                cannot be stored (a naive datetime, say), or a field's value
                is not of its declared type; the message names the type, the
                field, what it is declared as and what it holds.
        """
        name, version, data, _ = self._checked_data(event)
        return name, version, data

    def _checked_data(self, event: object) -> tuple[str, int, dict[str, Any], str]:
        """The type name, version, fields and their canonical JSON of an event that reads back.

        The check is reading itself: the JSON is structured again, as a reader
        would, and must give an equal event.
        """
        try:
            entry = self.registry.type_of(event)
        except UnknownEventTypeError as error:
            raise InvalidEventError(str(error)) from None
        try:
            data = self.converter.unstructure(event)
            text = canonical_json(data)
        except Exception as error:  # noqa: BLE001 -- a hook may fail any way: say which field
            raise self._untyped(entry.name, event, error) from None
        try:
            again = self.decode_event(entry.name, entry.version, _decode_body(text))
        except RecordDecodeError as error:
            raise self._untyped(entry.name, event, error) from None
        if not _reads_back(again, event, lambda value: self._text_of(value) == text):
            raise self._untyped(entry.name, event, None)
        return entry.name, entry.version, data, text

    def _text_of(self, event: object) -> str:
        return canonical_json(self.converter.unstructure(event))

    def _untyped(self, name: str, event: object, error: Exception | None) -> InvalidEventError:
        """The error for an event that cannot be written as it is: which field, and why."""
        problem = _field_problem(self.converter, event)
        if problem is None:
            if isinstance(error, RecordDecodeError):
                problem = f"it would not read back: {error.problem}"
            elif error is not None:
                problem = f"it cannot be written: {error}"
            else:
                problem = f"it would not read back equal (as {event!r})"
        return InvalidEventError(f"{name}: {problem}; nothing was written")

    def decode_event(
        self, name: str, version: int, data: object, *, position: int | None = None
    ) -> Any:  # noqa: ANN401 -- an instance of whichever class is registered
        """Return the current event for fields stored as ``name`` at ``version``.

        Raises:
            RecordDecodeError: The type is unknown, a field is missing or of the
                wrong type, or an upcaster fails; the message names the position.
        """
        try:
            entry = self.registry.lookup(name)
        except UnknownEventTypeError as error:
            raise RecordDecodeError(position, str(error)) from None
        if not isinstance(data, dict):
            raise RecordDecodeError(position, f"{name!r} data must be an object, got {data!r}")
        try:
            current = (
                data if version == entry.version else self.registry.upcast(name, version, data)
            )
            fast = self._structurer(entry.cls)
            if fast is not None and type(current) is dict:
                made = fast(current)
                if made is not None:
                    return made
            return self.converter.structure(current, entry.cls)
        except cattrs.BaseValidationError as error:
            raise RecordDecodeError(position, structure_problems(error, name)) from None
        except (TypeError, ValueError, KeyError) as error:
            raise RecordDecodeError(position, f"{name!r}: {error}") from None

    @renamed(known_at="known")
    def encode(
        self,
        entry: Entry,
        *,
        position: int,
        known: str,
        previous: Head | None,
        record_id: uuid.UUID | None = None,
    ) -> StoredRecord:
        """Return ``entry`` as the stored record at ``position``, chained to ``previous``.

        The id is ``record_id``, else the entry's, else a new random one.
        """
        text_id = str(record_id or entry.id or uuid.uuid4())
        prior = previous.hash if previous is not None else GENESIS_HASH
        return self._encode(entry, position, known, prior, text_id)

    def encode_batch(
        self,
        entries: Sequence[Entry],
        *,
        known_ats: Sequence[str],
        previous: Head | None,
        record_ids: Sequence[uuid.UUID],
    ) -> list[StoredRecord]:
        """Encode entries as the stored records that follow ``previous``, in order.

        The same as :meth:`encode` on each in turn, chaining each to the one before.
        """
        rows = self.encode_rows(
            entries, known_ats=known_ats, previous=previous, record_ids=record_ids
        )
        return [stored_record(row) for row in rows]

    def encode_rows(
        self,
        entries: Sequence[Entry],
        *,
        known_ats: Sequence[str],
        previous: Head | None,
        record_ids: Sequence[uuid.UUID],
    ) -> list[EncodedRow]:
        """Encode as :meth:`encode_batch` does, each record as a row for a store to write.

        A row is (position, id as 16 bytes, known time, type, subject, body,
        hash): a :class:`StoredRecord`'s fields, with the id as the bytes a
        store keeps rather than text it would read back.
        """
        return self.chain_rows(
            self.prepare_rows(entries, record_ids), known_ats=known_ats, previous=previous
        )

    def prepare_rows(
        self, entries: Sequence[Entry], record_ids: Sequence[uuid.UUID]
    ) -> list[PreparedRow]:
        """What of each record does not depend on where it goes: id, type, subject, body.

        The costly part of encoding (each event's canonical JSON, checked), done
        before a writer takes the store's lock; :meth:`chain_rows` then gives the
        rows their positions, known times and hashes under it.

        Raises:
            InvalidEventError: As :meth:`encode_event`.
        """
        prepared: list[PreparedRow] = []
        append = prepared.append
        # Entries in a batch mostly share their class, and often their valid time.
        last_class, writer, last_valid, valid_text = None, None, None, None
        for entry, record_id in zip(entries, record_ids, strict=True):
            if type(entry.event) is not last_class:
                last_class = type(entry.event)
                writer = self._writer(last_class)
            if entry.valid is not last_valid:
                last_valid = entry.valid
                valid_text = _valid_json(last_valid, last_valid.phrase)
            raw_id = record_id.bytes
            name, body = self._body(entry, writer=writer, valid_text=valid_text)
            append((raw_id, id_text_of_bytes(raw_id), name, entry.subject, body))
        return prepared

    def check_text(self, prepared: Sequence[PreparedRow]) -> None:
        """Refuse prepared records that hold text UTF-8 cannot hold (a lone surrogate).

        Raises:
            InvalidEventError: The first such record, naming the text.
        """
        for _, text_id, name, subject, body in prepared:
            _checked_hash(GENESIS_HASH, FIRST_POSITION, text_id, "", name, subject, body)

    def chain_rows(
        self, prepared: Sequence[PreparedRow], *, known_ats: Sequence[str], previous: Head | None
    ) -> list[EncodedRow]:
        """The rows of prepared records following ``previous``: positions, known times, hashes.

        Raises:
            InvalidEventError: A record holds text that is not valid Unicode.
        """
        prior = previous.hash if previous is not None else GENESIS_HASH
        position = previous.position + 1 if previous is not None else FIRST_POSITION
        rows: list[EncodedRow] = []
        append = rows.append
        for (raw_id, text_id, name, subject, body), known_at in zip(
            prepared, known_ats, strict=True
        ):
            digest = _checked_hash(prior, position, text_id, known_at, name, subject, body)
            append((position, raw_id, known_at, name, subject, body, digest))
            prior = digest
            position += 1
        return rows

    def _encode(
        self, entry: Entry, position: int, known_at: str, prior: str, text_id: str
    ) -> StoredRecord:
        name, text, digest = self._encode_parts(entry, position, known_at, prior, text_id)
        return StoredRecord(
            position=position,
            id=text_id,
            known_at=known_at,
            type=name,
            subject=entry.subject,
            body=text,
            hash=digest,
        )

    def _encode_parts(
        self, entry: Entry, position: int, known_at: str, prior: str, text_id: str
    ) -> tuple[str, str, str]:
        """The type name, body and hash of ``entry`` as the record at ``position``."""
        name, text = self._body(entry)
        return (
            name,
            text,
            _checked_hash(prior, position, text_id, known_at, name, entry.subject, text),
        )

    def _body(
        self,
        entry: Entry,
        *,
        writer: tuple[str, int, Callable[[Any], str | None] | None] | None = None,
        valid_text: str | None = None,
    ) -> tuple[str, str]:
        """The type name and body of ``entry``.

        ``writer`` and ``valid_text`` are the event class's writer and the valid
        time's JSON when the caller has them already.
        """
        name, version, write = writer or self._writer(type(entry.event))
        # The fast writer writes only values of exactly their field's type,
        # which read back as they are; anything else is checked on the way.
        data_text = None if write is None else write(entry.event)
        if data_text is None:
            name, version, _, data_text = self._checked_data(entry.event)
        # The body's canonical JSON, written key by key in sorted order (data,
        # provenance, valid, version) -- what canonical_json of the whole would
        # write. The version is left out when it is 1, the provenance when it is
        # empty: most records are small, and every byte is stored (and hashed).
        try:
            text = '{"data":' + data_text
            if entry.provenance is not NO_PROVENANCE:
                provenance = _encode_provenance(entry.provenance)
                if provenance:
                    text += ',"provenance":' + canonical_json(provenance)
            text += ',"valid":' + (valid_text or _valid_json(entry.valid, entry.valid.phrase))
            text += "}" if version == 1 else f',"version":{version:d}}}'
        except (TypeError, ValueError) as error:
            raise InvalidEventError(f"{name!r} has a field JSON cannot hold: {error}") from None
        return name, text

    def decode(self, stored: StoredRecord) -> Record:
        """Return the :class:`Record` a stored record holds.

        Raises:
            RecordDecodeError: The record is malformed; the message names its
                position and what is wrong.
        """
        try:
            record_id = uuid.UUID(stored.id)
        except (TypeError, ValueError) as error:
            raise RecordDecodeError(stored.position, str(error)) from None
        return self._decode(
            stored.position,
            record_id,
            stored.known_at,
            stored.type,
            stored.subject,
            stored.body,
            stored.hash,
        )

    def decode_raw(self, row: tuple[int, bytes, str, str, str | None, str, bytes]) -> Record:
        """Decode a record as a store read it: id and hash as bytes, the rest as text.

        The same as :meth:`decode` on the :class:`StoredRecord` the row makes,
        without writing the id and hash as text to read them back.

        Raises:
            RecordDecodeError: As :meth:`decode`.
        """
        position, raw_id, known_at, name, subject, body, digest = row
        try:
            record_id = id_from_bytes(raw_id)
        except (TypeError, ValueError) as error:
            raise RecordDecodeError(position, str(error)) from None
        return self._decode(position, record_id, known_at, name, subject, body, digest.hex())

    def decode_rows(
        self, rows: Iterable[tuple[int, bytes, str, str, str | None, str, bytes]]
    ) -> list[Record]:
        """Decode a page of rows as :meth:`decode_raw` does each, faster for the common form.

        The common form -- an event of a plain class at its current version
        -- is decoded in one loop; any other row, and any row that fails on
        the way, goes through :meth:`decode_raw`, which decodes it or raises
        its error.
        """
        fast = self._plain_types()
        if fast is None:
            return [self.decode_raw(row) for row in rows]
        decoded: list[Record] = []
        append = decoded.append
        # A page's records mostly share their known time (a batch's), and often
        # their valid time: each distinct text is read once per page.
        known_ats: dict[str, pendulum.DateTime] = {}
        valids: dict[str, ValidTime] = {}
        for row in rows:
            position, raw_id, known_text, name, subject, text, digest = row
            reader = fast.get(name, _UNSEEN)
            if reader is _UNSEEN:
                reader = fast[name] = self._plain_type(name)
            try:
                plain = None if reader is None else reader(text)
                if plain is None or len(raw_id) != 16:
                    append(self.decode_raw(row))
                    continue
                event, raw_valid, raw_provenance = plain
                known_at = known_ats.get(known_text)
                if known_at is None:
                    known_at = known_ats[known_text] = parse_known_at(known_text)
                if type(raw_valid) is str:
                    valid = valids.get(raw_valid)
                    if valid is None:
                        valid = valids[raw_valid] = read_edtf(raw_valid, FLOATING, None)
                else:
                    valid = decode_valid(raw_valid)
                provenance = self._provenance(raw_provenance) if raw_provenance else NO_PROVENANCE
            except Exception:  # noqa: BLE001 -- decode_raw decodes it, or raises its error
                append(self.decode_raw(row))
                continue
            # The id as id_from_bytes makes it, without the call.
            record_id = _new(uuid.UUID)
            _set(record_id, "int", int.from_bytes(raw_id))
            _set(record_id, "is_safe", _SAFE_UNKNOWN)
            # Positional: a third cheaper than by keyword, in the order Record declares.
            append(
                Record(
                    position, record_id, known_at, event, valid, subject, provenance, digest.hex()
                )
            )
        return decoded

    def body_reader(self, name: str) -> Callable[[str], _PlainBody | None] | None:
        """The fast reader of bodies of type ``name`` (see :meth:`decode_rows`); None where none.

        It returns the event, the valid time as stored and the provenance as
        stored, or None (or raises) for a body :meth:`decode_raw` must read.
        """
        fast = self._plain_types()
        if fast is None:
            return None
        reader = fast.get(name, _UNSEEN)
        if reader is _UNSEEN:
            reader = fast[name] = self._plain_type(name)
        return reader  # type: ignore[no-any-return]

    def fields_reader(self, name: str) -> Callable[[str], _PlainBody | None] | None:
        """:meth:`body_reader`, but giving an object with the event's field values, not the event.

        For a class whose instances hold just the values they are given (no
        validator, converter or post-init), that is the decoded data, and no
        event is made; for others, the event.
        """
        if self._plain_types() is None:
            return None
        return self._plain_type(name, make=False)

    def read_valid(self, text: str) -> ValidTime:
        """A valid time stored as text, read as :meth:`decode_rows` reads it."""
        return read_edtf(text, FLOATING, None)

    def check_provenance(self, raw: object) -> None:
        """Raise where :meth:`decode_rows` would not read ``raw`` as a record's provenance."""
        self._provenance(raw)

    def _plain_types(self) -> dict[str, Any] | None:
        """Per type name, its fast structurer (None where it has none), for today's hooks."""
        generation = getattr(self.converter, "generation", None)
        if generation is None or not UUID_SLOTTED:
            return None
        if self._plain[0] != generation:
            self._plain = (generation, {})
        return self._plain[1]

    def _plain_type(
        self, name: str, *, make: bool = True
    ) -> Callable[[str], _PlainBody | None] | None:
        """The fast reader of bodies of type ``name``; None where it has none.

        Without ``make``, it may give the decoded data in place of the event
        where that holds the very values (see :meth:`fields_reader`).
        """
        try:
            entry = self.registry.lookup(name)
        except UnknownEventTypeError:
            return None
        checks = _structure_checks(self.converter, entry.cls, _strict_hooks())
        if checks is None:
            return None
        if all(required for _, _, required in checks):
            made = make or not _bare(entry.cls)
            return _typed_reader(entry.cls, checks, entry.version, make=made)
        structure = self._structurer(entry.cls)
        if structure is None or entry.version != 1:
            return None
        return functools.partial(_plain_body, structure)

    def _decode(  # noqa: PLR0917 -- a record's parts, in order
        self,
        position: int,
        record_id: uuid.UUID,
        known_text: str,
        name: str,
        subject: str | None,
        text: str,
        digest: str,
    ) -> Record:
        try:
            body = _decode_body(text)
        except ValueError as error:
            raise RecordDecodeError(position, f"body is not JSON: {error}") from None
        if not (
            type(body) is dict and "data" in body and "valid" in body and body.keys() <= _BODY_KEYS
        ):
            raise RecordDecodeError(
                position, "body must hold data and valid, and may hold version and provenance"
            )
        version = body.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise RecordDecodeError(position, f"version must be an int, got {version!r}")
        event = self.decode_event(name, version, body["data"], position=position)
        try:
            raw_valid, raw_provenance = body["valid"], body.get("provenance", {})
            # Fast paths for the common forms: a plain EDTF string, no provenance.
            valid = parse_edtf(raw_valid) if type(raw_valid) is str else decode_valid(raw_valid)
            provenance = NO_PROVENANCE if raw_provenance == {} else self._provenance(raw_provenance)
            known_at = parse_known_at(known_text)
        except InvalidValidTimeError as error:
            raise RecordDecodeError(position, f"valid time: {error}") from None
        except cattrs.BaseValidationError as error:
            raise RecordDecodeError(position, structure_problems(error, "provenance")) from None
        except (TypeError, ValueError) as error:
            raise RecordDecodeError(position, str(error)) from None
        return Record(position, record_id, known_at, event, valid, subject, provenance, digest)

    def _provenance(self, raw: object) -> Provenance:
        if type(raw) is not dict:
            raise TypeError(f"provenance must be an object, not {raw!r}")
        if "rule" in raw:  # a date derived from words: its rule read apart, as rule_json wrote it
            rest = {key: value for key, value in raw.items() if key != "rule"}
            return attrs.evolve(self._provenance(rest), rule=rule_from_json(raw["rule"]))
        fast = self._structurer(Provenance)
        if fast is not None and type(raw) is dict:
            made = fast(raw)
            if made is not None:
                return made  # type: ignore[no-any-return]
        return self.converter.structure(raw, Provenance)
