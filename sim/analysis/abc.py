"""Calibrate the simulation itself: approximate Bayesian computation (ABC-SMC) with pyabc.

The model is stochastic and has no likelihood in closed form, so its unobserved magnitudes
(entry costs, lever sizes, the logit temperature, weights, the activation rate, ...) are
estimated by simulating it (Toni et al. 2009, "Approximate Bayesian computation scheme for
parameter inference and model selection in dynamical systems", J. R. Soc. Interface 6:
187-202; the implementation is pyabc, Schaelte et al. 2022, Bioinformatics 38: 4543).

What is compared. Each observation the model can reproduce is a :class:`Target`: a
statistic of the simulated state at a dated step, with the observed value and a
``tolerance`` (how far off counts as one unit of misfit, e.g. a quarter of an uncertainty
range). Two statistics exist:

* ``count``: how many countries hold the framework at that step (e.g. WAICO's 29
  founding states at step 12);
* ``coverage``: the share of a named set of countries that hold it (e.g. the share of the
  states observed to have expressed support by then).

A particle (one draw of the parameters) is run with its own seed up to the latest target
step, and its distance to the data is the root of the summed squared misfits,
``sqrt(sum_t ((simulated_t - observed_t) / tolerance_t) ** 2)``. ABC-SMC accepts particles
under a falling sequence of thresholds (the median distance of the previous population),
each population proposed from the last by a multivariate normal kernel; the final weighted
population approximates the posterior.

What the answer holds. :class:`Posterior` has the weighted draws of the last population,
each generation's threshold and number of simulations, and for each parameter how much the
data narrowed it (the posterior's 90% width over the prior's): a parameter whose width
barely shrinks is not identified by these observations, and is reported as such. The
point a calibrated scenario sets is the posterior's medoid (:func:`point_estimate`).

The whole run is kept in pyabc's SQLite database, so an interrupted calibration resumes
where it stopped (:func:`calibrate`, ``resume=True``).

Many runs at once. The posterior predictive check runs its draws and seeds through
:func:`simulate_runs`, as :func:`sim.run_many` ensembles (about twice
as fast, the same numbers). ABC-SMC's particles are simulated one at a time: each is a
scenario of its own, and building its model and its parameters at each launch, paid per
scenario in an ensemble too, is most of a particle's run: 100 particles run as one
ensemble took 85 to 90% of their time one by one, and batches of particles (replaying
pyabc's random stream to keep its populations) measured no faster (benchmarks/README.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from sim.ensemble import run_many
from sim.errors import ARGUMENTS, InputError, did_you_mean
from sim.files import read_bytes, read_csv_table, read_json, read_yaml_mapping
from sim.model import CoalitionModel
from sim.observations import POSITIVE_KINDS, load_observations
from sim.scenario import Scenario, load_scenario
from sim.schema import (
    MAX_RUNS_IN_MEMORY,
    NonNegative,
    Positive,
    Share,
    StrictModel,
    check_whole,
    inconsistent,
    translate,
    validate,
)
from sim.utility import enumerate_portfolios
from sim.world import World

#: The statistics a target can ask for.
Statistic = Literal["count", "coverage"]

#: Share of the prior's 90% width above which a parameter counts as not identified.
NOT_IDENTIFIED_WIDTH = 0.8

#: How far a scenario's value of a calibrated parameter may lie from its posterior's point
#: (:meth:`Posterior.check_point`), as a share of the prior's range: the rounding of a value
#: copied into a file (four significant digits) stays well inside.
POINT_TOLERANCE = 1e-3

#: The largest calibration seed (a spec's ``seed``; pyabc's samplers take 32-bit seeds).
MAX_CALIBRATION_SEED = 2**31 - 1

#: How far outside its prior's bounds a stored draw may lie, as a share of the prior's
#: range: a value's round trip through posterior.csv, not a draw from elsewhere.
BOUNDS_TOLERANCE = 1e-9


class PriorBounds(StrictModel):
    """A uniform prior's bounds, as a calibration spec gives them (``priors.<path>``).

    The one home of a prior's rules: finite bounds, ``low < high``, and positive bounds on
    a log scale. :class:`Prior` adds the parameter's path.

    Attributes:
        low: Lower bound.
        high: Upper bound.
        log: Uniform on the logarithm (for scale parameters spanning orders of magnitude).

    """

    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    log: bool = Field(default=False, strict=True)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low < self.high:
            raise inconsistent("high", f"a bound above low ({self.low:g})", f"{self.high:g}")
        if self.log and self.low <= 0:
            raise inconsistent("low", "a bound above 0 for a log-uniform prior", f"{self.low:g}")
        return self


class Prior(PriorBounds):
    """A uniform prior on one scenario parameter (the bounds and rules of :class:`PriorBounds`).

    Attributes:
        path: The parameter's dotted path, as ``--set`` takes it (``rule.temperature``).

    """

    path: str

    def __init__(self, path: str, low: float, high: float, log: bool = False) -> None:
        """Check the bounds (:class:`PriorBounds`).

        Raises:
            InputError: For bounds that break a rule, naming the prior's path.

        """
        _construct(super().__init__, type(self), f"priors.{path}", path=path, low=low, high=high, log=log)

    def to_internal(self, value: float) -> float:
        """The value on the scale the prior is uniform on."""
        return float(np.log(value)) if self.log else float(value)

    def from_internal(self, value: float) -> float:
        """The parameter value of a point on the prior's uniform scale."""
        return float(np.exp(value)) if self.log else float(value)


def _construct(init: Callable[..., None], model: type[StrictModel], where: str, **values: Any) -> None:
    """Run a schema model's constructor, turning its first error into an :class:`InputError`."""
    try:
        init(**values)
    except ValidationError as exc:
        raise translate(exc.errors()[0], model, where) from None


