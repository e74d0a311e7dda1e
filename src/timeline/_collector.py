"""Pausing Python's cyclic garbage collector while a fold reads many records; memory after."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
from collections.abc import Callable, Iterator

__all__ = ["paused_collector", "release_freed_memory"]


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


@functools.cache
def _trim() -> Callable[[int], int] | None:
    """The C library's ``malloc_trim`` (glibc's); None where it has none (musl, macOS)."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # no C library to load by that name
        return None


def release_freed_memory() -> bool:
    """Give back to the system the memory a long fold freed; whether that could be asked.

    Records decoded by the hundred thousand are freed as the fold goes, but
    glibc keeps the freed pages of its heap for the process: after a first
    build of an index, resident memory would stay at the build's peak rather
    than what the index holds. ``malloc_trim(0)`` returns those pages (a
    few milliseconds). Where the C library has no such call, nothing is done.
    """
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
