"""coalsim: a Mesa agent-based model of coalition formation in global AI governance.

The public API is small::

    import sim
    scenario = sim.load_scenario("baseline", overrides={"rule.temperature": 0.2})
    result = sim.run(scenario, seed=1)
    result.aggregates  # step x framework shares
    model = sim.CoalitionModel(scenario, sim.World.load(), rng=1)  # step it yourself
    results = sim.load_results("results/baseline_grid")  # a sweep's store
    results.table(outcomes=["final_share_gdp:waico"])  # parameters + outcomes, one row a run

A scenario is a file path or the name of one in :func:`scenarios_folder` (the project's
``scenarios/``), so the same call works from any working folder, a notebook's included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.errors import InputError
from sim.model import CoalitionModel
from sim.results import RunResult, run
from sim.scenario import OverriddenParameterWarning, Scenario, load_scenario, scenarios_folder
from sim.world import World

if TYPE_CHECKING:
    from sim.experiment.store import load_results

__all__ = [
    "CoalitionModel",
    "InputError",
    "OverriddenParameterWarning",
    "RunResult",
    "Scenario",
    "World",
    "load_results",
    "load_scenario",
    "run",
    "scenarios_folder",
]


def __getattr__(name: str) -> Any:
    """Give ``sim.load_results`` from the experiment layer on first use.

    The core package does not import the layers above it when it is imported; the
    sweep reader is fetched only when asked for.
    """
    if name == "load_results":
        from sim.experiment import store  # lazy: experiment sits above core

        return store.load_results
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
