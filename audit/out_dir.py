"""Writing reports into ``--out`` without following a planted symlink.

A report directory is often shared (CI workspaces, /tmp): a symlink planted at the directory
or at a report's name would make the auditor overwrite whatever it points to. The directory
and each report file are refused when they are symlinks, and files are opened with
``O_NOFOLLOW`` so a link planted between the check and the write is refused too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .errors import UsageError

__all__ = ["check_out_dir", "write_reports"]


def check_out_dir(out: Path) -> None:
    """Refuse ``out`` if it, or an existing report name in it, is a symlink or not a directory."""
    if out.is_symlink():
        raise UsageError(f"--out {out}: is a symlink; refusing to write reports through it")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")


def write_reports(out: Path, reports: Mapping[str, bytes]) -> None:
    """Create ``out`` (and parents) and write each report, never through a symlink."""
    check_out_dir(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot create ({error.strerror})") from None
    check_out_dir(out)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    for name, data in reports.items():
        path = out / name
        if path.is_symlink():
            raise UsageError(f"--out {path}: is a symlink; refusing to write a report through it")
        try:
            descriptor = os.open(path, flags, 0o644)
        except OSError as error:
            raise UsageError(f"--out {path}: cannot write ({error.strerror})") from None
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
