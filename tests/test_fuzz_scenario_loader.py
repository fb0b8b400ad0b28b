"""Fuzzing the scenario loader: any input ends in a valid scenario or an InputError.

Two kinds of generated input: whole files of random YAML text, and the baseline scenario
with one random value planted at a random path (so the fuzzing reaches deep fields, not
just the top-level shape check).
"""

from __future__ import annotations

import copy

import pytest
import yaml
from coalsim_testing import SCENARIOS, yaml_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.errors import InputError
from sim.scenario import check_against_world, read_with_extends, set_dotted, validate_scenario

BASELINE_RAW = read_with_extends(SCENARIOS / "baseline.yaml")

values = yaml_values(["waico", "us_led", "CHN", "eu", "logit", "all"])


def leaf_paths(node, prefix=""):
    """Every dotted path into the raw baseline, including inner ones."""
    if isinstance(node, dict):
        for key, sub in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from leaf_paths(sub, path)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            path = f"{prefix}.{i}"
            yield path
            yield from leaf_paths(sub, path)


PATHS = sorted(set(leaf_paths(BASELINE_RAW)))


def load_or_input_error(raw, world):
    try:
        scenario = validate_scenario(raw, where="fuzz.yaml")
        check_against_world(scenario, world)
    except InputError as exc:
        assert "fuzz.yaml" in exc.message and "\n" not in exc.message
        return None
    return scenario


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=values)
def test_planted_values_never_escape_as_other_errors(path, value, world):
    raw = copy.deepcopy(BASELINE_RAW)
    set_dotted(raw, path, value, where="fuzz.yaml")
    scenario = load_or_input_error(raw, world)
    if scenario is not None:  # a valid mutation must also run
        sim.run(scenario, steps=2, world=world)


@settings(max_examples=200, deadline=None)
@given(document=values)
def test_random_documents_never_escape_as_other_errors(document, tmp_path_factory, world):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(InputError):
        sim.load_scenario(path, world=world)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_random_text_never_escapes_as_other_errors(text, tmp_path_factory, world):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError):
        sim.load_scenario(path, world=world)
