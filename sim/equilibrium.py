"""Is a model's state an equilibrium? Nash in portfolios, and each coalition's stability.

:func:`check_equilibrium` judges the state a :class:`~sim.model.CoalitionModel` is in now
(usually after its last step), with the model's own utility functions
(:func:`sim.utility.framework_utilities` and :func:`sim.utility.portfolio_utilities`):

* **Nash equilibrium in portfolios**: no country can raise its utility by changing its
  portfolio alone, given everyone else's. A deviation is judged on the utility of the
  *state* it leads to, so the switching cost is excluded: it is a friction of the
  adjustment process, not a payoff of the state. (A state that is Nash only because of
  the switching cost would be reported as not Nash, with gains below that cost.)
* **Internal stability** of a framework (d'Aspremont et al. 1983; Carraro and
  Siniscalco 1993): no member gains by dropping that framework alone from its portfolio.
  Committed members cannot drop it and are not counted.
* **External stability**: no non-member gains by adding it to its portfolio, where that
  is allowed (launched, eligible, not exclusive with what the country holds).

A unilateral deviation is evaluated correctly by the model's utilities because neither
the club term nor the peer term of framework j for country i depends on i's own
membership: the club value counts the *other* members' share (``club_values``) and a
country is not its own peer (tie layers have a zero diagonal).

Gains no larger than :data:`TOLERANCE` x (1 + the largest absolute utility) count as
ties, not gains. Under the logit rule the long-run state is
a noisy quantal-response outcome, so some countries usually could gain a little; the
report says by how much.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.utility import framework_utilities, portfolio_utilities

if TYPE_CHECKING:
    from sim.model import CoalitionModel

#: Relative size below which a utility gain counts as a tie.
TOLERANCE = 1e-9

#: How many of the largest possible gains :func:`summary_lines` names.
SUMMARY_COUNTRIES = 5


@dataclass(frozen=True)
class FrameworkStability:
    """Internal and external stability of one framework's membership.

    Attributes:
        framework: The framework id.
        members: How many countries hold it.
        leavers: Members that would gain by dropping it alone (internal instability).
        joiners: Non-members that may add it and would gain by doing so (external
            instability).

    """

    framework: str
    members: int
    leavers: tuple[str, ...]
    joiners: tuple[str, ...]

    @property
    def internally_stable(self) -> bool:
        """No member gains by leaving."""
        return not self.leavers

    @property
    def externally_stable(self) -> bool:
        """No non-member gains by joining."""
        return not self.joiners


@dataclass(frozen=True, eq=False)
class EquilibriumReport:
    """Whether a state is a Nash equilibrium in portfolios, and how each coalition stands.

    Attributes:
        step: The model step the state belongs to.
        tolerance: The absolute utility difference below which gains are ties.
        deviations: Countries that could gain by a unilateral change of portfolio, one
            row each: iso3, current (portfolio label), best (the best available
            portfolio), gain (utility difference, switching cost excluded); largest
            gain first.
        frameworks: The stability of each framework, in scenario order.

    """

    step: int
    tolerance: float
    deviations: pd.DataFrame
    frameworks: tuple[FrameworkStability, ...]

    @property
    def is_nash(self) -> bool:
        """No country gains by a unilateral change of portfolio."""
        return self.deviations.empty

    @property
    def max_gain(self) -> float:
        """The largest gain any country could make (0 at a Nash equilibrium)."""
        return float(self.deviations["gain"].max()) if not self.deviations.empty else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data, for a run's metadata.

        Returns:
            A dict with ``step``, ``is_nash``, ``tolerance``, ``max_gain``,
            ``countries_that_could_gain``, ``deviations`` (a list of rows) and
            ``frameworks`` (by id: members, stability flags, leavers and joiners).

        """
        return {
            "step": self.step,
            "is_nash": self.is_nash,
            "switching_cost": "excluded",
            "tolerance": self.tolerance,
            "max_gain": self.max_gain,
            "countries_that_could_gain": len(self.deviations),
            "deviations": [
                {"iso3": str(r.iso3), "current": str(r.current), "best": str(r.best), "gain": float(r.gain)}
                for r in self.deviations.itertuples(index=False)
            ],
            "frameworks": {
                fs.framework: {
                    "members": fs.members,
                    "internally_stable": fs.internally_stable,
                    "externally_stable": fs.externally_stable,
                    "leavers": list(fs.leavers),
                    "joiners": list(fs.joiners),
                }
                for fs in self.frameworks
            },
        }


