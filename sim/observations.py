"""Dated, sourced observations the model can be scored against, and observed member lists.

``sim/data/observations.csv`` holds facts from after the July 2025 WAICO proposal (see
``sim/data/SOURCES_observations.md``), one row per fact:

* ``observation_id``: the set the row belongs to (e.g. ``pax_silica_founding``); a set has
  one framework and one kind of evidence per country;
* ``framework``: the model framework it speaks about (``waico``, ``us_led``, ``un``,
  ``eu_coe``);
* ``kind``: one of :data:`KINDS`; ``member_count`` rows carry ``value``/``low``/``high``
  and no ``iso3``, every other kind names one country and no numbers;
* ``date`` (ISO ``YYYY-MM-DD``) and ``step``, the model month it falls in: step 0 is July
  2025, one step per month (:func:`month_step`); the two must agree;
* ``confidence`` (``high``/``medium``/``low``), ``source`` (URL or document), ``note``.

Only :data:`POSITIVE_KINDS` count as observed members when a set is scored: a conference
participant is not a supporter. :func:`load_member_list` reads a user's own list (a CSV
with an ``iso3`` column, or a table shaped like the observations file). Both readers raise
:class:`~sim.errors.InputError` naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from sim.errors import InputError, did_you_mean
from sim.files import is_digits, read_text
from sim.world import place_name

#: Columns of the observations file, in order.
COLUMNS = (
    "observation_id", "framework", "kind", "iso3", "date", "step", "value", "low", "high",
    "confidence", "source", "note",
)  # fmt: skip

#: What a row can say about a country (or, for ``member_count``, about a framework).
KINDS = ("member_count", "member", "supporter", "endorser", "participant", "proposer", "non_member")

#: Kinds that count as "observed member" when a set of rows is scored.
POSITIVE_KINDS = ("member", "supporter", "endorser")

CONFIDENCE = ("high", "medium", "low")

#: The month of step 0 (July 2025, the WAICO proposal).
STEP_ZERO = (2025, 7)

#: Header names of a column of ISO3 codes in a user's list, compared in lower case without
#: spaces, dashes or underscores (``ISO3``, ``iso_a3``, ``Alpha-3``, ``Country code``, ...).
CODE_COLUMNS = (
    "iso3", "isoa3", "iso3code", "alpha3", "isoalpha3", "countrycode", "countryiso3", "iso", "code",
)  # fmt: skip

#: Cell separators a user's list may use (spreadsheets in many locales save semicolons).
DELIMITERS = (",", ";", "\t", "|")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def default_path() -> Path:
    """The shipped observations file."""
    return Path(__file__).resolve().parent / "data" / "observations.csv"


def month_step(day: date) -> int:
    """The model step a date falls in: months since July 2025 (July 2025 is step 0).

    Args:
        day: The date.

    Returns:
        The step; negative before July 2025.

    """
    return (day.year - STEP_ZERO[0]) * 12 + day.month - STEP_ZERO[1]


def load_observations(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check an observations file.

    Args:
        path: The CSV; the shipped ``sim/data/observations.csv`` when omitted.

    Returns:
        One row per observation with the :data:`COLUMNS`; ``date`` as ``datetime.date``,
        ``step`` as int, ``value``/``low``/``high`` as float (NaN for country rows).

    Raises:
        InputError: If the file cannot be read, is not a regular file of at most
            :data:`sim.files.MAX_YAML_BYTES`, its header differs from :data:`COLUMNS`,
            or a row breaks a rule (naming the row and the column).

    """
    path = Path(path) if path is not None else default_path()
    where = str(path)
    text = read_text(path, "CSV file of observations")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        body = list(reader)
    except csv.Error as exc:
        raise InputError(where, "", "a CSV file of observations", str(exc)) from None
    if header is None or tuple(header) != COLUMNS:
        raise InputError(
            where, "header", f"the columns {', '.join(COLUMNS)}", ", ".join(header or []) or "nothing"
        )
    records = []
    seen: set[tuple[str, str]] = set()
    for number, cells in enumerate(body, start=2):
        if len(cells) != len(COLUMNS):
            raise InputError(where, f"line {number}", f"{len(COLUMNS)} cells", f"{len(cells)}")
        record = _check_row(dict(zip(COLUMNS, cells, strict=True)), where, number)
        key = (record["observation_id"], record["iso3"])
        if key in seen:
            raise InputError(
                where, f"line {number}", "one row per observation and country", f"a repeat of {key}"
            )
        seen.add(key)
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for observation, rows in frame.groupby("observation_id"):
        if rows["framework"].nunique() > 1:
            raise InputError(where, f"observation '{observation}'", "one framework per observation",
                             ", ".join(sorted(rows["framework"].unique())))  # fmt: skip
    return frame


