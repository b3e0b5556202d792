"""The code's shape: imports flow one way (no cycle at load time) and the engine stays apart.

The graph is read from the source (``ast``), not from ``sys.modules``: only imports that run
when a module loads count (module level, including ``try``/``if`` blocks, but not
``if TYPE_CHECKING:`` blocks or imports inside functions, which is how a task imports the
service it runs).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "stats", "generation", "integrations", "lightsb_site")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).parts
            if "migrations" in relative or "tests" in relative:
                continue
            modules[_module_name(path)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(node: ast.Import | ast.ImportFrom, package: str) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        anchor = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return {base} | {f"{base}.{alias.name}" for alias in node.names}


def _blocks_run_at_load(node: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists inside ``node`` that run when the module loads."""
    if isinstance(node, ast.If):
        return [node.orelse] if _is_type_checking(node) else [node.body, node.orelse]
    if isinstance(node, ast.Try):
        handlers = [handler.body for handler in node.handlers]
        return [node.body, *handlers, node.orelse, node.finalbody]
    if isinstance(node, ast.With):
        return [node.body]
    return []


def _load_time_imports(
    tree: ast.Module, module: str, is_package: bool, *, deferred: bool = False
) -> set[str]:
    """Modules named by the imports that run when ``module`` is loaded (with ``deferred``,
    also those inside functions and classes)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    pending = [tree.body]
    while pending:
        for node in pending.pop():
            if isinstance(node, ast.Import | ast.ImportFrom):
                found |= _imported_names(node, package)
            elif deferred and isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ):
                pending.append(
                    [
                        child
                        for child in ast.walk(node)
                        if isinstance(child, ast.Import | ast.ImportFrom)
                    ]
                )
            else:
                pending.extend(_blocks_run_at_load(node))
    return found


def import_graph(*, deferred: bool = False) -> dict[str, set[str]]:
    modules = _project_modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        targets: set[str] = set()
        is_package = path.name == "__init__.py"
        for name in _load_time_imports(tree, module, is_package, deferred=deferred):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                target = ".".join(parts[:depth])
                # Importing a submodule runs its parent packages first, except the importer's
                # own parents, which are already loading.
                if target in modules and target != module and not module.startswith(target + "."):
                    targets.add(target)
        graph[module] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def walk(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = walk(target)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = walk(node)
        if cycle:
            return cycle
    return None


def test_no_module_of_the_project_imports_itself_back_at_load_time():
    cycle = find_cycle(import_graph())

    assert cycle is None, " -> ".join(cycle or [])


def test_the_only_import_that_points_back_is_the_task_running_its_service():
    graph = import_graph(deferred=True)
    # By design (HackSoft's rule): services enqueue the task, the task runs the service and
    # imports it inside its body, after every module has loaded.
    assert "generation.services.run" in graph["generation.tasks"]
    graph["generation.tasks"] -= {"generation.services", "generation.services.run"}
    assert "integrations.webhooks" in graph["integrations.tasks"]
    graph["integrations.tasks"] -= {"integrations.webhooks"}

    cycle = find_cycle(graph)

    assert cycle is None, " -> ".join(cycle or [])


def test_generation_hears_of_ended_jobs_through_callbacks_without_importing_integrations():
    graph = import_graph(deferred=True)
    lifecycle_source = (ROOT / "generation" / "services" / "lifecycle.py").read_text()

    for module in ("generation.services.lifecycle", "generation.hooks", "generation.tasks"):
        assert not any(target.startswith("integrations") for target in graph[module]), module
    assert "run_finished_hooks(" in lifecycle_source
    assert "generation.hooks" in graph["integrations.apps"]


def test_the_cycle_finder_finds_a_cycle_that_is_there():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("generation.tasks", "generation.services"),
        ("generation.services.create", "generation.views"),
        ("generation.services.run", "generation.api"),
        ("generation.models", "generation.services"),
        ("generation.uploads", "generation.storage"),
        ("generation.errors", "generation.models"),
    ],
)
def test_imports_flow_from_views_to_services_to_tasks(importer, imported):
    graph = import_graph()

    assert importer in graph
    assert imported not in graph[importer]


def test_the_task_imports_the_service_it_runs_inside_its_body():
    graph = import_graph()
    source = (ROOT / "generation" / "tasks.py").read_text()

    assert "generation.services.run" not in graph["generation.tasks"]
    assert "from generation.services.run import generation_run" in source


def _heavy_modules_after(code: str) -> str:
    heavy = "('torch', 'PIL', 'dlib')"
    probe = f"import sys; {code}; print(sorted(m for m in {heavy} if m in sys.modules))"
    return subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_engine_package_and_its_limits_load_without_torch_or_pillow():
    assert _heavy_modules_after("import generation.ml, generation.ml.limits") == "[]"


def test_the_models_limits_and_tasks_load_without_torch():
    setup = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'lightsb_site.settings'); django.setup(); "
        "import generation.limits, generation.models, generation.tasks"
    )

    assert "torch" not in _heavy_modules_after(setup)
