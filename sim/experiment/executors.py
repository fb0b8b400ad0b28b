"""Where runs execute: one small interface over serial, local processes and Dask.

A sweep hands chunks of runs to a ``concurrent.futures.Executor`` (``submit`` returning
a future). Any such executor can be injected; :func:`open_backend` makes the four we
ship:

* ``ensemble``: runs each chunk in this process when it is submitted, as one
  vectorised ensemble (:func:`sim.run_many`) rather than one model per run;
* ``serial``: runs each chunk in this process, one run after another (the reference:
  each run is exactly ``sim.run``);
* ``processes``: a ``ProcessPoolExecutor`` with the ``spawn`` start method, named
  explicitly so a sweep behaves the same on Linux, macOS and Windows and inside
  notebooks (no forked copies of threads or open files); workers import the top-level
  worker function and load the World once each (it is cached per process). Each worker
  gets one BLAS/OpenMP thread (as Dask's nanny does): the parallelism is across
  processes, and two workers each starting a thread per core would fight for the cores;
* ``dask``: a Dask ``distributed`` client's executor, on a ``LocalCluster`` it starts
  (one single-threaded worker process per worker) or on an existing scheduler
  (``address="tcp://host:8786"``). Dask is an optional extra, imported only here.

Every backend but ``serial`` runs each chunk as an ensemble (:attr:`Backend.ensembles`),
in this process or in its workers. Results do not depend on the backend, the number of
workers or the size of the chunks: each run is fixed by its scenario, parameters and
seed, and an ensemble's runs are, run for run, those of ``sim.run``.

When a sweep names no executor (:func:`default_kind`), it runs ensembles in this
process, or in local processes when it is given more than one worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sim.errors import ARGUMENTS, InputError
from sim.schema import MAX_WORKERS, check_whole

BackendKind = Literal["ensemble", "serial", "processes", "dask"]

#: The backends :func:`open_backend` can make.
BACKENDS: tuple[BackendKind, ...] = ("ensemble", "serial", "processes", "dask")

T = TypeVar("T")

#: Thread-pool sizes of numerical libraries, set to 1 for worker processes the user has not set.
THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")

#: How long to try reaching a Dask scheduler given by address.
DASK_CONNECT_TIMEOUT = "10s"


class SerialExecutor(Executor):
    """An executor that runs each call in this process, when it is submitted."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` now and return its completed future.

        Args:
            fn: The callable.
            *args: Its positional arguments.
            **kwargs: Its keyword arguments.

        Returns:
            A future holding the result or the exception raised.

        """
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class Backend:
    """An open executor and how many runs it can work on at once.

    Attributes:
        executor: A ``concurrent.futures``-style executor.
        workers: Number of parallel workers (sizes chunks and how many are in flight).
        description: What it is, for progress messages.
        ensembles: Whether each chunk runs as one ensemble (:func:`sim.run_many`) rather
            than one run after another.

    """

    executor: Executor
    workers: int
    description: str
    ensembles: bool = False


def warm_worker() -> None:
    """Load the World into a new worker process, so its first chunk is not slower."""
    from sim.world import World

    World.load()


def default_workers() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def default_kind(workers: int | None) -> BackendKind:
    """The backend a sweep uses when none is named.

    ``ensemble`` (this process), unless more than one worker is asked for: then
    ``processes``, whose workers run ensembles too. ``serial`` (one run at a time) is
    used only when named.

    Args:
        workers: The worker count asked for, if any.

    Returns:
        The backend kind.

    """
    return "processes" if workers is not None and workers > 1 else "ensemble"


@contextmanager
def open_backend(
    kind: str = "serial", workers: int | None = None, address: str | None = None
) -> Iterator[Backend]:
    """Open an executor of the given kind and close it afterwards.

    Args:
        kind: ``"ensemble"``, ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes (default: the CPUs available; 1 for ensemble and
            serial, which run in this process). For Dask with an ``address``, the
            cluster's own workers are used.
        address: A Dask scheduler to join (``tcp://host:port``); Dask only.

    Yields:
        The open backend.

    Raises:
        InputError: For an unknown kind, a bad worker count, an address without
            Dask, Dask not installed, or a scheduler that cannot be reached.

    """
    if kind not in BACKENDS:
        raise InputError(ARGUMENTS, "executor", f"one of {', '.join(BACKENDS)}", repr(kind))
    if workers is not None:
        check_whole(workers, 1, MAX_WORKERS, ARGUMENTS, "workers")
    if address is not None and kind != "dask":
        raise InputError(
            ARGUMENTS,
            "address",
            "the dask executor (an address is a Dask scheduler)",
            f"the {kind} executor",
        )
    if kind in ("ensemble", "serial"):
        yield Backend(SerialExecutor(), 1, kind, ensembles=kind == "ensemble")
    elif kind == "processes":
        count = workers or default_workers()
        context = multiprocessing.get_context("spawn")
        with (
            _one_thread_per_worker(),
            ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=warm_worker) as pool,
        ):
            try:
                yield Backend(pool, count, f"{count} processes", ensembles=True)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    else:
        with _dask_backend(workers, address) as backend:
            yield backend


@contextmanager
def _one_thread_per_worker() -> Iterator[None]:
    """Give processes spawned meanwhile one numerical-library thread each (unless set already).

    Spawned children copy this process's environment when they start, which the pool
    does on demand while it is open; the variables are removed again afterwards.
    """
    added = [name for name in THREAD_LIMITS if name not in os.environ]
    os.environ.update(dict.fromkeys(added, "1"))
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


@contextmanager
def _dask_backend(workers: int | None, address: str | None) -> Iterator[Backend]:
    """A Dask client's executor on a new LocalCluster or an existing scheduler."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            ARGUMENTS,
            "executor",
            "Dask installed for the dask executor",
            "no module named dask.distributed",
            "Install the extra: pip install 'coalsim[dask]'.",
        ) from None
    cluster = None
    if address is None:
        count = workers or default_workers()
        # The dashboard on a free port: with None, distributed still tries :8787 and warns
        # (an error under -W error) when another cluster or a JupyterLab extension holds it.
        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                ARGUMENTS,
                "address",
                "a reachable Dask scheduler (tcp://host:port)",
                repr(address),
                str(exc),
            ) from None
    try:
        client.run(warm_worker)
        threads = sum(client.nthreads().values())
        where = "a local Dask cluster" if cluster is not None else f"the Dask scheduler at {address}"
        executor = client.get_executor(pure=False)
        yield Backend(executor, max(threads, 1), f"{where} ({threads} workers)", ensembles=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