@dataclass(frozen=True)
class Target:
    """One observed pattern the simulation is compared with.

    Attributes:
        name: A short id (e.g. the observation id).
        framework: The framework id.
        step: The model step the observation refers to.
        statistic: ``"count"`` of members or ``"coverage"`` of ``countries``.
        observed: The observed value (a count, or a share in [0, 1]).
        tolerance: One unit of misfit, in the statistic's units (> 0).
        countries: The countries a ``coverage`` target is about.

    """

    name: str
    framework: str
    step: int
    statistic: Statistic
    observed: float
    tolerance: float
    countries: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.statistic not in ("count", "coverage"):
            raise InputError("targets", self.name, "statistic 'count' or 'coverage'", repr(self.statistic))
        if not (np.isfinite(self.tolerance) and self.tolerance > 0):
            raise InputError("targets", self.name, "a finite tolerance above 0", str(self.tolerance))
        if self.step < 0:
            raise InputError("targets", self.name, "a step of at least 0", str(self.step))
        if self.statistic == "coverage" and not self.countries:
            raise InputError("targets", self.name, "the countries a coverage target is about", "none")


def check_targets(scenario: Scenario, world: World, targets: Sequence[Target]) -> None:
    """Check targets against a scenario and world before any simulation.

    Raises:
        InputError: If a target names a framework the scenario does not run, a step
            before the framework opens or beyond the horizon, or a country the world lacks.

    """
    if not targets:
        raise InputError("targets", "", "at least one target", "none")
    for target in targets:
        if target.framework not in scenario.active_frameworks:
            raise InputError(
                "targets", target.name, f"one of the scenario's frameworks {scenario.active_frameworks}",
                repr(target.framework),
            )  # fmt: skip
        if target.step > scenario.steps:
            raise InputError("targets", target.name, f"a step within 0..{scenario.steps}", str(target.step))
        launch = min(
            [scenario.frameworks[target.framework].launch_step]
            + [event.step for event in scenario.events if event.launch == target.framework]
        )
        if target.step < launch:
            raise InputError(
                "targets", target.name,
                f"a step from {launch}, when '{target.framework}' opens (before it, no choice is made "
                "and the target measures nothing the parameters change)", str(target.step),
                "Give the target a step of its own (e.g. the date the observation refers to).",
            )  # fmt: skip
        unknown = [code for code in target.countries if code not in world.index]
        if unknown:
            raise InputError("targets", target.name, "ISO3 codes of the world's countries", str(unknown))


def simulate_statistics(
    scenario: Scenario, world: World, targets: Sequence[Target], seed: int
) -> dict[str, float]:
    """Run one simulation up to the last target step and measure every target.

    One model, stepped as :func:`sim.run` steps it (a single run gains nothing in an
    ensemble; :func:`simulate_runs` runs many).

    Args:
        scenario: The scenario with this particle's parameters.
        world: The world.
        targets: What to measure.
        seed: The run's seed.

    Returns:
        Each target's simulated value, by target name.

    """
    history = _history(scenario, world, seed, max(t.step for t in targets))
    return _measured(scenario, world, targets, [history])[0]


def simulate_runs(
    scenario: Scenario,
    world: World,
    targets: Sequence[Target],
    runs: Sequence[tuple[Mapping[str, float], int]],
) -> list[dict[str, float]]:
    """Run many simulations up to the last target step and measure every target in each.

    The runs go through :func:`sim.run_many` (as few vectorised ensembles as their
    structure allows), so run ``i`` measures what a :class:`CoalitionModel` of
    ``scenario.with_overrides(runs[i][0])`` with seed ``runs[i][1]``, stepped to each
    target's step, would hold; scenarios with sponsors run one model per run.

    Args:
        scenario: The base scenario.
        world: The world.
        targets: What to measure.
        runs: Each run's parameter values (dotted path -> value) and seed.

    Returns:
        Per run, each target's simulated value, by target name.

    """
    last = max(t.step for t in targets)
    if any(fid in scenario.active_frameworks for fid in scenario.sponsors):
        histories = (_history(scenario.with_overrides(values), world, seed, last) for values, seed in runs)
    else:
        histories = _ensemble_histories(scenario, world, runs, max(last, 1))
    return _measured(scenario, world, targets, histories)


def _measured(
    scenario: Scenario, world: World, targets: Sequence[Target], histories: Iterable[np.ndarray]
) -> list[dict[str, float]]:
    """Each target's value in each run's ``(steps + 1, n)`` history of portfolio indices."""
    ids = list(scenario.active_frameworks)
    portfolios = enumerate_portfolios(tuple(ids), scenario.compatibility.exclusive)
    rows = {t.name: np.array([world.index[c] for c in t.countries], dtype=np.int64) for t in targets}
    measured = []
    for history in histories:
        values = {}
        for target in targets:
            column = portfolios[history[target.step], ids.index(target.framework)]
            if target.statistic == "count":
                values[target.name] = float(column.sum())
            else:
                values[target.name] = float(column[rows[target.name]].mean())
        measured.append(values)
    return measured


#: Runs per :func:`sim.run_many` call of :func:`simulate_runs` (each distinct scenario
#: holds a model until its call's runs are measured).
RUNS_PER_ENSEMBLE = 256


def _ensemble_histories(
    scenario: Scenario, world: World, runs: Sequence[tuple[Mapping[str, float], int]], steps: int
) -> Iterator[np.ndarray]:
    """``(steps + 1, n)`` portfolio indices of each run, :data:`RUNS_PER_ENSEMBLE` per ensemble."""
    for start in range(0, len(runs), RUNS_PER_ENSEMBLE):
        chunk = runs[start : start + RUNS_PER_ENSEMBLE]
        results = run_many(
            scenario, [seed for _, seed in chunk], [values for values, _ in chunk], steps=steps, world=world
        )
        yield from (results.history(i) for i in range(len(chunk)))


def _history(scenario: Scenario, world: World, seed: int, steps: int) -> np.ndarray:
    """``(steps + 1, n)`` portfolio indices of one model run (a single run, or a sponsored scenario)."""
    model = CoalitionModel(scenario, world, rng=seed)
    for _ in range(steps):  # (Mesa's run_for warns about 0 steps: a target may be at step 0)
        model.step()
    return np.array(model.history)


def distance(simulated: Mapping[str, float], targets: Sequence[Target]) -> float:
    """Root of the summed squared misfits, each in units of its target's tolerance."""
    misfit = [(simulated[t.name] - t.observed) / t.tolerance for t in targets]
    return float(np.sqrt(np.sum(np.square(misfit))))


