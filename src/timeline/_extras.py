"""Optional features, reached from the core by name when they are used.

A feature (pictures, with matplotlib; words to valid time) builds on the
core: it imports temporal facts, records and valid time. The core still
offers it as a method (``TemporalFacts.plot``, ``Rule.derive``); reaching it
by name, at the moment it is asked for, keeps the core from importing a
module above it, and so from an import circle
(docs/explanation/architecture.md).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Literal

__all__ = ["feature"]

#: The optional features the core offers, by module name under ``timeline``.
Feature = Literal["plot", "words"]


def feature(name: Feature) -> ModuleType:
    """Import and return the optional feature ``timeline.<name>``.

    Raises:
        MissingExtraError: What the feature needs is not installed (the
            feature's module says which extra to install).
    """
    return importlib.import_module(f"timeline.{name}")
