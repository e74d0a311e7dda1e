"""Answers, histories, changes and records as table rows, and as pandas or polars DataFrames.

:func:`rows` turns what a question returns into plain rows: a ``dict`` per
item with the same columns in every row, every value JSON-safe (text,
numbers, booleans, None, lists and dicts of those). :func:`to_pandas` and
:func:`to_polars` make DataFrames of the same columns (the ``pandas`` and
``polars`` extras); the command's ``--format csv`` writes them too.

What each kind of item becomes (see :doc:`/how-to/tables` for the dtypes):

* a :class:`~timeline.Hit` (what :meth:`~timeline.TemporalFacts.at` and
  :meth:`~timeline.TemporalFacts.during` answer): ``answer`` and the spell's
  columns;
* a :class:`~timeline.Transition` (:meth:`~timeline.TemporalFacts.changes`):
  ``change`` (``started`` or ``ended``), ``answer``, ``when`` (the start or end
  that changed, as EDTF) and the spell's columns;
* a :class:`~timeline.Spell` (:meth:`~timeline.TemporalFacts.history`):
  ``key``, ``fact``, its start as ``from`` (EDTF text, ``..`` when open, empty
  when unknown) with ``from_earliest``, ``from_latest`` and
  ``from_floating``, its end likewise as ``until``, ``sources``, ``records``
  (positions), ``conflicts`` (attribute names), then one column per
  attribute, ``attributes_<name>``;
* a :class:`~timeline.Record`: ``position``, ``id``, ``known_at``, ``type``,
  ``version``, ``subject``, its valid time as ``valid`` with
  ``valid_earliest``, ``valid_latest``, ``valid_floating`` and ``phrase``, the
  provenance (``source``, ``url``, ``quote``, ``speaker``, ``note``, and ``rule``:
  how the valid time was read from the source's words, or null), ``hash``,
  then one column per event field, ``event_<name>``;
* the ``found`` of a :class:`~timeline.SavedAnswer`: ``answer``, ``key`` and
  ``first_record``.

Instants (``*_earliest``, ``*_latest``, ``known_at``) are ISO 8601 text in
rows and tz-aware datetimes in DataFrames, in the zone ``tz`` (UTC unless
given). ``*_earliest`` is the first instant a value may mean and ``*_latest``
the first instant after it (exclusive), as :class:`~timeline.Bounds` has
them. A floating value -- written without a zone, local time wherever it
happened -- has no instant of its own: rows give its wall time without an
offset (``2006-01-01T00:00:00``), DataFrames read it in ``tz``, and
``*_floating`` says so. An open end is ``..`` and an unknown one empty, as
EDTF writes them, with no instants.

>>> from timeline import Log, ManualClock
>>> from timeline.sanctions import Designated, SanctionsInForce, Target, TargetKind
>>> log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
>>> unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
>>> _ = log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
>>> row = rows(SanctionsInForce(log).at("2024-02-01"))[0]
>>> row["answer"], row["from"], row["from_earliest"], row["until"], row["attributes_target"]
('yes', '2024-01-11', '2024-01-11T00:00:00', '..', '224th Flight Unit')
"""

from __future__ import annotations

from .facts._tables import RECORD_COLUMNS, SPELL_COLUMNS, rows, to_pandas, to_polars

__all__ = ["RECORD_COLUMNS", "SPELL_COLUMNS", "rows", "to_pandas", "to_polars"]

# Documented here, where users find them (they are made beside the answers, which offer them
# as methods too: ``answer.to_rows()``).
for _function in (rows, to_pandas, to_polars):
    _function.__module__ = __name__
del _function
