"""coalsim: a Mesa agent-based model of coalition formation in global AI governance.

The public API is small::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", overrides={"rule.temperature": 0.2})
    result = sim.run(scenario, seed=1)
    result.aggregates  # step x framework shares
    model = sim.CoalitionModel(scenario, sim.World.load(), rng=1)  # step it yourself

The names are imported when first used, so that ``import sim.cli`` is quick and the
``coalsim`` command handles Ctrl-C from its first moments (see :mod:`sim.cli`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.errors import InputError
    from sim.model import CoalitionModel
    from sim.results import RunResult, run
    from sim.scenario import Scenario, load_scenario
    from sim.world import World

#: Each public name and the module that defines it.
_HOMES = {
    "CoalitionModel": "sim.model",
    "InputError": "sim.errors",
    "RunResult": "sim.results",
    "Scenario": "sim.scenario",
    "World": "sim.world",
    "load_scenario": "sim.scenario",
    "run": "sim.results",
}

__all__ = ["CoalitionModel", "InputError", "RunResult", "Scenario", "World", "load_scenario", "run"]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
