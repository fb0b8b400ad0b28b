"""Small real sweep stores for the sweep figure and report tests (a few seconds each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from coalsim_testing import SCENARIOS

#: A grid over two listed parameters, three replications: 6 points, 18 runs of 16 months.
GRID = {
    "scenario": str(SCENARIOS / "baseline.yaml"),
    "design": "grid",
    "replications": 3,
    "seed": 3,
    "steps": 16,
    "parameters": {
        "frameworks.waico.levers.open_models": {"values": [0.0, 0.6, 1.2]},
        "rule.kind": {"values": ["logit", "best_response"]},
    },
}

#: Latin hypercube over two ranges: 12 points x 2 replications, 16 months (WAICO launches at month 12).
LHS = {
    "scenario": str(SCENARIOS / "baseline.yaml"),
    "design": "lhs",
    "samples": 12,
    "replications": 2,
    "seed": 5,
    "steps": 16,
    "parameters": {
        "frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.5},
        "penalties.us_export_controls.amount": {"low": 0.0, "high": 2.0},
    },
}

#: Sobol over three ranges: 8 x (3 + 2) = 40 points, one replication each.
SOBOL = {
    "scenario": str(SCENARIOS / "baseline.yaml"),
    "design": "sobol",
    "samples": 8,
    "replications": 1,
    "seed": 5,
    "steps": 16,
    "description": "Which of three levers moves WAICO's membership in its first months?",
    "parameters": {
        "frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.5},
        "frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5},
        "penalties.us_export_controls.amount": {"low": 0.0, "high": 2.0},
    },
}


def make_store(folder: Path, spec: dict[str, Any], **options: Any) -> Path:
    """Write ``spec`` into ``folder``, sweep it serially (``options`` go to ``sweep``), return the store."""
    from sim.experiment import sweep

    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    sweep(path, folder / "store", **options)
    return folder / "store"
