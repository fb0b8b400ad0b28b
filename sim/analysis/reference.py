"""Classic results mapped onto the model: Brock-Durlauf (2001) and Granovetter (1978).

These functions build the synthetic worlds and one-framework scenarios under which the
model reduces to a published model, so tests and notebook 05 run the very same mapping.

The mappings rest on three facts of ``sim/utility.py`` and ``sim/rules.py``:

* with one framework ``x`` the portfolios are ``non-aligned`` (index 0, utility 0) and
  ``x`` (index 1);
* with no lead, no levers, no penalties, no sovereignty cost and peer weight 0, the
  utility of ``x`` is ``club * share_others**club_exponent - entry_cost``, where
  ``share_others`` is the weighted share of the *other* members (``club_values``);
* with ``club_weighting: count`` every actor weighs ``1/n``, so ``share_others`` is
  (members other than oneself) / n.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

import sim
from sim.scenario import validate_scenario

#: The Brock-Durlauf runs: actors, steps (m is averaged over the second half) and activation rate.
BD_ACTORS, BD_STEPS, BD_ACTIVATION = 4000, 300, 0.5

#: Utility weights that leave only the club term (alignment and peers off, club linear in count).
CLUB_ONLY_UTILITY = {"alignment": 0.0, "club_exponent": 1.0, "club_weighting": "count", "peer": 0.0}


def one_framework_scenario(
    *,
    club: float,
    entry_cost: float,
    rule: dict,
    steps: int,
    start_in: bool = False,
    entry_cost_overrides: dict[str, float] | None = None,
) -> sim.Scenario:
    """A scenario with one framework ``x`` whose only benefit is the count-weighted club."""
    framework = {"name": "X", "entry_cost": entry_cost, "entry_cost_overrides": entry_cost_overrides or {}}
    if start_in:
        framework["initial"] = {"all": True}
    raw = {
        "name": "reference",
        "question": "does the model reproduce a published result?",
        "steps": steps,
        "seed": 0,
        "frameworks": {"x": framework},
        "utility": CLUB_ONLY_UTILITY | {"club": club},
        "rule": {"switching_cost": 0.0, **rule},
    }
    return validate_scenario(raw, where="reference")


def homogeneous_world(n: int) -> sim.World:
    """``n`` identical actors: equal ideal points, no ties."""
    return sim.World.from_arrays(ideal_point=np.zeros(n))


# -- Brock & Durlauf (2001) ---------------------------------------------------------


def bd_fixed_points(beta: float, h: float, coupling: float) -> list[float]:
    """All roots of ``m = tanh(beta (h + J m))`` in (-1, 1), by bracketing on a fine grid."""
    gap = lambda m: m - np.tanh(beta * (h + coupling * m))  # noqa: E731
    grid = np.linspace(-1 + 1e-9, 1 - 1e-9, 20_001)
    values = gap(grid)
    roots = [brentq(gap, a, b) for a, b, fa, fb in zip(grid, grid[1:], values, values[1:], strict=False)
             if fa == 0 or fa * fb < 0]  # fmt: skip
    return roots


def bd_long_run_mean(
    beta: float,
    h: float,
    coupling: float,
    start_in: bool,
    seed: int,
    *,
    actors: int = BD_ACTORS,
    steps: int = BD_STEPS,
    activation: float = BD_ACTIVATION,
) -> float:
    """Run the Brock-Durlauf mapping and average m over the second half of the run.

    BD's choice probability is ``P(+1) = 1 / (1 + exp(-2 beta (h + J m)))`` with
    ``m = 2 s - 1`` (s = share choosing +1). The model's logit gives
    ``P(x) = 1 / (1 + exp(-(club * s - entry_cost) / T))``. Equating the two for every s:
    ``club = 4 J``, ``entry_cost = 2 J - 2 h``, ``T = 1 / beta``.
    """
    scenario = one_framework_scenario(
        club=4 * coupling, entry_cost=2 * coupling - 2 * h, steps=steps, start_in=start_in,
        rule={"kind": "logit", "temperature": 1 / beta, "activation_rate": activation},
    )  # fmt: skip
    model = sim.CoalitionModel(scenario, homogeneous_world(actors), rng=seed)
    model.run_for(steps)
    history = np.asarray(model.history)
    m = 2 * (history == 1).mean(axis=1) - 1
    return float(m[steps // 2 + 1 :].mean())


def bd_tolerance(beta: float, coupling: float, m_star: float) -> float:
    """How far :func:`bd_long_run_mean` may fall from the fixed point ``m_star``.

    Four standard errors of the time-averaged m, plus the finite-n bias bound, for the
    default run (:data:`BD_ACTORS`, :data:`BD_STEPS`, :data:`BD_ACTIVATION`).

    Derivation. Linearise the update around the fixed point m*: each step an actor is
    active with probability a and then draws +1 with the logit probability, so
    ``m_{t+1} - m* = rho (m_t - m*) + e_t`` with ``rho = 1 - a + a g'``, where
    ``g' = beta J (1 - m*^2)`` is the slope of ``tanh(beta (h + J m))`` at m*. Each actor's
    next state given the present is +-1 with conditional variance
    ``1 - ((1 - a) x_i + a m*)^2``; averaged over x_i this is ``a (2 - a) (1 - m*^2)``, and
    the n actors are independent given the state, so ``Var e_t = a (2 - a) (1 - m*^2) / n``.
    The stationary variance of the AR(1) process is ``Var e / (1 - rho^2)`` and the variance
    of the mean of T consecutive values is that times ``(1 + rho) / (1 - rho) / T``. Four
    such standard errors leave a 6e-5 chance of a false failure under the normal
    approximation.

    Bias: a member counts (members - 1) / n, not members / n, so its field is lower by
    ``2 J / n``; this moves the fixed point by at most ``beta (2 J / n) (1 - m*^2) / (1 - g')``.
    The burn-in (the first half) is long: the distance to m* shrinks by rho per step.

    Args:
        beta: Intensity of choice.
        coupling: Social utility J.
        m_star: The stable fixed point the run should settle at.

    Returns:
        The tolerance on the absolute difference.

    """
    a, n, samples = BD_ACTIVATION, BD_ACTORS, BD_STEPS - BD_STEPS // 2
    slope = beta * coupling * (1 - m_star**2)
    rho = 1 - a + a * slope
    stationary_variance = a * (2 - a) * (1 - m_star**2) / n / (1 - rho**2)
    standard_error = np.sqrt(stationary_variance * (1 + rho) / (1 - rho) / samples)
    bias = beta * (2 * coupling / n) * (1 - m_star**2) / (1 - slope)
    return float(4 * standard_error + bias)


# -- Granovetter (1978) -------------------------------------------------------------


def granovetter_joiners(thresholds: np.ndarray) -> int:
    """Run Granovetter's threshold model of collective behaviour; return the final joiners.

    Actor i joins when at least ``thresholds[i]`` others have joined. With count
    weighting each actor weighs 1/n, so ``club = n`` makes the club term the number of
    other members; ``entry_cost_i = threshold_i - 0.5`` then makes joining the best
    response exactly when (others) >= threshold_i, with no ties. Everyone revises every
    step (activation 1), against the state at the start of the step.
    """
    n = len(thresholds)
    world = homogeneous_world(n)
    overrides = {str(code): float(t) - 0.5 for code, t in zip(world.iso3, thresholds, strict=True)}
    scenario = one_framework_scenario(
        club=float(n), entry_cost=0.0, steps=n + 1, entry_cost_overrides=overrides,
        rule={"kind": "best_response", "activation_rate": 1.0},
    )  # fmt: skip
    model = sim.CoalitionModel(scenario, world, rng=0)
    model.run_for(n + 1)
    return int((model.portfolio == 1).sum())
