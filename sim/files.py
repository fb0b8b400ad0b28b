r"""Reading user-written YAML, and files coalsim wrote that a user can replace, with limits first.

Every scenario file, sweep spec and ``--set`` value goes through :func:`parse_yaml`. It
refuses, as an :class:`~sim.errors.InputError` naming the file, the line and the key:

- a file larger than :data:`MAX_YAML_BYTES` (read with a cap, so a device that never
  ends is not read whole), NUL bytes, content that is not UTF-8;
- a key given twice in one mapping (YAML would silently keep the last);
- tags that build Python objects (``!!python/...``) or any other unknown tag;
- alias bombs: more than :data:`MAX_ALIASES` aliases, a document that would expand to more
  than :data:`MAX_NODES` values, or an alias that refers to itself;
- nesting deeper than :data:`MAX_DEPTH` (checked on the event stream, before the
  recursive parts of PyYAML run, so no ``RecursionError``);
- text that is not valid Unicode (a lone UTF-16 surrogate written as ``"\\ud800"``), which
  would only fail later when a result is written.

The sizes are counted on the node graph before it is turned into Python objects, so a
bomb is refused in milliseconds instead of being expanded.

Files that coalsim wrote and reads back from a folder the user names (output markers,
posterior tables, run metadata) go through :func:`read_bytes` and :func:`read_json`: only a
regular file (never a pipe or a device such as ``/dev/zero``, which would block or never
end) of at most :data:`MAX_OUTPUT_BYTES`, and JSON nested too deep for Python's parser is a
``ValueError`` like any other damaged JSON, not a ``RecursionError``.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from sim.errors import InputError, describe

#: Largest YAML file read (bytes). Shipped scenarios and specs are a few kilobytes.
MAX_YAML_BYTES = 1_000_000

#: Largest file coalsim reads back from an output folder (a run's tables, a posterior, a marker).
MAX_OUTPUT_BYTES = 1 << 30

#: Deepest nesting of mappings and lists (the scenario schema needs fewer than 10 levels).
MAX_DEPTH = 40

#: Most aliases (``*name``) in one document.
MAX_ALIASES = 1_000

#: Most values (scalars, lists and mappings) in one document once its aliases are expanded.
MAX_NODES = 200_000

#: Longest name of one file or folder, and longest path, the system takes (Linux's NAME_MAX and
#: PATH_MAX, in bytes); a longer one fails every call that uses it with "File name too long".
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4095

#: The prefix of the tags PyYAML uses for Python objects.
_PYTHON_TAG = "tag:yaml.org,2002:python/"

#: The tag of a merge key (``<<: *base``), which the loader handles without a constructor.
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _line(node: Node) -> str:
    return f"line {node.start_mark.line + 1}"


class _GuardedLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys in a mapping."""

    def __init__(self, text: str, where: str) -> None:
        super().__init__(text)
        self.where = where

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that appears twice (merge keys ``<<`` aside)."""
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: PyYAML's own error names it below
            if first is not key_node:
                raise InputError(
                    self.where, str(key), "each key once in a mapping",
                    f"'{key}' twice ({_line(first)} and {_line(key_node)}); YAML would silently "
                    "keep the last",
                )  # fmt: skip
        return super().construct_mapping(node, deep=deep)


_GuardedLoader.add_constructor("tag:yaml.org,2002:map", _GuardedLoader.construct_yaml_map)
# YAML 1.1 (PyYAML) reads 1:30 as 90 (base 60), 010 as 8 (octal) and 0b101 as 5; YAML 1.2,
# which the docs describe, reads 1:30 and 0b101 as text and 010 as ten. Numbers are read as
# YAML 1.2 reads them, so a clock-like value meets the schema's type check ("expected a
# number, found '1:30'") instead of silently becoming another number.
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_GuardedLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_GuardedLoader.add_implicit_resolver(
    _NUMBER_TAGS[0], re.compile(r"^[-+]?[0-9][0-9_]*$|^[-+]?0x[0-9a-fA-F_]+$"), list("-+0123456789")
)


def _construct_int(loader: _GuardedLoader, node: Node) -> int:
    """A whole number as YAML 1.2 reads it: decimal (leading zeros too) or ``0x`` hexadecimal."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    digits = text.lstrip("+-")
    try:
        value = int(digits[2:], 16) if digits[:2].lower() == "0x" else int(digits, 10)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot read {text!r} as a whole number", node.start_mark
        ) from None
    return -value if text.startswith("-") else value


