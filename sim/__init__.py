"""coalsim: a Mesa agent-based model of coalition formation in global AI governance.

The public API is small::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", overrides={"rule.temperature": 0.2})
    result = sim.run(scenario, seed=1)
    result.aggregates  # step x framework shares
    model = sim.CoalitionModel(scenario, sim.World.load(), rng=1)  # step it yourself
"""

from __future__ import annotations

from sim.ensemble import run_many
from sim.errors import InputError
from sim.model import CoalitionModel
from sim.results import RunResult, run
from sim.scenario import Scenario, load_scenario
from sim.world import World

__all__ = [
    "CoalitionModel",
    "InputError",
    "RunResult",
    "Scenario",
    "World",
    "load_scenario",
    "run",
    "run_many",
]
