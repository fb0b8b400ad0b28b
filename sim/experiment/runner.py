"""The run callable that workers execute, and the sweep driver that feeds them and stores results.

Following the shape of Mesa's next scenario runner: each run is an immutable
:class:`~sim.experiment.spec.RunTask` (parameters and a spawned seed); a picklable,
top-level run callable turns a task into a :class:`~sim.results.RunResult`; runs travel
in chunks to any ``concurrent.futures``-style executor (see
:mod:`sim.experiment.executors`), so process start-up and pickling are paid per chunk,
not per run; and the driver stores each chunk as it finishes (see
:mod:`sim.experiment.store`). A run that raises is recorded as failed with its error,
and the batch goes on; so does a chunk whose worker died.

With the default run callable, a chunk of a backend that runs ensembles
(:attr:`~sim.experiment.executors.Backend.ensembles`: every backend but ``serial``) is
one :func:`sim.run_many` call, and its rows are written from the ensemble's
:class:`~sim.ensemble.RunSummary` objects, without building each run's full
:class:`~sim.results.RunResult`; the rows are those the one-run-at-a-time path writes.
Such chunks are sized by memory (:func:`ensemble_chunk_size`). If the ensemble raises
(an override that fails for one run), the chunk runs again one run at a time, so each
failure is recorded against its own run. A custom run callable defines what a run is,
so its chunks always run one run at a time.

Example::

    from sim.experiment import sweep, load_results
    summary = sweep("scenarios/sweeps/baseline_sobol.yaml", "results/sobol", executor="processes")
    results = load_results("results/sobol")
    results.aggregates  # run_id, parameters, step, framework, shares
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.ensemble import DEFAULT_MAX_BYTES, RunSummary, run_bytes, run_many
from sim.errors import ARGUMENTS, InputError
from sim.experiment.executors import Backend, default_kind, open_backend
from sim.experiment.spec import Experiment, RunTask, load_experiment
from sim.experiment.store import (
    ChunkOutput,
    ResultStore,
    RunRecord,
    check_new_store,
    holds_store,
    parquet_bytes,
    store_lock,
)
from sim.results import RunResult, run
from sim.scenario import Scenario
from sim.world import World

#: Largest number of runs sent to a worker at once (bounds lost work and progress gaps).
MAX_CHUNK = 32

#: Chunks per worker a sweep aims for, so workers finish close together.
CHUNKS_PER_WORKER = 8

#: Chunks per worker for ensembles: fewer, larger chunks than one run at a time (an
#: ensemble's cost per run falls with its size), but enough that workers finish close
#: together (with 2, five chunks on two workers left one worker a chunk to do alone).
ENSEMBLE_CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class RunSettings:
    """What every run of a sweep shares besides its scenario.

    Attributes:
        steps: Steps per run (the scenario's when ``None``).
        countries: Keep each run's ``"final"`` per-country states or ``"all"`` steps'.

    """

    steps: int | None = None
    countries: Literal["final", "all"] = "final"


#: A run callable: (base scenario, task, settings) -> the run's result. For local
#: processes it must be a top-level function of an importable module (spawned workers
#: import it by name); a function defined in a notebook works serially and with Dask,
#: which pickles functions by value.
RunCallable = Callable[[Scenario, RunTask, RunSettings], RunResult]


def simulate(scenario: Scenario, task: RunTask, settings: RunSettings) -> RunResult:
    """The default run callable: apply the task's parameters and run the model once.

    Args:
        scenario: The base scenario.
        task: The run's parameters and seed.
        settings: Steps and what to record.

    Returns:
        The run's result.

    """
    varied = scenario.with_overrides(dict(task.parameters)) if task.parameters else scenario
    return run(varied, seed=task.seed, steps=settings.steps, world=World.load(), record=settings.countries)


@dataclass(frozen=True)
class Chunk:
    """A batch of runs for one worker: picklable, so any executor can carry it.

    Attributes:
        scenario: The base scenario.
        tasks: The runs.
        settings: What the runs share.
        run_callable: The top-level function that runs one task.
        ensemble: Run the tasks as one ensemble (:func:`sim.run_many`), when
            ``run_callable`` is :func:`simulate`.

    """

    scenario: Scenario
    tasks: tuple[RunTask, ...]
    settings: RunSettings
    run_callable: RunCallable = simulate
    ensemble: bool = False


def _chunk_table(frames: list[pd.DataFrame], tasks: list[RunTask]) -> pa.Table:
    """The runs' tables stacked, with each row's run_id, sample and replication in front."""
    lengths = [len(frame) for frame in frames]
    stacked = pd.concat(frames, ignore_index=True)
    if "portfolio" in stacked.columns:  # categories differ when a sweep switches frameworks on or off
        stacked["portfolio"] = stacked["portfolio"].astype(str)
    table = pa.Table.from_pandas(stacked, preserve_index=False)
    front = {
        "run_id": pa.array(
            np.repeat(np.array([task.run_id for task in tasks], dtype=object), lengths), pa.string()
        ),
        "sample": pa.array(np.repeat([task.sample for task in tasks], lengths).astype(np.int64)),
        "replication": pa.array(np.repeat([task.replication for task in tasks], lengths).astype(np.int64)),
    }
    for position, (name, column) in enumerate(front.items()):
        table = table.add_column(position, name, column)
    return table


def run_chunk(chunk: Chunk) -> ChunkOutput:
    """Run a chunk's tasks, as one ensemble or one after another (the function workers execute).

    A task that raises is recorded as failed with its error text; the others still run.

    Args:
        chunk: The runs and what they share.

    Returns:
        A record per run, and the succeeded runs' tables as Parquet bytes.

    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    done = _run_ensemble(chunk) if chunk.ensemble and chunk.run_callable is simulate else None
    if done is None:
        records, done = _run_one_by_one(chunk, worker)
    else:
        finished = datetime.now(UTC)
        records = [
            RunRecord(
                task.run_id,
                "succeeded",
                None,
                seconds,
                finished,
                worker,
                summary.converged_at,
                summary.is_nash,
            )
            for task, summary, seconds in done
        ]
    if not done:
        return ChunkOutput(tuple(records))
    tasks = [task for task, _, _ in done]
    tables = {
        "aggregates": parquet_bytes(_chunk_table([summary.aggregates for _, summary, _ in done], tasks)),
        "countries": parquet_bytes(_chunk_table([summary.countries for _, summary, _ in done], tasks)),
    }
    return ChunkOutput(tuple(records), tables)


#: A succeeded run: its task, what the store keeps of it, and its seconds.
_Done = tuple[RunTask, RunSummary, float]


def _run_ensemble(chunk: Chunk) -> list[_Done] | None:
    """Run every task of a chunk in one :func:`sim.run_many` call, or None if it raised.

    Each run is given an equal share of the ensemble's wall time as its seconds.
    """
    start = time.perf_counter()
    tasks = chunk.tasks
    try:
        results = run_many(
            chunk.scenario,
            [task.seed for task in tasks],
            [dict(task.parameters) for task in tasks],
            steps=chunk.settings.steps,
            world=World.load(),
            record=chunk.settings.countries,
        )
        summaries = [results.summary(i) for i in range(len(tasks))]
    except Exception:  # the caller runs the chunk again one run at a time, recording each error
        return None
    seconds = (time.perf_counter() - start) / len(tasks)
    return [(task, summary, seconds) for task, summary in zip(tasks, summaries, strict=True)]


def _run_one_by_one(chunk: Chunk, worker: str) -> tuple[list[RunRecord], list[_Done]]:
    """Run a chunk's tasks one after another with its run callable; a failure stays with its run."""
    records: list[RunRecord] = []
    done: list[_Done] = []
    for task in chunk.tasks:
        start = time.perf_counter()
        try:
            result = chunk.run_callable(chunk.scenario, task, chunk.settings)
        except Exception as exc:
            seconds = time.perf_counter() - start
            error = f"{type(exc).__name__}: {exc}"
            records.append(RunRecord(task.run_id, "failed", error, seconds, datetime.now(UTC), worker))
            continue
        seconds = time.perf_counter() - start
        summary = RunSummary.of(result)
        done.append((task, summary, seconds))
        records.append(
            RunRecord(
                task.run_id,
                "succeeded",
                None,
                seconds,
                datetime.now(UTC),
                worker,
                summary.converged_at,
                summary.is_nash,
            )
        )
    return records, done


def _failed_chunk(chunk: Chunk, exc: BaseException) -> ChunkOutput:
    """Records for a chunk whose worker could not return (it died, or pickling failed)."""
    error = f"worker failed: {type(exc).__name__}: {exc}"
    now = datetime.now(UTC)
    return ChunkOutput(tuple(RunRecord(task.run_id, "failed", error, 0.0, now, "") for task in chunk.tasks))


def chunk_size_for(runs: int, workers: int) -> int:
    """Runs per chunk: about eight chunks per worker, at most :data:`MAX_CHUNK` runs.

    Args:
        runs: Runs to do.
        workers: Parallel workers.

    Returns:
        The chunk size (at least 1).

    """
    return max(1, min(MAX_CHUNK, math.ceil(runs / (workers * CHUNKS_PER_WORKER))))


def ensemble_chunk_size(runs: int, workers: int, scenario: Scenario, steps: int | None) -> int:
    """Runs per ensemble chunk: about four chunks per worker, as many as fit in memory.

    Memory is bounded by :data:`sim.ensemble.DEFAULT_MAX_BYTES` of :func:`sim.ensemble.run_bytes`
    per run, counting every framework of the scenario as enabled (a sweep may enable more).

    Args:
        runs: Runs to do.
        workers: Parallel workers.
        scenario: The base scenario.
        steps: Steps per run (the scenario's when ``None``).

    Returns:
        The chunk size (at least 1).

    """
    per_run = run_bytes(World.load().n, steps or scenario.steps, len(scenario.frameworks))
    fits = max(1, DEFAULT_MAX_BYTES // per_run)
    return max(1, min(fits, math.ceil(runs / (workers * ENSEMBLE_CHUNKS_PER_WORKER))))


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep did.

    Attributes:
        folder: The result store.
        total: Runs in the sweep.
        skipped: Runs that had succeeded before (resumed) and were not run again.
        succeeded: Runs that succeeded in this call.
        failed: Runs that failed in this call.
        seconds: Wall time of this call.

    """

    folder: Path
    total: int
    skipped: int
    succeeded: int
    failed: int
    seconds: float


#: Progress callback: (runs finished so far, runs to do in this call, failures so far).
Progress = Callable[[int, int, int], None]


def open_store(experiment: Experiment, out: str | Path, resume: bool = False) -> ResultStore:
    """Create the store of a sweep, or reopen it with ``resume``.

    Args:
        experiment: The resolved experiment.
        out: The store folder.
        resume: Continue the sweep stored there (a missing store is created).

    Returns:
        The open store.

    Raises:
        InputError: If the folder is taken (without resume) or holds another sweep.

    """
    out = Path(out)
    if resume and holds_store(out):
        return ResultStore.open_for_resume(out, experiment)
    return ResultStore.create(out, experiment)


def run_pending(
    store: ResultStore,
    experiment: Experiment,
    backend: Backend,
    *,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    run_callable: RunCallable = simulate,
) -> tuple[int, int]:
    """Run every run of the store that has not succeeded, storing chunks as they finish.

    Args:
        store: The open store.
        experiment: Its experiment.
        backend: Where to run (chunks run as ensembles if it says so).
        chunk_size: Runs per chunk (default: :func:`ensemble_chunk_size` for a backend
            that runs ensembles with the default run callable, else :func:`chunk_size_for`).
        progress: Called after each stored chunk.
        run_callable: Runs one task (default :func:`simulate`).

    Returns:
        Runs that succeeded and that failed in this call.

    """
    pending = set(store.pending())
    tasks = [task for task in experiment.tasks() if task.run_id in pending]
    ensemble = backend.ensembles and run_callable is simulate
    if chunk_size:
        size = chunk_size
    elif ensemble:
        size = ensemble_chunk_size(len(tasks), backend.workers, experiment.scenario, experiment.spec.steps)
    else:
        size = chunk_size_for(len(tasks), backend.workers)
    settings = RunSettings(experiment.spec.steps, experiment.spec.countries)
    chunks = (
        Chunk(experiment.scenario, tuple(tasks[i : i + size]), settings, run_callable, ensemble)
        for i in range(0, len(tasks), size)
    )
    succeeded = failed = 0
    for output in _completed(chunks, backend.executor, in_flight=2 * backend.workers):
        store.write_chunk(output)
        for record in output.records:
            if record.status == "succeeded":
                succeeded += 1
            else:
                failed += 1
        if progress is not None:
            progress(succeeded + failed, len(tasks), failed)
    return succeeded, failed


def _completed(chunks: Iterator[Chunk], executor: Executor, in_flight: int) -> Iterator[ChunkOutput]:
    """Submit chunks keeping at most ``in_flight`` outstanding; yield outputs as they finish.

    A chunk that cannot be submitted or whose future fails (a worker died, a broken
    pool, an unpicklable result) yields failure records for its runs instead.
    """
    running: dict[Future[ChunkOutput], Chunk] = {}
    for chunk in chunks:
        try:
            running[executor.submit(run_chunk, chunk)] = chunk
        except Exception as exc:
            yield _failed_chunk(chunk, exc)
            continue
        while len(running) >= in_flight:
            yield from _finished(running)
    while running:
        yield from _finished(running)


def _finished(running: dict[Future[ChunkOutput], Chunk]) -> Iterator[ChunkOutput]:
    """Wait for at least one running chunk; yield the outputs of those done."""
    done, _ = wait(running, return_when=FIRST_COMPLETED)
    for future in done:
        chunk = running.pop(future)
        try:
            yield future.result()
        except Exception as exc:
            yield _failed_chunk(chunk, exc)


def sweep(
    spec: str | Path | Experiment,
    out: str | Path,
    *,
    executor: str | Executor | None = None,
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    run_callable: RunCallable = simulate,
) -> SweepSummary:
    """Run a sweep and store its results; with ``resume``, only the runs not yet succeeded.

    Args:
        spec: A spec file or a resolved experiment.
        out: The result store folder.
        executor: ``"ensemble"`` (vectorised runs in this process), ``"serial"`` (one
            run at a time in this process), ``"processes"``, ``"dask"``, or an executor
            instance (anything with ``concurrent.futures``' ``submit``; its chunks run as
            ensembles). When omitted: ``"ensemble"``, or ``"processes"`` if ``workers``
            is more than 1 (:func:`~sim.experiment.executors.default_kind`). The store
            is the same whatever the executor.
        workers: Worker processes (a chunk-size hint for an executor instance).
        address: A Dask scheduler to join (with ``executor="dask"``).
        resume: Continue the sweep in ``out``; runs that succeeded are skipped.
        chunk_size: Runs per chunk (default: about four chunks per worker, as many as fit
            in memory, for ensembles; about eight chunks per worker, at most 32, one run
            at a time).
        progress: Called as ``progress(done, to_do, failed)`` after each stored chunk.
        run_callable: Runs one task (a top-level function; default :func:`simulate`).

    Returns:
        What the sweep did.

    Raises:
        InputError: For a bad spec, executor option or output folder, a damaged store
            that cannot be repaired, or a store another process is writing (each store
            has one writer at a time, see :func:`~sim.experiment.store.store_lock`).

    """
    started = time.perf_counter()
    experiment = spec if isinstance(spec, Experiment) else load_experiment(spec)
    if chunk_size is not None and chunk_size < 1:
        raise InputError(ARGUMENTS, "chunk_size", "a whole number of at least 1", str(chunk_size))
    out = Path(out)
    if not (resume and holds_store(out)):
        check_new_store(out)

    def run_on(backend: Backend) -> SweepSummary:
        with store_lock(out):
            try:
                store = open_store(experiment, out, resume)
                total = len(store.runs)
                skipped = total - len(store.pending())
                succeeded, failed = run_pending(
                    store,
                    experiment,
                    backend,
                    chunk_size=chunk_size,
                    progress=progress,
                    run_callable=run_callable,
                )
            except OSError as exc:  # a full disk, or a store folder that became unwritable
                raise InputError(
                    str(out),
                    "",
                    "a store folder that can be written, with free space",
                    f"{exc.strerror or exc} ({exc.filename or out})",
                    "The runs stored before the error are kept; resuming the sweep continues from them.",
                ) from None
        return SweepSummary(out, total, skipped, succeeded, failed, time.perf_counter() - started)

    if isinstance(executor, Executor):
        return run_on(Backend(executor, workers or 1, type(executor).__name__, ensembles=True))
    with open_backend(executor or default_kind(workers), workers, address) as backend:
        return run_on(backend)
