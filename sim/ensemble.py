"""Many runs of one scenario in one pass: the ensemble engine.

:func:`run_many` runs a scenario once per seed (and, optionally, per parameter override
mapping) and returns, run for run, the same :class:`~sim.results.RunResult` that
:func:`sim.run` would return for ``scenario.with_overrides(p)`` and that seed: identical
trajectories, tables and metadata (the tests prove it for every decision rule, events,
launches and peer effects).

How: runs whose overrides lead to the same scenario (the same :meth:`Scenario.digest`,
e.g. the replications of one sweep point) form one *ensemble*. Its state is one
``(runs, countries)`` array of portfolio indices, and each step does for all runs at once
what :meth:`CoalitionModel.step <sim.model.CoalitionModel.step>` does for one:

* events and launches are applied by a real :class:`~sim.model.CoalitionModel` (the
  ensemble's *driver*): the scenario, the launched frameworks, the commitments and so the
  parameter arrays do not depend on chance, so they are the same in every run. A commit
  changes each country's portfolio as a function of its own portfolio alone; the driver's
  own event code is applied once per portfolio that some country holds in some run, and
  its answers are looked up for every run;
* each run keeps its own random stream: one ``numpy`` Generator per run, created from its
  seed exactly as ``mesa.Model(rng=seed)`` creates ``model.rng``, and drawing the same
  ``(2, n)`` uniforms per step (activation, choice), several steps per call;
* the revising (run, country) pairs decide together through the model's own functions
  (:func:`~sim.utility.framework_utilities`, :func:`~sim.utility.portfolio_utilities`,
  :func:`~sim.rules.choose`), each row with the member shares of its own run; peer shares
  come from one sparse product whose rows are the revising countries' rows of the peer
  matrix, each pointing into its own run's memberships, so every sum is the same sum, in
  the same order, as in a single run.

Runs whose scenarios differ (other parameter values, other frameworks) go into separate
ensembles automatically; so do runs beyond what :data:`DEFAULT_MAX_BYTES` of working memory
holds (a run's cost, :func:`run_bytes`, is known in advance). Per-run parameter arrays
(runs with different magnitudes sharing one ensemble) are not implemented: each distinct
scenario is its own ensemble.

Scenarios with sponsors (:mod:`sim.sponsors`) are run one model per run (``sim.run``):
a sponsor's offers depend on its budget and on the countries' gaps in order, country by
country, which this engine does not vectorise. :attr:`EnsembleResult.engines` says which
runs were run how.

A sweep would call it once per chunk of tasks, e.g.::

    results = run_many(scenario, [task.seed for task in tasks],
                       [dict(task.parameters) for task in tasks], steps=steps, record="final")
    for task, result in zip(tasks, results):  # RunResults, in task order
        ...  # store result.aggregates and result.countries as for sim.run

and ask :meth:`EnsembleResult.aggregates` for every run's aggregates in one frame when it
needs no more than those.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from scipy import sparse

from sim import metrics
from sim.errors import InputError, describe
from sim.model import CoalitionModel
from sim.results import RunResult, run
from sim.rules import choose
from sim.scenario import Scenario
from sim.utility import framework_utilities, portfolio_utilities
from sim.world import World

Record = Literal["all", "final"]
Engine = Literal["ensemble", "per-run"]

#: Working memory one ensemble may use (see :func:`run_bytes`); more runs are split into
#: several ensembles, run one after another.
DEFAULT_MAX_BYTES = 256 * 2**20

#: Steps of random numbers each run draws in one call (fewer Python calls per step).
DRAW_BLOCK = 10

_WHERE = "run_many()"


def run_bytes(n: int, steps: int, portfolios: int) -> int:
    """Working memory of one run in an ensemble, in bytes (an upper bound).

    The history of portfolio indices (2 bytes per country and step), the block of random
    numbers drawn ahead (:data:`DRAW_BLOCK` steps), and the per-step arrays of the
    revising countries (memberships, framework and portfolio utilities, choice
    probabilities), counted as if every country revised.

    Args:
        n: Countries.
        steps: Steps per run.
        portfolios: Number of allowed portfolios ``P``.

    Returns:
        Bytes per run.

    """
    return 2 * n * (steps + 1) + 8 * 2 * n * DRAW_BLOCK + 8 * n * (4 * portfolios + 16)


def run_many(
    scenario: Scenario,
    seeds: Sequence[int],
    parameters: Sequence[Mapping[str, Any]] | None = None,
    *,
    steps: int | None = None,
    world: World | None = None,
    record: Record = "final",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EnsembleResult:
    """Run a scenario once per seed, as few vectorised ensembles as possible.

    Run ``i`` is the run ``sim.run(scenario.with_overrides(parameters[i]), seed=seeds[i],
    steps=steps, world=world, record=record)`` would make, with the same result.

    Args:
        scenario: A validated scenario (see :func:`sim.load_scenario`).
        seeds: One seed per run (non-negative whole numbers).
        parameters: One override mapping (dotted path -> value) per run, or ``None`` for
            the scenario as it is in every run.
        steps: Steps per run; the scenario's (after overrides) when omitted.
        world: The world; the shipped 193 countries when omitted.
        record: Per-country states at ``"all"`` steps or only the ``"final"`` one.
        max_bytes: Working memory one ensemble may use; larger batches are split.

    Returns:
        The runs' results, in the order of ``seeds``.

    Raises:
        InputError: If an argument is invalid, or an override (see
            :meth:`Scenario.with_overrides`) or the scenario on the world is.

    """
    seeds = _check_seeds(seeds)
    overrides = _check_parameters(parameters, len(seeds))
    if steps is not None and not _whole(steps, 1):
        raise InputError(_WHERE, "steps", "a whole number of at least 1", describe(steps))
    if record not in ("all", "final"):
        raise InputError(_WHERE, "record", "'all' or 'final'", describe(record))
    if not _whole(max_bytes, 1):
        raise InputError(_WHERE, "max_bytes", "a positive whole number of bytes", describe(max_bytes))
    world = world if world is not None else World.load()
    groups: dict[str, tuple[Scenario, list[int]]] = {}
    for i, changes in enumerate(overrides):
        varied = scenario.with_overrides(changes) if changes else scenario
        groups.setdefault(varied.digest(), (varied, []))[1].append(i)
    runs: list[RunResult | tuple[_Batch, int]] = [None] * len(seeds)  # type: ignore[list-item]
    engines: list[Engine] = ["ensemble"] * len(seeds)
    for varied, members in groups.values():
        length = varied.steps if steps is None else int(steps)
        if any(fid in varied.active_frameworks for fid in varied.sponsors):
            for i in members:
                runs[i] = run(varied, seed=seeds[i], steps=length, world=world, record=record)
                engines[i] = "per-run"
            continue
        portfolios = 2 ** len(varied.active_frameworks)
        size = max(1, max_bytes // run_bytes(world.n, length, portfolios))
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            batch = _simulate(varied, world, [seeds[i] for i in chunk], length, record)
            for j, i in enumerate(chunk):
                runs[i] = (batch, j)
    return EnsembleResult(tuple(seeds), tuple(overrides), tuple(engines), runs)


def _whole(value: object, least: int) -> bool:
    """Whether ``value`` is a whole number (not a boolean) of at least ``least``."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= least


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Sequence | np.ndarray) or len(seeds) == 0:
        raise InputError(_WHERE, "seeds", "a non-empty list of seeds", describe(seeds))
    for seed in seeds:
        if not _whole(seed, 0):
            raise InputError(_WHERE, "seeds", "non-negative whole numbers", describe(seed))
    return [int(seed) for seed in seeds]


