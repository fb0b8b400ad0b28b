"""Shared fixtures: the repository paths, the shipped world and small synthetic scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.scenario import validate_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


@pytest.fixture(scope="session")
def world() -> sim.World:
    return sim.World.load()


@pytest.fixture(scope="session")
def baseline() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "baseline.yaml")


def synthetic_scenario(**changes) -> sim.Scenario:
    """A two-framework scenario for synthetic worlds; keyword arguments override fields."""
    raw = {
        "name": "synthetic",
        "question": "test",
        "steps": 30,
        "seed": 5,
        "frameworks": {
            "a": {"name": "A", "lead": ["A0000"], "levers": {"open_models": 0.5}, "entry_cost": 0.2},
            "b": {"name": "B", "lead": ["A0001"], "levers": {"compute_access": 0.5}, "entry_cost": 0.2},
            "c": {"name": "C", "entry_cost": 0.4, "launch_step": 5},
        },
        "compatibility": {"exclusive": [["a", "b"]], "dual_cost": 0.1},
        "utility": {"peer": 0.5},
        "peers": {"ties": {"random": 1.0, "alignment": 1.0}},
        "rule": {"temperature": 0.2, "activation_rate": 0.3, "switching_cost": 0.05},
    }
    raw.update(changes)
    return validate_scenario(raw, where="synthetic")
