"""Waiting out another writer: how long, and how often to look again."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Final

__all__ = ["RETRY_FOR", "backoff"]

#: How long a writer that lost a race keeps trying, in seconds, before it says so.
#: Each try takes a moment; only a store written to without pause for this long
#: by others (or a writer that holds its lock) makes an append give up.
RETRY_FOR: Final = 60.0

_FIRST: Final = 0.001
_MOST: Final = 0.25


def backoff() -> Iterator[float]:
    """The pauses between tries: from a millisecond, doubling to a quarter second, jittered.

    The jitter keeps writers that lost to the same winner from meeting again
    at once. Never ends: the caller holds the deadline.
    """
    pause = _FIRST
    while True:
        yield random.uniform(pause / 2, pause)  # noqa: S311 -- spreading retries, not secrets
        pause = min(pause * 2, _MOST)
