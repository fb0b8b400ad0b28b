"""The same store whatever the executor and the size of its chunks (issue 13).

The serial executor runs one model per run (``sim.run``), the reference; the ensemble
executor and process/Dask workers run each chunk as one ``sim.run_many`` ensemble and
write its rows from :class:`sim.ensemble.RunSummary`. Their stores must hold the same
run table (but for timing, worker and part file), aggregates and per-country states,
for a scenario with events (the baseline: launches, a founding round, commitments) and
one with sponsors (whose runs the ensemble runs one model each).
"""

from __future__ import annotations

from pathlib import Path

import pandas.testing as pdt
import pytest
import yaml

from sim.experiment import load_results, runner, sweep

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

#: LHS over a lever, a rule kind (decided in separate passes of one ensemble) and a
#: launch step, 2 replications; 20 steps reach WAICO's founding round at step 12.
EVENTS = {
    "scenario": str(SCENARIOS / "baseline.yaml"),
    "design": "lhs",
    "samples": 4,
    "replications": 2,
    "seed": 13,
    "steps": 20,
    "parameters": {
        "frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.5},
        "rule.kind": {"values": ["logit", "best_response"]},
        "frameworks.un.launch_step": {"low": 0, "high": 3},
    },
}

#: Sobol over a sponsor's budget, 2 replications; the sponsor courts from step 12.
SPONSORS = {
    "scenario": str(SCENARIOS / "waico_courting.yaml"),
    "design": "sobol",
    "samples": 1,
    "replications": 2,
    "seed": 17,
    "steps": 16,
    "parameters": {"sponsors.waico.budget": {"low": 0.0, "high": 6.0}},
}

#: Run-table columns that record timing and placement, which differ from sweep to sweep.
CIRCUMSTANCES = ["seconds", "finished_at", "worker", "part"]


def write(folder: Path, content: dict) -> Path:
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def assert_same_store(out: Path, reference: Path) -> None:
    got, expected = load_results(out), load_results(reference)
    assert set(expected.runs["status"]) == {"succeeded"}
    pdt.assert_frame_equal(got.runs.drop(columns=CIRCUMSTANCES), expected.runs.drop(columns=CIRCUMSTANCES))
    pdt.assert_frame_equal(got.aggregates, expected.aggregates)
    pdt.assert_frame_equal(got.countries, expected.countries)


@pytest.fixture(scope="module", params=["events", "sponsors"])
def serial_store(request, tmp_path_factory) -> tuple[Path, Path]:
    """(spec, store) of the spec swept one run at a time."""
    folder = tmp_path_factory.mktemp(request.param)
    spec = write(folder, EVENTS if request.param == "events" else SPONSORS)
    sweep(spec, folder / "serial", executor="serial")
    return spec, folder / "serial"


@pytest.mark.parametrize("chunk_size", [1, 3, None])
def test_ensemble_chunks_of_any_size_store_what_serial_stores(serial_store, tmp_path, chunk_size):
    spec, reference = serial_store
    sweep(spec, tmp_path / "ensemble", executor="ensemble", chunk_size=chunk_size)
    assert_same_store(tmp_path / "ensemble", reference)
    parts = load_results(tmp_path / "ensemble").runs["part"].nunique()
    assert chunk_size is None or parts == -(-len(load_results(reference).runs) // chunk_size)


def test_the_default_executor_runs_ensembles(serial_store, tmp_path, monkeypatch):
    spec, reference = serial_store
    calls = []
    run_many = runner.run_many
    monkeypatch.setattr(runner, "run_many", lambda *a, **k: calls.append(1) or run_many(*a, **k))
    sweep(spec, tmp_path / "default")
    assert calls
    assert_same_store(tmp_path / "default", reference)


def test_an_ensemble_that_raises_runs_its_chunk_one_run_at_a_time(serial_store, tmp_path, monkeypatch):
    """E.g. an override that fails in one run: each run then records its own outcome."""
    spec, reference = serial_store

    def fails(*args, **kwargs):
        raise ValueError("one of the runs failed")

    monkeypatch.setattr(runner, "run_many", fails)
    summary = sweep(spec, tmp_path / "fallback", executor="ensemble", chunk_size=3)
    assert summary.failed == 0
    assert_same_store(tmp_path / "fallback", reference)


@pytest.mark.slow
def test_process_and_dask_workers_store_what_serial_stores(serial_store, tmp_path):
    spec, reference = serial_store
    sweep(spec, tmp_path / "processes", executor="processes", workers=2)
    assert_same_store(tmp_path / "processes", reference)
    pytest.importorskip("dask.distributed")
    sweep(spec, tmp_path / "dask", executor="dask", workers=2, chunk_size=3)
    assert_same_store(tmp_path / "dask", reference)
