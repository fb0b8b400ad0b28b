"""Tests for sim.analysis.agreements: membership-game stability and Barrett's LQ model."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from sim.analysis.agreements import (
    Equilibrium,
    LinearQuadraticGame,
    agreement_scenario,
    agreement_world,
    equilibrium_sizes,
    model_stability,
    run_agreement,
    stability,
)

players = st.integers(min_value=3, max_value=200)
# b**2 / (2c) stays far from overflow and underflow over these ranges.
positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
positive_int = st.integers(min_value=1, max_value=1000)


# --- the closed-form LQ model -----------------------------------------------------------


@given(n=players, b=positive, c=positive)
def test_only_size_three_is_stable_under_strict_external(n: int, b: float, c: float) -> None:
    assert LinearQuadraticGame(n, b, c).stability(strict_external=True).stable_sizes == (3,)


@given(n=players, b=positive, c=positive)
def test_sizes_two_and_three_are_stable_under_weak_external(n: int, b: float, c: float) -> None:
    result = LinearQuadraticGame(n, b, c).stability(strict_external=False)
    assert result.stable_sizes == (2, 3)


@given(n=players, b=positive_int, c=positive_int)
def test_fraction_stable_sizes_are_exact(n: int, b: int, c: int) -> None:
    """With exact payoffs the ties (k = 1 internal, k = 2 external) are decided exactly."""
    game = LinearQuadraticGame(n, Fraction(b), Fraction(c))
    assert game.stability().stable_sizes == (3,)
    assert game.stability(strict_external=False).stable_sizes == (2, 3)


def test_payoffs_of_a_small_game_worked_by_hand() -> None:
    """N = 4, b = 1, c = 2, worked from the game's definition, not from the closed form.

    A non-signatory abates where its own marginal benefit b equals its marginal cost c q:
    q_n = 1/2. k signatories maximise k (b Q) - k (c/2) q**2 over their common q, so
    k b = c q: q_s = k/2. Payoff b Q - (c/2) q**2 = Q - q**2.
    * k = 0: Q = 4 * 1/2 = 2; pi_n = 2 - 1/4 = 7/4.
    * k = 1: q_s = 1/2, Q = 2; pi_s = 7/4, pi_n = 7/4.
    * k = 2: q_s = 1, Q = 2 * 1 + 2 * 1/2 = 3; pi_s = 3 - 1 = 2, pi_n = 3 - 1/4 = 11/4.
    * k = 3: q_s = 3/2, Q = 9/2 + 1/2 = 5; pi_s = 5 - 9/4 = 11/4, pi_n = 5 - 1/4 = 19/4.
    * k = 4: q_s = 2, Q = 8; pi_s = 8 - 4 = 4.
    Signing is worth pi_s(k) - pi_n(k - 1): 0, 1/4, 0, -3/4 for k = 1..4; so k = 3 is
    internally stable (0: a tie) and k = 4 is not, and an outsider at k = 3 loses 3/4 by
    joining. Stable: {3} (strict), {2, 3} (weak).
    """
    game = LinearQuadraticGame(4, Fraction(1), Fraction(2))
    assert [game.signatory_payoff(k) for k in range(1, 5)] == [
        Fraction(7, 4), Fraction(2), Fraction(11, 4), Fraction(4)
    ]
    assert [game.nonsignatory_payoff(k) for k in range(4)] == [
        Fraction(7, 4), Fraction(7, 4), Fraction(11, 4), Fraction(19, 4)
    ]
    assert game.stability().stable_sizes == (3,)
    assert game.stability(strict_external=False).stable_sizes == (2, 3)


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


# --- Barrett's game played by the model (sim.model, sim.equilibrium) ---------------------


def test_model_utility_of_signing_worked_by_hand() -> None:
    """N = 5, b = c = 1 (s = b**2 / (2c) = 1/2): the scenario's weights and the model's terms.

    peer = 2 s (N - 1) = 4 and club = -s N**2 = -12.5. A country with m other members has
    peer share m / 4 and count share m / 5, so u(iea) = 4 (m / 4) - 12.5 (m / 5)**2
    = m - m**2 / 2: 0, 1/2, 0, -3/2, -4 for m = 0..4, and u(non-aligned) = 0.
    Internal margin at k members (m = k - 1): 0, 1/2, 0, -3/2, -4;
    external margin at k (an outsider sees m = k): -1/2, 0, 3/2, 4.
    """
    result = model_stability(LinearQuadraticGame(5, 1.0, 1.0))
    np.testing.assert_allclose(result.internal_margin, [0, 0.5, 0, -1.5, -4], atol=1e-12)
    np.testing.assert_allclose(result.external_margin, [-0.5, 0, 1.5, 4, np.nan], atol=1e-12)
    assert result.stable_sizes == (3,)


@pytest.mark.parametrize(("n", "b", "c"), [(3, 1.0, 1.0), (8, 0.8, 1.7), (25, 2.5, 0.3), (60, 1.0, 4.0)])
def test_model_margins_are_the_closed_form_margins(n: int, b: float, c: float) -> None:
    """The model's utilities (club, peer and rule code) against Barrett's payoffs."""
    game = LinearQuadraticGame(n, b, c)
    closed, simulated = game.stability(), model_stability(game)
    atol = 1e-12 * game.scale * n * n  # rounding in utilities of size s N**2
    np.testing.assert_allclose(simulated.internal_margin, closed.internal_margin, rtol=0, atol=atol)
    np.testing.assert_allclose(simulated.external_margin, closed.external_margin, rtol=0, atol=atol)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(min_value=3, max_value=30), b=st.floats(0.05, 5.0), c=st.floats(0.05, 5.0))
def test_equilibrium_module_finds_two_and_three_for_any_parameters(n: int, b: float, c: float) -> None:
    """Barrett's result does not depend on N, b or c; nor does the model's (s N**2 <= 2.25e5 < 1e6)."""
    assert equilibrium_sizes(LinearQuadraticGame(n, b, c)) == (2, 3)


@pytest.mark.parametrize("n", [3, 4, 10, 40])
def test_equilibrium_module_finds_the_stable_sizes(n: int) -> None:
    """check_equilibrium (ties do not move) finds {2, 3}; the strict convention leaves {3}."""
    game = LinearQuadraticGame(n, 1.0, 1.0)
    assert equilibrium_sizes(game) == (2, 3)
    assert model_stability(game, strict_external=False).stable_sizes == (2, 3)
    assert model_stability(game).stable_sizes == (3,)


def test_two_players_sign_together() -> None:
    """N = 2: the grand coalition of two is the only stable size (as in the closed form)."""
    game = LinearQuadraticGame(2, 1.0, 1.0)
    assert equilibrium_sizes(game) == (2,)
    assert model_stability(game).stable_sizes == game.stability().stable_sizes == (2,)


@pytest.mark.parametrize("start", [10, 5, 1])
def test_runs_end_in_a_stable_agreement_of_two_or_three(start: int) -> None:
    """From every start with a signatory the run settles at 2 or 3 members, a Nash state."""
    game = LinearQuadraticGame(10, 1.0, 1.0)
    for seed in range(10):
        run = run_agreement(game, start, seed=seed)
        assert run.size in (2, 3), (seed, run.members)
        assert run.report.is_nash
        (agreement,) = run.report.frameworks
        assert agreement.members == run.size
        assert np.all(run.members[-100:] == run.size)  # at rest long before the end


def test_nobody_signing_stays_at_rest() -> None:
    """A lone signatory gains nothing (pi_s(1) = pi_n(0)), so nobody is first to sign."""
    run = run_agreement(LinearQuadraticGame(10, 1.0, 1.0), 0, seed=0)
    assert run.size == 0 and run.report.is_nash


def test_agreement_functions_reject_bad_sizes() -> None:
    with pytest.raises(ValueError, match="expected n to be an integer >= 2"):
        agreement_world(1)
    with pytest.raises(ValueError, match=r"expected game\.n to be an integer >= 2"):
        agreement_scenario(LinearQuadraticGame(1))
    with pytest.raises(ValueError, match=r"expected k to be an integer in 0\.\.4, got 5"):
        run_agreement(LinearQuadraticGame(4), 5, seed=0)
