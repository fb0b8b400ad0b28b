"""Score the model against observed memberships, side by side with naive baselines.

The model's forecast for country i is the fraction of runs (seeds, times posterior draws
when given) in which i holds the framework at the scored step. Each naive baseline
forecasts the same countries from the same data without any dynamics:

* ``base_rate``: the share of observed members (its AUC is 0.5 by definition: out of fold,
  its constants would differ only by which members each fold holds);
* ``unga_usa_minus_chn``: a logit on UNGA agreement with the USA minus with China
  (``agree_usa_minus_chn_2019_2023``);
* ``gdp_per_capita``: a logit on log10 GDP per capita (North Korea, without GDP, gets the
  median);
* ``sco_brics``: a logit on SCO membership and BRICS membership or partnership;
* ``static_utility``: a logit on the model's own static utility components of the
  framework at step 0 (alignment, levers, penalties, costs: every component that varies
  across countries), i.e. the model without its dynamics.

Baselines are fitted, so they are scored **out of sample**: by stratified k-fold
cross-validation when fitted and scored on the same observation (:data:`FOLDS` folds,
members spread evenly over the folds, fixed assignment seed), or fitted on observations
up to a date and scored on later ones (:func:`score_temporal`). The logits carry a small
ridge penalty (:data:`RIDGE`, on standardised covariates, intercept free), so that a
perfectly separating covariate still gives finite forecasts.

Scores: AUC (the Mann-Whitney rank statistic, ties half), Brier score, and log loss with
probabilities clipped to ``[eps, 1 - eps]`` (:data:`EPS`; a frequency of 0 out of 10 runs
is not a certainty). Countries whose membership the scenario fixes (holding the
framework at step 0, or committed to it by an event up to the scored step) are left out:
the model does not forecast them.

The runs come from a ``runner``: ``runner(scenario, seeds, steps)`` returns a boolean
array ``(runs, countries, frameworks)`` of who holds what after ``steps`` steps
(frameworks in ``scenario.active_frameworks`` order). :func:`run_holds` runs
:func:`sim.run` once per seed; a faster ensemble engine can be passed instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from sim.analysis.calibration import auc  # one AUC (Mann-Whitney ranks, ties half) for both
from sim.ensemble import run_many
from sim.errors import ARGUMENTS, InputError, did_you_mean
from sim.experiment.spec import replication_seeds
from sim.model import CoalitionModel
from sim.observations import POSITIVE_KINDS
from sim.scenario import Scenario
from sim.utility import enumerate_portfolios
from sim.world import World

#: Probabilities are clipped to [EPS, 1 - EPS] for the log loss.
EPS = 1e-3

#: Cross-validation folds for baselines fitted and scored on the same observation.
FOLDS = 10

#: Ridge penalty on the standardised slopes of every baseline logit (intercept free).
RIDGE = 1.0

#: The naive baselines, in report order.
BASELINES = ("base_rate", "unga_usa_minus_chn", "gdp_per_capita", "sco_brics", "static_utility")

#: ``runner(scenario, seeds, steps)`` -> ``(runs, countries, frameworks)`` booleans.
Runner = Callable[[Scenario, Sequence[int], int], np.ndarray]


# -- metrics ---------------------------------------------------------------------------
def brier(observed: np.ndarray, forecast: np.ndarray) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes."""
    return float(np.mean((np.asarray(forecast, dtype=float) - np.asarray(observed, dtype=float)) ** 2))


