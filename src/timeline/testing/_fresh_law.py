"""The fresh-interpreter law: the same state in a new process with another hash seed.

Catches module-level state and orders that hang on PYTHONHASHSEED, which no law
inside one process can; the projection must be importable by name.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from timeline._events import Registry, default_registry
from timeline._log import Log
from timeline.stores import JsonLinesStore, copy

from ._fresh import FreshInterpreter, Shown, comparable, everything, import_path
from ._law_kinds import Factory, _broken, _law
from ._schedules import Schedule, play


def _registry_path(registry: Registry | None, factory: object) -> str | None:
    chosen = default_registry if registry is None else registry
    for module_name in (getattr(factory, "__module__", None), "timeline._events"):
        module = sys.modules.get(module_name or "")
        for name, value in (vars(module) if module is not None else {}).items():
            if value is chosen:
                return f"{module_name}:{name}"
    return None


def _fresh_places(factory: Factory, registry: Registry | None) -> tuple[str, str] | None:
    """Where another interpreter imports the projection and its registry from; None if it can't."""
    where, registry_at = import_path(factory), _registry_path(registry, factory)
    return None if where is None or registry_at is None else (where, registry_at)


def _state_of(answer: dict[str, Any], factory: Factory, log: Log) -> object:
    """Another interpreter's state as a value: structured back where it can be, else as shown."""
    state_type = getattr(factory(), "state_type", None)
    if state_type is None:
        return Shown(answer["repr"])
    try:
        return log.codec.converter.structure(answer["plain"], state_type)
    except Exception:  # noqa: BLE001 -- shown as it was written instead
        return Shown(answer["repr"])


def _check_fresh(
    factory: Factory,
    schedule: Schedule,
    interpreters: Sequence[FreshInterpreter],
    folder: Path,
    *,
    registry: Registry | None,
) -> None:
    with _law("fresh", schedule):
        log = play(schedule, registry=registry)
        here = everything(factory, log)
        text = comparable(here, log)
    path = folder / "log.jsonl"
    path.unlink(missing_ok=True)
    copy(log.store, JsonLinesStore(path, durability="normal"))
    # One interpreter per history, the same one whenever hypothesis runs it again: over
    # many histories every hash seed is tried, for the cost of one fork each.
    interpreter = interpreters[zlib.crc32(str(schedule).encode()) % len(interpreters)]
    answer = interpreter.fold(path)
    seed = f"PYTHONHASHSEED={interpreter.hash_seed}"
    if "error" in answer:
        _broken(
            "fresh",
            f"in a fresh interpreter ({seed}) it failed: {answer['error']}",
            schedule,
            here,
            "an exception",
        )
    if answer["comparable"] != text:
        _broken(
            "fresh",
            f"a fresh interpreter ({seed}) gave another state: module-level state, or an "
            "order that depends on hashing",
            schedule,
            _state_of(answer, factory, log),
            here,
        )


@contextlib.contextmanager
def _interpreters(
    places: tuple[str, str], seeds: Sequence[int]
) -> Iterator[list[FreshInterpreter]]:
    started = [FreshInterpreter(*places, seed) for seed in seeds]  # they start side by side
    try:
        yield started
    finally:
        for interpreter in started:
            interpreter.close()


def check_fresh_interpreter(
    factory: Factory,
    schedule: Schedule,
    *,
    registry: Registry | None = None,
    hash_seed: int = 1,
) -> None:
    """The state is the same in a fresh interpreter, with another hash seed.

    Catches what no law inside one process can: module-level state (a memo
    that corrections never reach, a cache filled by earlier histories) and
    set or dict orders that depend on ``PYTHONHASHSEED``. The projection
    and its registry must be importable (defined at module level). The
    report's expected state is the fresh interpreter's, as a value (structured
    back into ``state_type``), and the state got is this process's.

    Raises:
        BrokenLawError: The states differ.
        TypeError: The projection or the registry cannot be imported elsewhere.
    """
    places = _fresh_places(factory, registry)
    if places is None:
        raise TypeError(
            f"{factory!r} and its registry must be importable (module-level names in an "
            "importable module) to be checked in another interpreter"
        )
    with (
        _interpreters(places, [hash_seed]) as started,
        tempfile.TemporaryDirectory() as folder,
    ):
        _check_fresh(factory, schedule, started, Path(folder), registry=registry)
