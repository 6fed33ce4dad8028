"""The package's shape, as DESIGN.md draws it: one-way layers, a façade nothing inside
imports, short files, benchmarks on the public API. `lint-imports` (pyproject.toml)
checks the layer order in the test command; these checks cover what it does not."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
EDGES = {"pipeline.cli", "pipeline.serve", "pipeline.mcp", "pipeline.integrations"}
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: set[str]) -> set[str]:
    """Every pipeline module `path` imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from . import api` imports the module pipeline.api; `from . import Index` the package
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:       # pipeline.index.dense.top → pipeline.index.dense
                target = target.rpartition(".")[0]
            if target.startswith("pipeline") and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(path, set(found)) for name, path in found.items()}


def test_no_import_cycle_even_counting_imports_inside_functions():
    edges = graph()
    # The package root only re-exports the façade; a module inside importing the root
    # would be a cycle through it, so the root stays in the graph.
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle.extend(trail[trail.index(nxt):] + [node, nxt] if nxt in trail else [node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, trail + [node]):
                return True
        state[node] = 2
        return False

    for node in sorted(edges):
        if state.get(node) is None and visit(node, []):
            break
    assert not cycle, " → ".join(cycle)


def test_the_api_facade_is_imported_only_by_the_doors():
    importers = {m for m, targets in graph().items() if "pipeline.api" in targets}
    inside = {m for m in importers if m != "pipeline" and not any(m == e or m.startswith(e + ".") for e in EDGES)}
    assert not inside, f"{sorted(inside)} import pipeline.api: only cli, serve, mcp and integrations may"


def test_the_graph_sees_imports_inside_functions():
    """The scan must count a lazy import, or the cycle test above could pass on a cycle."""
    edges = graph()
    assert "pipeline.serve" in edges["pipeline.cli"]        # cli imports serve inside its `serve` command


def test_no_file_in_the_package_is_over_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_benchmarks_import_no_private_name():
    private = []
    for path in sorted((ROOT / "benchmarks").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
                if any(part.startswith("_") for part in node.module.split(".")):
                    private.append(f"{path.name}: {node.module}")
        private += [f"{path.name}: {m.group()}" for m in
                    re.finditer(r"\b(?:pipeline|api|index|search|tokenize|vectors|store|rows)\._[a-z]\w*",
                                path.read_text(encoding="utf-8"))]
    assert not private, private