def state_utilities(model: CoalitionModel) -> np.ndarray:
    """Utility of every portfolio for every country in the current state, no switching cost.

    Args:
        model: The model, in the state to judge.

    Returns:
        ``(n, P)`` utilities of every portfolio, available or not (availability is
        applied by the caller).

    """
    params = model.params
    u = framework_utilities(
        params, model.member_share(), model.holds, model.peer_share(), offers=model.side_payment
    )
    unrestricted = replace(params, switching_cost=0.0, available=np.ones_like(params.available))
    return portfolio_utilities(unrestricted, u, model.portfolio)


def toggle_table(portfolios: np.ndarray) -> np.ndarray:
    """For each portfolio and framework, the portfolio with that framework added or dropped.

    Args:
        portfolios: ``(P, k)`` boolean matrix of allowed portfolios.

    Returns:
        ``(P, k)`` integer matrix: the row index of the toggled portfolio, or -1 where it
        is not an allowed portfolio (it would hold an exclusive pair).

    """
    k = portfolios.shape[1]
    toggled = portfolios[:, None, :] ^ np.eye(k, dtype=bool)[None, :, :]
    same = (toggled[:, :, None, :] == portfolios[None, None, :, :]).all(axis=3)
    return np.where(same.any(axis=2), same.argmax(axis=2), -1)


def check_equilibrium(model: CoalitionModel) -> EquilibriumReport:
    """Check whether the model's current state is an equilibrium, and who could gain.

    Args:
        model: A model (typically after its last step).

    Returns:
        The :class:`EquilibriumReport` of the current state.

    """
    params = model.params
    n = model.world.n
    rows = np.arange(n)
    utilities = state_utilities(model)
    available = np.where(params.available, utilities, -np.inf)
    finite = np.abs(utilities[np.isfinite(utilities)])
    tolerance = TOLERANCE * (1.0 + (float(finite.max()) if finite.size else 0.0))

    current = utilities[rows, model.portfolio]
    best = available.argmax(axis=1)
    gain = available[rows, best] - current
    could_gain = gain > tolerance
    labels = np.array(params.labels, dtype=object)
    deviations = pd.DataFrame(
        {
            "iso3": model.world.iso3[could_gain],
            "current": labels[model.portfolio[could_gain]],
            "best": labels[best[could_gain]],
            "gain": gain[could_gain],
        }
    )
    deviations = deviations.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)

    toggles = toggle_table(params.portfolios)[model.portfolio]  # (n, k)
    holds = model.holds
    frameworks = []
    for j, fid in enumerate(params.framework_ids):
        target = toggles[:, j]
        allowed = target >= 0
        allowed[allowed] = params.available[rows[allowed], target[allowed]]
        move_gain = np.full(n, -np.inf)
        move_gain[allowed] = utilities[rows[allowed], target[allowed]] - current[allowed]
        gains = move_gain > tolerance
        frameworks.append(
            FrameworkStability(
                framework=fid,
                members=int(holds[:, j].sum()),
                leavers=tuple(model.world.iso3[gains & holds[:, j]].tolist()),
                joiners=tuple(model.world.iso3[gains & ~holds[:, j]].tolist()),
            )
        )
    return EquilibriumReport(
        step=int(model.steps), tolerance=tolerance, deviations=deviations, frameworks=tuple(frameworks)
    )


def summary_lines(report: EquilibriumReport) -> list[str]:
    """Short lines for the ``coalsim run`` summary.

    Args:
        report: A report from :func:`check_equilibrium`.

    Returns:
        Lines of text: the Nash verdict, the largest possible gains, and one line per
        framework with its internal and external stability.

    """
    if report.is_nash:
        lines = [f"Equilibrium at step {report.step}: Nash in portfolios (no country gains by a "
                 "unilateral change; switching cost excluded)."]  # fmt: skip
    else:
        top = report.deviations.head(SUMMARY_COUNTRIES)
        named = ", ".join(f"{r.iso3} {r.current} -> {r.best} (+{r.gain:.3g})" for r in top.itertuples())
        more = len(report.deviations) - len(top)
        lines = [
            f"Equilibrium at step {report.step}: not Nash; {len(report.deviations)} countries could gain "
            "by a unilateral change (switching cost excluded).",
            f"  largest gains: {named}" + (f" and {more} more" if more > 0 else ""),
        ]
    for fs in report.frameworks:
        internal = "stable" if fs.internally_stable else f"{len(fs.leavers)} would leave"
        external = "stable" if fs.externally_stable else f"{len(fs.joiners)} would join"
        lines.append(f"  {fs.framework}: {fs.members} members; internally {internal}; externally {external}")
    return lines
