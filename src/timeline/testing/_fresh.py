"""Fresh interpreters for the fresh-interpreter law: one per hash seed, a forked child per fold.

Each is a new Python process with its own ``PYTHONHASHSEED`` that imports the
user's projection and registry once, then forks a child for every history:
the child starts from the state the modules had just after import -- exactly
what a new interpreter would see -- folds the log it is given, writes the
state down and exits. So every history can be checked in a fresh interpreter
for the cost of a fork, inside hypothesis's run, and a failure is shrunk like
any other.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import attrs

from timeline._log import Log
from timeline._projection import Projection, project
from timeline.stores import JsonLinesStore
from timeline.time import LATEST

_SERVER = """
import json, os, sys
from timeline.testing._fresh import fold_file, resolve
factory, registry = resolve(sys.argv[1]), resolve(sys.argv[2])
print("ready", flush=True)
for line in sys.stdin:
    path = line.rstrip("\\n")
    child = os.fork()
    if child == 0:
        try:
            answer = fold_file(factory, registry, path)
        except BaseException as error:
            answer = json.dumps({"error": f"{type(error).__name__}: {error}"})
        with open(path + ".out", "w", encoding="utf-8") as out:
            out.write(answer)
        os._exit(0)
    os.waitpid(child, 0)
    print("done", flush=True)
"""


def resolve(path: str) -> Any:  # noqa: ANN401 -- whatever the user named
    """The object at ``module:qualified.name``."""
    module, _, name = path.partition(":")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def import_path(value: object) -> str | None:
    """Where ``value`` can be imported from in another interpreter; None if it cannot."""
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    if not module or not name or "<" in name or module == "__main__":
        return None
    try:
        return f"{module}:{name}" if resolve(f"{module}:{name}") is value else None
    except (ImportError, AttributeError):
        return None


def everything(factory: Any, log: Log, known: Any = None) -> object:  # noqa: ANN401 -- any state
    """The state of every record known at ``known``, whatever its valid time."""
    made: Projection[Any] = factory()
    return project(made, log, valid=LATEST, known=known)


def comparable(state: object, log: Log) -> str:
    """A state as canonical text: sets sorted, so only real differences show."""

    def tidy(value: object) -> object:
        if isinstance(value, dict):
            pairs = [(json.dumps(tidy(k), sort_keys=True), tidy(v)) for k, v in value.items()]
            return sorted(pairs)
        if isinstance(value, set | frozenset):
            return sorted((tidy(item) for item in value), key=lambda i: json.dumps(i, default=repr))
        if isinstance(value, list | tuple):
            return [tidy(item) for item in value]
        if isinstance(value, float):
            return repr(value)
        if value is None or isinstance(value, bool | int | str):
            return value
        return repr(value)

    return json.dumps(tidy(log.codec.converter.unstructure(state)), default=repr)


def _plain(value: object) -> object:
    # JSON has no sets: a list (in a stable order) structures back into one.
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)


def fold_file(factory: Any, registry: Any, path: str) -> str:  # noqa: ANN401 -- the user's
    """Fold the JSON Lines log at ``path``: the state as canonical text, plain data and repr."""
    log = Log(JsonLinesStore(path, read_only=True), registry=registry)
    state = everything(factory, log)
    plain = json.loads(json.dumps(log.codec.converter.unstructure(state), default=_plain))
    return json.dumps({"comparable": comparable(state, log), "plain": plain, "repr": repr(state)})


@attrs.frozen
class Shown:
    """A state from another interpreter that does not structure back: shown as it wrote it."""

    text: str

    def __repr__(self) -> str:
        return self.text


class FreshInterpreter:
    """A new interpreter with its own hash seed, folding logs in a forked child each.

    Args:
        factory: Where the projection factory is imported from (``module:name``).
        registry: Where its registry is imported from.
        hash_seed: The interpreter's ``PYTHONHASHSEED``.
    """

    def __init__(self, factory: str, registry: str, hash_seed: int) -> None:
        self.hash_seed = hash_seed
        self._errors: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 -- kept open until close()
        self._ready = False
        self._process = subprocess.Popen(  # noqa: S603 -- this interpreter, on our own script
            [sys.executable, "-c", _SERVER, factory, registry],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            # The child imports what this process imports, from the same places.
            env={
                **os.environ,
                "PYTHONHASHSEED": str(hash_seed),
                "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            },
        )

    def fold(self, path: Path) -> dict[str, Any]:
        """The state of the JSON Lines log at ``path``, folded in a fresh child.

        Returns:
            ``{"comparable", "plain", "repr"}`` of the state, or ``{"error": ...}``
            when the projection raised or the interpreter could not start.
        """
        process = self._process
        assert process.stdin is not None  # noqa: S101 -- opened above
        assert process.stdout is not None  # noqa: S101
        try:
            if not self._ready:
                self._ready = process.stdout.readline() == "ready\n"
                if not self._ready:
                    return {"error": f"it could not start: {self._stderr_tail()}"}
            process.stdin.write(f"{path}\n")
            process.stdin.flush()
            if process.stdout.readline() != "done\n":
                return {"error": f"it stopped: {self._stderr_tail()}"}
        except OSError as error:  # a closed pipe: the interpreter is gone
            return {"error": f"it stopped ({error}): {self._stderr_tail()}"}
        out = Path(f"{path}.out")
        try:
            answer: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"error": f"its child wrote no state: {self._stderr_tail()}"}
        out.unlink()
        return answer

    def _stderr_tail(self) -> str:
        self._errors.seek(0)
        lines = self._errors.read().strip().splitlines()
        return lines[-1] if lines else f"exit code {self._process.poll()}"

    def close(self) -> None:
        """Stop the interpreter."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._errors.close()
