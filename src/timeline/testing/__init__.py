"""Test your projections: hypothesis strategies, law checks and store fixtures.

Needs hypothesis and pytest (``pip install 'bitemporal-timeline[testing]'``). Strategies draw valid
times, the user's own events and whole histories of a log; law checks
(:func:`check_laws` and the single ``check_*`` functions) assert that a
projection obeys the laws every projection must, and show the smallest
failing history in plain words. :class:`StoreContract` is the test suite
every store passes; ``timeline.testing.pytest_plugin`` gives a fresh store of
each kind as the ``timeline_store`` fixture.

>>> from hypothesis import strategies as st
>>> from timeline.testing import moments
>>> isinstance(moments(), st.SearchStrategy)
True
"""

from ._checks import (
    check_append_order,
    check_determinism,
    check_incremental,
    check_known_time_prefix,
    check_resume,
    check_retraction,
    check_snapshot,
)
from ._contract import PersistentStoreContract, StoreContract
from ._fresh_law import check_fresh_interpreter
from ._law_kinds import LAWS, BrokenLawError, LawCheckError, LawSkippedWarning, Runner
from ._laws import check_laws, law_settings
from ._schedules import Append, Correct, Retract, Schedule, Step, play, schedules
from ._strategies import date_sets, edtf_strings, events, instants, intervals, moments, valid_times

__all__ = [
    "LAWS",
    "Append",
    "BrokenLawError",
    "Correct",
    "LawCheckError",
    "LawSkippedWarning",
    "PersistentStoreContract",
    "Retract",
    "Runner",
    "Schedule",
    "Step",
    "StoreContract",
    "check_append_order",
    "check_determinism",
    "check_fresh_interpreter",
    "check_incremental",
    "check_known_time_prefix",
    "check_laws",
    "check_resume",
    "check_retraction",
    "check_snapshot",
    "date_sets",
    "edtf_strings",
    "events",
    "instants",
    "intervals",
    "law_settings",
    "moments",
    "play",
    "schedules",
    "valid_times",
]
