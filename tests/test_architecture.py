"""The house: every import goes down the layers (docs/explanation/architecture.md), no circles.

An import that runs -- at a module's top or inside a function -- may name a
module of its own layer or one below, and the modules with the imports among
them form no circle. Imports under ``if TYPE_CHECKING:`` are for the type
checker only and never run: they may point anywhere.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "timeline"

#: The layers from the bottom up (docs/explanation/architecture.md), by module prefix.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("timeline", "timeline._errors", "timeline._answer", "timeline._logger", "timeline._ids",
     "timeline._collector", "timeline._retry", "timeline._seeds", "timeline._terminal",
     "timeline._extras", "timeline._names", "timeline._reprs",
     "timeline._renamed"),
    ("timeline.time",),
    ("timeline._records", "timeline._clock", "timeline._words._rule", "timeline._words._readings"),
    ("timeline._events", "timeline._corrections"),
    ("timeline._codec",),
    ("timeline.typing",),
    ("timeline.stores",),
    ("timeline._log",),
    ("timeline._projection", "timeline.facts", "timeline._facts", "timeline._intervals"),
    ("timeline.sanctions", "timeline.events", "timeline.words",
     "timeline._words"),
    ("timeline._importer", "timeline._loading", "timeline.ftm", "timeline._ftm_import",
     "timeline._ftm_read", "timeline._ftm_write", "timeline.tables", "timeline.plot"),
    ("timeline._cli", "timeline.testing"),
    ("timeline._command", "timeline.__main__"),
)  # fmt: skip


def _layer(module: str) -> int:
    best, found = -1, None
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            # The package itself is its __init__ alone: a new module must be placed.
            inside = prefix != "timeline" and module.startswith(prefix + ".")
            if (module == prefix or inside) and len(prefix) > best:
                best, found = len(prefix), number
    if found is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and to architecture.md")
    return found


@functools.cache
def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _runs(tree: ast.Module) -> list[ast.ImportFrom | ast.Import]:
    """The imports in a module that run: not those under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped
    ]


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The library's modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "timeline"]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if node.level:
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    if base.split(".")[0] != "timeline":
        return []
    known = _modules()
    # "from . import _late" loads a module; "from ._x import name" loads _x.
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


@functools.cache
def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in _modules().items():
        tree = ast.parse(path.read_text())
        graph[module] = {
            target
            for node in _runs(tree)
            for target in _targets(module, path, node)
            if target != module
        }
    return graph


def test_every_module_has_a_layer():
    """Every module of the package is placed in a layer (so the next check sees it)."""
    for module in _modules():
        _layer(module)


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_go_down(module):
    """A module imports only its own layer and those below it."""
    up = [
        target
        for target in sorted(_graph()[module])
        if _layer(target) > _layer(module) and not target.startswith(module + ".")
    ]
    assert up == [], f"{module} (layer {_layer(module)}) imports a higher layer: {up}"


def test_no_import_circles():
    """No module reaches itself through the imports that run."""
    graph = _graph()
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                circles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert circles == []


ARCHITECTURE = PACKAGE.parent.parent / "docs" / "explanation" / "architecture.md"
#: "No module over ~600 lines": the bound a module may reach before it is split.
MOST_LINES = 650


def test_every_module_is_in_the_architecture_table():
    """docs/explanation/architecture.md lists every module, so a newcomer finds each room."""
    table = ARCHITECTURE.read_text()
    missing = [module for module in _modules() if f"| `{module}` |" not in table]
    assert missing == [], f"add to the table in {ARCHITECTURE.name}: {missing}"


def test_no_module_is_too_big_to_read():
    """One concept a module: none grows past MOST_LINES lines."""
    sizes = {module: len(path.read_text().splitlines()) for module, path in _modules().items()}
    big = {module: lines for module, lines in sizes.items() if lines > MOST_LINES}
    assert big == {}, f"split these (one concept per module): {big}"