class BudgetLimits(StrictModel):
    """A budget as a calibration spec gives it (``budget``, ``quick_budget``): the one home of its rules.

    Attributes:
        population: Particles per generation.
        generations: Most generations to run.
        min_epsilon: Stop once the threshold falls to this distance.
        max_simulations: Stop once this many simulations have run in all.

    """

    population: int = Field(default=200, ge=2, le=100_000, strict=True)
    generations: int = Field(default=8, ge=1, le=100, strict=True)
    min_epsilon: NonNegative = 0.5
    max_simulations: int = Field(default=40_000, ge=1, le=10_000_000, strict=True)


class Budget(BudgetLimits):
    """How much simulation a calibration may spend (the fields of :class:`BudgetLimits`)."""

    def __init__(self, **values: Any) -> None:
        """Check the values.

        Raises:
            InputError: For a value out of its range, naming the field.

        """
        _construct(super().__init__, type(self), "budget", **values)


#: The budget :func:`calibrate` spends unless told otherwise.
DEFAULT_BUDGET = Budget()


@dataclass(frozen=True, eq=False)
class Posterior:
    """The result of an ABC-SMC calibration.

    Attributes:
        priors: The priors, in order.
        targets: The targets.
        draws: One row per particle of the last population: a column per parameter path
            (on the parameter's own scale) and ``weight`` (summing to 1).
        generations: One row per generation: ``t``, ``epsilon``, ``samples`` (simulations
            run), ``particles``.
        scenario: The calibrated scenario's name.
        seed: The seed the calibration ran with.

    """

    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    draws: pd.DataFrame
    generations: pd.DataFrame
    scenario: str
    seed: int

    @property
    def paths(self) -> list[str]:
        """The calibrated parameters' dotted paths."""
        return [prior.path for prior in self.priors]

    def quantiles(self, q: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Weighted quantiles of each parameter (rows: parameters; columns: q)."""
        weights = self.draws["weight"].to_numpy()
        rows = {
            path: [_weighted_quantile(self.draws[path].to_numpy(), weights, p) for p in q]
            for path in self.paths
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(q))

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective sample size of the weighted particles, ``1 / sum(w^2)``.

        With weights summing to 1: the number of equally weighted particles holding as much
        information. Far below the population, a few particles carry the posterior and its
        intervals.
        """
        weights = self.draws["weight"].to_numpy(float)
        weights = weights / weights.sum()
        return float(1.0 / np.sum(weights**2))

    def median(self) -> dict[str, float]:
        """The weighted posterior median of each parameter."""
        return {path: float(value) for path, value in self.quantiles((0.5,))[0.5].items()}

    def identification(self) -> pd.DataFrame:
        """How much the data narrowed each parameter.

        Returns:
            One row per parameter: prior bounds, posterior 5%/50%/95%, ``width_ratio``
            (posterior 90% width over the prior's, measured on the prior's uniform scale)
            and ``identified`` (the ratio is below :data:`NOT_IDENTIFIED_WIDTH`).

        """
        table = self.quantiles()
        rows = []
        for prior in self.priors:
            low, mid, high = (float(table.loc[prior.path, q]) for q in (0.05, 0.5, 0.95))
            prior_width = 0.9 * (prior.to_internal(prior.high) - prior.to_internal(prior.low))
            ratio = (prior.to_internal(high) - prior.to_internal(low)) / prior_width
            rows.append({
                "parameter": prior.path, "prior_low": prior.low, "prior_high": prior.high,
                "log_scale": prior.log, "q05": low, "median": mid, "q95": high,
                "width_ratio": ratio, "identified": ratio < NOT_IDENTIFIED_WIDTH,
            })  # fmt: skip
        return pd.DataFrame(rows)

    def sample(self, n: int, rng: np.random.Generator) -> list[dict[str, float]]:
        """Draw ``n`` parameter sets from the weighted population (with replacement, by weight).

        Weights need not sum to 1 exactly (a posterior.csv rounded or edited by hand): they
        are normalised first.
        """
        weights = self.draws["weight"].to_numpy(float)
        picks = rng.choice(len(self.draws), size=n, p=weights / weights.sum())
        return [{path: float(self.draws[path].iat[i]) for path in self.paths} for i in picks]

    def save(self, folder: Path) -> dict[str, bytes]:
        """The files that hold this posterior, by name (for an atomic folder writer)."""
        meta = {
            "scenario": self.scenario,
            "seed": self.seed,
            "priors": [prior.model_dump() for prior in self.priors],
            "targets": [asdict(target) for target in self.targets],
        }
        return {
            "posterior.csv": self.draws.to_csv(index=False, float_format="%.10g").encode(),
            "generations.csv": self.generations.to_csv(index=False).encode(),
            "identification.csv": self.identification().to_csv(index=False, float_format="%.6g").encode(),
            "calibration.json": (json.dumps(meta, indent=2) + "\n").encode(),
        }

    @classmethod
    def load(cls, folder: str | Path) -> Posterior:
        """Read a posterior written from :meth:`save` (a ``coalsim calibrate`` folder).

        Args:
            folder: The calibration folder: ``calibration.json`` (scenario, seed, priors,
                targets), ``posterior.csv`` (a column per prior's path and ``weight``) and
                ``generations.csv``.

        Returns:
            The posterior.

        Raises:
            InputError: Naming the file and field that is missing or malformed: no such
                folder or file, a file that is not JSON or CSV, a prior or target without
                its fields, a parameter column missing or not finite, weights that are
                negative, not finite or sum to 0.

        """
        root = Path(folder)
        expected = "a calibration folder written by coalsim calibrate (calibration.json, posterior.csv, ...)"
        if not root.is_dir():
            raise InputError(str(root), "", expected, "no such folder")
        meta_file = root / "calibration.json"
        try:
            meta = read_json(meta_file)
        except FileNotFoundError:
            raise InputError(str(meta_file), "", "the calibration's description", "no such file") from None
        except (OSError, ValueError) as exc:
            raise InputError(str(meta_file), "", "a JSON object", f"{type(exc).__name__}: {exc}") from None
        if not isinstance(meta, dict):
            raise InputError(str(meta_file), "", "a JSON object", type(meta).__name__)
        priors = _load_items(meta, "priors", Prior, meta_file)
        paths = [prior.path for prior in priors]
        repeated = next((path for path in paths if paths.count(path) > 1), None)
        if repeated is not None:
            raise InputError(str(meta_file), "priors", "each calibrated parameter once",
                             f"'{repeated}' {paths.count(repeated)} times")  # fmt: skip
        targets = _load_items(meta, "targets", Target, meta_file)
        if not isinstance(meta.get("scenario"), str):
            raise InputError(str(meta_file), "scenario", "a str", repr(meta.get("scenario")))
        check_whole(meta.get("seed"), 0, MAX_CALIBRATION_SEED, str(meta_file), "seed")
        draws = _read_csv(root / "posterior.csv")
        _check_draws(draws, priors, root / "posterior.csv")
        generations = _read_csv(root / "generations.csv")
        return cls(priors, targets, draws, generations, meta["scenario"], meta["seed"])

    def check_scenario(self, scenario: Scenario, where: str = "posterior") -> None:
        """Check that every calibrated parameter is one of ``scenario``'s.

        Args:
            scenario: The scenario the draws will be applied to.
            where: The posterior's name in messages (its folder).

        Raises:
            InputError: Naming the first parameter path the scenario does not have.

        """
        known = scenario.parameters()
        for path in self.paths:
            if path not in known:
                raise InputError(
                    where, f"priors.{path}", f"a parameter of scenario '{scenario.name}' (coalsim params)",
                    f"'{path}', which it does not have", did_you_mean(path, known),
                )  # fmt: skip

    def check_point(self, scenario: Scenario, where: str, folder: str) -> None:
        """Check that a scenario naming this posterior sets each calibrated parameter to its point.

        A scenario that names its posterior (its ``posterior`` field) runs over the draws
        by default, and the draws replace the calibrated parameters: a file setting one of
        them to another value (a variant changing an entry cost, or a scenario not updated
        after a recalibration) would see its value silently ignored. Each value is compared
        with the posterior's point (:func:`point_estimate`) as a share of the prior's range,
        on the prior's uniform scale, within :data:`POINT_TOLERANCE`.

        Args:
            scenario: The scenario.
            where: The scenario's file, for messages.
            folder: This posterior's folder, for messages.

        Raises:
            InputError: Naming the first parameter the scenario sets elsewhere, or one it
                does not have (:meth:`check_scenario`).

        """
        self.check_scenario(scenario, folder)
        point = point_estimate(self)
        values = scenario.parameters()
        for prior in self.priors:
            value = float(values[prior.path])
            span = prior.to_internal(prior.high) - prior.to_internal(prior.low)
            within = value > 0 or not prior.log  # a log prior has no scale at 0 or below
            gap = abs(prior.to_internal(value) - prior.to_internal(point[prior.path])) if within else np.inf
            if gap > POINT_TOLERANCE * span:
                raise InputError(
                    where, prior.path,
                    f"{point[prior.path]:.6g}, the calibrated point of the posterior the scenario names "
                    f"({folder}), whose draws replace it",
                    f"{value:g}",
                    "Set the calibrated value, or 'posterior: null' to run the value you set at the point.",
                )  # fmt: skip


def _load_items(meta: Mapping[str, Any], key: str, kind: type, where: Path) -> tuple[Any, ...]:
    """The priors or targets of a ``calibration.json``, each built and checked as ``kind``."""
    items = meta.get(key)
    if not isinstance(items, list) or not items:
        raise InputError(str(where), key, f"a non-empty list of {key}", repr(items))
    built = []
    for i, item in enumerate(items):
        try:
            if key == "targets":
                item = {**item, "countries": tuple(item.get("countries", ()))}
            built.append(kind(**item))
        except (TypeError, AttributeError) as exc:
            raise InputError(str(where), f"{key}.{i}", f"a {kind.__name__.lower()} with its fields",
                             f"{item!r} ({exc})") from None  # fmt: skip
        except InputError as exc:
            raise InputError(str(where), f"{key}.{i}", exc.expected, exc.found) from None
    return tuple(built)


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV table of a calibration folder, or an InputError naming the file."""
    try:
        return read_csv_table(path)
    except FileNotFoundError:
        raise InputError(str(path), "", "a file of the calibration folder", "no such file") from None
    except (OSError, ValueError) as exc:
        raise InputError(str(path), "", "a CSV table", f"{type(exc).__name__}: {exc}") from None


def _check_draws(draws: pd.DataFrame, priors: Sequence[Prior], where: Path) -> None:
    """Check a posterior table: a finite column per parameter, weights >= 0 summing above 0.

    Each parameter's values lie within its prior's bounds: every particle of the ABC does.
    """
    if draws.empty:
        raise InputError(str(where), "", "one row per particle", "no rows")
    bounds = {prior.path: prior for prior in priors}
    for column in [*bounds, "weight"]:
        if column not in draws.columns:
            raise InputError(str(where), column, "a column per calibrated parameter and 'weight'",
                             f"no such column (columns: {', '.join(map(str, draws.columns))})")  # fmt: skip
        if pd.api.types.is_bool_dtype(draws[column]):
            raise InputError(str(where), column, "finite numbers", "true/false values")
        values = pd.to_numeric(draws[column], errors="coerce").to_numpy(float)
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            found = f"{draws[column].iat[row]!r} in row {row + 1}"
            raise InputError(str(where), column, "finite numbers", found)
        prior = bounds.get(column)
        if prior is not None:
            slack = BOUNDS_TOLERANCE * (prior.high - prior.low)
            outside = (values < prior.low - slack) | (values > prior.high + slack)
            if outside.any():
                row = int(np.flatnonzero(outside)[0])
                expected = f"values within the prior's bounds, {prior.low:g} to {prior.high:g}"
                raise InputError(str(where), column, expected, f"{values[row]:g} in row {row + 1}")
    weights = draws["weight"].to_numpy(float)
    with np.errstate(over="ignore"):  # a sum that overflows leaves no probabilities: refused below
        total = weights.sum()
    if (weights < 0).any() or not 0 < total < np.inf:
        found = f"weights from {weights.min():g} to {weights.max():g}, sum {total:g}"
        raise InputError(str(where), "weight", "non-negative weights with a positive, finite sum", found)


def load_draws(
    folder: str | Path, scenario: Scenario, k: int, seed: int
) -> tuple[Posterior, list[dict[str, float]]]:
    """Load a stored posterior and draw ``k`` weighted parameter sets for a scenario.

    The one place the faces (``coalsim run``, ``coalsim score``) get posterior draws:
    :meth:`Posterior.load`, :meth:`Posterior.check_scenario`, then :meth:`Posterior.sample`
    with a generator seeded by ``seed`` (the same seed gives the same draws), each set
    checked as overrides of ``scenario``.

    Args:
        folder: A calibration folder (``coalsim calibrate --out``).
        scenario: The scenario the draws override.
        k: How many parameter sets (with replacement, by weight), at least 1.
        seed: Seeds the draws.

    Returns:
        The posterior and the ``k`` parameter sets (dotted path -> value).

    Raises:
        InputError: If the folder is not a readable posterior, the scenario lacks one of its
            parameters, a drawn value is invalid for the scenario, or ``k`` is not from 1 to
            :data:`sim.schema.MAX_RUNS_IN_MEMORY`.

    """
    check_whole(k, 1, MAX_RUNS_IN_MEMORY, ARGUMENTS, "k")
    posterior = Posterior.load(folder)
    posterior.check_scenario(scenario, str(Path(folder) / "calibration.json"))
    draws = posterior.sample(k, np.random.default_rng(seed))
    table = str(Path(folder) / "posterior.csv")
    for values in {tuple(d.items()): d for d in draws}.values():
        try:
            scenario.with_overrides(values)
        except InputError as exc:
            raise InputError(table, exc.field, exc.expected, exc.found) from None
    return posterior, draws


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of a weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def calibrate(
    scenario: Scenario,
    priors: Sequence[Prior],
    targets: Sequence[Target],
    database: Path,
    *,
    budget: Budget = DEFAULT_BUDGET,
    seed: int = 0,
    world: World | None = None,
    resume: bool = False,
    workers: int = 1,
    progress: bool = False,
) -> Posterior:
    """Calibrate a scenario's parameters to observed targets by ABC-SMC.

    Args:
        scenario: The scenario; its other parameters stay as they are.
        priors: The parameters to estimate, with their priors.
        targets: The observations to reproduce.
        database: pyabc's SQLite file; kept, so that ``resume`` can continue a run.
        budget: Population size, generations and stopping rules.
        seed: Seeds pyabc's proposals and each particle's simulation (a run with one
            worker is reproducible; with more, particles finish in a varying order).
        world: The world; the shipped countries when omitted.
        resume: Continue the calibration stored in ``database`` (same priors and targets)
            instead of starting anew; with nothing stored, start anew.
        workers: Processes simulating particles (pyabc's multicore sampler when > 1).
        progress: Show pyabc's progress bar for each generation.

    Returns:
        The posterior.

    Raises:
        InputError: If a prior names an unknown parameter or a value outside its range,
            a target does not fit the scenario, or ``database`` holds another calibration.

    """
    import pyabc  # the 'calibration' extra

    world = world if world is not None else World.load()
    priors, targets = tuple(priors), tuple(targets)
    check_targets(scenario, world, targets)
    names = [f"p{i}" for i in range(len(priors))]
    for prior in priors:  # both ends must be valid values of the parameter
        scenario.with_overrides({prior.path: prior.low}).with_overrides({prior.path: prior.high})

    def model(particle: Mapping[str, float]) -> dict[str, float]:
        values = {p.path: p.from_internal(particle[name]) for p, name in zip(priors, names, strict=True)}
        run_seed = int(np.random.randint(0, 2**31 - 1))  # pyabc's own (seeded) stream
        return simulate_statistics(scenario.with_overrides(values), world, targets, run_seed)

    prior_distribution = pyabc.Distribution(**{
        name: pyabc.RV("uniform", p.to_internal(p.low), p.to_internal(p.high) - p.to_internal(p.low))
        for p, name in zip(priors, names, strict=True)
    })  # fmt: skip
    sampler = (
        pyabc.sampler.SingleCoreSampler(check_max_eval=False)
        if workers <= 1
        else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    )
    sampler.show_progress = progress
    logging.getLogger("ABC").setLevel(logging.WARNING)
    np.random.seed(seed)
    abc = pyabc.ABCSMC(
        model, prior_distribution, lambda x, _: distance(x, targets),
        population_size=budget.population, sampler=sampler, eps=_shrinking_median(pyabc),
        # Each particle's own neighbourhood shapes its kernel: one global Gaussian kernel left
        # the shipped posterior's weight on a few particles (effective sample size 8 of 200).
        transitions=pyabc.LocalTransition(k_fraction=0.25),
    )  # fmt: skip
    database = Path(database)
    signature_file = database.with_name(database.name + ".signature.json")
    signature = _signature(scenario, priors, targets, budget, seed)
    url = f"sqlite:///{database.resolve()}"
    if resume and _resumable(database, signature_file, signature):
        abc.load(url, 1)
        done = abc.history.max_t + 1
    else:
        database.unlink(missing_ok=True)
        signature_file.write_text(signature + "\n", encoding="utf-8")
        abc.new(url, {t.name: t.observed for t in targets})
        done = 0
    history = abc.history
    if done < budget.generations:
        history = abc.run(
            minimum_epsilon=budget.min_epsilon,
            max_nr_populations=budget.generations - done,
            max_total_nr_simulations=budget.max_simulations,
        )
    frame, weights = history.get_distribution(t=history.max_t)
    draws = pd.DataFrame(
        {p.path: [p.from_internal(v) for v in frame[name]] for p, name in zip(priors, names, strict=True)}
    )
    draws["weight"] = weights / weights.sum()
    populations = history.get_all_populations()
    generations = populations[populations["t"] >= 0][["t", "epsilon", "samples", "particles"]].reset_index(
        drop=True
    )
    return Posterior(priors, targets, draws, generations, scenario.name, seed)


#: Each generation's threshold is at most this fraction of the last one's.
EPSILON_SHRINK = 0.9


def _shrinking_median(pyabc: Any) -> Any:
    """Pyabc's median threshold, forced to fall by :data:`EPSILON_SHRINK` each generation.

    Member counts are integers and often tie: when more than half of a population has the
    same distance (say, every particle that gives no members at all), the median of the
    distances equals the threshold that admitted them and ABC-SMC stops moving. Capping each
    threshold at a fraction of the last one keeps it falling; the acceptance rate then shows
    what that costs, and the budget's ``max_simulations`` bounds it.
    """

    class ShrinkingMedianEpsilon(pyabc.epsilon.QuantileEpsilon):
        def _update(self, t: int, weighted_distances: pd.DataFrame) -> None:
            super()._update(t, weighted_distances)
            previous = self._look_up.get(t - 1)
            if previous is not None and np.isfinite(previous):
                self._look_up[t] = min(self._look_up[t], EPSILON_SHRINK * previous)

    return ShrinkingMedianEpsilon(alpha=0.5)


#: How every signature file :func:`calibrate` writes begins (its keys are sorted): the mark
#: by which a file of that name is known to be coalsim's, and may be replaced.
SIGNATURE_MARK = b'{"population": '


def _signature(
    scenario: Scenario, priors: Sequence[Prior], targets: Sequence[Target], budget: Budget, seed: int
) -> str:
    """What a stored calibration must match to be resumed (the budget's length may grow)."""
    content = {
        "scenario": scenario.digest(),
        "priors": [p.model_dump() for p in priors],
        "targets": [asdict(t) for t in targets],
        "population": budget.population,
        "seed": seed,
    }
    return json.dumps(content, sort_keys=True)


def _resumable(database: Path, signature_file: Path, signature: str) -> bool:
    """Whether ``database`` holds a calibration of the same problem (False when it holds none).

    Raises:
        InputError: If it holds a calibration of another scenario, priors, targets,
            population or seed, which resuming would silently mix in.

    """
    if not database.is_file():
        return False
    try:
        stored = read_bytes(signature_file, len(signature) + 2).decode("utf-8").strip()
    except (OSError, ValueError):  # missing, a folder or pipe, longer than a signature, not text
        stored = None
    if stored != signature:
        raise InputError(
            str(database), "",
            "a calibration of the same scenario, priors, targets, population and seed to resume",
            "a calibration of something else (or one without its signature file)",
            "Start anew without resuming, or write into another folder.",
        )  # fmt: skip
    problem = database_problem(database)
    if problem is not None:
        raise InputError(str(database), "", "a calibration database pyabc can resume", problem,
                         "Start anew without resuming, or write into another folder.")  # fmt: skip
    return True


def database_problem(database: Path) -> str | None:
    """Why a calibration's database cannot be resumed (damaged, cut short, not pyabc's), or None.

    Opened read-only and checked before pyabc opens it: a file of other bytes, one cut short
    or an SQLite database of another program ended in pyabc's and SQLAlchemy's own errors.

    Args:
        database: The SQLite file (``abc.db``).

    Returns:
        What is wrong, for a message; ``None`` for a database pyabc can resume.

    """
    import sqlite3
    from contextlib import closing

    from pyabc.storage.version import __db_version__

    try:
        with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
                return "a damaged SQLite database"
            listed = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = {row[0] for row in listed}
            if not {"version", "abc_smc", "populations"} <= tables:
                return "an SQLite database without pyabc's tables"
            version = connection.execute("SELECT version_num FROM version").fetchone()
            started = connection.execute("SELECT COUNT(*) FROM abc_smc WHERE id = 1").fetchone()
    except sqlite3.Error as exc:
        return f"no readable SQLite database ({exc})"
    if version is None or version[0] != str(__db_version__):
        return f"a pyabc database of format {version[0] if version else 'unknown'}, not {__db_version__}"
    if started == (0,):
        return "a pyabc database without a calibration"
    return None


def posterior_predictive(
    scenario: Scenario,
    posterior: Posterior,
    *,
    draws: int = 50,
    seed: int = 0,
    world: World | None = None,
    targets: Sequence[Target] | None = None,
    on_run: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """Simulate the targets under parameters drawn from the posterior.

    Args:
        scenario: The scenario the posterior was fitted on.
        posterior: The posterior.
        draws: How many parameter sets to draw (each run with its own seed).
        seed: Seeds the draws and the runs.
        world: The world; the shipped countries when omitted.
        targets: What to measure; the posterior's own targets when omitted (pass others
            to check observations that were held out of the fit).
        on_run: Called once per run as its batch of :data:`PREDICTIVE_BATCH` draws
            (simulated as one ensemble) finishes (for a progress bar).

    Returns:
        One row per draw and target: ``draw``, ``target``, ``framework``, ``step``,
        ``statistic``, ``simulated``, ``observed``, ``tolerance``.

    """
    world = world if world is not None else World.load()
    targets = tuple(targets if targets is not None else posterior.targets)
    check_targets(scenario, world, targets)
    rng = np.random.default_rng(seed)
    picked = posterior.sample(draws, rng)
    runs = [(values, int(rng.integers(2**31))) for values in picked]
    rows = []
    for start in range(0, len(runs), PREDICTIVE_BATCH):
        batch = runs[start : start + PREDICTIVE_BATCH]
        for i, simulated in enumerate(simulate_runs(scenario, world, targets, batch), start):
            rows.extend(
                {"draw": i, "target": t.name, "framework": t.framework, "step": t.step,
                 "statistic": t.statistic, "simulated": simulated[t.name], "observed": t.observed,
                 "tolerance": t.tolerance}
                for t in targets
            )  # fmt: skip
            if on_run is not None:
                on_run()
    return pd.DataFrame(rows)


#: Posterior draws simulated in one ensemble by :func:`posterior_predictive` (progress
#: is reported after each batch).
PREDICTIVE_BATCH = 50


def predictive_summary(predictive: pd.DataFrame) -> pd.DataFrame:
    """Per target: observed value, simulated median and 90% interval, and whether it covers it."""
    grouped = predictive.groupby("target", sort=False)
    table = grouped.agg(
        framework=("framework", "first"), step=("step", "first"), statistic=("statistic", "first"),
        observed=("observed", "first"),
        q05=("simulated", lambda s: s.quantile(0.05)), median=("simulated", "median"),
        q95=("simulated", lambda s: s.quantile(0.95)),
    )  # fmt: skip
    table["covered"] = (table["q05"] <= table["observed"]) & (table["observed"] <= table["q95"])
    return table.reset_index()


#: The columns of ``predictive_summary.csv``, :func:`predictive_summary`'s table.
PREDICTIVE_COLUMNS = (
    "target", "framework", "step", "statistic", "observed", "q05", "median", "q95", "covered",
)  # fmt: skip


def load_predictive_summary(folder: str | Path) -> pd.DataFrame:
    """The posterior predictive check a ``coalsim calibrate`` folder holds (``predictive_summary.csv``).

    Args:
        folder: The calibration folder.

    Returns:
        :func:`predictive_summary`'s table: per target, the observed value, the simulated
        median and 90% interval over the posterior draws, and whether it covers the value.

    Raises:
        InputError: If the file is missing, not a CSV table, or lacks one of
            :data:`PREDICTIVE_COLUMNS`.

    """
    path = Path(folder) / "predictive_summary.csv"
    table = _read_csv(path)
    missing = [column for column in PREDICTIVE_COLUMNS if column not in table.columns]
    if missing:
        raise InputError(str(path), missing[0], "a column of the predictive check", "no such column")
    return table


# -- calibration specs ----------------------------------------------------------------
class _TargetSpec(StrictModel):
    observation: str
    name: str | None = None
    step: int | None = Field(default=None, ge=0, strict=True)
    observed: Share | None = None
    tolerance: Positive | None = None
    exclude: tuple[str, ...] = ()


class _CalibrationSpec(StrictModel):
    scenario: str
    observations: str | None = None
    seed: int = Field(default=0, ge=0, le=MAX_CALIBRATION_SEED, strict=True)
    priors: dict[str, PriorBounds] = Field(min_length=1)
    targets: list[_TargetSpec] = Field(min_length=1)
    budget: BudgetLimits = BudgetLimits()
    quick_budget: BudgetLimits = BudgetLimits(
        population=30, generations=2, min_epsilon=0.0, max_simulations=2_000
    )


@dataclass(frozen=True, eq=False)
class CalibrationSpec:
    """A calibration problem read from a file: scenario, priors, targets and budgets.

    Attributes:
        source: The spec file.
        scenario: The scenario to calibrate (loaded and checked).
        scenario_path: Its file.
        priors: The priors.
        targets: The targets, built from the observations file.
        budget: The default budget.
        quick_budget: A small budget (CI, a first look).
        seed: The calibration's seed.

    """

    source: Path
    scenario: Scenario
    scenario_path: Path
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    budget: Budget
    quick_budget: Budget
    seed: int


def load_calibration_spec(path: str | Path, world: World | None = None) -> CalibrationSpec:
    """Read a calibration spec (YAML) and build its priors and targets from the observations.

    A target names an observation set of the observations file (``sim/data/observations.csv``
    unless the spec names another, relative to the spec): a ``member_count`` set becomes a
    ``count`` target (observed: its value; tolerance: a quarter of its low-high range unless
    given), any other set a ``coverage`` target over its countries of the kinds that count as
    support (:data:`sim.observations.POSITIVE_KINDS`), for which ``observed`` and ``tolerance``
    must be given: whether supporters went on to join is itself unobserved, so the spec says
    what share it assumes.

    Args:
        path: The spec file.
        world: The world; the shipped countries when omitted.

    Returns:
        The spec, with the scenario loaded and every target checked against it.

    Raises:
        InputError: For any problem, naming the file and the field.

    """
    path = Path(path)
    _, raw = read_yaml_mapping(path, "calibration spec", "calibration fields (scenario, priors, targets)")
    spec = validate(_CalibrationSpec, raw, str(path))
    world = world if world is not None else World.load()
    scenario_path = (path.parent / spec.scenario).resolve()
    scenario = load_scenario(scenario_path, world=world)
    where = str(path)
    priors = []
    for dotted, prior in spec.priors.items():
        if dotted not in scenario.parameters():
            raise InputError(where, f"priors.{dotted}", "a parameter of the scenario (see coalsim params)",
                             f"'{dotted}'")  # fmt: skip
        try:  # both ends must be values the parameter takes, named as the spec's mistake
            scenario.with_overrides({dotted: prior.low}).with_overrides({dotted: prior.high})
        except InputError as exc:
            hint = "A prior draws real numbers from low to high for a parameter that takes them."
            raise InputError(where, f"priors.{dotted}", exc.expected, exc.found, hint) from None
        priors.append(Prior(dotted, prior.low, prior.high, prior.log))  # bounds checked with the spec
    observations = load_observations(None if spec.observations is None else path.parent / spec.observations)
    targets = tuple(
        _target(item, observations, where, f"targets.{i}") for i, item in enumerate(spec.targets)
    )
    names = [t.name for t in targets]
    if len(set(names)) < len(names):
        raise InputError(where, "targets", "targets with distinct names", f"{names}")
    try:
        check_targets(scenario, world, targets)
    except InputError as exc:  # it names the target; the spec names its place in the file
        field = f"targets.{names.index(exc.field)}" if exc.field in names else "targets"
        raise InputError(where, field, exc.expected, exc.found, exc.hint) from None
    budget, quick = (Budget(**limits.model_dump()) for limits in (spec.budget, spec.quick_budget))
    return CalibrationSpec(path, scenario, scenario_path, tuple(priors), targets, budget, quick, spec.seed)


def _target(item: _TargetSpec, observations: pd.DataFrame, where: str, field: str) -> Target:
    """One target of a spec, built from its observation set."""
    rows = observations[observations["observation_id"] == item.observation]
    if rows.empty:
        known = sorted(set(observations["observation_id"]))
        raise InputError(where, f"{field}.observation", "an observation_id of the observations file",
                         f"'{item.observation}'", did_you_mean(item.observation, known))  # fmt: skip
    first = rows.iloc[0]
    framework, step = str(first["framework"]), int(item.step if item.step is not None else rows["step"].max())
    name = item.name or item.observation
    if first["kind"] == "member_count":
        low, high, value = float(first["low"]), float(first["high"]), float(first["value"])
        tolerance = item.tolerance if item.tolerance is not None else (high - low) / 4
        if not tolerance > 0:
            raise InputError(where, f"{field}.tolerance", "a tolerance (the count's range is a single value)",
                             "none")  # fmt: skip
        return Target(name, framework, step, "count", value, tolerance)
    members = rows[rows["kind"].isin(POSITIVE_KINDS)]["iso3"]
    strangers = [code for code in item.exclude if code not in set(members)]
    if strangers:
        expected = f"codes of countries observation '{item.observation}' lists"
        hint = did_you_mean(strangers[0], sorted(set(members)))
        raise InputError(where, f"{field}.exclude", expected, f"'{strangers[0]}'", hint)
    countries = tuple(sorted(set(members) - set(item.exclude)))
    if item.observed is None or item.tolerance is None:
        raise InputError(
            where, field, "'observed' (the share of these countries assumed to hold the framework) and "
            "'tolerance' for a list observation", "one of them missing",
        )  # fmt: skip
    if not countries:
        raise InputError(where, field, "an observation set naming supporting countries", "none left")
    return Target(name, framework, step, "coverage", item.observed, item.tolerance, countries)


def point_estimate(posterior: Posterior) -> dict[str, float]:
    """The posterior's medoid: the particle nearest, on weighted average, to all the others.

    Marginal medians of correlated parameters (an entry cost against the temperature, say)
    need not form a point the posterior favours, so the point a scenario file sets is one of
    the particles: the most central one, the weighted L1-median restricted to the particles,
    with each parameter measured on its prior's uniform scale (the logarithm for a
    log-uniform prior) as a share of the prior's range. An earlier rule (the particle whose
    runs came closest to the targets over 10 seeds) rewarded particles whose runs vary
    little, and chose the edge of the posterior: a temperature at its 5th percentile, whose
    forecasts were more confident than the posterior's.

    Args:
        posterior: The posterior.

    Returns:
        The medoid's values by parameter path.

    """
    draws = posterior.draws

    def share_of_prior(prior: Prior) -> np.ndarray:
        values = draws[prior.path].to_numpy(float)
        internal = np.log(values) if prior.log else values
        low, high = prior.to_internal(prior.low), prior.to_internal(prior.high)
        return (internal - low) / (high - low)

    scaled = np.column_stack([share_of_prior(prior) for prior in posterior.priors])
    weights = draws["weight"].to_numpy(float)
    spread = np.array([np.sqrt(((scaled - row) ** 2).sum(axis=1)) @ weights for row in scaled])
    best = int(np.argmin(spread))
    return {path: float(draws[path].iat[best]) for path in posterior.paths}


def calibrated_scenario_text(
    spec: CalibrationSpec, posterior: Posterior, extends: str, point: Mapping[str, float]
) -> str:
    """A scenario file that extends the calibrated one with a posterior point.

    Its header records what was fitted to what, each parameter's posterior median and 90%
    interval, the point set (:func:`point_estimate`), and which parameters the observations
    do not identify.

    Args:
        spec: The calibration spec.
        posterior: Its posterior.
        extends: The path of the base scenario, relative to where the file will live.
        point: The values to set, by parameter path.

    Returns:
        The YAML text (it loads with :func:`sim.load_scenario`).

    """
    table = posterior.identification()
    lines = [
        f"# Written by `coalsim calibrate` from {spec.source.name}: ABC-SMC (pyabc), "
        f"{len(posterior.generations)} generations of {len(posterior.draws)} particles, "
        f"seed {posterior.seed}.",
        "# Targets: " + "; ".join(
            f"{t.name} ({t.framework}, step {t.step}, {t.statistic} {t.observed:g} "
            f"+/- {t.tolerance:g})"
            for t in posterior.targets
        ),
        "# Set: the posterior's medoid, its most central particle (point_estimate).",
        "# Posterior median [90% interval] of each calibrated parameter, and the value set:",
        *(
            f"#   {row.parameter}: {row.median:.4g} [{row.q05:.4g}, {row.q95:.4g}], "
            f"set {point[row.parameter]:.4g}"
            + ("" if row.identified else "  NOT identified by these targets (the prior's range remains)")
            for row in table.itertuples()
        ),
        "# The posterior draws are in posterior.csv beside this file (`posterior: .`: coalsim run and",
        "# score go over them by default); rerun coalsim calibrate rather than editing.",
        f"extends: {extends}",
        f"name: {spec.scenario.name}_calibrated",
        "posterior: .",
    ]
    nested: dict[str, Any] = {}
    for path, value in point.items():
        node = nested
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = round(value, 6)
    return "\n".join(lines) + "\n" + yaml.safe_dump(nested, default_flow_style=False, sort_keys=False)


def report_lines(posterior: Posterior, predictive: pd.DataFrame) -> list[str]:
    """A plain-text report: the run, each parameter's posterior, and the predictive check.

    Args:
        posterior: The posterior.
        predictive: :func:`predictive_summary` of a posterior predictive run.

    Returns:
        The lines to print.

    """
    generations = posterior.generations
    lines = [
        f"ABC-SMC: {len(generations)} generations, {int(generations['samples'].sum())} simulations, "
        f"final threshold {generations['epsilon'].iloc[-1]:.3g} (distance in tolerance units); "
        f"effective sample size {posterior.effective_sample_size:.0f} of {len(posterior.draws)} particles.",
        "",
        f"{'parameter':34s} {'median':>9s} {'90% interval':>21s}  identified",
    ]
    for row in posterior.identification().itertuples():
        interval = f"[{row.q05:.3g}, {row.q95:.3g}]"
        verdict = "yes" if row.identified else f"NO (keeps {row.width_ratio:.0%} of the prior's width)"
        lines.append(f"{row.parameter:34s} {row.median:9.3g} {interval:>21s}  {verdict}")
    lines += ["", f"{'target':34s} {'observed':>9s} {'simulated median [90%]':>26s}  covered"]
    for row in predictive.itertuples():
        interval = f"{row.median:.3g} [{row.q05:.3g}, {row.q95:.3g}]"
        covered = "yes" if row.covered else "NO"
        lines.append(f"{row.target:34s} {row.observed:9.3g} {interval:>26s}  {covered}")
    return lines
