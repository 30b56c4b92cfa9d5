"""Project rules that a build must enforce: Qt stays in ics_assess/ui, ruff is clean."""

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
