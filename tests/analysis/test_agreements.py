"""Tests for sim.analysis.agreements: membership-game stability and Barrett's LQ model."""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

from sim.analysis.agreements import Equilibrium, LinearQuadraticGame, stability

EPS = sys.float_info.epsilon

players = st.integers(min_value=3, max_value=200)
# b**2 / (2c) stays far from overflow and underflow over these ranges.
positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
positive_int = st.integers(min_value=1, max_value=1000)


def rounding_close(actual: float, expected: float, *terms: float) -> bool:
    """Whether ``actual`` equals ``expected`` up to the rounding of a few float operations.

    ``actual`` is a difference of the float ``terms``, each one correctly rounded product,
    and the subtraction is rounded too: that is at most ``eps/2`` of each term plus ``eps/2``
    of the result. ``expected`` is one rounded product. Twice those bounds leaves headroom.
    """
    return math.isclose(actual, expected, rel_tol=2 * EPS, abs_tol=EPS * sum(map(abs, terms)))


# --- the closed-form LQ model -----------------------------------------------------------


@given(n=players, b=positive, c=positive)
def test_only_size_three_is_stable_under_strict_external(n: int, b: float, c: float) -> None:
    assert LinearQuadraticGame(n, b, c).stability(strict_external=True).stable_sizes == (3,)


@given(n=players, b=positive, c=positive)
def test_sizes_two_and_three_are_stable_under_weak_external(n: int, b: float, c: float) -> None:
    result = LinearQuadraticGame(n, b, c).stability(strict_external=False)
    assert result.stable_sizes == (2, 3)


@given(n=players, b=positive, c=positive)
def test_float_margins_match_closed_form(n: int, b: float, c: float) -> None:
    game = LinearQuadraticGame(n, b, c)
    result = game.stability()
    scale = b * b / (2 * c)
    for k in range(1, n + 1):
        pi_s, pi_n_before = game.signatory_payoff(k), game.nonsignatory_payoff(k - 1)
        expected = -scale * ((k - 1) * (k - 3))
        assert rounding_close(result.internal_margin[k - 1], expected, pi_s, pi_n_before)
    for k in range(1, n):
        pi_n, pi_s_after = game.nonsignatory_payoff(k), game.signatory_payoff(k + 1)
        expected = scale * (k * (k - 2))
        assert rounding_close(result.external_margin[k - 1], expected, pi_n, pi_s_after)


@given(n=players, b=positive_int, c=positive_int)
def test_fraction_margins_are_exact(n: int, b: int, c: int) -> None:
    game = LinearQuadraticGame(n, Fraction(b), Fraction(c))
    scale = Fraction(b * b, 2 * c)
    internal = [game.signatory_payoff(k) - game.nonsignatory_payoff(k - 1) for k in range(1, n + 1)]
    external = [game.nonsignatory_payoff(k) - game.signatory_payoff(k + 1) for k in range(1, n)]
    assert internal == [-scale * (k - 1) * (k - 3) for k in range(1, n + 1)]
    assert external == [scale * k * (k - 2) for k in range(1, n)]
    result = game.stability()
    # Fraction -> float conversion is correctly rounded, so equal exact values convert alike.
    assert result.internal_margin.tolist() == [float(m) for m in internal]
    assert result.external_margin[:-1].tolist() == [float(m) for m in external]
    assert result.stable_sizes == (3,)
    assert game.stability(strict_external=False).stable_sizes == (2, 3)


@given(n=st.integers(min_value=1, max_value=200), b=positive_int, c=positive_int)
def test_fraction_payoffs_match_the_stated_formulas(n: int, b: int, c: int) -> None:
    game = LinearQuadraticGame(n, Fraction(b), Fraction(c))
    scale = Fraction(b * b, 2 * c)
    assert [game.signatory_payoff(k) for k in range(1, n + 1)] == [
        scale * (2 * n + k**2 - 2 * k) for k in range(1, n + 1)
    ]
    assert [game.nonsignatory_payoff(k) for k in range(n)] == [
        scale * (2 * n + 2 * k**2 - 2 * k - 1) for k in range(n)
    ]


