"""Clocks: where the log's known times come from."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from ._errors import KnownTimeError
from .time import to_instant

__all__ = ["ManualClock", "SystemClock"]


class SystemClock:
    """The real time, in UTC.

    >>> SystemClock()().timezone_name
    'UTC'
    """

    def __call__(self) -> pendulum.DateTime:
        return pendulum.now("UTC")

    def __repr__(self) -> str:
        return "SystemClock()"


@attrs.define
class ManualClock:
    """A clock that moves only when told: for tests, imports and examples.

    >>> clock = ManualClock("2024-01-12T09:00:00Z")
    >>> clock.advance(hours=1)
    DateTime(2024, 1, 12, 10, 0, 0, tzinfo=Timezone('UTC'))
    """

    now: pendulum.DateTime = attrs.field(converter=to_instant)

    def __call__(self) -> pendulum.DateTime:
        return self.now

    def set(self, instant: dt.datetime | str) -> pendulum.DateTime:
        """Move the clock to ``instant`` (which may be in the past: it is a test clock)."""
        self.now = to_instant(instant)
        return self.now

    def advance(self, **duration: float) -> pendulum.DateTime:
        """Move the clock forward by a pendulum duration, e.g. ``days=1``.

        Raises:
            KnownTimeError: The duration is negative.
        """
        moved = self.now.add(**duration)  # type: ignore[arg-type]
        if moved < self.now:
            raise KnownTimeError("advance() moves forward only; use set() to go back")
        self.now = moved
        return self.now
