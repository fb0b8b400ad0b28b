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
with an ``iso3`` column). Both readers raise :class:`~sim.errors.InputError` naming the
file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pandas as pd

from sim.errors import InputError, did_you_mean
from sim.files import read_text

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
    if not row["step"].isdigit() or int(row["step"]) != month_step(day):
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


def load_member_list(path: str | Path) -> list[str]:
    """Read a user's list of observed members: a CSV with an ``iso3`` column.

    Args:
        path: The CSV file.

    Returns:
        The ISO3 codes in file order, each once.

    Raises:
        InputError: If the file cannot be read, has no ``iso3`` column, or a cell is not
            a three-letter code in capitals, or it names no country.

    """
    where = str(path)
    text = read_text(Path(path), "CSV file with an 'iso3' column")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, [])
        names = [name.strip().lower() for name in header]  # "ISO3" and " iso3" name it too
        if "iso3" not in names:
            raise InputError(where, "header", "an 'iso3' column", ", ".join(header) or "no columns",
                             did_you_mean("iso3", header))  # fmt: skip
        column = names.index("iso3")
        codes = [(number, row[column].strip() if column < len(row) else "")
                 for number, row in enumerate(reader, start=2)
                 if any(cell.strip() for cell in row)]  # blank lines are no rows  # fmt: skip
    except csv.Error as exc:
        raise InputError(where, "", "a CSV file with an 'iso3' column", str(exc)) from None
    for number, code in codes:
        if not _ISO3.match(code):
            raise InputError(where, f"line {number}, column 'iso3'", "an ISO 3166-1 alpha-3 code in capitals",
                             repr(code))  # fmt: skip
    if not codes:
        raise InputError(where, "iso3", "at least one observed member", "no rows")
    return list(dict.fromkeys(code for _, code in codes))
