"""The codec's and the SQLite store's fast paths give exactly what the general paths give.

Each fast path (ids made without ``uuid.UUID``'s checks, event data written and
read by code made for plain classes, bodies read with msgspec, pages of rows
decoded in one loop, rows appended without ``StoredRecord``) is checked
against the general path it stands in for, over generated values -- including
the values where it must step aside.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid

import attrs
import cattrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline import (
    Codec,
    Entry,
    InvalidEventError,
    Log,
    ManualClock,
    Provenance,
    RecordDecodeError,
    Registry,
    event,
    starts,
)
from timeline._codec import (
    _fast_structurer,
    _fast_writer,
    _strict_hooks,
    canonical_json,
    format_known_at,
    parse_known_at,
)
from timeline._ids import id_from_bytes, id_text_of_bytes, random_ids
from timeline.facts import _NO_ZONES, _FieldLane
from timeline.stores import MemoryStore, SQLiteStore
from timeline.time import utc_instant, valid_time

registry = Registry()


@event("test.fast.noted", registry=registry)
class Noted:
    text: str
    n: int
    ratio: float
    flag: bool
    note: str | None
    count: int | None


@event("test.fast.defaults", registry=registry)
class WithDefaults:
    text: str
    n: int = 3
    note: str | None = None


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative")


@event("test.fast.checked", registry=registry)
class Checked:
    n: int = attrs.field(validator=_positive)


@event("test.fast.kw", registry=registry)
class KeywordsOnly:
    text: str = attrs.field(kw_only=True)


@event("test.fast.not_plain", registry=registry)
class NotPlain:
    names: tuple[str, ...]


texts = st.text()
ints = st.integers() | st.sampled_from([2**63, -(2**63) - 1, 10**30])
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e-07, -0.0, 1e300])
noted = st.builds(
    Noted,
    text=texts,
    n=ints,
    ratio=floats,
    flag=st.booleans(),
    note=st.none() | texts,
    count=st.none() | ints,
)


# -- ids -----------------------------------------------------------------------------------


@given(st.binary(min_size=16, max_size=16))
def test_ids_from_bytes_are_the_uuids_uuid_makes(raw):
    made, reference = id_from_bytes(raw), uuid.UUID(bytes=raw)
    assert made == reference
    assert hash(made) == hash(reference)
    assert str(made) == id_text_of_bytes(raw) == str(reference)
    assert made.bytes == raw
    assert made.is_safe == reference.is_safe


def test_random_ids_are_version_4_and_distinct():
    made = random_ids(500)
    assert len(set(made)) == 500
    for value in made:
        again = uuid.UUID(str(value))
        assert again == value
        assert again.version == value.version == 4
        assert again.variant == value.variant == uuid.RFC_4122


@pytest.mark.parametrize("size", [0, 15, 17])
def test_an_id_of_the_wrong_size_is_refused(size):
    with pytest.raises(ValueError, match="16 bytes"):
        id_from_bytes(bytes(size))


# -- writing event data --------------------------------------------------------------------


@given(noted)
def test_the_fast_writer_writes_the_canonical_json_or_steps_aside(value):
    codec = Codec(registry)
    write = _fast_writer(codec.converter, Noted)
    assert write is not None
    text = write(value)
    if text is None:  # only where a float is not finite: json refuses those
        assert not math.isfinite(value.ratio)
        with pytest.raises(ValueError, match="Out of range"):
            canonical_json(codec.converter.unstructure(value))
    else:
        assert text == canonical_json(codec.converter.unstructure(value))


@given(st.one_of(st.integers(), st.text(), st.booleans(), st.none(), st.floats()))
def test_the_fast_writer_steps_aside_for_a_value_of_another_type(odd):
    """Attrs does not check types: a bool, str or None in an int field is json's to write."""
    codec = Codec(registry)
    write = _fast_writer(codec.converter, Noted)
    assert write is not None
    plain = Noted(text="a", n=1, ratio=0.5, flag=True, note=None, count=None)
    value = attrs.evolve(plain, n=odd)
    text = write(value)
    if type(odd) is int:
        assert text == canonical_json(codec.converter.unstructure(value))
    else:
        assert text is None


