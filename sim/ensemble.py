"""Many runs of one scenario in one pass: the ensemble engine.

:func:`run_many` runs a scenario once per seed (and, optionally, per parameter override
mapping) and returns, run for run, the same :class:`~sim.results.RunResult` that
:func:`sim.run` would return for ``scenario.with_overrides(p)`` and that seed: identical
trajectories, tables and metadata (the tests prove it for every decision rule, events,
launches and peer effects). A run may carry a *standing offer* (``offers``), as
``CoalitionModel(standing_offers=...)`` takes it: what :mod:`sim.analysis.what_it_takes`
probes.

How: runs that share a *structure* (the same enabled frameworks, exclusive pairs, number of
steps, and no sponsors) form one *ensemble*, whatever their magnitudes. Its state is one
``(runs, countries)`` array of portfolio indices, and each step does for all runs at once
what :meth:`CoalitionModel.step <sim.model.CoalitionModel.step>` does for one:

* events and launches are applied by real :class:`~sim.model.CoalitionModel` objects, one
  *driver* per distinct scenario (:meth:`Scenario.digest`), with the model's own event
  code, at the steps its scenario names (launch and event steps): the scenario, the
  launched frameworks, the commitments and so the parameter arrays do not depend on
  chance, so all runs of one scenario share them. A commit changes each country's
  portfolio as a function of its own portfolio alone; the driver's event code is applied
  once per portfolio that some country holds (or per run, if there are fewer runs), and
  each run's new state is looked up from the answers;
* each run keeps its own random stream: one ``numpy`` Generator per run, created from its
  seed exactly as ``mesa.Model(rng=seed)`` creates ``model.rng``, and drawing the same
  ``(2, n)`` uniforms per step (activation, choice), several steps per call;
* the revising (run, country) pairs decide together through the model's own functions
  (:func:`~sim.utility.framework_utilities`, :func:`~sim.utility.portfolio_utilities`,
  :func:`~sim.rules.choose`), each row with its own run's member shares and, when the
  runs' scenarios differ, its own scenario's static utilities, availability and
  coefficients (gathered into one :class:`~sim.utility.Parameters` with ``(m, 1)``
  coefficient columns), and its own run's standing offers (every run's offers stacked,
  each row taking its own, added where a single run adds them); peer shares come from
  one sparse product whose rows are the revising countries' rows of the peer matrix,
  each pointing into its own run's memberships, so every sum is the same sum, in the
  same order, as in a single run.
  Scenarios with another rule kind, club exponent or peer matrix decide in separate
  passes of the same step.

Runs of other structures go into separate ensembles automatically; so do runs beyond what
:data:`DEFAULT_MAX_BYTES` of working memory holds (a run's cost, :func:`run_bytes`, is
known in advance).

Scenarios with sponsors (:mod:`sim.sponsors`) are run one model per run (as ``sim.run``
runs it, with the run's standing offer):
a sponsor's offers depend on its budget and on the countries' gaps in order, country by
country, which this engine does not vectorise. :attr:`EnsembleResult.engines` says which
runs were run how.

The sweep runner (:mod:`sim.experiment.runner`) calls it once per chunk of tasks::

    results = run_many(scenario, [task.seed for task in tasks],
                       [dict(task.parameters) for task in tasks], steps=steps, record="final")
    for i, task in enumerate(tasks):  # results are in task order
        summary = results.summary(i)  # aggregates, countries, converged_at, is_nash
        ...  # store them as for sim.run's RunResult

and :meth:`EnsembleResult.aggregates` gives every run's aggregates in one frame when no
more is needed. What each costs (benchmarks/README.md): stepping is a tenth of a
single run's time per run in large ensembles of one scenario; building a run's full
:class:`RunResult` (tables, equilibrium check) costs about a third of a single run, so a
sweep that stores every run's full result gains 2 to 3.4x, one that needs aggregates only
gains 8 to 9.6x; every distinct scenario costs one driver model (built without agents, its
country sets resolved once per world) and its parameter rebuilds at events, so a sweep of
distinct points gains about 3x.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from scipy import sparse

from sim import metrics
from sim.equilibrium import check_equilibrium
from sim.errors import InputError, describe
from sim.model import CoalitionModel
from sim.results import RunResult
from sim.rules import choose
from sim.scenario import Rule, Scenario
from sim.schema import check_seed, check_steps
from sim.utility import STATIC_COMPONENTS, Parameters, framework_utilities, portfolio_utilities
from sim.world import World

Record = Literal["all", "final"]
Engine = Literal["ensemble", "per-run"]

#: Working memory one ensemble may use (see :func:`run_bytes`); more runs are split into
#: several ensembles, run one after another. 64 MB holds about 240 baseline runs: 200-run
#: ensembles measured 10 to 25% faster per run than 1000-run ones (a step's arrays stay
#: in the caches; benchmarks/README.md).
DEFAULT_MAX_BYTES = 64 * 2**20

#: Steps of random numbers each run draws in one call (fewer Python calls per step).
DRAW_BLOCK = 10

_WHERE = "run_many()"


def run_bytes(n: int, steps: int, frameworks: int, offers: bool = False) -> int:
    """Working memory of one run in an ensemble, in bytes (an upper bound).

    The history of portfolio indices (2 bytes per country and step), the block of random
    numbers drawn ahead (:data:`DRAW_BLOCK` steps), the per-step arrays of the revising
    countries (memberships, framework and portfolio utilities, choice probabilities),
    counted as if every country revised, and the run's own parameter arrays (static
    components, availability), counted as if every run had its own scenario; with
    ``offers``, its standing offers and their rows gathered for the revising countries.

    Args:
        n: Countries.
        steps: Steps per run.
        frameworks: Enabled frameworks ``k`` (at most ``2**k`` portfolios).
        offers: Whether runs carry standing offers.

    Returns:
        Bytes per run.

    """
    portfolios = 2**frameworks
    arrays = 4 * portfolios + 16 + len(STATIC_COMPONENTS) * frameworks + portfolios
    arrays += 2 * frameworks  # declared support and the peer signals made of it
    if offers:
        arrays += 2 * frameworks
    return 2 * n * (steps + 1) + 8 * 2 * n * DRAW_BLOCK + 8 * n * arrays


def run_many(
    scenario: Scenario,
    seeds: Sequence[int],
    parameters: Sequence[Mapping[str, Any]] | None = None,
    *,
    steps: int | None = None,
    world: World | None = None,
    record: Record = "final",
    max_bytes: int = DEFAULT_MAX_BYTES,
    offers: Sequence[np.ndarray | None] | None = None,
) -> EnsembleResult:
    """Run a scenario once per seed, as few vectorised ensembles as possible.

    Run ``i`` is the run ``sim.run(scenario.with_overrides(parameters[i]), seed=seeds[i],
    steps=steps, world=world, record=record)`` would make, with the same result; with
    ``offers[i]``, the run of ``CoalitionModel(scenario.with_overrides(parameters[i]),
    world, rng=seeds[i], standing_offers=offers[i])`` for ``steps`` steps, reported as
    :func:`sim.run` reports a run.

    The result keeps every run's history (2 bytes per country and step, 39 kB for a
    baseline run) and one model per distinct scenario until it is dropped: for very many
    runs, call this once per chunk of them.

    Args:
        scenario: A validated scenario (see :func:`sim.load_scenario`).
        seeds: One seed per run (non-negative whole numbers).
        parameters: One override mapping (dotted path -> value) per run, or ``None`` for
            the scenario as it is in every run.
        steps: Steps per run; the scenario's (after overrides) when omitted.
        world: The world; the shipped 193 countries when omitted.
        record: Per-country states at ``"all"`` steps or only the ``"final"`` one.
        max_bytes: Working memory one ensemble may use; larger batches are split.
        offers: One standing offer per run, or ``None`` for none in any run: ``None`` (no
            offer) or a finite ``(n, k)`` array in utility units, ``k`` the run's enabled
            frameworks, added to the run's utilities at every step outside any sponsor's
            budget (see :class:`~sim.model.CoalitionModel`'s ``standing_offers``).

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
    standing = _check_offers(offers, len(seeds))
    world = world if world is not None else World.load()
    scenarios: dict[str, Scenario] = {}
    ensembles: dict[tuple, list[tuple[int, str]]] = {}
    base = scenario.digest()
    for i, changes in enumerate(overrides):
        varied = scenario.with_overrides(changes) if changes else scenario
        digest = varied.digest() if changes else base
        varied = scenarios.setdefault(digest, varied)
        structure = _structure(varied, steps)
        standing[i] = _checked_offer(standing[i], (world.n, len(structure[0])), i)
        ensembles.setdefault(structure, []).append((i, digest))
    runs: list[RunResult | tuple[_Batch, int]] = [None] * len(seeds)  # type: ignore[list-item]
    engines: list[Engine] = ["ensemble"] * len(seeds)
    for (frameworks, _, length, sponsored), members in ensembles.items():
        if sponsored:
            for i, digest in members:  # as sim.run runs one, with the run's standing offer
                check_seed(seeds[i], "run()")
                check_steps(length, "run()")
                model = CoalitionModel(scenarios[digest], world, rng=seeds[i], standing_offers=standing[i])
                model.run_for(length)
                runs[i] = RunResult.from_model(model, seeds[i], record)
                engines[i] = "per-run"
            continue
        offered = any(standing[i] is not None for i, _ in members)
        size = max(1, max_bytes // run_bytes(world.n, length, len(frameworks), offered))
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            digests = list(dict.fromkeys(digest for _, digest in chunk))
            scenario_of = np.array([digests.index(digest) for _, digest in chunk])
            batch = _simulate(
                [scenarios[digest] for digest in digests], scenario_of, world, [seeds[i] for i, _ in chunk],
                length, record, [standing[i] for i, _ in chunk],
            )  # fmt: skip
            for j, (i, _) in enumerate(chunk):
                runs[i] = (batch, j)
    return EnsembleResult(tuple(seeds), tuple(overrides), tuple(engines), runs)


def runs_alone(scenario: Scenario) -> bool:
    """Whether :func:`run_many` runs a scenario one model per run: a sponsor courts for it.

    Args:
        scenario: A scenario, after any overrides.

    Returns:
        Whether it has a sponsor for one of its enabled frameworks.

    """
    return any(fid in scenario.active_frameworks for fid in scenario.sponsors)


def _structure(scenario: Scenario, steps: int | None) -> tuple:
    """What runs must share to be in one ensemble: frameworks, exclusive pairs, length, sponsors."""
    frameworks = tuple(scenario.active_frameworks)
    exclusive = tuple(pair for pair in scenario.compatibility.exclusive if set(pair) <= set(frameworks))
    return frameworks, exclusive, scenario.steps if steps is None else int(steps), runs_alone(scenario)


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


def _check_offers(offers: Sequence[np.ndarray | None] | None, runs: int) -> list[np.ndarray | None]:
    if offers is None:
        return [None] * runs
    if isinstance(offers, str | bytes | Mapping) or not isinstance(offers, Sequence | np.ndarray):
        raise InputError(_WHERE, "offers", "a list of standing offers, one per seed", describe(offers))
    if len(offers) != runs:
        raise InputError(_WHERE, "offers", f"one standing offer per seed ({runs})", f"{len(offers)} offers")
    return list(offers)


def _checked_offer(offer: object, shape: tuple[int, int], i: int) -> np.ndarray | None:
    """Run ``i``'s standing offer as a read-only float array, or ``None``; refused unless finite ``shape``."""
    if offer is None:
        return None
    expected = f"None or a finite array of shape {shape} (countries, enabled frameworks) for run {i}"
    try:
        array = np.array(offer, dtype=float)
    except (TypeError, ValueError):
        raise InputError(_WHERE, "offers", expected, describe(offer)) from None
    if array.shape != shape or not np.isfinite(array).all():
        found = f"shape {array.shape}" if array.shape != shape else "values that are not finite"
        raise InputError(_WHERE, "offers", expected, found)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class RunSummary:
    """What a sweep stores of one run: its tables and the two facts its run table records.

    The same values as the run's :class:`RunResult` holds, without the rest of it
    (dynamics, offers, the equilibrium's details, metadata). Plain data: it pickles.

    Attributes:
        aggregates: :attr:`RunResult.aggregates`.
        countries: :attr:`RunResult.countries` (the final step's, or every step's).
        converged_at: ``metadata["converged_at"]``: the step the run settled at, if it did.
        is_nash: ``metadata["equilibrium"]["is_nash"]``, if the run reported it.

    """

    aggregates: pd.DataFrame
    countries: pd.DataFrame
    converged_at: int | None
    is_nash: bool | None

    @classmethod
    def of(cls, result: RunResult) -> RunSummary:
        """The summary of a run's full result.

        Args:
            result: The run's result.

        Returns:
            Its summary.

        """
        equilibrium = result.metadata.get("equilibrium") or {}
        return cls(
            result.aggregates,
            result.countries,
            result.metadata.get("converged_at"),
            equilibrium.get("is_nash"),
        )


@dataclass(frozen=True, eq=False)
class _Batch:
    """One ensemble's outcome: the drivers at the end and every run's history.

    Attributes:
        drivers: One model per scenario in the ensemble, that applied its events; its
            scenario, parameters and commitments are its runs' at the end.
        scenario_of: ``(runs,)`` each run's scenario (position in ``drivers``).
        seeds: The runs' seeds.
        history: ``(steps + 1, runs, n)`` portfolio indices.
        record: What each run's result keeps of the per-country states.
        offers: Each run's standing offer, or ``None``.

    """

    drivers: tuple[CoalitionModel, ...]
    scenario_of: np.ndarray
    seeds: tuple[int, ...]
    history: np.ndarray
    record: Record
    offers: tuple[np.ndarray | None, ...]

    def _fork(self, j: int) -> CoalitionModel:
        """A copy of run ``j``'s driver with the run's standing offer (its last step's offers)."""
        model = self.drivers[self.scenario_of[j]].fork()
        if self.offers[j] is not None:
            model.side_payment = self.offers[j]
        return model

    def result(self, j: int) -> RunResult:
        """Run ``j``'s result, made by :meth:`RunResult.from_model` as for a single run."""
        model = self._fork(j)
        model.history = self.history[:, j].astype(np.int64)
        model.portfolio = model.history[-1]
        model.steps = len(self.history) - 1
        model.spend = [0.0] * len(self.history)
        return RunResult.from_model(model, self.seeds[j], self.record)

    def aggregates(self, j: int) -> pd.DataFrame:
        """Run ``j``'s :attr:`RunResult.aggregates`, without the rest of its result."""
        driver = self.drivers[self.scenario_of[j]]
        params = driver.params
        history = self.history[:, j].astype(np.int64)
        return metrics.aggregates(history, params.portfolios, params.framework_ids, driver.world)

    def summary(self, j: int) -> RunSummary:
        """Run ``j``'s :class:`RunSummary`, computed as :meth:`RunResult.from_model` computes its parts."""
        driver = self.drivers[self.scenario_of[j]]
        params, world = driver.params, driver.world
        history = self.history[:, j].astype(np.int64)
        aggregates = metrics.aggregates(history, params.portfolios, params.framework_ids, world)
        steps = None if self.record == "all" else np.array([len(history) - 1])
        countries = metrics.countries(
            history, params.portfolios, params.labels, params.framework_ids, world, steps
        )
        settle = driver.spec.convergence
        final = self._fork(j)
        final.portfolio = history[-1]
        return RunSummary(
            aggregates,
            countries,
            metrics.converged_at(aggregates, settle.window, settle.tolerance),
            check_equilibrium(final).is_nash,
        )


class EnsembleResult(Sequence[RunResult]):
    """The results of :func:`run_many`: a sequence of :class:`RunResult`, one per seed.

    Each run's result is built when asked for (``results[i]``, iterating), exactly as
    :func:`sim.run` builds it, equilibrium check included; :meth:`aggregates` gives every
    run's aggregates at once, without building the rest. It holds the ensembles' models,
    which do not pickle (nor does a :class:`CoalitionModel`): a worker process returns what
    it builds from it (RunResults, :class:`RunSummary` objects, aggregates; the sweep
    runner's workers return Parquet bytes).

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

    def summary(self, index: int) -> RunSummary:
        """Run ``index``'s :class:`RunSummary`: what a sweep stores, without its full RunResult.

        About half the cost of building the run's :class:`RunResult` (no dynamics,
        offers, equilibrium details or metadata); its values are the RunResult's.
        """
        entry = self._runs[index]
        if isinstance(entry, RunResult):
            return RunSummary.of(entry)
        batch, j = entry
        return batch.summary(j)

    def aggregates(self) -> pd.DataFrame:
        """Every run's :attr:`RunResult.aggregates`, stacked, with a ``run`` column in front.

        Leaves out the rest of each result (countries, dynamics, the equilibrium check).
        """
        frames = [
            entry.aggregates if isinstance(entry, RunResult) else entry[0].aggregates(entry[1])
            for entry in self._runs
        ]
        table = pd.concat(frames, ignore_index=True)
        table.insert(0, "run", np.repeat(np.arange(len(frames)), [len(frame) for frame in frames]))
        return table


def _simulate(
    scenarios: list[Scenario],
    scenario_of: np.ndarray,
    world: World,
    seeds: list[int],
    steps: int,
    record: Record,
    offers: list[np.ndarray | None],
) -> _Batch:
    """Run one ensemble: runs of scenarios of one structure (without sponsors), one seed each.

    Args:
        scenarios: The distinct scenarios.
        scenario_of: ``(runs,)`` each run's scenario (position in ``scenarios``).
        world: The world.
        seeds: Each run's seed.
        steps: Steps.
        record: What each run's result keeps of the per-country states.
        offers: Each run's standing offer (checked, ``(n, k)``), or ``None``.

    Returns:
        The batch.

    """
    drivers = [CoalitionModel(scenario, world, agents=False) for scenario in scenarios]  # they draw nothing
    members = [np.flatnonzero(scenario_of == g) for g in range(len(scenarios))]
    runs, n = len(seeds), world.n
    # Exactly as mesa.Model(rng=seed) makes model.rng from a whole-number seed.
    streams = [np.random.default_rng(seed) for seed in seeds]
    history = np.empty((steps + 1, runs, n), dtype=np.int16)
    portfolio = np.stack([drivers[g].portfolio for g in scenario_of.tolist()])
    history[0] = portfolio
    draws = np.empty((runs, DRAW_BLOCK, 2, n))
    flat_draws = draws.reshape(-1)
    due = [driver.event_steps() for driver in drivers]
    stacked = None
    for step in range(1, steps + 1):
        block = (step - 1) % DRAW_BLOCK
        if block == 0:
            ahead = min(DRAW_BLOCK, steps - step + 1)
            for r, stream in enumerate(streams):
                stream.random(out=draws[r, :ahead])
        founding = []
        for g, rows in enumerate(members):
            if step in due[g]:
                drivers[g], portfolio[rows] = _apply_events(drivers[g], portfolio[rows], step)
                due[g] = drivers[g].event_steps()
                if drivers[g].founding_round:  # set by the model's events: a founding round now
                    founding.append(rows)
        if stacked is None or not stacked.current(drivers):
            stacked = _Stacked(drivers, scenario_of, offers)
        activated = draws[:, block, 0] < stacked.activation[:, None]
        for rows in founding:
            activated[rows] = True  # every country of these runs decides at once
        revising = np.flatnonzero(activated)  # run * n + country
        choice_draws = flat_draws.take(
            revising + revising // n * ((DRAW_BLOCK * 2 - 1) * n) + (2 * block + 1) * n
        )
        portfolio = portfolio.copy()
        portfolio.reshape(-1)[revising] = stacked.decide(portfolio, revising, choice_draws)
        history[step] = portfolio
    for g, rows in enumerate(members):  # any of its runs' state: the driver stands for them
        drivers[g].portfolio = portfolio[rows[0]]
    return _Batch(tuple(drivers), scenario_of, tuple(seeds), history, record, tuple(offers))


class _Stacked:
    """The parameters of every scenario of an ensemble now, arranged for the revising rows.

    With one scenario, its :class:`Parameters` serve every run as they are. With several,
    their arrays are stacked (scenario ``g``'s rows at ``g * n``), and each step the
    revising rows' values are gathered into one :class:`Parameters` whose coefficients
    are ``(m, 1)`` columns, one per row (the utility functions broadcast them). Scenarios
    that differ in what cannot be a per-row column (the rule's kind, the club exponent:
    ``np.power`` takes a faster, differently rounded path for a scalar 0.5 or 2, and the
    peer matrix) decide in separate passes. Standing offers, when some run has one, are
    every run's stacked (run ``r``'s rows at ``r * n``, zeros for a run without), each
    revising row taking its own run's. Declared support, when some scenario has it, is
    kept per run too, so that each run's peers see its own scenario's declarations
    (:func:`sim.utility.peer_signals`).
    """

    def __init__(
        self, drivers: list[CoalitionModel], scenario_of: np.ndarray, offers: list[np.ndarray | None]
    ) -> None:
        self.params = [driver.params for driver in drivers]
        self.rules = [driver.spec.rule for driver in drivers]
        self.scenario_of = scenario_of
        self.activation = np.array([rule.activation_rate for rule in self.rules]).take(scenario_of)
        self.weight = np.stack([params.club_share_weight for params in self.params]).take(scenario_of, axis=0)
        self.portfolios = self.params[0].portfolios.astype(float)
        self.offers = None
        if any(offer is not None for offer in offers):
            n, k = len(self.weight[0]), self.portfolios.shape[1]
            self.offers = np.concatenate([np.zeros((n, k)) if offer is None else offer for offer in offers])
        self.declared = None  # (runs, n, k) each run's declared support, as floats, if anyone has
        if any(params.declared is not None for params in self.params):
            n, k = len(self.weight[0]), self.portfolios.shape[1]
            declared = [np.zeros((n, k)) if p.declared is None else p.declared for p in self.params]
            self.declared = np.stack(declared).astype(float).take(scenario_of, axis=0)
        self.passes: dict[tuple, list[int]] = {}
        self.peers: dict[tuple, sparse.csr_array] = {}
        for g, (params, rule) in enumerate(zip(self.params, self.rules, strict=True)):
            key = (rule.kind, params.club_exponent, id(params.peers) if params.peers.nnz else None)
            self.passes.setdefault(key, []).append(g)
            if key not in self.peers:  # 32-bit indices: a quarter less to gather each step
                peers = params.peers
                self.peers[key] = sparse.csr_array(
                    (peers.data, peers.indices.astype(np.int32), peers.indptr.astype(np.int32)),
                    shape=peers.shape,
                )
        if len(self.params) > 1:
            self.static = np.concatenate([params.static_stack for params in self.params], axis=1)
            self.columns = {
                name: np.concatenate([getattr(params, name) for params in self.params])
                for name in ("static_total", "available", "club_share_weight")
            }
            self.pair_cost = np.stack([params.pair_cost for params in self.params])
            self.coefficients = {
                name: np.array([getattr(params, name) for params in self.params])
                for name in ("club_coef", "peer_coef", "switching_cost")
            }
            self.rule_values = {
                name: np.array([getattr(rule, name) for rule in self.rules])
                for name in ("temperature", "threshold")
            }

    def current(self, drivers: list[CoalitionModel]) -> bool:
        """Whether the drivers' parameters and rules are still those stacked."""
        return all(
            params is driver.params and rule is driver.spec.rule
            for params, rule, driver in zip(self.params, self.rules, drivers, strict=True)
        )

    def decide(self, portfolio: np.ndarray, revising: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """The new portfolios of the revising (run, country) pairs, as each run would choose.

        Args:
            portfolio: ``(runs, n)`` every run's portfolios.
            revising: ``(m,)`` the revising pairs, as ``run * n + country``.
            draws: ``(m,)`` their choice draws.

        Returns:
            ``(m,)`` their choices.

        """
        runs, n = portfolio.shape
        holds = self.portfolios.take(portfolio, axis=0)  # (runs, n, k), 0 or 1
        member = np.matmul(self.weight[:, None, :], holds)[:, 0]  # (runs, k), as w @ holds per run
        # What peers see (sim.utility.peer_signals), each run its own scenario's declarations.
        signals = holds if self.declared is None else np.maximum(holds, self.declared)
        current = portfolio.reshape(-1).take(revising)
        chosen = np.empty(len(revising), dtype=np.int64)
        group = self.scenario_of.take(revising // n)
        for key, groups in self.passes.items():
            at = slice(None) if len(self.passes) == 1 else np.flatnonzero(np.isin(group, groups))
            pairs, g = revising[at], group[at]
            run_of, rows = np.divmod(pairs, n)
            params = self.params[groups[0]]
            peer = _peer_shares(self.peers[key], signals, (run_of * n).astype(np.int32), rows)
            if len(self.params) == 1:
                view, where, rule = params, rows, self.rules[0]
            else:
                view, where, rule = self._gathered(g * n + rows, g, params), None, self._rule(g, groups[0])
            u = framework_utilities(
                view,
                member.take(run_of, axis=0),
                holds.reshape(runs * n, -1).take(pairs, axis=0),
                peer,
                where,
                self.offers,
                pairs,
            )
            utilities = portfolio_utilities(view, u, current[at], where)
            chosen[at] = choose(rule, utilities, current[at], draws[at])
        return chosen

    def _gathered(self, stacked_rows: np.ndarray, g: np.ndarray, first: Parameters) -> Parameters:
        """The revising rows' parameters, one row each (coefficients as ``(m, 1)`` columns)."""
        static = self.static.take(stacked_rows, axis=1)
        return Parameters(
            framework_ids=first.framework_ids,
            portfolios=first.portfolios,
            labels=first.labels,
            static=dict(zip(STATIC_COMPONENTS, static, strict=True)),
            static_total=self.columns["static_total"].take(stacked_rows, axis=0),
            pair_cost=self.pair_cost.take(g, axis=0),
            available=self.columns["available"].take(stacked_rows, axis=0),
            club_share_weight=self.columns["club_share_weight"].take(stacked_rows),
            club_coef=self.coefficients["club_coef"].take(g)[:, None],
            club_exponent=first.club_exponent,
            peer_coef=self.coefficients["peer_coef"].take(g)[:, None],
            peers=first.peers,
            switching_cost=self.coefficients["switching_cost"].take(g)[:, None],
        )

    def _rule(self, g: np.ndarray, first: int) -> Rule:
        """The rule of scenario ``first`` with each row's own temperature and threshold."""
        return self.rules[first].model_copy(
            update={
                "temperature": self.rule_values["temperature"].take(g)[:, None],
                "threshold": self.rule_values["threshold"].take(g),
            }
        )


def _apply_events(
    driver: CoalitionModel, portfolio: np.ndarray, step: int
) -> tuple[CoalitionModel, np.ndarray]:
    """Apply the events due at ``step`` to some runs of a scenario, with the model's own code.

    The driver applies them to a copy of itself holding one run's state; if that state
    changes (a commitment), the change is a function of each country's own portfolio, so
    copies are run for every portfolio some country holds (every country holding it) and
    each run's new state looked up from their answers, or, when there are fewer runs than
    such portfolios, for every run's own state.

    Args:
        driver: The scenario's driver before the events.
        portfolio: ``(runs, n)`` the runs' portfolios.
        step: The step.

    Returns:
        The driver after the events, and the ``(runs, n)`` portfolios after them.

    """
    first = portfolio[0]
    probe = _step_events(driver, first, step)
    if probe.portfolio is first:  # no commitment: every run's state stands
        return probe, portfolio
    held = np.unique(portfolio)
    if len(portfolio) <= len(held):
        after = [probe.portfolio] + [_step_events(driver, state, step).portfolio for state in portfolio[1:]]
        return probe, np.stack(after)
    n = portfolio.shape[1]
    lookup = np.empty((n, len(driver.params.portfolios)), dtype=np.int64)
    for value in held.tolist():
        probe = _step_events(driver, np.full(n, value, dtype=np.int64), step)
        lookup[:, value] = probe.portfolio
    return probe, lookup[np.arange(n)[None, :], portfolio]


def _step_events(driver: CoalitionModel, portfolio: np.ndarray, step: int) -> CoalitionModel:
    """A copy of the driver holding ``portfolio``, after the model's own events of ``step``."""
    probe = driver.fork()
    probe.portfolio = portfolio
    probe.steps = step
    probe.apply_events(step)  # the model's own event code, reused as is
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
