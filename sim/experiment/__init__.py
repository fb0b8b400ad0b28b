"""Batches of runs: sweep specs and designs, executors, the resumable result store.

The public API::

    from sim.experiment import load_experiment, sweep, load_results
    summary = sweep("scenarios/sweeps/baseline_sobol.yaml", "results/baseline_sobol",
                    executor="processes", workers=2)
    results = load_results("results/baseline_sobol")
    results.runs                      # run table: parameters, seed, status, error, timing
    results.aggregates                # per-step shares per run, with parameter columns
    results.select({"rule.temperature": (0.05, 0.1)}).countries
    results.outcome("final_share_gdp:waico")

Layer rule (docs/architecture.md): the experiment layer, just above the core. A module
here may import the core (``sim/*.py``) and this package, never :mod:`sim.analysis`,
:mod:`sim.viz` or :mod:`sim.cli`; errors name a function's own parameters, never flags.
"""

from __future__ import annotations

from sim.experiment.executors import BACKENDS, Backend, SerialExecutor, open_backend
from sim.experiment.runner import RunSettings, SweepSummary, run_chunk, simulate, sweep
from sim.experiment.spec import Experiment, ExperimentSpec, RunTask, load_experiment, replication_seeds
from sim.experiment.store import Outcome, SweepResults, load_results

__all__ = [
    "BACKENDS",
    "Backend",
    "Experiment",
    "ExperimentSpec",
    "Outcome",
    "RunSettings",
    "RunTask",
    "SerialExecutor",
    "SweepResults",
    "SweepSummary",
    "load_experiment",
    "load_results",
    "open_backend",
    "replication_seeds",
    "run_chunk",
    "simulate",
    "sweep",
]