def _check_row(row: dict[str, str], where: str, number: int) -> dict[str, object]:
    """Check one row's cells and convert them (see :func:`load_observations`)."""

    def fail(column: str, expected: str, hint: str = "") -> InputError:
        return InputError(where, f"line {number}, column '{column}'", expected, repr(row[column]), hint)

    for column in ("observation_id", "framework"):
        if not _ID.match(row[column]):
            raise fail(column, "a lower-case id (letters, digits, underscores)")
    if row["kind"] not in KINDS:
        raise fail("kind", f"one of {', '.join(KINDS)}", did_you_mean(row["kind"], KINDS))
    if row["confidence"] not in CONFIDENCE:
        raise fail(
            "confidence", f"one of {', '.join(CONFIDENCE)}", did_you_mean(row["confidence"], CONFIDENCE)
        )
    if not row["source"].strip():
        raise fail("source", "a URL or document naming where the fact comes from")
    try:
        day = date.fromisoformat(row["date"])
    except ValueError:
        raise fail("date", "an ISO date YYYY-MM-DD") from None
    if not is_digits(row["step"]) or int(row["step"]) != month_step(day):
        raise fail("step", f"{month_step(day)}, the month of {day} counted from July 2025 (step 0)")
    count = row["kind"] == "member_count"
    numbers = {}
    for column in ("value", "low", "high"):
        if not count:
            if row[column]:
                raise fail(column, "an empty cell (only member_count rows carry numbers)")
            numbers[column] = float("nan")
            continue
        try:
            numbers[column] = float(row[column])
        except ValueError:
            raise fail(column, "a number of members") from None
        if not numbers[column] >= 0 or numbers[column] != int(numbers[column]):
            raise fail(column, "a whole number of members, at least 0")
    if count and not numbers["low"] <= numbers["value"] <= numbers["high"]:
        raise fail("value", f"low <= value <= high (low {row['low']}, high {row['high']})")
    if count != (row["iso3"] == ""):
        raise fail("iso3", "empty for member_count rows" if count else "an ISO 3166-1 alpha-3 code")
    if not count and not _ISO3.match(row["iso3"]):
        raise fail("iso3", "an ISO 3166-1 alpha-3 code in capitals, e.g. KAZ")
    return {**row, "date": day, "step": int(row["step"]), **numbers}


@dataclass(frozen=True)
class MemberList:
    """A user's list of observed members (:func:`load_member_list`).

    Attributes:
        codes: ISO3 codes in file order, each once.
        framework: The framework the rows name, when the file has a ``framework`` column
            (a table shaped like ``sim/data/observations.csv``); ``None`` otherwise.
        step: The latest step of the rows, from a ``step`` column or else the month of a
            ``date`` column (:func:`month_step`); ``None`` when the file has neither.

    """

    codes: list[str]
    framework: str | None = None
    step: int | None = None


