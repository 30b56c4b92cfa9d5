"""Writing the files the program produces (reports, bundles, spreadsheets) so that a
failure never leaves half a file, and says in words what to do."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def failure_sentence(target: Path, exc: OSError, what: str, example: str) -> str:
    """One sentence the user can act on when ``target`` (a ``what``, e.g. 'report',
    named like ``example``) could not be written."""
    folder = target.parent
    if isinstance(exc, IsADirectoryError) or target.is_dir():
        return f"{target} is a folder; give the {what} a file name, such as {example}."
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)) and not folder.is_dir():
        if folder.exists():
            return f"{folder} is a file, not a folder; choose a folder to save the {what} in."
        return f"The folder {folder} does not exist; choose an existing folder for the {what}."
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"There is not enough disk space to write {target}; free some space or save the "
            f"{what} somewhere else. Nothing was written."
        )
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EBUSY):
        return (
            f"The {what} could not be saved as {target}: permission was denied. If the file "
            f"is open in another program, close it and try again, or save the {what} "
            "somewhere else. Nothing was written."
        )
    if exc.errno == errno.EROFS:
        return f"{folder} is on a read-only disk; save the {what} somewhere else."
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"The {what} could not be saved as {target} ({reason}); nothing was written."


def write_atomically(
    path: Path | str, data: bytes, *, what: str, example: str, error: type[Exception]
) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed
    into place: the target is the old file or the whole new one, never half of one.
    Raises ``error`` with a sentence the user can act on; the temporary file is removed."""
    with atomic_output(path, what=what, example=example, error=error) as (out, target):
        out.write(data)
    return target


@contextlib.contextmanager
def atomic_output(
    path: Path | str, *, what: str, example: str, error: type[Exception]
) -> Iterator[tuple[BinaryIO, Path]]:
    """A file to write ``path`` in pieces, and the absolute target: what is written goes
    to a temporary file in the same folder, renamed into place when the block ends
    (after fsync). If the block raises, or writing fails, the temporary file is removed
    and the target is untouched; an OSError becomes ``error`` with a sentence the user
    can act on."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise error(failure_sentence(target, IsADirectoryError(errno.EISDIR, ""), what, example))
    target = target.absolute()
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        # mkstemp makes the file private (0600); what we write is an ordinary document,
        # so give it the mode of the file it replaces, or the usual 0644.
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
        os.chmod(temp, mode)
        with os.fdopen(fd, "w+b") as out:
            yield out, target
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
        temp = None
    except OSError as exc:
        raise error(failure_sentence(target, exc, what, example)) from exc
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
