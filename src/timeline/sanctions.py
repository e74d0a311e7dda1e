"""A sanctions vocabulary: designations, amendments, lifts, and what is in force.

Field names follow the FollowTheMoney ``Sanction`` schema where they fit
(``authority``, ``program``, ``program_id``, ``reason``, ``provisions``,
``listing_date``), in Python's spelling, so users of OpenSanctions data feel
at home. A designation's *effective* start and end are its record's valid
time; ``listing_date`` is when the authority published the listing, which may
differ. One target may hold several designations at once -- by different
authorities, or under different programs -- and each is its own fact, keyed
``authority / program / target``.

Embargoes (an arms embargo on a country) are kept beside designations, so
"which sanctions were in force on D?" answers both.

>>> from timeline import Log, ManualClock
>>> from timeline.sanctions import Designated, SanctionsInForce, Target, TargetKind
>>> log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
>>> _ = log.append(
...     Designated(
...         target=Target(name="Example Trading LLC", kind=TargetKind.ENTITY, country="ru"),
...         authority="US Department of State",
...         reason="transfer of ballistic missiles",
...     ),
...     valid="2024-01-11/..",
... )
>>> sanctions = SanctionsInForce(log)
>>> [(hit.key, hit.answer.value) for hit in sanctions.in_force("2024-02-01")]
[('US Department of State / - / Example Trading LLC', 'yes')]
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from ._answer import Answer
from ._events import event
from ._facts import Change, Hit, TemporalFacts, amends, ends, starts
from ._records import Record

__all__ = [
    "Designated",
    "DesignationAmended",
    "EmbargoImposed",
    "EmbargoLifted",
    "Lifted",
    "SanctionsInForce",
    "Target",
    "TargetKind",
    "designation_key",
]


class TargetKind(enum.Enum):
    """What kind of thing is sanctioned (FollowTheMoney's schema, lower-cased)."""

    PERSON = "person"
    ENTITY = "entity"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    COUNTRY = "country"


@attrs.frozen(kw_only=True)
class Target:
    """Who or what is sanctioned.

    Attributes:
        name: The name as listed. For a target a source mentions without
            naming ("three Russian entities"), a description, with
            ``named=False``.
        kind: Person, entity, vessel, aircraft or country.
        aliases: Other names.
        country: ISO 3166 alpha-2 code of the country it is linked to.
        named: False when the source does not give the target's name.
    """

    name: str
    kind: TargetKind
    aliases: tuple[str, ...] = ()
    country: str | None = None
    named: bool = True


def designation_key(authority: str, program: str | None, target: str) -> str:
    """The fact key of a designation: ``authority / program / target``.

    >>> designation_key("UN Security Council", None, "DPRK")
    'UN Security Council / - / DPRK'
    """
    return f"{authority} / {program or '-'} / {target}"


@event("sanctions.designated", version=1)
class Designated:
    """A target is designated (listed) by an authority.

    The record's valid time is when the designation takes effect: a date
    (in force from then, until lifted) or an interval with its end.

    Attributes:
        target: Who or what.
        authority: Who designates ("US Department of the Treasury").
        program: The sanctions program ("RUSSIA-EO14024").
        program_id: The program's identifier at the authority.
        legal_basis: The instrument it rests on (an executive order, a resolution).
        reason: Why, as the authority or source gives it.
        provisions: What it imposes (asset freeze, travel ban ...).
        listing_date: When the listing was published, if not the effective date.
    """

    target: Target
    authority: str
    program: str | None = None
    program_id: str | None = None
    legal_basis: str | None = None
    reason: str | None = None
    provisions: tuple[str, ...] = ()
    listing_date: dt.date | None = None


@event("sanctions.designation_amended", version=1)
class DesignationAmended:
    """A designation's terms change from the record's valid time on."""

    target: str
    authority: str
    program: str | None = None
    reason: str | None = None
    provisions: tuple[str, ...] = ()


@event("sanctions.lifted", version=1)
class Lifted:
    """A designation ends (delisted, expired) at the record's valid time."""

    target: str
    authority: str
    program: str | None = None
    reason: str | None = None


@event("sanctions.embargo_imposed", version=1)
class EmbargoImposed:
    """An embargo on a country or territory takes effect.

    Attributes:
        target: The country or territory embargoed.
        authority: Who imposes it ("UN Security Council").
        scope: What it covers ("arms", "luxury goods").
        legal_basis: The instrument (a resolution's number).
    """

    target: str
    authority: str
    scope: str
    legal_basis: str | None = None


@event("sanctions.embargo_lifted", version=1)
class EmbargoLifted:
    """An embargo ends at the record's valid time."""

    target: str
    authority: str
    scope: str


def _drop_empty(values: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in values.items() if value not in (None, ())}


class SanctionsInForce(TemporalFacts):
    """Which sanctions were in force on a date, as known at a time.

    A :class:`~timeline.TemporalFacts` over :class:`Designated`,
    :class:`DesignationAmended`, :class:`Lifted` and the embargo events.
    Embargoes are keyed ``authority / <scope> embargo / target``.

    Args:
        log: The log to follow; it is read on every question (catch-up is
            incremental).
    """

    @starts(Designated)
    def _designated(self, record: Record) -> Change:
        found: Designated = record.event
        return Change(
            designation_key(found.authority, found.program, found.target.name),
            _drop_empty(
                {
                    "target": found.target.name,
                    "kind": found.target.kind.value,
                    "named": found.target.named,
                    "country": found.target.country,
                    "authority": found.authority,
                    "program": found.program,
                    "reason": found.reason,
                    "provisions": found.provisions,
                    "listing_date": found.listing_date,
                }
            ),
        )

    @amends(DesignationAmended)
    def _amended(self, record: Record) -> Change:
        found: DesignationAmended = record.event
        return Change(
            designation_key(found.authority, found.program, found.target),
            _drop_empty({"reason": found.reason, "provisions": found.provisions}),
        )

    @ends(Lifted)
    def _lifted(self, record: Record) -> str:
        found: Lifted = record.event
        return designation_key(found.authority, found.program, found.target)

    @starts(EmbargoImposed)
    def _embargo(self, record: Record) -> Change:
        found: EmbargoImposed = record.event
        return Change(
            designation_key(found.authority, f"{found.scope} embargo", found.target),
            _drop_empty(
                {
                    "target": found.target,
                    "kind": TargetKind.COUNTRY.value,
                    "authority": found.authority,
                    "program": f"{found.scope} embargo",
                    "legal_basis": found.legal_basis,
                }
            ),
        )

    @ends(EmbargoLifted)
    def _embargo_lifted(self, record: Record) -> str:
        found: EmbargoLifted = record.event
        return designation_key(found.authority, f"{found.scope} embargo", found.target)

    def in_force(
        self,
        valid: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
        target: str | None = None,
        authority: str | None = None,
        program: str | None = None,
    ) -> list[Hit]:
        """Return the sanctions in force (yes or maybe) at ``valid`` as known at ``known``.

        Args:
            valid: The date (or instant) asked about.
            known: What the log knew at this time; everything by default.
            target: Only sanctions on this target (its listed name).
            authority: Only those of this authority.
            program: Only those under this program.
        """
        self.catch_up()
        hits = self.at(valid, known=known)
        wanted = {"target": target, "authority": authority, "program": program}
        return [
            hit
            for hit in hits
            if all(value is None or hit.spell.attributes.get(name) == value
                   for name, value in wanted.items())
        ]  # fmt: skip

    def answer(
        self,
        key: str,
        valid: dt.datetime | dt.date | str,
        *,
        known: dt.datetime | str | None = None,
    ) -> Answer:
        """Answer "was sanction ``key`` in force at ``valid``?" (yes / maybe / no)."""
        self.catch_up()
        return self.at(valid, known=known).answer(key)
