"""Tipping points by bisection: a known synthetic crossing, errors, and the real baseline."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.tipping import tipping
from sim.errors import InputError
from sim.experiment.runner import simulate
from sim.results import RunResult
from sim.vocabulary import NON_ALIGNED_ID

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
FRAMEWORKS = ["waico", "us_led", "un", "eu_coe", NON_ALIGNED_ID]

#: Seeds each synthetic run saw, by parameter value (the runs execute in this process).
SEEN: dict[float, list[int]] = {}


def _fake_result(share: float, seed: int) -> RunResult:
    """A two-step result whose final waico population share is ``share``."""
    rows = len(FRAMEWORKS)
    shares = np.where(np.array(FRAMEWORKS) == "waico", share, 0.1)
    aggregates = pd.DataFrame(
        {
            "step": np.repeat([0, 1], rows),
            "framework": FRAMEWORKS * 2,
            "members": 1,
            "share_count": 0.2,
            "share_gdp": 0.2,
            "share_population": np.concatenate([np.full(rows, 0.1), shares]),
            "share_ai_capacity": 0.2,
        }
    )
    countries = pd.DataFrame(
        {"step": [1], "iso3": ["CHN"], "portfolio": pd.Categorical(["waico"]), "changed": [False]}
    )
    return RunResult(aggregates, countries, pd.DataFrame(), {"converged_at": None, "seed": seed})


def logistic_outcome(scenario, task, settings):
    """WAICO's share rises through 0.5 at open_models = 0.37, plus noise from the seed."""
    ((_, value),) = task.parameters
    SEEN.setdefault(value, []).append(task.seed)
    noise = np.random.default_rng(task.seed).normal(0, 0.01)
    return _fake_result(1 / (1 + math.exp(-(value - 0.37) / 0.05)) + noise, task.seed)


def step_outcome(scenario, task, settings):
    """WAICO's share falls from 0.9 to 0.1 when the UN launches at step 7 or later."""
    ((_, value),) = task.parameters
    return _fake_result(0.9 if value < 7 else 0.1, task.seed)


def test_bisection_brackets_a_known_crossing():
    SEEN.clear()
    found = tipping(
        BASELINE,
        "frameworks.waico.levers.open_models",
        "final_share_population:waico",
        0.5,
        low=0.0,
        high=1.0,
        replications=4,
        tolerance=0.01,
        run_callable=logistic_outcome,
    )
    low, high = found.bracket
    assert low <= 0.37 <= high
    assert found.width <= 0.01
    assert found.rises
    assert found.low_end.mean < 0.5 <= found.high_end.mean
    assert abs(found.estimate - 0.37) < 0.005
    assert 0 < found.estimate_se < 0.01
    assert len(found.probes) == 2 + math.ceil(math.log2(1.0 / 0.01))
    assert all(len(p.outcomes) == 4 for p in found.probes)
    assert len({tuple(seeds) for seeds in SEEN.values()}) == 1, "replications must share seeds across probes"
    assert list(found.table().columns) == ["value", "mean", "se", "replications", "ambiguous"]
    replicates = found.replicates()
    assert len(replicates) == 4 * len(found.probes)
    means = replicates.groupby("param_value", sort=False)["outcome"].mean()
    np.testing.assert_allclose(means.to_numpy(), found.table()["mean"].to_numpy())
    assert "rises through 0.5" in found.report()


def test_probes_near_the_level_are_flagged_ambiguous():
    found = tipping(
        BASELINE,
        "frameworks.waico.levers.open_models",
        "final_share_population:waico",
        0.5,
        low=0.0,
        high=1.0,
        replications=4,
        tolerance=0.0001,
        run_callable=logistic_outcome,
    )
    table = found.table()
    near = (table["mean"] - 0.5).abs() < 2 * table["se"]
    assert table["ambiguous"].equals(near)
    assert near.any()
    assert "Uncertain" in found.report()


def test_whole_number_parameters_stop_at_neighbours():
    found = tipping(
        BASELINE,
        "frameworks.un.launch_step",
        "final_share_population:waico",
        0.5,
        low=0,
        high=20,
        replications=1,
        run_callable=step_outcome,
    )
    assert found.bracket == (6.0, 7.0)
    assert not found.rises
    assert math.isnan(found.estimate_se)
    assert all(p.value == int(p.value) for p in found.probes)


def test_no_crossing_in_the_interval_is_an_input_error():
    with pytest.raises(InputError) as caught:
        tipping(
            BASELINE,
            "frameworks.waico.levers.open_models",
            "final_share_population:waico",
            0.5,
            low=0.6,
            high=1.0,
            replications=2,
            run_callable=logistic_outcome,
        )
    assert caught.value.field == "low/high"
    assert "Widen the interval" in caught.value.message


@pytest.mark.parametrize(
    ("param", "options", "field"),
    [
        ("rule.kind", {}, "parameter"),
        ("penalties.us_export_controls.amount", {"low": -1.0}, "low"),
        ("rule.temperature", {"low": 1.0, "high": 0.5}, "low"),
        ("rule.temperature", {"replications": 0}, "replications"),
        ("rule.temperature", {"tolerance": 0.0}, "tolerance"),
    ],
)
def test_bad_arguments_name_the_parameter(param, options, field):
    with pytest.raises(InputError) as caught:
        tipping(BASELINE, param, "final_share_population:waico", 0.5, **options)
    assert caught.value.field == field


def test_bad_outcome_is_an_input_error():
    with pytest.raises(InputError, match="share_population"):
        tipping(BASELINE, "rule.temperature", "final_share_populaton:waico", 0.5)


def test_default_interval_runs_from_zero_to_twice_the_value():
    scenario = sim.load_scenario(BASELINE)
    found = tipping(
        scenario,
        "frameworks.waico.levers.open_models",
        "final_share_population:waico",
        0.5,
        replications=1,
        tolerance=0.5,
        run_callable=logistic_outcome,
    )
    assert found.probes[0].value == 0.0
    assert found.probes[1].value == 2 * scenario.frameworks["waico"].levers["open_models"]


def test_baseline_export_controls_tip_waico_below_a_third_of_the_world():
    """At 60 steps WAICO holds 46-68% of the world's population without US controls, 22-25% at 2.5."""
    found = tipping(
        BASELINE,
        "penalties.us_export_controls.amount",
        "final_share_population:waico",
        0.3,
        low=0.0,
        high=2.5,
        replications=3,
        steps=60,
        tolerance=0.2,
    )
    assert not found.rises
    assert found.low_end.mean >= 0.3 > found.high_end.mean
    assert found.width <= 0.2
    assert 0.0 < found.bracket[0] < found.bracket[1] < 2.5


def test_ensemble_probes_equal_one_run_at_a_time():
    """The default (ensembles, here split over two threads) gives the per-run path's outcomes."""
    options = dict(low=0.0, high=2.5, replications=3, steps=30, tolerance=0.6)
    args = (BASELINE, "penalties.us_export_controls.amount", "final_share_population:waico", 0.3)
    per_run = tipping(*args, **options, run_callable=simulate)
    with ThreadPoolExecutor(2) as pool:
        ensemble = tipping(*args, **options, executor=pool, workers=2)
    assert [p.value for p in ensemble.probes] == [p.value for p in per_run.probes]
    for mine, theirs in zip(ensemble.probes, per_run.probes, strict=True):
        np.testing.assert_array_equal(mine.outcomes, theirs.outcomes)
    assert ensemble.bracket == per_run.bracket
