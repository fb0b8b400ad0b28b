"""Score the model against observed memberships, side by side with naive baselines.

The model's forecast for country i is its probability of holding the framework at the
scored step t, estimated over runs (seeds, times posterior draws when given) by one of
:data:`ESTIMATORS`:

* ``rao-blackwell`` (the default): the mean over runs of each run's *conditional*
  probability of membership at t given its state at t - 1 (:func:`next_step_log_law`):
  ``(1 - r_i) * 1[i holds it after step t's events] + r_i * sum of i's choice
  probabilities of the portfolios holding it``, where ``r_i`` is i's probability of
  revising at t (the activation rate; 1 in a founding round) and the choice
  probabilities are the decision rule's (:func:`sim.rules.log_choice_probabilities`),
  from the utilities after step t's events and sponsors' offers. Its expectation is the
  membership probability, like the frequency's (the Rao-Blackwell theorem), and its
  variance is no larger; above all, a country that no run moves still gets its own,
  ordered, small probability instead of a tie at 0 with every other (the ranking is kept
  in log-odds, so probabilities below floating-point range keep their order);
* ``frequency``: the fraction of runs in which i holds the framework at t.

Each naive baseline forecasts the same countries from the same data without any dynamics:

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
:func:`sim.run` once per seed; a faster ensemble engine can be passed instead. The
Rao-Blackwell estimator asks the runner for the states at t - 1 as well (a run's state
is its memberships plus what events made of the scenario, which are the same in every
run); a scenario with sponsors, whose offers depend on their spending so far, is instead
rerun to t - 1 one model per seed, as :func:`sim.run` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logsumexp
from scipy.stats import rankdata

from sim.analysis.calibration import auc  # one AUC (Mann-Whitney ranks, ties half) for both
from sim.ensemble import run_many, runs_alone
from sim.errors import ARGUMENTS, InputError, did_you_mean
from sim.experiment.spec import replication_seeds
from sim.model import CoalitionModel
from sim.observations import POSITIVE_KINDS, month_step
from sim.rules import log_choice_probabilities
from sim.scenario import Scenario
from sim.utility import enumerate_portfolios
from sim.world import World, place_name

#: Probabilities are clipped to [EPS, 1 - EPS] for the log loss.
EPS = 1e-3

#: Cross-validation folds for baselines fitted and scored on the same observation.
FOLDS = 10

#: Ridge penalty on the standardised slopes of every baseline logit (intercept free).
RIDGE = 1.0

#: Resamples of the countries behind each interval of an AUC difference (:func:`auc_differences`).
RESAMPLES = 2000

#: The naive baselines, in report order.
BASELINES = ("base_rate", "unga_usa_minus_chn", "gdp_per_capita", "sco_brics", "static_utility")

#: ``runner(scenario, seeds, steps)`` -> ``(runs, countries, frameworks)`` booleans.
Runner = Callable[[Scenario, Sequence[int], int], np.ndarray]

#: How the model's membership probability is estimated from the runs (module docstring).
Estimator = Literal["rao-blackwell", "frequency"]
ESTIMATORS: tuple[Estimator, ...] = ("rao-blackwell", "frequency")


# -- metrics ---------------------------------------------------------------------------
def brier(observed: np.ndarray, forecast: np.ndarray) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes."""
    return float(np.mean((np.asarray(forecast, dtype=float) - np.asarray(observed, dtype=float)) ** 2))


