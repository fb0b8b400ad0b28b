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
        ({"step": "²"}, "column 'step'"),  # a digit to str.isdigit, not to int()
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
    assert load_member_list(path).codes == ["PAK", "KAZ"]


@pytest.mark.parametrize(
    ("content", "codes"),
    [
        pytest.param("iso3\nkhm\n lao \n", ["KHM", "LAO"], id="lower case and padded"),
        pytest.param("name;ISO3\nCambodia;KHM\nLaos;LAO\n", ["KHM", "LAO"], id="semicolons"),
        pytest.param("name\tiso3\nCambodia\tKHM\n", ["KHM"], id="tabs"),
        pytest.param("Country|ISO_A3\nCambodia|KHM\n", ["KHM"], id="bars and a Natural Earth header"),
        pytest.param("Country code,name\nKHM,Cambodia\n", ["KHM"], id="a 'Country code' header"),
        pytest.param("KHM\nlao\n\nPSE\n", ["KHM", "LAO", "PSE"], id="the codes alone"),
        pytest.param("Cambodia,KHM\nLaos,LAO\n", ["KHM", "LAO"], id="names and codes, no header"),
        pytest.param("iso3,name\nKHM,x\n".encode("utf-16"), ["KHM"], id="UTF-16 with its mark"),
    ],
)
def test_member_list_reads_the_shapes_people_save(content, codes, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    listed = load_member_list(path)
    assert listed.codes == codes
    assert listed.framework is None and listed.step is None


def test_member_list_in_the_observations_shape_counts_members_of_the_framework(tmp_path):
    rows = [
        GOOD,
        {**GOOD, "iso3": "ARE", "date": "2026-01-14"},
        {**GOOD, "observation_id": "guests", "kind": "participant", "iso3": "CAN", "date": "2025-12-12",
         "step": "5"},
        {**GOOD, "observation_id": "count", "kind": "member_count", "iso3": "", "value": "9", "low": "9",
         "high": "9"},
        {**GOOD, "observation_id": "coe", "framework": "eu_coe", "iso3": "ARM", "date": "2026-01-27"},
    ]  # fmt: skip
    path = write(tmp_path / "held_out.csv", rows)
    with pytest.raises(InputError, match=r"rows of one framework.*found us_led, eu_coe"):
        load_member_list(path)
    listed = load_member_list(path, "us_led")
    assert (listed.codes, listed.framework, listed.step) == (["QAT", "ARE"], "us_led", 6)
    assert load_member_list(path, "eu_coe").codes == ["ARM"]
    with pytest.raises(InputError, match="rows of framework 'waico'"):
        load_member_list(path, "waico")


def test_member_list_dates_a_table_by_its_step_or_else_its_date(tmp_path):
    dated = tmp_path / "dated.csv"
    dated.write_text("iso3,date\nKHM,2026-07-16\nLAO,2026-05-01\n", encoding="utf-8")
    assert load_member_list(dated).step == 12
    stepped = tmp_path / "stepped.csv"
    stepped.write_text("iso3,step,framework\nKHM,12,WAICO\n", encoding="utf-8")
    assert (load_member_list(stepped).step, load_member_list(stepped).framework) == (12, "waico")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("iso3,kind\nKHM,signatory\n", r"line 2, column 'kind'.*one of member_count"),
        ("iso3,kind\nKHM,participant\n", "at least one observed member"),
        ("iso3,step\nKHM,twelve\n", r"line 2, column 'step'"),
        ("iso3,step\nKHM,²\n", r"line 2, column 'step'"),
        ("iso3,date\nKHM,16/07/2026\n", r"line 2, column 'date'.*YYYY-MM-DD"),
        ("Country\nCambodia\n", r"'header'.*an 'iso3' column, or ISO3 codes alone"),
        ("iso;name\nKH;Cambodia\n", r"line 2, column 'iso'"),
    ],
)
def test_member_list_mistakes_name_the_line_and_column(content, expected, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=expected):
        load_member_list(path)
