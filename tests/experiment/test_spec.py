"""Sweep specs: validation, designs, seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.experiment.spec import (
    Axis,
    ExperimentSpec,
    load_experiment,
    replication_seeds,
    sample_design,
)

SWEEPS = Path(__file__).resolve().parents[2] / "scenarios" / "sweeps"


@pytest.mark.parametrize("path", sorted(SWEEPS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_specs_are_valid(path):
    experiment = load_experiment(path)
    assert experiment.run_count == len(experiment.tasks()) > 0
    assert path.read_text(encoding="utf-8").startswith("# Question:")


def test_ships_the_baseline_sobol_spec():
    experiment = load_experiment(SWEEPS / "baseline_sobol.yaml")
    assert experiment.spec.design == "sobol"
    assert len(experiment.axes) >= 3


def test_small_spec_resolves(write_spec):
    experiment = load_experiment(write_spec())
    assert experiment.run_count == 6
    assert list(experiment.points.columns) == list(experiment.spec.parameters)
    launch = experiment.points["frameworks.un.launch_step"]
    assert all(isinstance(v, int) and 0 <= v <= 5 for v in launch)
    assert set(experiment.points["rule.kind"]) <= {"logit", "best_response"}
    ids = [task.run_id for task in experiment.tasks()]
    assert ids == [f"s{s}-r{r}" for s in range(3) for r in range(2)]


def test_a_range_over_an_event_step_samples_whole_steps(write_spec):
    """A path into a list (``events.1.step``) is as whole-numbered as the value it names."""
    spec = write_spec(parameters={"events.1.step": {"low": 2, "high": 8}}, samples=6)
    experiment = load_experiment(spec)
    steps = experiment.points["events.1.step"]
    assert all(isinstance(v, int) and 2 <= v <= 8 for v in steps)
    overrides = dict(experiment.tasks()[0].parameters)
    assert experiment.scenario.with_overrides(overrides).events[1].step == overrides["events.1.step"]


@pytest.mark.parametrize(
    ("fields", "field", "found"),
    [
        ({"desing": "grid"}, "desing", "unknown key 'desing'"),
        ({"design": "sobl"}, "design", "'sobl'"),
        ({"design": "sobol", "samples": 12}, "(top level)", "power of two"),
        ({"design": "grid", "samples": 4}, "(top level)", "takes no 'samples'"),
        ({"design": "lhs", "samples": None}, "(top level)", "needs 'samples'"),
        ({"design": "random", "levels": 3}, "(top level)", "'levels'"),
        ({"replications": 0}, "replications", "0"),
        ({"parameters": {"seed": {"values": [1, 2]}}}, "(top level)", "the seed is not a parameter"),
        (
            {"parameters": {"rule.temperature": {"low": 1, "high": 0.5}}},
            "parameters.rule.temperature",
            "below",
        ),
        ({"parameters": {"rule.kind": {"values": ["logit", 3]}}}, "parameters.rule.kind", "one kind"),
        ({"parameters": {"rule.kind": {"values": [["logit"]]}}}, "parameters.rule.kind", "numbers, strings"),
        ({"parameters": {"rule.kind": {"value": ["logit"]}}}, "parameters.rule.kind.value", "unknown key"),
        ({"parameters": {"rule.kind": "logit"}}, "parameters.rule.kind", "'logit'"),
        (
            {"parameters": {"rule.activation_rate": {"values": [0.5, 1.5]}}},
            "parameters.rule.activation_rate",
            "1.5",
        ),
        (
            {"parameters": {"rule.temprature": {"low": 0.1, "high": 1}}},
            "parameters.rule.temprature",
            "unknown key",
        ),
        ({"parameters": {"rule": {"low": 0.1, "high": 1}}}, "parameters.rule", "mapping"),
        ({"scenario": "missing.yaml"}, "scenario", "does not exist"),
        ({"parameters": {"steps": {"values": [5, 10]}}}, "(top level)", "would override it"),
    ],
)
def test_bad_specs_name_the_field(write_spec, fields, field, found):
    path = write_spec(**fields)
    with pytest.raises(InputError) as caught:
        load_experiment(path)
    assert caught.value.where == str(path)
    assert caught.value.field == field
    assert found in caught.value.found


def test_unknown_parameter_path_suggests_the_closest(write_spec):
    path = write_spec(parameters={"rule.temprature": {"low": 0.1, "high": 1}})
    with pytest.raises(InputError, match="Did you mean 'temperature'"):
        load_experiment(path)


@pytest.mark.parametrize(
    ("text", "found"),
    [("design: [grid\n", "syntax error at line 2"), ("- a\n- b\n", "['a', 'b']"), ("", "an empty file")],
)
def test_unreadable_spec_files(tmp_path, text, found):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_experiment(path)
    assert found in caught.value.found


def test_missing_spec_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_experiment(tmp_path / "nope.yaml")


def test_replication_seeds_are_spawned_children():
    from numpy.random import SeedSequence

    children = SeedSequence(5).spawn(2)[1].spawn(3)
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    assert replication_seeds(5, 3) == expected
    assert all(0 <= seed < 2**63 for seed in expected)


@given(seed=st.integers(0, 2**32), first=st.integers(1, 20), more=st.integers(0, 20))
def test_adding_replications_keeps_existing_seeds(seed, first, more):
    seeds = replication_seeds(seed, first + more)
    assert seeds[:first] == replication_seeds(seed, first)
    assert len(set(seeds)) == len(seeds)


def _axes(count: int) -> list[Axis]:
    return [Axis(f"p{i}", None, 0.0, 1.0 + i, False) for i in range(count)]


def _spec(design: str, samples: int, seed: int, count: int) -> ExperimentSpec:
    parameters = {f"p{i}": {"low": 0.0, "high": 1.0 + i} for i in range(count)}
    return ExperimentSpec(scenario="-", design=design, samples=samples, seed=seed, parameters=parameters)


@settings(max_examples=15, deadline=None)
@given(
    design=st.sampled_from(["random", "sobol", "morris"]), seed=st.integers(0, 2**31), count=st.integers(2, 4)
)
def test_adding_samples_keeps_existing_points(design, seed, count):
    small = sample_design(_spec(design, 4, seed, count), _axes(count))
    large = sample_design(_spec(design, 8, seed, count), _axes(count))
    np.testing.assert_array_equal(large[: len(small)], small)


@settings(max_examples=15, deadline=None)
@given(design=st.sampled_from(["random", "lhs", "sobol", "morris"]), seed=st.integers(0, 2**31))
def test_designs_stay_inside_bounds(design, seed):
    points = sample_design(_spec(design, 8, seed, 3), _axes(3))
    assert points.shape[1] == 3
    assert np.all(points >= 0) and np.all(points <= np.array([1.0, 2.0, 3.0]))


@given(points=st.lists(st.floats(0, 7, exclude_max=True), min_size=1, max_size=30))
def test_integer_axes_decode_to_whole_numbers_in_range(points):
    axis = Axis("frameworks.un.launch_step", None, 0, 6, True)
    assert axis.bounds == (0, 7)
    values = axis.decode(np.array(points))
    assert all(isinstance(v, int) and 0 <= v <= 6 for v in values)


@given(points=st.lists(st.floats(0, 3, exclude_max=True), min_size=1, max_size=30))
def test_value_axes_decode_to_listed_values(points):
    axis = Axis("rule.kind", ("logit", "best_response", "threshold"), None, None, False)
    assert set(axis.decode(np.array(points))) <= {"logit", "best_response", "threshold"}


def test_grid_runs_every_combination(write_spec):
    spec = write_spec(
        design="grid",
        samples=None,
        levels=3,
        parameters={
            "rule.temperature": {"low": 0.1, "high": 0.3},
            "rule.kind": {"values": ["logit", "best_response"]},
        },
    )
    points = load_experiment(spec).points
    assert len(points) == 6
    assert sorted(set(points["rule.temperature"])) == pytest.approx([0.1, 0.2, 0.3])


def test_grid_without_parameters_is_replications_of_the_scenario(write_spec):
    experiment = load_experiment(write_spec(design="grid", samples=None, parameters={}, replications=4))
    tasks = experiment.tasks()
    assert [t.parameters for t in tasks] == [()] * 4
    assert len({t.seed for t in tasks}) == 4


def test_every_point_shares_the_replication_seeds(write_spec):
    tasks = load_experiment(write_spec()).tasks()
    by_replication = {}
    for task in tasks:
        by_replication.setdefault(task.replication, set()).add(task.seed)
    assert all(len(seeds) == 1 for seeds in by_replication.values())


def test_spec_digest_ignores_sizes_when_asked(write_spec):
    one = load_experiment(write_spec("a.yaml", samples=3)).spec
    two = load_experiment(write_spec("b.yaml", samples=5)).spec
    assert one.digest() != two.digest()
    assert one.digest(ignore=("samples", "replications")) == two.digest(ignore=("samples", "replications"))


def test_salib_missing_is_an_input_error(write_spec, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "SALib", None)
    with pytest.raises(InputError, match=r"coalsim\[sensitivity\]"):
        load_experiment(write_spec(design="sobol", samples=4))