def log_loss(observed: np.ndarray, forecast: np.ndarray, eps: float = EPS) -> float:
    """Mean negative log-likelihood (natural log), probabilities clipped to [eps, 1 - eps]."""
    p = np.clip(np.asarray(forecast, dtype=float), eps, 1 - eps)
    y = np.asarray(observed, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def metrics(
    observed: np.ndarray, forecast: np.ndarray, eps: float = EPS, ranking: np.ndarray | None = None
) -> dict[str, float]:
    """AUC, Brier score and log loss of one forecast.

    Args:
        observed: ``(m,)`` outcomes, 0 or 1.
        forecast: ``(m,)`` probabilities.
        eps: Clipping of the log loss.
        ranking: ``(m,)`` scores in the order of ``forecast`` but finer where its floating
            point ties (e.g. log-odds), for the AUC; ``forecast`` when omitted.

    Returns:
        ``auc``, ``brier`` and ``log_loss``.

    """
    ranked = forecast if ranking is None else ranking
    return {"auc": auc(observed, ranked), "brier": brier(observed, forecast),
            "log_loss": log_loss(observed, forecast, eps)}  # fmt: skip


def auc_differences(
    observed: np.ndarray, model: np.ndarray, baselines: Mapping[str, np.ndarray], resamples: int = RESAMPLES,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """How far the model's AUC is above each baseline's, with a 90% interval over countries.

    A paired, stratified bootstrap: each resample draws the members and the non-members
    with replacement (as many of each as observed) and scores every forecast on the same
    draw, so the interval is that of the difference, not of two separate AUCs. With a few
    dozen members, differences of a few hundredths are within the noise of which countries
    happened to be listed.

    Args:
        observed: ``(m,)`` outcomes, 0 or 1.
        model: ``(m,)`` the model's scores (its ranking).
        baselines: ``(m,)`` each baseline's forecast, by name.
        resamples: Number of bootstrap resamples.
        seed: Seed of the resampling.

    Returns:
        Per baseline: ``difference`` (on the countries as observed), ``low`` and ``high``
        (5th and 95th percentiles over resamples) and ``share_above`` (the share of
        resamples in which the model's AUC is higher).

    """
    positive = np.flatnonzero(np.asarray(observed).astype(bool))
    negative = np.flatnonzero(~np.asarray(observed).astype(bool))
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.choice(positive, (resamples, len(positive))),
                           rng.choice(negative, (resamples, len(negative)))], axis=1)  # fmt: skip

    def resampled_auc(score: np.ndarray) -> np.ndarray:
        ranks = rankdata(score[rows], axis=1)
        n1, n0 = len(positive), len(negative)
        return (ranks[:, :n1].sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)

    model_auc = resampled_auc(np.asarray(model, dtype=float))
    out = {}
    for name, forecast in baselines.items():
        difference = model_auc - resampled_auc(np.asarray(forecast, dtype=float))
        low, high = np.quantile(difference, [0.05, 0.95])
        out[name] = {"difference": auc(observed, model) - auc(observed, forecast), "low": float(low),
                     "high": float(high), "share_above": float(np.mean(difference > 0))}  # fmt: skip
    return out


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


def next_step_log_law(model: CoalitionModel) -> np.ndarray:
    """The law of every country's portfolio after the model's next step, given its state now.

    The model's own revision protocol: the next step's events and sponsors' offers
    (:meth:`CoalitionModel.start_step`, which draws no random number), then each country
    independently revises with its probability ``r_i`` and, if it does, chooses by the
    decision rule (:func:`sim.rules.log_choice_probabilities` of
    :meth:`CoalitionModel.utilities`). So ``P(p) = r_i * choice_i(p) + (1 - r_i) * 1[p is
    i's portfolio after the events]``.

    Args:
        model: A model after some steps. It is left inside its next step (events applied,
            no choice made): discard it.

    Returns:
        ``(n, P)`` natural logarithms of each portfolio's probability (``-inf`` for 0).

    """
    model.steps += 1  # Mesa counts a step before running it; the events read the count
    revision = model.start_step()
    log_law = log_choice_probabilities(model.spec.rule, model.utilities(), model.portfolio)
    with np.errstate(divide="ignore"):  # log 0 = -inf: certain revision (or none)
        log_law += np.log(revision)[:, None]
        log_stay = np.log1p(-revision)
    rows = np.arange(len(log_law))
    log_law[rows, model.portfolio] = np.logaddexp(log_law[rows, model.portfolio], log_stay)
    return log_law


