"""Country agents: the readable per-agent decision rule and ``explain()``.

A :class:`Country` reads its own row of the model's state and parameters. Its
:meth:`Country.decide` spells the utility out framework by framework and portfolio by
portfolio, in plain loops, adding the terms in the same order as the vectorised engine
(``sim.utility``), so both engines give the same choices for the same random numbers.
:meth:`Country.explain` shows each option's utility broken into its components.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from sim.rules import choice_probabilities, choose
from sim.scenario import Lever
from sim.utility import COMPONENTS, peer_signals

if TYPE_CHECKING:
    from sim.model import CoalitionModel


class Country(mesa.Agent):
    """A country that holds a portfolio of AI-governance memberships.

    Args:
        model: The model it belongs to.
        index: Its row in the world's arrays.

    """

    model: CoalitionModel

    def __init__(self, model: CoalitionModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    # -- what people look at -----------------------------------------------------
    @property
    def iso3(self) -> str:
        """ISO 3166-1 alpha-3 code (or a synthetic id)."""
        return str(self.model.world.iso3[self.index])

    @property
    def name(self) -> str:
        """Display name."""
        return str(self.model.world.names[self.index])

    @property
    def portfolio(self) -> str:
        """The current portfolio, e.g. ``"waico+un"`` or ``"non-aligned"``."""
        return self.model.params.labels[self.model.portfolio[self.index]]

    @property
    def memberships(self) -> tuple[str, ...]:
        """Ids of the frameworks the country holds now."""
        params = self.model.params
        row = params.portfolios[self.model.portfolio[self.index]]
        return tuple(fid for fid, held in zip(params.framework_ids, row, strict=True) if held)

    def is_member(self, framework: str) -> bool:
        """Whether the country holds ``framework`` now."""
        return framework in self.memberships

    def __repr__(self) -> str:
        return f"Country({self.iso3}, {self.portfolio})"

    # -- the readable rule -------------------------------------------------------
    def framework_components(self, j: int) -> dict[str, float]:
        """The utility components of framework ``j`` for this country, one by one.

        Args:
            j: Framework position in ``model.params.framework_ids``.

        Returns:
            Component values by name, in the order they are summed.

        """
        model, params, i = self.model, self.model.params, self.index
        held = float(params.portfolios[model.portfolio[i], j])
        member_share = float(model.member_share()[j])
        others = max(member_share - params.club_share_weight[i] * held, 0.0)
        peer_row = params.peers[[i]] @ peer_signals(params, model.holds)[:, [j]]
        values = {
            "alignment": params.static["alignment"][i, j],
            "club": params.club_coef * float(np.power(others, params.club_exponent)),
        }
        for lever in Lever:
            values[lever.value] = params.static[lever.value][i, j]
        values["peer"] = params.peer_coef * float(peer_row[0, 0])
        values["offers"] = model.side_payment[i, j]
        for name in ("penalty", "sovereignty", "entry", "support", "partner"):
            values[name] = params.static[name][i, j]
        return values

    def framework_utility(self, j: int) -> float:
        """Utility of framework ``j``: the components added in their fixed order."""
        total = 0.0
        for value in self.framework_components(j).values():
            total += value
        return total

    def portfolio_utilities(self) -> np.ndarray:
        """Utility of every portfolio for this country (``-inf`` where unavailable)."""
        params, model, i = self.model.params, self.model, self.index
        u = [self.framework_utility(j) for j in range(params.k)]
        current = model.portfolio[i]
        utilities = np.full(len(params.portfolios), -np.inf)
        for p, holds in enumerate(params.portfolios):
            if not params.available[i, p]:
                continue
            total = 0.0
            for j in range(params.k):
                if holds[j]:
                    total += u[j]
            total -= params.pair_cost[p]
            if p != current:
                total -= params.switching_cost
            utilities[p] = total
        return utilities

    def decide(self, draw: float) -> int:
        """Choose a portfolio with the scenario's rule, given one uniform draw.

        Args:
            draw: A uniform number in [0, 1) for the logit rule.

        Returns:
            The chosen portfolio index.

        """
        current = np.array([self.model.portfolio[self.index]])
        utilities = self.portfolio_utilities()[None, :]
        return int(choose(self.model.spec.rule, utilities, current, np.array([draw]))[0])

    # -- why ---------------------------------------------------------------------
    def explain(self) -> pd.DataFrame:
        """Why the country holds what it holds: every option's utility, by component.

        Returns:
            One row per available portfolio (index: portfolio label) with a column per
            component summed over the portfolio's frameworks, ``dual_cost``,
            ``switching``, ``total``, the rule's choice ``probability`` and whether it
            is the ``current`` portfolio; sorted by total utility, best first.

        """
        params, model, i = self.model.params, self.model, self.index
        per_framework = [self.framework_components(j) for j in range(params.k)]
        utilities = self.portfolio_utilities()
        probability = choice_probabilities(model.spec.rule, utilities[None, :], model.portfolio[i : i + 1])[0]
        rows = []
        for p, holds in enumerate(params.portfolios):
            if not params.available[i, p]:
                continue
            row = {
                name: sum(per_framework[j][name] for j in range(params.k) if holds[j])
                for name in COMPONENTS
            }
            row["dual_cost"] = -params.pair_cost[p]
            row["switching"] = -params.switching_cost if p != model.portfolio[i] else 0.0
            row["total"] = utilities[p]
            row["probability"] = probability[p]
            row["current"] = p == model.portfolio[i]
            rows.append(pd.Series(row, name=params.labels[p]))
        table = pd.DataFrame(rows)
        table.index.name = "portfolio"
        return table.sort_values("total", ascending=False)
