"""The package's layers, read from its imports: no cycles, and no layer reaching upward.

Every module of `stripe_dbapi` is parsed with `ast` (nothing is imported) and every
import statement in it is collected: top-level ones and the lazy ones inside functions,
relative ones (`from . import x`) resolved, `from pkg import name` counted as the
submodule `pkg.name` when there is one. From that the module graph:

- no import cycle, lazy imports counted;
- `query/` (SQL + catalog + params -> Plan) is pure: it reaches no client, scan, engine,
  connection or cursor, and no requests, urllib3, duckdb or pyarrow;
- `client`, `ratelimit`, `auth` and `oauth/` reach nothing above them (the query and scan
  layers, the engine, the PEP 249 objects, saved connections, the CLI, SQLAlchemy);
- `sandbox/` reaches no cli, connection or cursor;
- `stripe_api` (Stripe's contract as constants and pure functions) reaches no I/O.

The layer rules are checked on what a module *reaches* (the transitive closure), so an
intermediate module cannot launder a dependency, and each failure names the chain.

Two kinds of import are not edges, on purpose:

- imports under `if TYPE_CHECKING:` exist for annotations only and never run (the
  Connection hands out Cursors, the Cursor's annotations name its Connection);
- importing `pkg.mod` is an edge to `pkg.mod`, not to the package `pkg` whose
  `__init__` Python also runs (as import-linter's graph counts it): `profiles/__init__`
  is the part of saved connections above `connect()` and `profiles/saved` the part below
  it, and `connection` imports `profiles.saved` lazily for that reason.

`__main__` modules are entry points, above everything: they are in the cycle check but
not bound by the layer rules (`python -m stripe_dbapi.sandbox serve` runs the CLI).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

PACKAGE = "stripe_dbapi"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


@dataclass
class Graph:
    """Internal edges (module -> modules of the package) and external imports per module."""

    internal: dict[str, set[str]] = field(default_factory=dict)
    external: dict[str, set[str]] = field(default_factory=dict)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve_base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


@lru_cache(maxsize=1)
def build_graph() -> Graph:
    files = sorted(ROOT.rglob("*.py"))
    modules = {module_name(p): p for p in files}
    graph = Graph()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        internal: set[str] = set()
        external: set[str] = set()
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve_base(node, name, path.name == "__init__.py")
                # `from pkg import sub` imports the submodule when there is one
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    while target not in modules:  # `import pkg.mod.attr` style: the module
                        target = target.rpartition(".")[0]
                    if target != name:
                        internal.add(target)
                else:
                    external.add(target)
        graph.internal[name] = internal
        graph.external[name] = external
    return graph


def _in(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _chain(graph: Graph, start: str, forbidden: Iterable[str]) -> list[str] | None:
    """The shortest import chain from `start` to a forbidden module (internal or external)."""
    forbidden = tuple(forbidden)
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        hits = [m for m in sorted(graph.external[module]) if _in(m, forbidden)]
        hits += [m for m in sorted(graph.internal[module]) if _in(m, forbidden)]
        if hits:
            chain = [hits[0]]
            node: str | None = module
            while node is not None:
                chain.append(node)
                node = parent[node]
            return chain[::-1]
        for target in sorted(graph.internal[module]):
            if target not in parent and not _is_entry_point(target):
                parent[target] = module
                queue.append(target)
    return None


def _is_entry_point(module: str) -> bool:
    return module.endswith(".__main__")


def _layer(prefixes: Iterable[str]) -> list[str]:
    graph = build_graph()
    return sorted(m for m in graph.internal if _in(m, prefixes) and not _is_entry_point(m))


def _violations(modules: list[str], forbidden: list[str]) -> list[str]:
    graph = build_graph()
    found = []
    for module in modules:
        chain = _chain(graph, module, forbidden)
        if chain is not None:
            found.append(" -> ".join(chain))
    return found


# -- the walker itself ------------------------------------------------------------------


def test_the_walk_sees_every_module_and_lazy_and_relative_imports() -> None:
    graph = build_graph()
    assert {"stripe_dbapi", "stripe_dbapi.connection", "stripe_dbapi.profiles.saved"} <= set(
        graph.internal
    )
    # lazy: connection starts the sandbox inside Connection.open
    assert "stripe_dbapi.sandbox" in graph.internal["stripe_dbapi.connection"]
    # `from stripe_dbapi.profiles import saved` is the submodule, not the package
    assert "stripe_dbapi.profiles.saved" in graph.internal["stripe_dbapi.profiles"]


def test_relative_imports_are_resolved() -> None:
    tree = ast.parse("from . import saved\nfrom ..catalog import model\nfrom .x import y\n")
    nodes = sorted(
        (n for n in _imports(tree) if isinstance(n, ast.ImportFrom)), key=lambda n: n.lineno
    )
    bases = [_resolve_base(n, "stripe_dbapi.profiles.store", False) for n in nodes]
    assert bases == ["stripe_dbapi.profiles", "stripe_dbapi.catalog", "stripe_dbapi.profiles.x"]
    assert _resolve_base(nodes[0], "stripe_dbapi.profiles", True) == "stripe_dbapi.profiles"


def test_type_checking_imports_are_not_edges() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import a\nelse:\n    import b\n"
        "def f():\n    import c\n"
    )
    names = sorted(
        n.names[0].name if isinstance(n, ast.Import) else n.module for n in _imports(tree)
    )
    assert names == ["b", "c", "typing"]


# -- the rules ---------------------------------------------------------------------------


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_cycle_finder_reports_the_modules_of_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    cycles = _cycles(build_graph().internal)
    assert not cycles, "import cycles (lazy imports included):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


QUERY = ["stripe_dbapi.query"]
IO_FOR_QUERY = [
    "stripe_dbapi.client",
    "stripe_dbapi.scan",
    "stripe_dbapi.engine",
    "stripe_dbapi.session",
    "stripe_dbapi.lockdown",
    "stripe_dbapi.connection",
    "stripe_dbapi.cursor",
    "requests",
    "urllib3",
    "duckdb",
    "pyarrow",
]


def test_the_query_layer_exists() -> None:
    assert _layer(QUERY), "no modules under stripe_dbapi/query/"


def test_query_is_pure() -> None:
    assert not _violations(_layer(QUERY), IO_FOR_QUERY), "\n".join(
        _violations(_layer(QUERY), IO_FOR_QUERY)
    )


LOWER = ["stripe_dbapi.client", "stripe_dbapi.ratelimit", "stripe_dbapi.auth", "stripe_dbapi.oauth"]
ABOVE_LOWER = [
    "stripe_dbapi.query",
    "stripe_dbapi.scan",
    "stripe_dbapi.engine",
    "stripe_dbapi.session",
    "stripe_dbapi.lockdown",
    "stripe_dbapi.connection",
    "stripe_dbapi.cursor",
    "stripe_dbapi.cli",
    # both parts of saved connections: a rotated OAuth2 token is handed to a callback
    "stripe_dbapi.profiles",
    "stripe_dbapi.sqlalchemy",
    "sqlalchemy",
]


@pytest.mark.parametrize("layer", LOWER)
def test_the_client_and_credentials_reach_nothing_above_them(layer: str) -> None:
    modules = _layer([layer])
    assert modules, f"no module {layer}"
    violations = _violations(modules, ABOVE_LOWER)
    # the root package imports connection and cursor: reaching it is reaching up
    violations += [m for m in modules if PACKAGE in build_graph().internal[m]]
    assert not violations, "\n".join(violations)


def test_the_sandbox_knows_no_cli_and_no_connection() -> None:
    forbidden = ["stripe_dbapi.cli", "stripe_dbapi.connection", "stripe_dbapi.cursor"]
    violations = _violations(_layer(["stripe_dbapi.sandbox"]), forbidden)
    assert not violations, "\n".join(violations)


IO = [
    "requests",
    "urllib3",
    "duckdb",
    "pyarrow",
    "socket",
    "ssl",
    "http",
    "urllib.request",
    "sqlalchemy",
    "keyring",
    "platformdirs",
    "stripe_dbapi.client",
    "stripe_dbapi.scan",
    "stripe_dbapi.engine",
    "stripe_dbapi.session",
    "stripe_dbapi.lockdown",
    "stripe_dbapi.connection",
    "stripe_dbapi.cursor",
    "stripe_dbapi.oauth",
    "stripe_dbapi.profiles",
    "stripe_dbapi.sandbox",
    "stripe_dbapi._loopback",
]


def test_stripe_api_does_no_io() -> None:
    assert "stripe_dbapi.stripe_api" in build_graph().internal, "no stripe_dbapi/stripe_api.py"
    violations = _violations(["stripe_dbapi.stripe_api"], IO)
    assert not violations, "\n".join(violations)


def test_the_compatibility_module_is_a_leaf() -> None:
    """`_compat` (the differences between supported library versions) imports nothing of
    the package: the pure query layer and the dialect both use it."""
    graph = build_graph()
    assert "stripe_dbapi._compat" in graph.internal, "no stripe_dbapi/_compat.py"
    assert graph.internal["stripe_dbapi._compat"] == set()
