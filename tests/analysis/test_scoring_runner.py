"""The scoring's default runner (one run_many call) holds what sim.run once per seed holds."""

from __future__ import annotations

import numpy as np
import pytest
from coalsim_testing import SCENARIOS

import sim
from sim.analysis.scoring import run_holds


@pytest.mark.parametrize(
    ("name", "overrides"),
    [("baseline.yaml", {}), ("baseline.yaml", {"rule.kind": "best_response"}),
     ("courting_and_counter.yaml", {})],
)  # fmt: skip
def test_the_default_runner_equals_one_run_per_seed(name, overrides):
    scenario = sim.load_scenario(SCENARIOS / name).with_overrides(overrides)
    ids = list(scenario.active_frameworks)
    seeds = [3, 17, 29]
    expected = np.stack([
        sim.run(scenario, seed=seed, steps=30, record="final").countries[ids].to_numpy(dtype=bool)
        for seed in seeds
    ])  # fmt: skip
    assert len({part.tobytes() for part in expected}) == len(seeds)  # the runs differ
    found = run_holds(scenario, seeds, 30)
    assert found.dtype == bool
    np.testing.assert_array_equal(found, expected)
