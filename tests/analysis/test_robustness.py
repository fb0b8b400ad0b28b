"""Robustness of policies: a hand-computed example, regret invariants and a real store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.analysis.robustness import Goal, regret, robustness, robustness_table, scenario_outcomes
from sim.errors import InputError
from sim.experiment import load_results, sweep

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def test_hand_computed_example():
    # three scenarios, two replications each for policy a; outcome "share"
    frame = pd.DataFrame(
        {
            "policy": ["a", "a", "b", "a", "a", "b", "a", "a", "b"],
            "scenario": [0, 0, 0, 1, 1, 1, 2, 2, 2],
            "share": [0.5, 0.7, 0.4, 0.1, 0.3, 0.3, 0.8, 0.8, 0.9],
        }
    )
    outcomes = scenario_outcomes(frame, "share")
    # a: 0.6, 0.2, 0.8; b: 0.4, 0.3, 0.9
    assert outcomes["a"].tolist() == pytest.approx([0.6, 0.2, 0.8])
    table = robustness_table(outcomes, Goal.parse(">= 0.5"))
    # a meets 0.5 in scenarios 0 and 2; b only in 2
    assert table.loc["a", "satisficing"] == pytest.approx(2 / 3)
    assert table.loc["b", "satisficing"] == pytest.approx(1 / 3)
    # regrets: a: 0, 0.1, 0.1; b: 0.2, 0, 0
    assert table.loc["a", "max_regret"] == pytest.approx(0.1)
    assert table.loc["b", "max_regret"] == pytest.approx(0.2)
    assert table.loc["b", "p90_regret"] == pytest.approx(0.16)  # numpy's linear rule: 0 + 0.8 * 0.2
    assert table.loc["a", "p50"] == pytest.approx(0.6)
    assert table.loc["a", "mean"] == pytest.approx(1.6 / 3)
    # a goal to keep the outcome low turns regret around: best is the smallest
    low = robustness_table(outcomes, Goal.parse("<0.5"))
    assert low.loc["a", "max_regret"] == pytest.approx(0.2)  # scenario 0: 0.6 - 0.4
    assert low.loc["b", "satisficing"] == pytest.approx(2 / 3)


@settings(max_examples=50, deadline=None)
@given(
    values=arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 5)), elements=st.floats(-10, 10)),
    larger=st.booleans(),
)
def test_regret_is_zero_for_the_best_policy_in_every_scenario(values, larger):
    outcomes = pd.DataFrame(values, columns=[f"p{i}" for i in range(values.shape[1])])
    goal = Goal(">=" if larger else "<=", 0.0)
    lost = regret(outcomes, goal)
    assert (lost.to_numpy() >= 0).all()
    best = outcomes.idxmax(axis=1) if larger else outcomes.idxmin(axis=1)
    for scenario, policy in best.items():
        assert lost.loc[scenario, policy] == 0
    assert (lost.min(axis=1) == 0).all()


@pytest.mark.parametrize("text", ["0.5", ">= x", "=> 0.5", ">= nan", ">= 1e999", "", ">= 0.5 0.6"])
def test_bad_goals_name_the_parameter(text):
    with pytest.raises(InputError) as caught:
        Goal.parse(text)
    assert caught.value.field == "goal"


def test_missing_policy_scenario_is_named():
    frame = pd.DataFrame({"policy": ["a", "b", "a"], "scenario": [0, 0, 1], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="policy b missing in 1 scenarios"):
        scenario_outcomes(frame, "y")


@pytest.fixture(scope="module")
def policy_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robust")
    spec = {
        "scenario": str(BASELINE),
        "design": "random",
        "samples": 3,
        "replications": 2,
        "seed": 4,
        "steps": 6,
        "uncertainties": {"rule.temperature": {"low": 0.05, "high": 0.5}},
        "levers": {"penalties.us_export_controls.amount": {"low": 0.0, "high": 2.0}},
        "policies": {
            "none": {"penalties.us_export_controls.amount": 0.0},
            "hard": {"penalties.us_export_controls.amount": 2.0},
        },
    }
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    sweep(path, folder / "store")
    return folder / "store"


def test_store_robustness_averages_replications(policy_store):
    results = load_results(policy_store)
    found = robustness(results, "final_share_count:waico", ">= 0.1")
    assert list(found.table.index) == ["none", "hard"]
    assert found.outcomes.shape == (3, 2)
    table = results.table(["final_share_count:waico"])
    by_hand = table[table["policy"] == "hard"].groupby("scenario")["final_share_count:waico"].mean()
    np.testing.assert_allclose(found.outcomes["hard"].to_numpy(), by_hand.to_numpy())


def test_store_without_policies_is_refused(tmp_path):
    spec = {"scenario": str(BASELINE), "steps": 2, "parameters": {"rule.temperature": {"values": [0.1, 0.2]}}}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    sweep(tmp_path / "spec.yaml", tmp_path / "store")
    with pytest.raises(InputError) as caught:
        robustness(load_results(tmp_path / "store"), "final_share_count:waico", ">= 0.1")
    assert caught.value.field == "policies"
