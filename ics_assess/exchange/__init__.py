"""Exchange bundles: export assessments to one zip file, import them on another machine.

The format is described in docs/exchange-format.md (JSON Schema:
docs/exchange-bundle.schema.json). Every file read is untrusted: see bundle.py for the
container's limits and records.py for the records' rules. Nothing here imports Qt.
"""

from .bundle import FORMAT, FORMAT_VERSION, LIMITS, Limits, read_container
from .errors import BundleError, ExchangeError, ExportError, ImportConflictError
from .exporter import ExportResult, build_bundle, export_bundle
from .importer import (
    Conflict,
    ConflictChoice,
    ImportPlan,
    ImportResult,
    apply_import,
    plan_import,
)
from .records import Bundle, parse_bundle


def read_bundle(path, limits: Limits = LIMITS) -> Bundle:
    """Read and check a bundle file (container, manifest, checksums, questionnaires and
    records); raise BundleError with one sentence naming the file and what is wrong."""
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        raise BundleError(f"There is no file {path}.")
    if path.is_dir():
        raise BundleError(f"{path} is a folder, not a bundle file.")
    try:
        with read_container(path, limits) as container:
            return parse_bundle(container, limits)
    except BundleError as exc:
        raise BundleError(refusal(path.name or str(path), exc)) from None


def refusal(name: str, exc: Exception) -> str:
    """The one sentence of a refused file."""
    return f"{name} was not imported, nothing was changed: {exc}."


__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "LIMITS",
    "Bundle",
    "BundleError",
    "Conflict",
    "ConflictChoice",
    "ExchangeError",
    "ExportError",
    "ExportResult",
    "ImportConflictError",
    "ImportPlan",
    "ImportResult",
    "Limits",
    "apply_import",
    "build_bundle",
    "export_bundle",
    "parse_bundle",
    "plan_import",
    "read_bundle",
    "refusal",
]
