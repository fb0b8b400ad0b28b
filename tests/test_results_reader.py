"""A saved run reloads as one version even while another process replaces it (sim.atomic.read_folder_once)."""

from __future__ import annotations

import threading

import pandas as pd

import sim
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