def models_in_state(scenario: Scenario, world: World, step: int, holds: np.ndarray) -> list[CoalitionModel]:
    """One model per run, in that run's state after ``step`` steps, from its memberships.

    Without sponsors, a run's state is its memberships plus what the events up to ``step``
    made of the scenario (launches, commitments, changed parameters), which chance does
    not touch: each model applies the events with the model's own code and then takes the
    run's memberships.

    Args:
        scenario: A scenario without sponsors.
        world: The world.
        step: Steps the runs have made (0: the starting state).
        holds: ``(runs, n, k)`` each run's memberships after ``step`` steps.

    Returns:
        The models, in run order.

    Raises:
        ValueError: If the scenario has sponsors, or a row of ``holds`` is no portfolio
            of the scenario.

    """
    if runs_alone(scenario):
        raise ValueError("a scenario with sponsors is more than its memberships (the sponsors' spending)")
    base = CoalitionModel(scenario, world, rng=0, agents=False)
    for number in range(1, step + 1):
        base.steps = number
        base.start_step()  # the events of that step (no sponsors: no offers), the same in every run
    models = []
    for memberships in holds:
        model = base.fork()
        portfolio = model.portfolio_index(memberships)  # the model's own map; -1: no portfolio
        if (portfolio < 0).any():
            raise ValueError("memberships that are no portfolio of the scenario (e.g. an excluded pair)")
        model.portfolio = portfolio
        models.append(model)
    return models


def conditional_membership(
    scenario: Scenario,
    framework: str,
    step: int,
    seeds: Sequence[int],
    runner: Runner,
    world: World,
) -> tuple[np.ndarray, np.ndarray]:
    """Each run's conditional log-probability of holding a framework at ``step``, and of not.

    Given each run's state at ``step - 1``: the runner's memberships then
    (:func:`models_in_state`), or, for a scenario with sponsors, the run itself rerun to
    that step; then :func:`next_step_log_law`.

    Args:
        scenario: The scenario.
        framework: One of its frameworks.
        step: The step, at least 1.
        seeds: One seed per run.
        runner: ``runner(scenario, seeds, steps)`` (see the module docstring).
        world: The world.

    Returns:
        ``(runs, n)`` log P(member at ``step`` | state at ``step - 1``) and ``(runs, n)``
        log P(not a member | the same).

    """
    if runs_alone(scenario):
        models = []
        for seed in seeds:
            model = CoalitionModel(scenario, world, rng=seed)  # as sim.run makes it
            model.run_for(step - 1)
            models.append(model)
    else:
        before = (
            _run(runner, scenario, seeds, step - 1, world) if step > 1
            else [CoalitionModel(scenario, world, rng=0).holds] * len(seeds)  # the starting state
        )  # fmt: skip
        models = models_in_state(scenario, world, step - 1, before)
    member, outside = [], []
    for model in models:
        log_law = next_step_log_law(model)
        holding = model.params.portfolios[:, model.params.framework_ids.index(framework)]
        member.append(logsumexp(log_law[:, holding], axis=1))
        outside.append(logsumexp(log_law[:, ~holding], axis=1))
    # A sum of probabilities that add up to 1 can round a hair above it (log > 0).
    return np.minimum(member, 0.0), np.minimum(outside, 0.0)


