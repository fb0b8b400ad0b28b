"""The run callable, chunking, failures, and surviving SIGKILL mid-sweep."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.experiment import load_experiment, load_results, sweep
from sim.experiment.runner import MAX_CHUNK, Chunk, RunSettings, chunk_size_for, run_chunk, simulate

REPO = Path(__file__).resolve().parents[2]


def fail_on_sample_one(scenario, task, settings):
    """A run callable whose runs at design point 1 raise."""
    if task.sample == 1:
        raise ValueError(f"boom at {task.run_id}")
    return simulate(scenario, task, settings)


@given(runs=st.integers(1, 100_000), workers=st.integers(1, 64))
def test_chunks_are_bounded_and_spread_over_workers(runs, workers):
    size = chunk_size_for(runs, workers)
    assert 1 <= size <= MAX_CHUNK
    assert size == MAX_CHUNK or size * workers * 8 >= runs


def test_run_chunk_records_failures_and_keeps_going(write_spec):
    experiment = load_experiment(write_spec())
    tasks = tuple(experiment.tasks()[:4])
    output = run_chunk(Chunk(experiment.scenario, tasks, RunSettings(steps=10), fail_on_sample_one))
    assert [r.run_id for r in output.records] == [t.run_id for t in tasks]
    assert [r.status for r in output.records] == ["succeeded", "succeeded", "failed", "failed"]
    assert output.records[2].error == "ValueError: boom at s1-r0"
    aggregates = pd.read_parquet(io.BytesIO(output.tables["aggregates"]))
    assert set(aggregates["run_id"]) == {"s0-r0", "s0-r1"}
    assert output.records[0].worker.endswith(f":{os.getpid()}")


def test_a_failing_run_is_recorded_and_resume_retries_only_it(write_spec, tmp_path, small_store):
    spec = write_spec()
    summary = sweep(spec, tmp_path / "out", run_callable=fail_on_sample_one)
    assert (summary.succeeded, summary.failed) == (4, 2)
    runs = load_results(tmp_path / "out").runs.set_index("run_id")
    assert list(runs.loc[["s1-r0", "s1-r1"], "status"]) == ["failed", "failed"]
    assert runs.loc["s1-r1", "error"] == "ValueError: boom at s1-r1"
    assert runs.loc[["s1-r0", "s1-r1"], "part"].isna().all()
    assert "s1-r0" not in set(load_results(tmp_path / "out").aggregates["run_id"].astype(str))
    finished = runs["finished_at"]
    resumed = sweep(spec, tmp_path / "out", resume=True)
    assert (resumed.skipped, resumed.succeeded, resumed.failed) == (4, 2, 0)
    after = load_results(tmp_path / "out")
    assert set(after.runs["status"]) == {"succeeded"}
    kept = after.runs.set_index("run_id")["finished_at"]
    assert (kept.drop(["s1-r0", "s1-r1"]) == finished.drop(["s1-r0", "s1-r1"])).all()
    pdt.assert_frame_equal(after.aggregates, load_results(small_store[1]).aggregates)


def test_progress_reports_each_stored_chunk(write_spec, tmp_path):
    calls = []
    sweep(write_spec(), tmp_path / "out", chunk_size=2, progress=lambda *args: calls.append(args))
    assert calls == [(2, 6, 0), (4, 6, 0), (6, 6, 0)]


@pytest.mark.parametrize("executor", ["serial", "ensemble"])
def test_runs_reuse_the_world_loaded_once_per_process(write_spec, tmp_path, executor):
    from sim.world import _load_world

    sim.World.load()
    before = _load_world.cache_info()
    sweep(write_spec(), tmp_path / "out", executor=executor)
    after = _load_world.cache_info()
    assert after.misses == before.misses
    assert after.hits - before.hits >= (6 if executor == "serial" else 1)


# -- SIGKILL mid-sweep ---------------------------------------------------------------

SWEEP_SCRIPT = (
    "import sys; from sim.experiment import sweep; sweep(sys.argv[1], sys.argv[2], resume=True, chunk_size=1)"
)


def _start_sweep(spec: Path, out: Path) -> subprocess.Popen:
    """The sweep in a child process at the lowest priority, so that on a busy machine the
    test watching its store still sees it mid-sweep (the child finished a small store before
    a starved parent looked: 'only 0 of 8 kills landed mid-sweep')."""
    return subprocess.Popen([sys.executable, "-c", SWEEP_SCRIPT, str(spec), str(out)], cwd=REPO,
                            preexec_fn=lambda: os.nice(19))  # fmt: skip


def _succeeded(out: Path) -> int:
    try:
        return int(
            (pq.read_table(out / "runs.parquet", columns=["status"])["status"].to_pylist()).count("succeeded")
        )
    except (FileNotFoundError, OSError):
        return -1


def _check_readable(out: Path, runs_total: int, rows_per_run: int, countries_per_run: int) -> int:
    """Every visible file parses; every run the table calls succeeded has all its rows."""
    if not out.exists():
        return 0
    for path in out.rglob("*"):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix == ".parquet":
            pq.read_table(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())
    if not (out / "manifest.json").exists():
        return 0
    results = load_results(out)
    assert len(results.runs) == runs_total
    done = len(results.succeeded)
    assert results.aggregates.groupby("run_id", observed=True).size().eq(rows_per_run).all()
    assert results.aggregates["run_id"].nunique() == done
    assert results.countries.groupby("run_id", observed=True).size().eq(countries_per_run).all()
    return done


def _shape(reference: Path) -> tuple[int, int, int]:
    """Runs, aggregate rows per run and country rows per run of a finished store."""
    results = load_results(reference)
    rows = results.aggregates.groupby("run_id", observed=True).size()
    return len(results.runs), int(rows.iloc[0]), sim.World.load().n


def _assert_same_as(out: Path, reference: Path) -> None:
    final, expected = load_results(out), load_results(reference)
    assert set(final.runs["status"]) == {"succeeded"}
    columns = ["run_id", "seed", "converged_at", "is_nash"]
    pdt.assert_frame_equal(final.runs[columns], expected.runs[columns])
    pdt.assert_frame_equal(final.aggregates, expected.aggregates)
    pdt.assert_frame_equal(final.countries, expected.countries)


#: Stores to kill: runs of 10 steps never settle; the settling ones mostly do, so their
#: run table mixes step numbers and missing values in converged_at (issue 15's crash).
KILLED_STORES = ["small_store", "settling_store"]


@pytest.mark.slow
@pytest.mark.parametrize("store", KILLED_STORES)
def test_sigkill_then_resume_ends_identical_to_an_uninterrupted_sweep(store, request, tmp_path):
    spec, reference = request.getfixturevalue(store)
    out = tmp_path / "killed"
    total, rows, per_country = _shape(reference)
    midway = []
    for kill_after, delay in ((0, 0.0), (2, 0.02), (4, 0.035)):
        process = _start_sweep(spec, out)
        deadline = time.monotonic() + 60
        while _succeeded(out) < kill_after and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)  # land inside a run or a write, not only just after a commit
        still_running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
        done = _check_readable(out, total, rows, per_country)
        midway.append(still_running and done < total)
    assert any(midway), "no kill landed mid-sweep"
    finish = subprocess.run([sys.executable, "-c", SWEEP_SCRIPT, str(spec), str(out)], cwd=REPO, check=True)
    assert finish.returncode == 0
    _assert_same_as(out, reference)
    final = load_results(out)
    assert not [p for p in out.rglob(".*")]
    for dataset in ("aggregates", "countries"):
        assert {p.name for p in (out / dataset).iterdir()} == set(final.runs["part"])


@pytest.mark.slow
@pytest.mark.parametrize("store", KILLED_STORES)
def test_sigkill_at_random_moments_never_leaves_a_corrupt_store(store, request, tmp_path):
    """Eight kills at random moments, each of a resume of the sweep the kill before stopped.

    Each kill waits until the store holds a random number of finished runs (at most one
    more than before), then up to 5 ms more, so kills land inside runs and
    writes. After every kill, every visible file parses and every run the table calls
    succeeded has all its rows; the last resume finishes identical to an uninterrupted sweep.
    """
    spec, reference = request.getfixturevalue(store)
    out = tmp_path / "killed"
    total, rows, per_country = _shape(reference)
    rng = np.random.default_rng(20251112)
    mid_sweep = 0
    for _ in range(8):
        before = max(_succeeded(out), 0)
        target = min(before + int(rng.integers(0, 2)), total - 1)
        process = _start_sweep(spec, out)
        deadline = time.monotonic() + 60
        while _succeeded(out) < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(float(rng.uniform(0.0, 0.005)))
        mid_sweep += process.poll() is None and _succeeded(out) < total
        process.send_signal(signal.SIGKILL)
        process.wait()
        _check_readable(out, total, rows, per_country)
    assert mid_sweep >= 4, f"only {mid_sweep} of 8 kills landed mid-sweep"
    subprocess.run([sys.executable, "-c", SWEEP_SCRIPT, str(spec), str(out)], cwd=REPO, check=True)
    _assert_same_as(out, reference)
