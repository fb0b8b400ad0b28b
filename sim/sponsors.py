"""Sponsors: agents that court countries for a framework with offers paid from a budget.

A :class:`Sponsor` is the second Mesa agent type of :class:`~sim.model.CoalitionModel`,
one per framework with a ``sponsors:`` entry in the scenario. At the start of each step,
after the events and before any country decides, the sponsors act one after another in
the scenario's order. Each adds its offers to the model's ``side_payment`` array, the
``offers`` component of every country's utility (:mod:`sim.utility`), and so sees the
offers that the sponsors before it made in the same step: a rival listed later can
answer them within the step. Offers hold for one step; a sponsor that wants to keep a
country pays again the next step.

An offer of ``units`` of lever ``l`` to country ``i`` is worth
``utility.levers[l] * need_il * units`` utility units (the scenario levers' formula,
``need`` being the attribute named in ``utility.lever_need``); a side payment is worth one
utility unit per unit. It costs ``units * cost_il`` of the budget, charged when offered.

Strategies (none draws random numbers, so sponsors leave the model's random stream alone):

* ``fixed``: offer the scenario's ``units`` of each lever to every target, in world order,
  while the budget lasts (today's fixed incentives, but targeted and paid for);
* ``greedy``: for every target, the *gap* is how much more the best portfolio without the
  framework is worth to it than the best portfolio with it (switching costs included,
  offers so far included). Countries with a gap of zero or less would choose the
  framework anyway and get nothing. The others are offered ``gap + margin`` utility units
  on their cheapest lever (lowest cost per utility unit), cheapest country first, each
  paid in full if it fits in what is left of the budget;
* ``value_weighted``: as greedy, but countries are taken in order of cost per unit of
  value (GDP, population, AI capacity or one per country); countries of zero value get
  nothing.

Targets never include countries that cannot hold the framework now (not launched, not
eligible) or that are committed to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from sim.scenario import SponsorSpec

if TYPE_CHECKING:
    from sim.model import CoalitionModel

#: Columns of the tidy offers table (``RunResult.offers``).
OFFER_COLUMNS = ("step", "sponsor", "iso3", "lever", "units", "cost")


def offers_frame(log: list[tuple[int, str, int, str, float, float]], iso3: np.ndarray) -> pd.DataFrame:
    """Turn a model's offer log into the tidy offers table.

    Args:
        log: Records (step, sponsor, country row, lever, units, cost).
        iso3: The world's country codes, by row.

    Returns:
        A frame with columns :data:`OFFER_COLUMNS` (empty when no offer was made).

    """
    steps, sponsors, rows, levers, units, costs = zip(*log, strict=True) if log else ((),) * 6
    return pd.DataFrame(
        {
            "step": np.asarray(steps, dtype=np.int64),
            "sponsor": pd.Series(sponsors, dtype=str),
            "iso3": pd.Series(np.asarray(iso3)[list(rows)], dtype=str),
            "lever": pd.Series(levers, dtype=str),
            "units": np.asarray(units, dtype=float),
            "cost": np.asarray(costs, dtype=float),
        }
    )


def gaps_to_join(utilities: np.ndarray, portfolios: np.ndarray, column: int) -> np.ndarray:
    """How much utility each country lacks to prefer a portfolio holding one framework.

    Args:
        utilities: ``(n, P)`` portfolio utilities (``-inf`` where unavailable).
        portfolios: ``(P, k)`` the portfolios' memberships.
        column: The framework's position.

    Returns:
        ``(n,)`` best utility without the framework minus best utility with it: ``> 0``
        where an offer of more than that is needed, ``<= 0`` where the country prefers the
        framework already; ``inf`` where it cannot hold the framework, ``-inf`` where it
        cannot be without it (committed).

    """
    holding = portfolios[:, column]
    best_with = utilities[:, holding].max(axis=1, initial=-np.inf)
    best_without = utilities[:, ~holding].max(axis=1, initial=-np.inf)
    with np.errstate(invalid="ignore"):
        gap = best_without - best_with
    gap[np.isneginf(best_with)] = np.inf
    return gap


class Sponsor(mesa.Agent):
    """A framework's sponsor: courts countries with offers from a budget.

    Args:
        model: The model it belongs to.
        framework: The framework it courts for.
        spec: Its scenario settings.

    Attributes:
        framework: The framework id.
        spec: Budget, levers and their costs, strategy, targets.
        column: The framework's position in ``model.params.framework_ids``.
        spent: Total spent so far.

    """

    model: CoalitionModel

    def __init__(self, model: CoalitionModel, framework: str, spec: SponsorSpec) -> None:
        super().__init__(model)
        self.framework = framework
        self.spec = spec
        self.column = model.params.framework_ids.index(framework)
        self.spent = 0.0
        self._targets = model.country_mask(spec.targets, f"sponsors.{framework}.targets")
        world = model.world
        self._levers = tuple(spec.levers)
        cost = np.empty((len(self._levers), world.n))
        for row, lever in enumerate(self._levers):
            price = spec.levers[lever]
            cost[row] = price.cost
            for code, override in price.cost_overrides.items():
                cost[row, world.index[code]] = override
        self._cost = cost
        self._value = world.weights[spec.value]

    def __repr__(self) -> str:
        return f"Sponsor({self.framework}, {self.spec.strategy}, spent {self.spent:g})"

    def utility_per_unit(self) -> np.ndarray:
        """``(levers, n)`` utility one unit of each lever is worth to each country now."""
        weights, world = self.model.spec.utility, self.model.world
        return np.stack([
            np.ones(world.n) if lever == "side_payment"
            else weights.levers.get(lever, 0.0) * world.attribute(weights.lever_need[lever])
            for lever in self._levers
        ])  # fmt: skip

    def budget_left(self, spent_this_step: float) -> float:
        """What may still be spent this step, given what was spent earlier in it."""
        if self.spec.budget_period == "step":
            return self.spec.budget - spent_this_step
        return self.spec.budget - self.spent - spent_this_step

    def act(self) -> float:
        """Make this step's offers into ``model.side_payment`` and log them.

        Returns:
            What was spent this step.

        """
        model = self.model
        if model.steps < self.spec.start_step:
            return 0.0
        gaps = gaps_to_join(model.utilities(), model.params.portfolios, self.column)
        candidates = self._targets & np.isfinite(gaps)
        per_unit = self.utility_per_unit()
        if self.spec.strategy == "fixed":
            rows = np.flatnonzero(candidates)
            fixed = np.array([self.spec.units.get(lever, 0.0) for lever in self._levers])
            units = np.repeat(fixed[:, None], len(rows), axis=1)
        else:
            rows, units = self._targeted_offers(np.flatnonzero(candidates & (gaps > 0)), gaps, per_unit)
        return self._pay(rows, units, per_unit)

    def _targeted_offers(
        self, rows: np.ndarray, gaps: np.ndarray, per_unit: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The candidates in the strategy's order, each with ``gap + margin`` on its cheapest lever.

        Returns:
            The rows in order and ``(levers, m)`` units offered to each.

        """
        worth = per_unit[:, rows]
        with np.errstate(divide="ignore"):
            price = np.where(worth > 0, self._cost[:, rows] / worth, np.inf)
        cheapest = price.argmin(axis=0)
        needed = gaps[rows] + self.spec.margin
        cost = needed * price[cheapest, np.arange(len(rows))]
        keep = np.isfinite(cost)
        if self.spec.strategy == "value_weighted":
            value = self._value[rows]
            keep &= value > 0
            cost = cost / np.where(keep, value, 1.0)
        order = np.flatnonzero(keep)[np.argsort(cost[keep], kind="stable")]
        units = np.zeros((len(self._levers), len(order)))
        units[cheapest[order], np.arange(len(order))] = needed[order] / worth[cheapest[order], order]
        return rows[order], units

    def _pay(self, rows: np.ndarray, units: np.ndarray, per_unit: np.ndarray) -> float:
        """Make the offers that fit what is left of the budget, in the order given.

        Args:
            rows: ``(m,)`` countries, in the order they are considered.
            units: ``(levers, m)`` units offered to each.
            per_unit: ``(levers, n)`` utility of a unit of each lever to each country.

        Returns:
            What was spent.

        """
        model, spent, paid = self.model, 0.0, []
        costs = self._cost[:, rows] * units
        for position, cost in enumerate(costs.sum(axis=0).tolist()):
            if cost <= self.budget_left(spent):
                paid.append(position)
                spent += cost
        rows, units, costs = rows[paid], units[:, paid], costs[:, paid]
        for lever in range(len(self._levers)):  # in lever order, the order their utilities add up
            model.side_payment[rows, self.column] += per_unit[lever, rows] * units[lever]
        position, lever = np.nonzero(units.T > 0)  # by country, then lever
        model.offer_log.extend(
            zip(
                [model.steps] * len(position), [self.framework] * len(position), rows[position].tolist(),
                [self._levers[k] for k in lever.tolist()], units.T[position, lever].tolist(),
                costs.T[position, lever].tolist(), strict=True,
            )
        )  # fmt: skip
        self.spent += spent
        return spent
