"""General event kinds that many timelines need: meetings, strikes, statements, ...

Each is a registered event type (in :data:`timeline.default_registry`); the
record's valid time says when it happened, its provenance who says so.

>>> from timeline.events import Meeting
>>> Meeting(participants=("Kim Jong Un", "Vladimir Putin"), place="Russia's Far East")
Meeting(participants=('Kim Jong Un', 'Vladimir Putin'), place="Russia's Far East", topic=None)
"""

from __future__ import annotations

from ._events import event

__all__ = ["Launch", "Meeting", "Occurrence", "Resolution", "Statement", "Strike"]


@event("events.meeting", version=1)
class Meeting:
    """People met.

    Attributes:
        participants: Who took part.
        place: Where, as the source says it.
        topic: What about, if stated.
    """

    participants: tuple[str, ...]
    place: str | None = None
    topic: str | None = None


@event("events.strike", version=1)
class Strike:
    """An attack: who struck whom, with what, where.

    Attributes:
        attacker: Who struck.
        target: Who or what was struck.
        weapon: With what ("short-range ballistic missiles").
        weapon_origin: Where the weapon came from, if stated.
        place: Where.
    """

    attacker: str
    target: str
    weapon: str | None = None
    weapon_origin: str | None = None
    place: str | None = None


@event("events.launch", version=1)
class Launch:
    """A launch or weapons test.

    Attributes:
        actor: Who launched or tested.
        system: What ("Hwasong-18 ICBM", "nuclear device").
        kind: "test", "launch" ...
        place: Where.
    """

    actor: str
    system: str
    kind: str = "test"
    place: str | None = None


@event("events.resolution", version=1)
class Resolution:
    """A resolution adopted by a body (the UN Security Council, say).

    Attributes:
        body: Who adopted it.
        number: Its number or symbol ("2397").
        subject: What it is about.
        votes_for: How many voted for it, if known.
    """

    body: str
    number: str | None = None
    subject: str | None = None
    votes_for: int | None = None


@event("events.statement", version=1)
class Statement:
    """Someone said something: a claim, a denial, a warning.

    The speaker is also in the record's provenance; here it is part of what
    happened.

    Attributes:
        speaker: Who said it.
        text: What was said, as quoted or summarised.
        about: What it concerns.
    """

    speaker: str
    text: str
    about: str | None = None


@event("events.occurrence", version=1)
class Occurrence:
    """Anything else that happened, described in words.

    Attributes:
        what: A short description ("start of the Russian invasion of Ukraine").
        actors: Who was involved.
    """

    what: str
    actors: tuple[str, ...] = ()