def load_member_list(path: str | Path, framework: str | None = None) -> MemberList:
    """Read a user's list of observed members, in the shapes people save such lists.

    The codes are in a column named ``iso3`` (or :data:`CODE_COLUMNS`, in any case and
    spacing), or the file is the codes alone, one per line without a header. Cells may be in
    lower case or padded; commas, semicolons, tabs or bars separate cells (the header line's
    most frequent one); blank lines are skipped. A table with a ``kind`` column (shaped like
    ``sim/data/observations.csv``) counts only its :data:`POSITIVE_KINDS` rows: a participant
    or a count is no member. With a ``framework`` column, only the rows of ``framework`` are
    read, and the file must name one framework when ``framework`` is not given.

    Args:
        path: The CSV file.
        framework: The framework scored, to choose the rows of a table naming several.

    Returns:
        The codes, and the framework and latest step the rows name, if they do.

    Raises:
        InputError: If the file cannot be read, has no column of codes, a cell is not a
            three-letter code, a kind, step or date is not one, the file names no member,
            or it names several frameworks and ``framework`` is not given (or is not one).

    """
    where = str(path)
    text = read_text(Path(path), "CSV file with an 'iso3' column")
    rows = _csv_rows(text, where)
    expected = "an 'iso3' column, or ISO3 codes alone, one per line"
    if not rows:
        raise InputError(where, "header", expected, "an empty file")
    header = [_column_name(cell) for cell in rows[0][1]]
    columns = {name: index for index, name in reversed(list(enumerate(header)))}
    code_column = next((columns[name] for name in CODE_COLUMNS if name in columns), None)
    if code_column is None:
        code_column = next((index for index, cell in enumerate(rows[0][1]) if _is_place_code(cell)), None)
        if code_column is None:
            found = ", ".join(rows[0][1])
            raise InputError(where, "header", expected, found, did_you_mean("iso3", rows[0][1]))
        columns, body = {}, rows  # the codes alone: the first line is a code, not a header
    else:
        body = rows[1:]
    name = rows[0][1][code_column].strip() if columns else "iso3"
    read = [_read_row(cells, number, columns, code_column, name, where) for number, cells in body]
    kept = [row for row in read if row is not None]
    named = list(dict.fromkeys(fw for _, fw, _ in kept if fw))
    if framework is None and len(named) > 1:
        raise InputError(where, "framework", "rows of one framework, or the framework to score named",
                         ", ".join(named))  # fmt: skip
    if framework is not None and named:
        if framework not in named:
            raise InputError(where, "framework", f"rows of framework '{framework}'", ", ".join(named),
                             did_you_mean(framework, named))  # fmt: skip
        kept = [row for row in kept if row[1] in (framework, "")]
    if not kept:
        raise InputError(where, "iso3", "at least one observed member", "no member rows")
    steps = [step for _, _, step in kept if step is not None]
    return MemberList(
        codes=list(dict.fromkeys(code for code, _, _ in kept)),
        framework=named[0] if len(named) == 1 else framework if named else None,
        step=max(steps) if steps else None,
    )


def _csv_rows(text: str, where: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows of a CSV text with their line numbers, split at the header's separator."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(DELIMITERS, key=first.count)  # ties (none of them): the first, a comma
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        for cells in reader:
            if any(cell.strip() for cell in cells):  # blank lines are no rows
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise InputError(where, "", "a CSV file with an 'iso3' column", str(exc)) from None
    return rows


def _column_name(cell: str) -> str:
    """A header cell as compared with the known names: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", cell.strip().lower())


def _is_place_code(cell: str) -> bool:
    """Whether a cell is the ISO 3166-1 alpha-3 code of a place (in any case)."""
    code = cell.strip().upper()
    return bool(_ISO3.match(code)) and place_name(code) is not None


def _read_row(
    cells: list[str], number: int, columns: dict[str, int], code_column: int, name: str, where: str
) -> tuple[str, str, int | None] | None:
    """One row's code, framework ('' when none) and step, or ``None`` for a row that names no member."""

    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def fail(column: str, expected: str, found: str, hint: str = "") -> InputError:
        return InputError(where, f"line {number}, column '{column}'", expected, repr(found), hint)

    if "kind" in columns:
        kind = cell("kind").lower()
        if kind not in KINDS:
            raise fail("kind", f"one of {', '.join(KINDS)}", kind, did_you_mean(kind, KINDS))
        if kind not in POSITIVE_KINDS:
            return None
    code = cells[code_column].strip().upper() if code_column < len(cells) else ""
    if not _ISO3.match(code):
        raise fail(name, "an ISO 3166-1 alpha-3 code, e.g. KAZ", code)
    step = None
    if cell("step"):
        if not is_digits(cell("step")):
            raise fail("step", "a whole number of months from July 2025 (step 0)", cell("step"))
        step = int(cell("step"))
    elif cell("date"):
        try:
            step = month_step(date.fromisoformat(cell("date")))
        except ValueError:
            raise fail("date", "an ISO date YYYY-MM-DD", cell("date")) from None
    return code, cell("framework").lower(), step