@dataclass(frozen=True, eq=False)
class Ensemble:
    """Who holds a framework at one step, over runs, and the forecast made from them.

    Attributes:
        framework: The framework.
        step: The step.
        holds: ``(runs, n)`` boolean membership per run.
        fixed: ``(n,)`` countries whose membership the scenario sets (not forecast).
        log_member: ``(runs, n)`` each run's log P(member at ``step`` | its state at
            ``step - 1``), for the Rao-Blackwell estimator; ``None`` for the frequency.
        log_outside: ``(runs, n)`` the same for not being a member.

    """

    framework: str
    step: int
    holds: np.ndarray
    fixed: np.ndarray
    log_member: np.ndarray | None = None
    log_outside: np.ndarray | None = None

    @property
    def estimator(self) -> Estimator:
        """``"rao-blackwell"`` when the conditional probabilities are kept, else ``"frequency"``."""
        return "frequency" if self.log_member is None else "rao-blackwell"

    @property
    def probability(self) -> np.ndarray:
        """``(n,)`` each country's membership probability, by the :attr:`estimator`."""
        if self.log_member is None:
            return self.holds.mean(axis=0)
        return np.exp(self.log_member).mean(axis=0)  # a mean of numbers in [0, 1] stays in it

    @property
    def ranking(self) -> np.ndarray:
        """``(n,)`` scores in the order of :attr:`probability`, without its floating-point ties.

        The log-odds of the Rao-Blackwell mean (finite where the probability rounds to 0
        or 1); the frequency itself otherwise.
        """
        if self.log_member is None or self.log_outside is None:
            return self.probability
        return logsumexp(self.log_member, axis=0) - logsumexp(self.log_outside, axis=0)

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
    estimator: Estimator = "rao-blackwell",
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
        estimator: One of :data:`ESTIMATORS` (see the module docstring).

    Returns:
        The :class:`Ensemble`.

    Raises:
        InputError: If the framework is not in the scenario, the step is below 1 or before
            the framework opens, no seeds are asked for, or the estimator is unknown.
        ValueError: If the runner returns an array of the wrong shape.

    """
    world = world if world is not None else World.load()
    ids = list(scenario.active_frameworks)
    if estimator not in ESTIMATORS:
        raise InputError("simulate()", "estimator", f"one of {', '.join(ESTIMATORS)}", repr(estimator),
                         did_you_mean(str(estimator), list(ESTIMATORS)))  # fmt: skip
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
    holds = np.concatenate([_run(runner, variant, seed_list, step, world)[:, :, j] for variant in variants])
    fixed = fixed_by_scenario(scenario, world, framework, step)
    if estimator == "frequency":
        return Ensemble(framework, step, holds, fixed)
    laws = [conditional_membership(variant, framework, step, seed_list, runner, world)
            for variant in variants]  # fmt: skip
    member, outside = (np.concatenate(parts) for parts in zip(*laws, strict=True))
    return Ensemble(framework, step, holds, fixed, member, outside)


def _run(runner: Runner, scenario: Scenario, seeds: Sequence[int], steps: int, world: World) -> np.ndarray:
    """The runner's ``(runs, n, k)`` memberships after ``steps`` steps, checked for shape."""
    holds = np.asarray(runner(scenario, seeds, steps))
    shape = (len(seeds), world.n, len(scenario.active_frameworks))
    if holds.shape != shape:
        raise ValueError(f"the runner must return an array of shape {shape} (runs, countries, frameworks)")
    return holds.astype(bool)


def _named_by_events(
    model: CoalitionModel, action: Literal["commit", "support"], framework: str, step: int
) -> np.ndarray:
    """Countries the scenario's ``commit`` or ``support`` events up to ``step`` name for ``framework``."""
    named = np.zeros(model.world.n, dtype=bool)
    for number, event in enumerate(model.spec.events):
        act = getattr(event, action)
        if act is not None and act.framework == framework and event.step <= step:
            named |= model.country_mask(act.countries, f"events.{number}.{action}.countries")
    return named


def declared_by_scenario(scenario: Scenario, world: World, framework: str, step: int) -> np.ndarray:
    """Countries the scenario declares supporters of the framework by ``step`` (its inputs, not forecasts)."""
    model = CoalitionModel(scenario, world, rng=0, agents=False)
    field = f"frameworks.{framework}.supporters"
    return model.country_mask(scenario.frameworks[framework].supporters, field) | _named_by_events(
        model, "support", framework, step
    )


def scenario_inputs(
    scenario: Scenario, world: World, members: Sequence[str], framework: str, step: int
) -> list[str]:
    """The listed countries whose support the scenario declares by ``step``: its inputs, not forecasts.

    Args:
        scenario: The scenario.
        world: The world.
        members: ISO3 codes of an observed list.
        framework: The framework the list is scored on.
        step: The step scored.

    Returns:
        Those of ``members`` that :func:`declared_by_scenario` names, sorted.

    """
    declared = set(world.iso3[declared_by_scenario(scenario, world, framework, step)])
    return sorted(set(members) & declared)


def known_at(scenario: Scenario, step: int) -> Scenario:
    """The scenario as it could have been written at the end of month ``step``.

    Its ``commit`` and ``support`` events dated later are dropped: they record what had
    not happened yet (a forecast from that date cannot know them). Parameter changes and
    launches are the scenario's design, not observations, and stay.

    Args:
        scenario: The scenario.
        step: The last month known.

    Returns:
        The scenario without the later observed events (the scenario itself if it has none).

    """
    kept = [
        event for event in scenario.events
        if event.step <= step or (event.commit is None and event.support is None)
    ]  # fmt: skip
    if len(kept) == len(scenario.events):
        return scenario
    return scenario.with_overrides({"events": [event.model_dump(exclude_defaults=True) for event in kept]})


