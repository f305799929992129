"""The layout's rules, read from the source with ``ast`` (imports at module level, inside
functions and under ``if TYPE_CHECKING`` all count: an import hidden in a function is still a
dependency, it only fails later).

- No import cycles among the modules of bot/, catalog/ and actions/.
- catalog/ (the domain and all SQL) imports nothing from bot/ or actions/.
- Only the channel adapters know a platform: ``telegram`` (PTB) and ``twilio`` are imported in
  bot/handlers/ and in bot/payments/telegram.py, which is the Telegram adapter of Telegram
  Payments (its PTB handlers answer pre-checkout queries and record successful payments).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "catalog", "actions")
ACYCLIC = ("bot", "catalog", "actions")
PLATFORMS = ("telegram", "twilio")
PLATFORM_ALLOWED = ("bot.handlers", "bot.payments.telegram")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imported(name: str, path: Path) -> Iterator[str]:
    """Every module name an import statement anywhere in the file names (``from a import b``
    gives ``a`` and ``a.b``: b may be a module)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph(packages: tuple[str, ...] = ACYCLIC) -> dict[str, set[str]]:
    mods = {n: p for n, p in modules().items() if n.split(".")[0] in packages}
    return {
        name: {dep for dep in imported(name, path) if dep in mods and dep != name}
        for name, path in mods.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.a import x\n    from . import c\n")
    found_b = set(imported("pkg.b", pkg / "b.py"))
    assert {"pkg.a", "pkg.a.x", "pkg", "pkg.c"} <= found_b
    edges = {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": set()}
    assert cycles(edges) == [["pkg.a", "pkg.b"]]


def test_every_package_is_read() -> None:
    edges = graph(PACKAGES)
    for expected in ("catalog.outbox", "catalog.stock", "bot.web", "bot.staff.route", "actions.cart"):
        assert expected in edges
    assert "catalog.stock" in edges["catalog.products"]  # an edge the checker must see


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_catalog_does_not_import_the_bot_or_the_actions() -> None:
    wrong = {
        f"{name} -> {dep}"
        for name, path in modules().items()
        if name.split(".")[0] == "catalog"
        for dep in imported(name, path)
        if dep.split(".")[0] in ("bot", "actions")
    }
    assert wrong == set()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_only_the_adapters_import_a_platform(platform: str) -> None:
    users = {
        name
        for name, path in modules().items()
        if any(dep.split(".")[0] == platform for dep in imported(name, path))
    }
    outside = {
        u for u in users if not any(u == a or u.startswith(a + ".") for a in PLATFORM_ALLOWED)
    }
    assert outside == set()
    assert users, f"no adapter imports {platform}: the rule checks nothing"