@pytest.mark.parametrize(("n", "stable"), [(1, (1,)), (2, (2,))])
def test_grand_coalition_is_stable_below_three_players(n: int, stable: tuple[int, ...]) -> None:
    game = LinearQuadraticGame(n, Fraction(1), Fraction(1))
    assert game.stability(strict_external=True).stable_sizes == stable
    assert game.stability(strict_external=False).stable_sizes == stable


def test_singleton_coalition_is_the_same_as_nobody_signing() -> None:
    game = LinearQuadraticGame(9, Fraction(2), Fraction(3))
    assert game.signatory_payoff(1) == game.nonsignatory_payoff(0)
    # pi_n(0) is everyone abating b/c on their own: Q = N b/c.
    q = Fraction(2, 3)
    assert game.nonsignatory_payoff(0) == 2 * 9 * q - Fraction(3, 2) * q * q


# --- the numerical optimisation checks the derivation -----------------------------------

# Brent's method finds a maximiser to about 1.5e-8 relative (its xtol, ~sqrt(eps)); payoffs
# inherit at most that relative error, so 1e-6 leaves a wide margin and nothing more.
SOLVER_RTOL = 1e-6


@given(data=st.data(), n=st.integers(min_value=1, max_value=200), b=positive, c=positive)
def test_numerical_equilibrium_matches_closed_form(
    data: st.DataObject, n: int, b: float, c: float
) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n), label="k")
    game = LinearQuadraticGame(n, b, c)
    solved = game.solve(k)
    assert solved.k == k
    if k > 0:
        assert math.isclose(solved.q_signatory, k * b / c, rel_tol=SOLVER_RTOL)
        assert math.isclose(solved.pi_signatory, game.signatory_payoff(k), rel_tol=SOLVER_RTOL)
    else:
        assert math.isnan(solved.q_signatory) and math.isnan(solved.pi_signatory)
    if k < n:
        assert math.isclose(solved.q_nonsignatory, b / c, rel_tol=SOLVER_RTOL)
        assert math.isclose(
            solved.pi_nonsignatory, game.nonsignatory_payoff(k), rel_tol=SOLVER_RTOL
        )
    else:
        assert math.isnan(solved.q_nonsignatory) and math.isnan(solved.pi_nonsignatory)


@pytest.mark.parametrize("n", [3, 4, 10, 60])
def test_stability_from_numerical_payoffs(n: int) -> None:
    game = LinearQuadraticGame(n, 0.8, 1.7)
    solved = [game.solve(k) for k in range(n + 1)]
    # Nonzero margins are integer multiples of the scale; the solver's error is below
    # SOLVER_RTOL * |payoff| <= 1e-6 * scale * (2N + 2N**2), far under scale / 10 here.
    tol = game.scale / 10
    result = stability(
        lambda k: solved[k].pi_signatory,
        lambda k: solved[k].pi_nonsignatory,
        n,
        tol=tol,
    )
    assert result.stable_sizes == (3,)
    weak = stability(
        lambda k: solved[k].pi_signatory,
        lambda k: solved[k].pi_nonsignatory,
        n,
        strict_external=False,
        tol=tol,
    )
    assert weak.stable_sizes == (2, 3)


@pytest.mark.parametrize(("n", "k"), [(3, 2), (5, 3), (6, 6)])
def test_unrestricted_joint_optimum_is_symmetric(n: int, k: int) -> None:
    b, c = 1.3, 0.7
    game = LinearQuadraticGame(n, b, c)
    solved = game.solve(k)
    outsiders = (n - k) * (solved.q_nonsignatory if k < n else 0.0)

    def negative_joint_payoff(q: np.ndarray) -> float:
        return -float(np.sum(b * (q.sum() + outsiders) - c / 2 * q * q))

    # Start asymmetric so that a symmetric answer is found, not inherited.
    optimum = minimize(negative_joint_payoff, np.linspace(0.0, 1.0, k), method="BFGS")
    assert optimum.success
    # BFGS here differentiates by finite differences (step ~sqrt(eps)), which limits it to
    # a few 1e-7 relative on these problems; 1e-5 allows for that and nothing more.
    np.testing.assert_allclose(optimum.x, solved.q_signatory, rtol=1e-5)


# --- the general stability function -----------------------------------------------------


