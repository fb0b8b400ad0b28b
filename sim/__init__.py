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

The names are imported when first used, so that ``import sim.cli`` is quick and the
``coalsim`` command handles Ctrl-C from its first moments (see :mod:`sim.cli`).

Layer rule (docs/architecture.md): the modules directly in ``sim/`` are the core, the
lowest layer; they import only each other, never :mod:`sim.experiment`,
:mod:`sim.analysis`, :mod:`sim.viz` or :mod:`sim.cli`. The one exception is documented
here: ``sim.load_results`` names its home, :mod:`sim.experiment.store`, as a string and
imports it only when asked for (``tests/test_layers.py`` allows exactly this).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.errors import InputError
    from sim.experiment.store import load_results
    from sim.model import CoalitionModel
    from sim.results import RunResult, run
    from sim.scenario import OverriddenParameterWarning, Scenario, load_scenario, scenarios_folder
    from sim.world import World

#: Each public name and the module that defines it.
_HOMES = {
    "CoalitionModel": "sim.model",
    "InputError": "sim.errors",
    "OverriddenParameterWarning": "sim.scenario",
    "RunResult": "sim.results",
    "Scenario": "sim.scenario",
    "World": "sim.world",
    "load_results": "sim.experiment.store",
    "load_scenario": "sim.scenario",
    "run": "sim.results",
    "scenarios_folder": "sim.scenario",
}

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
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
