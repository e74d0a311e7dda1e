"""Pausing Python's cyclic garbage collector while a fold reads many records."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused_collector"]


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """Pause the cyclic collector for the duration of the block.

    A fold that keeps what it reads (records to sort, an index being built)
    makes many objects that stay alive, and the collector would walk them
    all, again and again, for nothing: decoded records hold no reference
    cycles. Reference counting frees memory as usual meanwhile; the
    collector runs again, as before, once the block ends. Nested or
    concurrent pauses are harmless: the outermost restores the setting.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
