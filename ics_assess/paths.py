"""Where things live: the shipped forms and resources, and the user's data.

One module knows every location, and environment variables override each one so that
tests and portable installs never touch the real data directory:

- ``ICS_ASSESS_DATA_DIR``: the user's data directory (database, own forms, backups, logs)
- ``ICS_ASSESS_DB``: the default database file

What ships with the program (the questionnaires, the fonts, the scoring method's page) is
kept in the repository's top-level ``forms/``, ``resources/`` and ``docs/``. An installed
wheel and a frozen build carry them inside the package, as ``ics_assess/_forms`` and so on
(``SHIPPED``; pyproject.toml and packaging/pyinstaller/ics-assess.spec put them there);
run from the source tree, an editable install included, they are read where they are.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ICS Assess"
DB_FILENAME = "ics-assess.sqlite"

PACKAGE_DIR = Path(__file__).resolve().parent
# The source tree, when the program runs from one: the package sits beside forms/,
# resources/ and docs/. (Installed, this is the folder the package is installed in.)
PROJECT_ROOT = PACKAGE_DIR.parent

SHIPPED = {"_forms": "forms", "_resources": "resources", "_docs": "docs"}
"""Each folder of shipped files inside an installed package, and the repository's folder
it is made from."""


def shipped_dir(name: str) -> Path:
    """A folder of files that ship with the program (``name`` is one of ``SHIPPED``):
    inside the package when installed from a wheel or frozen, else in the source tree."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PROJECT_ROOT / SHIPPED[name]


def data_dir() -> Path:
    """The user's data directory (not created here)."""
    override = os.environ.get("ICS_ASSESS_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=True))


def default_db_path() -> Path:
    """The database used when no ``--db`` is given."""
    override = os.environ.get("ICS_ASSESS_DB")
    if override:
        return Path(override).expanduser()
    return data_dir() / DB_FILENAME


def builtin_forms_dir() -> Path:
    """The questionnaires that ship with the program."""
    return shipped_dir("_forms")


def user_forms_dir() -> Path:
    """Where users put questionnaires of their own."""
    return data_dir() / "forms"


def forms_dirs() -> list[Path]:
    """Every folder questionnaires are read from, shipped ones first."""
    return [builtin_forms_dir(), user_forms_dir()]


def backups_dir(db_path: Path) -> Path:
    """Where backups of a database are kept: a folder beside it."""
    return db_path.parent / "backups"


def log_path() -> Path:
    """The log file in the user's data directory."""
    return data_dir() / "logs" / "ics-assess.log"


def resources_dir() -> Path:
    """Icons, fonts and the stylesheet."""
    return shipped_dir("_resources")


def scoring_method_doc() -> Path:
    """The scoring method in plain words (docs/scoring.md), shown by the window's guide
    and printed in the reports' appendix."""
    return shipped_dir("_docs") / "scoring.md"
