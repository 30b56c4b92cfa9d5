"""Project rules that a build must enforce: Qt stays in ics_assess/ui, the window and
the CLI reach storage only through services, no import cycles, ruff is clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import PROJECT_ROOT

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_qt_is_imported_only_under_ui():
    # import-linter contracts in pyproject.toml: Qt only in ics_assess.ui, layers top-down.
    result = subprocess.run(
        [_tool("lint-imports"), "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Qt only in the user interface KEPT" in result.stdout
    assert "reach storage only through services KEPT" in result.stdout
    assert "No import cycles KEPT" in result.stdout


def test_no_module_of_ics_assess_imports_itself_back():
    # A circle of imports between any two modules (lazy and TYPE_CHECKING imports
    # included): each direct import A -> B must have no chain of imports B -> ... -> A.
    import grimp

    graph = grimp.build_graph("ics_assess", cache_dir=None)
    cycles = set()
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.add(" -> ".join((importer, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))


def test_use_case_areas_do_not_overlap():
    # Services is composed of one mixin per area (ics_assess/services/__init__.py): a
    # name two areas define would silently hide one of them.
    from ics_assess.services import Services, ServicesCore

    seen: dict[str, str] = {}
    clashes = []
    for area in Services.__bases__:
        assert issubclass(area, ServicesCore), area
        for name in vars(area):
            if name.startswith("__"):
                continue
            if name in seen or name in vars(ServicesCore):
                clashes.append(f"{name}: {seen.get(name, 'ServicesCore')} and {area.__name__}")
            seen[name] = area.__name__
    assert not clashes


def test_ruff_check_is_clean():
    targets = ["ics_assess", "tests", "main.py", "benchmarks"]
    result = subprocess.run(
        [_tool("ruff"), "check", "--output-format", "concise", *targets],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    targets = ["ics_assess", "tests", "main.py", "benchmarks"]
    result = subprocess.run(
        [_tool("ruff"), "format", "--check", *targets],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