_GuardedLoader.add_constructor(_NUMBER_TAGS[0], _construct_int)
# Decimals as YAML 1.2 reads them, with an exponent too: YAML 1.1 read 1e-3 and 1e308 as text,
# which the schema's number checks then refused as text.
_GuardedLoader.add_implicit_resolver(
    _NUMBER_TAGS[1],
    re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$"
               r"|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"),
    list("-+0123456789."),
)


def _check_events(text: str, where: str) -> None:
    """Refuse deep nesting and too many aliases from the event stream (not recursive)."""
    depth = aliases = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(
                        where, "", f"lists and mappings nested at most {MAX_DEPTH} deep",
                        f"deeper nesting at line {event.start_mark.line + 1}",
                    )  # fmt: skip
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise InputError(
                        where, "", f"at most {MAX_ALIASES} aliases (*name)",
                        f"more, the last at line {event.start_mark.line + 1}",
                    )  # fmt: skip
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, where) from None


def _check_graph(root: Node, where: str, constructors: dict[str, Any]) -> None:
    """Count the values a node graph expands to, its depth, cycles and unknown tags.

    Walks the graph once per distinct node (aliases share nodes), iteratively.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            if size[key] > MAX_NODES:
                raise InputError(
                    where, "", f"a document of at most {MAX_NODES:,} values once aliases are expanded",
                    f"more, from the value at {_line(node)} (an alias bomb?)",
                )  # fmt: skip
            if depth[key] > MAX_DEPTH:
                raise InputError(
                    where, "", f"lists and mappings nested at most {MAX_DEPTH} deep once aliases are "
                    "expanded", f"deeper nesting from the value at {_line(node)}",
                )  # fmt: skip
            continue
        if key in size:
            continue
        if key in on_path:
            raise InputError(
                where, "", "aliases that do not contain themselves", f"a recursive alias at {_line(node)}"
            )
        _check_tag(node, where, constructors)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in size)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_tag(node: Node, where: str, constructors: dict[str, Any]) -> None:
    if node.tag in constructors or node.tag == _MERGE_TAG:
        return
    found = f"the tag '{node.tag}' at {_line(node)}"
    if node.tag.startswith(_PYTHON_TAG):
        found += " (tags that build Python objects are refused)"
    raise InputError(where, "", "plain YAML values (numbers, text, lists, mappings)", found)


def _syntax_error(exc: yaml.YAMLError, where: str) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return InputError(where, "", "valid YAML", f"a syntax error{at} ({problem})")


def _check_text(value: Any, where: str) -> None:
    """Refuse strings (keys included) that are not valid Unicode, such as lone surrogates."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = item[exc.start : exc.end]
                raise InputError(
                    where, "", "text that is valid Unicode",
                    f"{describe(item)} holding the lone surrogate {bad!a}",
                ) from None  # fmt: skip
        elif isinstance(item, dict | list) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.items() if isinstance(item, dict) else item)
        elif isinstance(item, tuple):
            stack.extend(item)


