"""Sensitivity indices: the Ishigami wiring check, and a real baseline sweep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from SALib.test_functions import Ishigami

from sim.analysis.sensitivity import indices, sensitivity
from sim.errors import InputError
from sim.experiment import sweep
from sim.experiment.runner import simulate
from sim.experiment.spec import Axis, ExperimentSpec, salib_problem, sample_design

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"

#: Analytic Sobol indices of the Ishigami function (a = 7, b = 0.1).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def _ishigami_design(design: str, samples: int, dummy: bool = False):
    names = ["x1", "x2", "x3", *(["dummy"] if dummy else [])]
    axes = [Axis(name, None, -np.pi, np.pi, False) for name in names]
    parameters = {name: {"low": -np.pi, "high": np.pi} for name in names}
    spec = ExperimentSpec(scenario="-", design=design, samples=samples, seed=3, parameters=parameters)
    design_matrix = sample_design(spec, axes)
    return salib_problem(axes), design_matrix, Ishigami.evaluate(design_matrix[:, :3])


def test_sobol_reproduces_the_ishigami_indices():
    problem, design, outputs = _ishigami_design("sobol", 1024)
    table = indices("sobol", problem, design, outputs, seed=1)
    np.testing.assert_allclose(table["S1"], ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(table["ST"], ISHIGAMI_ST, atol=0.03)
    assert (table["S1_conf"] > 0).all() and (table["S1_conf"] < 0.1).all()


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_the_bootstrap_intervals_are_the_same_every_time_even_with_seed_0(method):
    """SALib's Sobol analysis reads seed 0 as no seed and resamples from numpy's global state."""
    problem, design, outputs = _ishigami_design(method, 64)
    first = indices(method, problem, design, outputs, seed=0)
    np.random.seed(7)  # the global state SALib would otherwise draw from
    assert indices(method, problem, design, outputs, seed=0).equals(first)


def test_morris_finds_no_effect_of_a_dummy_parameter():
    problem, design, outputs = _ishigami_design("morris", 40, dummy=True)
    table = indices("morris", problem, design, outputs, seed=1)
    assert table.loc["dummy", "mu_star"] == 0
    assert table.loc["dummy", "sigma"] == 0
    assert (table.loc[["x1", "x2", "x3"], "mu_star"] > 1).all()


def test_constant_or_mismatched_outputs_are_input_errors():
    problem, design, outputs = _ishigami_design("sobol", 8)
    with pytest.raises(InputError, match="varies"):
        indices("sobol", problem, design, np.ones(len(design)))
    with pytest.raises(InputError, match="one output per design point"):
        indices("sobol", problem, design, outputs[:-1])


def _write(tmp_path: Path, **fields) -> Path:
    spec = {"scenario": str(BASELINE), "seed": 5, "steps": 20, "replications": 1, **fields}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


#: Two levers that matter, and convergence.window, which only labels when a run settled.
LEVERS = {
    "frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5},
    "penalties.us_export_controls.amount": {"low": 0.0, "high": 2.0},
    "convergence.window": {"low": 2, "high": 20},
}


def test_baseline_sobol_sweep_gives_sensible_indices(tmp_path):
    spec = _write(tmp_path, design="sobol", samples=8, parameters=LEVERS)
    sweep(spec, tmp_path / "out")
    result = sensitivity(tmp_path / "out", "final_share_population:waico")
    table = result.indices
    assert list(table.index) == list(LEVERS)
    assert table.loc["convergence.window", "S1"] == 0
    assert table.loc["convergence.window", "ST"] == 0
    # WAICO's population share turns on the populous states the export-control penalty
    # exposes (India, Indonesia, Brazil); the entry cost moves mostly small states.
    assert table.loc["penalties.us_export_controls.amount", "ST"] > 0.2
    assert result.points == 8 * 5 and result.replications == 1
    assert "Sobol sensitivity of final_share_population:waico" in result.report()


def test_sensitivity_needs_a_sobol_or_morris_store(tmp_path):
    spec = _write(tmp_path, design="grid", steps=2, parameters={"rule.temperature": {"values": [0.1, 0.2]}})
    sweep(spec, tmp_path / "out")
    with pytest.raises(InputError) as caught:
        sensitivity(tmp_path / "out", "final_share_gdp:waico")
    assert caught.value.field == "design"


def fail_on_sample_two(scenario, task, settings):
    if task.sample == 2:
        raise RuntimeError("lost")
    return simulate(scenario, task, settings)


def test_sensitivity_needs_every_design_point(tmp_path):
    spec = _write(tmp_path, design="morris", samples=2, steps=2, parameters=LEVERS)
    sweep(spec, tmp_path / "out", run_callable=fail_on_sample_two)
    with pytest.raises(InputError, match="1 of 8 points without one"):
        sensitivity(tmp_path / "out", "final_share_gdp:waico")


def test_sensitivity_rejects_unknown_outcomes(tmp_path):
    spec = _write(tmp_path, design="morris", samples=2, steps=2, parameters=LEVERS)
    sweep(spec, tmp_path / "out")
    with pytest.raises(InputError, match="Did you mean 'waico'"):
        sensitivity(tmp_path / "out", "final_share_gdp:wacio")
