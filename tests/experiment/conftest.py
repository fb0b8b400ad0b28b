"""Small sweep specs on the shipped baseline, written to temporary files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
GLOBAL_SOUTH = BASELINE.with_name("open_models_global_south.yaml")

#: A sweep small enough for tests: 3 random points x 2 replications of 10 steps.
SMALL = {
    "scenario": str(BASELINE),
    "design": "random",
    "samples": 3,
    "replications": 2,
    "seed": 11,
    "steps": 10,
    "parameters": {
        "frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.2},
        "rule.kind": {"values": ["logit", "best_response"]},
        "frameworks.un.launch_step": {"low": 0, "high": 5},
    },
}


#: The sweep of issue 15's resume crash, made small: lhs over two levers, runs of the
#: scenario's 100 steps, longer than the 12-step convergence window, so most runs settle.
#: The open-models offer is swept as the value its event sets (events.0.set...), which is
#: what holds from step 4 on; the top-level value would be overridden (and warn).
SETTLING = {
    "scenario": str(GLOBAL_SOUTH),
    "design": "lhs",
    "samples": 5,
    "replications": 2,
    "seed": 15,
    "parameters": {
        "events.0.set.frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.5},
        "frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5},
    },
}


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec (the small one, updated with the given fields) and return its path."""

    def write(name: str = "spec.yaml", **fields: Any) -> Path:
        content = {**SMALL, **fields}
        path = tmp_path / name
        path.write_text(
            yaml.safe_dump({k: v for k, v in content.items() if v is not None}, sort_keys=False),
            encoding="utf-8",
        )
        return path

    return write


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small spec swept once, serially: (spec file, store folder)."""
    from sim.experiment import sweep

    folder = tmp_path_factory.mktemp("small_store")
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(SMALL, sort_keys=False), encoding="utf-8")
    sweep(spec, folder / "out", executor="serial")
    return spec, folder / "out"


@pytest.fixture(scope="session")
def settling_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The settling spec swept once, serially: (spec file, store folder)."""
    from sim.experiment import sweep

    folder = tmp_path_factory.mktemp("settling_store")
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(SETTLING, sort_keys=False), encoding="utf-8")
    sweep(spec, folder / "out", executor="serial")
    return spec, folder / "out"
