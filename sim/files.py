"""Reading user-written YAML files with errors that name the file and what was wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError, describe


def read_yaml_mapping(path: Path, kind: str, fields: str) -> tuple[str, dict[str, Any]]:
    """Read a YAML file whose top level must be a mapping.

    Args:
        path: The file.
        kind: What the file should be, for messages (e.g. ``"scenario file"``).
        fields: What the mapping should hold, for messages (e.g. ``"scenario fields"``).

    Returns:
        The file's text and its parsed mapping.

    Raises:
        InputError: If the file is missing, unreadable, binary, not YAML, empty or not
            a mapping.
    """
    where = str(path)
    if not path.is_file():
        raise InputError(where, "", f"an existing {kind}", "no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(where, "", "a UTF-8 text file in YAML", "binary or non-UTF-8 content") from None
    except OSError as exc:
        raise InputError(where, "", "a readable file", exc.strerror or str(exc)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(where, "", "valid YAML", f"a syntax error{at} ({problem})") from None
    if data is None:
        raise InputError(where, "", f"a mapping of {fields}", "an empty file")
    if not isinstance(data, dict):
        raise InputError(where, "", f"a mapping of {fields} at the top level", describe(data))
    return text, data
