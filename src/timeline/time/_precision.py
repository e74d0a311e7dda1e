"""How precisely a date was stated: precision, groupings, qualifiers, open ends."""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["End", "Grouping", "Precision", "Qualifier"]


class Precision(enum.IntEnum):
    """How finely a :class:`Moment` was stated, coarsest first."""

    YEAR = 1
    MONTH = 2
    DAY = 3
    HOUR = 4
    MINUTE = 5
    SECOND = 6
    MICROSECOND = 7

    @property
    def unit(self) -> str:
        """The pendulum duration keyword for one unit of this precision."""
        return _UNITS[self]


_UNITS: Final = {
    Precision.YEAR: "years",
    Precision.MONTH: "months",
    Precision.DAY: "days",
    Precision.HOUR: "hours",
    Precision.MINUTE: "minutes",
    Precision.SECOND: "seconds",
    Precision.MICROSECOND: "microseconds",
}


class Grouping(enum.Enum):
    """A season or other sub-year grouping, written in a date's month place (EDTF 21-41).

    ``2001-21`` is spring 2001, ``2001-34`` its second quarter. Each grouping
    is a run of whole months: seasons are meteorological, three months each;
    a season that runs over the new year (northern winter, southern summer)
    begins in December of the year written. The seasons 21-24 do not say
    where they were observed; they are read as the northern hemisphere's
    (as the ``edtf`` package and most catalogues read them) -- write 29-32
    for the southern hemisphere's.

    >>> from timeline import Moment
    >>> Moment.parse("2001-24").bounds()
    Bounds.of('2001-12-01T00:00:00', '2002-03-01T00:00:00', floating=True)
    """

    SPRING = 21
    SUMMER = 22
    AUTUMN = 23
    WINTER = 24
    SPRING_NORTH = 25
    SUMMER_NORTH = 26
    AUTUMN_NORTH = 27
    WINTER_NORTH = 28
    SPRING_SOUTH = 29
    SUMMER_SOUTH = 30
    AUTUMN_SOUTH = 31
    WINTER_SOUTH = 32
    QUARTER_1 = 33
    QUARTER_2 = 34
    QUARTER_3 = 35
    QUARTER_4 = 36
    QUADRIMESTER_1 = 37
    QUADRIMESTER_2 = 38
    QUADRIMESTER_3 = 39
    SEMESTER_1 = 40
    SEMESTER_2 = 41

    @property
    def first_month(self) -> int:
        """The month the grouping begins in (1-12), in the year written."""
        return _GROUPING_MONTHS[self][0]

    @property
    def months(self) -> int:
        """How many months the grouping lasts; a qualifier widens it by this many."""
        return _GROUPING_MONTHS[self][1]


_SEASONS: Final = {"SPRING": 3, "SUMMER": 6, "AUTUMN": 9, "WINTER": 12}
_SOUTH: Final = {"SPRING": 9, "SUMMER": 12, "AUTUMN": 3, "WINTER": 6}
_GROUPING_MONTHS: Final[dict[Grouping, tuple[int, int]]] = {
    **{g: (_SEASONS[g.name.split("_")[0]], 3) for g in Grouping if g.value <= 28},
    **{g: (_SOUTH[g.name.split("_")[0]], 3) for g in Grouping if 29 <= g.value <= 32},
    **{g: (3 * (g.value - 33) + 1, 3) for g in Grouping if 33 <= g.value <= 36},
    **{g: (4 * (g.value - 37) + 1, 4) for g in Grouping if 37 <= g.value <= 39},
    **{g: (6 * (g.value - 40) + 1, 6) for g in Grouping if g.value >= 40},
}
_GROUPING_CODES: Final = {f"{g.value}": g for g in Grouping}


class Qualifier(enum.Enum):
    """An EDTF qualifier: approximate (``~``), uncertain (``?``) or both (``%``)."""

    APPROXIMATE = "~"
    UNCERTAIN = "?"
    BOTH = "%"

    @property
    def approximate(self) -> bool:
        """True for ``~`` and ``%``."""
        return self is not Qualifier.UNCERTAIN

    @property
    def uncertain(self) -> bool:
        """True for ``?`` and ``%``."""
        return self is not Qualifier.APPROXIMATE

    def __or__(self, other: Qualifier | None) -> Qualifier:
        if other is None or other is self:
            return self
        return Qualifier.BOTH


class End(enum.Enum):
    """An interval end that is not a date: open (``..``) or unknown (empty).

    *Open* means the interval reaches without limit in that direction ("until
    further notice", "since time immemorial"). *Unknown* means it has an end
    that the source does not give.
    """

    OPEN = ".."
    UNKNOWN = ""

    def __repr__(self) -> str:
        return f"End.{self.name}"
