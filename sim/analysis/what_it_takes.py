"""What would it take? The smallest offer that wins a country, and what a budget buys.

Two questions a policy team asks of a sponsor (:mod:`sim.sponsors`):

* :func:`what_it_takes`: the smallest *permanent* offer that makes a country join a
  framework and stay, given everyone else's behaviour in the scenario (its sponsors
  included). An offer enters the utility linearly: ``units`` of lever ``l`` are worth
  ``utility.levers[l] * need_il * units`` utility units to country ``i``, a side payment
  one per unit. So one bisection over the offer in utility units answers for every
  lever at once: the units of lever ``l`` are the utility threshold divided by what one
  unit is worth to the country. The offer is given to the model as a standing offer
  (``CoalitionModel(standing_offers=...)``), outside any sponsor's budget, from step 1.
  For each seed (replications with spawned seeds, as in sweeps) the threshold is the
  smallest offer, to ``tolerance``, at which the country holds the framework at each of
  the last ``stay`` steps. Bisection assumes that a larger offer never loses the country
  in the same seed: with common random numbers this holds except where a run's path
  branches. The offer that wins the country in at least ``share`` of the seeds is the
  ``share`` quantile (order statistic) of the per-seed thresholds; the spread across
  seeds is reported as their 5%, 50% and 95% quantiles. A seed whose threshold exceeds
  :data:`MAX_OFFER` counts as infinite. The seeds' bisections advance in step: each
  round's probes, one per seed still searching, run as one ensemble
  (:func:`sim.run_many`, each run with its own standing offer), and each probe's run is
  the one model per probe would make, so the thresholds are too. A scenario with
  sponsors runs its probes one model each, as :func:`sim.run_many` would run them
  (:func:`sim.ensemble.runs_alone`), without building each run's full result.
* :func:`budget_curve`: for each budget, the framework's sponsor (or, when the scenario
  has none, a sponsor paying side payments at one budget unit per utility unit) courts
  with the greedy strategy; the result is the framework's final members and shares per
  seed, summarised by median and 5-95% interval: a budget-to-membership curve. Its runs
  all have a sponsor, so each is one model (:func:`sim.run`), as :func:`sim.run_many`
  would run it.

The cheapest mix: the offer must add a given number of utility units, each lever adds
``worth_l`` per unit at ``cost_l`` per unit and nothing caps a lever, so the linear
programme "minimise the cost subject to the utility reached" has its optimum at a vertex:
everything on the lever with the lowest cost per utility unit (``cost_l / worth_l``). No
mix beats it; a tie means any mix of the tied levers costs the same. Costs come from the
scenario's sponsor for the framework (with its per-country overrides); without one, only
units are reported.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.ensemble import run_many, runs_alone
from sim.errors import ARGUMENTS, InputError, did_you_mean
from sim.experiment.spec import replication_seeds
from sim.model import CoalitionModel
from sim.results import run
from sim.scenario import OFFER_LEVERS, Scenario, load_scenario
from sim.schema import MAX_RUNS_IN_MEMORY, check_runs
from sim.world import World

#: Offers (utility units) beyond which a seed's threshold counts as infinite.
MAX_OFFER = 64.0

#: The most different budgets a budget curve tries (each runs every seed with a sponsor:
#: 100 budgets x 8 seeds take about half a minute here; 1,001 took over five).
MAX_BUDGETS = 100

#: Quantiles that describe the spread of the per-seed thresholds and the budget curve.
SPREAD = (0.05, 0.5, 0.95)

#: Columns of :attr:`BudgetCurve.runs`: one row per budget and seed.
BUDGET_COLUMNS = ("budget", "replicate", "seed", "members", "share_count", "share_gdp",
                  "share_population", "spent", "country_member")  # fmt: skip


@dataclass(frozen=True)
class OfferThreshold:
    """The smallest permanent offer that wins a country, per seed and per lever.

    Attributes:
        country: ISO3 code.
        framework: Framework id.
        share: Share of seeds in which the offer must win the country.
        stay: The country must hold the framework at each of this many last steps.
        steps: Steps per run.
        seeds: The run seeds.
        thresholds: Per seed, the smallest winning offer in utility units (0: it joins
            without an offer; ``inf``: not won below :data:`MAX_OFFER`).
        levers: Per lever: ``worth`` (utility per unit for this country) and ``cost``
            (budget per unit; NaN without a sponsor), indexed by lever.
        tolerance: Width (utility units) to which each threshold was bisected.
        root_seed: The seed the run seeds were spawned from.

    """

    country: str
    framework: str
    share: float
    stay: int
    steps: int
    seeds: tuple[int, ...]
    thresholds: np.ndarray
    levers: pd.DataFrame
    tolerance: float
    root_seed: int

    @property
    def required(self) -> float:
        """Utility units that win the country in at least ``share`` of the seeds."""
        return float(np.quantile(self.thresholds, self.share, method="inverted_cdf"))

    @property
    def spread(self) -> dict[float, float]:
        """The per-seed thresholds' 5%, 50% and 95% quantiles (utility units)."""
        return {q: float(np.quantile(self.thresholds, q, method="inverted_cdf")) for q in SPREAD}

    @property
    def cheapest(self) -> str | None:
        """The lever with the lowest cost per utility unit (None when costs are unknown)."""
        per_utility = self.levers["cost"] / self.levers["worth"]
        return None if per_utility.isna().all() else str(per_utility.idxmin())

    def table(self) -> pd.DataFrame:
        """Per lever: units needed at ``share`` of seeds, the seeds' 5/50/95% units, and costs."""
        worth, cost = self.levers["worth"], self.levers["cost"]
        spread = self.spread
        table = pd.DataFrame(
            {
                "worth_per_unit": worth,
                "units": self.required / worth,
                "units_p05": spread[0.05] / worth,
                "units_median": spread[0.5] / worth,
                "units_p95": spread[0.95] / worth,
                "cost_per_unit": cost,
            }
        )
        table["cost"] = table["units"] * cost
        table["cost_p05"] = table["units_p05"] * cost
        table["cost_p95"] = table["units_p95"] * cost
        table.index.name = "lever"
        return table.sort_values(["cost", "units"])

    def per_seed(self) -> pd.DataFrame:
        """Every seed's threshold in utility units: replicate, seed, threshold."""
        return pd.DataFrame(
            {"replicate": np.arange(len(self.seeds)), "seed": self.seeds, "threshold": self.thresholds}
        )

    def report(self) -> str:
        """A plain-text answer with its uncertainty."""
        spread = self.spread
        won = int(np.isfinite(self.thresholds).sum())
        lines = [
            f"What would it take for {self.country} to join {self.framework} and stay "
            f"(a member at each of the last {self.stay} of {self.steps} steps)?",
            f"In at least {self.share:.0%} of {len(self.seeds)} seeds: a permanent offer worth "
            f"{_number(self.required)} utility units (per seed: median {_number(spread[0.5])}, "
            f"5-95% {_number(spread[0.05])} to {_number(spread[0.95])}; bisected to {self.tolerance:g}; "
            f"won below {MAX_OFFER:g} in {won} seeds).",
        ]
        anyway = int((self.thresholds == 0).sum())
        if anyway:
            lines.append(
                f"{self.country} joins and stays without any offer in {anyway} of {len(self.seeds)} seeds."
            )
        if self.required == 0:
            lines.append(f"{self.country} joins and stays without an offer in that share of seeds.")
        table = self.table()
        lines.append(table.to_string(float_format=_number))
        cheapest = self.cheapest
        if cheapest is not None and math.isfinite(self.required):
            lines.append(
                f"Cheapest: everything on {cheapest}, {_number(table.loc[cheapest, 'units'])} units for "
                f"{_number(table.loc[cheapest, 'cost'])} budget units per step (offers are linear and "
                "uncapped, so no mix of levers costs less)."
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class BudgetCurve:
    """What a sponsor's budget buys: a framework's final membership per budget and seed.

    Attributes:
        framework: The framework the sponsor courts for.
        country: A country whose membership is also recorded, or None.
        runs: One row per budget and seed, columns :data:`BUDGET_COLUMNS`.
        budget_period: ``"step"`` or ``"total"``: what a budget is.
        steps: Steps per run.
        root_seed: The seed the run seeds were spawned from.
        levers: The sponsor's levers as run (cost per unit and per-country cost overrides).

    """

    framework: str
    country: str | None
    runs: pd.DataFrame
    budget_period: str
    steps: int
    root_seed: int
    levers: dict[str, dict]

    def summary(self) -> pd.DataFrame:
        """Per budget: members and shares as median with 5% and 95% quantiles across seeds."""
        columns = ["members", "share_count", "share_gdp", "share_population", "spent"]
        grouped = self.runs.groupby("budget")
        parts = {
            label: grouped[columns].quantile(q)
            for label, q in zip(("p05", "median", "p95"), SPREAD, strict=True)
        }
        frame = pd.concat(parts, axis=1).swaplevel(axis=1)
        ordered = [(c, label) for c in columns for label in ("median", "p05", "p95")]
        frame = frame[ordered]
        frame.columns = [f"{c}_{label}" for c, label in ordered]
        if self.country is not None:
            frame[f"{self.country}_member_share_of_seeds"] = grouped["country_member"].mean()
        return frame


def _number(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.3g}"


def _checked(
    scenario: Scenario | str | Path, framework: str, world: World | None, steps: int | None, seeds: int
) -> tuple[Scenario, World, int]:
    """Load the scenario and check the framework, steps and seeds."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    world = World.load() if world is None else world
    if framework not in scenario.active_frameworks:
        raise InputError(
            ARGUMENTS, "framework",
            f"an enabled framework of {scenario.name} ({', '.join(scenario.active_frameworks)})",
            f"'{framework}'", did_you_mean(framework, scenario.active_frameworks),
        )  # fmt: skip
    steps = scenario.steps if steps is None else steps
    if steps < 1:
        raise InputError(ARGUMENTS, "steps", "a whole number of at least 1", str(steps))
    check_runs(seeds, ARGUMENTS)
    return scenario, world, steps


def _country_row(world: World, country: str) -> int:
    if country not in world.index:
        raise InputError(
            ARGUMENTS, "country", "a known country code (ISO3)", f"'{country}'",
            did_you_mean(country, world.index),
        )  # fmt: skip
    return world.index[country]


def lever_prices(scenario: Scenario, world: World, framework: str, row: int) -> pd.DataFrame:
    """What one unit of each offer lever is worth to a country and costs the sponsor.

    Args:
        scenario: The scenario (its utility weights at the start).
        world: The world.
        framework: The framework courted for (its sponsor's costs, if any).
        row: The country's row in the world.

    Returns:
        ``worth`` and ``cost`` by lever; levers worth nothing to the country are left out.

    """
    sponsor = scenario.sponsors.get(framework)
    weights = scenario.utility
    rows = []
    for lever in OFFER_LEVERS:
        if lever == "side_payment":
            worth = 1.0
        else:
            worth = weights.levers.get(lever, 0.0) * float(world.attribute(weights.lever_need[lever])[row])
        price = sponsor.levers.get(lever) if sponsor is not None else None
        cost = math.nan if price is None else price.cost_overrides.get(str(world.iso3[row]), price.cost)
        if worth > 0:
            rows.append({"lever": lever, "worth": worth, "cost": cost})
    return pd.DataFrame(rows).set_index("lever")


def what_it_takes(
    scenario: Scenario | str | Path,
    country: str,
    framework: str,
    *,
    seeds: int = 8,
    seed: int | None = None,
    steps: int | None = None,
    share: float = 0.5,
    stay: int = 12,
    tolerance: float = 0.01,
    world: World | None = None,
) -> OfferThreshold:
    """The smallest permanent offer that makes a country join a framework and stay.

    Args:
        scenario: A scenario or its file.
        country: ISO3 code of the country.
        framework: The framework it should join.
        seeds: Replications (seeds spawned from ``seed``).
        seed: Root seed (default: the scenario's).
        steps: Steps per run (default: the scenario's).
        share: Share of seeds in which the offer must win the country, in (0, 1].
        stay: The country must be a member at each of this many last steps.
        tolerance: Width in utility units to which each seed's threshold is bisected.
        world: The world (default: the shipped one).

    Returns:
        The thresholds per seed and per lever.

    Raises:
        InputError: For an unknown country or framework, a bad number, or a country the
            scenario never lets hold the framework.

    """
    scenario, world, steps = _checked(scenario, framework, world, steps, seeds)
    row = _country_row(world, country)
    if not 0 < share <= 1:
        raise InputError(ARGUMENTS, "share", "a share in (0, 1]", f"{share:g}")
    if not 1 <= stay <= steps:
        raise InputError(ARGUMENTS, "stay", f"a whole number from 1 to {steps} (the steps)", str(stay))
    if not tolerance > 0:
        raise InputError(ARGUMENTS, "tolerance", "a positive width", f"{tolerance:g}")
    column = scenario.active_frameworks.index(framework)
    portfolios = _check_can_hold(scenario, world, country, framework, steps)
    root_seed = scenario.seed if seed is None else seed
    run_seeds = replication_seeds(root_seed, seeds)

    def wins(probes: dict[int, float]) -> list[bool]:
        """Whether each probe (seed's position: offer) wins the country: all in one ensemble."""
        offers = []
        for offer in probes.values():
            standing = np.zeros((world.n, len(scenario.active_frameworks)))
            standing[row, column] = offer
            offers.append(standing)
        seeds_now = [run_seeds[i] for i in probes]
        if runs_alone(scenario):
            last = []
            for run_seed, standing in zip(seeds_now, offers, strict=True):
                model = CoalitionModel(scenario, world, rng=run_seed, standing_offers=standing)
                model.run_for(steps)
                last.append(np.asarray(model.history[-stay:]))
        else:
            results = run_many(scenario, seeds_now, steps=steps, world=world, offers=offers)
            last = [results.history(j)[-stay:] for j in range(len(results))]
        return [bool(portfolios[states[:, row], column].all()) for states in last]

    searches = [_bisection(tolerance) for _ in run_seeds]
    probes = {i: next(search) for i, search in enumerate(searches)}
    thresholds = np.empty(len(run_seeds))
    while probes:
        following = {}
        for i, won in zip(probes, wins(probes), strict=True):
            try:
                following[i] = searches[i].send(won)
            except StopIteration as found:
                thresholds[i] = found.value
        probes = following
    return OfferThreshold(
        country, framework, share, stay, steps, tuple(run_seeds), thresholds,
        lever_prices(scenario, world, framework, row), tolerance, root_seed,
    )  # fmt: skip


def _check_can_hold(scenario: Scenario, world: World, country: str, framework: str, steps: int) -> np.ndarray:
    """Refuse a country that the scenario never lets hold the framework: no offer could win it.

    A run without offers is stepped to the end, so that launches, eligibility changed by
    events and commitments are as they stand at the last step.

    Returns:
        ``(P, k)`` the portfolios at the last step: every run's (offers change no parameter).
    """
    model = CoalitionModel(scenario, world)
    model.run_for(steps)
    params, row = model.params, world.index[country]
    column = params.framework_ids.index(framework)
    if not (params.available[row] & params.portfolios[:, column]).any():
        raise InputError(
            scenario.source, f"frameworks.{framework}",
            f"a framework that {country} may hold at the end of the run, so that an offer could win it",
            f"'{framework}', which {country} may not hold (not eligible, not launched within {steps} steps, "
            "or excluded by a framework it is committed to)",
            "No offer can make it join; ask about another country or framework.",
        )  # fmt: skip
    return params.portfolios


def _bisection(tolerance: float) -> Generator[float, bool, float]:
    """The smallest offer in [0, MAX_OFFER] that wins, to ``tolerance`` (inf if none).

    Yields the offers to try, one at a time, and is sent whether each wins; returns the
    threshold. So many searches can advance in step, their probes run together.
    """
    if (yield 0.0):
        return 0.0
    low, high = 0.0, 1.0
    while not (yield high):
        if high >= MAX_OFFER:
            return math.inf
        low, high = high, min(2 * high, MAX_OFFER)
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (low, middle) if (yield middle) else (middle, high)
    return high


def budget_curve(
    scenario: Scenario | str | Path,
    framework: str,
    budgets: Sequence[float],
    *,
    country: str | None = None,
    seeds: int = 8,
    seed: int | None = None,
    steps: int | None = None,
    world: World | None = None,
) -> BudgetCurve:
    """The membership a greedy sponsor reaches for each budget.

    The scenario's sponsor for ``framework`` keeps its levers, costs, targets, margin and
    budget period, with its budget replaced and its strategy set to ``greedy``; without
    one, a sponsor paying side payments at one budget unit per utility unit to every
    country, per step, is added. Every budget runs the same seeds.

    Args:
        scenario: A scenario or its file.
        framework: The framework the sponsor courts for.
        budgets: Budgets to try (each >= 0).
        country: Also record whether this country is a member at the end.
        seeds: Replications (seeds spawned from ``seed``).
        seed: Root seed (default: the scenario's).
        steps: Steps per run (default: the scenario's).
        world: The world (default: the shipped one).

    Returns:
        Final members, shares and spending per budget and seed.

    Raises:
        InputError: For an unknown framework or country, a negative budget, more than
            :data:`MAX_BUDGETS` different budgets or more than
            :data:`sim.schema.MAX_RUNS_IN_MEMORY` runs (budgets times seeds).

    """
    scenario, world, steps = _checked(scenario, framework, world, steps, seeds)
    if country is not None:
        _country_row(world, country)
    if not budgets or any(not (b >= 0 and math.isfinite(b)) for b in budgets):
        raise InputError(ARGUMENTS, "budgets", "one or more budgets >= 0", str(list(budgets)))
    distinct = len(set(float(b) for b in budgets))
    if distinct > MAX_BUDGETS:  # each budget runs every seed, a whole run with a sponsor
        raise InputError(ARGUMENTS, "budgets", f"at most {MAX_BUDGETS} different budgets", f"{distinct:,}")
    if distinct * seeds > MAX_RUNS_IN_MEMORY:
        expected = f"at most {MAX_RUNS_IN_MEMORY:,} runs in all (budgets times seeds)"
        found = f"{distinct:,} budgets x {seeds:,} seeds = {distinct * seeds:,} runs"
        raise InputError(ARGUMENTS, "budgets", expected, found)
    base = scenario.sponsors.get(framework)
    spec = (
        base.model_dump(mode="json") if base is not None
        else {"levers": {"side_payment": {"cost": 1.0}}, "budget_period": "step"}
    )  # fmt: skip
    root_seed = scenario.seed if seed is None else seed
    run_seeds = replication_seeds(root_seed, seeds)
    records = []
    for budget in sorted(set(float(b) for b in budgets)):
        courting = scenario.with_overrides(
            {f"sponsors.{framework}": {**spec, "budget": budget, "strategy": "greedy"}}
        )
        for replicate, run_seed in enumerate(run_seeds):
            result = run(courting, seed=run_seed, steps=steps, world=world, record="final")
            final = (
                result.aggregates[result.aggregates["step"] == steps].set_index("framework").loc[framework]
            )
            finals = result.countries.set_index("iso3")[framework]
            member = bool(finals.loc[country]) if country is not None else False
            records.append(
                (budget, replicate, run_seed, int(final["members"]), float(final["share_count"]),
                 float(final["share_gdp"]), float(final["share_population"]),
                 float(result.offers.loc[result.offers["sponsor"] == framework, "cost"].sum()), member)
            )  # fmt: skip
    runs = pd.DataFrame.from_records(records, columns=list(BUDGET_COLUMNS))
    return BudgetCurve(framework, country, runs, spec["budget_period"], steps, root_seed, spec["levers"])
