"""Writing outputs: never half a file or folder, never over what coalsim did not write.

Readers see the old complete file (or folder) or the new complete one, never a mix:
content goes to a hidden temporary sibling, is flushed to disk, and is renamed into
place; a folder's files are read from one version through :func:`read_folder_once`. Used
by single runs (``RunResult.save`` and ``load``), sweep stores, answers and reports.

One rule guards every output path (:func:`check_output_folder`,
:func:`check_output_file`): coalsim never replaces or empties a folder it did not write.
Every output folder holds a marker file (:data:`MARKER`) that names the folder's kind and
the files coalsim put there; a folder may be replaced only when it is missing, empty, or
of the same kind with nothing in it but the files its marker lists (and coalsim output
folders inside it). The working folder and its parents, the home folder, a folder that
holds a ``.git`` repository and any folder that holds the command's own inputs are never
replaced. A single output file replaces only a file that carries its writer's mark.

Staging names carry the writer's host and process id, so the next write of the same
output removes staging left by a process that was killed (and only such staging).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from sim.errors import InputError
from sim.files import read_bytes, read_json, unusable_path

#: The marker file inside every output folder coalsim writes.
MARKER = ".coalsim-output.json"

#: Staging older than this (seconds) is removed even when its owner cannot be checked.
STALE_AFTER = 3600.0

#: How much of an existing file is read to look for its writer's mark.
MARK_WINDOW = 65536

#: Largest marker file read (a marker lists a few dozen file names).
MAX_MARKER_BYTES = 1_000_000

#: Bytes an output's name leaves free for the hidden siblings named after it: its staging
#: (``.NAME.partial-HOST-PID-ID``), a sweep's lock, optimize's checkpoint and that file's staging.
SIBLING_RESERVE = 64

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_STAGING = re.compile(r"\.(?:partial|old|tmp)-(?:(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-)?[0-9a-f]+$")

#: The folder that holds the ``sim`` package (the repository root in a checkout).
_PROJECT = Path(__file__).resolve().parents[1]

_REFUSED_HINT = "Nothing was changed. Choose a new or empty folder, or move those files elsewhere first."


def staging_path(target: Path, kind: str) -> Path:
    """A hidden sibling of ``target`` named after this host and process.

    Args:
        target: The file or folder being written.
        kind: ``"partial"`` (a folder being filled), ``"old"`` (an old folder set aside)
            or ``"tmp"`` (a file being written).

    Returns:
        A new path that :func:`remove_stale_staging` recognises once its writer is gone.

    """
    return target.with_name(f".{target.name}.{kind}-{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Args:
        path: Destination file.
        data: Its complete content.

    """
    temporary = staging_path(path, "tmp")
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


def is_staging(path: Path) -> bool:
    """Whether ``path`` is named like the staging this module makes (live or left by a kill).

    Args:
        path: Any path.

    Returns:
        True for a hidden name made by :func:`staging_path` (or its older form, without
        host and process).

    """
    return path.name.startswith(".") and _STAGING.search(path.name) is not None


