"""Storage: one SQLite file through sqlite-utils. Nothing here imports Qt."""

from .database import (
    ConflictError,
    DamagedDatabaseError,
    MissingDatabaseError,
    NewerDatabaseError,
    NotADatabaseError,
    ReadOnlyError,
    RecordNotFoundError,
    StoreError,
    WriteError,
    backup_database,
    inspect_database,
    now,
)
from .store import (
    KEEP,
    DeletedAssessment,
    InvalidTextError,
    QuestionnaireChangedError,
    Store,
    new_id,
)

__all__ = [
    "KEEP",
    "ConflictError",
    "DamagedDatabaseError",
    "DeletedAssessment",
    "InvalidTextError",
    "MissingDatabaseError",
    "NewerDatabaseError",
    "NotADatabaseError",
    "QuestionnaireChangedError",
    "ReadOnlyError",
    "RecordNotFoundError",
    "Store",
    "StoreError",
    "WriteError",
    "backup_database",
    "inspect_database",
    "new_id",
    "now",
]
