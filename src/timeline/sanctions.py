"""A sanctions vocabulary: designations, amendments, lifts, and what is in force.

Field names follow the FollowTheMoney ``Sanction`` schema where they fit
(``authority``, ``program``, ``program_id``, ``reason``, ``provisions``,
``listing_date``), in Python's spelling, so users of OpenSanctions data feel
at home. A designation's *effective* start and end are its record's valid
time; ``listing_date`` is when the authority published the listing, which may
differ. One target may hold several designations at once -- by different
authorities, under different programs, or by one authority under one program
at different times -- and each designation is its own fact, filed under the
key ``authority / program / target``. An amendment or a lift names the
designation it changes (its ``designation``, or the id of the record that
made it), or says ``every=True`` for all of that key's designations in force.

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
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import attrs

from ._answer import Answer
from ._errors import InvalidEventError
from ._events import default_registry, event
from ._names import NameMatch, best_match, fold_name, match_name, name_tokens
from ._records import Record
from .facts import Change, Filter, InForce, TemporalFacts, amends, ends, starts
from .time import FLOATING, Question, QuestionLike

__all__ = [
    "BEFORE_V2",
    "Designated",
    "DesignationAmended",
    "EmbargoImposed",
    "EmbargoLifted",
    "Lifted",
    "ListImported",
    "NameMatch",
    "SanctionsInForce",
    "Target",
    "TargetKind",
    "best_match",
    "designation_key",
    "fold_name",
    "match_name",
    "name_tokens",
]


class TargetKind(enum.Enum):
    """What kind of thing is sanctioned, after FollowTheMoney's schemata.

    ``ENTITY`` is any legal entity (FtM's ``LegalEntity``); ``COMPANY`` and
    ``ORGANIZATION`` say more where the source does (see :mod:`timeline.ftm`).
    """

    PERSON = "person"
    ENTITY = "entity"
    COMPANY = "company"
    ORGANIZATION = "organization"
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
        properties: Everything the source says of the target, as ``(name,
            value)`` pairs in the source's own names (FollowTheMoney's, for
            an import): every value of every property, the fields above
            included, so an export can give them back. Empty when the
            target is written by hand.
    """

    name: str
    kind: TargetKind
    aliases: tuple[str, ...] = ()
    country: str | None = None
    named: bool = True
    properties: frozenset[tuple[str, str]] = frozenset()


def designation_key(authority: str, program: str | None, target: str) -> str:
    """The fact key of a designation: ``authority / program / target``.

    >>> designation_key("UN Security Council", None, "DPRK")
    'UN Security Council / - / DPRK'
    """
    return f"{authority} / {program or '-'} / {target}"


#: The designation shared by every designation recorded before schema version 2, in its
#: key: then a second designation while one was in force counted as a further source.
BEFORE_V2: Final = "(before v2)"


@event("sanctions.designated", version=3)
class Designated:
    """A target is designated (listed) by an authority.

    The record's valid time is when the designation takes effect: a date
    (in force from then, until lifted) or an interval with its end.

    Each record is a designation of its own, even of a target already
    listed by the same authority under the same program (a re-designation).
    Two records that report the *same* designation -- two sources for one
    listing -- say so by giving the same ``designation``.

    Attributes:
        target: Who or what.
        authority: Who designates ("US Department of the Treasury").
        program: The sanctions program ("RUSSIA-EO14024").
        program_id: The program's identifier at the authority.
        legal_basis: The instrument it rests on (an executive order, a resolution).
        reason: Why, as the authority or source gives it.
        provisions: What it imposes (asset freeze, travel ban ...).
        listing_date: When the listing was published, if not the effective date.
        designation: An identifier of this designation (the authority's
            listing reference, a FollowTheMoney sanction id); by default the
            id of the record. Amendments and lifts name it.
        properties: Everything the source says of the designation, as
            ``(name, value)`` pairs in the source's own names
            (FollowTheMoney's ``Sanction`` properties, for an import): every
            value of every property -- the second authority, a status, a
            summary -- where the fields above hold one value or none. Its
            ``authority`` values count as the designation's authorities
            (``in_force(authority=...)`` finds any of them). Empty when the
            designation is written by hand.
    """

    target: Target
    authority: str
    program: str | None = None
    program_id: str | None = None
    legal_basis: str | None = None
    reason: str | None = None
    provisions: tuple[str, ...] = ()
    listing_date: dt.date | None = None
    designation: str | None = None
    properties: frozenset[tuple[str, str]] = frozenset()

    def values(self, name: str) -> tuple[str, ...]:
        """Every value the source gives for property ``name``, sorted (see ``properties``).

        >>> Designated(
        ...     target=Target(name="ZALA Aero", kind=TargetKind.COMPANY),
        ...     authority="EU",
        ...     properties=frozenset({("authority", "SECO"), ("authority", "EU")}),
        ... ).values("authority")
        ('EU', 'SECO')
        """
        return tuple(sorted(value for key, value in self.properties if key == name))


def _name_one(event: DesignationAmended | Lifted) -> None:
    if (event.designation is None) == (not event.every):
        raise InvalidEventError(
            f"{type(event).__name__} of {event.target!r} must name the designation it changes "
            "(designation=...) or say every=True for all of that target's designations by "
            f"{event.authority!r}{' under ' + event.program if event.program else ''}, "
            "not both and not neither"
        )


@event("sanctions.designation_amended", version=2)
class DesignationAmended:
    """A designation's terms change from the record's valid time on.

    Attributes:
        target: The target's listed name.
        authority: Who designated it.
        program: Under which program.
        reason: The new reason, if it changes.
        provisions: The new provisions, if they change.
        designation: The designation changed: its ``designation`` (or the id
            of the record that made it).
        every: Instead: every designation of the target by the authority
            under the program that is in force.

    Raises:
        InvalidEventError: Neither or both of ``designation`` and ``every``.
    """

    target: str
    authority: str
    program: str | None = None
    reason: str | None = None
    provisions: tuple[str, ...] = ()
    designation: str | None = None
    every: bool = False

    def __attrs_post_init__(self) -> None:
        _name_one(self)


@event("sanctions.lifted", version=2)
class Lifted:
    """A designation ends (delisted, expired) at the record's valid time.

    Attributes:
        target: The target's listed name.
        authority: Who designated it.
        program: Under which program.
        reason: Why it ends.
        designation: The designation lifted: its ``designation`` (or the id of
            the record that made it).
        every: Instead: every designation of the target by the authority
            under the program that is in force.

    Raises:
        InvalidEventError: Neither or both of ``designation`` and ``every``.
    """

    target: str
    authority: str
    program: str | None = None
    reason: str | None = None
    designation: str | None = None
    every: bool = False

    def __attrs_post_init__(self) -> None:
        _name_one(self)


# Records of schema version 1 keep their meaning: designations of one key were
# one fact (a second one while the first was in force was a further source), and
# amendments and lifts changed that fact -- every designation of the key.
@default_registry.upcaster("sanctions.designated", from_version=1)
def _designated_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "designation": BEFORE_V2}


