"""Fuzzing the sweep-spec loader: any input ends in an experiment or one InputError."""

from __future__ import annotations

import copy

import yaml
from coalsim_testing import SCENARIOS, yaml_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.experiment.spec import load_experiment

SPEC_RAW = yaml.safe_load((SCENARIOS / "sweeps" / "baseline_grid.yaml").read_text())
SPEC_RAW["scenario"] = str(SCENARIOS / "baseline.yaml")

values = yaml_values(["grid", "sobol", "lhs", "rule.kind", "values", "low"], max_leaves=6)
TOP_KEYS = sorted(SPEC_RAW)


def load_or_input_error(document, folder) -> None:
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    try:
        load_experiment(path)
    except InputError as exc:
        assert str(path) in exc.message and "\n" not in exc.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(TOP_KEYS), value=values)
def test_planted_values_never_escape_as_other_errors(key, value, tmp_path_factory):
    document = copy.deepcopy(SPEC_RAW)
    document[key] = value
    load_or_input_error(document, tmp_path_factory.mktemp("spec"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(max_size=20), bounds=values)
def test_planted_parameters_never_escape_as_other_errors(name, bounds, tmp_path_factory):
    document = copy.deepcopy(SPEC_RAW)
    document["parameters"] = {name: bounds}
    load_or_input_error(document, tmp_path_factory.mktemp("spec"))


@settings(max_examples=150, deadline=None)
@given(document=values)
def test_random_documents_never_escape_as_other_errors(document, tmp_path_factory):
    load_or_input_error(document, tmp_path_factory.mktemp("spec"))
