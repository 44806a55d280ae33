"""No import circles among the modules of `store/` and `tui/`, function-level imports included."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("store", "tui")
SKIPPED = (ROOT / "store" / "migrations" / "versions",)  # Alembic's scripts, run by Alembic


def project_modules() -> dict[str, Path]:
    """Every project module by dotted name (a package by its own name), with its file."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(path.is_relative_to(skipped) for skipped in SKIPPED):
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def is_type_checking(test: ast.expr) -> bool:
    """Whether an `if` tests `TYPE_CHECKING` (or `typing.TYPE_CHECKING`)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement in `nodes`, at any depth, except under `if TYPE_CHECKING:`."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            yield from import_nodes(node.orelse)
        else:
            yield from import_nodes(ast.iter_child_nodes(node))


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that the module `name` (in file `path`) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def module_of(dotted: str) -> str | None:
        """The project module `dotted` names, else its longest project prefix, else None."""
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in import_nodes([tree]):
        if isinstance(node, ast.Import):
            targets = [module_of(alias.name) for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import module` imports the module; `from module import name`, the module
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else module_of(base)
                for alias in node.names
            ]
        found.update(t for t in targets if t is not None and t != name)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative) of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports."""
    modules = project_modules()
    return {name: imported(name, path, modules) for name, path in modules.items()}


def test_the_graph_sees_function_level_imports_and_skips_type_checking_ones(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    modules = {"pkg": package / "__init__.py"}
    for name in ("a", "b", "c", "d", "e"):
        modules[f"pkg.{name}"] = package / f"{name}.py"
        modules[f"pkg.{name}"].write_text("")
    modules["pkg"].write_text("VALUE = 1\n")
    modules["pkg.a"].write_text(
        "from typing import TYPE_CHECKING\n"
        "from pkg import b, VALUE\n"
        "import json\n"
        "if TYPE_CHECKING:\n"
        "    from pkg import c\n"
        "def f():\n"
        "    from .d import anything\n"
        "    import pkg.e.missing\n"
    )
    assert imported("pkg.a", modules["pkg.a"], modules) == {"pkg", "pkg.b", "pkg.d", "pkg.e"}
    assert "tui.app" in import_graph()["tui.cli"]  # `open` imports run_app in its body


def test_strongly_connected_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert strongly_connected(graph) == [["a", "b", "c"], ["d", "e"]]


def test_no_import_circles() -> None:
    graph = import_graph()
    modules = project_modules()
    circles = strongly_connected(graph)
    report = [
        f"circle of {len(circle)} modules:\n"
        + "\n".join(
            f"  {modules[m].relative_to(ROOT)} -> "
            + ", ".join(sorted(str(modules[t].relative_to(ROOT)) for t in graph[m] if t in circle))
            for m in circle
        )
        for circle in circles
    ]
    assert not circles, "import circles (each file, then what it imports inside the circle):\n" + (
        "\n".join(report)
    )
