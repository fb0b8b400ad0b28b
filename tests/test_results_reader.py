"""A saved run reloads as one version even while another process replaces it (sim.atomic.read_folder_once)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.errors import InputError
from sim.replications import Replications
from sim.results import RunResult


def test_a_result_reloads_whole_while_it_is_being_replaced(baseline, world, tmp_path):
    """A reader by path could take one run's tables with another's metadata, or find no folder."""
    runs = {seed: sim.run(baseline, seed=seed, steps=6, world=world, record="all") for seed in (1, 2)}
    folder = tmp_path / "run"
    runs[1].save(folder)
    stop = threading.Event()

    def replace_again_and_again() -> None:
        seed = 2
        while not stop.is_set():
            runs[seed].save(folder)
            seed = 3 - seed

    writer = threading.Thread(target=replace_again_and_again)
    writer.start()
    try:
        for _ in range(200):
            loaded = RunResult.load(folder)
            expected = runs[loaded.metadata["seed"]]
            for table in ("aggregates", "countries", "dynamics", "offers"):
                pd.testing.assert_frame_equal(getattr(loaded, table), getattr(expected, table))
    finally:
        stop.set()
        writer.join()


@pytest.mark.parametrize(
    ("metadata", "found"),
    [
        ([], "holds list"),
        ({}, "'seed' is None"),
        ("SEED_AS_TEXT", "'seed' is '1'"),
        ("FRAMEWORKS_AS_IDS", "'frameworks' is not a list"),
        ("SCENARIO_NULL", "'scenario' is None"),
        ("QUESTION_AS_NUMBER", "'question' is 3"),
        # report --why replayed the run for the recorded steps: 10**12 never ended
        ("STEPS_EDITED", "'steps' is 1000000000000, the tables' last step 2"),
    ],
)  # fmt: skip
def test_damaged_run_metadata_is_one_message_naming_the_folder(metadata, found, baseline, tmp_path, capsys):
    """plot, compare and report read metadata.json: a list or a missing key was a traceback."""
    folder = tmp_path / "run"
    sim.run(baseline, seed=1, steps=2).save(folder)
    stored = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    if metadata == "SEED_AS_TEXT":
        metadata = {**stored, "seed": "1"}
    elif metadata == "FRAMEWORKS_AS_IDS":
        metadata = {**stored, "frameworks": [1, 2]}
    elif metadata == "SCENARIO_NULL":  # the label of every figure and report heading
        metadata = {**stored, "scenario": None}
    elif metadata == "QUESTION_AS_NUMBER":
        metadata = {**stored, "question": 3}
    elif metadata == "STEPS_EDITED":
        metadata = {**stored, "steps": 10**12}
    (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(InputError, match=found):
        Replications.load(folder)
    assert main(["plot", str(folder), "--out", str(tmp_path / "figures")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"coalsim: {folder}: expected readable result files") and found in error
    assert not (tmp_path / "figures").exists()


#: A stored table replaced by another: (table, what replaces it, text of the message).
SWAPPED_TABLES = {
    "aggregates holds the countries table": ("aggregates", "countries", "no 'framework' column"),
    "countries holds the aggregates table": ("countries", "aggregates", "no 'iso3' column"),
    "dynamics holds an empty table": ("dynamics", None, "no 'step' column"),
    "aggregates' steps as text": ("aggregates", "STEPS_AS_TEXT", "'step' holds"),
    "offers holds the aggregates table": ("offers", "aggregates", "no 'sponsor' column"),
    "countries without framework columns": ("countries", "NO_FRAMEWORKS", "no 'waico' column"),
}


@pytest.mark.parametrize("case", sorted(SWAPPED_TABLES))
@pytest.mark.parametrize("command", ["plot", "compare", "report"])
def test_a_table_of_another_kind_is_one_message_naming_the_folder(case, command, baseline, tmp_path, capsys):
    """A copied-over or hand-edited table was a KeyError traceback deep in a figure."""
    table, replacement, found = SWAPPED_TABLES[case]
    folder = tmp_path / "run"
    sim.run(baseline, seed=1, steps=2).save(folder)
    if replacement is None:
        frame = pd.DataFrame()
    elif replacement == "NO_FRAMEWORKS":
        frame = pd.read_parquet(folder / f"{table}.parquet")[["step", "iso3", "portfolio"]]
    elif replacement == "STEPS_AS_TEXT":
        frame = pd.read_parquet(folder / f"{table}.parquet")
        frame["step"] = frame["step"].astype(str)
    else:
        frame = pd.read_parquet(folder / f"{replacement}.parquet")
    frame.to_parquet(folder / f"{table}.parquet")
    out = str(tmp_path / ("out.html" if command == "report" else "out"))
    assert main([command, str(folder), "--out", out]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"coalsim: {folder}: expected readable result files") and found in error, error
    assert error.count("\n") == 1 and not (tmp_path / Path(out).name).exists()
