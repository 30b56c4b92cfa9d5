"""Installed as users install software: a wheel, in a fresh virtual environment outside the
source tree, carries its questionnaires, fonts and scoring page, and both entry points work.

How the test stays offline and fast: the wheel is built with ``pip wheel --no-deps
--no-build-isolation`` from a copy of the sources (setuptools is in the test extra), so no
build environment is downloaded and no stale ``build/`` folder of the working tree leaks in.
The fresh environment is made with ``venv --without-pip`` and the wheel installed into it
by this environment's pip (``pip --python``, ``--no-index --no-deps``). Its dependencies
(PySide6 alone is hundreds of MB) are not downloaded again: after the install, a ``.pth``
file puts this environment's site-packages after the fresh one's own. Python reads no
``.pth`` file in a folder added that way, so this environment's editable install of
ics_assess stays invisible: ``ics_assess`` can only come from the wheel, and the test checks
that it does. (``--system-site-packages`` would not do: the dependencies are in the
project's .venv, not in the system's Python.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from pypdf import PdfReader

from ics_assess import paths

from .conftest import PROJECT_ROOT

QUESTIONNAIRES = ["democratic-involvement", "equal-partnership", "governance"]


def _pyproject() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_wheel_lists_every_subpackage_and_the_shipped_folders():
    """setuptools is given the packages by name (the shipped folders are mapped into the
    package), so a new subpackage must be added to pyproject.toml: this says so."""
    setup = _pyproject()["tool"]["setuptools"]
    subpackages = {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for init in (PROJECT_ROOT / "ics_assess").rglob("__init__.py")
    }
    mapped = {f"ics_assess.{name}" for name in paths.SHIPPED}
    assert set(setup["packages"]) >= subpackages | mapped
    assert setup["package-dir"] == {
        f"ics_assess.{name}": folder for name, folder in paths.SHIPPED.items()
    }
    scripts = _pyproject()["project"]
    assert scripts["scripts"] == {"ics-assess": "ics_assess.cli:main"}
    assert scripts["gui-scripts"] == {"ics-assess-gui": "ics_assess.ui.app:run_gui"}


def _build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a clean copy of what pyproject.toml builds it from."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ["ics_assess", *_pyproject()["tool"]["setuptools"]["package-dir"].values()]:
        shutil.copytree(PROJECT_ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip, "--no-index", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("ics_assess-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> tuple[Path, Path]:
    """A new virtual environment with the wheel installed; its scripts folder and its
    site-packages."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    # Installed before the .pth below exists, so pip sees an empty environment.
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run(
        [*pip, "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    ours = {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    (site / "_ics_assess_test_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours)), encoding="utf-8"
    )
    return scripts, site


@pytest.mark.slow
def test_a_wheel_installed_outside_the_source_tree_works(tmp_path):
    wheel = _build_wheel(tmp_path)
    scripts, site = _fresh_venv(tmp_path, wheel)
    installed = site / "ics_assess"
    work = tmp_path / "elsewhere"  # the commands run here, far from the source tree
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ICS_ASSESS_DB")}
    env |= {"ICS_ASSESS_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}

    def run(*args: str, **extra: str) -> str:
        done = subprocess.run(
            [str(scripts / args[0]), *args[1:]],
            cwd=work,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    # The window, through the GUI entry point, on a new database: the welcome page, with
    # the questionnaires and fonts found inside the installed package.
    smoke = tmp_path / "smoke"
    run("ics-assess-gui", ICS_ASSESS_SMOKE_TEST=str(smoke))
    shown = json.loads((smoke / "smoke.json").read_text(encoding="utf-8"))
    assert shown["page"] == "welcome" and shown["visible"], shown
    assert "Welcome to ICS Assess" in shown["texts"], shown
    assert shown["questionnaires"] == QUESTIONNAIRES
    assert Path(shown["forms_dir"]) == installed / "_forms"
    assert Path(shown["fonts_dir"]) == installed / "_resources" / "fonts"
    assert shown["fonts"] >= 10
    assert (smoke / "window.png").stat().st_size > 0

    # The command line: the questionnaires, from inside the environment.
    forms = json.loads(run("ics-assess", "forms", "list", "--json"))
    # Both versions of each ship: 1.0, which answers were given on, and 1.1.
    assert sorted((f["id"], f["version"]) for f in forms) == [
        (qid, version) for qid in QUESTIONNAIRES for version in ("1.0", "1.1")
    ]
    for form in forms:
        assert Path(form["path"]).is_relative_to(installed), form
        assert not Path(form["path"]).is_relative_to(PROJECT_ROOT / "forms"), form
    assert (installed / "_docs" / "scoring.md").is_file()
    assert not list(site.glob("__editable__*")), "the wheel, not an editable install"

    # The demo, and a report of one of its assessments (its appendix reads scoring.md).
    assert "Added the demo partnership" in run("ics-assess", "demo")
    assessment = json.loads(run("ics-assess", "list", "--json"))[0]["id"]
    run("ics-assess", "report", assessment[:8], "-o", "report.pdf")
    pdf = PdfReader(work / "report.pdf")
    assert len(pdf.pages) >= 4
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "how the scores are calculated" in text
    assert "was not found with this copy" not in text
