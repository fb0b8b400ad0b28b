"""Scenarios by name, and paths resolved from the file that names them, never the working folder.

Jupyter starts a notebook's kernel in the notebook's own folder, so nothing a notebook or
a scenario file says may depend on the working folder.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from coalsim_testing import REPO, SCENARIOS

import sim
from sim.experiment import load_experiment
from sim.experiment.store import load_results
from sim.scenario import SCENARIOS_ENV, find_scenario


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working folder without a scenarios/ folder in it (as notebooks/ is)."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_the_scenarios_folder_is_the_projects():
    assert sim.scenarios_folder() == SCENARIOS


@pytest.mark.parametrize("name", ["baseline", "baseline.yaml"])
def test_a_shipped_scenario_loads_by_name_from_any_folder(elsewhere, baseline, name):
    scenario = sim.load_scenario(name)
    assert scenario.digest() == baseline.digest()
    assert scenario.source == str(SCENARIOS / "baseline.yaml")


def test_a_scenario_that_extends_another_loads_by_name_from_any_folder(elsewhere):
    scenario = sim.load_scenario("open_models_global_south")
    assert scenario.name == "open_models_global_south"
    assert "us_led" in scenario.frameworks  # inherited from baseline.yaml, found beside the file


def test_extends_is_relative_to_the_file_not_the_working_folder(tmp_path, elsewhere):
    (tmp_path / "parents").mkdir()
    (tmp_path / "children").mkdir()
    (tmp_path / "parents" / "base.yaml").write_text((SCENARIOS / "baseline.yaml").read_text())
    child = tmp_path / "children" / "child.yaml"
    child.write_text("extends: ../parents/base.yaml\nname: child\n")
    assert sim.load_scenario(child).name == "child"


def test_a_file_in_the_working_folder_wins_over_a_shipped_name(elsewhere, baseline):
    raw = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text())
    (elsewhere / "baseline.yaml").write_text(yaml.safe_dump({**raw, "name": "my_own"}))
    assert sim.load_scenario("baseline.yaml").name == "my_own"
    assert sim.load_scenario("baseline").name == "baseline"  # no file named 'baseline' here


def test_an_unknown_name_lists_the_shipped_ones(elsewhere):
    with pytest.raises(sim.InputError, match=r"basline: expected a scenario file, or the name") as info:
        sim.load_scenario("basline")
    assert "open_models_global_south" in info.value.expected
    assert info.value.hint == "Did you mean 'baseline'?"


def test_a_missing_path_is_reported_as_a_missing_file(elsewhere):
    with pytest.raises(sim.InputError, match="no such file"):
        sim.load_scenario("scenarios/baseline.yaml")  # relative to the working folder, which has none


def test_the_environment_can_point_at_another_folder(tmp_path, elsewhere, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    raw = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text())
    (mine / "alt.yaml").write_text(yaml.safe_dump({**raw, "name": "alt"}))
    monkeypatch.setenv(SCENARIOS_ENV, str(mine))
    assert sim.scenarios_folder() == mine
    assert sim.load_scenario("alt").name == "alt"
    assert find_scenario("baseline") is None


def test_a_sweep_spec_may_name_its_scenario(tmp_path, elsewhere, baseline):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "name: by_name\nscenario: baseline\ndesign: grid\nreplications: 1\n"
        "parameters:\n  rule.temperature: {values: [0.1, 0.2]}\n"
    )
    experiment = load_experiment(spec)
    assert experiment.scenario.digest() == baseline.digest()
    spec.write_text(spec.read_text().replace("scenario: baseline", "scenario: nothing_by_this_name"))
    with pytest.raises(sim.InputError, match=r"field 'scenario'.*'nothing_by_this_name', which does not"):
        load_experiment(spec)


def test_load_results_is_at_the_top_level():
    assert sim.load_results is load_results
    with pytest.raises(AttributeError, match="no attribute 'load_result'"):
        sim.load_result  # noqa: B018


def test_importing_sim_does_not_import_the_layers_above():
    code = "import sys, sim; print(sorted(m for m in sys.modules if m.startswith('sim.experiment')))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert found.stdout.strip() == "[]"