def _check_parameters(parameters: Sequence[Mapping[str, Any]] | None, runs: int) -> list[Mapping[str, Any]]:
    if parameters is None:
        return [{}] * runs
    if isinstance(parameters, str | bytes | Mapping) or not isinstance(parameters, Sequence):
        expected = "a list of override mappings, one per seed"
        raise InputError(_WHERE, "parameters", expected, describe(parameters))
    if len(parameters) != runs:
        raise InputError(
            _WHERE, "parameters", f"one override mapping per seed ({runs})", f"{len(parameters)} mappings"
        )
    for changes in parameters:
        if not isinstance(changes, Mapping):
            raise InputError(_WHERE, "parameters", "mappings of dotted path to value", describe(changes))
    return list(parameters)


@dataclass(frozen=True, eq=False)
class _Batch:
    """One ensemble's outcome: the driver at the end and every run's history.

    Attributes:
        driver: The model that applied the events; its scenario, parameters and
            commitments are every run's at the end.
        seeds: The runs' seeds.
        history: ``(steps + 1, runs, n)`` portfolio indices.
        record: What each run's result keeps of the per-country states.

    """

    driver: CoalitionModel
    seeds: tuple[int, ...]
    history: np.ndarray
    record: Record

    def result(self, j: int) -> RunResult:
        """Run ``j``'s result, made by :meth:`RunResult.from_model` as for a single run."""
        model = _copy_model(self.driver)
        model.history = self.history[:, j].astype(np.int64)
        model.portfolio = model.history[-1]
        model.steps = len(self.history) - 1
        model.spend = [0.0] * len(self.history)
        return RunResult.from_model(model, self.seeds[j], self.record)


