"""The model's size-dependent fast paths give the per-agent rule's trajectories exactly."""

from __future__ import annotations

import numpy as np
import pytest
from coalsim_testing import synthetic_scenario

import sim
import sim.model
from sim.model import CoalitionModel


def trajectory(scenario, world, engine):
    model = CoalitionModel(scenario, world, rng=9, engine=engine)
    model.run_for(15)
    return np.asarray(model.history)


@pytest.mark.parametrize("slice_from_ties", [0, 10**9])
def test_both_peer_products_match_the_per_agent_rule(slice_from_ties, monkeypatch):
    monkeypatch.setattr(sim.model, "PEER_SLICE_MIN_TIES", slice_from_ties)
    world = sim.World.synthetic(120, rng=9)
    scenario = synthetic_scenario(rule={"activation_rate": 0.4, "temperature": 0.3, "switching_cost": 0.05})
    fast = trajectory(scenario, world, "vectorized")
    assert (fast[-1] != fast[0]).any(), "the run must move for the comparison to mean anything"
    np.testing.assert_array_equal(fast, trajectory(scenario, world, "agents"))
