"""Options as the commands read them: the known time, the zone, the formats.

Each is checked where it is parsed, so a bad value is one line naming the
option, before any store is opened.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Final

import pendulum

from timeline._errors import InvalidValidTimeError, StoreNotFoundError, TimelineError
from timeline._records import known_instant
from timeline.stores import open_store
from timeline.time import zone_of

if TYPE_CHECKING:
    from timeline.typing import Store


def _open(location: str, *, write: bool) -> Store:
    try:
        return open_store(location, read_only=not write)
    except StoreNotFoundError as error:
        raise StoreNotFoundError(f"{error}; load a file into it first") from None


def _there(location: str, command: str) -> None:
    """Refuse a command that looks after a store (migrate, repair, rebuild) where there is none.

    Opening a store to write makes one where there is none: a mistyped path or schema
    would become an empty store, migrated or rebuilt. A store that is there but cannot be
    read as it is (an older schema, an unfinished batch) is the command's to see to.
    """
    try:
        open_store(location, read_only=True).close()
    except StoreNotFoundError:
        raise StoreNotFoundError(f"{location}: no timeline store there to {command}") from None
    except TimelineError:
        return


DEFAULT_STORE = "timeline.sqlite"


#: The output formats: a table for people, JSON, JSON lines and CSV for machines.
FORMATS = ("table", "json", "jsonl", "csv")


_ZONE_HELP: Final = (
    "the zone of dates and times written without one (an IANA name, UTC, +09:00); by default "
    "none: local time somewhere, met with zoned times through every offset"
)


def _tz_option(text: str) -> str:
    """A ``--tz`` value, checked: a zone pendulum knows, or an offset."""
    try:
        zone_of(text)
    except InvalidValidTimeError as error:
        raise argparse.ArgumentTypeError(f"{error} (give an IANA name, UTC or +09:00)") from None
    return text


def _known(args: argparse.Namespace) -> pendulum.DateTime | None:
    return None if args.known is None else known_instant(args.known)