def parse_yaml(text: str, where: str) -> Any:
    """Parse one YAML document with every limit of this module checked first.

    Args:
        text: The YAML text.
        where: The file (or ``"command line"``) it came from, for messages.

    Returns:
        The parsed value (``None`` for an empty document).

    Raises:
        InputError: If the text breaks a limit, is not valid YAML, repeats a key or uses
            an unknown tag.
    """
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(where, "", "a YAML text file", f"binary content (a NUL byte on line {line})")
    _check_events(text, where)
    loader = _GuardedLoader(text, where)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, where, loader.yaml_constructors)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, where) from None
    except (ValueError, OverflowError) as exc:  # e.g. an int of 5,000 digits, a date 2025-13-40
        if isinstance(exc, InputError):
            raise
        reason = str(exc).split(";")[0]
        raise InputError(where, "", "valid YAML values", f"a value YAML cannot read ({reason})") from None
    finally:
        loader.dispose()
    _check_text(data, where)
    return data


def is_digits(text: str) -> bool:
    """Whether ``text`` is a whole number written in ASCII digits, as ``int`` reads it.

    ``str.isdigit`` also takes characters such as ``'²'`` that ``int`` refuses with a
    ``ValueError``; every list index, step or count typed as text is checked here instead.

    Args:
        text: The text.

    Returns:
        True for one or more of ``0``-``9`` and nothing else.

    """
    return text.isascii() and text.isdigit()


def unusable_path(path: str | Path, reserve: int = 0) -> str:
    """Why no system call could use ``path``, or ``""`` when it is a path the system can use.

    Args:
        path: A path as a user gave it.
        reserve: Bytes its last part must leave free for names made from it (hidden
            siblings such as an output's staging folder or lock file).

    Returns:
        What is wrong, for a message: empty, a NUL byte, a part or the whole too long.

    """
    encoded = os.fsencode(path)
    if not encoded.strip():
        return "an empty path"
    if b"\0" in encoded:
        return "a path holding a NUL byte"
    if len(encoded) > MAX_PATH_BYTES:
        return f"a path of {len(encoded):,} bytes (the system takes at most {MAX_PATH_BYTES:,})"
    parts = encoded.rstrip(b"/").split(b"/")
    longest = max(len(part) for part in parts)
    if longest > MAX_NAME_BYTES:
        return f"a name of {longest:,} bytes in the path (the system takes at most {MAX_NAME_BYTES})"
    if len(parts[-1]) > MAX_NAME_BYTES - reserve:
        return (
            f"a name of {len(parts[-1]):,} bytes (at most {MAX_NAME_BYTES - reserve} here, to leave room "
            f"for the hidden files coalsim writes beside it)"
        )
    return ""