# Version 3 added ``properties`` (to the designation and its target), empty by default.
@default_registry.upcaster("sanctions.designated", from_version=2)
def _designated_v2(data: dict[str, Any]) -> dict[str, Any]:
    return data


@default_registry.upcaster("sanctions.designation_amended", from_version=1)
def _amended_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "every": True}


@default_registry.upcaster("sanctions.lifted", from_version=1)
def _lifted_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "every": True}


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


@event("sanctions.list_imported", version=1)
class ListImported:
    """A source's list of sanctions, as exported at a date, was read into the log.

    :func:`timeline.ftm.import_ftm` writes one for each source (an
    OpenSanctions dataset) of an export it imports, so the log knows how far
    each source has been read: a newer export of it ends what it no longer
    lists, and an older one is refused. The record's valid time is the
    export's date. Temporal facts ignore it.

    Attributes:
        source: The source's name (the dataset, ``"us_ofac_sdn"``); empty for
            an export that names none.
        exported: When the export was made (aware).
        sanctions: How many sanctions of this source the export held.
    """

    source: str
    exported: dt.datetime
    sanctions: int


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

    #: 2: designations carry their other authorities (``authorities``) and ``program_id``.
    version = 2

    #: ``target``: the listed name and aliases, matched as people search names;
    #: ``authority``: the designating authority and the others that list it;
    #: ``program``: the program, equal but for case and accents. Kept in the
    #: index, so :meth:`in_force` reads only the rows of the designations it returns.
    filters: ClassVar[Mapping[str, Filter]] = {
        "target": Filter(("target", "aliases")),
        "authority": Filter(("authority", "authorities")),
        "program": Filter(("program",), match="equal"),
    }

    @starts(Designated)
    def _designated(self, record: Record) -> Change:
        found: Designated = record.event
        authorities = found.values("authority")
        return Change(
            designation_key(found.authority, found.program, found.target.name),
            _drop_empty(
                {
                    "target": found.target.name,
                    "aliases": found.target.aliases,
                    "kind": found.target.kind.value,
                    "named": found.target.named,
                    "country": found.target.country,
                    "authority": found.authority,
                    "authorities": (
                        tuple(sorted({found.authority, *authorities})) if authorities else ()
                    ),
                    "program": found.program,
                    "program_id": found.program_id,
                    "reason": found.reason,
                    "provisions": found.provisions,
                    "listing_date": found.listing_date,
                }
            ),
            fact=found.designation or str(record.id),
        )

    @amends(DesignationAmended)
    def _amended(self, record: Record) -> Change:
        found: DesignationAmended = record.event
        return Change(
            designation_key(found.authority, found.program, found.target),
            _drop_empty({"reason": found.reason, "provisions": found.provisions}),
            fact=found.designation,
            every=found.every,
        )

    @ends(Lifted)
    def _lifted(self, record: Record) -> Change:
        found: Lifted = record.event
        return Change(
            designation_key(found.authority, found.program, found.target),
            fact=found.designation,
            every=found.every,
        )

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
        valid: QuestionLike,
        *,
        known: dt.datetime | dt.date | str | None = None,
        target: str | None = None,
        authority: str | None = None,
        program: str | None = None,
        tz: str = FLOATING,
    ) -> InForce:
        """Return the sanctions in force (yes or maybe) at ``valid`` as known at ``known``.

        Catches up with the log first; ``valid`` is read at its own precision
        (``"2024-01"`` is the whole month: see :class:`~timeline.Question`).
        Each designation is a hit of its own, so a target designated twice and
        still listed twice gives two hits.

        ``target`` and ``authority`` are matched as people search names (see
        :func:`match_name`): whole words, in any script the data holds or
        transliterated, whatever the case and accents -- ``"Zakharov"``,
        ``"Aleksandr Zakharov"`` and ``"Захаров"`` all find "Zakharov
        Aleksandr Nikolaevich". The hits are then ranked: those whose name
        (or authority) is the query exactly first, then the query's words in
        the name's order, then in another order; in key order within a rank.

        Args:
            valid: The date, month, year or instant asked about.
            known: What the log knew at this time; everything by default.
            target: Only sanctions on this target: a word or words of its listed
                name or of one of its aliases.
            authority: Only those of this authority: a word or words of one
                of the designation's authorities.
            program: Only those under this program (case and accents ignored).
            tz: The zone ``valid`` is read in where it names none (by default
                none: floating), as in :meth:`~timeline.TemporalFacts.at`.
        """
        where = {"target": target, "authority": authority, "program": program}
        self.catch_up()
        asked = Question.of(valid, tz=tz)
        return self._ask(asked, self._known(known), where, valid, ranked=True)

    def answer(
        self,
        key: str,
        valid: QuestionLike,
        *,
        known: dt.datetime | dt.date | str | None = None,
    ) -> Answer:
        """Answer "was sanction ``key`` in force at ``valid``?" (yes / maybe / no).

        Yes if one of the key's designations surely was.
        """
        return self.at(valid, known=known).answer(key)