def log_loss(observed: np.ndarray, forecast: np.ndarray, eps: float = EPS) -> float:
    """Mean negative log-likelihood (natural log), probabilities clipped to [eps, 1 - eps]."""
    p = np.clip(np.asarray(forecast, dtype=float), eps, 1 - eps)
    y = np.asarray(observed, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def metrics(observed: np.ndarray, forecast: np.ndarray, eps: float = EPS) -> dict[str, float]:
    """AUC, Brier score and log loss of one forecast."""
    return {"auc": auc(observed, forecast), "brier": brier(observed, forecast),
            "log_loss": log_loss(observed, forecast, eps)}  # fmt: skip


# -- baselines -------------------------------------------------------------------------
def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE) -> Callable[[np.ndarray], np.ndarray]:
    """Fit a ridge-penalised logit and return its forecast function.

    Covariates are standardised on the training rows (those constant there are dropped);
    the intercept is not penalised. The penalised log-likelihood is concave, so a
    trust-region Newton method finds its unique maximum.

    Args:
        x: ``(m, f)`` training covariates (``f`` may be 0: the base rate).
        y: ``(m,)`` training outcomes, 0 or 1.
        ridge: Penalty on the sum of squared standardised slopes.

    Returns:
        A function from ``(m', f)`` covariates to ``(m',)`` probabilities.

    """
    mean, sd = x.mean(axis=0), x.std(axis=0)
    keep = sd > 1e-12
    design = np.column_stack([np.ones(len(y)), (x[:, keep] - mean[keep]) / sd[keep]])
    penalty = np.diag([0.0] + [ridge] * int(keep.sum()))
    rate = np.clip(y.mean(), 0.5 / len(y), 1 - 0.5 / len(y))
    start = np.zeros(design.shape[1])
    start[0] = np.log(rate / (1 - rate))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = design @ theta
        value = -(y * log_expit(eta) + (1 - y) * log_expit(-eta)).sum() + theta @ penalty @ theta / 2
        return float(value), design.T @ (expit(eta) - y) + penalty @ theta

    def hessian(theta: np.ndarray) -> np.ndarray:
        p = expit(design @ theta)
        return design.T @ (design * (p * (1 - p))[:, None]) + penalty

    # Convex, with an analytic Hessian: a trust-region Newton method converges where a
    # plain Newton step overshoots (nearly separated binary covariates).
    theta = minimize(objective, start, jac=True, hess=hessian, method="trust-exact").x

    def forecast(new: np.ndarray) -> np.ndarray:
        return expit(np.column_stack([np.ones(len(new)), (new[:, keep] - mean[keep]) / sd[keep]]) @ theta)

    return forecast


def baseline_covariates(scenario: Scenario, world: World, framework: str) -> dict[str, np.ndarray]:
    """Each baseline's covariates for every country, ``(n, f)``.

    Args:
        scenario: The scenario (its static utilities feed ``static_utility``).
        world: The world.
        framework: The framework scored.

    Returns:
        Covariate matrices by baseline name, rows in ``world.iso3`` order.

    """
    table = world.table.reindex(world.iso3)
    gdp_pc = np.log10(table["gdp_per_capita_usd"].to_numpy(dtype=float))
    gdp_pc = np.where(np.isnan(gdp_pc), np.nanmedian(gdp_pc), gdp_pc)
    blocs = world.blocs.reindex(world.iso3).fillna(False)
    model = CoalitionModel(scenario, world, rng=0)
    j = model.params.framework_ids.index(framework)
    static = np.column_stack([component[:, j] for component in model.params.static.values()])
    return {
        "base_rate": np.zeros((world.n, 0)),
        "unga_usa_minus_chn": table[["agree_usa_minus_chn_2019_2023"]].to_numpy(dtype=float),
        "gdp_per_capita": gdp_pc[:, None],
        "sco_brics": np.column_stack([blocs["sco"], blocs["brics"] | blocs["brics_partner"]]).astype(float),
        "static_utility": static,
    }


def stratified_folds(observed: np.ndarray, folds: int = FOLDS, seed: int = 0) -> np.ndarray:
    """Assign rows to folds with members and non-members spread evenly.

    Args:
        observed: ``(m,)`` outcomes, 0 or 1.
        folds: Wanted folds; fewer when there are fewer members (at least 2).
        seed: Seed of the assignment.

    Returns:
        ``(m,)`` fold index of each row.

    """
    positive = np.asarray(observed).astype(bool)
    k = max(2, min(folds, int(positive.sum()), int((~positive).sum())))
    rng = np.random.default_rng(seed)
    fold = np.empty(len(positive), dtype=int)
    for group in (positive, ~positive):
        rows = rng.permutation(np.flatnonzero(group))
        fold[rows] = np.arange(len(rows)) % k
    return fold


