"""Published results reproduced by the real model on synthetic worlds.

Each test maps a classic model onto scenario fields, runs :class:`sim.CoalitionModel`
and checks the published result. Barrett's (1994) stability result, played by the
model and judged by :mod:`sim.equilibrium`, is tested in ``test_agreements.py``.

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
import pytest

from sim.analysis.reference import bd_fixed_points, bd_long_run_mean, bd_tolerance, granovetter_joiners

# -- Brock & Durlauf (2001) ---------------------------------------------------------


@pytest.mark.parametrize(("beta_j", "h"), [(0.5, 0.0), (0.8, 0.0), (0.5, 0.2)])
def test_brock_durlauf_unique_equilibrium(beta_j: float, h: float) -> None:
    """Below the critical coupling (beta J < 1) there is one equilibrium, reached from anywhere."""
    beta = 1.0
    (m_star,) = bd_fixed_points(beta, h, beta_j)
    tolerance = bd_tolerance(beta, beta_j, m_star)
    for start_in, seed in ((True, 1), (False, 2)):
        simulated = bd_long_run_mean(beta, h, beta_j, start_in, seed)
        assert abs(simulated - m_star) < tolerance, (start_in, simulated, m_star, tolerance)


@pytest.mark.parametrize(("beta_j", "h"), [(1.5, 0.0), (2.0, 0.0), (1.5, 0.05)])
def test_brock_durlauf_two_stable_equilibria(beta_j: float, h: float) -> None:
    """Above it (beta J > 1, small h) the two outer fixed points are both reached.

    Everyone in at the start settles at the upper root, everyone out at the lower; the
    middle root is unstable and is never the long-run mean.
    """
    beta = 1.0
    roots = bd_fixed_points(beta, h, beta_j)
    assert len(roots) == 3
    low, middle, high = roots
    for start_in, seed, m_star in ((True, 3, high), (False, 4, low)):
        simulated = bd_long_run_mean(beta, h, beta_j, start_in, seed)
        tolerance = bd_tolerance(beta, beta_j, m_star)
        assert abs(simulated - m_star) < tolerance, (start_in, simulated, m_star, tolerance)
        assert abs(simulated - middle) > 10 * tolerance


def test_brock_durlauf_fixed_points_are_the_textbook_ones() -> None:
    """The root finder itself: h = 0 gives 0 alone below beta J = 1 and +-m* above it."""
    assert bd_fixed_points(1.0, 0.0, 0.5) == pytest.approx([0.0], abs=1e-9)
    low, middle, high = bd_fixed_points(1.0, 0.0, 1.5)
    assert middle == pytest.approx(0.0, abs=1e-9)
    assert high == pytest.approx(-low)
    assert high == pytest.approx(np.tanh(1.5 * high))


# -- Granovetter (1978) -------------------------------------------------------------

GRANOVETTER_ACTORS = 100


def test_granovetter_uniform_thresholds_cascade_to_everyone() -> None:
    """Thresholds 0, 1, ..., 99: each joiner tips the next, and all 100 join."""
    assert granovetter_joiners(np.arange(GRANOVETTER_ACTORS)) == GRANOVETTER_ACTORS


def test_granovetter_one_changed_threshold_stops_the_cascade() -> None:
    """Raise the threshold of the actor at 1 to 2: only the instigator joins."""
    thresholds = np.arange(GRANOVETTER_ACTORS)
    thresholds[1] = 2
    assert granovetter_joiners(thresholds) == 1
