"""The shape of the house: imports between policycheck's modules form no circle, and the core
(everything but cli, cloud and emulator) never imports an edge.

Every `import policycheck...` and `from policycheck... import` counts, wherever it stands: at
the top, inside a function (lazy), or under `if TYPE_CHECKING:`; a module that names an edge
only in an annotation still knows it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "policycheck"
EDGES = ("cli", "cloud", "emulator")
# `python -m policycheck` runs the CLI: __main__ is the CLI's doorway, not part of the core.
ENTRY_POINTS = {"policycheck.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The policycheck modules one import statement names (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "policycheck"]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    if base.split(".")[0] != "policycheck":
        return []
    # `from policycheck.evaluate import engine` imports the submodule when there is one.
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets = set()
        for node in ast.walk(tree):
            for name in imported(node, module, path.name == "__init__.py"):
                while name not in MODULES and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name != module:
                    targets.add(name)
        graph[module] = targets
    return graph


def edge_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in EDGES else None


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports, as the list of modules around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_the_graph_sees_lazy_and_relative_imports():
    graph = import_graph()
    assert "policycheck.cli" in graph["policycheck.__main__"]
    # cli/__init__ imports each command only when it runs, inside a function.
    assert "policycheck.report" in graph["policycheck.cli"]


def test_no_module_imports_itself_round_a_circle():
    assert find_cycle(import_graph()) is None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_core_never_imports_an_edge():
    reaching_up = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if edge_of(module) is None and module not in ENTRY_POINTS
        for target in targets
        if edge_of(target) is not None
    )
    assert reaching_up == []


def test_edges_do_not_import_the_cli():
    """cloud and the emulator are used by the CLI, never the other way round."""
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if edge_of(module) in ("cloud", "emulator")
        for target in targets
        if edge_of(target) == "cli"
    )
    assert wrong == []
