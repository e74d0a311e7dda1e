"""The codec: events and valid times survive JSON unchanged; bad records are named."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
import zoneinfo

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import intervals, moments, rules
from timeline import (
    FLOATING,
    Codec,
    Entry,
    InvalidEventError,
    Log,
    ManualClock,
    Moment,
    Provenance,
    RecordDecodeError,
    Registry,
    StoredRecord,
    event,
)
from timeline._codec import decode_valid, encode_valid

registry = Registry()


class Kind(enum.Enum):
    PERSON = "person"
    ENTITY = "entity"


@attrs.frozen
class Alias:
    name: str
    script: str | None = None


@event("test.plain", registry=registry)
class Plain:
    n: int


@event("test.everything", registry=registry)
class Everything:
    text: str
    count: int
    ratio: float
    flag: bool
    kind: Kind
    when: dt.datetime
    moment: pendulum.DateTime
    day: dt.date
    ident: uuid.UUID
    amount: decimal.Decimal
    aliases: tuple[Alias, ...]
    tags: frozenset[str]
    extra: dict[str, int]
    maybe: int | None
    since: Moment


ZONES = st.sampled_from(
    [dt.UTC, zoneinfo.ZoneInfo("America/New_York"), zoneinfo.ZoneInfo("Asia/Pyongyang")]
)
aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=ZONES
)
text = st.text(max_size=20)

everything = st.builds(
    Everything,
    text=text,
    count=st.integers(-(2**53), 2**53),
    ratio=st.floats(allow_nan=False, allow_infinity=False),
    flag=st.booleans(),
    kind=st.sampled_from(Kind),
    when=aware,
    moment=aware.map(pendulum.instance),
    day=st.dates(),
    ident=st.uuids(),
    amount=st.decimals(allow_nan=False, allow_infinity=False),
    aliases=st.lists(st.builds(Alias, name=text, script=st.none() | text), max_size=3).map(tuple),
    tags=st.frozensets(text, max_size=3),
    extra=st.dictionaries(text, st.integers(), max_size=3),
    maybe=st.none() | st.integers(),
    since=moments(),
)


@given(everything)
def test_events_round_trip_through_json(value):
    """Every field type comes back equal, zones and types included."""
    codec = Codec(registry)
    name, version, data = codec.encode_event(value)
    back = codec.decode_event(name, version, json.loads(json.dumps(data)))
    assert back == value
    assert back.when.utcoffset() == value.when.utcoffset()
    assert str(back.when.tzinfo) == str(value.when.tzinfo)
    assert type(back.moment) is pendulum.DateTime
    assert type(back.when) is dt.datetime


@given(
    st.builds(
        Provenance,
        **{
            f.name: st.none() | st.text(max_size=20)
            for f in attrs.fields(Provenance)
            if f.name not in {"rule", "tz"}
        },
        rule=st.none() | rules,
        tz=st.none() | st.sampled_from(["America/New_York", "Asia/Kolkata", "+05:30", "UTC"]),
    ),
    # Any text but NUL, which no entry's subject may hold (tests/test_postgres.py).
    st.none() | st.text(st.characters(exclude_characters="\x00"), max_size=10),
    moments() | intervals(),
)
def test_whole_records_round_trip(provenance, subject, valid):
    """A record's provenance (every field), subject and valid time come back equal."""
    codec = Codec(registry)
    entry = Entry(event=Plain(n=1), valid=valid, subject=subject, provenance=provenance)
    stored = codec.encode(entry, position=1, known="2024-01-12T00:00:00.000000Z", previous=None)
    record = codec.decode(stored)
    assert (record.provenance, record.subject, record.valid) == (provenance, subject, valid)
    assert record.event == Plain(n=1)


@given(moments() | intervals())
def test_valid_times_round_trip(value):
    """A valid time's EDTF, zone and phrase survive encoding."""
    assert decode_valid(json.loads(json.dumps(encode_valid(value)))) == value


def test_a_valid_time_without_a_zone_is_stored_bare_and_read_back_floating():
    """Bare EDTF is local time somewhere; a zone, UTC included, is written beside it."""
    local = Moment.parse("2017-12-22T15:00")
    assert local.tz == FLOATING
    assert encode_valid(local) == "2017-12-22T15:00"
    assert decode_valid("2017-12-22T15:00") == local
    in_utc = Moment.parse("2017-12-22T15:00Z")
    assert encode_valid(in_utc) == {"edtf": "2017-12-22T15:00", "tz": "UTC"}
    assert decode_valid(encode_valid(in_utc)) == in_utc
    assert decode_valid({"edtf": "2017-12-22", "tz": "UTC"}).bounds().floating is False
    assert decode_valid("2017-12-22").bounds().floating is True


def test_naive_datetimes_in_events_are_rejected():
    """An event holding a naive datetime cannot be stored."""
    reg = Registry()

    @event("test.naive", registry=reg)
    class Naive:
        when: dt.datetime

    with pytest.raises(InvalidEventError, match="naive datetime"):
        Codec(reg).encode_event(Naive(when=dt.datetime(2024, 1, 1)))


def _log_with_record():
    reg = Registry()

    @event("test.counted", registry=reg)
    class Counted:
        n: int
        label: str

    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"), registry=reg)
    log.append(Counted(n=1, label="a"), valid="2024-01-11")
    (stored,) = log.store.read()
    return log, stored


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "test.missing"}, r"position 1: no event type is registered as 'test.missing'"),
        ({"data": {"n": 1}}, r"position 1: .*required field missing @ test.counted.label"),
        ({"data": {"n": "1", "label": "a"}}, r"position 1: .*expected int.* @ test.counted.n"),
        ({"data": {"n": 1, "label": "a", "x": 2}}, r"position 1: .*extra fields.*x"),
        ({"valid": "2023-02-30"}, r"position 1: valid time: .*no real date"),
        ({"version": "1"}, r"position 1: version must be an int"),
        ({"body": "{not json"}, r"position 1: body is not JSON"),
    ],
)
def test_malformed_records_name_the_position_and_problem(change, message):
    """A bad stored record is a typed error naming where and what, never a wrong answer."""
    log, stored = _log_with_record()
    body = json.loads(stored.body)
    if "body" in change:
        bad = attrs.evolve(stored, body=change["body"])
    elif "type" in change:
        bad = attrs.evolve(stored, type=change["type"])
    else:
        body.update(change)
        bad = attrs.evolve(stored, body=json.dumps(body))
    with pytest.raises(RecordDecodeError, match=message) as caught:
        log.codec.decode(bad)
    assert caught.value.position == 1
    assert isinstance(bad, StoredRecord)


def test_upcasting_on_read_yields_the_current_type():
    """A record stored at version 1 reads back as the version-2 class."""
    old = Registry()

    @event("test.named", registry=old)
    class NamedV1:
        title: str

    log = Log(clock=ManualClock("2024-01-12T00:00:00Z"), registry=old)
    log.append(NamedV1(title="Rusoboronexport"), valid="2024-01-11")

    new = Registry()

    @event("test.named", version=2, registry=new)
    class NamedV2:
        name: str
        aliases: tuple[str, ...]

    @new.upcaster("test.named", from_version=1)
    def _rename(data):
        return {"name": data["title"], "aliases": []}

    reread = Log(log.store, registry=new)
    assert reread[1].event == NamedV2(name="Rusoboronexport", aliases=())