class EnsembleResult(Sequence[RunResult]):
    """The results of :func:`run_many`: a sequence of :class:`RunResult`, one per seed.

    Each run's result is built when asked for (``results[i]``, iterating), exactly as
    :func:`sim.run` builds it, equilibrium check included; :meth:`aggregates` gives every
    run's aggregates at once, without building the rest.

    Attributes:
        seeds: Each run's seed.
        parameters: Each run's overrides.
        engines: How each run was run: ``"ensemble"`` (vectorised with others) or
            ``"per-run"`` (one model, for scenarios with sponsors).

    """

    def __init__(
        self,
        seeds: tuple[int, ...],
        parameters: tuple[Mapping[str, Any], ...],
        engines: tuple[Engine, ...],
        runs: list[RunResult | tuple[_Batch, int]],
    ) -> None:
        self.seeds = seeds
        self.parameters = parameters
        self.engines = engines
        self._runs = runs

    def __len__(self) -> int:
        return len(self._runs)

    @overload
    def __getitem__(self, index: int) -> RunResult: ...
    @overload
    def __getitem__(self, index: slice) -> list[RunResult]: ...
    def __getitem__(self, index: int | slice) -> RunResult | list[RunResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        entry = self._runs[index]
        if isinstance(entry, RunResult):
            return entry
        batch, j = entry
        return batch.result(j)

    def __iter__(self) -> Iterator[RunResult]:
        return (self[i] for i in range(len(self)))

    def history(self, index: int) -> np.ndarray:
        """``(steps + 1, n)`` run ``index``'s portfolio index of every country at every step."""
        entry = self._runs[index]
        if isinstance(entry, RunResult):
            raise ValueError(f"run {index} was run on its own (engine 'per-run'); see its RunResult")
        batch, j = entry
        return batch.history[:, j].astype(np.int64)

    def aggregates(self) -> pd.DataFrame:
        """Every run's :attr:`RunResult.aggregates`, stacked, with a ``run`` column in front.

        Leaves out the rest of each result (countries, dynamics, the equilibrium check).
        """
        frames: list[tuple[np.ndarray, pd.DataFrame]] = []
        batches: dict[int, tuple[_Batch, list[int], list[int]]] = {}
        for i, entry in enumerate(self._runs):
            if isinstance(entry, RunResult):
                frames.append((np.array([i]), entry.aggregates))
            else:
                batch, j = entry
                batches.setdefault(id(batch), (batch, [], []))[1:][0].append(i)
                batches[id(batch)][2].append(j)
        for batch, indices, positions in batches.values():
            frames.append((np.array(indices), _batch_aggregates(batch, positions)))
        table = pd.concat(
            [frame.assign(run=np.repeat(indices, len(frame) // len(indices))) for indices, frame in frames],
            ignore_index=True,
        )
        table = table.sort_values("run", kind="stable", ignore_index=True)
        return table[["run", *[column for column in table.columns if column != "run"]]]


def _batch_aggregates(batch: _Batch, positions: list[int]) -> pd.DataFrame:
    """The aggregates of some runs of a batch, run after run (each as ``RunResult.aggregates``).

    One :func:`metrics.aggregates` call per run: given several runs' histories end to end,
    its matrix product of portfolio sums by memberships may add in another order (BLAS
    blocks a taller matrix differently), and the shares would differ in the last bit.
    """
    params, world = batch.driver.params, batch.driver.world
    frames = [
        metrics.aggregates(
            batch.history[:, j].astype(np.int64), params.portfolios, params.framework_ids, world
        )
        for j in positions
    ]
    return pd.concat(frames, ignore_index=True)


def _copy_model(model: CoalitionModel) -> CoalitionModel:
    """A copy of a model whose containers are copies, so changing it leaves ``model`` alone.

    Read-only shared parts (scenario, world, parameters, setup) stay shared.
    """
    clone = copy.copy(model)
    for name, value in vars(model).items():
        if isinstance(value, set | list | dict | np.ndarray):
            setattr(clone, name, copy.copy(value))
    return clone


def _simulate(scenario: Scenario, world: World, seeds: list[int], steps: int, record: Record) -> _Batch:
    """Run one ensemble: the runs of one scenario (without sponsors), one seed each."""
    driver = CoalitionModel(scenario, world, rng=seeds[0])
    runs, n = len(seeds), world.n
    # Exactly as mesa.Model(rng=seed) makes model.rng from a whole-number seed.
    streams = [np.random.default_rng(seed) for seed in seeds]
    history = np.empty((steps + 1, runs, n), dtype=np.int16)
    portfolio = np.repeat(driver.portfolio[None, :], runs, axis=0)
    history[0] = portfolio
    draws = np.empty((runs, DRAW_BLOCK, 2, n))
    flat_draws = draws.reshape(-1)
    run_start = np.arange(runs) * n
    for step in range(1, steps + 1):
        block = (step - 1) % DRAW_BLOCK
        if block == 0:
            ahead = min(DRAW_BLOCK, steps - step + 1)
            for r, stream in enumerate(streams):
                stream.random(out=draws[r, :ahead])
        driver, portfolio = _apply_events(driver, portfolio, step)
        rule, params = driver.spec.rule, driver.params
        revising = np.flatnonzero(draws[:, block, 0] < rule.activation_rate)  # run * n + country
        run_of, rows = np.divmod(revising, n)
        holds = params.portfolios.astype(float).take(portfolio, axis=0)  # (runs, n, k), 0 or 1
        current = portfolio.reshape(-1).take(revising)
        u = framework_utilities(
            params,
            (params.club_share_weight @ holds).take(run_of, axis=0),
            holds.reshape(runs * n, -1).take(revising, axis=0),
            _peer_shares(params.peers, holds, run_start.take(run_of), rows),
            rows,
        )
        utilities = portfolio_utilities(params, u, current, rows)
        choice_draws = flat_draws.take(revising + run_of * ((DRAW_BLOCK * 2 - 1) * n) + (2 * block + 1) * n)
        portfolio = portfolio.copy()
        portfolio.reshape(-1)[revising] = choose(rule, utilities, current, choice_draws)
        history[step] = portfolio
    driver.portfolio = portfolio[0]  # any run's state: the driver stands for the ensemble
    return _Batch(driver, tuple(seeds), history, record)


def _apply_events(
    driver: CoalitionModel, portfolio: np.ndarray, step: int
) -> tuple[CoalitionModel, np.ndarray]:
    """Apply the events due at ``step`` to every run, with the model's own event code.

    The driver applies them to a copy of itself holding one run's state; if that state
    changes (a commitment), the change is a function of each country's own portfolio, so
    a copy is run for every portfolio some country holds, every country holding it, and
    each run's new state looked up from those answers.

    Returns:
        The driver after the events, and the ``(runs, n)`` portfolios after them.

    """
    first = portfolio[0]
    probe = _step_events(driver, first, step)
    if probe.portfolio is first:  # no commitment: every run's state stands
        return probe, portfolio
    n = portfolio.shape[1]
    after = np.empty((n, len(driver.params.portfolios)), dtype=np.int64)
    for held in np.unique(portfolio).tolist():
        probe = _step_events(driver, np.full(n, held, dtype=np.int64), step)
        after[:, held] = probe.portfolio
    return probe, after[np.arange(n)[None, :], portfolio]


def _step_events(driver: CoalitionModel, portfolio: np.ndarray, step: int) -> CoalitionModel:
    """A copy of the driver holding ``portfolio``, after the model's own events of ``step``."""
    probe = _copy_model(driver)
    probe.portfolio = portfolio
    probe.steps = step
    probe._apply_events(step)  # the model's own event code, reused as is
    return probe


def _peer_shares(
    peers: sparse.csr_array, holds: np.ndarray, offset: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """``(m, k)`` peer shares of the revising countries, each among its own run's memberships.

    Row ``p`` is row ``rows[p]`` of the peer matrix with its columns moved by ``offset[p]``
    into its run's block of the ``(runs * n, k)`` memberships, so each share is the sum a
    single run computes, term by term in the same order.

    Args:
        peers: ``(n, n)`` row-normalised peer matrix.
        holds: ``(runs, n, k)`` every run's memberships, as floats.
        offset: ``(m,)`` where each revising country's run starts (run * n).
        rows: ``(m,)`` the revising countries.

    Returns:
        ``(m, k)`` peer shares.

    """
    runs, n, k = holds.shape
    if peers.nnz == 0:
        return np.zeros((len(rows), k))
    picked = peers[rows]  # the rows, their terms in the same order
    columns = picked.indices + np.repeat(offset, np.diff(picked.indptr))
    block = sparse.csr_array((picked.data, columns, picked.indptr), shape=(len(rows), runs * n))
    return block @ holds.reshape(runs * n, k)