def cross_validated(x: np.ndarray, observed: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """Out-of-fold forecasts of a baseline logit (each row forecast by a fit without its fold)."""
    fold = stratified_folds(observed, folds)
    forecast = np.empty(len(observed))
    for f in np.unique(fold):
        test = fold == f
        forecast[test] = fit_logistic(x[~test], observed[~test])(x[test])
    return forecast


# -- the model's runs ------------------------------------------------------------------
def run_holds(scenario: Scenario, seeds: Sequence[int], steps: int) -> np.ndarray:
    """The default runner: the seeds' runs as one :func:`sim.run_many`, kept at their last step.

    The same states as :func:`sim.run` once per seed (tests/analysis/test_scoring_runner.py).

    Args:
        scenario: The scenario.
        seeds: One seed per run.
        steps: Steps to run.

    Returns:
        ``(runs, n, k)`` boolean: who holds which framework after ``steps`` steps.

    """
    ids = list(scenario.active_frameworks)
    runs = run_many(scenario, list(seeds), steps=steps)
    portfolios = enumerate_portfolios(tuple(ids), scenario.compatibility.exclusive)  # fixed during a run
    return np.stack([  # runs of scenarios with sponsors are RunResults (engine "per-run")
        portfolios[runs.history(i)[-1]] if engine == "ensemble" else runs[i].countries[ids].to_numpy(bool)
        for i, engine in enumerate(runs.engines)
    ])  # fmt: skip


@dataclass(frozen=True, eq=False)
class Ensemble:
    """Who holds a framework at one step, over runs.

    Attributes:
        framework: The framework.
        step: The step.
        holds: ``(runs, n)`` boolean membership per run.
        fixed: ``(n,)`` countries whose membership the scenario sets (not forecast).

    """

    framework: str
    step: int
    holds: np.ndarray
    fixed: np.ndarray

    @property
    def probability(self) -> np.ndarray:
        """``(n,)`` each country's share of runs holding the framework."""
        return self.holds.mean(axis=0)

    def count(self) -> dict[str, float]:
        """The member count over runs: median and 90% interval (5th and 95th percentiles)."""
        counts = self.holds.sum(axis=1)
        low, median, high = np.percentile(counts, [5, 50, 95])
        return {"median": float(median), "low": float(low), "high": float(high), "runs": len(counts)}


def simulate(
    scenario: Scenario,
    framework: str,
    step: int,
    seeds: int | Sequence[int] = 50,
    draws: Sequence[Mapping[str, Any]] | None = None,
    runner: Runner | None = None,
    world: World | None = None,
) -> Ensemble:
    """Run the scenario's seeds (times posterior draws) and keep one framework at one step.

    Args:
        scenario: The scenario.
        framework: A framework of the scenario.
        step: The step to keep, at least 1.
        seeds: A number of seeds (spawned from the scenario's seed) or the seeds.
        draws: Parameter override mappings (e.g. posterior draws); every seed runs with each.
        runner: ``runner(scenario, seeds, steps)``; :func:`run_holds` when omitted.
        world: The world; the shipped one when omitted.

    Returns:
        The :class:`Ensemble`.

    Raises:
        InputError: If the framework is not in the scenario, the step is below 1 or before
            the framework opens, or no seeds are asked for.
        ValueError: If the runner returns an array of the wrong shape.

    """
    world = world if world is not None else World.load()
    ids = list(scenario.active_frameworks)
    if framework not in ids:
        raise InputError("simulate()", "framework", f"one of the scenario's frameworks ({', '.join(ids)})",
                         repr(framework))  # fmt: skip
    if step < 1:
        raise InputError(
            "simulate()", "step", "a step of at least 1 (step 0 is the starting state)", str(step)
        )
    opens = min([scenario.frameworks[framework].launch_step]
                + [event.step for event in scenario.events if event.launch == framework])  # fmt: skip
    if step < opens:
        raise InputError(
            ARGUMENTS, "step", f"a step from {opens}, when '{framework}' opens (before it nobody can join, "
            "so every forecast is the same)", str(step),
        )  # fmt: skip
    seed_list = replication_seeds(scenario.seed, seeds) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise InputError("simulate()", "seeds", "at least one seed", "none")
    runner = runner or run_holds
    j = ids.index(framework)
    variants = [scenario.with_overrides(draw) for draw in draws] if draws else [scenario]
    shape = (len(seed_list), world.n, len(ids))
    parts = [np.asarray(runner(variant, seed_list, step)) for variant in variants]
    if any(part.shape != shape for part in parts):
        raise ValueError(f"the runner must return an array of shape {shape} (runs, countries, frameworks)")
    holds = np.concatenate([part[:, :, j].astype(bool) for part in parts])
    return Ensemble(framework, step, holds, fixed_by_scenario(scenario, world, framework, step))


def fixed_by_scenario(scenario: Scenario, world: World, framework: str, step: int) -> np.ndarray:
    """Countries holding the framework at step 0 or committed to it by an event up to ``step``."""
    model = CoalitionModel(scenario, world, rng=0)
    fixed = model.holds[:, model.params.framework_ids.index(framework)].copy()
    for number, event in enumerate(scenario.events):
        if event.commit is not None and event.commit.framework == framework and event.step <= step:
            fixed |= model.country_mask(event.commit.countries, f"events.{number}.commit.countries")
    return fixed


# -- scores ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Score:
    """The model's and the baselines' scores on one set of observed members.

    Attributes:
        framework: The framework scored.
        step: The step scored.
        model: AUC, Brier score and log loss of the model's forecast.
        baselines: The same for each baseline, by name.
        scored: ISO3 codes of the countries scored.
        members: The observed members among them.
        left_out: Observed members left out because the scenario fixes them (or the
            training data already held them, in a temporal split).
        validation: How the baselines were kept out of sample.
        count: The model's member count (median, 90% interval) and, where an observation
            gives one for this framework and step, the observed range.
        eps: The clipping of the log loss.

    """

    framework: str
    step: int
    model: dict[str, float]
    baselines: dict[str, dict[str, float]]
    scored: list[str]
    members: list[str]
    left_out: list[str]
    validation: str
    count: dict[str, Any] = field(default_factory=dict)
    eps: float = EPS

    def beats(self) -> dict[str, dict[str, bool]]:
        """Per baseline, whether the model does better on each metric (AUC higher, losses lower)."""
        return {name: {"auc": self.model["auc"] > b["auc"], "brier": self.model["brier"] < b["brier"],
                       "log_loss": self.model["log_loss"] < b["log_loss"]}
                for name, b in self.baselines.items()}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``model``, ``baselines``, ``beats`` and what was scored."""
        return {
            "model": self.model, "baselines": self.baselines, "beats": self.beats(),
            "framework": self.framework, "step": self.step, "n_scored": len(self.scored),
            "members": self.members, "left_out": self.left_out, "validation": self.validation,
            "count": self.count or None, "eps": self.eps,
        }  # fmt: skip


def observed_count(observations: pd.DataFrame | None, framework: str, step: int) -> dict[str, Any]:
    """The observed member-count range for a framework at a step, if an observation gives one."""
    if observations is None:
        return {}
    rows = observations[(observations["kind"] == "member_count") & (observations["framework"] == framework)
                        & (observations["step"] == step)]  # fmt: skip
    if rows.empty:
        return {}
    row = rows.iloc[0]
    return {
        "observed": float(row["value"]), "observed_low": float(row["low"]),
        "observed_high": float(row["high"]), "observation_id": row["observation_id"],
    }  # fmt: skip


def _labels(world: World, members: Sequence[str], where: str) -> np.ndarray:
    """0/1 membership in ``members`` for every country, checking that each code is a country."""
    unknown = [code for code in members if code not in world.index]
    if unknown:
        raise InputError(where, "iso3", "ISO3 codes of countries in the model's world", ", ".join(unknown),
                         did_you_mean(unknown[0], world.iso3.tolist()))  # fmt: skip
    y = np.zeros(world.n)
    y[[world.index[code] for code in members]] = 1
    return y


def _check_scorable(y: np.ndarray, where: str) -> None:
    if y.sum() < 2 or (1 - y).sum() < 2:
        raise InputError(
            where, "iso3", "at least 2 observed members and 2 non-members among the countries scored",
            f"{int(y.sum())} members of {len(y)}",
        )  # fmt: skip


def score(
    scenario: Scenario,
    members: Sequence[str],
    framework: str = "waico",
    step: int = 12,
    *,
    seeds: int | Sequence[int] = 50,
    draws: Sequence[Mapping[str, Any]] | None = None,
    runner: Runner | None = None,
    world: World | None = None,
    observations: pd.DataFrame | None = None,
    where: str = "score()",
) -> Score:
    """Score the model and the naive baselines on one set of observed members.

    Every country of the world not fixed by the scenario is scored: the listed ones as
    members (1), the rest as non-members (0). Baselines are cross-validated
    (:func:`cross_validated`).

    Args:
        scenario: The scenario.
        members: ISO3 codes observed as members (or supporters) at ``step``.
        framework: The framework they are members of.
        step: The model step of the observation (at least 1).
        seeds: Number of seeds, or the seeds.
        draws: Optional parameter override mappings (posterior draws).
        runner: Optional faster runner (see the module docstring).
        world: The world; the shipped one when omitted.
        observations: The observations table, to report an observed member count.
        where: Where ``members`` came from, for error messages.

    Returns:
        The :class:`Score`.

    Raises:
        InputError: On an unknown code or framework, a step below 1, or fewer than two
            members or non-members left to score.

    """
    world = world if world is not None else World.load()
    y_all = _labels(world, members, where)
    ensemble = simulate(scenario, framework, step, seeds, draws, runner, world)
    keep = ~ensemble.fixed
    y = y_all[keep]
    _check_scorable(y, where)
    covariates = baseline_covariates(scenario, world, framework)
    baselines = {name: metrics(y, cross_validated(covariates[name][keep], y)) for name in BASELINES}
    # A constant ranks no country above another. Its out-of-fold constants differ only by
    # how many members each fold holds, which would rank countries by their own labels.
    baselines["base_rate"]["auc"] = 0.5
    validation = f"stratified {len(np.unique(stratified_folds(y)))}-fold cross-validation (assignment seed 0)"
    return _score(framework, step, ensemble, keep, y_all, baselines, validation, observations, world)


def positives(observations: pd.DataFrame, framework: str) -> pd.DataFrame:
    """The rows of a framework that count as observed members (:data:`POSITIVE_KINDS`)."""
    return observations[(observations["framework"] == framework) & observations["kind"].isin(POSITIVE_KINDS)]


def score_temporal(
    scenario: Scenario,
    observations: pd.DataFrame,
    cutoff_date: date,
    framework: str,
    *,
    step: int | None = None,
    seeds: int | Sequence[int] = 50,
    draws: Sequence[Mapping[str, Any]] | None = None,
    runner: Runner | None = None,
    world: World | None = None,
) -> Score:
    """Fit the baselines on observations up to a date and score everything on later ones.

    Training labels: the countries observed as members of ``framework`` on or before
    ``cutoff_date`` (all other countries 0); the baselines are fitted on every country.
    Test: the countries not yet observed as members (and not fixed by the scenario),
    labelled 1 if observed as members after the cutoff. The model is scored on the same
    test countries at ``step``.

    Args:
        scenario: The scenario.
        observations: The observations table (:func:`sim.observations.load_observations`).
        cutoff_date: Last date of the training observations.
        framework: The framework.
        step: Step scored; the last step of the test observations when omitted.
        seeds: Number of seeds, or the seeds.
        draws: Optional parameter override mappings (posterior draws).
        runner: Optional faster runner.
        world: The world; the shipped one when omitted.

    Returns:
        The :class:`Score` on the later observations.

    Raises:
        InputError: If either side of the cutoff has no observed members, or too few
            countries are left to score.

    """
    world = world if world is not None else World.load()
    rows = positives(observations, framework)
    before, after = rows[rows["date"] <= cutoff_date], rows[rows["date"] > cutoff_date]
    where = f"observations of '{framework}' split at {cutoff_date}"
    if before.empty or after.empty:
        raise InputError(where, "date", "observed members both on or before and after the cutoff",
                         f"{len(before)} before, {len(after)} after")  # fmt: skip
    step = int(after["step"].max()) if step is None else step
    train = _labels(world, before["iso3"].unique(), where)
    test_all = _labels(world, after["iso3"].unique(), where)
    ensemble = simulate(scenario, framework, step, seeds, draws, runner, world)
    keep = ~ensemble.fixed & (train == 0)
    y = test_all[keep]
    _check_scorable(y, where)
    covariates = baseline_covariates(scenario, world, framework)
    baselines = {
        name: metrics(y, fit_logistic(covariates[name], train)(covariates[name][keep])) for name in BASELINES
    }
    validation = (
        f"temporal split: baselines fitted on members observed up to {cutoff_date}, "
        "scored on the countries not yet members"
    )
    return _score(framework, step, ensemble, keep, test_all, baselines, validation, observations, world)


def _score(
    framework: str,
    step: int,
    ensemble: Ensemble,
    keep: np.ndarray,
    labels: np.ndarray,
    baselines: dict[str, dict[str, float]],
    validation: str,
    observations: pd.DataFrame | None,
    world: World,
) -> Score:
    """The :class:`Score` of the model's forecast on the kept countries, beside the baselines'."""
    members = labels == 1
    return Score(
        framework=framework, step=step,
        model=metrics(labels[keep], ensemble.probability[keep]), baselines=baselines,
        scored=world.iso3[keep].tolist(), members=world.iso3[keep & members].tolist(),
        left_out=world.iso3[~keep & members].tolist(), validation=validation,
        count={**ensemble.count(), **observed_count(observations, framework, step)},
    )  # fmt: skip


def report_lines(result: Score) -> list[str]:
    """A plain table of the scores, saying per baseline whether the model beats it."""
    lines = [
        f"Framework '{result.framework}' at step {result.step}: {len(result.members)} observed members among "
        f"{len(result.scored)} countries scored ({len(result.left_out)} members left out: "
        f"{', '.join(result.left_out) or 'none'}).",
        f"Baselines: {result.validation}. "
        f"Log loss clips probabilities to [{result.eps:g}, {1 - result.eps:g}].",
        "",
        f"{'forecast':22s} {'AUC':>6s} {'Brier':>7s} {'log loss':>9s}",
    ]
    for name, b in {"model": result.model, **result.baselines}.items():
        lines.append(f"{name:22s} {b['auc']:6.3f} {b['brier']:7.4f} {b['log_loss']:9.4f}")
    lines.append("")
    for name, wins in result.beats().items():
        verdict = "beats" if all(wins.values()) else "does NOT beat" if not wins["auc"] else "partly beats"
        detail = ", ".join(f"{metric} {'yes' if won else 'no'}" for metric, won in wins.items())
        lines.append(f"The model {verdict} {name} ({detail}).")
    if result.count:
        c = result.count
        line = (
            f"Members at step {result.step}: median {c['median']:g}, 90% interval {c['low']:g}-{c['high']:g} "
            f"over {c['runs']} runs"
        )
        if "observed" in c:
            inside = c["observed_low"] <= c["median"] <= c["observed_high"]
            line += (
                f"; observed {c['observed']:g} (range {c['observed_low']:g}-{c['observed_high']:g}): "
                f"median {'inside' if inside else 'OUTSIDE'} the observed range"
            )
        lines.append(line + ".")
    return lines
