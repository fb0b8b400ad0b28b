"""Executors: the same results on every backend and worker count; failures stay contained."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas.testing as pdt
import pytest

from sim.ensemble import DEFAULT_MAX_BYTES, run_bytes
from sim.errors import InputError
from sim.experiment import SerialExecutor, load_results, open_backend, sweep
from sim.experiment.executors import default_kind
from sim.experiment.runner import ensemble_chunk_size, simulate
from sim.world import World


def die_on_sample_one(scenario, task, settings):
    """A run callable that kills its worker process at design point 1."""
    if task.sample == 1:
        os._exit(3)
    return simulate(scenario, task, settings)


def report_threads(scenario, task, settings):
    """A run callable that fails with the BLAS thread limit its worker process sees."""
    raise RuntimeError(os.environ.get("OPENBLAS_NUM_THREADS", "unset"))


def test_serial_executor_runs_at_submit_and_keeps_exceptions():
    executor = SerialExecutor()
    assert executor.submit(pow, 2, 5).result() == 32
    failed = executor.submit(int, "x")
    assert failed.done()
    assert isinstance(failed.exception(), ValueError)


@pytest.mark.parametrize(
    ("kind", "workers", "address", "field"),
    [
        ("threads", None, None, "executor"),
        ("processes", 0, None, "workers"),
        ("serial", None, "tcp://127.0.0.1:1", "address"),
    ],
)
def test_bad_backend_options_are_input_errors(kind, workers, address, field):
    with pytest.raises(InputError) as caught, open_backend(kind, workers, address):
        pass
    assert caught.value.field == field


def test_dask_missing_is_an_input_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(InputError, match=r"coalsim\[dask\]"), open_backend("dask", 1):
        pass


def test_a_local_dask_cluster_starts_while_another_holds_the_dashboard_port():
    # distributed's default dashboard port (8787) may be held by another cluster or a
    # JupyterLab extension; its warning was an error under -W error (CI failed on it).
    pytest.importorskip("dask.distributed")
    with socket.socket() as held:
        with contextlib.suppress(OSError):  # already held by someone else: the case itself
            held.bind(("0.0.0.0", 8787))
        held.listen()
        with open_backend("dask", 1) as backend:
            assert backend.executor.submit(abs, -3).result() == 3


def test_unreachable_dask_scheduler_is_an_input_error(monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("sim.experiment.executors.DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(InputError) as caught, open_backend("dask", address="tcp://127.0.0.1:9"):
        pass
    assert caught.value.field == "address"


def test_an_injected_executor_gives_the_same_store(small_store, tmp_path):
    spec, reference = small_store
    with ThreadPoolExecutor(max_workers=3) as threads:
        sweep(spec, tmp_path / "threads", executor=threads, workers=3)
    pdt.assert_frame_equal(load_results(tmp_path / "threads").aggregates, load_results(reference).aggregates)


@pytest.mark.slow
def test_processes_and_dask_give_the_serial_store(small_store, tmp_path):
    spec, reference = small_store
    expected = load_results(reference)
    sweep(spec, tmp_path / "processes", executor="processes", workers=2, chunk_size=1)
    sweep(spec, tmp_path / "dask", executor="dask", workers=2, chunk_size=2)
    for name in ("processes", "dask"):
        found = load_results(tmp_path / name)
        pdt.assert_frame_equal(found.aggregates, expected.aggregates)
        pdt.assert_frame_equal(found.countries, expected.countries)
        columns = ["run_id", "seed", "status", "converged_at"]
        pdt.assert_frame_equal(found.runs[columns], expected.runs[columns])
        assert not found.runs["worker"].str.endswith(f":{os.getpid()}").any(), name


@pytest.mark.slow
def test_a_dead_worker_fails_its_runs_without_stopping_the_sweep(write_spec, tmp_path):
    spec = write_spec(samples=2, replications=1)
    summary = sweep(
        spec, tmp_path / "out", executor="processes", workers=1, chunk_size=1, run_callable=die_on_sample_one
    )
    runs = load_results(tmp_path / "out").runs.set_index("run_id")
    assert summary.failed >= 1
    assert runs.loc["s1-r0", "status"] == "failed"
    assert runs.loc["s1-r0", "error"].startswith("worker failed: BrokenProcessPool")
    resumed = sweep(spec, tmp_path / "out", resume=True)
    assert resumed.failed == 0
    assert set(load_results(tmp_path / "out").runs["status"]) == {"succeeded"}


@pytest.mark.slow
def test_worker_processes_get_one_blas_thread_and_the_parent_keeps_its_setting(
    write_spec, tmp_path, monkeypatch
):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    spec = write_spec(samples=1, replications=1)
    sweep(spec, tmp_path / "out", executor="processes", workers=1, run_callable=report_threads)
    assert load_results(tmp_path / "out").runs["error"].tolist() == ["RuntimeError: 1"]
    assert "OPENBLAS_NUM_THREADS" not in os.environ


@pytest.mark.parametrize(("workers", "kind"), [(None, "ensemble"), (1, "ensemble"), (2, "processes")])
def test_a_sweep_without_an_executor_runs_ensembles_here_or_on_the_workers_asked_for(workers, kind):
    assert default_kind(workers) == kind


def test_ensemble_chunks_fit_the_memory_bound_and_spread_over_the_workers(baseline):
    per_run = run_bytes(World.load().n, baseline.steps, len(baseline.frameworks))
    assert ensemble_chunk_size(100_000, 2, baseline, None) == DEFAULT_MAX_BYTES // per_run
    assert ensemble_chunk_size(80, 2, baseline, None) == 10  # four chunks per worker
    assert ensemble_chunk_size(100_000, 2, baseline, 1000) < ensemble_chunk_size(100_000, 2, baseline, 10)
