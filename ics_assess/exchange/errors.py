"""The exchange's errors: each carries one sentence for the user, never a traceback."""

from __future__ import annotations

from ..store import StoreError


class ExchangeError(StoreError):
    """An export or import that cannot be carried out; the message says why."""


class BundleError(ExchangeError):
    """A file that is refused as a bundle: not a bundle, damaged, too big, or with a record
    that breaks the format's rules. Nothing was changed."""


class ImportConflictError(ExchangeError):
    """The bundle holds records that differ from this database's records of the same id,
    and no choice was given (or none can resolve them). Nothing was changed."""


class ExportError(ExchangeError):
    """A bundle could not be written."""
