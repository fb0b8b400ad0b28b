"""The shipped observations file and its reader (sim/observations.py)."""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.observations import COLUMNS, KINDS, load_member_list, load_observations, month_step

DATA = Path(__file__).resolve().parents[2] / "sim" / "data"

#: A valid row to start each broken one from.
GOOD = {
    "observation_id": "example", "framework": "us_led", "kind": "member", "iso3": "QAT",
    "date": "2026-01-12", "step": "6", "value": "", "low": "", "high": "", "confidence": "high",
    "source": "https://example.org/page", "note": "",
}  # fmt: skip


def write(path: Path, rows: list[dict[str, str]], columns=COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_shipped_file_loads_with_every_fact_sourced():
    observations = load_observations()
    assert set(observations["framework"]) <= {"waico", "us_led", "un", "eu_coe"}
    assert observations["source"].str.len().min() > 10
    assert (observations["date"] > date(2025, 7, 1)).sum() >= 0.75 * len(observations)


def test_waico_founding_is_a_count_only():
    observations = load_observations()
    founding = observations[observations["observation_id"] == "waico_founding_count"].iloc[0]
    assert (founding["value"], founding["low"], founding["high"], founding["step"]) == (29, 20, 40, 12)
    # The founders' names are a held-out test: no WAICO membership row may name a country.
    assert observations[(observations["framework"] == "waico") & (observations["kind"] == "member")].empty


def test_conference_participants_are_not_supporters():
    observations = load_observations()
    waic = observations[observations["observation_id"] == "waic2025_participants"]
    assert set(waic["kind"]) == {"participant"}


@pytest.mark.parametrize(
    ("day", "step"),
    [(date(2025, 7, 26), 0), (date(2025, 12, 12), 5), (date(2026, 7, 16), 12), (date(2025, 6, 1), -1)],
)
def test_month_step(day, step):
    assert month_step(day) == step


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"step": "5"}, "column 'step'"),
        ({"date": "12/01/2026"}, "column 'date'"),
        ({"kind": "membr"}, "Did you mean 'member'"),
        ({"confidence": "sure"}, "column 'confidence'"),
        ({"iso3": "qat"}, "column 'iso3'"),
        ({"iso3": ""}, "column 'iso3'"),
        ({"value": "3"}, "column 'value'"),
        ({"source": " "}, "column 'source'"),
        ({"framework": "US led"}, "column 'framework'"),
        (
            {"kind": "member_count", "iso3": "", "value": "30", "low": "20", "high": "25"},
            "low <= value <= high",
        ),
        ({"kind": "member_count", "iso3": "", "value": "x", "low": "1", "high": "2"}, "column 'value'"),
        ({"kind": "member_count", "value": "3", "low": "1", "high": "5"}, "empty for member_count"),
    ],
)
def test_bad_rows_are_input_errors_naming_line_and_column(change, message, tmp_path):
    path = write(tmp_path / "obs.csv", [GOOD, {**GOOD, "iso3": "ARE", **change}])
    with pytest.raises(InputError, match=message) as caught:
        load_observations(path)
    assert "line 3" in str(caught.value) and str(path) in str(caught.value)


def test_repeated_country_and_wrong_header_and_mixed_frameworks(tmp_path):
    with pytest.raises(InputError, match="one row per observation and country"):
        load_observations(write(tmp_path / "a.csv", [GOOD, GOOD]))
    with pytest.raises(InputError, match="header"):
        load_observations(write(tmp_path / "b.csv", [], columns=COLUMNS[:-1]))
    with pytest.raises(InputError, match="one framework per observation"):
        load_observations(write(tmp_path / "c.csv", [GOOD, {**GOOD, "iso3": "ARE", "framework": "waico"}]))
    with pytest.raises(InputError, match="existing CSV file of observations"):
        load_observations(tmp_path / "missing.csv")


def test_an_observations_file_that_never_ends_is_refused_in_a_fresh_process(tmp_path):
    """A calibration spec's ``observations:`` may name /dev/zero or a named pipe: refused, not read.

    A bounded subprocess (memory and time), so a hang or an exhausted memory fails the test.
    """
    os.mkfifo(tmp_path / "pipe.csv")
    script = textwrap.dedent("""
        import sys
        from sim.errors import InputError
        from sim.observations import load_observations
        for path in sys.argv[1:]:
            try:
                load_observations(path)
            except InputError as exc:
                print(exc.message)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script, "/dev/zero", str(tmp_path / "pipe.csv")], capture_output=True,
        text=True, timeout=60, preexec_fn=_memory_cap, env={**os.environ, "PYTHONPATH": str(DATA.parents[1])},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["/dev/zero", str(tmp_path / "pipe.csv")], lines
    assert all("not a regular file" in line for line in lines), lines


def _memory_cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def test_every_kind_is_documented():
    text = (DATA / "SOURCES_observations.md").read_text(encoding="utf-8")
    assert all(f"`{kind}`" in text for kind in KINDS)


def test_member_list_keeps_order_and_drops_repeats(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,iso3\nx,PAK\ny,KAZ\nz,PAK\n", encoding="utf-8")
    assert load_member_list(path) == ["PAK", "KAZ"]