def test_stability_reports_margins_flags_and_ties() -> None:
    pi_s = {1: 5, 2: 6, 3: 4, 4: 4}
    pi_n = {0: 5, 1: 6, 2: 4, 3: 7}
    result = stability(pi_s.__getitem__, pi_n.__getitem__, 4)
    np.testing.assert_array_equal(result.sizes, [1, 2, 3, 4])
    np.testing.assert_array_equal(result.internal_margin, [0, 0, 0, -3])
    np.testing.assert_array_equal(result.external_margin, [0, 0, 3, np.nan])
    np.testing.assert_array_equal(result.internal, [True, True, True, False])
    np.testing.assert_array_equal(result.external, [False, False, True, True])
    assert result.stable_sizes == (3,)
    weak = stability(pi_s.__getitem__, pi_n.__getitem__, 4, strict_external=False)
    np.testing.assert_array_equal(weak.external, [True, True, True, True])
    assert weak.stable_sizes == (1, 2, 3)


def test_tolerance_turns_near_ties_into_ties() -> None:
    pi_s = {1: 1.0, 2: 1.0 + 1e-9}
    pi_n = {0: 1.0 + 1e-9, 1: 1.0}
    assert stability(pi_s.__getitem__, pi_n.__getitem__, 2).stable_sizes == (2,)
    tied = stability(pi_s.__getitem__, pi_n.__getitem__, 2, strict_external=False, tol=1e-6)
    assert tied.stable_sizes == (1, 2)


def test_each_payoff_is_called_once_over_its_domain() -> None:
    calls: dict[str, list[int]] = {"s": [], "n": []}

    def pi_s(k: int) -> float:
        calls["s"].append(k)
        return 0.0

    def pi_n(k: int) -> float:
        calls["n"].append(k)
        return 0.0

    stability(pi_s, pi_n, 5)
    assert calls == {"s": [1, 2, 3, 4, 5], "n": [0, 1, 2, 3, 4]}


def test_result_arrays_are_read_only() -> None:
    result = LinearQuadraticGame(5).stability()
    with pytest.raises(ValueError, match="read-only"):
        result.stable[0] = True


@pytest.mark.parametrize("n", [0, -1, 2.0, True, "3"])
def test_stability_rejects_bad_player_counts(n: object) -> None:
    with pytest.raises(ValueError, match="expected n to be an integer >= 1"):
        stability(float, float, n)  # type: ignore[arg-type]


@pytest.mark.parametrize("tol", [-1e-9, math.inf, math.nan])
def test_stability_rejects_bad_tolerances(tol: float) -> None:
    with pytest.raises(ValueError, match="expected tol to be finite and >= 0"):
        stability(float, float, 3, tol=tol)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1", None, True])
def test_stability_rejects_bad_payoffs(bad: object) -> None:
    with pytest.raises(ValueError, match=r"expected pi_nonsignatory\(0\) to be a finite real"):
        stability(float, lambda k: bad, 3)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("n", "b", "c", "message"),
    [
        (0, 1.0, 1.0, "expected n to be an integer >= 1"),
        (3, 0.0, 1.0, "expected b to be a finite real number > 0"),
        (3, 1.0, -2.0, "expected c to be a finite real number > 0"),
        (3, math.inf, 1.0, "expected b to be a finite real number > 0"),
        (3, 1.0, math.nan, "expected c to be a finite real number > 0"),
    ],
)
def test_game_rejects_bad_parameters(n: int, b: float, c: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LinearQuadraticGame(n, b, c)


def test_game_rejects_sizes_outside_each_payoff_domain() -> None:
    game = LinearQuadraticGame(4)
    with pytest.raises(ValueError, match=r"expected k to be an integer in 1\.\.4, got 0"):
        game.signatory_payoff(0)
    with pytest.raises(ValueError, match=r"expected k to be an integer in 0\.\.3, got 4"):
        game.nonsignatory_payoff(4)
    with pytest.raises(ValueError, match=r"expected k to be an integer in 0\.\.4, got 5"):
        game.solve(5)
    with pytest.raises(ValueError, match=r"expected k to be an integer in 0\.\.4, got 1\.0"):
        game.solve(1.0)  # type: ignore[arg-type]


def test_equilibrium_is_frozen() -> None:
    solved = LinearQuadraticGame(4).solve(2)
    assert isinstance(solved, Equilibrium)
    with pytest.raises(AttributeError):
        solved.k = 3  # type: ignore[misc]