@given(noted, st.none() | st.builds(Provenance, source=texts, quote=st.none() | texts))
def test_appended_bodies_and_hashes_are_those_of_the_general_path(value, provenance):
    """The body is canonical_json of the whole body, as the design defines it."""
    log = Log(MemoryStore(), clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    try:
        (record,) = log.extend(
            [log.entry(value, valid="2024-01", subject="s", provenance=provenance)]
        )
    except InvalidEventError:
        assert not math.isfinite(value.ratio)
        return
    (stored,) = log.store.read()
    body: dict[str, object] = {
        "data": log.codec.converter.unstructure(value),
        "valid": "2024-01",
    }
    if provenance is not None and attrs.asdict(provenance, filter=lambda _, v: v is not None):
        body["provenance"] = attrs.asdict(provenance, filter=lambda _, v: v is not None)
    assert stored.body == canonical_json(body)
    assert record.hash == stored.hash
    assert log.codec.decode(stored) == record


def test_classes_that_are_not_plain_get_no_fast_paths():
    codec = Codec(registry)
    assert _fast_writer(codec.converter, NotPlain) is None
    assert _fast_structurer(codec.converter, NotPlain, _strict_hooks()) is None


def test_a_hook_registered_later_is_used_from_then_on():
    """The fast paths are made for the converter's hooks of the moment, and made again."""
    log = Log(MemoryStore(), clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    log.append(WithDefaults(text="quiet"), valid="2024-01")
    assert [r.event.text for r in log.read()] == ["quiet"]
    converter = log.codec.converter
    # Hooks that write the text backwards and read it forwards again: what is
    # stored shows which were used, and every event still reads back equal.
    converter.register_structure_hook(
        WithDefaults, lambda data, _: WithDefaults(text=data["text"][::-1], n=data["n"])
    )
    converter.register_unstructure_hook(
        WithDefaults, lambda value: {"text": value.text[::-1], "n": value.n}
    )
    log.append(WithDefaults(text="loud"), valid="2024-01")
    assert [r.event.text for r in log.read()] == ["teiuq", "loud"]
    assert '"text":"duol"' in list(log.store.read())[-1].body


def test_an_unstructure_hook_for_a_field_type_turns_the_writer_off():
    """A hook for float alone leaves str and int as they were: the writer must still see it."""
    codec = Codec(registry)
    codec.converter.register_unstructure_hook(float, repr)  # floats written as text ...
    codec.converter.register_structure_hook(float, lambda value, _: float(value))  # ... and read
    value = Noted(text="a", n=1, ratio=0.25, flag=True, note=None, count=None)
    assert _fast_writer(codec.converter, Noted) is None
    name, body, _ = codec._encode_parts(
        Entry(event=value, valid=valid_time("2024-01")), 1, "2024-01-12T00:00:00.000000Z", "0" * 64,
        "00000000-0000-4000-8000-000000000000",
    )  # fmt: skip
    assert name == "test.fast.noted"
    assert '"ratio":"0.25"' in body  # the hook's text, not the number the writer would write


def test_a_hook_that_would_not_read_back_is_refused():
    """A hook that loses what it writes (rounding) makes events that do not read back: refused."""
    log = Log(MemoryStore(), clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    log.codec.converter.register_unstructure_hook(float, lambda value: round(value, 1))
    value = Noted(text="a", n=1, ratio=0.25, flag=True, note=None, count=None)
    with pytest.raises(InvalidEventError, match=r"'ratio'.*would read back as 0\.2"):
        log.append(value, valid="2024-01")
    assert log.last_position == 0


# -- reading event data --------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


def _data(cls: type) -> st.SearchStrategy[dict[str, object]]:
    names = [field.name for field in attrs.fields(cls)]
    return st.dictionaries(st.sampled_from([*names, "other"]), json_values, max_size=7)


@pytest.mark.parametrize("cls", [Noted, WithDefaults, Checked, KeywordsOnly])
@given(data=st.data())
def test_the_fast_structurer_gives_what_cattrs_gives_or_steps_aside(cls, data):
    codec = Codec(registry)
    structure = _fast_structurer(codec.converter, cls, _strict_hooks())
    assert structure is not None
    value = data.draw(_data(cls) | st.builds(attrs.asdict, _instances(cls)))
    made = structure(value)
    try:
        expected = codec.converter.structure(value, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError):
        assert made is None
        return
    assert made is None or repr(made) == repr(expected)  # repr: NaN is not equal to itself


def _instances(cls: type) -> st.SearchStrategy[object]:
    if cls is Noted:
        return noted
    if cls is Checked:
        return st.builds(Checked, n=st.integers(min_value=0))
    if cls is KeywordsOnly:
        return st.builds(KeywordsOnly, text=texts)
    return st.builds(WithDefaults, text=texts, n=st.integers(), note=st.none() | texts)


def test_a_validator_still_refuses_on_the_fast_path(tmp_path):
    """A stored record its class now refuses is an error, named, not a silent event."""
    log = Log(SQLiteStore(tmp_path / "v.sqlite"), registry=registry)
    log.append(Checked(n=1), valid="2024-01")
    with log.store._db:  # type: ignore[attr-defined]
        log.store._db.execute(  # type: ignore[attr-defined]
            """UPDATE records SET body = replace(body, '{"n":1}', '{"n":-1}')"""
        )
    with pytest.raises(
        RecordDecodeError,
        match=r"position 1: invalid value: n must not be negative @ test\.fast\.checked",
    ):
        list(log.read())


@event("test.fast.evolved", registry=registry, version=2)
class Evolved:
    text: str
    n: int


@registry.upcaster("test.fast.evolved", from_version=1)
def _evolve(data: dict[str, object]) -> dict[str, object]:
    return {"text": data.get("text"), "n": 0}


_TYPES = {
    Noted: "test.fast.noted",
    WithDefaults: "test.fast.defaults",
    Checked: "test.fast.checked",
    KeywordsOnly: "test.fast.kw",
    Evolved: "test.fast.evolved",
}


_STORED_VALIDS = [
    *["2024-01", "2024-01-11/..", "2023-09~", "not a date", 5, None, []],
    *[{"edtf": "2024-01-11", "tz": "Europe/Paris"}, {"edtf": "2024"}, {"other": 1}],
]


def _floats_as_ints(data: dict[str, object]) -> dict[str, object]:
    """The data with each finite float written as an int, as another writer may have."""
    return {
        name: int(value) if isinstance(value, float) and math.isfinite(value) else value
        for name, value in data.items()
    }


def _bodies(cls: type) -> st.SearchStrategy[dict[str, object]]:
    """Bodies of ``cls`` records as a store may hold them: well formed or not."""
    return st.fixed_dictionaries(
        {
            "data": _data(cls)
            | st.builds(attrs.asdict, _instances(cls))
            | st.builds(attrs.asdict, _instances(cls)).map(_floats_as_ints)
            | json_values,
            "valid": st.sampled_from(_STORED_VALIDS),
        },
        optional={
            "version": st.sampled_from([1, 2, 3, 0, True, "1", None]),
            "provenance": st.sampled_from(
                [{}, {"source": "a"}, {"source": 1}, {"other": "a"}, None, []]
            ),
            "other": json_values,
        },
    )


@pytest.mark.parametrize("cls", list(_TYPES))
@given(data=st.data())
def test_a_row_decodes_on_the_fast_path_to_what_the_general_path_gives(cls, data):
    """Whatever a body holds, a page decodes it to the record decode_raw makes, or its error."""
    codec = Codec(registry)
    body = data.draw(_bodies(cls))
    text = json.dumps(body)  # Infinity too: not the codec's JSON, but a file may hold it
    row = (7, bytes(range(16)), "2024-01-12T00:00:00.000000Z", _TYPES[cls], None, text, b"\1" * 32)
    outcomes = []
    for decode in (lambda: codec.decode_rows([row])[0], lambda: codec.decode_raw(row)):
        try:
            outcomes.append(repr(decode()))  # repr: NaN is not equal to itself
        except RecordDecodeError as error:
            outcomes.append(f"error: {error}")
    assert outcomes[0] == outcomes[1]


_KEYS = {Noted: "n", WithDefaults: "text", Checked: "n", KeywordsOnly: "text", Evolved: "text"}


@pytest.mark.parametrize("cls", list(_TYPES))
@given(data=st.data())
def test_a_field_rule_reads_from_a_row_what_the_record_says_or_leaves_it(cls, data):
    """The facts' rows lane takes a body only where decode_raw reads it, to the same key and time.

    Classes with a validator (Checked) are made on the way; others are read as data.
    """
    codec = Codec(registry)
    body = data.draw(_bodies(cls))
    text = json.dumps(body)
    row = (7, bytes(range(16)), "2024-01-12T00:00:00.000000Z", _TYPES[cls], None, text, b"\1" * 32)
    rule = starts(cls, key=_KEYS[cls])
    reader = codec.fields_reader(_TYPES[cls])
    assert reader is not None
    read = _FieldLane(rule, reader, _NO_ZONES).read(codec, text, {})
    if read is None:
        return  # the long way reads it, or raises
    key, (valid, _, _) = read
    record = codec.decode_raw(row)  # raises if the lane took what it must not
    assert (key, valid) == (str(getattr(record.event, _KEYS[cls])), record.valid)


def test_a_field_rule_s_row_that_a_validator_refuses_goes_the_long_way():
    """Checked's validator runs on the rows lane too: n = -1 is left to decode_raw, which raises."""
    codec = Codec(registry)
    text = json.dumps({"data": {"n": -1}, "valid": "2024"})
    reader = codec.fields_reader("test.fast.checked")
    assert reader is not None
    assert _FieldLane(starts(Checked, key="n"), reader, _NO_ZONES).read(codec, text, {}) is None
    row = (7, bytes(range(16)), "2024-01-12T00:00:00.000000Z", "test.fast.checked", None, text)
    with pytest.raises(
        RecordDecodeError, match=r"invalid value: n must not be negative @ test\.fast\.checked"
    ):
        codec.decode_raw((*row, b"\1" * 32))


# -- pages of rows -------------------------------------------------------------------------


@given(
    st.lists(
        st.tuples(
            noted.filter(lambda value: math.isfinite(value.ratio))
            | st.builds(WithDefaults, text=texts)
            | st.builds(NotPlain, names=st.lists(texts, max_size=2).map(tuple)),
            st.sampled_from(["2024-01", "2024-01-11/..", "../2024", "2023-09~"]),
            st.none() | st.sampled_from(["s1", "s2"]),
            st.none() | st.builds(Provenance, source=texts),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_pages_decode_to_the_records_the_general_path_decodes(tmp_path_factory, items):
    path = tmp_path_factory.mktemp("pages") / "p.sqlite"
    store = SQLiteStore(path)
    log = Log(store, clock=ManualClock("2024-01-12T00:00:00Z"), registry=registry)
    for number, (value, valid, subject, provenance) in enumerate(items):
        log.extend(
            [log.entry(value, valid=valid, subject=subject, provenance=provenance)],
            known=f"2024-01-12T00:00:{number // 3:02d}Z",
        )
    fast = list(log.read())
    general = [log.codec.decode(stored) for stored in store.read()]
    assert fast == general
    assert [r.id for r in fast] == [r.id for r in general]
    store.close()


# -- known times ---------------------------------------------------------------------------


@given(st.datetimes(timezones=st.timezones()))
def test_known_times_are_the_instants_python_reads_and_are_written_and_read_back(value):
    """A known time is the instant Python's own arithmetic gives the aware datetime.

    Where the wall time exists once in its zone, that is also pendulum's
    reading; in a gap or a fold of a ZoneInfo zone, pendulum would move it by
    the jump (the library did, before it built instants directly).
    """
    if value.utcoffset() is None:  # a zone hypothesis made without an offset here: naive
        return
    try:
        expected = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):  # beyond the calendar once in UTC
        return
    made = utc_instant(value)
    assert made == expected
    assert type(made) is pendulum.DateTime
    assert made.tzinfo is pendulum.UTC
    if pendulum.instance(value) == value:  # the wall time is not in a gap or fold
        assert repr(made) == repr(pendulum.instance(value).in_tz("UTC"))
    text = format_known_at(value)
    if expected.year >= 1000:  # strftime does not pad years before 1000
        assert text == expected.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert len(text) == 27
    assert parse_known_at(text) == made
    assert repr(parse_known_at(text)) == repr(made)


def test_a_sqlite_store_subclass_that_changes_reads_or_writes_is_asked_through_the_protocol(
    tmp_path,
):
    """The fast lanes are for the library's own store: an override is never bypassed."""
    seen: list[str] = []

    class Watched(SQLiteStore):
        def read(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append("read")
            return super().read(*args, **kwargs)

        def append(self, records, *, expected_position):  # type: ignore[no-untyped-def]
            seen.append(f"append {len(records)}")
            super().append(records, expected_position=expected_position)

    log = Log(Watched(tmp_path / "w.sqlite"), registry=registry)
    (record,) = log.extend([log.entry(WithDefaults(text="x"), valid="2024-01")])
    assert list(log.read()) == [record]
    assert seen == ["append 1", "read"]
    plain = Log(SQLiteStore(tmp_path / "w.sqlite"), registry=registry)
    assert list(plain.read()) == [record]  # the same file, through the fast lane
