"""One outcome per run for many runs of one scenario, run as ensembles (:func:`sim.run_many`).

The analyses that bisect or search (:mod:`sim.analysis.tipping`,
:mod:`sim.analysis.optimize`) need only one number per run, an
:class:`~sim.experiment.store.Outcome` of its aggregates. :func:`outcomes` gets them for
a batch of :class:`~sim.experiment.spec.RunTask` through :func:`sim.run_many`, with
the same values as running each task with :func:`sim.experiment.runner.simulate` and
evaluating its stored aggregates (tests/analysis/test_batched.py), several times faster:
the runs of one batch step together, and only their aggregates are built.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from sim.ensemble import run_many
from sim.experiment.executors import Backend
from sim.experiment.spec import RunTask
from sim.experiment.store import Outcome
from sim.scenario import Scenario
from sim.world import World


def task_outcomes(
    scenario: Scenario, tasks: Sequence[RunTask], steps: int | None, outcome: Outcome
) -> pd.Series:
    """Run tasks as one :func:`sim.run_many` call and evaluate an outcome of each.

    A top-level function, so that process and Dask workers can run it.

    Args:
        scenario: The base scenario.
        tasks: The runs (their parameters are overrides of ``scenario``).
        steps: Steps per run; the scenario's when ``None``.
        outcome: What to measure.

    Returns:
        One value per task, indexed by ``run_id``, in task order.

    """
    results = run_many(
        scenario, [task.seed for task in tasks], [dict(task.parameters) for task in tasks],
        steps=steps, world=World.load(), record="final",
    )  # fmt: skip
    aggregates = results.aggregates()
    run_ids = np.array([task.run_id for task in tasks], dtype=object)
    aggregates.insert(0, "run_id", run_ids[aggregates.pop("run").to_numpy()])
    return outcome.evaluate(aggregates)


def outcomes(
    backend: Backend, scenario: Scenario, tasks: Sequence[RunTask], steps: int | None, outcome: Outcome
) -> pd.Series:
    """:func:`task_outcomes` of many tasks, in one part per worker of a backend.

    Args:
        backend: Where to run (any executor).
        scenario: The base scenario.
        tasks: The runs.
        steps: Steps per run; the scenario's when ``None``.
        outcome: What to measure.

    Returns:
        One value per task, indexed by ``run_id``, in task order.

    Raises:
        RuntimeError: If a part fails (naming the first error).

    """
    parts = max(1, min(backend.workers, len(tasks)))
    bounds = np.linspace(0, len(tasks), parts + 1).astype(int)
    futures = [
        backend.executor.submit(task_outcomes, scenario, tuple(tasks[a:b]), steps, outcome)
        for a, b in pairwise(bounds.tolist())
    ]
    values = []
    for future in futures:
        try:
            values.append(future.result())
        except Exception as exc:
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from exc
    return pd.concat(values)
