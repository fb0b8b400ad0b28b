"""Writing results so that a crash never leaves a half-written file or folder.

Readers see the old complete file (or folder) or the new complete one, never a mix:
content goes to a hidden temporary sibling, is flushed to disk, and is renamed into
place. Used by single runs (``RunResult.save``), sweep stores, answers and reports.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Args:
        path: Destination file.
        data: Its complete content.

    """
    temporary = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def write_folder_atomically(folder: str | Path, files: Mapping[str, bytes]) -> Path:
    """Write files into ``folder`` so that it appears complete or not at all.

    Everything goes into a hidden staging sibling, is flushed to disk, and the staging
    folder is then renamed into place (replacing an older folder, see
    :func:`replace_folder`). On any failure the staging folder is removed.

    Args:
        folder: Destination folder.
        files: File contents by file name.

    Returns:
        The folder written.

    """
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        fsync_tree(staging)
        replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def fsync_tree(folder: Path) -> None:
    """Flush every file in ``folder`` to disk before it is renamed into place."""
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())


def replace_folder(staging: Path, target: Path) -> None:
    """Move a complete ``staging`` folder to ``target``, replacing what was there.

    The old folder is first renamed aside, so at every moment ``target`` is either the
    old complete result or the new complete one.
    """
    if target.exists():
        aside = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        target.rename(aside)
        staging.rename(target)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        staging.rename(target)
