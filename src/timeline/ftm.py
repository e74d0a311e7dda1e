"""FollowTheMoney: sanctions data as OpenSanctions publishes it, in and out (the ``ftm`` extra).

:func:`import_ftm` reads FollowTheMoney entities -- JSON lines, nested
(``targets.nested.json``) or flat, gzipped or not, or a JSON array -- and
appends a :class:`~timeline.sanctions.Designated` for each ``Sanction`` on
each entity it names. Nothing the export says is lost:

* every value of every property of the sanction and of its target is kept
  in the event's ``properties`` (and the typed fields hold the first of
  each, sorted, so the order of values in the export never matters);
* each ``startDate`` and ``endDate`` value is a valid time: a sanction with
  two start dates is two records of one designation, whose spell then has a
  conflict on its start -- surely in force only from the later start, maybe
  from the earlier (see :class:`~timeline.TemporalFacts`);
* OpenSanctions' own times are the known times: what is new is known from
  its ``first_seen``, what changed from its ``last_change``, when the log
  knows nothing later (else from the export's date, with a
  :class:`BackfillWarning`);
* each source (dataset) of an export is recorded with the export's date
  (:class:`~timeline.sanctions.ListImported`): a newer export of it ends
  what it no longer lists, and an older one is refused.

:func:`export_ftm` writes designations back as FtM entities, which
``followthemoney`` validates; a round trip gives the entities back, as sets
of values per property. What each property becomes is in :doc:`/how-to/ftm`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ._errors import MissingExtraError
from ._ftm_import import BackfillWarning, Imported, _Import
from ._ftm_read import SCHEMATA, FtMError, Reader
from ._ftm_write import entities_of
from ._records import known_instant
from ._renamed import renamed

if TYPE_CHECKING:
    from followthemoney import Model

    from ._log import Log

__all__ = [
    "SCHEMATA",
    "BackfillWarning",
    "FtMError",
    "Imported",
    "export_ftm",
    "import_ftm",
    "iter_ftm",
]

Source = Path | str | IO[bytes] | Iterable[str | Mapping[str, Any]]


@renamed(known_at="known")
def import_ftm(
    source: Source,
    log: Log,
    *,
    known: dt.datetime | dt.date | str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Import the sanctions among FollowTheMoney entities into ``log`` (see the module).

    The export is read as a stream and checked whole before anything is
    written; then everything it adds is appended as one batch. Importing the
    same export again adds nothing.

    Args:
        source: A file of entities (a path; ``"-"`` is standard input; JSON
            lines, nested or flat, or a JSON array; gzipped or not), a binary
            file, or the entities themselves, as JSON lines or dicts
            (``EntityProxy.to_dict()``).
        log: The log to append to.
        known: When the export was made, for sources whose entities do not
            say when they were last seen, and as the known time of what has
            no time of its own; the log's clock by default.
        progress: Called with the number of entities read, every thousand.

    Raises:
        FtMError: A line is no JSON or no FtM entity, a schema is unknown to
            FtM or not a target timeline maps, a sanction names no entity or
            one the export does not hold, has no authority, is in the export
            twice with different values, or has dates no valid time reads; or
            the export is older than the last one of its source in the log.
        MissingExtraError: ``followthemoney`` is not installed (the ``ftm`` extra).
        KnownTimeError: ``known`` is earlier than the log's last known time.
    """
    return import_read(read_export(source, progress=progress), source, log, known=known)


def read_export(source: Source, *, progress: Callable[[int], None] | None = None) -> Reader:
    """Read and check an export whole, before any log is opened (the first half of an import)."""
    reader = Reader(_model(), progress)
    reader.read(source)
    return reader


@renamed(known_at="known")
def import_read(
    reader: Reader, source: Source, log: Log, *, known: dt.datetime | dt.date | str | None = None
) -> Imported:
    """Import an export :func:`read_export` read into ``log`` (the second half of an import)."""
    named = str(source) if isinstance(source, str | Path) else "the export"
    explicit = None if known is None else known_instant(known)
    return _Import(log, reader, explicit, named).run()


def export_ftm(
    log: Log, *, known: dt.datetime | dt.date | str | None = None
) -> list[dict[str, Any]]:
    """Return the designations in ``log`` as FollowTheMoney entities (dicts), as known at ``known``.

    The entity of each target, then the sanctions. A designation an import
    kept is written as it came -- every value of every property, its start
    and end dates from its records -- with what the log learned since over
    it (a lift, an amendment); one written by hand is a ``Sanction`` per
    spell (``-2``, ``-3`` for later spells). Embargoes are left out: FtM has
    no sanction on a country without an entity. What FtM cannot say is
    described in :doc:`/how-to/ftm`.

    Raises:
        MissingExtraError: ``followthemoney`` is not installed (the ``ftm`` extra).
    """
    return list(iter_ftm(log, known=known))


def iter_ftm(
    log: Log, *, known: dt.datetime | dt.date | str | None = None
) -> Iterator[dict[str, Any]]:
    """:func:`export_ftm`, an entity at a time (as ``timeline export-ftm`` writes them).

    Raises:
        MissingExtraError: ``followthemoney`` is not installed (the ``ftm`` extra).
    """
    return entities_of(_model(), log, known=known)


def _model() -> Model:
    try:
        from followthemoney import model  # noqa: PLC0415 -- an optional extra, imported when used
    except ImportError:
        raise MissingExtraError(
            "followthemoney is not installed: pip install 'bitemporal-timeline[ftm]'"
        ) from None
    return model