def read_text(path: Path, kind: str) -> str:
    """Read a user's text file with a size cap, as UTF-8, or UTF-16 when a byte-order mark says so.

    Args:
        path: The file.
        kind: What the file should be, for messages (e.g. ``"scenario file"``).

    Returns:
        The text.

    Raises:
        InputError: If the file is missing, not a regular file (a folder, pipe or device,
            refused without blocking: :func:`read_bytes`), unreadable, larger than
            :data:`MAX_YAML_BYTES` or not text in those encodings.
    """
    where = str(path)
    try:
        content = read_bytes(path, MAX_YAML_BYTES)
    except FileNotFoundError:
        raise InputError(where, "", f"an existing {kind}", "no such file") from None
    except IsADirectoryError:
        raise InputError(where, "", f"an existing {kind}", "a folder") from None
    except OSError as exc:
        raise InputError(where, "", f"a readable {kind}", exc.strerror or str(exc)) from None
    except ValueError:
        expected = f"a {kind} of at most {MAX_YAML_BYTES:,} bytes"
        raise InputError(where, "", expected, "a larger file") from None
    # A byte-order mark says how the text is encoded: spreadsheets save "Unicode text" as UTF-16.
    encoding = "utf-16" if content[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        found = f"binary or non-UTF-8 content (byte {exc.start}, line {line})"
        expected = f"a {kind} in UTF-8 text (or UTF-16 with a byte-order mark)"
        raise InputError(where, "", expected, found) from None


def read_yaml_mapping(path: Path, kind: str, fields: str) -> tuple[str, dict[str, Any]]:
    """Read a YAML file whose top level must be a mapping.

    Args:
        path: The file.
        kind: What the file should be, for messages (e.g. ``"scenario file"``).
        fields: What the mapping should hold, for messages (e.g. ``"scenario fields"``).

    Returns:
        The file's text and its parsed mapping.

    Raises:
        InputError: If the file is missing, unreadable, too large, binary, not YAML, breaks
            a limit of :func:`parse_yaml`, is empty or is not a mapping.
    """
    where = str(path)
    text = read_text(path, kind)
    data = parse_yaml(text, where)
    if data is None:
        raise InputError(where, "", f"a mapping of {fields}", "an empty file")
    if not isinstance(data, dict):
        raise InputError(where, "", f"a mapping of {fields} at the top level", describe(data))
    return text, data


def read_bytes(path: Path, limit: int = MAX_OUTPUT_BYTES, *, dir_fd: int | None = None) -> bytes:
    """Read a regular file whole, refusing pipes, devices and files larger than ``limit``.

    The file is opened without blocking (a named pipe with no writer would wait forever)
    and checked on the open handle, so a file swapped for a device after a check is still
    refused.

    Args:
        path: The file.
        limit: Most bytes read.
        dir_fd: An open folder that a relative ``path`` is inside (see :func:`os.open`).

    Returns:
        Its content.

    Raises:
        OSError: If it is missing or unreadable, or not a regular file (``IsADirectoryError``
            for a folder).
        ValueError: If it is larger than ``limit``.
    """
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd)
    with os.fdopen(handle, "rb") as file:
        mode = os.fstat(handle).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(f"not a regular file (a pipe, socket or device): '{path}'")
        content = file.read(limit + 1)
    if len(content) > limit:
        raise ValueError(f"larger than {limit:,} bytes")
    return content


def read_csv_table(path: Path, index: str | None = None) -> Any:
    """A CSV table coalsim wrote, read back from a folder the user names (a ``pandas.DataFrame``).

    Read like every such file (:func:`read_bytes`: a regular file, size-capped), so a pipe
    there does not block; a table of another shape is a ``ValueError`` like any damage.

    Args:
        path: The CSV file.
        index: The column to index the table by, if any.

    Returns:
        The table.

    Raises:
        OSError: If the file cannot be read, or is not a regular file.
        ValueError: If it is larger than :data:`MAX_OUTPUT_BYTES`, empty or not such a table.

    """
    import io

    import pandas as pd  # only readers of tables pay for pandas

    content = read_bytes(path)
    try:
        return pd.read_csv(io.BytesIO(content), index_col=index)
    except (TypeError, IndexError, KeyError) as exc:  # pandas' errors for a header of another shape
        raise ValueError(f"not a table of the expected shape ({type(exc).__name__}: {exc})") from None


def read_json(path: Path, limit: int = MAX_OUTPUT_BYTES) -> Any:
    """Read a JSON file through :func:`read_bytes`.

    Args:
        path: The file.
        limit: Most bytes read.

    Returns:
        The parsed value.

    Raises:
        OSError: As :func:`read_bytes`.
        ValueError: If it is too large, not UTF-8 (``UnicodeDecodeError``), not JSON
            (``json.JSONDecodeError``) or nested deeper than Python's parser can follow.
    """
    return parse_json(read_bytes(path, limit))


def parse_json(content: bytes | str) -> Any:
    """Parse JSON, with nesting too deep for Python's parser a ``ValueError`` like other damage.

    Args:
        content: UTF-8 bytes or text.

    Returns:
        The parsed value.

    Raises:
        ValueError: If it is not UTF-8 or not JSON, or nested too deep.
    """
    try:
        return json.loads(content.decode("utf-8") if isinstance(content, bytes) else content)
    except RecursionError:
        raise ValueError("JSON nested too deep to read") from None
