"""Loading happens once per process: the world, and each scenario's setup on a world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from coalsim_testing import synthetic_scenario

import sim
import sim.model
from sim.errors import InputError
from sim.model import CoalitionModel, scenario_setup


def refuse_to_read(*args, **kwargs):
    raise AssertionError("the data files were read again")


def test_world_is_read_once_per_process(world, monkeypatch):
    monkeypatch.setattr(pd, "read_csv", refuse_to_read)
    assert sim.World.load() is world
    assert sim.World.load() is world


def test_runs_reuse_the_loaded_world(baseline, world, monkeypatch):
    monkeypatch.setattr(pd, "read_csv", refuse_to_read)
    result = sim.run(baseline, seed=1, steps=2)
    assert len(result.countries["iso3"].unique()) == world.n


def test_second_model_of_a_scenario_reuses_its_checked_setup(monkeypatch):
    world = sim.World.synthetic(40, rng=3)
    scenario = synthetic_scenario()
    first = CoalitionModel(scenario, world, rng=1)
    before_launch = first.params
    first.run_for(6)  # past framework c's launch at step 5: a second parameter set
    assert first.params is not before_launch

    def refuse(*args, **kwargs):
        raise AssertionError("the scenario's setup was worked out again")

    monkeypatch.setattr(sim.model, "check_against_world", refuse)
    monkeypatch.setattr(sim.model, "build_parameters", refuse)
    monkeypatch.setattr(sim.model, "resolve", refuse)
    second = CoalitionModel(scenario, world, rng=2)
    assert second.params is before_launch
    second.run_for(6)
    assert second.params is first.params
    assert scenario_setup(scenario, world) is scenario_setup(scenario.with_overrides({}), world)


def test_shared_parameters_cannot_be_changed_by_a_run():
    model = CoalitionModel(synthetic_scenario(), sim.World.synthetic(30, rng=4), rng=1)
    with pytest.raises(ValueError, match="read-only"):
        model.params.static["alignment"][0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        model.holds[0, 0] = True


def test_a_different_scenario_gets_its_own_setup():
    world = sim.World.synthetic(30, rng=5)
    scenario = synthetic_scenario()
    other = scenario.with_overrides({"frameworks.a.entry_cost": 0.9})
    assert scenario_setup(scenario, world) is not scenario_setup(other, world)
    fresh = CoalitionModel(other, world, rng=1)
    assert np.all(fresh.params.static["entry"][:, 0] == -0.9)


def test_a_scenario_that_does_not_fit_the_world_fails_every_time():
    world = sim.World.synthetic(30, rng=6)
    scenario = synthetic_scenario(
        frameworks={"a": {"name": "A", "lead": ["ZZZ"]}, "b": {"name": "B"}},
        compatibility={},
    )
    for _ in range(2):
        with pytest.raises(InputError, match="ZZZ"):
            CoalitionModel(scenario, world, rng=1)


def test_a_selection_is_resolved_once_and_each_caller_gets_its_own_mask(world, monkeypatch):
    first = world.members(blocs=["g7"], countries=["CHN"])
    monkeypatch.setattr(type(world), "_members", refuse_to_read)
    second = world.members(blocs=["g7"], countries=["CHN"])
    assert np.array_equal(first, second) and first.sum() == 8
    first[:] = False  # a caller may change its mask (resolve removes exclusions in place)
    assert world.members(blocs=["g7"], countries=["CHN"]).sum() == 8
