"""Robust incentive design: the known cheapest package, a non-dominated front, resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import sim
from sim.analysis.optimize import Cache, load_problem, optimize, pareto_search, robust_value, run_candidates
from sim.analysis.robustness import Goal
from sim.errors import InputError
from sim.experiment.executors import open_backend

#: Scenario shocks of the synthetic model: the 3rd best of 4 is +0.001.
SHOCKS = np.array([-0.05, 0.001, 0.05, 0.1])
LEVERS = ["a", "b"]


def synthetic(candidates: np.ndarray) -> np.ndarray:
    """Outcome 0.1 a + 0.2 b plus each scenario's shock."""
    return (0.1 * candidates[:, 0] + 0.2 * candidates[:, 1])[:, None] + SHOCKS[None, :]


def search(cache: Cache, evaluate=synthetic, seeds=(1, 2)):
    return pareto_search(
        evaluate, levers=LEVERS, low=np.zeros(2), high=np.full(2, 3.0), integer=(True, True),
        weights=np.array([1.0, 1.5]), goal=Goal(">=", 0.5), reliability=0.75, population=8,
        generations=6, seeds=seeds, cache=cache,
    )  # fmt: skip


def test_finds_the_known_cheapest_package():
    # Feasible needs 0.1 a + 0.2 b >= 0.499 (3 of 4 scenarios): by hand over a, b in 0..3 the
    # cheapest is a=1, b=2 at cost 1 + 3 = 4 (a=3, b=1 and a=0, b=3 cost 4.5).
    found = search(Cache(None, "k", False))
    assert found.best is not None
    assert (found.best["a"], found.best["b"], found.best["cost"]) == (1.0, 2.0, 4.0)
    assert found.best["satisficing"] == 0.75
    assert found.summary()["cheapest_feasible"]["levers"] == {"a": 1.0, "b": 2.0}


def test_front_is_non_dominated_and_covers_every_evaluation():
    found = search(Cache(None, "k", False))
    front = found.front[["cost", "robust_outcome"]].to_numpy()
    every = found.evaluations[["cost", "robust_outcome"]].to_numpy()
    for cost, outcome in front:
        dominated = (every[:, 0] <= cost) & (every[:, 1] >= outcome) & (
            (every[:, 0] < cost) | (every[:, 1] > outcome))  # fmt: skip
        assert not dominated.any()
    for cost, outcome in every:  # every evaluation is matched or beaten by the front
        assert ((front[:, 0] <= cost) & (front[:, 1] >= outcome)).any()
    assert list(found.front["cost"]) == sorted(found.front["cost"])


def test_convergence_has_a_row_per_seed_and_generation_and_never_falls():
    found = search(Cache(None, "k", False))
    assert len(found.convergence) == 2 * 6
    for _, rows in found.convergence.groupby("seed"):
        assert (np.diff(rows["hypervolume"]) >= -1e-12).all()


def test_robust_value_is_the_kth_best():
    outcomes = np.array([[0.1, 0.4, 0.3, 0.2]])
    assert robust_value(outcomes, Goal(">=", 0), 0.75)[0] == 0.2  # reached in 3 of 4
    assert robust_value(outcomes, Goal("<=", 0), 0.75)[0] == 0.3  # stayed below in 3 of 4
    assert robust_value(outcomes, Goal(">=", 0), 1.0)[0] == 0.1


class Interrupted(Exception):
    pass


def test_resume_after_interruption_gives_the_uninterrupted_answer(tmp_path):
    checkpoint = tmp_path / "checkpoint.json"
    calls = []

    def dies_on_third_batch(candidates):
        calls.append(len(candidates))
        if len(calls) == 3:
            raise Interrupted
        return synthetic(candidates)

    with pytest.raises(Interrupted):
        search(Cache(checkpoint, "k", False), dies_on_third_batch)
    stored = len(json.loads(checkpoint.read_text())["evaluations"])
    assert stored == calls[0] + calls[1]
    resumed = search(Cache(checkpoint, "k", True))
    whole = search(Cache(None, "k", False))
    assert resumed.new_evaluations == whole.new_evaluations - stored
    assert resumed.front.equals(whole.front) and resumed.evaluations.equals(whole.evaluations)
    again = search(Cache(checkpoint, "k", True))
    assert again.new_evaluations == 0 and again.front.equals(whole.front)


def test_checkpoint_of_another_problem_is_refused(tmp_path):
    checkpoint = tmp_path / "checkpoint.json"
    search(Cache(checkpoint, "one", False), seeds=(1,))
    with pytest.raises(InputError, match="different problem"):
        Cache(checkpoint, "two", True)
    for text in ("{not json", json.dumps({"format": "coalsim-sweep", "key": "one", "evaluations": []})):
        checkpoint.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match="damaged"):
            Cache(checkpoint, "one", True)


