"""Outcomes of many runs through run_many equal those of one run at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.batched import outcomes, task_outcomes
from sim.experiment.executors import Backend
from sim.experiment.spec import RunTask, replication_seeds
from sim.experiment.store import Outcome

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def tasks_for(scenario: sim.Scenario, settings: list[dict]) -> list[RunTask]:
    """Every setting with two seeds: distinct scenarios, and runs of one scenario."""
    seeds = replication_seeds(11, 2)
    return [
        RunTask(f"s{i}-r{r}", i, r, seed, tuple(setting.items()))
        for i, setting in enumerate(settings)
        for r, seed in enumerate(seeds)
    ]


def per_run(scenario: sim.Scenario, tasks: list[RunTask], steps: int, outcome: Outcome) -> pd.Series:
    """The outcomes of one sim.run per task."""
    frames = [
        sim.run(scenario.with_overrides(dict(task.parameters)), seed=task.seed, steps=steps)
        .aggregates.assign(run_id=task.run_id)
        for task in tasks
    ]
    return outcome.evaluate(pd.concat(frames, ignore_index=True))


@pytest.mark.parametrize(
    ("name", "settings", "outcome"),
    [
        ("baseline.yaml",
         [{}, {"rule.temperature": 0.05}, {"utility.peer": 2.0, "frameworks.waico.entry_cost": 0.2},
          {"rule.kind": "best_response"}],
         "final_share_population:waico"),
        ("courting_and_counter.yaml", [{}, {"rule.temperature": 0.3}], "mean_members:us_led"),
    ],
)  # fmt: skip
def test_task_outcomes_equal_one_run_at_a_time(name, settings, outcome):
    scenario = sim.load_scenario(SCENARIOS / name)
    found = Outcome.parse(outcome, scenario.active_frameworks)
    tasks = tasks_for(scenario, settings)
    expected = per_run(scenario, tasks, 14, found)
    assert expected.nunique() > 1  # the runs differ, so an order mix-up would show
    pd.testing.assert_series_equal(task_outcomes(scenario, tasks, 14, found), expected)


def test_outcomes_split_over_workers_keep_task_order():
    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml")
    found = Outcome.parse("final_members:waico", scenario.active_frameworks)
    tasks = tasks_for(scenario, [{"utility.peer": peer} for peer in (0.0, 1.0, 2.0)])
    with ThreadPoolExecutor(2) as pool:
        split = outcomes(Backend(pool, 2, "threads"), scenario, tasks, 10, found)
    assert list(split.index) == [task.run_id for task in tasks]
    np.testing.assert_array_equal(split.to_numpy(), task_outcomes(scenario, tasks, 10, found).to_numpy())


def test_a_failing_part_is_a_runtime_error_naming_the_cause():
    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml")
    found = Outcome.parse("final_members:waico", scenario.active_frameworks)
    tasks = tasks_for(scenario, [{"rule.temperature": -1.0}])
    with ThreadPoolExecutor(1) as pool, pytest.raises(RuntimeError, match="temperature"):
        outcomes(Backend(pool, 1, "threads"), scenario, tasks, 5, found)
