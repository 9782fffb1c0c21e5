"""Fail on import circles among the shop's modules and on imports that cross the layers.

The rules (docs/architecture.md):

- no circle of imports among the modules of ``shop``, ``accounts``, ``catalogue`` and ``orders``,
  counting imports inside functions as well as those at the top of a module;
- ``catalogue`` never imports ``orders``;
- ``shop`` (settings, URLs, API plumbing) imports no domain app, except ``shop/urls.py``, which mounts
  the apps' URL configurations.

Run ``python scripts/check_layers.py [ROOT]``; it prints each problem and exits 1 when there is one.
CI runs it, and ``tests/test_layers.py`` runs it on the project and on small trees with known faults.
Migrations are left out: they are history, not layers.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shop", "accounts", "catalogue", "orders")
DOMAIN_APPS = ("accounts", "catalogue", "orders")
# Modules of ``shop`` that are allowed to name domain apps: the root URL configuration mounts them.
SHOP_MAY_IMPORT_DOMAIN = {"shop.urls"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path) -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        base = root / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            modules[module_name(path, root)] = path
    return modules


def imported_modules(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Return the shop modules this file imports, anywhere in it (inside functions included).

    ``from package import module`` counts as importing that module; ``from module import name`` as
    importing the module that defines the name (the longest known prefix of the dotted path).
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(resolve(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else resolve(target, modules))
    return {module for module in found if module and module != name}


def resolve(target: str, modules: dict[str, Path]) -> str | None:
    """Return the shop module a dotted name refers to (the longest known prefix), or None."""
    parts = target.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {name: imported_modules(path, name, modules) for name, path in modules.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
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
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer_problems(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in sorted(edges.items()):
        top = source.split(".")[0]
        for target in sorted(targets):
            target_top = target.split(".")[0]
            if top == "catalogue" and target_top == "orders":
                problems.append(f"{source} imports {target}: catalogue never imports orders")
            if top == "shop" and target_top in DOMAIN_APPS and source not in SHOP_MAY_IMPORT_DOMAIN:
                problems.append(f"{source} imports {target}: shop imports no domain app")
    return problems


def problems_in(root: Path) -> tuple[int, list[str]]:
    """Return how many modules were read under ``root`` and the problems found among them."""
    modules = discover(root)
    edges = graph(modules)
    problems = layer_problems(edges)
    for component in circles(edges):
        cycle_edges = [f"{a} -> {b}" for a in component for b in sorted(edges[a]) if b in component]
        problems.append("import circle among " + ", ".join(component) + "\n    " + "\n    ".join(cycle_edges))
    return len(modules), problems


def main() -> int:
    count, problems = problems_in(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} layering problem(s)")
        return 1
    print(f"layers: {count} modules, no import circle, no forbidden import")
    return 0


if __name__ == "__main__":
    sys.exit(main())