TYPO = "frameworks.us_led.levers.market_acess"
BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
SPEC = {
    "scenario": str(BASELINE),
    "samples": 2,
    "steps": 3,
    "seed": 5,
    "uncertainties": {"rule.temperature": {"low": 0.05, "high": 0.3}},
    "levers": {"frameworks.us_led.levers.market_access": {"low": 0.0, "high": 2.0}},
    "cost": {"frameworks.us_led.levers.market_access": 1.0},
    "outcome": "final_share_count:us_led",
    "goal": ">= 0.2",
    "population": 4,
    "generations": 2,
    "seeds": [3],
}


def write(tmp_path: Path, **fields) -> Path:
    path = tmp_path / "optimize.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **fields}, sort_keys=False), encoding="utf-8")
    return path


def test_model_search_runs_and_resumes(tmp_path):
    checkpoint = tmp_path / "checkpoint.json"
    first = optimize(write(tmp_path), checkpoint=checkpoint)
    assert len(first.evaluations) == 4 * 2 and first.new_evaluations > 0
    assert first.evaluations["robust_outcome"].between(0, 1).all()
    again = optimize(write(tmp_path), checkpoint=checkpoint, resume=True)
    assert again.new_evaluations == 0 and again.front.equals(first.front)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cost": {"rule.temperature": 1.0}}, "cost.rule.temperature"),
        ({"cost": {"frameworks.us_led.levers.market_access": 0.0}}, "cost"),
        ({"goal": "at least 0.2"}, "goal"),
        ({"outcome": "final_share_count:nato"}, "outcome"),
        ({"levers": {"frameworks.us_led.levers.market_access": {"values": [0.0, 1.0]}}},
         "levers.frameworks.us_led.levers.market_access"),
        ({"levers": {TYPO: {"low": 0.0, "high": 1.0}}, "cost": {TYPO: 1.0}}, f"levers.{TYPO}"),
        ({"seeds": [1, 1]}, "seeds"),
        ({"reliability": 0.0}, "reliability"),
    ],
)  # fmt: skip
def test_bad_specs_name_the_field(tmp_path, fields, field):
    with pytest.raises(InputError) as caught:
        load_problem(write(tmp_path, **fields))
    assert caught.value.field == field


def test_processes_give_the_serial_search(tmp_path):
    serial = optimize(write(tmp_path))
    parallel = optimize(write(tmp_path), executor="processes", workers=2)
    assert parallel.evaluations.equals(serial.evaluations)


@pytest.mark.parametrize("path", sorted((BASELINE.parent / "optimize").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_optimisation_specs_load(path):
    problem = load_problem(path)
    assert problem.spec.levers and path.read_text(encoding="utf-8").startswith("# Question:")


@settings(max_examples=200, deadline=None)
@given(
    outcomes=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 9)), elements=st.floats(0, 1)),
    comparison=st.sampled_from([">=", ">", "<=", "<"]),
    level=st.floats(0, 1),
    reliability=st.floats(0.01, 1),
)
def test_robust_value_meets_the_goal_exactly_when_enough_scenarios_do(
    outcomes, comparison, level, reliability
):
    goal = Goal(comparison, level)
    robust = robust_value(outcomes, goal, reliability)
    share = goal.met(outcomes).mean(axis=1)
    np.testing.assert_array_equal(goal.met(robust), share >= reliability - 1e-9)


def test_candidates_run_as_ensembles_equal_one_run_at_a_time(tmp_path):
    problem = load_problem(write(tmp_path, steps=8))
    candidates = np.array([[0.0], [1.5]])
    with open_backend("serial") as backend:
        found = run_candidates(problem, candidates, backend)
    experiment = problem.experiment(candidates)
    points = experiment.points
    frames = [
        sim.run(experiment.scenario.with_overrides(dict(task.parameters)), seed=task.seed, steps=8)
        .aggregates.assign(run_id=task.run_id, policy=points["policy"].iat[task.sample],
                           scenario=points["scenario"].iat[task.sample])
        for task in experiment.tasks()
    ]  # fmt: skip
    table = pd.concat(frames, ignore_index=True)
    final = table[(table["step"] == 8) & (table["framework"] == "us_led")]
    expected = final.groupby(["policy", "scenario"])["share_count"].mean().unstack()
    np.testing.assert_array_equal(found, expected.loc[["c0", "c1"]].to_numpy())
    assert len(np.unique(found)) > 1
