"""Where things live: the shipped forms and resources, and the user's data.

One module knows every location, and environment variables override each one so that
tests and portable installs never touch the real data directory:

- ``ICS_ASSESS_DATA_DIR``: the user's data directory (database, own forms, backups, logs)
- ``ICS_ASSESS_DB``: the default database file
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ICS Assess"
DB_FILENAME = "ics-assess.sqlite"

# The source tree: the package sits beside forms/ and resources/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    return PROJECT_ROOT / "forms"


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
    return PROJECT_ROOT / "resources"
