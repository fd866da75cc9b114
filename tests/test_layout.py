"""The layout's import rules (STYLE.md, "Where things live"), read from the code with ast.

``baskets`` is the domain: it imports none of the apps built on it, nor the URLconf; the
domain apps never import the benchmark; and no module imports one that imports it back
(a late import inside a function counts: it is the same cycle, hidden).
"""

import ast
from pathlib import Path

import pytest

from tests.support.processes import ROOT

APPS = (
    "basketops", "baskets", "recovery", "completion", "abandonment", "tooling", "benchmarks",
    "webhooks", "operations", "security", "scheduling", "shopdata",
)
# The domain apps never know who reads their outbox (webhooks) or measures them
# (operations); webhooks is measured by operations and never imports it.
INTEGRATIONS = ("webhooks", "operations")
NEVER = {
    "baskets": ("recovery", "completion", "abandonment", "tooling", "benchmarks",
                "basketops.urls", "shopdata", *INTEGRATIONS),
    "recovery": ("completion", "benchmarks", *INTEGRATIONS),
    "completion": ("benchmarks", *INTEGRATIONS),
    "abandonment": ("benchmarks", *INTEGRATIONS),
    "webhooks": ("benchmarks", "operations"),
    "operations": ("benchmarks",),
    # Cross-cutting plumbing (card numbers, log redaction): anything imports it, it imports
    # no app of the product.
    "security": ("basketops", "baskets", "recovery", "completion", "abandonment", "tooling",
                 "benchmarks", *INTEGRATIONS),
    # Plumbing for background runs that any app may use: it knows none of them.
    "scheduling": ("basketops", "baskets", "recovery", "completion", "abandonment", "tooling",
                   "benchmarks", *INTEGRATIONS),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {target for target in targets if target in known and target != name}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


@pytest.mark.parametrize("app", sorted(NEVER), ids=sorted(NEVER))
def test_an_app_imports_only_what_it_may(graph, app):
    forbidden = NEVER[app]
    broken = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == app
        for target in targets
        if any(target == bad or target.startswith(f"{bad}.") for bad in forbidden)
    )
    assert broken == []


def test_no_module_imports_one_that_imports_it_back(graph):
    def reaches(start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            module = stack.pop()
            if module == goal:
                return True
            if module not in seen:
                seen.add(module)
                stack.extend(graph.get(module, ()))
        return False

    def is_package_of(package: str, module: str) -> bool:
        return module.startswith(f"{package}.")

    cycles = sorted(
        f"{module} <-> {target}"
        for module, targets in graph.items()
        for target in targets
        # A package importing its own parts (its __init__ re-exporting them) is not a cycle.
        if not is_package_of(module, target)
        and not is_package_of(target, module)
        and reaches(target, module)
        and module < target
    )
    assert cycles == []


# basketops' settings, root URLconf and Celery app wire every app in: that is no dependency.
WIRING = ("basketops.settings", "basketops.urls", "basketops.celery")


def test_no_app_imports_one_that_imports_it_back(graph):
    """Apps import each other one way (STYLE.md): no group of apps reaches itself again."""
    edges: dict[str, set[str]] = {app: set() for app in APPS}
    for module, targets in graph.items():
        if module in WIRING:
            continue
        app = module.split(".")[0]
        edges[app].update(target.split(".")[0] for target in targets)
        edges[app].discard(app)

    def reachable(start: str) -> set[str]:
        seen, stack = set(), [start]
        while stack:
            for target in edges[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    # Apps that reach each other form one cycle (a strongly connected group).
    cycles = sorted(
        {
            tuple(sorted(app for app in reachable(start) if start in reachable(app)))
            for start in APPS
            if start in reachable(start)
        }
    )
    assert cycles == []


def test_the_wheel_leaves_the_benchmark_out():
    pyproject = (ROOT / "pyproject.toml").read_text()
    include = pyproject.split("[tool.setuptools.packages.find]")[1].split("\n\n")[0]
    assert "benchmarks" not in include and "baskets*" in include


def test_no_test_module_imports_another():
    """Shared test code lives in tests/support/; a test module imported by another would run
    its tests' module-level code twice and tie the two files together."""
    importing = sorted(
        f"{path.relative_to(ROOT)} imports {target}"
        for path in (ROOT / "tests").rglob("test_*.py")
        for target in _imports(_module_name(path), path, _test_modules())
    )
    assert importing == []


def _test_modules() -> set[str]:
    return {_module_name(path) for path in (ROOT / "tests").rglob("test_*.py")}
