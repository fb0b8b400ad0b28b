"""docs/model.md stays true to the code: its parameter table and its baseline values."""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import sim
from sim.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
MODEL_DOC = REPO / "docs" / "model.md"
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"

#: Country-set keys at these values are left out of the baseline table, as are event actions
#: an event does not take (``None``).
EMPTY_SET_KEYS = {
    "all": False, "countries": [], "blocs": [], "affiliations": [], "as_of": None, "exclude": None,
}  # fmt: skip

BASELINE_ROW = re.compile(r"^\| `([^`]+)` \| `(.*)` \| (.+) \|$")


def _parameter_table_module():
    spec = importlib.util.spec_from_file_location("parameter_table", REPO / "tools" / "parameter_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) + len(start) : text.index(end)]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Like ``Scenario.parameters()``, but also descending into lists of mappings (events)."""
    if isinstance(value, dict) and value:
        return [
            pair for key, sub in value.items() for pair in _flatten(sub, f"{prefix}.{key}" if prefix else key)
        ]  # fmt: skip
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return [pair for i, sub in enumerate(value) for pair in _flatten(sub, f"{prefix}.{i}")]
    return [(prefix, value)]


def test_parameter_table_in_the_doc_is_the_generated_one():
    generated = _parameter_table_module().parameter_table()
    documented = _section(MODEL_DOC.read_text(encoding="utf-8"), START, END).strip("\n") + "\n"
    assert documented == generated, "run: python tools/parameter_table.py and paste it into docs/model.md"


def test_every_schema_field_has_a_row():
    rows = _parameter_table_module().parameter_table().splitlines()[2:]
    paths = {row.split("`")[1] for row in rows}
    assert {"rule.temperature", "sponsors.<id>.budget", "sponsors.<id>.levers.<lever>.cost"} <= paths
    top_level = {path.split(".")[0] for path in paths}
    assert top_level == set(sim.scenario.Scenario.model_fields) | {"<country set>"}


def test_a_numeric_field_without_a_unit_stops_the_table():
    class Unitless(BaseModel):
        speed: float = 1.0

    with pytest.raises(KeyError, match=r"Unitless\.speed"):
        _parameter_table_module().parameter_rows(Unitless, "")


def test_baseline_values_in_the_doc_are_the_scenarios():
    text = _section(MODEL_DOC.read_text(encoding="utf-8"), "### 9.2", "## 10.")
    rows = [BASELINE_ROW.match(line) for line in text.splitlines() if line.startswith("| `")]
    assert rows and all(rows), "every row reads | `path` | `value` | source |"
    documented = {row[1]: row[2] for row in rows}
    baseline = sim.load_scenario(REPO / "scenarios" / "baseline.yaml")
    values = _flatten(baseline.model_dump(mode="json"))
    for path, value in values:
        key = path.rsplit(".", 1)[-1]
        omitted = (key in EMPTY_SET_KEYS and value == EMPTY_SET_KEYS[key]) or (
            path.startswith("events.") and value is None
        )
        if not omitted:
            assert documented.get(path) == repr(value), path
    assert set(documented) <= {path for path, _ in values}


def _readme_shell_lines() -> list[str]:
    """The lines of the README's ``bash`` code blocks."""
    blocks = re.findall(r"```bash\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)
    return [line for block in blocks for line in block.splitlines()]


def test_the_readme_shows_every_command():
    """A recalibration once rewrote the README without its sections on run, sweeps, plots and reports."""
    commands = next(
        action.choices for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    shown = {match for line in _readme_shell_lines() for match in re.findall(r"\bcoalsim ([a-z-]+)", line)}
    assert sorted(set(commands) - shown) == []