def fixed_by_scenario(scenario: Scenario, world: World, framework: str, step: int) -> np.ndarray:
    """Countries holding the framework at step 0 or committed to it by an event up to ``step``."""
    model = CoalitionModel(scenario, world, rng=0, agents=False)
    holding = model.holds[:, model.params.framework_ids.index(framework)]
    return holding | _named_by_events(model, "commit", framework, step)


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
        estimator: How the model's membership probability was estimated (:data:`ESTIMATORS`).
        eps: The clipping of the log loss.
        outside_world: Observed codes of places the model has no actor for (the shipped
            world is the UN member states; e.g. PSE), left out of every score.
        auc_difference: Per baseline, the model's AUC minus the baseline's with a 90%
            interval over countries (:func:`auc_differences`).

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
    estimator: Estimator = "rao-blackwell"
    eps: float = EPS
    outside_world: list[str] = field(default_factory=list)
    auc_difference: dict[str, dict[str, float]] = field(default_factory=dict)

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
            "count": self.count or None, "estimator": self.estimator, "eps": self.eps,
            "outside_world": self.outside_world, "auc_difference": self.auc_difference,
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


def _in_world(world: World, codes: Sequence[str], where: str) -> tuple[list[str], list[str]]:
    """Split codes into the world's actors and places it has none for; refuse a code of no place.

    An observed list may name a place that is not an actor of the model (the shipped world
    is the UN member states; the State of Palestine signs agreements too): it cannot be
    scored, and is reported, not refused. A code that names no place is a mistake.
    """
    unknown = [code for code in codes if code not in world.index and place_name(code) is None]
    if unknown:
        raise InputError(where, "iso3", "ISO 3166-1 alpha-3 codes of countries", ", ".join(unknown),
                         did_you_mean(unknown[0], world.iso3.tolist()))  # fmt: skip
    outside = [code for code in codes if code not in world.index]
    return [code for code in codes if code in world.index], outside


