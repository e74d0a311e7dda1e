"""Whose calendar a date is on: the zone a record's floating dates are read in.

A date written without a zone is local time somewhere (design.md). A record may
say whose calendar its dates are on (:attr:`Provenance.tz
<timeline.Provenance.tz>`), and a vocabulary may say it of a source's dates
(:attr:`TemporalFacts.tz_by_source
<timeline.TemporalFacts.tz_by_source>`) or of all of its
own (:attr:`TemporalFacts.tz <timeline.TemporalFacts.tz>`), in that order
of precedence. The index then reads those dates in that zone, and they meet a
zoned question exactly; the record itself keeps the date as the source wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from timeline._errors import InvalidValidTimeError
from timeline._records import Provenance, Record
from timeline.time import FLOATING, ValidTime, read_in, zone_of

__all__ = ["ZoneRule"]


@attrs.frozen
class ZoneRule:
    """The zone a record's floating dates were read in, and who said so.

    Attributes:
        tz: The zone (an IANA name, or an offset).
        by: ``"record"`` (its provenance names the zone), ``"source"`` (the
            vocabulary names it for the record's source) or ``"vocabulary"``
            (the vocabulary's zone for all of its dates).
        source: The source whose dates they are, for a rule ``by`` source.

    >>> str(ZoneRule("America/New_York", "source", "UN Security Council"))
    "read in America/New_York, as UN Security Council's dates are"
    """

    tz: str
    by: Literal["record", "source", "vocabulary"]
    source: str | None = None

    def __str__(self) -> str:
        if self.by == "record":
            return f"read in {self.tz}, as their record says"
        if self.by == "source":
            return f"read in {self.tz}, as {self.source}'s dates are"
        return f"read in {self.tz}, the vocabulary's zone"

    def to_json(self) -> dict[str, Any]:
        """The rule for machines: tz, by, source."""
        return {"tz": self.tz, "by": self.by, "source": self.source}


# How many zoned readings of valid times a vocabulary keeps before it starts again.
_KEPT: Final = 4096


class _Zoning:
    """A vocabulary's zone rules, applied to records and to stored rows."""

    __slots__ = ("_read", "by_source", "zone")

    def __init__(self, zone: str | None, by_source: Mapping[str, str], owner: str) -> None:
        named: dict[str | None, str | None] = {None: zone}
        named.update(by_source)
        for source, name in named.items():
            if name is None:
                continue
            what = f"{owner}.tz" if source is None else f"{owner}.tz_by_source[{source!r}]"
            if type(name) is not str or name == FLOATING:
                raise TypeError(f"{what} must name a zone, not {name!r}")
            try:
                zone_of(name)
            except InvalidValidTimeError:
                raise TypeError(f"{what}: {name!r} is not a time zone") from None
        self.zone = zone
        self.by_source = dict(by_source)
        self._read: dict[tuple[ValidTime, str], ValidTime] = {}

    @property
    def rules(self) -> dict[str, Any]:
        """What the rules are, as the saved index records them."""
        return {"tz": self.zone, "sources": dict(sorted(self.by_source.items()))}

    def rule(self, provenance: Provenance) -> ZoneRule | None:
        """The rule that says whose calendar a record with ``provenance`` is on; None if none."""
        if provenance.tz is not None:
            return ZoneRule(provenance.tz, "record")
        source = provenance.source
        if source is not None and (zone := self.by_source.get(source)) is not None:
            return ZoneRule(zone, "source", source)
        return None if self.zone is None else ZoneRule(self.zone, "vocabulary")

    def zone_of_raw(self, provenance: Mapping[str, Any] | None) -> str:
        """The zone for a stored provenance (a dict as stored; None or empty for none)."""
        if provenance:
            zone = provenance.get("tz")
            if zone is not None:
                return str(zone)
            source = provenance.get("source")
            if source is not None and (found := self.by_source.get(source)) is not None:
                return found
        return FLOATING if self.zone is None else self.zone

    def valid(self, record: Record) -> ValidTime:
        """The record's valid time with its floating dates read in its zone, if it has one."""
        provenance = record.provenance
        if provenance.tz is None and self.zone is None and not self.by_source:
            return record.valid
        rule = self.rule(provenance)
        return record.valid if rule is None else self.read(record.valid, rule.tz)

    def read(self, valid: ValidTime, zone: str) -> ValidTime:
        """``valid`` read in ``zone`` (kept, for the many records that share a date)."""
        if zone == FLOATING:
            return valid
        found = self._read.get((valid, zone))
        if found is None:
            if len(self._read) >= _KEPT:
                self._read = {}
            found = self._read[valid, zone] = read_in(valid, zone)
        return found


#: No rules: every date as it was written.
NO_ZONES: Final = _Zoning(None, {}, "TemporalFacts")
