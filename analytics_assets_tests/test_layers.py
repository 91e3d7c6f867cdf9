"""The package's layers import only downward, the framework never imports the demo or the emulator,
no module imports itself back through others, and private Dagster names stay in fenced modules.

Every ``import`` statement is read from the source (those inside functions too), so an
import added anywhere that breaks a rule fails here, naming the file, the line and the rule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import analytics_assets

PACKAGE_ROOT = Path(analytics_assets.__file__).parent

#: From the bottom up: a module may import its own layer and the layers below it.
LAYERS: list[tuple[str, ...]] = [
    ("analytics_assets.environment_variables", "analytics_assets.extract"),
    ("analytics_assets.rows",),
    ("analytics_assets.sources",),
    ("analytics_assets.warehouse",),
    ("analytics_assets.settings", "analytics_assets.settings_catalogue"),
    ("analytics_assets.assembly",),
    ("analytics_assets.automation",),
    ("analytics_assets.location",),
    ("analytics_assets.world",),
    ("analytics_assets.local", "analytics_assets.demo", "analytics_assets.deploy"),
    ("analytics_assets.environments",),
    (
        "analytics_assets.definitions",
        "analytics_assets.component",
        "analytics_assets.component_attributes",
        "analytics_assets.component_scaffold",
        "analytics_assets.component_world",
        "analytics_assets.dry_run",
        "analytics_assets.testing",
    ),
    (
        "analytics_assets.cli",
        "analytics_assets.dev_stack",
        "analytics_assets.dev_run_ends",
        "analytics_assets.dev_terminal",
    ),
]
#: The package's face (``analytics_assets/__init__.py``): above every layer, it imports the
#: Component on first use.
FACE = "analytics_assets"
#: Names a module re-exports on first use from a layer above its own (what the docs
#: promise in one place: docs/extractors.md): the extractor API's HTTP source names.
LAZY_REEXPORTS = {
    ("analytics_assets.extract", "analytics_assets.sources.http_api"),
    ("analytics_assets.extract", "analytics_assets.sources.json_rows"),
    ("analytics_assets.extract", "analytics_assets.sources"),
    ("analytics_assets.extract", "analytics_assets.sources.pagination"),
}
#: The worlds only the environment switch (and the commands above it) may load.
WORLDS = ("analytics_assets.local", "analytics_assets.demo")
FRAMEWORK = tuple(name for layer in LAYERS[:9] for name in layer)
#: The modules allowed private Dagster names, each with a test that fails on a Dagster upgrade
#: changing them: listing unfinished backfills, and the materialization a per-day check targets; the
#: event storages the two dagster.yaml configure, subclasses of Dagster's own (a configured
#: storage class is named by its module, so it cannot live in dagster_private), exercised by
#: test_event_storages.
PRIVATE_DAGSTER_MODULES = [
    "analytics_assets.assembly.dagster_private",
    "analytics_assets.deploy.event_storage",
    "analytics_assets.local.event_storage",
]


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (or name)
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(PACKAGE_ROOT.parent)}:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> Iterator[Import]:
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = _module_name(path)
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(source, alias.name, path, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                yield Import(source, base, path, node.lineno)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def _layer(name: str) -> int | None:
    if name == FACE:
        return len(LAYERS)
    for rank, layer in enumerate(LAYERS):
        if _within(name, layer):
            return rank
    return None


def _own_imports() -> list[Import]:
    return [i for i in _imports() if _within(i.target, ("analytics_assets",))]


def test_every_module_of_the_package_has_a_layer():
    modules = {_module_name(p) for p in PACKAGE_ROOT.rglob("*.py") if "migrations" not in p.parts}
    unplaced = sorted(name for name in modules if _layer(name) is None)
    assert unplaced == []


def test_no_module_imports_a_layer_above_its_own():
    upward = [
        str(i)
        for i in _own_imports()
        if i.target != "analytics_assets"
        and (i.source, i.target) not in LAZY_REEXPORTS
        and _layer(i.target) > _layer(i.source)  # type: ignore[operator]
    ]
    assert upward == []


def test_the_framework_never_imports_the_demo_or_the_emulator():
    leaks = [
        str(i) for i in _own_imports() if _within(i.source, FRAMEWORK) and _within(i.target, WORLDS)
    ]
    assert leaks == []


def test_the_demo_and_the_emulator_do_not_import_each_other():
    demo, local = ("analytics_assets.demo",), ("analytics_assets.local",)
    crossings = [
        str(i)
        for i in _own_imports()
        if (_within(i.source, demo) and _within(i.target, local))
        or (_within(i.source, local) and _within(i.target, demo))
    ]
    assert crossings == []


def test_no_import_circle_between_modules():
    modules = {_module_name(p) for p in PACKAGE_ROOT.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for i in _own_imports():
        target = i.target
        while target and target not in modules:  # `from pkg.mod import name` -> pkg.mod
            target = target.rpartition(".")[0]
        if target and target != i.source and not i.source.startswith(f"{target}."):
            graph[i.source].add(target)
    circles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_private_dagster_names_are_imported_by_the_fenced_modules_only():
    private = sorted(
        {i.source for i in _imports() if _within(i.target, ("dagster._core", "dagster._utils"))}
        | {i.source for i in _imports() if i.target.startswith("dagster._")}
    )
    assert private == PRIVATE_DAGSTER_MODULES


def test_every_module_opens_with_what_it_owns_and_stays_under_300_lines():
    problems = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        lines = text.count("\n")
        if lines > 300:
            problems.append(f"{path.name}: {lines} lines")
        if text.strip() and ast.get_docstring(ast.parse(text)) is None:
            problems.append(f"{path.relative_to(PACKAGE_ROOT)}: no opening sentence")
    assert problems == []