def _labels(world: World, members: Sequence[str], where: str) -> np.ndarray:
    """0/1 membership in ``members`` for every country, checking that each code is a country."""
    outside = _in_world(world, members, where)[1]
    if outside:
        raise InputError(where, "iso3", "ISO3 codes of countries in the model's world", ", ".join(outside))
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
    estimator: Estimator = "rao-blackwell",
    exclude: Sequence[str] = (),
) -> Score:
    """Score the model and the naive baselines on one set of observed members.

    Every country of the world not fixed by the scenario (nor in ``exclude``) is scored:
    the listed ones as members (1), the rest as non-members (0). Baselines are
    cross-validated (:func:`cross_validated`).

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
        estimator: How the model's probabilities are estimated (:data:`ESTIMATORS`).
        exclude: ISO3 codes left out of the scores, e.g. those whose observed support
            the scenario takes as input (:func:`declared_by_scenario`): a list cannot be
            forecast from itself.

    Returns:
        The :class:`Score`.

    Raises:
        InputError: On an unknown code, framework or estimator, a step below 1, or fewer
            than two members or non-members left to score.

    """
    world = world if world is not None else World.load()
    members, outside = _in_world(world, members, where)
    y_all = _labels(world, members, where)
    excluded = _labels(world, exclude, where) == 1
    ensemble = simulate(scenario, framework, step, seeds, draws, runner, world, estimator)
    keep = ~ensemble.fixed & ~excluded
    y = y_all[keep]
    _check_scorable(y, where)
    covariates = baseline_covariates(scenario, world, framework)
    forecasts = {name: cross_validated(covariates[name][keep], y) for name in BASELINES}
    baselines = {name: metrics(y, forecast) for name, forecast in forecasts.items()}
    # A constant ranks no country above another. Its out-of-fold constants differ only by
    # how many members each fold holds, which would rank countries by their own labels.
    baselines["base_rate"]["auc"] = 0.5
    forecasts["base_rate"] = np.zeros(len(y))
    validation = f"stratified {len(np.unique(stratified_folds(y)))}-fold cross-validation (assignment seed 0)"
    return _score(framework, step, ensemble, keep, y_all, forecasts, validation, observations, world,
                  baselines, outside)  # fmt: skip


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
    estimator: Estimator = "rao-blackwell",
) -> Score:
    """Fit the baselines on observations up to a date and score everything on later ones.

    Training labels: the countries observed as members of ``framework`` on or before
    ``cutoff_date`` (all other countries 0); the baselines are fitted on every country.
    Test: the countries not yet observed as members (and not fixed by the scenario),
    labelled 1 if observed as members after the cutoff. The model is scored on the same
    test countries at ``step``, run as the scenario could have been written at the cutoff
    (:func:`known_at`: its observed events dated later dropped), so that it is not given
    what it forecasts.

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
        estimator: How the model's probabilities are estimated (:data:`ESTIMATORS`).

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
    known = known_at(scenario, month_step(cutoff_date))
    ensemble = simulate(known, framework, step, seeds, draws, runner, world, estimator)
    keep = ~ensemble.fixed & (train == 0)
    y = test_all[keep]
    _check_scorable(y, where)
    covariates = baseline_covariates(scenario, world, framework)
    forecasts = {name: fit_logistic(covariates[name], train)(covariates[name][keep]) for name in BASELINES}
    validation = (
        f"temporal split: baselines fitted on members observed up to {cutoff_date}, "
        "scored on the countries not yet members"
    )
    return _score(framework, step, ensemble, keep, test_all, forecasts, validation, observations, world)


def _score(
    framework: str,
    step: int,
    ensemble: Ensemble,
    keep: np.ndarray,
    labels: np.ndarray,
    forecasts: dict[str, np.ndarray],
    validation: str,
    observations: pd.DataFrame | None,
    world: World,
    baselines: dict[str, dict[str, float]] | None = None,
    outside_world: Sequence[str] = (),
) -> Score:
    """The :class:`Score` of the model's forecast on the kept countries, beside the baselines'.

    ``forecasts`` are the baselines' forecasts of the kept countries, ranked for the AUC
    differences; ``baselines`` their metrics, when they are not those of ``forecasts``.
    """
    members = labels == 1
    y = labels[keep]
    return Score(
        framework=framework, step=step,
        model=metrics(y, ensemble.probability[keep], ranking=ensemble.ranking[keep]),
        baselines=baselines or {name: metrics(y, forecast) for name, forecast in forecasts.items()},
        auc_difference=auc_differences(y, ensemble.ranking[keep], forecasts),
        scored=world.iso3[keep].tolist(), members=world.iso3[keep & members].tolist(),
        left_out=world.iso3[~keep & members].tolist(), validation=validation,
        count={**ensemble.count(), **observed_count(observations, framework, step)},
        estimator=ensemble.estimator, outside_world=list(outside_world),
    )  # fmt: skip


def report_lines(result: Score) -> list[str]:
    """A plain table of the scores, saying per baseline whether the model beats it."""
    lines = [
        f"Framework '{result.framework}' at step {result.step}: {len(result.members)} observed members among "
        f"{len(result.scored)} countries scored ({len(result.left_out)} members left out: "
        f"{', '.join(result.left_out) or 'none'}).",
        f"Model: P(member) by the {result.estimator} estimator. Baselines: {result.validation}. "
        f"Log loss clips probabilities to [{result.eps:g}, {1 - result.eps:g}].",
    ]
    if result.outside_world:
        names = ", ".join(f"{code} ({place_name(code)})" for code in result.outside_world)
        lines.append(f"Not actors of the model (its world is the UN member states), not scored: {names}.")
    lines += [
        "",
        f"{'forecast':22s} {'AUC':>6s} {'Brier':>7s} {'log loss':>9s}",
    ]
    for name, b in {"model": result.model, **result.baselines}.items():
        lines.append(f"{name:22s} {b['auc']:6.3f} {b['brier']:7.4f} {b['log_loss']:9.4f}")
    lines.append("")
    for name, wins in result.beats().items():
        verdict = "beats" if all(wins.values()) else "does NOT beat" if not wins["auc"] else "partly beats"
        detail = ", ".join(f"{metric} {'yes' if won else 'no'}" for metric, won in wins.items())
        line = f"The model {verdict} {name} ({detail})"
        if name in result.auc_difference:
            d = result.auc_difference[name]
            covers = " (covers 0: not distinguishable)" if d["low"] <= 0 <= d["high"] else ""
            interval = f"90% interval {d['low']:+.3f} to {d['high']:+.3f} over countries"
            line += f"; AUC {d['difference']:+.3f}, {interval}{covers}"
        lines.append(line + ".")
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


# -- the visible hold-outs ---------------------------------------------------------------
#: WAICO's founding month (16 July 2026): lists of WAICO-side support are scored as
#: membership then, which is what they foreshadow.
FOUNDING_STEP = 12

#: The precedent scored as a proxy for WAICO's founders (whose names are held out): the
#: states that signed the founding convention of the International Organization for
#: Mediation (Hong Kong, 30 May 2025), the last China-hosted treaty organisation before
#: WAICO (bloc ``iomed`` of ``sim/data/blocs.csv``). Not an input of the shipped scenarios.
PRECEDENT = "iomed"

#: Temporal splits: framework and the last date of the training observations.
SPLITS = (("waico", date(2025, 8, 31)), ("us_led", date(2025, 12, 31)), ("eu_coe", date(2025, 9, 30)))


@dataclass(frozen=True, eq=False)
class HoldOut:
    """One visible hold-out: what it is and how to score the model on it.

    Attributes:
        name: A short id (an observation id, ``all_waico_support``, ``iomed_founders`` or
            ``temporal_<framework>_<cutoff>``).
        label: What it is, in words, with the countries left out as the scenario's inputs.
        compute: Scores the model and the baselines (:func:`score` or :func:`score_temporal`).
        inputs_only: Whether every listed country is one of the scenario's inputs (its
            declared supporters): then the list is no hold-out of this scenario.

    """

    name: str
    label: str
    compute: Callable[[], Score]
    inputs_only: bool = False


def hold_outs(
    scenario: Scenario, observations: pd.DataFrame, world: World, **common: Any
) -> list[HoldOut]:
    """Every hold-out visible in the shipped data, as ``benchmarks/validation.py`` scores them.

    Each observation with observed members (WAICO-side lists at :data:`FOUNDING_STEP`,
    the others at their own step); all WAICO-side support together; the :data:`PRECEDENT`
    as a proxy for WAICO's founders; and the :data:`SPLITS`. Listed countries whose support
    the scenario declares by the step scored are its inputs, not forecasts: they are left
    out of that list's scores (and named in the label).

    Args:
        scenario: The scenario.
        observations: The observations table (:func:`sim.observations.load_observations`).
        world: The world.
        **common: Passed to :func:`score` and :func:`score_temporal` (``seeds``,
            ``estimator``, ``draws``, ...).

    Returns:
        The hold-outs, in a fixed order.

    """
    common = {**common, "world": world}
    found: list[HoldOut] = []

    def listed(name: str, label: str, named: pd.DataFrame, framework: str, step: int) -> None:
        inputs = scenario_inputs(scenario, world, named["iso3"].tolist(), framework, step)
        if inputs:
            label += f" [left out, the scenario's declared supporters: {', '.join(inputs)}]"
        members = named["iso3"].unique().tolist()
        task = partial(score, scenario, members, framework, step, where=label, exclude=inputs, **common)
        found.append(HoldOut(name, label, task, inputs_only=set(members) <= set(inputs)))

    for observation_id, rows in observations.groupby("observation_id", sort=True):
        framework = rows["framework"].iloc[0]
        named = positives(rows, framework)
        if not named.empty:
            step = FOUNDING_STEP if framework == "waico" else int(named["step"].max())
            listed(observation_id, f"{observation_id} ({framework}, step {step})", named, framework, step)
    label = f"all WAICO-side support and endorsements (waico, step {FOUNDING_STEP})"
    listed("all_waico_support", label, positives(observations, "waico"), "waico", FOUNDING_STEP)
    precedent = world.iso3[world.blocs[PRECEDENT].to_numpy()].tolist()
    label = (
        f"proxy: IOMed's founding signatories, 30 May 2025 ({len(precedent)} of 33 named; who co-founds "
        f"a China-hosted treaty organisation; waico, step {FOUNDING_STEP})"
    )
    task = partial(score, scenario, precedent, "waico", FOUNDING_STEP, where=f"bloc '{PRECEDENT}'", **common)
    found.append(HoldOut("iomed_founders", label, task))
    for framework, cutoff in SPLITS:
        step = FOUNDING_STEP if framework == "waico" else None
        task = partial(score_temporal, scenario, observations, cutoff, framework, step=step, **common)
        name = f"temporal_{framework}_{cutoff.isoformat().replace('-', '_')}"
        found.append(HoldOut(name, f"temporal split {framework} at {cutoff}", task))
    return found
