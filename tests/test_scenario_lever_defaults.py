"""A scenario that names some levers in utility.levers or utility.lever_need keeps the rest at their defaults.

Found by the scenario-loader fuzz test: ``lever_need: {compute_access: uniform}`` dropped the
other levers' needs, and building the model failed with a KeyError.
"""

from __future__ import annotations

import sim
from sim.scenario import Lever, Utility


def test_levers_not_named_keep_their_default_weight_and_need():
    scenario = sim.load_scenario(
        "baseline",
        overrides={
            "utility.lever_need": {"compute_access": "uniform"},
            "utility.levers": {"open_models": 2.0},
        },
    )
    defaults = Utility()
    assert scenario.utility.lever_need[Lever.COMPUTE_ACCESS] == "uniform"
    assert scenario.utility.lever_need[Lever.OPEN_MODELS] == defaults.lever_need[Lever.OPEN_MODELS]
    assert scenario.utility.levers[Lever.OPEN_MODELS] == 2.0
    assert scenario.utility.levers[Lever.MARKET_ACCESS] == defaults.levers[Lever.MARKET_ACCESS] == 1.0
    result = sim.run(scenario, seed=1, steps=2)  # used to raise KeyError building the utilities
    assert result.metadata["steps"] == 2
