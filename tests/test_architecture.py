"""The shape of the code, checked from its source: small modules, no import cycle (deferred
imports included), areas that depend in one direction, and imports at the top.

docs/ARCHITECTURE.md draws the same order; when an area moves, both change together.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "esof"
MAX_MODULE_LINES = 500
# Data tables, not logic: the demo's venues, sessions and partners.
LONG_DATA_MODULES = {"esof.demo.data"}

# Lower ranks never import higher ones, nor areas of their own rank (shared modules, rank 0,
# may use each other: the cycle test keeps them apart). Shared modules serve every area; mail is the
# outbox every area queues into; the areas follow in the order they build on each other;
# feeds, api and checkin read everything; the composition (factory, CLI, demo) sits on top.
RANKS = {
    "db": 0, "extensions": 0, "conference": 0, "config": 0, "errors": 0, "text": 0, "urls": 0,
    "tokens": 0, "form_choices": 0, "i18n": 0, "i18n_catalogues": 0, "security": 0, "db_events": 0,
    "ops": 0, "access": 0, "csv_safety": 0, "form_input": 0, "confirmation": 0, "page_cache": 0,
    "mail": 1,
    "accounts": 2,
    "venues": 3,
    "programme": 4, "side_events": 4,
    "registration": 5, "cfp": 5, "speakers": 5,
    "bookings": 6,
    "feeds": 7, "api": 7, "checkin": 7, "admin": 7, "announcements": 7,
    "main": 8, "models": 8, "organiser": 8, "demo": 9, "cli": 10, "esof": 11, "demo_status": 12,
}
# The outbox page is an organiser's page: its view uses the role guard of accounts, which
# itself queues mail. Module by module there is no cycle (the test below proves it).
ALLOWED_UPWARD = {("esof.mail.views", "esof.accounts.auth"), ("esof.mail.views", "esof.accounts.models")}
# The factory imports each area inside its register_* step: it is the one place that knows them all.
DEFERRED_ALLOWED = {"esof"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> list[tuple[str, int, bool]]:
    """(imported esof module, line, deferred) for every import statement in the module."""
    path = MODULES[name]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        found.extend((target, node.lineno, node.col_offset > 0) for target in targets if target in MODULES)
    return found


GRAPH = {name: {target for target, _line, _deferred in imports_of(name)} for name in MODULES}


def area_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other round."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return groups


def test_no_import_cycle_in_esof_deferred_imports_included() -> None:
    assert strongly_connected(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_areas_depend_in_one_direction() -> None:
    unknown = sorted({area_of(name) for name in MODULES} - set(RANKS))
    assert unknown == [], "give each new area a rank here and a place in docs/ARCHITECTURE.md"
    upward = sorted(
        (name, target) for name, targets in GRAPH.items() for target in targets
        if area_of(name) != area_of(target) and (name, target) not in ALLOWED_UPWARD
        and (RANKS[area_of(target)] > RANKS[area_of(name)] or RANKS[area_of(target)] == RANKS[area_of(name)] > 0)
    )
    assert upward == []


def test_imports_sit_at_the_top_of_modules() -> None:
    deferred = sorted(
        f"{name}:{line} imports {target}" for name in MODULES if name not in DEFERRED_ALLOWED
        for target, line, is_deferred in imports_of(name) if is_deferred
    )
    assert deferred == []


def test_modules_are_small_rooms() -> None:
    too_long = sorted(
        f"{name} has {lines} lines" for name, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES and name not in LONG_DATA_MODULES
    )
    assert too_long == []
