"""The import graph of the app's own code, read from the syntax tree.

Every ``import`` and ``from … import`` counts, including those made inside functions
(which is how NN Studio imports heavy libraries lazily, and how import cycles hide).
A name imported from a package's lazy API (``from nncore.tune import Search``) is
followed to the module that defines it, read from the package's ``_WHERE`` table.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

# The layers, bottom to top, and what each may import (besides itself). The engine
# never imports ui/ or screens/; a package's __init__ is its lazy API and may name
# any module of its own package.
NNCORE_LAYERS = (
    "core",
    "spec",
    "data",
    "train",
    "runs",
    "inside",
    "tune",
    "plots",
    "report",
)
MAY_IMPORT: dict[str, set[str]] = {
    layer: set(NNCORE_LAYERS[:index]) for index, layer in enumerate(NNCORE_LAYERS)
}
MAY_IMPORT["cli"] = set(NNCORE_LAYERS)
MAY_IMPORT["api"] = set(NNCORE_LAYERS) | {"cli"}  # nncore/__init__ and __main__
MAY_IMPORT["ui"] = set(NNCORE_LAYERS) | {"api"}
MAY_IMPORT["screens"] = MAY_IMPORT["ui"] | {"ui"}
MAY_IMPORT["app"] = MAY_IMPORT["screens"] | {"screens"}
PACKAGES = ("nncore", "ui", "screens")


def module_name(path: Path, root: Path) -> str:
    """``nncore/tune/search.py`` -> ``nncore.tune.search``; an ``__init__`` is its
    package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    """The layer a module belongs to (see ``MAY_IMPORT``)."""
    parts = module.split(".")
    if parts[0] != "nncore":
        return parts[0]
    if len(parts) == 1 or parts[1] == "__main__":
        return "api"
    return parts[1] if parts[1] in NNCORE_LAYERS else parts[1]


def _lazy_tables(modules: dict[str, ast.Module]) -> dict[str, dict[str, str]]:
    """Each package's ``_WHERE`` table (public name -> defining module)."""
    tables = {}
    for name, tree in modules.items():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "_WHERE" for t in node.targets)
                and isinstance(node.value, ast.Dict)
            ):
                tables[name] = {
                    k.value: v.value
                    for k, v in zip(node.value.keys, node.value.values, strict=True)
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)
                }
    return tables


def import_graph(
    root: Path, packages: Iterable[str] = PACKAGES, extra: Iterable[str] = ("app.py",)
) -> dict[str, dict[str, int]]:
    """Module -> {imported module: line of the first such import}, own code only."""
    paths = [p for package in packages for p in sorted((root / package).rglob("*.py"))]
    paths += [root / name for name in extra if (root / name).exists()]
    modules = {module_name(p, root): ast.parse(p.read_text(), str(p)) for p in paths}
    lazy = _lazy_tables(modules)
    roots = tuple(packages)
    graph: dict[str, dict[str, int]] = {}
    for name, tree in modules.items():
        edges = graph.setdefault(name, {})
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if full in modules:
                        targets.append(full)  # a submodule
                    elif alias.name in lazy.get(node.module, {}):
                        targets.append(lazy[node.module][alias.name])
                    else:
                        targets.append(node.module)
            for target in targets:
                if target.split(".")[0] not in roots or target == name:
                    continue
                while target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name:
                    edges.setdefault(target, node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (or a
    module importing itself), each sorted, found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, {}):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def upward_imports(graph: dict[str, dict[str, int]]) -> list[str]:
    """Imports that break the layer table, as ``"a (layer) -> b (layer), line N"``."""
    problems = []
    for source, edges in sorted(graph.items()):
        mine = layer_of(source)
        for target, line in sorted(edges.items()):
            theirs = layer_of(target)
            if theirs == mine:
                continue
            if theirs not in MAY_IMPORT.get(mine, set()):
                problems.append(
                    f"{source} ({mine}) -> {target} ({theirs}), line {line}"
                )
    return problems
