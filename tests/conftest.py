"""Shared fixtures: the shipped world and the baseline scenario."""

from __future__ import annotations

import pytest
from coalsim_testing import SCENARIOS

import sim


@pytest.fixture(scope="session")
def world() -> sim.World:
    return sim.World.load()


@pytest.fixture(scope="session")
def baseline() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "baseline.yaml")