def _owner_is_gone(path: Path) -> bool:
    """Whether the process that named this staging path can no longer be writing to it."""
    match = _STAGING.search(path.name)
    if match is None:
        return False
    try:
        age = time.time() - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    if age > STALE_AFTER:
        return True
    if match["pid"] is None or match["host"] != _HOST or os.name != "posix":
        return False
    try:
        os.kill(int(match["pid"]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_stale_staging(target: Path) -> list[Path]:
    """Remove the staging left beside ``target`` by writers that were killed.

    Only hidden siblings named like this module's own staging for this very target are
    considered, and of those only the ones whose process has ended (or that are older
    than :data:`STALE_AFTER`): a concurrent writer's staging is left alone.

    Args:
        target: The output file or folder about to be written.

    Returns:
        The paths removed.

    """
    removed = []
    for path in target.parent.glob(f".{glob.escape(target.name)}.*-*"):
        ours = path.name[len(target.name) + 2 :].startswith(("partial-", "old-", "tmp-"))
        if ours and _owner_is_gone(path):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _marker(folder: Path) -> dict | None:
    """The folder's marker, or ``None`` when it has none (or an unreadable one)."""
    try:
        content = read_json(folder / MARKER, MAX_MARKER_BYTES)
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("written_by") != "coalsim":
        return None
    if not isinstance(content.get("kind"), str) or not isinstance(content.get("files"), list):
        return None
    return content


def _foreign_entries(folder: Path, marker: dict) -> list[str]:
    """Entries of an output folder that its marker does not account for."""
    listed = {str(name) for name in marker["files"]} | {MARKER}
    foreign = []
    for entry in sorted(folder.iterdir()):
        if entry.name in listed and entry.is_file() and not entry.is_symlink():
            continue  # coalsim writes only files into an output folder: a listed folder is not ours
        inner = None if entry.is_symlink() or not entry.is_dir() else _marker(entry)
        try:
            ours = inner is not None and not _foreign_entries(entry, inner)
        except OSError:  # a subfolder coalsim cannot read is not one it wrote
            ours = False
        if not ours:
            foreign.append(entry.name)
    return foreign


def _resolved(path: Path) -> Path:
    """The path with its links followed; as written (made absolute) where they loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: RuntimeError before Python 3.13, OSError after
        return Path(os.path.abspath(path))


def _protected(folder: Path, sources: Iterable[str | Path]) -> str:
    """Why ``folder`` may never be replaced, or ``""``."""
    try:
        cwd = Path.cwd().resolve()
    except FileNotFoundError:  # the working folder was removed: only an absolute path can be written
        if not folder.is_absolute():
            return "relative to a working folder that no longer exists"
        cwd = None
    resolved = _resolved(folder)
    if cwd is not None and (resolved == cwd or resolved in cwd.parents):
        return "the current folder or one of its parents"
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no HOME and no user entry: nothing to protect there
        home = None
    if resolved == home:
        return "the home folder"
    if (resolved / ".git").exists() or resolved == _PROJECT:
        return "the root of a repository"
    for source in sources:
        path = _resolved(Path(source))
        if resolved == path or resolved in path.parents:
            return f"a folder holding the input '{source}'"
    return ""


def check_output_folder(
    folder: str | Path, kind: str, sources: Iterable[str | Path] = (), given_as: str = ""
) -> None:
    """Check that an output folder may be written (and replaced) before any work is done.

    A folder may be written when it is missing, empty, or an earlier output of the same
    ``kind`` holding nothing coalsim did not put there. It must be a folder (not a file),
    inside a writable parent, and never one of the folders in the module docstring.

    Args:
        folder: The output folder (it may not exist yet).
        kind: The kind of output, e.g. ``"run"`` (a folder of another kind is refused).
        sources: The inputs of the command: a folder holding one is refused.
        given_as: How the caller's user named the folder (e.g. an option), for the message.

    Raises:
        InputError: Naming the folder, what is in the way and what to do.

    """
    folder = Path(folder)
    where = str(folder)
    _check_usable(folder, given_as)
    try:
        _check_folder(folder, where, kind, sources, given_as)
    except OSError as exc:  # a path the checks above let through that the system still refuses
        raise _refusal(where, given_as, "a folder coalsim can read and write", exc.strerror or str(exc),
                       _REFUSED_HINT) from None  # fmt: skip


def _check_folder(folder: Path, where: str, kind: str, sources: Iterable[str | Path], given_as: str) -> None:
    """The checks of :func:`check_output_folder`, which turns the system's refusals into errors."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise _refusal(where, given_as, "a folder for the output", "a file (or link)",
                         "Nothing was changed. Name a folder, e.g. results/NAME.")  # fmt: skip
    reason = _protected(folder, sources)
    if reason:
        raise _refusal(where, given_as, "a folder of its own for the output", reason,
                         "Nothing was changed. Name a new folder, e.g. results/NAME.")  # fmt: skip
    try:
        names = sorted(entry.name for entry in folder.iterdir()) if folder.is_dir() else []
    except OSError as exc:
        raise _refusal(where, given_as, "a folder coalsim can read and write",
                       f"one it cannot read ({exc.strerror or exc})", _REFUSED_HINT) from None  # fmt: skip
    if names:
        marker = _marker(folder)
        if marker is None:
            foreign = _foreign_entries(folder, {"files": []})
            found = (
                f"a folder holding files coalsim did not write ({_some(foreign)})"
                if foreign
                else f"a folder of other coalsim outputs ({_some(names)})"
            )
            raise _refusal(where, given_as, f"a new or empty folder, or an earlier coalsim {kind} output",
                           found, _REFUSED_HINT)  # fmt: skip
        if marker["kind"] != kind:
            raise _refusal(where, given_as, f"a new or empty folder, or an earlier coalsim {kind} output",
                             f"a coalsim {marker['kind']} output", _REFUSED_HINT)  # fmt: skip
        foreign = _foreign_entries(folder, marker)
        if foreign:
            raise _refusal(where, given_as, f"a new or empty folder, or an earlier coalsim {kind} output",
                             f"an earlier output that now also holds files coalsim did not write "
                             f"({_some(foreign)})", _REFUSED_HINT)  # fmt: skip
    _check_writable(folder, given_as)


def check_output_file(
    path: str | Path, mark: bytes, sources: Iterable[str | Path] = (), given_as: str = ""
) -> None:
    """Check that an output file may be written: new, or an earlier one with ``mark`` in it.

    Args:
        path: The output file.
        mark: Bytes every file of this kind holds near its start (its writer's signature).
        sources: The command's inputs, which are never overwritten.
        given_as: How the caller's user named the file (e.g. an option), for the message.

    Raises:
        InputError: If ``path`` is a folder, an input, a file without the mark, or not
            inside a writable folder.

    """
    path = Path(path)
    where = str(path)
    _check_usable(path, given_as)
    try:
        _check_file(path, where, mark, sources, given_as)
    except OSError as exc:  # a path the checks above let through that the system still refuses
        raise _refusal(where, given_as, "a file coalsim can write", exc.strerror or str(exc),
                       "Nothing was changed. Name a new file.") from None  # fmt: skip


def _check_file(path: Path, where: str, mark: bytes, sources: Iterable[str | Path], given_as: str) -> None:
    """The checks of :func:`check_output_file`, which turns the system's refusals into errors."""
    if path.is_dir():
        raise _refusal(where, given_as, "a file name for the output", "a folder")
    resolved = _resolved(path)
    if any(resolved == _resolved(Path(source)) for source in sources):
        raise _refusal(where, given_as, "a file other than the command's inputs", "one of its inputs")
    if path.exists() or path.is_symlink():
        if path.is_symlink() or not path.is_file():
            raise _refusal(where, given_as, "a new file, or one coalsim wrote", "a link or special file",
                             "Nothing was changed. Name a new file.")  # fmt: skip
        try:
            with path.open("rb") as handle:
                head = handle.read(MARK_WINDOW)
        except OSError as exc:
            raise _refusal(where, given_as, "a new file, or one coalsim wrote",
                           f"a file it cannot read ({exc.strerror or exc})") from None  # fmt: skip
        if mark not in head:
            raise _refusal(where, given_as, "a new file, or one this coalsim command wrote before",
                             "a file this command did not write",
                             "Nothing was changed. Name a new file, or move that one away.")  # fmt: skip
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise _refusal(where, given_as, "a file in an existing folder", "in a folder that does not exist")
    _check_writable(path, given_as)


def _check_usable(path: Path, given_as: str) -> None:
    """Refuse a path no system call could use, or whose name leaves no room for staging beside it."""
    problem = unusable_path(path, reserve=SIBLING_RESERVE)
    if problem:
        raise _refusal(path, given_as, "a path the system can use", problem,
                       "Nothing was changed. Choose a shorter name.")  # fmt: skip


def _refusal(path: str | Path, given_as: str, expected: str, found: str, hint: str = "") -> InputError:
    """The error for an output path, naming the option it came from when there is one."""
    if given_as:
        return InputError("command line", given_as, expected, f"'{path}', {found}", hint)
    return InputError(str(path), "", expected, found, hint)


def _check_writable(path: Path, given_as: str) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise _refusal(path, given_as, "a path inside a writable folder", f"in '{parent}', not writable")


def _some(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def write_folder_atomically(
    folder: str | Path, files: Mapping[str, bytes], kind: str, sources: Iterable[str | Path] = ()
) -> Path:
    """Write files into ``folder`` so that it appears complete or not at all.

    The folder is first checked (:func:`check_output_folder`); everything then goes into a
    hidden staging sibling with the marker file, is flushed to disk, and the staging
    folder is renamed into place (replacing an older output, see :func:`replace_folder`).
    On any failure, or a signal that raises, the staging folder is removed; staging left
    by a killed writer of the same folder is removed first.

    Args:
        folder: Destination folder.
        files: File contents by file name.
        kind: The kind of output (what may replace what, see :func:`check_output_folder`).
        sources: The inputs of the command, whose folders are never replaced.

    Returns:
        The folder written.

    Raises:
        InputError: If the folder may not be replaced.

    """
    target = Path(folder)
    check_output_folder(target, kind, sources)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(target)
    staging = staging_path(target, "partial")
    staging.mkdir()
    try:
        marker = {"written_by": "coalsim", "kind": kind, "files": sorted(files)}
        for name, data in {**files, MARKER: json.dumps(marker, indent=1).encode()}.items():
            (staging / name).write_bytes(data)
        fsync_tree(staging)
        replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write_file(path: str | Path, data: bytes, mark: bytes, sources: Iterable[str | Path] = ()) -> Path:
    """Write one output file atomically, replacing only an earlier file with ``mark``.

    Args:
        path: Destination file.
        data: Its complete content (it must hold ``mark``, so that it may be replaced later).
        mark: The writer's signature (see :func:`check_output_file`).
        sources: The command's inputs, which are never overwritten.

    Returns:
        The file written.

    Raises:
        InputError: If the file may not be replaced.
        ValueError: If ``data`` lacks ``mark`` within its first :data:`MARK_WINDOW` bytes.

    """
    path = Path(path)
    if mark not in data[:MARK_WINDOW]:
        raise ValueError("an output file must carry its writer's mark near its start")
    check_output_file(path, mark, sources)
    remove_stale_staging(path)
    atomic_write(path, data)
    return path


#: How long :func:`read_folder_once` waits for a writer that is swapping the folder in.
SWAP_WAIT = 2.0


def read_folder_once(folder: Path, names: Iterable[str]) -> dict[str, bytes]:
    """Read files of a folder that a writer replaces whole, all from one version of it.

    :func:`replace_folder` renames the old folder aside, the new one in, and removes the
    old, so a reader that opens ``folder/a`` and then ``folder/b`` by path may get ``a`` of
    the old result and ``b`` of the new, or find no folder for an instant. This reader
    opens the folder once and every file relative to that open folder, so all come from
    one version; if that version is removed under it (a newer one took its place) or the
    folder is missing while a writer's old folder is set aside, it reads again, for up to
    :data:`SWAP_WAIT` seconds. Where the platform cannot open files relative to a folder
    (Windows), it reads by path.

    Args:
        folder: The folder.
        names: The files to read.

    Returns:
        Their contents by name.

    Raises:
        FileNotFoundError: If the folder or one of the files is missing (not merely being
            replaced).

    """
    names = list(names)
    if os.open not in os.supports_dir_fd:
        return {name: (folder / name).read_bytes() for name in names}
    deadline = time.monotonic() + SWAP_WAIT
    while True:
        contents = _read_version(folder, names)
        if contents is not None:
            return contents
        if time.monotonic() > deadline:
            raise FileNotFoundError(f"{folder} kept being replaced for {SWAP_WAIT:g} s while it was read")
        time.sleep(0.01)


def _read_version(folder: Path, names: list[str]) -> dict[str, bytes] | None:
    """The files of the folder's version opened now, or None if a writer replaced it meanwhile."""
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        if any(folder.parent.glob(f".{glob.escape(folder.name)}.old-*")):  # set aside by a writer
            return None
        raise
    try:
        contents = {}
        for name in names:
            try:
                contents[name] = read_bytes(Path(name), dir_fd=directory)
            except FileNotFoundError:
                if _replaced(folder, directory):
                    return None
                raise
        return contents
    finally:
        os.close(directory)


def _replaced(folder: Path, directory: int) -> bool:
    """Whether ``folder`` is no longer the folder open as ``directory``."""
    try:
        return os.stat(folder).st_ino != os.fstat(directory).st_ino
    except FileNotFoundError:
        return True


def fsync_tree(folder: Path) -> None:
    """Flush every file in ``folder`` to disk before it is renamed into place."""
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())


def replace_folder(staging: Path, target: Path) -> None:
    """Move a complete ``staging`` folder to ``target``, replacing what was there.

    The old folder is first renamed aside, so at every moment ``target`` is either the
    old complete result or the new complete one. Callers check first that the old
    folder may be replaced (:func:`check_output_folder`).
    """
    if target.exists():
        aside = staging_path(target, "old")
        target.rename(aside)
        try:
            staging.rename(target)
        except BaseException:  # a failure or a signal between the renames: put the old one back
            aside.rename(target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    else:
        staging.rename(target)
