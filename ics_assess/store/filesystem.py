"""Is a file on a network drive? WAL needs every process on one host (shared memory),
so a database on a network share uses the rollback journal instead."""

from __future__ import annotations

import os
import sys
from pathlib import Path

NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smb2",
    "smb3",
    "smbfs",
    "ncpfs",
    "afs",
    "9p",
    "fuse.sshfs",
    "davfs",
    "fuse.davfs2",
    "glusterfs",
    "ceph",
    "lustre",
}


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes spaces, tabs, newlines and backslashes as octal escapes.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def linux_filesystem_type(path: Path, mounts_text: str) -> str | None:
    """The type of the filesystem holding ``path``, from the text of /proc/mounts."""
    target = str(path)
    best, best_type = "", None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point, fs_type = _unescape_mount(fields[1]), fields[2]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def is_network_path(path: Path) -> bool:
    """True when ``path`` is on a network filesystem (best effort; False when unsure)."""
    path = Path(os.path.abspath(path))
    if sys.platform == "win32":
        text = str(path)
        if text.startswith("\\\\"):
            return True
        import ctypes

        drive = os.path.splitdrive(text)[0] + "\\"
        drive_remote = 4
        return ctypes.windll.kernel32.GetDriveTypeW(drive) == drive_remote
    if sys.platform.startswith("linux"):
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        fs_type = linux_filesystem_type(path, mounts)
        return fs_type is not None and (fs_type in NETWORK_FILESYSTEMS or fs_type.startswith("nfs"))
    return False
